"""Nothing is lost in the window: autosave and restore, run folders with checkpoints, resuming a run
that did not finish, and faults during fit (an exception, a NaN loss, closing mid-epoch) that keep
the history and weights so far and leave no thread running."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from kerasgui.core.errors import UserError
from kerasgui.core.project import Project
from kerasgui.core.recovery import newer_autosave, unfinished_runs
from kerasgui.core.run_record import write_run
from kerasgui.core.training import Session, checkpoint_epoch
from kerasgui.ui import main_window, training_panel

RUN_TIMEOUT_MS = 120_000


@pytest.fixture
def two_class(tmp_path: Path, examples: Path) -> Path:
    """A copy of the two-class example with bigger batches (fewer steps: a faster test)."""
    folder = tmp_path / "two_class"
    shutil.copytree(examples / "two_class", folder)
    path = folder / "two_class.kgproj"
    project = Project.load(path)
    project.fit["batch_size"] = 128
    project.save(path)
    return path


def runs_of(path: Path) -> list[Path]:
    return sorted((path.parent / "runs").glob(f"{path.stem}-*"))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


# ---- autosave ------------------------------------------------------------------------------------
def test_autosave_after_edits_then_restore_or_open_the_saved_file(
        window: Any, new_window: Any, qtbot: Any, two_class: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert main_window.AUTOSAVE_DELAY_MS == 3000
    assert window.open_project(two_class, ask=False)
    window._autosave_timer.setInterval(50)
    window.doc.set_name("edited")
    qtbot.waitUntil(lambda: newer_autosave(two_class) is not None, timeout=5000)
    auto = newer_autosave(two_class)
    assert auto is not None and auto.parent == two_class.parent
    assert read_json(auto)["name"] == "edited"
    assert window.save_project()  # saving discards the autosave
    assert newer_autosave(two_class) is None and not auto.exists()

    window.doc.set_name("edited again")
    qtbot.waitUntil(lambda: newer_autosave(two_class) is not None, timeout=5000)

    # as after a crash: another window opens the file and is offered the autosave
    asked: list[bool] = []
    answers = iter([False, True])

    def ask(parent: Any, path: Path, found: Path) -> bool:
        assert path == two_class and found == auto
        asked.append(True)
        return next(answers)

    monkeypatch.setattr(main_window, "ask_restore_autosave", ask)
    other = new_window()
    assert other.open_project(two_class, ask=False)  # "Open the saved file"
    assert other.project.name == "edited" and not other.is_modified()
    assert other.open_project(two_class, ask=False)  # "Restore"
    assert len(asked) == 2
    assert other.project.name == "edited again" and other.is_modified()
    assert other.project.path == two_class.resolve()
    assert other.windowTitle().startswith("edited again")

    # closing with "Discard" removes the autosave; the first window then has nothing to recover
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    other.close()
    assert not other.isVisible() and newer_autosave(two_class) is None
    assert not main_window.recovery.autosave_path(window.project).exists()


def test_a_clean_close_discards_a_stale_autosave(window: Any, qtbot: Any,
                                                 two_class: Path) -> None:
    assert window.open_project(two_class, ask=False)
    window._autosave_timer.setInterval(50)
    window.doc.set_name("edited")
    qtbot.waitUntil(lambda: newer_autosave(two_class) is not None, timeout=5000)
    window.doc.undo_stack.undo()  # back to the saved state: nothing unsaved
    assert not window.is_modified()
    window.close()
    assert newer_autosave(two_class) is None


# ---- run folders and resuming ------------------------------------------------------------------
def test_training_keeps_a_run_folder_like_the_command_line(window: Any, qtbot: Any,
                                                           two_class: Path) -> None:
    assert window.open_project(two_class, ask=False)
    p = window.panels["Training"]
    states: list[str] = []
    p.event_received.connect(
        lambda e: states.append(read_json(p.run_dir / "run.json")["status"])
        if e["type"] == "epoch_end" else None)
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert p.train(2)
    assert done.args[0].ok, done.args[0].error
    [run_dir] = runs_of(two_class)
    assert p.run_dir == run_dir and run_dir.name.startswith("two_class-")
    assert states and set(states) == {"running"}
    run = read_json(run_dir / "run.json")
    assert run["status"] == "finished" and run["pid"] is None and run["epochs_done"] == 2
    assert read_json(run_dir / "history.json") == p.session.history
    assert (run_dir / "model.keras").is_file()
    assert checkpoint_epoch(run_dir) is None  # a finished run's checkpoint is removed

    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert p.train_more(1)  # more epochs go on in the same run folder
    assert done.args[0].ok, done.args[0].error
    run = read_json(run_dir / "run.json")
    assert run["status"] == "finished" and run["epochs_done"] == 3
    assert len(read_json(run_dir / "history.json")["loss"]) == 3


def test_an_unsaved_project_trains_into_the_data_folder(window: Any, qtbot: Any,
                                                        two_class: Path,
                                                        _isolated_settings: Path) -> None:
    project = Project.load(two_class)
    project.data["train"]["path"] = str(two_class.parent / "two_class.csv")
    window.doc.reset(Project.from_dict(project.to_dict(), None))
    p = window.panels["Training"]
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert p.train(1)
    assert done.args[0].ok, done.args[0].error
    assert p.run_dir.parent == _isolated_settings / "data" / "runs"
    assert read_json(p.run_dir / "run.json")["status"] == "finished"


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def crashed_run(path: Path, epochs_done: int, requested: int) -> tuple[Path, dict[str, Any]]:
    """A run folder as a killed process leaves it: a checkpoint after `epochs_done` epochs, the
    history so far, and run.json still "running" with the pid of a process that is gone."""
    project = Project.load(path)
    project.fit["epochs"] = requested
    run_dir = path.parent / "runs" / f"{path.stem}-20000101-000000"

    def on_event(e: dict[str, Any]) -> None:
        if e["type"] == "batch_end" and e["epoch"] == epochs_done:
            raise RuntimeError("the process was killed")  # before the checkpoint of this epoch

    session = Session(project, on_event=on_event)
    session.prepare()
    run_dir.mkdir(parents=True)
    write_run(project, session, run_dir, datetime.now(UTC), status="running")
    with pytest.raises(UserError):
        session.fit(out_dir=run_dir)
    assert checkpoint_epoch(run_dir) == epochs_done
    run = read_json(run_dir / "run.json")
    run["pid"] = dead_pid()
    (run_dir / "run.json").write_text(json.dumps(run), encoding="utf-8")
    return run_dir, read_json(run_dir / "history.json")


def test_an_unfinished_run_is_offered_on_open_and_resumes(window: Any, qtbot: Any,
                                                          two_class: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    run_dir, kept = crashed_run(two_class, epochs_done=2, requested=4)
    assert len(kept["loss"]) == 2
    offered: list[Any] = []
    monkeypatch.setattr(main_window, "ask_resume_run",
                        lambda parent, run: offered.append(run) or True)
    p = window.panels["Training"]
    shown_first: list[int] = []
    p.event_received.connect(
        lambda e: shown_first.append(p.plots.epochs) if e["type"] == "train_begin" else None)
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert window.open_project(two_class, ask=False)
    assert done.args[0].ok, done.args[0].error
    [run] = offered
    assert run.folder == run_dir and run.epochs_done == 2 and run.epochs_requested == 4
    assert p.run_dir == run_dir and runs_of(two_class) == [run_dir]
    assert shown_first == [2]  # the restored history is drawn before the new epochs
    history = p.session.history
    assert len(history["loss"]) == 4 and history["loss"][:2] == kept["loss"]
    assert p.plots.history == history
    assert p.history_table.rowCount() == 4
    run = read_json(run_dir / "run.json")
    assert run["status"] == "finished" and run["epochs_done"] == 4
    assert read_json(run_dir / "history.json") == history
    assert unfinished_runs(Project.load(two_class)) == []
    assert not p.job.thread.isRunning()


# ---- faults during fit -------------------------------------------------------------------------
def test_an_error_during_fit_keeps_the_epochs_so_far(window: Any, qtbot: Any, two_class: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import keras

    class Fails(keras.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if self.model is not None and self._epoch == 1 and batch >= 2:
                raise ValueError("the loss could not be computed")

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            self._epoch = epoch

    base = Session._callbacks
    monkeypatch.setattr(Session, "_callbacks", lambda self, out: [*base(self, out), Fails()])
    assert window.open_project(two_class, ask=False)
    p = window.panels["Training"]
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert p.train(3)
    result = done.args[0]
    assert not result.ok and "ValueError: the loss could not be computed" in result.error
    assert "ValueError: the loss could not be computed" in p.message.text()
    assert "Traceback" not in p.message.text()
    assert len(p.session.history["loss"]) == 1  # the epoch before the fault
    assert p.session.model is not None and p.more_button.isEnabled()
    run = read_json(p.run_dir / "run.json")
    assert run["status"] == "stopped" and run["epochs_done"] == 1
    assert (p.run_dir / "model.keras").is_file()
    assert not p.job.thread.isRunning() and p.train_button.isEnabled()


def test_a_nan_loss_stops_with_a_message(window: Any, qtbot: Any, two_class: Path) -> None:
    assert window.open_project(two_class, ask=False)
    window.doc.set_value(("compile", "optimizer"),
                         {"class_name": "SGD", "config": {"learning_rate": 1e6}}, "Huge rate")
    p = window.panels["Training"]
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert p.train(2)
    assert done.args[0].ok  # a stop, not a crash
    assert "the loss became" in p.message.text() and "lower the learning rate" in p.message.text()
    assert p.session.history and p.session.model is not None
    assert read_json(p.run_dir / "run.json")["status"] == "stopped"
    assert not p.job.thread.isRunning() and p.train_button.isEnabled()


def test_closing_mid_epoch_keeps_the_run(window: Any, qtbot: Any, two_class: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.open_project(two_class, ask=False)
    p = window.panels["Training"]
    monkeypatch.setattr(training_panel, "ask_stop_on_close", lambda parent: True)
    monkeypatch.setattr(training_panel, "ask_save_on_close", lambda parent: False)
    with qtbot.waitSignal(p.event_received, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda e: e["type"] == "batch_end" and e["epoch"] > 0):
        assert p.train(500)
    window.close()
    assert not window.isVisible()
    assert not p.running and not p.job.thread.isRunning()
    done = p.session.epochs_done
    assert 1 <= done < 500
    run = read_json(p.run_dir / "run.json")
    assert run["status"] == "stopped" and run["epochs_done"] == done
    assert len(read_json(p.run_dir / "history.json")["loss"]) == done
    assert (p.run_dir / "model.keras").is_file()
    assert unfinished_runs(Project.load(two_class)) == []
