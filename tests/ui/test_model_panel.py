"""The Model panel, driven through its widgets: palette, stack, layer form, summary."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

import numpy as np
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLineEdit, QToolButton

from kerasgui.core import catalog

SEED_STACK = {"layers": [{"class_name": "Dense", "config": {"units": 32, "activation": "relu"}},
                         {"class_name": "Dense", "config": {"units": 32}}]}


def panel(w: Any) -> Any:
    return w.panels["Model"]


def add_from_palette(qtbot: Any, w: Any, class_name: str) -> None:
    """Type the name in the palette's filter, then double-click the layer."""
    p = panel(w).palette_view
    p.filter.clear()
    qtbot.keyClicks(p.filter, class_name)
    tree = p.tree
    index = tree.currentIndex()
    assert index.data() == class_name
    rect = tree.visualRect(index)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def type_arg(qtbot: Any, w: Any, name: str, text: str) -> None:
    field = panel(w).editor.form.field(name)
    assert isinstance(field, QLineEdit)
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def choose_arg(qtbot: Any, w: Any, name: str, text: str) -> None:
    combo = panel(w).editor.form.field(name)
    assert isinstance(combo, QComboBox)
    qtbot.keyClicks(combo, text)


def test_palette_offers_every_layer_in_groups(window: Any, qtbot: Any) -> None:
    p = panel(window).palette_view
    assert p.isEnabled()
    model = p.source
    groups = [model.item(i).text() for i in range(model.rowCount())]
    expected = [g.capitalize() for g, names in catalog.LAYER_GROUPS.items() if names]
    assert groups[:len(expected)] == expected
    leaves = [model.item(i).child(j).text() for i in range(model.rowCount())
              for j in range(model.item(i).rowCount())]
    assert sorted(leaves) == sorted(catalog.layer_names())
    assert model.item(0).child(0).text() == "Dense"  # common layers first
    qtbot.keyClicks(p.filter, "lstm")
    visible = [p.proxy.index(j, 0, p.proxy.index(i, 0)).data()
               for i in range(p.proxy.rowCount())
               for j in range(p.proxy.rowCount(p.proxy.index(i, 0)))]
    assert "LSTM" in visible and "Dense" not in visible
    assert p.current_class() == "LSTM"
    qtbot.keyClick(p.tree, Qt.Key.Key_Return)  # Enter adds the chosen layer, as double-click does
    assert [x["class_name"] for x in window.project.layers] == ["LSTM"]


def test_clicked_seed_stack_equals_hand_written(window: Any, qtbot: Any) -> None:
    add_from_palette(qtbot, window, "Dense")
    # the new layer is selected and its required field has the cursor
    assert panel(window).current_row() == 0
    type_arg(qtbot, window, "units", "32")
    choose_arg(qtbot, window, "activation", "relu")
    qtbot.mouseClick(panel(window).findChild(QToolButton, "add_layer"), Qt.MouseButton.LeftButton)
    assert panel(window).current_row() == 1
    type_arg(qtbot, window, "units", "32")
    assert window.project.model == SEED_STACK
    texts = [panel(window).stack_model.index(i).data() for i in range(2)]
    assert texts == ["1.  Dense  units=32, activation=relu", "2.  Dense  units=32"]


def test_layer_form_from_catalog(window: Any, qtbot: Any) -> None:
    add_from_palette(qtbot, window, "Conv2D")
    form = panel(window).editor.form
    names = form.names()
    assert names == [a.name for a in catalog.layer_args("Conv2D")]
    assert names[:2] == ["filters", "kernel_size"]  # required first
    label = form.form.labelForField(form.field("filters").parentWidget())
    assert label.text() == "filters *"
    assert "Integer" in form.field("filters").toolTip() or "filters" in form.field(
        "filters").toolTip()
    assert isinstance(form.field("padding"), QComboBox)
    assert form.field("use_bias").isChecked()
    # required fields without a value are marked with the reason
    assert "required" in form.error_text("filters")
    type_arg(qtbot, window, "filters", "8")
    type_arg(qtbot, window, "kernel_size", "3, 3")
    assert window.project.layers[0]["config"] == {"filters": 8, "kernel_size": [3, 3]}
    assert form.invalid_fields() == []
    qtbot.keyClicks(form.field("padding"), "same")
    assert window.project.layers[0]["config"]["padding"] == "same"
    qtbot.keyClick(form.field("use_bias"), Qt.Key.Key_Space)
    assert window.project.layers[0]["config"]["use_bias"] is False


