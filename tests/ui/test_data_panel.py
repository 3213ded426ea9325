"""The Data panel: open the penguins CSV, choose the target by clicking its column, see the shapes;
the live summary and the loss suggestions follow; bad files show their message at their control."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer

LOAD_TIMEOUT_MS = 20_000


def panel(w: Any) -> Any:
    w.tabs.setCurrentWidget(w.panels["Data"])
    return w.panels["Data"]


def plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def loaded(qtbot: Any, p: Any, action: Any) -> None:
    with qtbot.waitSignal(p.loaded, timeout=LOAD_TIMEOUT_MS):
        action()


def click_header(qtbot: Any, p: Any, column: str) -> None:
    """Click a column's header in the preview, as a person does."""
    header = p.preview.horizontalHeader()
    index = p.result.table.columns.index(column)
    x = header.sectionViewportPosition(index) + header.sectionSize(index) // 2
    with qtbot.waitSignal(p.loaded, timeout=LOAD_TIMEOUT_MS):
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(x, header.height() // 2))


def test_penguins_targets_by_clicking_shapes_summary_and_losses(
        window: Any, qtbot: Any, examples: Path, next_summary: Any) -> None:
    w = window
    p = panel(w)
    assert "Open a training file" in p.shapes.text()
    loaded(qtbot, p, lambda: p.open_training(examples / "penguins" / "penguins.csv"))
    assert p.train_error.isHidden()
    assert p.role_hint.isVisible() and "Which column" in p.role_hint.text()
    assert p.preview.columnCount() == 6 and p.preview.rowCount() == 200  # of 300
    names = [p.columns.item(r, 0).text() for r in range(p.columns.rowCount())]
    assert names == ["bill_length", "bill_depth", "flipper_length", "body_mass", "island",
                     "species"]
    species = p.columns.item(5, 3).text()
    assert "Adelie" in species and "Gentoo" in species
    assert p.columns.item(0, 3).text().startswith("min ")
    assert w.input_shape() is None  # no target yet: no arrays

    # add a Dense layer so that the summary shows the input shape it gets from the data
    next_summary(w, lambda: w.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 3}}))
    click_header(qtbot, p, "species")
    qtbot.waitUntil(lambda: getattr(w.summary_result, "input_shape", None) == (7,),
                    timeout=LOAD_TIMEOUT_MS)
    result = w.summary_result
    assert w.project.data["train"]["targets"] == ["species"]
    assert p.role_hint.isHidden()
    assert w.input_shape() == (7,)  # 4 numbers + island one-hot over 3 islands
    assert result.input_shape == (7,)
    assert result.summary.rows[0].output_shape == (None, 3)
    text = plain(p.shapes.text())
    assert "Input shape per sample: (7,)" in text and "island as 3 one-hot columns" in text
    assert "3 classes (Adelie, Chinstrap, Gentoo)" in text
    assert "240 train, 60 validate" in text
    assert "species\n▲ target" == p.preview.horizontalHeaderItem(5).text()
    suggestion = w.panels["Compile"].suggestion.text()
    assert "sparse_categorical_crossentropy" in suggestion

    # island: click twice (feature -> target -> ignored)
    click_header(qtbot, p, "island")
    assert w.project.data["train"]["targets"] == ["species", "island"]
    click_header(qtbot, p, "island")
    assert w.project.data["train"]["targets"] == ["species"]
    assert w.project.data["train"]["features"] == ["bill_length", "bill_depth", "flipper_length",
                                                  "body_mass"]
    assert w.input_shape() == (4,)
    assert p.roles()["island"] == "ignore"
    # the role list does the same as the header
    combo = p.columns.cellWidget(0, 1)
    loaded(qtbot, p, lambda: combo.activated.emit(2))
    assert w.input_shape() == (3,)
    # each change is one undo step
    for _ in range(3):  # bill_length, island ignored, island a target
        loaded(qtbot, p, w.doc.undo_stack.undo)
    assert w.input_shape() == (7,) and "features" not in w.project.data["train"]

    # the validation split slider
    loaded(qtbot, p, lambda: p.val_split.setValue(50))
    assert w.project.data["validation"] == {"split": 0.5, "shuffle": True}
    assert "150 of 300 rows" in p.val_split_label.text()
    loaded(qtbot, p, lambda: p.val_none_radio.click())
    assert w.project.data["validation"] is None
    assert not p.val_split.isEnabled()


def test_bad_files_show_their_message_at_their_control(window: Any, qtbot: Any, examples: Path,
                                                       tmp_path: Path) -> None:
    p = panel(window)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n")
    loaded(qtbot, p, lambda: p.open_training(ragged))
    assert p.train_error.isVisible()
    message = p.train_error.text()
    assert "row 3" in message and "expected 3" in message and "Traceback" not in message
    assert window.input_shape() is None
    assert p.validation_error.isHidden() and p.test_error.isHidden()

    # a good training file, and a test file that lacks a feature column
    loaded(qtbot, p, lambda: p.open_training(examples / "two_class" / "two_class.csv"))
    click_header(qtbot, p, "label")
    assert p.train_error.isHidden() and window.input_shape() == (2,)
    test = tmp_path / "test.csv"
    test.write_text("x1,label\n1.0,0\n")
    loaded(qtbot, p, lambda: p.set_source("test", test))
    assert p.test_error.isVisible() and "x2" in p.test_error.text()
    assert p.train_error.isHidden()
    loaded(qtbot, p, lambda: p.set_source("test", None))
    assert p.test_error.isHidden()

    # a validation file with a text cell in a number column
    val = tmp_path / "val.csv"
    val.write_text("x1,x2,label\n1.0,2.0,0\n1.0,two,1\n")
    loaded(qtbot, p, lambda: p.set_source("validation", val))
    assert p.val_file_radio.isChecked() and p.val_path.text().endswith("val.csv")
    assert p.validation_error.isVisible() and "row 3" in p.validation_error.text()


def test_npy_pair_and_loading_off_the_gui_thread(window: Any, qtbot: Any, examples: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    p = panel(window)
    folder = examples / "two_class"
    loaded(qtbot, p, lambda: p.open_training(folder / "inputs.npy", folder / "targets.npy"))
    assert window.input_shape() == (2,)
    assert p.targets_row.isVisible() and p.targets_path.text().endswith("targets.npy")
    assert "Input shape per sample: (2,)" in plain(p.shapes.text())
    assert p.preview_box.isHidden()

    # a slow file: the window goes on while it is read
    from kerasgui.core import data

    real = data.read_table

    def slow(*a: Any, **k: Any) -> Any:
        time.sleep(1.0)
        return real(*a, **k)

    monkeypatch.setattr(data, "read_table", slow)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(20)
    started = time.perf_counter()
    p.open_training(folder / "two_class.csv")
    assert time.perf_counter() - started < 0.5
    assert p.reading.isVisible() and "two_class.csv" in p.reading.text()
    qtbot.waitUntil(lambda: p.reading.isHidden(), timeout=LOAD_TIMEOUT_MS)
    timer.stop()
    assert p.result.table is not None and p.preview.rowCount() == 200
    assert len(ticks) >= 10  # the GUI thread went on while the file was read
