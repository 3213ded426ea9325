"""The window: fast start, menus, title, save and reopen, unsaved-changes prompt, settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QMessageBox,
    QPlainTextEdit,
)

from kerasgui.core.project import Project
from kerasgui.ui.main_window import PANELS, MainWindow

SEED_PROJECT_MODEL = {"layers": [
    {"class_name": "Dense", "config": {"units": 32, "activation": "relu"}},
    {"class_name": "Dense", "config": {"units": 32}}]}


def build_seed_stack(qtbot: Any, w: Any) -> None:
    """The seed note's first stack, clicked together in the Model panel."""
    p = w.panels["Model"]
    for _ in range(2):
        p.palette_view.filter.clear()
        qtbot.keyClicks(p.palette_view.filter, "Dense")
        p.add_action.trigger()
        units = p.editor.form.field("units")
        qtbot.keyClicks(units, "32")
        qtbot.keyClick(units, Qt.Key.Key_Return)
    p.select_row(0)
    qtbot.keyClicks(p.editor.form.field("activation"), "relu")


def answer(monkeypatch: pytest.MonkeyPatch, button: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(parent: Any, title: str, text: str, *a: Any) -> QMessageBox.StandardButton:
        asked.append(title)
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_window_module_does_not_import_keras() -> None:
    code = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]); "
            "from kerasgui.ui.main_window import MainWindow; w = MainWindow(); "
            "import kerasgui.ui.app; "
            "bad = [m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules]; "
            "print('loaded:', bad); sys.exit(1 if bad else 0)")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_loading_state_until_keras_is_ready(qtbot: Any) -> None:
    w = MainWindow()
    qtbot.addWidget(w)
    model = w.panels["Model"]
    assert not model.palette_view.isEnabled()
    assert w.busy_label.text() == "Loading TensorFlow…"
    assert not w.panels["Compile"].loss.isEnabled()
    with qtbot.waitSignal(w.keras_ready, timeout=180_000):
        w.show()
    assert model.palette_view.isEnabled()
    assert w.busy.isHidden()
    assert w.busy_label.text().startswith("Keras ")


def test_panels_are_tabs_in_order(window: Any) -> None:
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[:2] == ["Model", "Compile"]
    assert titles == [t for t, _ in PANELS]


def test_menus_shortcuts_and_names(window: Any) -> None:
    def action(name: str) -> QAction:
        a = window.findChild(QAction, name)
        assert a is not None, name
        return a

    expect = {"new_project": "Ctrl+N", "open_project": "Ctrl+O", "save_project": "Ctrl+S",
              "save_project_as": "Ctrl+Shift+S", "undo": "Ctrl+Z", "redo": "Ctrl+Shift+Z",
              "quit": "Ctrl+Q"}
    for name, keys in expect.items():
        assert action(name).shortcut() == QKeySequence(keys), name
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&Help"]
    assert window.findChild(QAction, "cli_help") is not None
    assert window.findChild(QAction, "about") is not None


def test_title_shows_name_and_modified_mark(window: Any, qtbot: Any) -> None:
    assert window.windowTitle() == "untitled[*] — kerasgui"
    assert not window.isWindowModified()
    window.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 1}})
    assert window.isWindowModified()
    window.name_edit.selectAll()
    qtbot.keyClicks(window.name_edit, "my model")
    qtbot.keyClick(window.name_edit, Qt.Key.Key_Return)
    assert window.project.name == "my model"
    assert window.windowTitle() == "my model[*] — kerasgui"
    window.undo_action.trigger()
    assert window.project.name == "untitled" and window.name_edit.text() == "untitled"
    window.undo_action.trigger()
    assert not window.isWindowModified()


def test_save_and_reopen_gives_what_was_built(window: Any, new_window: Any, qtbot: Any,
                                              tmp_path: Path) -> None:
    build_seed_stack(qtbot, window)
    assert window.project.model == SEED_PROJECT_MODEL
    path = tmp_path / "seed.kgproj"
    assert window.save_project(path)
    assert not window.isWindowModified()
    saved = json.loads(path.read_text())
    assert saved == window.project.to_dict()
    # the same as the hand-written project file
    hand = {"kerasgui_project": 1, "name": "untitled",
            "model": {"layers": [{"class_name": "Dense",
                                  "config": {"units": 32, "activation": "relu"}},
                                 {"class_name": "Dense", "config": {"units": 32}}]}}
    assert saved["model"] == Project.from_dict(hand).model
    other = new_window()
    assert other.open_project(path)
    assert other.project.model == SEED_PROJECT_MODEL
    assert other.panels["Model"].stack_model.rowCount() == 2
    assert not other.isWindowModified()
    assert other.windowTitle() == "untitled[*] — kerasgui"
    from kerasgui.ui import settings

    assert settings.recent_files()[0] == str(path.resolve())


