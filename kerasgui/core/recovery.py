"""Nothing is lost: autosaved projects and unfinished training runs, found again after a crash.

An edited project is autosaved beside its file (`.NAME.kgproj.autosave`, so relative data paths
still
work) or, for a project never saved, in the user data folder. A training run records itself in its
folder's `run.json` with status "running" and checkpoints each epoch (training.BACKUP_DIR); a run
whose status is still "running" after its process is gone is unfinished and can resume.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from kerasgui.core.project import Project, atomic_write_text
from kerasgui.core.training import checkpoint_epoch

AUTOSAVE_SUFFIX = ".autosave"


def data_dir() -> Path:
    """The user data folder (KERASGUI_DATA_DIR overrides it, for tests and portable installs)."""
    env = os.environ.get("KERASGUI_DATA_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kerasgui"


def autosave_path(project: Project) -> Path:
    if project.path is not None:
        return project.path.with_name(f".{project.path.name}{AUTOSAVE_SUFFIX}")
    return data_dir() / "autosave" / f"untitled-{os.getpid()}.kgproj{AUTOSAVE_SUFFIX}"


def write_autosave(project: Project) -> Path:
    path = autosave_path(project)
    atomic_write_text(path, project.to_json())
    return path


def discard_autosave(project: Project) -> None:
    autosave_path(project).unlink(missing_ok=True)


def newer_autosave(project_path: Path) -> Path | None:
    """An autosave of `project_path` that is newer than the file itself (unsaved edits)."""
    project_path = Path(project_path)
    auto = project_path.with_name(f".{project_path.name}{AUTOSAVE_SUFFIX}")
    if auto.is_file() and (
        not project_path.exists() or auto.stat().st_mtime > project_path.stat().st_mtime
    ):
        return auto
    return None


def load_autosave(auto: Path, project_path: Path) -> Project:
    """The autosaved project, as if it had been opened from `project_path`."""
    project = Project.load(auto)
    project.path = Path(project_path).resolve()
    return project


@dataclass
class UnfinishedRun:
    folder: Path
    epochs_done: int
    epochs_requested: int | None


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def unfinished_runs(project: Project) -> list[UnfinishedRun]:
    """Runs of this project, newest first, that stopped without finishing and hold a checkpoint."""
    if project.path is None:
        return []
    runs = project.base_dir / "runs"
    found = []
    for run_json in runs.glob(f"{project.path.stem}-*/run.json"):
        try:
            run = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if run.get("status") != "running" or _alive(run.get("pid")):
            continue
        epoch = checkpoint_epoch(run_json.parent)
        if epoch is not None:
            found.append(UnfinishedRun(run_json.parent, epoch, run.get("epochs_requested")))
    return sorted(found, key=lambda r: r.folder.stat().st_mtime, reverse=True)
