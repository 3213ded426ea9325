"""The exported script, read-only, in the chosen style: what `kerasgui export` would write for the
project as it stands, redrawn after every edit (DESIGN.md section 5; File → Export script)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction, QFont, QFontDatabase, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.errors import UserError
from kerasgui.core.project import Project

if TYPE_CHECKING:
    from kerasgui.ui.commands import ProjectDocument

log = logging.getLogger(__name__)

STYLES = (("sequential", "Sequential list"), ("functional", "Functional API"),
          ("subclass", "Model subclass"))
DEBOUNCE_MS = 150      # edits in quick succession are written once
KERAS_POLL_MS = 300    # waiting for the background import of Keras


def keras_loaded() -> bool:
    """Keras is imported and done initializing (importing it here would freeze the window)."""
    module = sys.modules.get("keras")
    spec = getattr(module, "__spec__", None)
    return module is not None and not getattr(spec, "_initializing", False)


class ExportView(QWidget):
    """A monospace, read-only view of the script for the current project. Call `set_project`
    (or `set_document`, which follows the document's edits) and `refresh` after an edit; the
    script is written only while the view is visible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("export_view")
        self._project: Project | None = None
        self._doc: ProjectDocument | None = None
        self._stale = True

        self.style_box = QComboBox()
        self.style_box.setObjectName("export_style")
        self.style_box.setAccessibleName("Script style")
        for key, label in STYLES:
            self.style_box.addItem(label, key)
        self.style_box.setToolTip("How the script writes the model: a keras.Sequential list, "
                                  "keras.Input ... keras.Model, or a keras.Model subclass")
        self.style_box.currentIndexChanged.connect(lambda _: self.refresh())
        self.save_button = QPushButton("Save script…")
        self.save_button.setObjectName("save_script")
        self.save_button.setAccessibleName("Save script")
        self.save_button.clicked.connect(self.save_dialog)

        self.problem = QLabel()
        self.problem.setObjectName("export_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #8a0010")
        self.problem.hide()

        self.code = QPlainTextEdit()
        self.code.setObjectName("export_code")
        self.code.setAccessibleName("Exported script")
        self.code.setReadOnly(True)
        self.code.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFixedPitch(True)
        self.code.setFont(font)

        top = QHBoxLayout()
        top.addWidget(QLabel("Style:"))
        top.addWidget(self.style_box)
        top.addStretch(1)
        top.addWidget(self.save_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.problem)
        lay.addWidget(self.code, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)

    # ---- what to show ----------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        return self._doc.project if self._doc is not None else self._project

    def set_project(self, project: Project | None) -> None:
        self._project = project
        self.refresh()

    def set_document(self, doc: ProjectDocument) -> None:
        """Follow a ProjectDocument: every edit (and a new or opened project) redraws."""
        if self._doc is not None:
            self._doc.changed.disconnect(self.schedule_refresh)
        self._doc = doc
        doc.changed.connect(self.schedule_refresh)
        self.refresh()

    def script_style(self) -> str:
        return str(self.style_box.currentData())

    def set_script_style(self, style: str) -> None:
        index = self.style_box.findData(style)
        if index < 0:
            raise ValueError(f"unknown script style {style!r}")
        self.style_box.setCurrentIndex(index)

    def text(self) -> str:
        return self.code.toPlainText()

    # ---- redrawing -----------------------------------------------------------------------------
    def schedule_refresh(self, *_: object) -> None:
        self._timer.start(DEBOUNCE_MS)

    def refresh(self) -> None:
        """Write the script again (now if visible, else when shown)."""
        self._timer.stop()
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        project = self.project
        if project is None:
            self._show("", "Open or create a project to see its script.")
            return
        if not keras_loaded():
            self._show("", "The script appears once Keras has loaded…")
            self._timer.start(KERAS_POLL_MS)
            return
        from kerasgui.core.export import export_script

        try:
            script = export_script(project, self.script_style())
        except UserError as e:
            self._show("", f"The script cannot be written yet: {e.message}")
            return
        except Exception as e:  # a bug: say so, keep the window alive, log the traceback
            log.exception("exporting the script failed")
            self._show("", f"Writing the script failed ({type(e).__name__}: {e}); details are "
                           "in the log.")
            return
        self._show(script, "")

    def _show(self, script: str, problem: str) -> None:
        if script != self.code.toPlainText():
            bar = self.code.verticalScrollBar()
            position = bar.value()
            self.code.setPlainText(script)
            bar.setValue(position)
        self.problem.setText(problem)
        self.problem.setVisible(bool(problem))
        self.save_button.setEnabled(bool(script))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # ---- saving --------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the script to `path`, its data paths relative to that folder (UserError when the
        project cannot be exported)."""
        from kerasgui.core.export import export_script
        from kerasgui.core.project import atomic_write_text

        project = self.project
        if project is None:
            raise UserError("there is no project to export")
        target = Path(path)
        atomic_write_text(target, export_script(project, self.script_style(),
                                                script_dir=target.parent))
        return target

    def save_dialog(self) -> Path | None:
        project = self.project
        if project is None:
            return None
        start = project.base_dir / f"{Path(project.path).stem if project.path else 'train'}.py"
        name, _ = QFileDialog.getSaveFileName(self, "Export script", str(start),
                                              "Python script (*.py)")
        if not name:
            return None
        try:
            return self.save(name)
        except UserError as e:
            self._show(self.text(), f"The script was not saved: {e.message}")
            return None


class ScriptPanel(ExportView):
    """The window's Script tab: the script for the open project, following every edit, and
    File → Export script…"""

    title = "Script"

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.set_document(window.doc)
        self.export_action = QAction("E&xport script…", self)
        self.export_action.setObjectName("export_script")
        self.export_action.setToolTip("Save a standalone Keras script that reproduces this run")
        self.export_action.triggered.connect(self.save_dialog)

    def file_actions(self) -> list[QAction]:
        return [self.export_action]
