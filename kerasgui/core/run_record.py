"""A training run's folder: model.keras, history.json, metrics.json and run.json (what ran, where,
and whether it finished). The command line and the window write them through these functions.

run.json has status "running" (with the pid) from the start of a run until it ends, then "finished"
or "stopped"; a run whose status is still "running" after its process is gone is found again by
core.recovery.unfinished_runs and resumes from its checkpoint.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import kerasgui
from kerasgui.core.project import Project, atomic_write_text


def new_run_dir(project: Project, base: Path | None = None) -> Path:
    """A new folder name `runs/<project-stem>-<YYYYmmdd-HHMMSS>` beside the project (or under
    `base`, e.g. the user data folder for a project never saved). Not created here."""
    stem = Path(project.path).stem if project.path is not None else "untitled"
    root = base if base is not None else project.base_dir / "runs"
    first = root / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}"
    out, n = first, 1
    while out.exists():
        n += 1
        out = first.with_name(f"{first.name}-{n}")
    return out


def versions() -> dict[str, str]:
    import keras

    info = {
        "kerasgui": kerasgui.__version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "python": sys.version.split()[0],
    }
    if info["backend"] == "tensorflow":
        import tensorflow as tf

        info["tensorflow"] = tf.__version__
    elif info["backend"] == "jax":
        import jax

        info["jax"] = jax.__version__
    return info


def write_run(
    project: Project,
    session: Any,
    out: Path,
    started: datetime,
    *,
    status: str,
    metrics: dict[str, float] | None = None,
) -> None:
    """run.json: what ran. Status "running" (with the pid) until the run ends, so a run killed
    mid-way is found again and resumed from its checkpoint."""
    run = {
        "status": status,
        "pid": os.getpid() if status == "running" else None,
        "project": project.to_dict(),
        "project_path": str(project.path.name) if project.path else None,
        "versions": versions(),
        **layout_record(session),
        "seed": project.fit.get("seed"),
        "epochs_requested": project.fit.get("epochs"),
        "epochs_done": session.epochs_done,
        "stopped_early": session.stopped_reason is not None
        or (session.epochs_done < int(project.fit.get("epochs", 0))),
        "stop_reason": session.stopped_reason,
        "steps_per_execution": session.steps_per_execution,
        "fit_seconds": round(session.fit_seconds, 3),
        "started": started.isoformat(timespec="seconds"),
        "ended": None if status == "running" else datetime.now(UTC).isoformat(timespec="seconds"),
        "test_metrics": metrics,
    }
    atomic_write_text(Path(out) / "run.json", json.dumps(run, indent=1))


def write_outputs(
    project: Project, session: Any, out: Path, started: datetime
) -> dict[str, float] | None:
    """At the end of a run (finished, stopped or failed): model.keras (on the chief worker),
    history.json, metrics.json when there is test data and the run was not stopped, and run.json
    with status "finished" or "stopped". Returns the test metrics, or None."""
    from kerasgui.core.distribution import local_only
    from kerasgui.core.model_file import save_model

    out = Path(out)
    chief = session.layout is None or session.layout.is_chief  # the other workers: no model file
    if chief and session.model is not None:
        with local_only():
            save_model(
                session.model,
                out / "model.keras",
                session.schema,
                extra={"project": project.to_dict()},
            )
    atomic_write_text(out / "history.json", json.dumps(session.history, indent=1))
    metrics = None
    if session.data.test is not None and session.stopped_reason is None:
        metrics = session.evaluate()  # on every worker: the workers evaluate together
        if chief:
            atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=1))
    write_run(
        project,
        session,
        out,
        started,
        metrics=metrics,
        status="stopped" if session.stopped_reason else "finished",
    )
    return metrics


def layout_record(session: Any) -> dict[str, Any]:
    """Where it ran: strategy, replicas, backend, workers, devices."""
    if session.layout is not None:
        return dict(session.layout.record())
    import keras

    return {
        "strategy": "default",
        "replicas": 1,
        "backend": keras.backend.backend(),
        "num_workers": 1,
        "worker_index": 0,
        "devices": _devices(),
    }


def _devices() -> list[str]:
    import keras

    try:
        return [str(d) for d in keras.distribution.list_devices()]
    except Exception:
        return ["cpu:0"]
