"""Redraw time of the live training plot with 10^3, 10^5 and 10^6 per-batch points (offscreen).

The Training panel's plot (kerasgui.ui.plots.TrainingPlots) holds every batch loss of a run. One
redraw is what each tick of its timer costs during training: a new batch point arrives, redraw()
hands the data to pyqtgraph, and the plot is painted (QWidget.grab forces the paint). Median of
--repeat redraws after a warm-up, for each size in one process, the sizes interleaved. Goal: the
10^6-point redraw within 2x of the 10^3-point one (pyqtgraph's downsampling and clipToView).

    .venv/bin/python benchmarks/plot.py [--repeat 30] [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERASGUI_SETTINGS", os.devnull)

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _bench import Row, format_rows, median, write_json

SIZES = (1_000, 100_000, 1_000_000)
_KEEP: list[object] = []
EPOCHS = 10  # the simulated run: its batches are spread over this many epochs


def filled(n: int):  # type: ignore[no-untyped-def]
    """A TrainingPlots that has seen a run of n batches (and its epochs), shown at 900x600."""
    from kerasgui.ui.plots import TrainingPlots

    p = TrainingPlots()
    p.resize(900, 600)
    p.show()
    rng = np.random.default_rng(0)
    loss = np.exp(-np.arange(n) / max(n / 3, 1)) + 0.05 * rng.random(n)
    steps = n // EPOCHS
    for e in range(EPOCHS):
        lo, hi = e * steps, (e + 1) * steps
        for i in range(lo, hi):
            p.add_batch(e, i - lo + 1, steps, float(loss[i]))
        p.add_epoch({"loss": float(loss[hi - 1]), "val_loss": float(loss[hi - 1]) * 1.1,
                     "accuracy": 1 - float(loss[hi - 1]) / 2,
                     "val_accuracy": 1 - float(loss[hi - 1]) / 1.8})
    p.redraw()
    p.canvas.grab()
    return p


def one_redraw(p, i: int) -> float:  # type: ignore[no-untyped-def]
    """A new batch point arrives; the timer's redraw and the paint that follows."""
    start = time.perf_counter()
    p.add_batch(p.epochs, i + 1, 10**6, 0.05)  # the next epoch's batches, in order
    p.redraw()
    p.canvas.grab()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    plots = {n: filled(n) for n in SIZES}
    times: dict[int, list[float]] = {n: [] for n in SIZES}
    for i in range(3):  # warm-up
        for n in SIZES:
            one_redraw(plots[n], i)
    for i in range(args.repeat):
        for n in SIZES:  # interleaved
            times[n].append(one_redraw(plots[n], 3 + i))
            app.processEvents()
    ms = {n: 1000 * median(t) for n, t in times.items()}
    for n in SIZES:
        curve = plots[n].curve("loss per batch")
        shown = curve.curve.getData()[0] if curve is not None else []
        print(f"  {n:>9,} batch points: redraw {ms[n]:7.2f} ms (median of {args.repeat}); "
              f"drawn as {len(shown):,} points")
    rows = [Row("plot", "training plot redraw, offscreen",
                f"{n:,} points / 1,000 points", ms[n] / ms[SIZES[0]], 2.0,
                note=f"{ms[n]:.1f} ms vs {ms[SIZES[0]]:.1f} ms")
            for n in SIZES[1:]]
    print()
    print(format_rows(rows))
    write_json(args.json, rows)
    for p in plots.values():
        p.timer.stop()
    _KEEP.extend([app, *plots.values()])  # Qt objects live until os._exit: no teardown
    return rows


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown at exit (PySide6 can crash in it)
