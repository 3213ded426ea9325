"""Training time: kerasgui against the plain Keras script a user would write, on the same project.

For each case the same data and model are trained
  (a) by the plain Keras script a user would write (fit's defaults: no steps_per_execution),
  (b) by `kerasgui train PROJECT --out DIR` (kerasgui.cli.main in a fresh process; the core
      Session, whose run folder adds a BackupAndRestore checkpoint and a history.json write after
      every epoch: their time is measured and shown),
  (s) by the core Session without a run folder (as the window runs it),
  (c) by the window: offscreen, the Training panel's worker thread, live plots,
each in a fresh process, interleaved (the order turning each repeat), --repeat times. Fit time is
the wall time of model.fit (for kerasgui: Session._run, which feeds it); the process's CPU time over
the same span is shown beside it, being less disturbed by other load on the machine. Whole-command
time is the wall time of the process. Every History must equal (a)'s exactly.

    .venv/bin/python benchmarks/overhead.py [--repeat 5] [--cases small,wide,cnn] [--json FILE]
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Row, format_rows, max_abs_diff, median, run_child, runs_text, write_json

SEED = 1
SPLIT = 0.2


@dataclass
class Case:
    key: str
    title: str
    rows: int
    shape: tuple[int, ...]
    classes: int | None          # None: regression with one target
    batch: int
    epochs: int
    keras_layers: str            # the layers as the plain script writes them
    layers: list[dict[str, Any]]  # the same layers in the project file
    goal: float                  # (b)/(a) and (c)/(a) at most this
    loss: str = "mean_squared_error"
    metrics: list[str] = field(default_factory=list)


def dense(units: int, activation: str | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"units": units}
    if activation:
        config["activation"] = activation
    return {"class_name": "Dense", "config": config}


CASES = [
    Case("small", "small batches: 20,000 x 20, Dense 32 + Dense 1, batch 16", 20_000, (20,), None,
         16, 3,
         "keras.layers.Dense(32, activation='relu'), keras.layers.Dense(1)",
         [dense(32, "relu"), dense(1)], goal=0.6),
    Case("wide", "wider MLP: 16,384 x 128, Dense 1024 x 2 + Dense 10, batch 256", 16_384, (128,),
         10, 256, 2,
         "keras.layers.Dense(1024, activation='relu'), "
         "keras.layers.Dense(1024, activation='relu'), "
         "keras.layers.Dense(10, activation='softmax')",
         [dense(1024, "relu"), dense(1024, "relu"), dense(10, "softmax")], goal=1.02,
         loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"]),
    Case("cnn", "small CNN: 4,000 images 28x28, 2 Conv2D + Dense 10, batch 64", 4_000,
         (28, 28, 1), 10, 64, 2,
         "keras.layers.Conv2D(16, 3, activation='relu'), keras.layers.MaxPooling2D(), "
         "keras.layers.Conv2D(32, 3, activation='relu'), keras.layers.MaxPooling2D(), "
         "keras.layers.Flatten(), keras.layers.Dense(10, activation='softmax')",
         [{"class_name": "Conv2D", "config": {"filters": 16, "kernel_size": 3,
                                              "activation": "relu"}},
          {"class_name": "MaxPooling2D", "config": {}},
          {"class_name": "Conv2D", "config": {"filters": 32, "kernel_size": 3,
                                              "activation": "relu"}},
          {"class_name": "MaxPooling2D", "config": {}},
          {"class_name": "Flatten", "config": {}},
          dense(10, "softmax")], goal=1.02,
         loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"]),
]

PLAIN = '''\
# {title}: the plain Keras script a user would write (fit's defaults)
import json
import os
import sys
import time

import keras
import numpy as np

x = np.load("x.npy")
y = np.load("y.npy")
order = np.random.default_rng({seed}).permutation(len(x))  # hold out the first {split:.0%}
x, y = x[order], y[order]
n_val = int({split} * len(x))
keras.utils.set_random_seed({seed})
model = keras.Sequential([keras.Input(shape={shape}), {layers}])
model.compile(optimizer="adam", loss="{loss}", metrics={metrics})
start, cpu = time.perf_counter(), sum(os.times()[:2])
history = model.fit(x[n_val:], y[n_val:], batch_size={batch}, epochs={epochs},
                    validation_data=(x[:n_val], y[:n_val]))
fit_seconds, fit_cpu = time.perf_counter() - start, sum(os.times()[:2]) - cpu
with open(sys.argv[1], "w") as f:
    json.dump({{"fit_seconds": fit_seconds, "fit_cpu": fit_cpu, "history": history.history}}, f)
'''

# Times Session._run (model.fit and what feeds it): wall seconds and the process's CPU seconds.
TIMER = '''\
import os, time
from kerasgui.core import training
FIT = {"fit_seconds": 0.0, "fit_cpu": 0.0, "checkpoint_seconds": 0.0}
_real_run = training.Session._run
_real_callbacks = training.Session._callbacks
_real_record = training.Session._record_epoch
def _timed_run(self, *args, **kwargs):
    wall, cpu = time.perf_counter(), sum(os.times()[:2])
    try:
        return _real_run(self, *args, **kwargs)
    finally:
        FIT["fit_seconds"] += time.perf_counter() - wall
        FIT["fit_cpu"] += sum(os.times()[:2]) - cpu
def _timed_callbacks(self, out_dir):
    callbacks = _real_callbacks(self, out_dir)
    for cb in callbacks:
        if type(cb).__name__ == "BackupAndRestore":
            real = cb.on_epoch_end
            def timed(epoch, logs=None, real=real):
                start = time.perf_counter()
                real(epoch, logs)
                FIT["checkpoint_seconds"] += time.perf_counter() - start
            cb.on_epoch_end = timed
    return callbacks
def _timed_record(self):
    start = time.perf_counter()
    _real_record(self)
    FIT["checkpoint_seconds"] += time.perf_counter() - start
training.Session._run = _timed_run
training.Session._callbacks = _timed_callbacks
training.Session._record_epoch = _timed_record
'''

# (b): the command line itself, timed
CLI = TIMER + '''\
import json, sys
from kerasgui import cli
code = cli.main(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    json.dump(FIT, f)
sys.exit(code)
'''

SESSION = TIMER + '''\
import json, sys, time
from kerasgui.core.project import Project
from kerasgui.core.training import Session

batches = []
session = Session(Project.load(sys.argv[1]), on_event=lambda e: batches.append(
    time.perf_counter()) if e["type"] == "batch_end" else None)
session.fit()
with open(sys.argv[2], "w") as f:
    json.dump({**FIT, "history": session.history,
               "steps_per_execution": session.steps_per_execution, "batch_events": batches},
              f)
'''

WINDOW = TIMER + '''\
import json, os, sys, time
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from kerasgui.ui.main_window import MainWindow
from kerasgui.ui import plots

redraws = []
_redraw = plots.TrainingPlots.redraw
def counted(self):
    start = time.perf_counter()
    _redraw(self)
    redraws.append(time.perf_counter() - start)
plots.TrainingPlots.redraw = counted

w = MainWindow()
w.resize(1200, 800)
w.show()
assert w.open_project(sys.argv[1], ask=False)

def settle(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)

deadline = time.perf_counter() + 300
while not w.keras_is_ready and time.perf_counter() < deadline:
    settle(0.05)
settle(0.5)
while (w.checker.busy or w._summary_timer.isActive()) and time.perf_counter() < deadline:
    settle(0.05)  # the live summary builds models in its own thread: let it finish first
settle(0.3)
panel = w.panels["Training"]
w.tabs.setCurrentWidget(panel)
events = []
panel.event_received.connect(lambda e: events.append(time.perf_counter())
                             if e["type"] == "batch_end" else None)
loop = QEventLoop()
panel.finished.connect(lambda result: loop.quit())
start = time.perf_counter()
assert panel.train()
loop.exec()
wall = time.perf_counter() - start
result = panel.job.result
assert result.ok, result.error
with open(sys.argv[2], "w") as f:
    json.dump({**FIT, "history": panel.session.history,
               "train_seconds": wall, "batch_events": events,
               "steps_per_execution": panel.session.steps_per_execution,
               "redraws": len(redraws), "redraw_ms": 1000 * sum(redraws) / max(1, len(redraws))},
              f)
os._exit(0)  # no close dialogs: the run is over
'''


def make_case(case: Case, folder: Path) -> Path:
    """Data files, the plain script and the project of one case, in `folder`."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    x = rng.normal(size=(case.rows, *case.shape)).astype(np.float32)
    flat = x.reshape(len(x), -1)
    w = rng.normal(size=(flat.shape[1], case.classes or 1)).astype(np.float32)
    score = flat @ w / math.sqrt(flat.shape[1])
    if case.classes:
        y = np.argmax(score + 0.5 * rng.normal(size=score.shape), axis=1).astype(np.float32)
    else:
        y = (score + 0.1 * rng.normal(size=score.shape)).astype(np.float32)
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", y)
    (folder / "plain.py").write_text(PLAIN.format(
        title=case.title, seed=SEED, split=SPLIT, shape=case.shape, layers=case.keras_layers,
        loss=case.loss, metrics=case.metrics, batch=case.batch, epochs=case.epochs),
        encoding="utf-8")
    project = {
        "kerasgui_project": 1,
        "name": f"benchmark {case.key}",
        "model": {"layers": case.layers},
        "compile": {"optimizer": "adam", "loss": case.loss, "metrics": case.metrics},
        "data": {"train": {"inputs": "x.npy", "targets": "y.npy"},
                 "validation": {"split": SPLIT, "shuffle": True}, "test": None},
        "fit": {"epochs": case.epochs, "batch_size": case.batch, "shuffle": True, "seed": SEED,
                "callbacks": []},
    }
    path = folder / f"{case.key}.kgproj"
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")
    return path


