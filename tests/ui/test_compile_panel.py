"""The Compile panel, driven through its widgets: optimizer and its arguments, loss, metrics,
custom functions from a Python file, and the loss/targets warning."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLineEdit, QMessageBox

from kerasgui.core import catalog, custom

LOSSES = '''\
import keras

def my_custom_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

def my_custom_metric(y_true, y_pred):
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

def helper(x):
    return x
'''


def panel(w: Any) -> Any:
    return w.panels["Compile"]


def choose(qtbot: Any, combo: Any, label: str) -> None:
    """Pick an item as a person does: open the combo's list and click the item."""
    i = combo.findText(label)
    assert i >= 0, f"{label!r} not in {[combo.itemText(j) for j in range(combo.count())]}"
    combo.showPopup()
    view = combo.view()
    rect = view.visualRect(view.model().index(i, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=2000)


def type_in(qtbot: Any, field: QLineEdit, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_optimizer_and_learning_rate(window: Any, qtbot: Any) -> None:
    p = panel(window)
    combo = p.optimizer
    assert [combo.itemText(i) for i in range(combo.count())] == catalog.optimizer_names()
    assert combo.currentText() == "RMSprop"  # the default "rmsprop"
    form = p._optimizer_form
    assert form.names()[0] == "learning_rate"
    type_in(qtbot, form.field("learning_rate"), "0.0001")
    # the seed note's RMSprop(learning_rate=0.0001)
    assert window.project.compile["optimizer"] == {"class_name": "RMSprop",
                                                   "config": {"learning_rate": 0.0001}}
    choose(qtbot, combo, "Adam")
    assert window.project.compile["optimizer"] == {"class_name": "Adam",
                                                   "config": {"learning_rate": 0.0001}}
    assert p._optimizer_form.names()[0] == "learning_rate"
    assert p._optimizer_form.field("learning_rate").text() == "0.0001"
    type_in(qtbot, p._optimizer_form.field("learning_rate"), "")  # back to the default
    assert window.project.compile["optimizer"] == "adam"
    type_in(qtbot, p._optimizer_form.field("learning_rate"), "fast")
    assert "not a number" in p._optimizer_form.error_text("learning_rate")
    assert window.project.compile["optimizer"] == "adam"
    for _ in range(3):
        window.undo_action.trigger()
    assert window.project.compile["optimizer"] == "rmsprop"
    assert combo.currentText() == "RMSprop"
    assert "keras.optimizers" not in p.code.text()


def test_loss_and_metrics(window: Any, qtbot: Any) -> None:
    p = panel(window)
    choose(qtbot, p.loss, "binary_crossentropy")
    assert window.project.compile["loss"] == "binary_crossentropy"
    item = p.metric_item("binary_accuracy")
    assert item is not None and item.checkState() == Qt.CheckState.Unchecked
    p.metrics.setCurrentItem(item)
    qtbot.keyClick(p.metrics, Qt.Key.Key_Space)  # ticks the box of the current item
    assert window.project.compile["metrics"] == ["binary_accuracy"]
    p.metric_item("AUC").setCheckState(Qt.CheckState.Checked)
    assert window.project.compile["metrics"] == ["binary_accuracy", "AUC"]
    p.metric_item("binary_accuracy").setCheckState(Qt.CheckState.Unchecked)
    assert window.project.compile["metrics"] == ["AUC"]
    window.undo_action.trigger()
    assert window.project.compile["metrics"] == ["binary_accuracy", "AUC"]
    assert p.metric_item("binary_accuracy").checkState() == Qt.CheckState.Checked
    qtbot.keyClicks(p.metric_filter, "accur")
    shown = [p.metrics.item(i).text() for i in range(p.metrics.count())
             if not p.metrics.item(i).isHidden()]
    assert "binary_accuracy" in shown and "AUC" not in shown
    assert "metrics=['binary_accuracy', 'AUC']" in p.code.text()


def test_losses_that_fit_the_targets_come_first(window: Any, next_summary: Any) -> None:
    p = panel(window)
    assert p.loss.itemText(0) == catalog.loss_names()[0]
    arrays = SimpleNamespace(schema=SimpleNamespace(input_shape=(4,), class_names=["a", "b", "c"]),
                             y=np.array([0, 1, 2, 1], dtype="int32"), x=np.zeros((4, 4)))
    next_summary(window, lambda: window.set_training_data(arrays))
    assert p.loss.itemText(0) == "sparse_categorical_crossentropy   (suggested)"
    assert "(suggested)" not in p.loss.itemText(1)
    assert p.suggestion.text() == "Suggested for these targets: sparse_categorical_crossentropy"
    numbers = SimpleNamespace(schema=SimpleNamespace(input_shape=(4,), class_names=None),
                              y=np.zeros((4, 1), dtype="float32"), x=np.zeros((4, 4)))
    next_summary(window, lambda: window.set_training_data(numbers))
    assert p.loss.itemText(0) == "mean_squared_error   (suggested)"
    assert "huber" in p.suggestion.text() and "binary_crossentropy" not in p.suggestion.text()


def test_warning_when_loss_output_and_targets_do_not_fit(window: Any, next_summary: Any) -> None:
    p = panel(window)
    arrays = SimpleNamespace(schema=SimpleNamespace(input_shape=(4,), class_names=["a", "b", "c"]),
                             y=np.array([0, 1, 2, 1], dtype="int32"),
                             x=np.zeros((4, 4), dtype="float32"))
    window.set_training_data(arrays)
    window.doc.set_value(("compile", "loss"), "sparse_categorical_crossentropy", "loss")
    result = next_summary(window, lambda: window.doc.add_layer(
        0, {"class_name": "Dense", "config": {"units": 1}}))
    assert result.target_problem is not None
    assert not p.warning.isHidden()
    assert "3 classes" in p.warning.text()
    next_summary(window, lambda: window.doc.set_layer_config(0, {"units": 3,
                                                                 "activation": "softmax"}))
    assert p.warning.isHidden()


def test_custom_loss_and_metric_from_a_python_file(window: Any, qtbot: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.save_project(tmp_path / "proj.kgproj")
    code = tmp_path / "my_losses.py"
    code.write_text(LOSSES)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(code), ""))
    p = panel(window)
    qtbot.mouseClick(p.add_custom, Qt.MouseButton.LeftButton)
    label = "my_custom_loss (custom, my_losses.py)"
    assert p.loss.findText(label) >= 0
    assert p.loss.findText("helper (custom, my_losses.py)") < 0
    choose(qtbot, p.loss, label)
    assert window.project.compile["loss"] == {"python": "my_losses.py", "name": "my_custom_loss"}
    p.metric_item("my_custom_metric (custom, my_losses.py)").setCheckState(Qt.CheckState.Checked)
    assert window.project.compile["metrics"] == [{"python": "my_losses.py",
                                                  "name": "my_custom_metric"}]
    assert custom.is_trusted(code)  # chosen by the person: it may run
    assert window.save_project()
    saved = json.loads((tmp_path / "proj.kgproj").read_text())
    assert saved["compile"]["loss"] == {"python": "my_losses.py", "name": "my_custom_loss"}
    assert "loss=my_custom_loss" in p.code.text()
    # saving elsewhere keeps the path pointing at the same file
    (tmp_path / "sub").mkdir()
    assert window.save_project(tmp_path / "sub" / "moved.kgproj")
    moved = json.loads((tmp_path / "sub" / "moved.kgproj").read_text())
    assert moved["compile"]["loss"]["python"] == "../my_losses.py"


@pytest.mark.parametrize("agree", [True, False])
def test_opening_a_project_with_custom_code_asks_first(window: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       agree: bool) -> None:
    folder = tmp_path / f"agree_{agree}"
    folder.mkdir()
    (folder / "my_losses.py").write_text(LOSSES)
    proj = {"kerasgui_project": 1, "name": "custom", "model": {"layers": []},
            "compile": {"optimizer": "rmsprop",
                        "loss": {"python": "my_losses.py", "name": "my_custom_loss"},
                        "metrics": []}}
    (folder / "c.kgproj").write_text(json.dumps(proj))
    asked: list[str] = []

    def question(parent: Any, title: str, text: str, *a: Any) -> Any:
        asked.append(text)
        return QMessageBox.StandardButton.Yes if agree else QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    assert window.open_project(folder / "c.kgproj")
    assert len(asked) == 1 and "my_losses.py" in asked[0]
    assert custom.is_trusted(folder / "my_losses.py") is agree
    p = panel(window)
    assert p.loss.currentText() == "my_custom_loss (custom, my_losses.py)"
    assert p.warning.isHidden() is agree
    if not agree:
        assert "not been approved" in p.warning.text()