def test_save_as_asks_for_a_path(window: Any, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "chosen"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 1}})
    assert window.save_project()  # never saved: asks where
    assert (tmp_path / "chosen.kgproj").is_file()
    assert window.project.path == (tmp_path / "chosen.kgproj").resolve()


def test_unsaved_changes_prompt_on_close(window: Any, qtbot: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    window.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 1}})
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert asked == ["Unsaved changes"] and window.isVisible()
    path = tmp_path / "closing.kgproj"
    window.save_project(path)
    window.doc.add_layer(1, {"class_name": "Dense", "config": {"units": 2}})
    answer(monkeypatch, QMessageBox.StandardButton.Save)
    assert window.close()
    assert len(json.loads(path.read_text())["model"]["layers"]) == 2


def test_unsaved_changes_prompt_on_new_and_open(window: Any, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.kgproj"
    Project(name="other").save(other)
    window.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 1}})
    asked = answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not window.new_project()
    assert not window.open_project(other)
    assert len(asked) == 2 and len(window.project.layers) == 1
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.open_project(other)
    assert window.project.name == "other" and not window.isWindowModified()
    window.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 1}})
    assert window.new_project()
    assert window.project.layers == [] and window.doc.undo_stack.count() == 0


def test_unsaved_close_discard_closes(window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    window.doc.add_layer(0, {"class_name": "Dense", "config": {"units": 1}})
    answer(monkeypatch, QMessageBox.StandardButton.Discard)
    assert window.close()


def test_a_bad_project_file_is_reported(window: Any, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.kgproj"
    bad.write_text('{"kerasgui_project": 1, "model": {"layers": [{"units": 3}]}}')
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    assert not window.open_project(bad)
    assert shown and "class_name" in shown[0] and "bad.kgproj" in shown[0]
    assert window.project.name == "untitled"


def test_geometry_and_recent_files_go_to_isolated_settings(window: Any, tmp_path: Path,
                                                           _isolated_settings: Path) -> None:
    path = tmp_path / "r.kgproj"
    window.save_project(path)
    window.close()
    s = QSettings(os.environ["KERASGUI_SETTINGS"], QSettings.Format.IniFormat)
    assert s.value("window/geometry") is not None
    assert Path(os.environ["KERASGUI_SETTINGS"]).parent == _isolated_settings
    window._fill_recent()
    assert [a.text() for a in window.recent_menu.actions()] == [str(path.resolve())]


def test_help_shows_the_command_line(window: Any, qtbot: Any) -> None:
    window.findChild(QAction, "cli_help").trigger()
    dialog = window.findChild(QDialog, "cli_help_dialog")
    assert dialog is not None and dialog.isVisible()
    text = dialog.findChild(QPlainTextEdit).toPlainText()
    assert "kerasgui train PROJECT" in text and "kerasgui summary PROJECT" in text
    dialog.close()


def test_app_main_shows_the_window_with_the_project(qtbot: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from kerasgui.ui import app

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    path = tmp_path / "start.kgproj"
    Project(name="at start", model={"layers": [{"class_name": "Dense",
                                                "config": {"units": 2}}]}).save(path)
    seen: list[Any] = []

    def exec_(self: QApplication) -> int:
        """Instead of running the event loop: look at the window main() showed, and close it."""
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible() and w.project.name == "at start":
                seen.append((w.windowTitle(), len(w.project.layers)))
                w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    assert app.main(str(path)) == 0
    assert seen == [("at start[*] — kerasgui", 1)]


def test_undo_of_a_new_key_removes_it(window):
    from kerasgui.ui.commands import SetValue

    window.doc.project.fit.pop("distribution", None)
    window.doc.undo_stack.push(SetValue(window.doc, ("fit", "distribution"), "cpu:2", "devices"))
    assert window.doc.project.fit["distribution"] == "cpu:2"
    window.doc.undo_stack.undo()
    assert "distribution" not in window.doc.project.fit