def test_bad_value_is_marked_at_its_field(window: Any, qtbot: Any, next_summary: Any) -> None:
    add_from_palette(qtbot, window, "Dense")
    type_arg(qtbot, window, "units", "4")
    form = panel(window).editor.form
    type_arg(qtbot, window, "units", "abc")  # does not parse: marked, not stored
    assert "not a whole number" in form.error_text("units")
    assert window.project.layers[0]["config"] == {"units": 4}
    result = next_summary(window, lambda: type_arg(qtbot, window, "units", "-1"))
    assert window.project.layers[0]["config"] == {"units": -1}  # stored, and marked
    assert "positive" in form.error_text("units")
    assert form.field("units").property("invalid") is True
    assert result.summary.problem is not None
    assert panel(window).summary.bad_rows() == [0]
    type_arg(qtbot, window, "units", "2")
    assert form.error_text("units") == ""


def test_reorder_remove_duplicate_undo_redo(window: Any, qtbot: Any) -> None:
    p = panel(window)
    for name in ("Dense", "Dropout", "Flatten"):
        add_from_palette(qtbot, window, name)
    classes = lambda: [layer["class_name"] for layer in window.project.layers]  # noqa: E731
    assert classes() == ["Dense", "Dropout", "Flatten"]
    p.select_row(2)
    p.up_action.trigger()
    assert classes() == ["Dense", "Flatten", "Dropout"]
    assert p.current_row() == 1
    p.down_action.trigger()
    assert classes() == ["Dense", "Dropout", "Flatten"]
    p.select_row(0)
    assert not p.up_action.isEnabled()
    p.duplicate_action.trigger()
    assert classes() == ["Dense", "Dense", "Dropout", "Flatten"]
    p.remove_action.trigger()
    assert classes() == ["Dense", "Dropout", "Flatten"]
    # drag the last layer to the top
    model = p.stack_model
    data = model.mimeData([model.index(2)])
    model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert classes() == ["Flatten", "Dense", "Dropout"]
    assert model.moveRow(QModelIndex(), 0, QModelIndex(), 2)  # QListView's own internal move
    assert classes() == ["Dense", "Flatten", "Dropout"]
    model.moveRow(QModelIndex(), 1, QModelIndex(), 0)
    assert classes() == ["Flatten", "Dense", "Dropout"]
    assert p.stack.dragDropMode() == QAbstractItemView.DragDropMode.InternalMove
    # undo everything, then redo it
    stack = window.doc.undo_stack
    n = stack.count()
    for _ in range(n):
        window.undo_action.trigger()
    assert classes() == []
    for _ in range(n):
        window.redo_action.trigger()
    assert classes() == ["Flatten", "Dense", "Dropout"]