def run_mode(mode: str, project: Path, n: int) -> dict[str, Any]:
    folder = project.parent
    out = folder / f"result-{mode}-{n}.json"
    if mode == "a":
        wall, _ = run_child([str(folder / "plain.py"), str(out)], cwd=folder)
        result = json.loads(out.read_text(encoding="utf-8"))
    elif mode == "b":
        run_dir = folder / f"run-{n}"
        wall, _ = run_child(["-c", CLI, str(out), "train", str(project), "--out", str(run_dir)])
        record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
        history = json.loads((run_dir / "history.json").read_text(encoding="utf-8"))
        result = {**json.loads(out.read_text(encoding="utf-8")), "history": history,
                  "steps_per_execution": record.get("steps_per_execution")}
    elif mode == "s":
        wall, _ = run_child(["-c", SESSION, str(project), str(out)])
        result = json.loads(out.read_text(encoding="utf-8"))
    else:
        wall, _ = run_child(["-c", WINDOW, str(project), str(out)])
        result = json.loads(out.read_text(encoding="utf-8"))
    result["wall"] = wall
    return result


def window_ready() -> str | None:
    """None when the window's Training panel can run; otherwise why not."""
    try:
        import importlib.util

        for name in ("kerasgui.ui.training_panel", "kerasgui.ui.worker", "kerasgui.ui.plots"):
            if importlib.util.find_spec(name) is None:
                return f"{name} does not exist yet"
    except ImportError as e:
        return f"the window cannot be imported ({e})"
    return None


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", default=",".join(c.key for c in CASES))
    parser.add_argument("--no-window", action="store_true", help="skip (c)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if c.key in args.cases.split(",")]
    why_no_window = "skipped (--no-window)" if args.no_window else window_ready()
    modes = ["a", "b", "s"] + ([] if why_no_window else ["c"])
    names = {"a": "plain Keras", "b": "kerasgui train", "s": "Session, no run folder",
             "c": "window"}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="kerasgui-bench-") as tmp:
        for case in cases:
            project = make_case(case, Path(tmp) / case.key)
            results: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
            for n in range(args.repeat):
                # interleaved, the order turning each time: drift in the load hits every mode
                for mode in modes[n % len(modes):] + modes[:n % len(modes)]:
                    results[mode].append(run_mode(mode, project, n))
                    r = results[mode][-1]
                    print(f"  {case.key} run {n + 1}: {names[mode]:<24} fit "
                          f"{r['fit_seconds']:7.2f} s   whole {r['wall']:7.2f} s", flush=True)
            rows += report(case, results, names, why_no_window)
    print()
    print(format_rows(rows))
    write_json(args.json, rows)
    return rows


