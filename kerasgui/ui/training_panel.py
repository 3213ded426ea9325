"""The Training panel: fit settings and callbacks (edits of the project), Train / Pause / Stop /
"Train N more epochs", a Keras-style progress line, the live curves, a log with one line per epoch,
and the History table with CSV and JSON export.

Training runs in a worker QThread (kerasgui.ui.worker.Job) over a core.training.Session made from a
snapshot of the project, so editing the project during a run does not disturb it. Stop and pause are
the Session's threading.Events, set directly from here (DESIGN.md section 6). Events arrive as plain
dicts; the plots redraw from their own timer.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.errors import UserError
from kerasgui.core.project import atomic_write_text
from kerasgui.ui.job_gate import JobGate
from kerasgui.ui.plots import TrainingPlots, best_epoch, fmt
from kerasgui.ui.push_button import push_button
from kerasgui.ui.steady_box import SteadyBox
from kerasgui.ui.summary_worker import snapshot
from kerasgui.ui.worker import Job, Result

if TYPE_CHECKING:
    from kerasgui.ui.main_window import MainWindow

log = logging.getLogger(__name__)

CALLBACKS = ("EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "TerminateOnNaN")
CALLBACK_DEFAULTS: dict[str, dict[str, Any]] = {
    "EarlyStopping": {"monitor": "val_loss", "patience": 5, "restore_best_weights": True},
    "ReduceLROnPlateau": {"monitor": "val_loss", "factor": 0.5, "patience": 3},
    "ModelCheckpoint": {"filepath": "best.keras", "monitor": "val_loss", "save_best_only": True},
    "TerminateOnNaN": {},
}
CALLBACK_HELP = {
    "EarlyStopping": "Stop when the monitored value has not improved for `patience` epochs.",
    "ReduceLROnPlateau": "Multiply the learning rate by `factor` when the monitored value stops "
                         "improving.",
    "ModelCheckpoint": "Save the best model so far (by the monitored value) into the run folder "
                       "beside the project (runs/…).",
    "TerminateOnNaN": "Stop as soon as the loss becomes NaN (not a number).",
}
MODEL_FILTER = "Keras models (*.keras)"
ERROR_STYLE = "color: #8a0010;"
INFO_STYLE = "color: #333;"
ENV_AUTOTRAIN = "KERASGUI_AUTOTRAIN"  # "1": train at start (screenshots, demos); N > 1: N epochs
PROGRESS_MS = 200  # the progress line and bar repaint at most five times a second


def keras_number(v: float) -> str:
    """A value as Keras's progress bar prints it."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "nan"
    return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 or v == 0 else f"{v:.4e}"


def ordered_keys(keys: Any) -> list[str]:
    """loss, the metrics, val_loss, the val_ metrics, then anything else (learning_rate)."""
    keys = list(keys)
    train = [k for k in keys if not k.startswith("val_") and k != "learning_rate"]
    train.sort(key=lambda k: (k != "loss",))
    val = [k for k in keys if k.startswith("val_")]
    val.sort(key=lambda k: (k != "val_loss",))
    rest = [k for k in keys if k not in train and k not in val]
    return train + val + rest


def logs_text(logs: dict[str, float]) -> str:
    return " - ".join(f"{k}: {keras_number(logs[k])}" for k in ordered_keys(logs))


def seconds_text(s: float) -> str:
    if s < 1:
        return f"{s:.1f}s" if s >= 0.05 else f"{s * 1000:.0f}ms"
    if s < 60:
        return f"{s:.0f}s" if s >= 10 else f"{s:.1f}s"
    m, sec = divmod(round(s), 60)
    return f"{m}:{sec:02d}" if m < 60 else f"{m // 60}:{m % 60:02d}:{sec:02d}"


def history_csv(history: dict[str, list[float]]) -> str:
    keys = ordered_keys(history)
    n = max((len(v) for v in history.values()), default=0)
    lines = [",".join(["epoch", *keys])]
    for i in range(n):
        row = [str(i + 1)] + [repr(float(history[k][i])) if i < len(history[k]) else ""
                              for k in keys]
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


def export_history(history: dict[str, list[float]], path: str | Path) -> Path:
    """Write the History as CSV (a row per epoch) or JSON (exactly History.history), atomically."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        atomic_write_text(path, json.dumps(history, indent=2) + "\n")
    else:
        atomic_write_text(path, history_csv(history))
    return path


def ask_stop_on_close(parent: QWidget) -> bool:
    """Closing during training: True to stop and keep the model, False to go on training."""
    box = QMessageBox(QMessageBox.Icon.Question, "Training is running",
                      "The model is still training. Stop the training and close?\n\n"
                      "The weights trained so far are kept; you can save the model next.",
                      parent=parent)
    stop = box.addButton("Stop and keep", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(stop)
    box.exec()
    return box.clickedButton() is stop


def ask_model_path(parent: QWidget, start: str) -> str | None:
    """Where to save the trained model (None: do not save)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Save the trained model", start, MODEL_FILTER)
    if not path:
        return None
    return path if path.endswith(".keras") else path + ".keras"


def ask_save_on_close(parent: QWidget) -> bool:
    answer = QMessageBox.question(
        parent, "Keep the trained model?",
        "Save the model trained so far (a .keras file)?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard,
        QMessageBox.StandardButton.Save)
    return answer == QMessageBox.StandardButton.Save