def test_shortcuts_on_the_stack(window: Any, qtbot: Any) -> None:
    p = panel(window)
    assert p.remove_action.shortcut().toString() == "Del"
    assert p.duplicate_action.shortcut().toString() == "Ctrl+D"
    assert p.up_action.shortcut().toString() == "Ctrl+Up"
    assert p.down_action.shortcut().toString() == "Ctrl+Down"
    for name in ("Dense", "Dropout"):
        add_from_palette(qtbot, window, name)
    window.activateWindow()
    p.stack.setFocus()
    qtbot.waitUntil(p.stack.hasFocus, timeout=2000)
    p.select_row(1)
    qtbot.keyClick(p.stack, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    assert [x["class_name"] for x in window.project.layers] == ["Dropout", "Dense"]
    qtbot.keyClick(p.stack, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(window.project.layers) == 3
    qtbot.keyClick(p.stack, Qt.Key.Key_Delete)
    assert len(window.project.layers) == 2


def test_automation_names(window: Any) -> None:
    p = panel(window)
    for name, accessible in (("add_layer", "Add layer"), ("remove_layer", "Remove layer")):
        button = p.findChild(QToolButton, name)
        assert button is not None and button.accessibleName() == accessible
        assert button.defaultAction().objectName() == name
    assert p.stack.accessibleName() == "Layer stack"
    assert p.palette_view.tree.accessibleName() == "Layer palette"


def test_summary_shapes_params_and_first_bad_layer(window: Any, qtbot: Any,
                                                   next_summary: Any) -> None:
    window.doc.add_layer(0, {"class_name": "InputLayer", "config": {"shape": [4]}})
    window.doc.add_layer(1, {"class_name": "Dense", "config": {"units": 32, "activation": "relu"}})
    result = next_summary(window, lambda: window.doc.add_layer(
        2, {"class_name": "Dense", "config": {"units": 1}}))
    view = panel(window).summary
    rows = view.row_texts()
    assert [r[2:] for r in rows] == [["InputLayer", "(None, 4)", "0"],
                                     ["Dense", "(None, 32)", "160"],
                                     ["Dense", "(None, 1)", "33"]]
    assert view.totals.text().startswith("Total params: 193")
    assert result.summary.total == 193
    assert view.bad_rows() == [] and view.problem.isHidden()
    # a Conv2D on rank-2 data does not fit: its row turns red with the reason
    next_summary(window, lambda: window.doc.add_layer(
        2, {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}}))
    assert view.bad_rows() == [2]
    assert "model.layers[2]" in view.problem.text()
    assert view.row_texts()[3][3] == "—"
    assert "rank 2" in view.hint.text()


def test_summary_uses_training_data_shape_and_hints(window: Any, next_summary: Any) -> None:
    arrays = SimpleNamespace(schema=SimpleNamespace(input_shape=(10, 3), class_names=None),
                             y=np.zeros((5, 1), dtype="float32"), x=np.zeros((5, 10, 3)))
    result = next_summary(window, lambda: window.set_training_data(arrays))
    assert result.input_shape == (10, 3)
    assert "LSTM" in panel(window).summary.hint.text()  # empty stack: the data's rank suggests
    next_summary(window, lambda: window.doc.add_layer(0, {"class_name": "LSTM",
                                                           "config": {"units": 1}}))
    assert panel(window).summary.row_texts()[0][3] == "(None, 1)"
    assert panel(window).summary.hint.text() == ("Input shape (None, 10, 3), from the training "
                                                 "data.")


def test_summary_runs_off_the_gui_thread_and_is_debounced(window: Any, next_summary: Any,
                                                          monkeypatch: Any) -> None:
    from kerasgui.core import builder

    calls: list[int] = []
    real = builder.summarize

    def spy(project: Any, shape: Any) -> Any:
        calls.append(threading.get_ident())
        return real(project, shape)

    monkeypatch.setattr(builder, "summarize", spy)

    def burst() -> None:
        for i in range(5):
            window.doc.add_layer(i, {"class_name": "Dense", "config": {"units": i + 1}})

    next_summary(window, burst)
    assert len(calls) == 1  # five edits, one summary
    assert calls[0] != threading.get_ident()


def test_whole_model_project_shows_but_does_not_edit_as_stack(window: Any, tmp_path: Any,
                                                              next_summary: Any) -> None:
    import json

    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    doc = {"kerasgui_project": 1, "name": "whole",
           "model": keras.saving.serialize_keras_object(model)}
    path = tmp_path / "whole.kgproj"
    path.write_text(json.dumps(doc))
    result = next_summary(window, lambda: window.open_project(path))
    assert result.summary.total == 8
    p = panel(window)
    assert not p.stack.isEnabled() and not p.notice.isHidden()
    assert not p.add_action.isEnabled()
