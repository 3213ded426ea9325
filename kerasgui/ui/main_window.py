"""The main window: menus, the panels in tabs, the project document with undo/redo, and the live
summary worker.

A panel is a QWidget class whose constructor takes the window; it edits `window.doc` (a
ProjectDocument) through commands and redraws on `window.doc.changed`. It may connect to
`keras_ready`, `data_changed` and `summary_ready`, and may define `can_close() -> bool` (asked
before the window closes; e.g. "stop the training?") and `shutdown()` (stop its threads), and
`file_actions() -> list[QAction]` (added to the File menu). Adding a panel is one line in PANELS.

Training data: the data panel calls `set_training_data(arrays)` (a core.data.Arrays, or None) once
it has loaded the project's training source; `input_shape()` and `training_arrays()` then feed the
summary, the loss suggestions and the target checks.
"""

from __future__ import annotations

import gc
import importlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import kerasgui
from kerasgui.core import custom, recovery
from kerasgui.core.errors import UserError
from kerasgui.core.project import SUFFIX, Project
from kerasgui.ui import settings
from kerasgui.ui.commands import ProjectDocument
from kerasgui.ui.keras_loader import KerasLoader
from kerasgui.ui.summary_worker import CheckResult, ModelChecker
from kerasgui.ui.worker import collect_garbage_in_gui_thread

log = logging.getLogger(__name__)

# (tab title, "module.Class"), in tab order. Adding a panel is one line here.
PANELS: list[tuple[str, str]] = [
    ("Model", "kerasgui.ui.model_panel.ModelPanel"),
    ("Compile", "kerasgui.ui.compile_panel.CompilePanel"),
    ("Data", "kerasgui.ui.data_panel.DataPanel"),
    ("Training", "kerasgui.ui.training_panel.TrainingPanel"),
    ("Results", "kerasgui.ui.results_panel.ResultsPanel"),
    ("Script", "kerasgui.ui.export_view.ScriptPanel"),
]

SUMMARY_DELAY_MS = 150
AUTOSAVE_DELAY_MS = 3000  # an edited project is autosaved this long after the last edit
KERAS_FALLBACK_MS = 500  # start importing Keras this long after show if no paint came first
PROJECT_FILTER = f"kerasgui projects (*{SUFFIX});;All files (*)"

CLI_USAGE = """\
kerasgui [PROJECT]                          open the window, with PROJECT if given
kerasgui train PROJECT [--out DIR] [--epochs N] [--devices auto|N|cpu:N] [--trust] [--resume]
               [--coordinator HOST:PORT --num-workers N --worker-index I]
kerasgui summary PROJECT
kerasgui evaluate MODEL DATA [--targets COL ...] [--batch-size N]
kerasgui predict MODEL DATA --out FILE.csv|FILE.npy [--batch-size N]
kerasgui export PROJECT --out SCRIPT.py [--style sequential|functional|subclass]

Everything the window does, the command line does from the same project file:
save the project here, then for example

    kerasgui summary my_model.kgproj
    kerasgui train my_model.kgproj --epochs 20 --out runs/first

`train` writes model.keras, history.json, metrics.json and run.json into the output folder.
Exit codes: 0 done, 2 a problem in the input (one line on stderr), 130 interrupted, 1 a bug.
"""


def ask_restore_autosave(parent: QWidget, path: Path, auto: Path) -> bool:
    """An autosave newer than the project file: True to restore it, False to open the file."""
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved changes?",
                      f"{path.name} has changes that were not saved (kerasgui closed without "
                      f"saving them). They were autosaved in {auto.name}.\n\n"
                      "Restore them, or open the saved file?", parent=parent)
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Open the saved file", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.exec()
    return box.clickedButton() is restore