def recorded(session: Any, run_dir: Path, run: Any) -> Any:
    """Run `run()` (a fit) with its run folder kept the way the command line keeps it: run.json
    says "running" (with the pid) until the end, then model.keras, history.json and run.json
    ("finished" or "stopped") are written, after a failure too (core.run_record)."""
    from kerasgui.core.run_record import write_outputs, write_run

    project = session.project
    started = datetime.now(UTC)
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        write_run(project, session, run_dir, started, status="running")
    except OSError as e:
        raise UserError(f"Cannot write the run folder {run_dir}: {e.strerror or e}; save the "
                        "project in a folder you can write to") from None
    try:
        value = run()
    except BaseException:
        try:
            write_outputs(project, session, run_dir, started)
        except Exception:  # the failure of the run is the message; this goes to the log
            log.exception("could not write the outputs of the failed run in %s", run_dir)
        raise
    try:
        write_outputs(project, session, run_dir, started)
    except OSError as e:
        raise UserError(f"The model trained, but its run folder {run_dir} could not be "
                        f"written: {e.strerror or e}; save the model with Save model…") from None
    return value


class TrainingPanel(QWidget):
    """Settings | controls, progress, curves, log and History."""

    title = "Training"
    running_changed = Signal(bool)
    session_changed = Signal()       # a new Session (a model to evaluate, predict with, save)
    event_received = Signal(object)  # every Session event, after the panel has shown it
    finished = Signal(object)        # worker.Result of the run

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("training_panel")
        self.window_ = window
        self.doc = window.doc
        self.session: Any = None
        self.job: Job | None = None
        self.jobs_done = 0
        self._updating = False
        self._stop_requested = False
        self._epochs_total = 0
        self._steps = None
        self._last_step = 0
        self._epoch_seconds = []
        self._began = 0.0
        self._progress_event: dict[str, Any] | None = None  # the newest batch not yet shown
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_MS)
        self._progress_timer.timeout.connect(self._show_progress)
        self._gate = JobGate(self.window_, ("evaluate", "predict"))
        self.run_dir: Path | None = None  # the run folder of the current Session
        self._pending_resume: Any = None
        self._autotrain = os.environ.get(ENV_AUTOTRAIN, "").strip()
        self._build()
        self.doc.changed.connect(self._project_changed)
        window.keras_ready.connect(self._keras_ready)
        self._project_changed("all")
        self._update_buttons()

    # ---- building --------------------------------------------------------------------------------
    def _spin(self, name: str, lo: int, hi: int, tip: str) -> QSpinBox:
        s = QSpinBox()
        s.setObjectName(name)
        s.setRange(lo, hi)
        s.setKeyboardTracking(False)
        s.setToolTip(tip)
        s.setAccessibleName(tip.split(":")[0])
        return s

    def _double(self, name: str, lo: float, hi: float, decimals: int, tip: str) -> QDoubleSpinBox:
        s = QDoubleSpinBox()
        s.setObjectName(name)
        s.setRange(lo, hi)
        s.setDecimals(decimals)
        s.setKeyboardTracking(False)
        s.setToolTip(tip)
        s.setAccessibleName(tip.split(":")[0])
        return s


    def _build(self) -> None:
        # fit settings
        self.epochs = self._spin("epochs", 1, 1_000_000, "Epochs: passes over the training data")
        self.batch_size = self._spin("batch_size", 1, 10_000_000,
                                     "Batch size: samples per weight update")
        self.shuffle = QCheckBox("Shuffle the training rows each epoch")
        self.shuffle.setObjectName("fit_shuffle")
        self.fixed_seed = QCheckBox("Fixed seed")
        self.fixed_seed.setObjectName("fixed_seed")
        self.fixed_seed.setToolTip("With a fixed seed a run gives the same numbers every time")
        self.seed = self._spin("seed", 0, 2**31 - 1, "Seed: the random seed of the run")
        self.epochs.valueChanged.connect(lambda v: self._set_fit("epochs", v, "Set epochs"))
        self.batch_size.valueChanged.connect(
            lambda v: self._set_fit("batch_size", v, "Set batch size"))
        self.shuffle.toggled.connect(lambda on: self._set_fit("shuffle", on, "Set shuffle"))
        self.fixed_seed.toggled.connect(self._seed_toggled)
        self.seed.valueChanged.connect(lambda v: self._set_fit("seed", v, "Set seed"))
        fit_box = QGroupBox("Fit")
        ff = QFormLayout(fit_box)
        ff.addRow("Epochs:", self.epochs)
        ff.addRow("Batch size:", self.batch_size)
        ff.addRow("", self.shuffle)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.fixed_seed)
        seed_row.addWidget(self.seed, 1)
        ff.addRow("Seed:", seed_row)

        # callbacks
        cb_box = QGroupBox("Callbacks")
        cl = QVBoxLayout(cb_box)
        self.cb_groups: dict[str, QGroupBox] = {}
        self.cb_fields: dict[str, dict[str, QWidget]] = {}
        for name in CALLBACKS:
            cl.addWidget(self._callback_group(name))
        self.other_callbacks = QLabel()
        self.other_callbacks.setObjectName("other_callbacks")
        self.other_callbacks.setWordWrap(True)
        self.other_callbacks.setStyleSheet("color: #555;")
        cl.addWidget(self.other_callbacks)

        settings = QWidget()
        sl = QVBoxLayout(settings)
        sl.setContentsMargins(0, 0, 6, 0)
        sl.addWidget(fit_box)
        sl.addWidget(cb_box)
        sl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(settings)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(settings.sizeHint().width() + 16)

        # controls
        self.train_button = push_button("train", "Train", "Train the model", self.train)
        self.train_button.setToolTip("Build the model afresh and train it on the training data")
        bold = QFont(self.train_button.font())
        bold.setBold(True)
        self.train_button.setFont(bold)
        self.pause_button = push_button("pause", "Pause", "Pause or resume training",
                                        self.toggle_pause)
        self.stop_button = push_button("stop", "Stop", "Stop training", self.stop)
        self.stop_button.setToolTip("Stop after the current batch; the weights trained so far "
                                    "are kept")
        self.more_epochs = self._spin("more_epochs", 1, 1_000_000,
                                      "More epochs: how many epochs to add")
        self.more_epochs.setValue(5)
        self.more_button = push_button("train_more", "Train 5 more epochs",
                                       "Train more epochs", self.train_more)
        self.more_button.setToolTip("Continue the same model (weights and optimizer state) for "
                                    "more epochs; the curves go on")
        self.more_epochs.valueChanged.connect(
            lambda n: self.more_button.setText(f"Train {n} more epoch{'s' if n != 1 else ''}"))
        self.save_button = push_button("save_trained_model", "Save model…",
                                       "Save the trained model", self._save_clicked)
        self.save_button.setToolTip("Save the trained model as a .keras file (with the column "
                                    "names and classes it was trained on)")
        controls = QHBoxLayout()
        for w in (self.train_button, self.pause_button, self.stop_button):
            controls.addWidget(w)
        controls.addSpacing(16)
        controls.addWidget(self.more_button)
        controls.addWidget(self.more_epochs)
        controls.addStretch(1)
        controls.addWidget(self.save_button)

        self.progress = QProgressBar()
        self.progress.setObjectName("progress")
        self.progress.setAccessibleName("Progress of the epoch")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%v/%m")
        self.progress_line = QLabel("Press Train to fit the model to the training data.")
        self.progress_line.setObjectName("progress_line")
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.progress_line.setFont(mono)
        self.progress_line.setWordWrap(True)  # a long line must not widen the window
        self.progress_line.setMinimumWidth(100)
        self.progress_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_line.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        prow = QHBoxLayout()
        prow.addWidget(self.progress)
        prow.addWidget(SteadyBox(self.progress_line), 1)  # a new text repaints the line alone
        self.message = QLabel()
        self.message.setObjectName("training_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.plots = TrainingPlots()

        # log and history
        # a QTextEdit, not a QPlainTextEdit: the window's help test finds the one QPlainTextEdit
        self.log_view = QTextEdit()
        self.log_view.setObjectName("training_log")
        self.log_view.setAccessibleName("Training log")
        self.log_view.setReadOnly(True)
        self.log_view.setAcceptRichText(False)
        self.log_view.setLineWrapMode(QTextEdit.LineWrapMode.NoWrap)
        self.log_view.setFont(mono)
        self.log_view.document().setMaximumBlockCount(20_000)
        self.history_table = QTableWidget(0, 0)
        self.history_table.setObjectName("history_table")
        self.history_table.setAccessibleName("History: one row per epoch")
        self.history_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.history_table.verticalHeader().hide()
        self.export_csv = push_button("export_csv", "Export CSV…", "Export the history as CSV",
                                      lambda: self.choose_export("csv"))
        self.export_json = push_button("export_json", "Export JSON…",
                                       "Export the history as JSON",
                                       lambda: self.choose_export("json"))
        hist = QWidget()
        hl = QVBoxLayout(hist)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(self.history_table, 1)
        er = QHBoxLayout()
        er.addStretch(1)
        er.addWidget(self.export_csv)
        er.addWidget(self.export_json)
        hl.addLayout(er)
        self.bottom = QTabWidget()
        self.bottom.setObjectName("training_details")
        self.bottom.addTab(self.log_view, "Log")
        self.bottom.addTab(hist, "History")

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(controls)
        rl.addLayout(prow)
        rl.addWidget(self.message)
        vsplit = QSplitter(Qt.Orientation.Vertical)
        vsplit.addWidget(self.plots)
        vsplit.addWidget(self.bottom)
        vsplit.setStretchFactor(0, 3)
        vsplit.setStretchFactor(1, 1)
        vsplit.setSizes([520, 200])
        vsplit.setChildrenCollapsible(False)
        rl.addWidget(vsplit, 1)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(scroll)
        split.addWidget(right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([scroll.minimumWidth(), 1000])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(split)

    def _callback_group(self, name: str) -> QGroupBox:
        box = QGroupBox(name)
        box.setObjectName(f"callback_{name}")
        box.setAccessibleName(f"Use the {name} callback")
        box.setCheckable(True)
        box.setChecked(False)
        box.toggled.connect(lambda on, n=name: self._callback_toggled(n, on))
        form = QFormLayout(box)
        doc = QLabel(CALLBACK_HELP[name])
        doc.setWordWrap(True)
        doc.setStyleSheet("color: #555;")
        form.addRow(doc)
        fields: dict[str, QWidget] = {}
        if name != "TerminateOnNaN":
            monitor = QComboBox()
            monitor.setEditable(True)
            monitor.setObjectName(f"{name}_monitor")
            monitor.setAccessibleName(f"{name}: value to monitor")
            monitor.lineEdit().editingFinished.connect(
                lambda n=name, m=monitor: self._callback_edited(n, "monitor", m.currentText()))
            monitor.activated.connect(
                lambda _i, n=name, m=monitor: self._callback_edited(n, "monitor",
                                                                    m.currentText()))
            form.addRow("Monitor:", monitor)
            fields["monitor"] = monitor
        if name in ("EarlyStopping", "ReduceLROnPlateau"):
            patience = self._spin(f"{name}_patience", 0, 100_000,
                                  "Patience: epochs without improvement before acting")
            patience.valueChanged.connect(
                lambda v, n=name: self._callback_edited(n, "patience", v))
            form.addRow("Patience:", patience)
            fields["patience"] = patience
        if name == "EarlyStopping":
            delta = self._double(f"{name}_min_delta", 0.0, 1e6, 6,
                                 "Min delta: the smallest change that counts as improvement")
            delta.valueChanged.connect(
                lambda v, n=name: self._callback_edited(n, "min_delta", v))
            form.addRow("Min delta:", delta)
            fields["min_delta"] = delta
            restore = QCheckBox("Restore the best weights at the end")
            restore.setObjectName(f"{name}_restore_best_weights")
            restore.toggled.connect(
                lambda on, n=name: self._callback_edited(n, "restore_best_weights", on))
            form.addRow("", restore)
            fields["restore_best_weights"] = restore
        if name == "ReduceLROnPlateau":
            factor = self._double(f"{name}_factor", 0.001, 0.999, 3,
                                  "Factor: the learning rate is multiplied by this")
            factor.setSingleStep(0.05)
            factor.valueChanged.connect(lambda v, n=name: self._callback_edited(n, "factor", v))
            form.addRow("Factor:", factor)
            fields["factor"] = factor
            min_lr = self._double(f"{name}_min_lr", 0.0, 10.0, 8,
                                  "Min learning rate: never lower than this")
            min_lr.valueChanged.connect(lambda v, n=name: self._callback_edited(n, "min_lr", v))
            form.addRow("Min learning rate:", min_lr)
            fields["min_lr"] = min_lr
        if name == "ModelCheckpoint":
            path = QLineEdit()
            path.setObjectName(f"{name}_filepath")
            path.setAccessibleName("Checkpoint file name")
            path.editingFinished.connect(
                lambda n=name, p=path: self._callback_edited(n, "filepath", p.text().strip()
                                                             or "best.keras"))
            form.addRow("File:", path)
            fields["filepath"] = path
        self.cb_groups[name] = box
        self.cb_fields[name] = fields
        return box

    # ---- the project -----------------------------------------------------------------------------
    @property
    def fit(self) -> dict[str, Any]:
        return self.doc.project.fit

    def _project_changed(self, part: str) -> None:
        if part in ("fit", "all", "compile"):
            self.refresh()

    def refresh(self) -> None:
        """Redraw the settings from the project."""
        self._updating = True
        try:
            fit = self.fit
            self.epochs.setValue(int(fit.get("epochs", 5)))
            self.batch_size.setValue(int(fit.get("batch_size", 32)))
            self.shuffle.setChecked(bool(fit.get("shuffle", True)))
            seed = fit.get("seed")
            self.fixed_seed.setChecked(seed is not None)
            self.seed.setEnabled(seed is not None)
            if seed is not None:
                self.seed.setValue(int(seed))
            monitors = self._monitor_choices()
            specs = self._callback_specs()
            for name in CALLBACKS:
                spec = specs.get(name)
                box = self.cb_groups[name]
                box.setChecked(spec is not None)
                config = {**CALLBACK_DEFAULTS[name], **(spec or {})}
                for key, w in self.cb_fields[name].items():
                    value = config.get(key)
                    if isinstance(w, QComboBox):
                        w.clear()
                        w.addItems(monitors)
                        w.setCurrentText(str(value or "val_loss"))
                    elif isinstance(w, QSpinBox):
                        w.setValue(int(value if value is not None else 0))
                    elif isinstance(w, QDoubleSpinBox):
                        w.setValue(float(value if value is not None else 0.0))
                    elif isinstance(w, QCheckBox):
                        w.setChecked(bool(value))
                    elif isinstance(w, QLineEdit):
                        w.setText(str(value or ""))
            others = [self._callback_name(c) for c in fit.get("callbacks") or []
                      if self._callback_name(c) not in CALLBACKS]
            self.other_callbacks.setText(
                f"Also in the project: {', '.join(others)} (edit the project file to change)"
                if others else "")
            self.other_callbacks.setVisible(bool(others))
        finally:
            self._updating = False

    def _monitor_choices(self) -> list[str]:
        names = ["loss"]
        for m in self.doc.project.compile.get("metrics") or []:
            if isinstance(m, str):
                names.append(m)
            elif isinstance(m, dict):
                n = m.get("name") or (m.get("config") or {}).get("name") or m.get("class_name")
                if n:
                    names.append(str(n))
        return [f"val_{n}" for n in names] + names

    @staticmethod
    def _callback_name(spec: Any) -> str:
        return spec if isinstance(spec, str) else str((spec or {}).get("class_name"))

    def _callback_specs(self) -> dict[str, dict[str, Any]]:
        """The configs of the callbacks this panel edits, by class name."""
        out: dict[str, dict[str, Any]] = {}
        for spec in self.fit.get("callbacks") or []:
            name = self._callback_name(spec)
            if name in CALLBACKS and name not in out:
                out[name] = dict({} if isinstance(spec, str) else spec.get("config") or {})
        return out

    def _set_fit(self, key: str, value: Any, text: str) -> None:
        if self._updating:
            return
        self.doc.set_value(("fit", key), value, text)

    def _seed_toggled(self, on: bool) -> None:
        if self._updating:
            return
        self.seed.setEnabled(on)
        self.doc.set_value(("fit", "seed"), self.seed.value() if on else None,
                           "Fix the seed" if on else "No fixed seed")

    def set_callback(self, name: str, config: dict[str, Any] | None) -> None:
        """Use callback `name` with `config` (None: do not use it); an undo command."""
        callbacks = copy.deepcopy(list(self.fit.get("callbacks") or []))
        index = next((i for i, c in enumerate(callbacks) if self._callback_name(c) == name), None)
        if config is None:
            if index is None:
                return
            del callbacks[index]
            text = f"Remove {name}"
        else:
            entry = {"class_name": name, "config": config}
            if index is None:
                callbacks.append(entry)
                text = f"Add {name}"
            else:
                callbacks[index] = entry
                text = f"Set {name}"
        self.doc.set_value(("fit", "callbacks"), callbacks, text)

    def _callback_toggled(self, name: str, on: bool) -> None:
        if self._updating:
            return
        self.set_callback(name, dict(CALLBACK_DEFAULTS[name]) if on else None)

    def _callback_edited(self, name: str, key: str, value: Any) -> None:
        if self._updating or not self.cb_groups[name].isChecked():
            return
        config = {**CALLBACK_DEFAULTS[name], **self._callback_specs().get(name, {})}
        if config.get(key) == value:
            return
        config[key] = value
        self.set_callback(name, config)

    # ---- running ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None and self.job.result is None

    def _keras_ready(self) -> None:
        self._update_buttons()
        if self._pending_resume is not None and not self.running:
            QTimer.singleShot(0, lambda: self._pending_resume is not None
                              and self.resume_run(self._pending_resume))
            return
        if self._autotrain and not self.running and self.session is None:
            self.window_.tabs.setCurrentWidget(self)
            QTimer.singleShot(300, self._start_autotrain)

    def _start_autotrain(self) -> None:
        """KERASGUI_AUTOTRAIN=1 trains at start (screenshots, demos); a larger number first sets
        the project's epochs to it (an edit, shown in the Epochs field)."""
        if self._autotrain.isdigit() and int(self._autotrain) > 1:
            self.doc.set_value(("fit", "epochs"), int(self._autotrain), "Set epochs")
        self.train()

    def _other_job_running(self) -> bool:
        """Another panel runs a Keras job (Evaluate, Predict): one job at a time."""
        return any(getattr(p, "busy", False) is True for p in self.window_.panels.values()
                   if p is not self)

    def _update_buttons(self) -> None:
        ready = self.window_.keras_is_ready and not self._other_job_running()
        running = self.running
        has_model = self.session is not None and getattr(self.session, "model", None) is not None
        self.train_button.setEnabled(ready and not running)
        self.train_button.setToolTip("Build the model afresh and train it on the training data"
                                     if ready else "TensorFlow is still loading…")
        self.more_button.setEnabled(ready and not running and has_model)
        self.more_epochs.setEnabled(not running)
        self.pause_button.setEnabled(running and not self._stop_requested)
        self.stop_button.setEnabled(running and not self._stop_requested)
        self.save_button.setEnabled(not running and has_model)
        has_history = bool(self.plots.history)
        self.export_csv.setEnabled(has_history)
        self.export_json.setEnabled(has_history)

    def _set_running(self, running: bool) -> None:
        """Disable what would disturb the run elsewhere in the window (Evaluate, Predict)."""
        self._gate.set_running(running)
        self._update_buttons()
        self.running_changed.emit(running)

    def _prepare_project(self, run_dir: Path) -> Any:
        """A snapshot of the project to train; a ModelCheckpoint writes into the run folder."""
        project = snapshot(self.doc.project)
        for spec in project.fit.get("callbacks") or []:
            if isinstance(spec, dict) and spec.get("class_name") == "ModelCheckpoint":
                file = Path(str((spec.get("config") or {}).get("filepath") or "best.keras"))
                self._log(f"ModelCheckpoint saves the best model to {run_dir / file}")
        return project

    @staticmethod
    def new_run_dir(project: Any) -> Path:
        """runs/<project>-<time> beside the project; for one never saved, in the data folder."""
        from kerasgui.core.recovery import data_dir
        from kerasgui.core.run_record import new_run_dir

        return new_run_dir(project, None if project.path is not None else data_dir() / "runs")

    def train(self, epochs: int | None = None, *, resume: Any = None) -> bool:
        """Build the model afresh and train it (in the worker thread). False if it cannot start.
        The run checkpoints each epoch into its run folder; `resume` (a recovery.UnfinishedRun)
        continues a run that did not finish from its checkpoint instead."""
        if self.running or not self.window_.keras_is_ready or self._other_job_running():
            return False
        from kerasgui.core.training import Session

        self._pending_resume = None
        self._show_message(None)
        self.log_view.clear()
        self.plots.reset()
        self.history_table.setRowCount(0)
        self.history_table.setColumnCount(0)
        project = snapshot(self.doc.project)
        run_dir = Path(resume.folder) if resume is not None else self.new_run_dir(project)
        project = self._prepare_project(run_dir)
        if resume is not None and epochs is None:
            epochs = resume.epochs_requested
        if epochs is not None:
            project.fit["epochs"] = int(epochs)
        self.run_dir = run_dir
        self.session = Session(project)
        self.session_changed.emit()
        session = self.session
        total = epochs
        if resume is not None:
            self._log(f"Resuming the run in {run_dir} from its checkpoint after epoch "
                      f"{resume.epochs_done}…")
        else:
            self._log(f"Loading the data and building the model of “{project.name}”…")
        return self._start(lambda emit: self._fit(session, emit, total, run_dir), "Preparing…")

    def resume_run(self, run: Any) -> bool:
        """Resume an unfinished run (recovery.UnfinishedRun); waits for TensorFlow if needed."""
        if not self.window_.keras_is_ready:
            self._pending_resume = run
            return True
        self.window_.tabs.setCurrentWidget(self)
        return self.train(resume=run)

    def train_more(self, n: int | None = None) -> bool:
        """Continue the same Session for n more epochs (weights and optimizer state kept)."""
        if (self.running or self.session is None or self.session.model is None
                or self._other_job_running()):
            return False
        n = int(n if n is not None else self.more_epochs.value())
        session = self.session
        self._show_message(None)
        self._log(f"Training {n} more epoch{'s' if n != 1 else ''}…")
        run_dir = self.run_dir
        return self._start(lambda emit: self._more(session, emit, n, run_dir), "Continuing…")

    @staticmethod
    def _fit(session: Any, emit: Any, epochs: int | None, run_dir: Path) -> Any:
        session.on_event = emit
        session.prepare()  # first: a project that cannot train leaves no run folder behind
        return recorded(session, run_dir, lambda: session.fit(epochs, out_dir=run_dir))

    @staticmethod
    def _more(session: Any, emit: Any, n: int, run_dir: Path | None) -> Any:
        session.on_event = emit
        session.project.fit["epochs"] = session.epochs_done + n  # what run.json records
        if run_dir is None:
            return session.more(n)
        return recorded(session, run_dir, lambda: session.more(n, out_dir=run_dir))

    def _start(self, fn: Any, text: str) -> bool:
        self._stop_requested = False
        self._steps = None
        self._last_step = 0
        self._began = time.perf_counter()
        self.pause_button.setText("Pause")
        self.progress.setRange(0, 0)  # busy until the first batch
        self.progress_line.setText(text)
        job = Job(fn, name="kerasgui-training", parent=self)
        job.event.connect(self._on_event)
        job.finished.connect(self._on_finished)
        self.job = job  # the panel (a child of the window) holds the job, its thread and worker
        job.start()
        self._set_running(True)
        return True

    def toggle_pause(self) -> None:
        if not self.running or self.session is None:
            return
        if self.session.paused:
            self.session.resume()
            self.pause_button.setText("Pause")
            self.progress_line.setText(self.progress_line.text().replace(" (paused)", ""))
        else:
            self.session.pause()
            self.pause_button.setText("Resume")
            self.progress_line.setText("Pausing after this batch…")

    def stop(self) -> None:
        """Stop after the current batch; the weights and history so far are kept."""
        if not self.running or self.session is None:
            return
        self._stop_requested = True
        self.session.request_stop()
        self.pause_button.setText("Pause")
        self._progress_event = None
        self.progress_line.setText("Stopping after this batch…")
        self._update_buttons()

    # ---- events (queued from the worker) ---------------------------------------------------------
    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "train_begin":
            self._on_train_begin(event)
        elif kind == "batch_end":
            self._on_batch(event)
        elif kind == "epoch_end":
            self._on_epoch(event)
        elif kind == "train_end":
            self._on_train_end(event)
        elif kind == "log":
            self._log(str(event.get("text", "")))
        elif kind == "paused":
            self._progress_event = None
            self.progress_line.setText(f"Paused in epoch {int(event.get('epoch', 0)) + 1}, "
                                       f"after step {self._last_step}. Press Resume to go on.")
        elif kind == "resumed":
            self.progress_line.setText("Resumed.")
        self.event_received.emit(event)

    def _on_train_begin(self, event: dict[str, Any]) -> None:
        if self._stop_requested and self.session is not None:
            self.session.request_stop()  # pressed while the data loaded
        self._epochs_total = int(event.get("epochs") or 0)
        self._steps = event.get("steps")
        self._epoch_seconds: list[float] = []
        initial = int(event.get("initial_epoch") or 0)
        session = self.session
        parts = [f"Epochs {initial + 1}–{self._epochs_total}"]
        try:
            train = session.data.train
            val = session.data.validation
            batch = int(session.project.fit.get("batch_size", 32))
            parts.append(f"{len(train):,} training samples in {self._steps or '?'} steps of "
                         f"{batch}")
            parts.append(f"validating on {len(val):,}" if val is not None and len(val)
                         else "no validation data")
        except AttributeError:
            pass
        self._log(", ".join(parts) + ".")
        if initial > 0 and session is not None and not self.plots.history:
            # resumed from a checkpoint: the restored history first, then the new epochs
            restored = {k: list(v[:initial]) for k, v in dict(session.history).items()}
            self.plots.set_history(restored)
            self._fill_history(restored)
        self.progress.setRange(0, int(self._steps or 0))
        self.progress.setValue(0)
        self.plots.start(self._epochs_total)  # draws from its timer until train_end

    def _on_batch(self, event: dict[str, Any]) -> None:
        """Record the batch for the plots; show it on the progress line at once, or, within
        PROGRESS_MS of the last one shown, when that time is up (only the newest then)."""
        epoch, step = int(event["epoch"]), int(event["step"])
        self._last_step = step
        logs = event.get("logs") or {}
        self.plots.add_batch(epoch, step, event.get("steps"), logs.get("loss"))
        self.plots.expect(logs)
        self._progress_event = event
        if not self._progress_timer.isActive():
            self._show_progress()

    def _show_progress(self) -> None:
        event, self._progress_event = self._progress_event, None
        if event is None or not self.running:
            return
        self._progress_timer.start()  # the next one no sooner than PROGRESS_MS from now
        epoch, step = int(event["epoch"]), int(event["step"])
        steps = event.get("steps")
        logs = event.get("logs") or {}
        if steps:
            self.progress.setRange(0, int(steps))
            self.progress.setValue(min(step, int(steps)))
        ms = float(event.get("ms_per_step") or 0.0)
        parts = [f"Epoch {epoch + 1}/{self._epochs_total}", f"{step}/{steps or '?'}",
                 f"{ms:.0f}ms/step" if ms >= 1 else f"{ms * 1000:.0f}us/step"]
        eta = self._eta(epoch, step, steps, ms)
        if eta is not None:
            parts.append(f"ETA: {seconds_text(eta)}")
        if logs:
            parts.append(logs_text(logs))
        paused = " (paused)" if self.session is not None and self.session.paused else ""
        self.progress_line.setText(" - ".join(parts) + paused)

    def _eta(self, epoch: int, step: int, steps: int | None, ms: float) -> float | None:
        """Seconds until the run's last epoch ends: the rest of this epoch at its pace, then the
        epochs left at the pace of the recent ones (the first, which compiles, left out)."""
        if not steps:
            return None
        rest = max(0, int(steps) - step) * ms / 1000
        left = max(0, self._epochs_total - epoch - 1)
        if left:
            recent = self._epoch_seconds[1:][-5:] or self._epoch_seconds[-1:]
            per_epoch = sum(recent) / len(recent) if recent else int(steps) * ms / 1000
            rest += left * per_epoch
        return rest

    def _on_epoch(self, event: dict[str, Any]) -> None:
        logs = event.get("logs") or {}
        epoch = int(event["epoch"])
        self.plots.add_epoch(logs)
        steps = self._steps
        done = self._last_step or steps or 0
        seconds = float(event.get("seconds") or 0.0)
        self._epoch_seconds.append(seconds)
        self._log(f"Epoch {epoch + 1}/{self._epochs_total} - {done}/{steps or done} - "
                  f"{seconds_text(seconds)} - {logs_text(logs)}")
        self._append_history_row(epoch, logs)
        self._last_step = 0

    def _on_train_end(self, event: dict[str, Any]) -> None:
        self._progress_event = None
        history = event.get("history") or {}
        self.plots.set_history(history)
        self.plots.stop()
        self._fill_history(history)
        n = max((len(v) for v in history.values()), default=0)
        elapsed = time.perf_counter() - self._began
        reason = event.get("reason")
        best = best_epoch(history)
        tail = (f" Best epoch: {best[0]} ({best[1]} {fmt(best[2])})."
                if best is not None else "")
        if event.get("stopped"):
            head = f"Stopped after {n} epoch{'s' if n != 1 else ''}: {reason}."
        elif n < self._epochs_total:
            head = (f"Stopped early after {n} of {self._epochs_total} epochs in "
                    f"{seconds_text(elapsed)}{self._early_stop_note()}.")
            restored = self._restored_epoch(history)
            if restored is not None:
                tail = (f" The weights of the best epoch ({restored[0]}, {restored[1]} "
                        f"{fmt(restored[2])}) were restored.")
        else:
            head = f"Done: {n} epoch{'s' if n != 1 else ''} in {seconds_text(elapsed)}."
        self._log(head + tail)
        self.progress_line.setText(head + tail)
        if event.get("stopped") and reason and reason != "stopped by the user":
            self._show_message(str(reason), error=True)

    def _early_stop_note(self) -> str:
        """Why the run ended before its last epoch: the callback that stopped it."""
        config = self._run_callbacks().get("EarlyStopping")
        if config is None:
            return ": a callback stopped it"
        monitor = config.get("monitor", "val_loss")
        return f": EarlyStopping saw no improvement of {monitor} for {config.get('patience', 0)} " \
               "epochs"

    def _restored_epoch(self, history: dict[str, list[float]]) -> tuple[int, str, float] | None:
        """The epoch whose weights EarlyStopping(restore_best_weights=True) put back."""
        config = self._run_callbacks().get("EarlyStopping")
        if not config or not config.get("restore_best_weights"):
            return None
        monitor = str(config.get("monitor", "val_loss"))
        values = history.get(monitor)
        if not values:
            return None
        mode = config.get("mode", "auto")
        higher = mode == "max" or (mode == "auto" and ("acc" in monitor or "auc" in monitor))
        pick = max if higher else min
        i = values.index(pick(values))
        return i + 1, monitor, values[i]

    def _run_callbacks(self) -> dict[str, dict[str, Any]]:
        project = getattr(self.session, "project", None)
        out: dict[str, dict[str, Any]] = {}
        for spec in (project.fit.get("callbacks") or []) if project is not None else []:
            name = self._callback_name(spec)
            out.setdefault(name, {} if isinstance(spec, str) else dict(spec.get("config") or {}))
        return out

    def _on_finished(self, result: Result) -> None:
        self.plots.stop()
        self.jobs_done += 1
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
        if not result.ok:
            self._show_message(result.error or "", error=True)
            self._log(f"error: {result.error}")
            self.progress_line.setText("Training did not finish; see the message above.")
            self.window_.statusBar().showMessage("Training failed.", 8000)
        else:
            self.window_.statusBar().showMessage("Training finished.", 5000)
        self._stop_requested = False
        self._set_running(False)
        self.finished.emit(result)

    # ---- log and history -------------------------------------------------------------------------
    def _log(self, text: str) -> None:
        """One line at the end of the log, as plain text."""
        doc = self.log_view.document()
        cursor = QTextCursor(doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if not doc.isEmpty():
            cursor.insertBlock()
        cursor.insertText(text)
        bar = self.log_view.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _show_message(self, text: str | None, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def _history_columns(self, keys: Any) -> list[str]:
        have = [self.history_table.horizontalHeaderItem(c).text()
                for c in range(1, self.history_table.columnCount())]
        keys = [k for k in ordered_keys(keys) if k not in have]
        if keys or not have:
            cols = ["epoch", *have, *keys]
            self.history_table.setColumnCount(len(cols))
            self.history_table.setHorizontalHeaderLabels(cols)
            self.history_table.horizontalHeader().setSectionResizeMode(
                QHeaderView.ResizeMode.ResizeToContents)
        return [self.history_table.horizontalHeaderItem(c).text()
                for c in range(self.history_table.columnCount())]

    def _append_history_row(self, epoch: int, logs: dict[str, float]) -> None:
        cols = self._history_columns(logs)
        row = self.history_table.rowCount()
        self.history_table.insertRow(row)
        values = {"epoch": epoch + 1, **logs}
        for c, key in enumerate(cols):
            v = values.get(key)
            text = str(v) if key == "epoch" else ("" if v is None else keras_number(float(v)))
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if key != "epoch" and v is not None:
                item.setToolTip(repr(float(v)))
            self.history_table.setItem(row, c, item)
        self.history_table.scrollToBottom()

    def _fill_history(self, history: dict[str, list[float]]) -> None:
        self.history_table.setRowCount(0)
        self.history_table.setColumnCount(0)
        n = max((len(v) for v in history.values()), default=0)
        for i in range(n):
            self._append_history_row(i, {k: v[i] for k, v in history.items() if i < len(v)})
        best = best_epoch(history)
        if best is not None and best[0] - 1 < self.history_table.rowCount():
            for c in range(self.history_table.columnCount()):
                item = self.history_table.item(best[0] - 1, c)
                if item is not None:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)

    def history(self) -> dict[str, list[float]]:
        """The History of the current Session (all its runs)."""
        if self.session is not None and self.session.history:
            return {k: list(v) for k, v in self.session.history.items()}
        return {k: list(v) for k, v in self.plots.history.items()}

    def choose_export(self, kind: str) -> None:
        project = self.doc.project
        stem = Path(project.path).stem if project.path else "history"
        start = str(project.base_dir / f"{stem}-history.{kind}")
        flt = "CSV files (*.csv)" if kind == "csv" else "JSON files (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, "Export the history", start, flt)
        if not path:
            return
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        try:
            export_history(self.history(), path)
        except OSError as e:
            self._show_message(f"Cannot write {path}: {e.strerror or e}; choose another folder.",
                               error=True)
            return
        self.window_.statusBar().showMessage(f"History saved to {Path(path).name}.", 5000)

    # ---- the trained model -----------------------------------------------------------------------
    def _save_clicked(self) -> None:
        """The window's File > Save model… (the Results panel's) when there is one."""
        action = self.window_.findChild(QAction, "save_model")
        if action is not None and action.isEnabled():
            action.trigger()
        else:
            self.save_model()

    def save_model(self, path: str | Path | None = None) -> bool:
        """Save the Session's model (with its data schema) as a .keras file."""
        if self.session is None or self.session.model is None or self.running:
            return False
        if path is None:
            project = self.doc.project
            stem = Path(project.path).stem if project.path else "model"
            path = ask_model_path(self, str(project.base_dir / f"{stem}.keras"))
            if path is None:
                return False
        from kerasgui.core.model_file import save_model

        try:
            saved = save_model(self.session.model, path, schema=self.session.schema)
        except UserError as e:
            self._show_message(e.message, error=True)
            return False
        except OSError as e:
            self._show_message(f"Cannot save {path}: {e.strerror or e}; choose another folder.",
                               error=True)
            return False
        self.window_.statusBar().showMessage(f"Model saved to {saved.name}.", 5000)
        self._log(f"Model saved to {saved}.")
        return True

    # ---- closing ---------------------------------------------------------------------------------
    def can_close(self) -> bool:
        """Asked before the window closes: during training, stop (keeping the model) or stay."""
        if not self.running:
            return True
        if not ask_stop_on_close(self):
            return False
        self.stop()
        assert self.job is not None
        self.job.wait()
        if self.session is not None and self.session.model is not None \
                and self.session.history and ask_save_on_close(self):
            self.save_model()
        return True

    def shutdown(self) -> None:
        """Stop a run and wait for its thread (the window is closing)."""
        if self.running and self.session is not None:
            self.session.request_stop()
        if self.job is not None:
            self.job.wait()
        self.plots.timer.stop()
