"""The device picker alone: bound to fit.distribution through the document (undoable), shows the
devices present and what the project file says."""

from __future__ import annotations

from typing import Any

from kerasgui.core.project import Project
from kerasgui.ui.commands import ProjectDocument
from kerasgui.ui.device_picker import KEY, DevicePicker
from tests.conftest import EXAMPLES

TWO_CLASS = EXAMPLES / "two_class" / "two_class.kgproj"


def make(qtbot: Any, distribution: str | None = None) -> tuple[ProjectDocument, DevicePicker]:
    project = Project.load(TWO_CLASS)
    if distribution is not None:
        project.fit["distribution"] = distribution
    doc = ProjectDocument(project)
    picker = DevicePicker(doc)
    qtbot.addWidget(picker)
    return doc, picker


def items(picker: DevicePicker) -> list[str | None]:
    return [picker.itemData(i) for i in range(picker.count())]


def test_choosing_edits_the_project_and_undo_restores(qtbot):
    doc, picker = make(qtbot)
    assert picker.objectName() == "device_picker" and picker.accessibleName() == "Devices"
    assert items(picker) == [None, "auto"] and picker.value is None
    picker.set_devices(["GPU 0: NVIDIA H200", "GPU 1: NVIDIA H200", "CPU: 16 cores"],
                       ["auto", "2", "cpu:2", "cpu:4"])
    assert items(picker) == [None, "auto", "2", "cpu:2", "cpu:4"]
    assert "GPU 1: NVIDIA H200" in picker.toolTip()
    assert picker.itemText(2) == "2: 2 GPUs"
    assert picker.itemText(3) == "cpu:2: CPU split into 2 devices"

    with qtbot.waitSignal(doc.changed, timeout=1000):
        picker.setCurrentIndex(3)
    assert doc.project.fit["distribution"] == "cpu:2"
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert "distribution" not in doc.project.fit and picker.value is None
    doc.undo_stack.redo()
    assert picker.value == "cpu:2"


def test_follows_the_document(qtbot):
    doc, picker = make(qtbot)
    doc.set_value(KEY, "auto", "auto")
    assert picker.value == "auto"
    doc.reset(Project.load(TWO_CLASS))
    assert picker.value is None
    assert doc.undo_stack.count() == 0  # redrawing is not an edit


def test_shows_a_value_from_the_file_that_is_not_offered_here(qtbot):
    doc, picker = make(qtbot, "8")
    assert picker.value == "8" and items(picker)[-1] == "8"
    assert doc.undo_stack.count() == 0


def test_refresh_asks_the_core(qtbot):
    _, picker = make(qtbot)
    picker.refresh()  # imports Keras
    assert items(picker)[:2] == [None, "auto"] and "cpu:2" in items(picker)
    assert "CPU: " in picker.toolTip()