def event_rate(times: list[float]) -> float:
    """Batch events a second while batches run: from the first to the last, the pauses longer
    than a second (validation, epoch ends) left out."""
    gaps = [b - a for a, b in itertools.pairwise(times)]
    busy = sum(g for g in gaps if g <= 1.0)
    return sum(1 for g in gaps if g <= 1.0) / busy if busy else float("nan")


def report(case: Case, results: dict[str, list[dict[str, Any]]], names: dict[str, str],
           why_no_window: str | None) -> list[Row]:
    fit = {m: [r["fit_seconds"] for r in rs] for m, rs in results.items()}
    cpu = {m: [r["fit_cpu"] for r in rs] for m, rs in results.items()}
    wall = {m: [r["wall"] for r in rs] for m, rs in results.items()}
    base = results["a"][0]["history"]
    print(f"\n{case.title}")
    for m in results:
        diff = max(max_abs_diff(base, r["history"]) for r in results[m])
        extra = ""
        if "steps_per_execution" in results[m][0]:
            extra += f"   steps_per_execution {results[m][0]['steps_per_execution']}"
        if "batch_events" in results[m][0]:
            rate = median([event_rate(r["batch_events"]) for r in results[m]])
            extra += f"   batch events {rate:.1f}/s"
        if "redraw_ms" in results[m][0]:
            extra += (f"   plot redraws {median([r['redraws'] for r in results[m]]):.0f} "
                      f"({median([r['redraw_ms'] for r in results[m]]):.1f} ms each)")
        print(f"  {names[m]:<24} fit {median(fit[m]):6.2f} s ({runs_text(fit[m])}), CPU "
              f"{median(cpu[m]):6.2f} s   whole {median(wall[m]):6.2f} s   History max |diff| "
              f"vs (a): {diff:.3g}{extra}")

    def ratio(m: str, times: dict[str, list[float]]) -> float:
        # the median of the ratios of runs made side by side
        return median([t / a for t, a in zip(times[m], times["a"], strict=True)])

    rows = []
    for m, what in (("b", "kerasgui train"), ("s", "Session without run folder"),
                    ("c", "window")):
        figure = f"({m})/(a) fit time, {what}"
        if m in results:
            rows.append(Row("overhead", case.title, figure, ratio(m, fit), case.goal,
                            note=f"CPU time {ratio(m, cpu):.2f}"))
        else:
            rows.append(Row("overhead", case.title, figure, None, case.goal,
                            note=why_no_window or ""))
    checkpoint = median([r["checkpoint_seconds"] / case.epochs for r in results["b"]])
    share = median([r["checkpoint_seconds"] / a["fit_seconds"]
                    for r, a in zip(results["b"], results["a"], strict=True)])
    rows.append(Row("overhead", case.title, "(b) run-folder checkpoint + history.json / (a) fit",
                    share, None, note=f"{1000 * checkpoint:.0f} ms per epoch"))
    for m, what in (("b", "kerasgui train"), ("c", "window, from process start")):
        if m in results:
            rows.append(Row("overhead", case.title, f"({m})/(a) whole command, {what}",
                            ratio(m, wall), None))
    diffs = [max_abs_diff(base, r["history"]) for m in results for r in results[m]]
    rows.append(Row("overhead", case.title, "History max abs diff, all runs vs (a)", max(diffs),
                    0.0))
    return rows


if __name__ == "__main__":
    main()
