"""The Training panel: training the two-class example from the window draws curves that hold exactly
the History; Stop, Pause, more epochs; closing during training; messages instead of tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from kerasgui.ui import training_panel

RUN_TIMEOUT_MS = 120_000
EVENT_TIMEOUT_MS = 60_000
LONG = 500  # epochs: a run that goes on until the test stops it
EARLY = {"class_name": "EarlyStopping",
         "config": {"monitor": "val_loss", "patience": 5, "restore_best_weights": True}}


@pytest.fixture
def two_class(tmp_path: Path, examples: Path) -> Path:
    """A copy of the two-class example (training may write run folders beside it)."""
    folder = tmp_path / "two_class"
    shutil.copytree(examples / "two_class", folder)
    return folder / "two_class.kgproj"


def opened(w: Any, path: Path) -> Any:
    assert w.open_project(path, ask=False)
    w.tabs.setCurrentWidget(w.panels["Training"])
    return w.panels["Training"]


def wait_event(qtbot: Any, p: Any, kind: str, action: Any = None,
               timeout: int = EVENT_TIMEOUT_MS) -> dict[str, Any]:
    with qtbot.waitSignal(p.event_received, timeout=timeout,
                          check_params_cb=lambda e: e.get("type") == kind) as blocker:
        if action is not None:
            action()
    return blocker.args[0]  # type: ignore[no-any-return]


def click(qtbot: Any, button: QPushButton) -> None:
    assert button.isEnabled(), button.objectName()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def set_spin(qtbot: Any, spin: Any, value: int) -> None:
    spin.selectAll()
    qtbot.keyClicks(spin, str(value))
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def curve_values(p: Any, name: str) -> tuple[list[float], list[float]]:
    curve = p.plots.curve(name)
    assert curve is not None, f"no curve {name!r}; have {p.plots.curve_names()}"
    x, y = curve.getData()
    return list(x), list(y)


def test_training_draws_the_history_then_more_epochs(window: Any, qtbot: Any, two_class: Path,
                                                     tmp_path: Path) -> None:
    p = opened(window, two_class)
    set_spin(qtbot, p.epochs, 3)
    assert window.project.fit["epochs"] == 3
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        click(qtbot, p.train_button)
        assert not p.train_button.isEnabled() and p.stop_button.isEnabled()
    assert done.args[0].ok, done.args[0].error
    assert not p.job.thread.isRunning()
    history = p.session.history
    assert set(history) == {"loss", "val_loss", "binary_accuracy", "val_binary_accuracy"}
    for key, values in history.items():
        x, y = curve_values(p, key)
        assert y == values  # exactly the History's floats
        assert x == [1.0, 2.0, 3.0]
    bx, _ = p.plots.curve("loss per batch").getOriginalDataset()
    assert len(bx) >= 3 and 0 < bx[0] <= 1 and bx[-1] == pytest.approx(3.0)
    assert p.plots.plots["loss"] is not p.plots.plots["binary_accuracy"]
    lines = p.log_view.toPlainText().splitlines()
    epoch_lines = [ln for ln in lines if ln.startswith("Epoch ") and "/3 - 88/88 - " in ln]
    assert len(epoch_lines) == 3
    assert epoch_lines[2].startswith("Epoch 3/3 - 88/88 - ") and " - val_loss: " in epoch_lines[2]
    assert p.history_table.rowCount() == 3
    best = int(np.argmin(history["val_loss"])) + 1
    assert p.plots.best_label.text().startswith(f"Best epoch: {best} (val_loss")
    assert f"epoch {best}" in p.plots.show_values("loss", best + 0.2, 0.1)
    assert p.train_button.isEnabled() and p.more_button.isEnabled()
    assert not p.stop_button.isEnabled() and not p.pause_button.isEnabled()

    # "Train N more epochs" continues the same Session; the curves go on
    first = list(history["loss"])
    set_spin(qtbot, p.more_epochs, 2)
    assert p.more_button.text() == "Train 2 more epochs"
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS):
        click(qtbot, p.more_button)
    x, y = curve_values(p, "val_loss")
    assert x == [1.0, 2.0, 3.0, 4.0, 5.0] and y == p.session.history["val_loss"]
    assert curve_values(p, "loss")[1][:3] == first
    assert "Epoch 5/5 - 88/88" in p.log_view.toPlainText()
    assert p.history_table.rowCount() == 5

    # the History exports exactly; the model saves with its schema
    training_panel.export_history(p.history(), tmp_path / "h.json")
    assert json.loads((tmp_path / "h.json").read_text()) == p.session.history
    training_panel.export_history(p.history(), tmp_path / "h.csv")
    rows = (tmp_path / "h.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss,binary_accuracy,val_loss,val_binary_accuracy"
    assert len(rows) == 6 and float(rows[5].split(",")[3]) == p.session.history["val_loss"][4]
    assert p.save_model(tmp_path / "m.keras")
    from kerasgui.core.model_file import read_meta

    assert read_meta(tmp_path / "m.keras")["schema"]["targets"] == ["label"]

    # log scale: the curves' data are drawn as log10
    p.plots.log_scale.setChecked(True)
    assert curve_values(p, "loss")[1] == pytest.approx(list(np.log10(p.session.history["loss"])))


def test_pause_holds_still_and_stop_ends_within_one_batch(window: Any, qtbot: Any,
                                                          two_class: Path) -> None:
    p = opened(window, two_class)
    evaluate = QPushButton("Evaluate", window)  # as the results panel will have it
    evaluate.setObjectName("evaluate")
    batches: list[dict[str, Any]] = []
    p.event_received.connect(lambda e: batches.append(e) if e["type"] == "batch_end" else None)
    emitted: list[tuple[str, bool]] = []  # (event, stop requested yet), as the worker emits them

    def start() -> None:
        p.train(LONG)
        p.job.worker.event.connect(
            lambda e: emitted.append((e["type"], p.session._stop.is_set())),
            Qt.ConnectionType.DirectConnection)

    wait_event(qtbot, p, "batch_end", start)
    assert not evaluate.isEnabled() and p.running and not p.train_button.isEnabled()

    # Pause: the step count holds still until Resume
    wait_event(qtbot, p, "paused", lambda: click(qtbot, p.pause_button))
    assert p.pause_button.text() == "Resume"
    held, epochs = len(batches), p.session.epochs_done
    text = p.progress_line.text()
    assert text.startswith("Paused in epoch ")
    qtbot.wait(600)
    assert len(batches) == held and p.session.epochs_done == epochs
    assert p.progress_line.text() == text
    wait_event(qtbot, p, "epoch_end", lambda: click(qtbot, p.pause_button))
    assert p.pause_button.text() == "Pause" and len(batches) > held

    # Stop: Keras checks before each batch, so the batch running when Stop was pressed ends, and
    # at most the one Keras had already begun
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        click(qtbot, p.stop_button)
    after = [kind for kind, stop in emitted if stop]
    assert after.count("batch_end") <= 2, after
    assert after[-1] == "train_end"
    assert done.args[0].ok
    assert p.session.stopped_reason == "stopped by the user"
    assert p.session.epochs_done < LONG
    assert not p.job.thread.isRunning()
    assert evaluate.isEnabled() and p.train_button.isEnabled() and p.more_button.isEnabled()
    assert "Stopped after" in p.progress_line.text()
    assert p.message.isHidden()  # a stop is not an error

    # still usable: settings edit, and the same model trains on
    set_spin(qtbot, p.epochs, 7)
    assert window.project.fit["epochs"] == 7
    done_epochs = p.session.epochs_done
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS):
        p.train_more(1)
    assert p.session.epochs_done == done_epochs + 1
    assert curve_values(p, "loss")[1] == p.session.history["loss"]


def test_closing_during_training_stops_waits_and_keeps_the_model(
        window: Any, qtbot: Any, two_class: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    p = opened(window, two_class)
    wait_event(qtbot, p, "epoch_end", lambda: p.train(LONG))
    answers = iter([False, True])
    monkeypatch.setattr(training_panel, "ask_stop_on_close", lambda parent: next(answers))
    monkeypatch.setattr(training_panel, "ask_save_on_close", lambda parent: True)
    monkeypatch.setattr(training_panel, "ask_model_path",
                        lambda parent, start: str(tmp_path / "kept.keras"))
    window.close()  # "Cancel": the window stays and training goes on
    assert window.isVisible() and p.running
    window.close()  # "Stop and keep"
    assert not window.isVisible()
    assert not p.running and not p.job.thread.isRunning()
    assert p.session.history and p.session.epochs_done < LONG
    assert (tmp_path / "kept.keras").is_file()


def test_problems_are_messages_not_tracebacks(window: Any, qtbot: Any, two_class: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              _isolated_settings: Path) -> None:
    p = opened(window, two_class)
    window.doc.set_value(("data", "train"), None, "no data")
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        click(qtbot, p.train_button)
    assert not done.args[0].ok
    assert p.message.isVisible()
    assert "no training data" in p.message.text() and "Traceback" not in p.message.text()
    assert p.train_button.isEnabled()

    # a bug: a short message, the traceback in a log file
    from kerasgui.core.training import Session

    def broken(self: Any) -> None:
        raise RuntimeError("something inside broke")

    monkeypatch.setattr(Session, "prepare", broken)
    window.doc.undo_stack.undo()
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        click(qtbot, p.train_button)
    result = done.args[0]
    assert "RuntimeError: something inside broke" in p.message.text()
    assert "Traceback" not in p.message.text()
    log = Path(result.bug_log)
    assert log.parent == _isolated_settings and "Traceback" in log.read_text()


def test_fit_settings_and_callbacks_are_undoable_project_edits(window: Any, qtbot: Any,
                                                               two_class: Path) -> None:
    p = opened(window, two_class)
    fit = window.project.fit
    set_spin(qtbot, p.batch_size, 64)
    assert fit["batch_size"] == 64
    p.fixed_seed.setChecked(False)
    assert window.project.fit["seed"] is None
    box = p.cb_groups["EarlyStopping"]
    box.setChecked(True)
    assert window.project.fit["callbacks"] == [EARLY]
    set_spin(qtbot, p.cb_fields["EarlyStopping"]["patience"], 2)
    assert window.project.fit["callbacks"][0]["config"]["patience"] == 2
    p.cb_groups["ModelCheckpoint"].setChecked(True)
    p.cb_groups["TerminateOnNaN"].setChecked(True)
    names = [c["class_name"] for c in window.project.fit["callbacks"]]
    assert names == ["EarlyStopping", "ModelCheckpoint", "TerminateOnNaN"]
    # the callbacks run: ModelCheckpoint writes the best model into a run folder
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        p.train(2)
    assert done.args[0].ok, done.args[0].error
    assert list((two_class.parent / "runs").glob("*/best.keras"))
    stack = window.doc.undo_stack
    stack.undo()
    stack.undo()
    stack.undo()
    assert window.project.fit["callbacks"] == [EARLY]
    assert p.cb_fields["EarlyStopping"]["patience"].value() == 5
    assert not p.cb_groups["ModelCheckpoint"].isChecked()


def test_progress_line_shows_at_most_five_batches_a_second(window: Any, qtbot: Any,
                                                           two_class: Path,
                                                           monkeypatch: Any) -> None:
    """Each progress repaint costs the GUI thread: batch events (up to 20 a second) show at once,
    then at most one per PROGRESS_MS, always the newest; a pause is not overwritten."""
    p = opened(window, two_class)
    monkeypatch.setattr(training_panel.TrainingPanel, "running", property(lambda self: True))
    p._epochs_total = 3

    def batch(step: int) -> dict[str, Any]:
        return {"type": "batch_end", "epoch": 0, "step": step, "steps": 10,
                "logs": {"loss": 1.0 / step}, "ms_per_step": 2.0}

    p._on_event(batch(1))
    assert " - 1/10 - " in p.progress_line.text()
    p._on_event(batch(2))
    p._on_event(batch(3))
    assert " - 1/10 - " in p.progress_line.text()  # recorded for the plot, not shown yet
    assert p.plots.batch_y.tolist() == [1.0, 0.5, 1.0 / 3]
    qtbot.waitUntil(lambda: " - 3/10 - " in p.progress_line.text(),
                    timeout=training_panel.PROGRESS_MS * 5)
    assert p.progress.value() == 3
    p._on_event(batch(4))
    p._on_event({"type": "paused", "epoch": 0})
    qtbot.wait(training_panel.PROGRESS_MS * 2)
    assert p.progress_line.text().startswith("Paused in epoch 1")
    monkeypatch.undo()  # not running: closing the window asks nothing
