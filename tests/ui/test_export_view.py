"""The export view: the script for the current project, in the chosen style, after every edit."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from kerasgui.core.project import Project
from kerasgui.ui.commands import ProjectDocument
from kerasgui.ui.export_view import ExportView
from tests.conftest import EXAMPLES

TWO_CLASS = EXAMPLES / "two_class" / "two_class.kgproj"
TIMEOUT_MS = 20_000


@pytest.fixture(scope="module", autouse=True)
def _keras():
    import keras  # noqa: F401  (the window imports it in the background; the view waits for it)


@pytest.fixture
def view(qtbot):
    v = ExportView()
    qtbot.addWidget(v)
    v.resize(800, 600)
    return v


def _shows(view, text):
    return lambda: text in view.text()


def test_shows_the_script_in_each_style(qtbot, view):
    view.show()
    view.set_project(Project.load(TWO_CLASS))
    qtbot.waitUntil(_shows(view, "keras.Sequential("), timeout=TIMEOUT_MS)
    assert view.code.isReadOnly()
    assert view.code.font().fixedPitch()
    assert 'read_csv(HERE / "two_class.csv")' in view.text()
    assert "keras.optimizers.RMSprop(learning_rate=0.1)" in view.text()
    view.set_script_style("functional")
    assert "keras.Model(inputs, outputs" in view.text()
    view.set_script_style("subclass")
    assert "class TwoClassDemo(keras.Model):" in view.text()
    assert [view.style_box.itemData(i) for i in range(view.style_box.count())] == [
        "sequential", "functional", "subclass"]
    assert not view.problem.isVisible() and view.save_button.isEnabled()


def test_follows_edits_of_the_document(qtbot, view):
    doc = ProjectDocument(Project.load(TWO_CLASS))
    view.show()
    view.set_document(doc)
    qtbot.waitUntil(_shows(view, "keras.layers.Dense(1)"), timeout=TIMEOUT_MS)
    doc.add_layer(0, {"class_name": "Dense", "config": {"units": 7, "activation": "relu"}})
    qtbot.waitUntil(_shows(view, 'keras.layers.Dense(7, activation="relu")'), timeout=TIMEOUT_MS)
    doc.undo_stack.undo()
    qtbot.waitUntil(lambda: "Dense(7" not in view.text(), timeout=TIMEOUT_MS)
    other = Project.load(EXAMPLES / "penguins" / "penguins.kgproj")
    doc.reset(other)
    qtbot.waitUntil(_shows(view, "class_names = sorted(set(columns[TARGET]))"),
                    timeout=TIMEOUT_MS)


def test_a_project_that_cannot_be_exported_says_why(qtbot, view):
    project = Project.load(TWO_CLASS)
    project.data["train"] = None
    view.show()
    view.set_project(project)
    assert view.problem.isVisible() and "training data" in view.problem.text()
    assert view.text() == "" and not view.save_button.isEnabled()
    project.data["train"] = {"path": "two_class.csv", "targets": ["label"]}
    view.refresh()
    assert not view.problem.isVisible() and "keras.Sequential(" in view.text()


def test_writes_only_while_visible(qtbot, view):
    view.set_project(Project.load(TWO_CLASS))
    assert view.text() == ""
    view.show()
    qtbot.waitUntil(_shows(view, "def main():"), timeout=TIMEOUT_MS)


def test_waits_for_keras(qtbot, view, monkeypatch):
    import kerasgui.ui.export_view as module

    loaded = [False]
    monkeypatch.setattr(module, "keras_loaded", lambda: loaded[0])
    view.show()
    view.set_project(Project.load(TWO_CLASS))
    assert "once Keras has loaded" in view.problem.text() and view.text() == ""
    loaded[0] = True
    qtbot.waitUntil(_shows(view, "def main():"), timeout=TIMEOUT_MS)


def test_save_writes_paths_relative_to_the_script(qtbot, view, tmp_path):
    view.set_project(Project.load(TWO_CLASS))
    view.set_script_style("functional")
    target = view.save(tmp_path / "scripts" / "train.py")
    text = target.read_text(encoding="utf-8")
    assert "keras.Model(inputs, outputs" in text
    assert "two_class/two_class.csv" in text and 'HERE / "../' in text


def test_window_has_a_script_tab_and_export_action(qtbot, tmp_path, monkeypatch):
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QFileDialog

    from kerasgui.ui.main_window import MainWindow
    from tests.conftest import EXAMPLES

    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.keras_ready, timeout=120_000):
        window.show()
    window.open_project(EXAMPLES / "two_class" / "two_class.kgproj", ask=False)
    panel = window.panels["Script"]
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: "keras.Sequential" in panel.code.toPlainText(), timeout=60_000)
    action = window.findChild(QAction, "export_script")
    out = tmp_path / "train.py"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    action.trigger()
    assert "keras.optimizers.RMSprop(learning_rate=0.1)" in out.read_text()