def ask_resume_run(parent: QWidget, run: Any) -> bool:
    """A training run of this project that did not finish: True to resume it."""
    total = f" of {run.epochs_requested}" if run.epochs_requested else ""
    answer = QMessageBox.question(
        parent, "Resume training?",
        f"A training run of this project did not finish: {run.folder.name} stopped after epoch "
        f"{run.epochs_done}{total}, and its checkpoint is kept.\n\nResume it from there?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def _load_class(spec: str) -> type:
    module, _, name = spec.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


class MainWindow(QMainWindow):
    """kerasgui's window. Builds with no arguments; `open_project(path)`, `save_project(path)`."""

    keras_ready = Signal()
    data_changed = Signal()
    summary_ready = Signal(object)   # a summary_worker.CheckResult
    summary_pending = Signal(str)    # why there is no summary yet

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.resize(1400, 900)
        collect_garbage_in_gui_thread()
        self.doc = ProjectDocument(parent=self)
        self.loader = KerasLoader(self)
        self.checker = ModelChecker(self)
        self.summary_result: CheckResult | None = None
        self._train_arrays: Any = None
        self._shown = False
        self._painted = False
        self._closed = False

        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self._recompute)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.autosave)

        self._build_header()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("panels")
        self.tabs.setDocumentMode(True)
        self.panels: dict[str, QWidget] = {}
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(6, 6, 6, 0)
        lay.addWidget(self.header)
        lay.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        for title, spec in PANELS:
            self.add_panel(title, _load_class(spec))

        self._build_status_bar()
        self._build_menus()
        self.loader.ready.connect(self._on_keras_ready)
        self.loader.failed.connect(self._on_keras_failed)
        self.checker.finished.connect(self._on_summary)
        self.doc.changed.connect(self._on_project_changed)
        self.doc.undo_stack.cleanChanged.connect(self._update_title)
        self.doc.undo_stack.indexChanged.connect(self._schedule_autosave)
        self._restore_settings()
        self._on_project_changed("all")

    # ---- building --------------------------------------------------------------------------------
    def add_panel(self, title: str, cls: type) -> QWidget:
        panel = cls(self)
        self.panels[title] = panel
        self.tabs.addTab(panel, getattr(panel, "title", title))
        return panel  # type: ignore[no-any-return]

    def _build_header(self) -> None:
        self.header = QWidget()
        h = QHBoxLayout(self.header)
        h.setContentsMargins(0, 0, 0, 0)
        label = QLabel("Project name:")
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("project_name")
        self.name_edit.setAccessibleName("Project name")
        self.name_edit.setMaximumWidth(360)
        label.setBuddy(self.name_edit)
        self.path_label = QLabel()
        self.path_label.setObjectName("project_path")
        self.path_label.setStyleSheet("color: #555;")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        h.addWidget(label)
        h.addWidget(self.name_edit)
        h.addWidget(self.path_label, 1)
        self.name_edit.editingFinished.connect(self._name_edited)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(160)
        self.busy.setTextVisible(False)
        self.busy_label = QLabel("Loading TensorFlow…")
        self.busy_label.setObjectName("keras_status")
        bar.addPermanentWidget(self.busy_label)
        bar.addPermanentWidget(self.busy)
        bar.showMessage("Loading TensorFlow… You can open a project meanwhile.")

    def _act(self, menu: Any, name: str, text: str, slot: Any,
             keys: QKeySequence | QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file = mb.addMenu("&File")
        self._act(file, "new_project", "&New", self.new_project, QKeySequence.StandardKey.New)
        self._act(file, "open_project", "&Open…", self.choose_and_open,
                  QKeySequence.StandardKey.Open)
        self.recent_menu = file.addMenu("Open &recent")
        self.recent_menu.setObjectName("recent_files")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        self._act(file, "save_project", "&Save", lambda: self.save_project(),
                  QKeySequence.StandardKey.Save)
        self._act(file, "save_project_as", "Save &as…", self.save_project_as, "Ctrl+Shift+S")
        file.addSeparator()
        for panel in self.panels.values():  # e.g. Results: Open model…, Save model…
            actions = getattr(panel, "file_actions", None)
            if actions is not None:
                file.addActions(actions())
                file.addSeparator()
        self._act(file, "quit", "&Quit", self.close, "Ctrl+Q")

        edit = mb.addMenu("&Edit")
        stack = self.doc.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setObjectName("undo")
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setObjectName("redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)

        help_ = mb.addMenu("&Help")
        self._act(help_, "cli_help", "The &command line", self.show_cli_help)
        self._act(help_, "about", "&About kerasgui", self.show_about)

    # ---- Keras loading ---------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            # normally the first paint starts the import; this is the fallback
            QTimer.singleShot(KERAS_FALLBACK_MS, self.start_loading_keras)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True  # the window is on screen: now TensorFlow may take the CPU
            QTimer.singleShot(0, self.start_loading_keras)

    def start_loading_keras(self) -> None:
        """Import Keras in the background (the window calls this once it has shown)."""
        if not self._closed:
            self.loader.start()

    @property
    def keras_is_ready(self) -> bool:
        return self.loader.is_ready

    def _on_keras_ready(self) -> None:
        import keras

        self.busy.hide()
        self.busy_label.setText(f"Keras {keras.__version__} ({keras.backend.backend()})")
        self.statusBar().showMessage("TensorFlow is ready.", 4000)
        gc.freeze()  # TensorFlow's million objects live forever: no full collection scans them
        self.keras_ready.emit()
        self.schedule_summary()

    def _on_keras_failed(self, message: str) -> None:
        self.busy.hide()
        self.busy_label.setText("TensorFlow failed to load")
        self.summary_pending.emit(f"TensorFlow could not be loaded: {message}")
        QMessageBox.critical(self, "kerasgui", f"TensorFlow could not be loaded:\n\n{message}")

    # ---- data (set by the data panel) ------------------------------------------------------------
    def training_arrays(self) -> Any:
        """The loaded training data (core.data.Arrays), or None."""
        return self._train_arrays

    def input_shape(self) -> tuple[int, ...] | None:
        """Per-sample input shape of the loaded training data, or None."""
        arrays = self._train_arrays
        return tuple(arrays.schema.input_shape) if arrays is not None else None

    def set_training_data(self, arrays: Any) -> None:
        self._train_arrays = arrays
        self.data_changed.emit()
        self.schedule_summary()

    # ---- the live summary ------------------------------------------------------------------------
    def schedule_summary(self) -> None:
        """Recompute the summary ~150 ms after the last edit; an older result is dropped."""
        self.checker.generation += 1
        self._summary_timer.start()

    def _recompute(self) -> None:
        if self._closed:
            return
        if not self.loader.is_ready:
            self.summary_pending.emit("Loading TensorFlow… the summary appears when it is ready.")
            return
        self.checker.request(self.doc.project, self.input_shape(), self.training_arrays())

    def _on_summary(self, result: CheckResult) -> None:
        self.summary_result = result
        self.summary_ready.emit(result)

    # ---- project ---------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.doc.project

    def _on_project_changed(self, part: str) -> None:
        if part in ("name", "all"):
            if self.name_edit.text() != self.project.name:
                self.name_edit.setText(self.project.name)
        if part == "all" and self._train_arrays is not None:
            self.set_training_data(None)
        self._update_title()
        if part in ("model", "compile", "all"):
            self.schedule_summary()

    def _name_edited(self) -> None:
        name = self.name_edit.text().strip()
        if not name:
            self.name_edit.setText(self.project.name)
            return
        if name != self.project.name:
            self.doc.set_name(name)

    def _update_title(self, *_: Any) -> None:
        self.setWindowTitle(f"{self.project.name}[*] — kerasgui")
        self.setWindowModified(not self.doc.undo_stack.isClean())
        p = self.project.path
        self.path_label.setText(f"file: {p.name}" if p else "not saved yet")
        self.path_label.setToolTip(str(p) if p else "")

    def is_modified(self) -> bool:
        return not self.doc.undo_stack.isClean()

    def maybe_save(self) -> bool:
        """Offer to save unsaved changes: True to go on (saved or discarded), False to stay."""
        if not self.is_modified():
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            f"The project “{self.project.name}” has changes that are not saved. Save them?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_project()
        if answer == QMessageBox.StandardButton.Discard:
            self.discard_autosave()
            return True
        return False

    # ---- autosave --------------------------------------------------------------------------------
    def _schedule_autosave(self, *_: Any) -> None:
        if self.is_modified() and not self._closed:
            self._autosave_timer.start()
        else:
            self._autosave_timer.stop()

    def autosave(self) -> Path | None:
        """Write the edited project beside its file (or in the data folder), atomically."""
        if not self.is_modified() or self._closed:
            return None
        try:
            return recovery.write_autosave(self.project)
        except OSError as e:  # never an interruption: say it in the status bar
            self.statusBar().showMessage(f"Could not autosave: {e.strerror or e}", 8000)
            return None

    def discard_autosave(self) -> None:
        self._autosave_timer.stop()
        try:
            recovery.discard_autosave(self.project)
        except OSError:
            log.debug("could not remove the autosave", exc_info=True)

    def new_project(self) -> bool:
        if not self.maybe_save():
            return False
        self.doc.reset(Project())
        self.statusBar().showMessage("New project.", 3000)
        return True

    def choose_and_open(self) -> bool:
        if not self.maybe_save():
            return False
        start = str(self.project.base_dir)
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, PROJECT_FILTER)
        return self.open_project(path, ask=False) if path else False

    def open_project(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a project file; a problem is shown in a dialog and returns False. With `ask`,
        unsaved changes are offered for saving first."""
        if ask and not self.maybe_save():
            return False
        try:
            project = Project.load(path)
        except UserError as e:
            QMessageBox.warning(self, "Cannot open the project", e.message)
            return False
        restored = False
        auto = recovery.newer_autosave(Path(path))
        if auto is not None and ask_restore_autosave(self, Path(path), auto):
            try:
                project = recovery.load_autosave(auto, Path(path))
                restored = True
            except UserError as e:
                QMessageBox.warning(self, "Cannot restore the unsaved changes",
                                    f"{e.message}\n\nThe saved file is opened instead.")
        self._ask_to_run_code(project)
        self._autosave_timer.stop()
        self.doc.reset(project)
        if restored:
            self.doc.undo_stack.resetClean()  # modified: the restored edits are not saved yet
            self._update_title()
        files = settings.add_recent_file(str(project.path))
        log.debug("recent files: %s", files)
        self.statusBar().showMessage(
            f"Opened {Path(path).name}" + (" with the unsaved changes restored." if restored
                                           else "."), 4000)
        self._offer_unfinished_run()
        return True

    def _offer_unfinished_run(self) -> None:
        """A run of this project that stopped without finishing (a crash): offer to resume it."""
        try:
            runs = recovery.unfinished_runs(self.project)
        except OSError:
            return
        if runs and ask_resume_run(self, runs[0]):
            panel = self.panels.get("Training")
            resume = getattr(panel, "resume_run", None)
            if resume is not None:
                resume(runs[0])

    def _ask_to_run_code(self, project: Project) -> None:
        """A project that names Python files for losses or metrics runs them only if agreed."""
        files = [p for p in custom.files_of(project.compile, project.base_dir)
                 if p.is_file() and not custom.is_trusted(p)]
        for p in files:
            answer = QMessageBox.question(
                self, "Run Python code from this project?",
                f"This project uses a custom loss or metric from the Python file\n\n{p}\n\n"
                "Training will run that file. Run it only if you trust where it came from.\n"
                "Allow this file to run?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer == QMessageBox.StandardButton.Yes:
                custom.trust(p)

    def save_project(self, path: str | Path | None = None) -> bool:
        """Save to `path`, or where the project was opened from, or ask where. True when saved."""
        if path is None and self.project.path is None:
            return self.save_project_as()
        target = Path(path) if path is not None else self.project.path
        assert target is not None
        project = self.project
        try:
            new_base = target.resolve().parent
            if new_base != project.base_dir.resolve():
                project.compile = custom.rebase(project.compile, project.base_dir, new_base)
            saved = project.save(target)
        except UserError as e:
            QMessageBox.warning(self, "Cannot save the project", e.message)
            return False
        except OSError as e:
            QMessageBox.warning(self, "Cannot save the project",
                                f"{target}: {e.strerror or e}; choose another folder.")
            return False
        self.doc.undo_stack.setClean()
        self.discard_autosave()
        settings.add_recent_file(str(saved))
        self._update_title()
        self.statusBar().showMessage(f"Saved {saved.name}.", 4000)
        return True

    def save_project_as(self) -> bool:
        p = self.project
        start = str(p.path if p.path else p.base_dir / f"{_file_stem(p.name)}{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, "Save project as", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self.save_project(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = settings.recent_files()
        if not files:
            none = self.recent_menu.addAction("(none yet)")
            none.setEnabled(False)
            return
        for f in files:
            action = self.recent_menu.addAction(f)
            action.triggered.connect(lambda _=False, f=f: self._open_recent(f))

    def _open_recent(self, path: str) -> None:
        if not Path(path).is_file():
            settings.remove_recent_file(path)
            QMessageBox.warning(self, "Cannot open the project",
                                f"{path} is no longer there; it was removed from the list.")
            return
        self.open_project(path)

    # ---- help ------------------------------------------------------------------------------------
    def show_cli_help(self) -> None:
        dialog = QDialog(self)
        dialog.setObjectName("cli_help_dialog")
        dialog.setWindowTitle("The command line")
        lay = QVBoxLayout(dialog)
        text = QPlainTextEdit(CLI_USAGE)
        text.setReadOnly(True)
        text.setStyleSheet("font-family: monospace;")
        text.setMinimumSize(760, 340)
        lay.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        lay.addWidget(buttons)
        dialog.open()

    def show_about(self) -> None:
        keras_line = "TensorFlow is still loading."
        if self.loader.is_ready:
            import keras

            keras_line = f"Keras {keras.__version__}, backend {keras.backend.backend()}."
        QMessageBox.about(self, "About kerasgui",
                          f"<b>kerasgui {kerasgui.__version__}</b><p>Build, train, evaluate and "
                          f"predict with Keras models, point and click or from the command line."
                          f"</p><p>{keras_line}</p>")

    # ---- settings and closing --------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = settings.open_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        tab = s.value("window/tab")
        if tab is not None:
            try:
                self.tabs.setCurrentIndex(int(tab))  # type: ignore[call-overload]
            except (TypeError, ValueError):
                pass

    def _save_settings(self) -> None:
        s = settings.open_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/tab", self.tabs.currentIndex())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        for panel in self.panels.values():
            can_close = getattr(panel, "can_close", None)
            if can_close is not None and not can_close():
                event.ignore()
                return
        if not self.is_modified():  # saved, or the changes discarded: nothing to recover
            self.discard_autosave()
        self._save_settings()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop every thread the window and its panels started (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._summary_timer.stop()
        self._autosave_timer.stop()
        for panel in self.panels.values():
            stop = getattr(panel, "shutdown", None)
            if stop is not None:
                stop()
        self.checker.shutdown()


def _file_stem(name: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_")
    return stem or "project"


def main_window_for(path: str | None) -> MainWindow:
    """A shown window with `path` opened (app.main's helper)."""
    window = MainWindow()
    window.show()
    if path:
        window.open_project(path, ask=False)
    app = QApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(window.shutdown)
    return window
