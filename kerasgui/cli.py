"""The command line (DESIGN.md section 5). No argument, or a project path, opens the window.

Exit codes: 0 done; 2 the user's input was wrong (one `error:` line); 130 interrupted (the model and
history so far are saved first); 1 a bug (short message, traceback in a log file).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import kerasgui
from kerasgui.core.errors import UserError

EXIT_OK, EXIT_BUG, EXIT_USER, EXIT_INTERRUPTED = 0, 1, 2, 130
COMMANDS = ("train", "summary", "evaluate", "predict", "export")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kerasgui",
        description="Build, train, evaluate and predict "
        "with Keras models. With no command, opens the window.",
    )
    p.add_argument("--version", action="version", version=f"kerasgui {kerasgui.__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    t = sub.add_parser("train", help="train a project and write model, history and run record")
    t.add_argument("project")
    t.add_argument(
        "--out", help="output folder (default: a new folder under runs/ beside the project)"
    )
    t.add_argument("--epochs", type=int, help="train this many epochs instead of the project's")
    t.add_argument("--devices", help="auto, N (GPUs) or cpu:N (split the CPU into N devices)")
    t.add_argument("--coordinator", help="HOST:PORT of worker 0, for training on several machines")
    t.add_argument("--num-workers", type=int)
    t.add_argument("--worker-index", type=int)
    t.add_argument(
        "--trust",
        action="store_true",
        help="run the Python files the project names for custom losses or metrics",
    )
    t.add_argument(
        "--resume",
        action="store_true",
        help="continue the newest unfinished run of this project from its checkpoint",
    )

    s = sub.add_parser("summary", help="print each layer's output shape and parameter count")
    s.add_argument("project")

    e = sub.add_parser("evaluate", help="print a JSON object of metric values on DATA")
    e.add_argument("model")
    e.add_argument("data", help="a CSV file, an .npz file or an .npy file of inputs")
    e.add_argument(
        "--targets",
        nargs="+",
        help="target columns (CSV), the targets .npy file, or the targets array name (.npz)",
    )
    e.add_argument("--inputs", help="the inputs array name in an .npz file")
    e.add_argument("--batch-size", type=int, default=32)

    pr = sub.add_parser("predict", help="predict on new data and save the predictions")
    pr.add_argument("model")
    pr.add_argument("data", help="a CSV file, an .npz file or an .npy file of inputs")
    pr.add_argument("--out", required=True, help="FILE.csv or FILE.npy")
    pr.add_argument("--inputs", help="the inputs array name in an .npz file")
    pr.add_argument("--batch-size", type=int, default=32)

    x = sub.add_parser("export", help="write a standalone Keras script that reproduces the run")
    x.add_argument("project")
    x.add_argument("--out", required=True, help="SCRIPT.py")
    x.add_argument(
        "--style", choices=("sequential", "functional", "subclass"), default="sequential"
    )
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        from kerasgui.ui.app import main as window

        return window(argv[0] if argv else None)
    args = _parser().parse_args(argv)
    try:
        handler = {
            "train": cmd_train,
            "summary": cmd_summary,
            "evaluate": cmd_evaluate,
            "predict": cmd_predict,
            "export": cmd_export,
        }[args.command]
        return handler(args)
    except UserError as e:
        print(f"error: {one_line(e.message)}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        log = write_bug_log(traceback.format_exc())
        print(
            f"kerasgui: internal error ({sys.exc_info()[1]!r:.200}); details in {log}",
            file=sys.stderr,
        )
        return EXIT_BUG


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def write_bug_log(text: str) -> Path:
    folder = Path(os.environ.get("KERASGUI_LOG_DIR") or Path(tempfile.gettempdir()) / "kerasgui")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"
    path.write_text(f"kerasgui {kerasgui.__version__}\n{text}", encoding="utf-8")
    return path


# ---- train --------------------------------------------------------------------------------------
def trust_project_code(project: Any, trust: bool) -> None:
    """Custom losses and metrics run only when the user said so (--trust)."""
    from kerasgui.core import custom
    from kerasgui.core.compile_spec import custom_files

    files = custom_files(project.compile)
    if files and not trust:
        raise UserError(
            f"this project runs Python code from {', '.join(files)} (custom loss or "
            "metric); read it, then pass --trust to run it",
            where="compile",
        )
    for f in files:
        custom.trust(project.resolve(f))


def cmd_train(args: argparse.Namespace) -> int:
    from kerasgui.core import distribution

    cluster = distribution.check_cluster(args.coordinator, args.num_workers, args.worker_index)
    if cluster is not None:
        distribution.use_jax_backend()  # before anything imports Keras

    from kerasgui.core.project import Project
    from kerasgui.core.run_record import new_run_dir, write_outputs, write_run
    from kerasgui.core.training import Session

    project = Project.load(args.project)
    if args.epochs is not None:
        if args.epochs < 1:
            raise UserError(f"--epochs must be 1 or more, not {args.epochs}")
        project.fit["epochs"] = args.epochs
    if args.devices is not None:
        distribution.parse(args.devices, where="--devices")
        project.fit["distribution"] = args.devices
    # before the backend starts its devices: "cpu:N" splits the CPU
    distribution.prepare_devices(project.fit.get("distribution"))
    if cluster is not None:
        distribution.start_cluster(cluster)  # waits for every worker
    trust_project_code(project, args.trust)
    if args.resume and not args.out:
        from kerasgui.core.recovery import unfinished_runs

        runs = unfinished_runs(project)
        if not runs:
            raise UserError(
                f"{project.path.name}: no unfinished run to resume under "
                f"{project.base_dir / 'runs'}"
            )
        args.out = str(runs[0].folder)
    out = Path(args.out) if args.out else new_run_dir(project)
    if cluster is not None and cluster.worker_index > 0:
        out = out / f"worker-{cluster.worker_index}"  # worker 0 writes the outputs
    out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    session = Session(project, on_event=_print_event)
    session.prepare()
    write_run(project, session, out, started, status="running")
    interrupted = False

    def on_term(signum: int, frame: Any) -> None:
        session.request_stop()
        session.stopped_reason = "terminated (SIGTERM)"

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        session.fit(out_dir=out, verbose=1)
    except KeyboardInterrupt:
        interrupted = True
        session.stopped_reason = "interrupted (Ctrl-C)"
    except UserError as e:
        # the weights and history so far are kept; say what failed after saving them
        write_outputs(project, session, out, started)
        raise UserError(f"{e.message} (the model and history so far are in {out})") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    metrics = write_outputs(project, session, out, started)
    if metrics is not None and session.layout.is_chief:
        print("test: " + " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items()))
    if session.stopped_reason:
        print(f"stopped: {session.stopped_reason}", file=sys.stderr)
    if session.layout.is_chief:
        print(f"saved model.keras, history.json and run.json in {out}")
    else:
        print(f"worker {session.layout.worker_index}: history.json and run.json in {out}")
    terminated = session.stopped_reason and session.stopped_reason.startswith("terminated")
    return EXIT_INTERRUPTED if interrupted or terminated else EXIT_OK


def _print_event(event: dict[str, Any]) -> None:
    if event["type"] == "log":
        print(event["text"], file=sys.stderr)


# ---- summary ------------------------------------------------------------------------------------
def cmd_summary(args: argparse.Namespace) -> int:
    from kerasgui.core.builder import format_count, format_shape, rank_hint, summarize
    from kerasgui.core.data import load_project_data
    from kerasgui.core.project import Project

    project = Project.load(args.project)
    shape = None
    if project.data.get("train"):
        shape = load_project_data(project).train.schema.input_shape
    s = summarize(project, shape)
    print(f'Model: "{project.name}"')
    print(f"{'Layer (type)':<34}{'Output Shape':<26}{'Param #':>12}")
    print("━" * 72)
    for r in s.rows:
        print(
            f"{r.name + ' (' + r.class_name + ')':<34}{format_shape(r.output_shape):<26}"
            f"{format_count(r.params):>12}"
        )
    print("━" * 72)
    print(f" Total params: {format_count(s.total)}")
    print(f" Trainable params: {format_count(s.trainable)}")
    print(f" Non-trainable params: {format_count(s.non_trainable)}")
    if s.problem is not None:
        raise s.problem
    if not s.rows or shape is None:
        print(rank_hint(shape))
    return EXIT_OK


# ---- evaluate / predict -------------------------------------------------------------------------
def _load_for_model(args: argparse.Namespace, need_targets: bool) -> tuple[Any, Any, Any]:
    """The model, its schema, and the data file encoded as the model was trained (the same path
    the window's Results panel takes)."""
    from kerasgui.core.model_file import load_model
    from kerasgui.core.results import load_for_model, source_spec

    model, schema = load_model(args.model)
    spec = source_spec(
        args.data, schema, targets=getattr(args, "targets", None), inputs=args.inputs
    )
    return model, schema, load_for_model(spec, Path.cwd(), schema, need_targets=need_targets)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from kerasgui.core.results import evaluate

    model, _, arrays = _load_for_model(args, need_targets=True)
    print(json.dumps(evaluate(model, arrays, args.batch_size)))
    return EXIT_OK


def cmd_predict(args: argparse.Namespace) -> int:
    from kerasgui.core.predictions import predictions_table, save_predictions
    from kerasgui.core.results import predict

    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".npy"):
        raise UserError(f"--out {out.name}: predictions are saved as .csv or .npy")
    model, schema, arrays = _load_for_model(args, need_targets=False)
    started = time.perf_counter()
    y = predict(model, arrays.x, args.batch_size)
    save_predictions(out, predictions_table(y, schema or arrays.schema))
    print(f"{len(y)} predictions in {time.perf_counter() - started:.2f} s written to {out}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from kerasgui.core.export import export_script
    from kerasgui.core.project import Project, atomic_write_text

    project = Project.load(args.project)
    out = Path(args.out)
    atomic_write_text(out, export_script(project, style=args.style, script_dir=out.parent))
    print(f"wrote {out}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
