"""The Results panel: evaluate a trained model, predict on new data, see where it errs, and save
or open trained models.

The model is the one trained last in this window (the Training panel's Session) or one opened
from a .keras file; its data schema (class names, one-hot categories) comes with it, so a raw CSV
of the training columns is encoded as in training and `kerasgui predict` gives the same answers.
Evaluating and predicting run in a worker thread (kerasgui.ui.worker.Job) with progress and a
Cancel that takes effect within a batch. Inspecting shows a confusion matrix for a classifier and
a predicted-vs-actual scatter for a regression, on the last data with known answers.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.errors import UserError
from kerasgui.core.results import CANCELLED, Outcome, run, samples
from kerasgui.ui.confusion_view import ConfusionView
from kerasgui.ui.job_gate import JobGate
from kerasgui.ui.predictions_view import PredictionsView
from kerasgui.ui.push_button import push_button
from kerasgui.ui.regression_view import RegressionView
from kerasgui.ui.worker import Job, Result

if TYPE_CHECKING:
    from kerasgui.ui.main_window import MainWindow

log = logging.getLogger(__name__)

MODEL_FILTER = "Keras models (*.keras);;All files (*)"
DATA_FILTER = "Data files (*.csv *.tsv *.txt *.npy *.npz);;All files (*)"
ERROR_STYLE = "color: #8a0010;"
INFO_STYLE = "color: #333;"
TEST, CHOOSE = "test", "choose"


class ResultsPanel(QWidget):
    """Model | Evaluate | Predict | Inspect."""

    title = "Results"
    model_changed = Signal()
    job_finished = Signal(object)   # worker.Result of an Evaluate or Predict job

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("results_panel")
        self.window_ = window
        self.doc = window.doc
        self.model: Any = None
        self.schema: Any = None
        self.model_origin = ""
        self.model_project: Any = None   # the project a model trained here came from
        self.job: Job | None = None
        self._stop = threading.Event()
        self.evaluation: Outcome | None = None
        self.prediction: Outcome | None = None
        self._gate = JobGate(self.window_, ("train", "train_more"))
        self._build()
        self.doc.changed.connect(self._project_changed)
        window.keras_ready.connect(self._update_buttons)
        training = window.panels.get("Training")
        if training is not None:
            for name, slot in (("finished", self._training_finished),
                               ("running_changed", self._update_buttons)):
                signal = getattr(training, name, None)
                if signal is not None:
                    signal.connect(slot)
        self._project_changed("all")
        self._update_buttons()

    # ---- building --------------------------------------------------------------------------------
    def _action(self, name: str, text: str, accessible: str, slot: Any, tip: str) -> QAction:
        a = QAction(text, self)
        a.setObjectName(name)
        a.setToolTip(tip)
        a.setStatusTip(tip)
        a.triggered.connect(lambda: slot())
        a.setData(accessible)
        return a

    def _table(self, name: str, accessible: str) -> QTableWidget:
        t = QTableWidget(0, 0)
        t.setObjectName(name)
        t.setAccessibleName(accessible)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.verticalHeader().hide()
        return t

    def _build(self) -> None:
        self.open_model_action = self._action(
            "open_model", "Open model…", "Open a trained model", self.open_model,
            "Open a .keras model file to evaluate it, predict with it, or edit and retrain its "
            "layers")
        self.save_model_action = self._action(
            "save_model", "Save model…", "Save the trained model", self.save_model,
            "Save the model shown in Results as a .keras file, with the column names and classes "
            "it was trained on")

        # the model
        self.model_label = QLabel()
        self.model_label.setObjectName("results_model")
        self.model_label.setWordWrap(True)
        self.model_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_button = QToolButton()
        open_button.setDefaultAction(self.open_model_action)
        open_button.setObjectName("open_model_button")
        save_button = QToolButton()
        save_button.setDefaultAction(self.save_model_action)
        save_button.setObjectName("save_model_button")
        self.batch_size = QSpinBox()
        self.batch_size.setObjectName("results_batch_size")
        self.batch_size.setAccessibleName("Batch size for evaluating and predicting")
        self.batch_size.setToolTip("Samples per batch when evaluating and predicting: larger is "
                                   "faster, smaller needs less memory. The answers are the same.")
        self.batch_size.setRange(1, 10_000_000)
        self.batch_size.setValue(32)
        model_box = QGroupBox("Model")
        ml = QHBoxLayout(model_box)
        ml.addWidget(self.model_label, 1)
        ml.addWidget(QLabel("Batch size:"))
        ml.addWidget(self.batch_size)
        ml.addSpacing(12)
        ml.addWidget(open_button)
        ml.addWidget(save_button)

        # evaluate
        self.eval_source = QComboBox()
        self.eval_source.setObjectName("evaluate_data")
        self.eval_source.setAccessibleName("Data to evaluate on")
        self.eval_source.activated.connect(self._eval_source_chosen)
        self.evaluate_button = push_button(
            "evaluate", "Evaluate", "Evaluate the model", self.evaluate,
            "Score the model on data with known answers (model.evaluate): the loss and metrics")
        bold = QFont(self.evaluate_button.font())
        bold.setBold(True)
        self.evaluate_button.setFont(bold)
        self.metrics_table = self._table("metrics_table", "Loss and metrics")
        self.metrics_table.setColumnCount(2)
        self.metrics_table.setHorizontalHeaderLabels(["metric", "value"])
        self.metrics_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.metrics_caption = QLabel("")
        self.metrics_caption.setObjectName("metrics_caption")
        self.metrics_caption.setWordWrap(True)
        eval_box = QGroupBox("Evaluate: how good is it on data it has not trained on?")
        el = QVBoxLayout(eval_box)
        er = QHBoxLayout()
        er.addWidget(QLabel("Data:"))
        er.addWidget(self.eval_source, 1)
        er.addWidget(self.evaluate_button)
        el.addLayout(er)
        el.addWidget(self.metrics_caption)
        el.addWidget(self.metrics_table, 1)

        # predict
        self.predict_file = QLineEdit()
        self.predict_file.setObjectName("predict_file")
        self.predict_file.setAccessibleName("File of new data to predict on")
        self.predict_file.setPlaceholderText("a CSV with the training columns, or .npy / .npz")
        self.predict_file.textChanged.connect(self._update_buttons)
        browse = push_button("choose_predict_file", "Browse…", "Choose a file of new data",
                             self.choose_predict_file)
        self.predict_button = push_button(
            "predict", "Predict", "Predict on the new data", self.predict,
            "Run the model on every row of the file (model.predict)")
        self.predict_button.setFont(bold)
        self.predictions_caption = QLabel("")
        self.predictions_caption.setObjectName("predictions_caption")
        self.predictions_caption.setWordWrap(True)
        self.predictions_view = PredictionsView()
        self.export_csv = push_button("export_predictions_csv", "Export CSV…",
                                      "Export the predictions as CSV",
                                      lambda: self.choose_export("csv"),
                                      "Every prediction as a CSV table (class and probability, "
                                      "or value), as `kerasgui predict` writes it")
        self.export_npy = push_button("export_predictions_npy", "Export NPY…",
                                      "Export the predictions as NPY",
                                      lambda: self.choose_export("npy"),
                                      "The model's raw output as a NumPy array")
        pred_box = QGroupBox("Predict: answers for new data")
        pl = QVBoxLayout(pred_box)
        pr = QHBoxLayout()
        pr.addWidget(QLabel("File:"))
        pr.addWidget(self.predict_file, 1)
        pr.addWidget(browse)
        pr.addWidget(self.predict_button)
        pl.addLayout(pr)
        pl.addWidget(self.predictions_caption)
        pl.addWidget(self.predictions_view, 1)
        xr = QHBoxLayout()
        xr.addStretch(1)
        xr.addWidget(self.export_csv)
        xr.addWidget(self.export_npy)
        pl.addLayout(xr)

        # inspect
        self.inspect_caption = QLabel()
        self.inspect_caption.setObjectName("inspect_caption")
        self.inspect_caption.setWordWrap(True)
        self.placeholder = QLabel("Evaluate the model (or predict on a file that holds the "
                                  "answers) to see where it is right and where it errs.")
        self.placeholder.setObjectName("inspect_placeholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #666;")
        self.confusion = ConfusionView()
        self.regression = RegressionView()
        self.inspect_stack = QStackedWidget()
        self.inspect_stack.setObjectName("inspect_stack")
        for w in (self.placeholder, self.confusion, self.regression):
            self.inspect_stack.addWidget(w)
        inspect_box = QGroupBox("Inspect: where does it err?")
        il = QVBoxLayout(inspect_box)
        il.addWidget(self.inspect_caption)
        il.addWidget(self.inspect_stack, 1)

        # progress
        self.progress = QProgressBar()
        self.progress.setObjectName("results_progress")
        self.progress.setAccessibleName("Progress of evaluating or predicting")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setMaximumWidth(220)
        self.progress.setFormat("%v/%m")
        self.status = QLabel("")
        self.status.setObjectName("results_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = push_button("cancel_results", "Cancel",
                                         "Cancel evaluating or predicting", self.cancel,
                                         "Stop after the current batch")
        prow = QHBoxLayout()
        prow.addWidget(self.progress)
        prow.addWidget(self.cancel_button)
        prow.addWidget(self.status, 1)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(eval_box)
        left.addWidget(pred_box)
        left.setStretchFactor(0, 1)
        left.setStretchFactor(1, 2)
        left.setSizes([200, 540])
        left.setChildrenCollapsible(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(inspect_box)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 600])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.addWidget(model_box)
        lay.addLayout(prow)
        lay.addWidget(split, 1)
        self._show_model()
        self._clear_inspect()

    def file_actions(self) -> list[QAction]:
        """The window puts these in its File menu."""
        return [self.open_model_action, self.save_model_action]

    # ---- the project -----------------------------------------------------------------------------
    def _project_changed(self, part: str) -> None:
        if part in ("data", "all"):
            self._fill_eval_sources()
        if part in ("fit", "all"):
            self.batch_size.setValue(int(self.doc.project.fit.get("batch_size", 32) or 32))

    def _fill_eval_sources(self, select: str | None = None) -> None:
        current = select or self.eval_source.currentData()
        files = [self.eval_source.itemData(i) for i in range(self.eval_source.count())]
        files = [f for f in files if f not in (TEST, CHOOSE, None)]
        self.eval_source.blockSignals(True)
        self.eval_source.clear()
        test = (self.doc.project.data or {}).get("test")
        if test:
            name = Path(str(test.get("path") or test.get("inputs"))).name
            self.eval_source.addItem(f"the project's test data ({name})", TEST)
        for f in files:
            self.eval_source.addItem(Path(f).name, f)
            self.eval_source.setItemData(self.eval_source.count() - 1, f,
                                         Qt.ItemDataRole.ToolTipRole)
        self.eval_source.addItem("another file…", CHOOSE)
        index = self.eval_source.findData(current) if current not in (None, CHOOSE) else -1
        self.eval_source.setCurrentIndex(index if index >= 0 else 0)
        self.eval_source.blockSignals(False)

    def _eval_source_chosen(self, index: int) -> None:
        if self.eval_source.itemData(index) == CHOOSE:
            path, _ = QFileDialog.getOpenFileName(self, "Data to evaluate on (with the answers)",
                                                  str(self.doc.project.base_dir), DATA_FILTER)
            if path:
                self.add_eval_file(path)
            else:
                self._fill_eval_sources()

    def add_eval_file(self, path: str | Path) -> None:
        """Offer `path` in the Evaluate list and select it."""
        path = str(Path(path).resolve())
        if self.eval_source.findData(path) < 0:
            self.eval_source.insertItem(max(0, self.eval_source.count() - 1), Path(path).name,
                                        path)
        self._fill_eval_sources(select=path)

    # ---- the model -------------------------------------------------------------------------------
    def set_model(self, model: Any, schema: Any, origin: str, project: Any = None) -> None:
        """Use `model` (with its data schema, or None) for evaluating, predicting and saving."""
        self.model = model
        self.schema = schema
        self.model_origin = origin
        self.model_project = project
        self._show_model()
        self._update_buttons()
        self.model_changed.emit()

    def _show_model(self) -> None:
        if self.model is None:
            self.model_label.setText("No model yet: train one on the Training tab, or open a "
                                     ".keras file (Open model…).")
            return
        parts = [f"<b>{self.model_origin}</b>"]
        s = self.schema
        if s is not None and s.class_names:
            parts.append(f"a classifier of {len(s.class_names)} classes: "
                         f"{', '.join(s.class_names[:8])}{'…' if len(s.class_names) > 8 else ''}")
        elif s is not None and s.targets:
            parts.append(f"predicts {', '.join(s.targets)}")
        if s is not None and s.kind == "csv" and s.features:
            names = [f.name for f in s.features]
            parts.append(f"from the columns {', '.join(names[:8])}"
                         f"{'…' if len(names) > 8 else ''}")
        elif s is not None:
            parts.append(f"inputs of shape {tuple(s.input_shape)}")
        else:
            shape = getattr(self.model, "input_shape", None)
            parts.append(f"inputs of shape {shape} (no kerasgui data schema in the file: give "
                         ".npy or .npz data)")
        self.model_label.setText("; ".join(parts) + ".")

    def _training_finished(self, result: Result) -> None:
        training = self.window_.panels.get("Training")
        session = getattr(training, "session", None)
        if session is None or getattr(session, "model", None) is None or not session.history:
            self._update_buttons()
            return
        project = session.project
        n = session.epochs_done
        epochs = f"{n} epoch{'s' if n != 1 else ''}"
        self.set_model(session.model, session.schema,
                       f"trained in this window: “{project.name}”, {epochs}", project)

    def open_model(self, path: str | Path | None = None) -> bool:
        """Open a .keras file (safe mode): it can evaluate and predict at once, and its layers
        replace the project's model (one undo step). A refused or broken file is explained in a
        dialog."""
        if not self.window_.keras_is_ready:
            QMessageBox.information(self, "Open model", "TensorFlow is still loading; try again "
                                    "in a moment.")
            return False
        if self.busy:
            return False
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Open a trained model",
                                                    str(self.doc.project.base_dir), MODEL_FILTER)
            if not chosen:
                return False
            path = chosen
        from kerasgui.core.model_file import load_model

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            model, schema = load_model(path)
        except UserError as e:
            QApplication.restoreOverrideCursor()
            QMessageBox.warning(self, "Cannot open the model", e.message)
            return False
        except Exception as e:
            QApplication.restoreOverrideCursor()
            log.exception("opening %s failed", path)
            QMessageBox.warning(self, "Cannot open the model",
                                f"{Path(path).name}: it could not be opened "
                                f"({type(e).__name__}).")
            return False
        QApplication.restoreOverrideCursor()
        name = Path(path).name
        self.set_model(model, schema, f"opened from {name}")
        compiled = self._use_architecture(model, name)
        self.window_.statusBar().showMessage(
            f"Opened {name}: evaluate or predict with it here; its layers are on the Model tab"
            f"{' and its optimizer, loss and metrics on the Compile tab' if compiled else ''}.",
            8000)
        return True

    def _use_architecture(self, model: Any, name: str) -> bool:
        """The project's model becomes this model's architecture (a Sequential model as a stack of
        compact layer configs, any other as its whole Keras config) and, when the file keeps
        them, its optimizer, loss and metrics become the compile settings: one undo step."""
        from kerasgui.core.results import compile_settings, model_architecture

        compile_ = compile_settings(model)
        stack = self.doc.undo_stack
        stack.beginMacro(f"Use the model of {name}")
        self.doc.set_value(("model",), model_architecture(model), f"Use the layers of {name}")
        if compile_ is not None:
            self.doc.set_value(("compile",), {**self.doc.project.compile, **compile_},
                               f"Use the compile settings of {name}")
        stack.endMacro()
        return compile_ is not None

    def save_model(self, path: str | Path | None = None) -> bool:
        """Save the model shown here (with its schema) as a .keras file, atomically."""
        if self.model is None:
            QMessageBox.information(self, "Save model", "There is no trained model yet: train one "
                                    "on the Training tab, or open one.")
            return False
        training = self.window_.panels.get("Training")
        if self.busy or getattr(training, "running", False):
            QMessageBox.information(self, "Save model", "Wait for the running job to end (or "
                                    "stop it), then save.")
            return False
        if path is None:
            project = self.doc.project
            stem = Path(project.path).stem if project.path else "model"
            chosen, _ = QFileDialog.getSaveFileName(self, "Save the trained model",
                                                    str(project.base_dir / f"{stem}.keras"),
                                                    "Keras models (*.keras)")
            if not chosen:
                return False
            path = chosen if chosen.endswith(".keras") else chosen + ".keras"
        from kerasgui.core.model_file import save_model

        extra = {"project": self.model_project.to_dict()} if self.model_project is not None \
            else None
        try:
            saved = save_model(self.model, path, schema=self.schema, extra=extra)
        except UserError as e:
            QMessageBox.warning(self, "Cannot save the model", e.message)
            return False
        except OSError as e:
            QMessageBox.warning(self, "Cannot save the model",
                                f"{path}: {e.strerror or e}; choose another folder.")
            return False
        self.window_.statusBar().showMessage(f"Model saved to {saved.name}.", 5000)
        self._set_status(f"Model saved to {saved}.")
        return True

    # ---- running ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.job is not None and self.job.result is None

    def _update_buttons(self, *_: Any) -> None:
        training = self.window_.panels.get("Training")
        training_runs = bool(getattr(training, "running", False))
        ready = self.window_.keras_is_ready and self.model is not None
        free = not self.busy and not training_runs
        why = ("" if ready and free else "TensorFlow is still loading…"
               if not self.window_.keras_is_ready else "Train a model or open one first"
               if self.model is None else "Wait for the running job to end")
        self.evaluate_button.setEnabled(ready and free)
        self.evaluate_button.setToolTip(why or "Score the model on data with known answers "
                                               "(model.evaluate): the loss and metrics")
        self.predict_button.setEnabled(ready and free and bool(self.predict_file.text().strip()))
        self.predict_button.setToolTip(why or ("Run the model on every row of the file"
                                               if self.predict_file.text().strip()
                                               else "Choose a file of new data first"))
        self.open_model_action.setEnabled(self.window_.keras_is_ready and free)
        self.save_model_action.setEnabled(self.model is not None and free)
        self.cancel_button.setEnabled(self.busy)
        self.cancel_button.setVisible(self.busy)
        self.progress.setVisible(self.busy)
        has = self.prediction is not None and self.prediction.table is not None
        self.export_csv.setEnabled(has)
        self.export_npy.setEnabled(has)

    def _spec_for(self, choice: Any) -> tuple[dict[str, Any], Path] | None:
        from kerasgui.core.results import source_spec

        project = self.doc.project
        if choice == TEST:
            test = (project.data or {}).get("test")
            return (dict(test), project.base_dir) if test else None
        if isinstance(choice, str) and choice not in (CHOOSE, ""):
            targets = None
            if Path(choice).suffix.lower() == ".npy":
                targets = self._ask_targets(choice)
                if targets is None:
                    return None
            return source_spec(choice, self.schema, targets=targets), Path(choice).parent
        return None

    def _ask_targets(self, inputs: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(
            self, f"The answers (targets) for {Path(inputs).name}", str(Path(inputs).parent),
            "NumPy arrays (*.npy)")
        return path or None

    def evaluate(self, source: str | Path | None = None) -> bool:
        """Evaluate on the chosen data (the project's test data, or a file); with `source`, on
        that file. False when it cannot start."""
        if source is not None:
            self.add_eval_file(source)
        choice = self.eval_source.currentData()
        if choice == CHOOSE:
            self._eval_source_chosen(self.eval_source.currentIndex())
            choice = self.eval_source.currentData()
        if not self._can_start():
            return False
        spec = self._spec_for(choice)
        if spec is None:
            self._set_status("Choose data to evaluate on: the project has no test data.",
                             error=True)
            return False
        return self._start("evaluate", *spec)

    def choose_predict_file(self) -> None:
        start = self.predict_file.text().strip() or str(self.doc.project.base_dir)
        path, _ = QFileDialog.getOpenFileName(self, "New data to predict on", start, DATA_FILTER)
        if path:
            self.predict_file.setText(path)

    def predict(self, path: str | Path | None = None) -> bool:
        """Predict on the file in the File field (or `path`). False when it cannot start."""
        from kerasgui.core.results import source_spec

        if path is not None:
            self.predict_file.setText(str(path))
        text = self.predict_file.text().strip()
        if not text or not self._can_start():
            return False
        p = Path(text).expanduser()
        if not p.is_absolute():
            p = self.doc.project.base_dir / p
        return self._start("predict", source_spec(p, self.schema), p.parent)

    def _can_start(self) -> bool:
        training = self.window_.panels.get("Training")
        return (self.model is not None and self.window_.keras_is_ready and not self.busy
                and not getattr(training, "running", False))

    def _start(self, kind: str, spec: dict[str, Any], base: Path) -> bool:
        model, schema, batch = self.model, self.schema, int(self.batch_size.value())
        self._stop = stop = threading.Event()
        job = Job(lambda emit: run(kind, model, schema, spec, base, batch, stop=stop, emit=emit),
                  name=f"kerasgui-{kind}", parent=self)
        job.event.connect(self._on_event)
        job.finished.connect(self._on_finished)
        self.job = job
        self.progress.setRange(0, 0)
        self._set_status("Evaluating…" if kind == "evaluate" else "Predicting…")
        job.start()
        self._set_running(True)
        return True

    def cancel(self) -> None:
        if self.busy:
            self._stop.set()
            self._set_status("Stopping after this batch…")

    def _set_running(self, running: bool) -> None:
        """One Keras job at a time: Train is disabled while this panel's job runs."""
        self._gate.set_running(running)
        self._update_buttons()

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "stage":
            self.progress.setRange(0, 0)
            self._set_status(str(event.get("text", "")))
        elif kind == "progress":
            total = event.get("total")
            done = int(event.get("done") or 0)
            if total:
                self.progress.setRange(0, int(total))
                self.progress.setValue(min(done, int(total)))
                self._set_status(f"{event.get('text', '')}: batch {done:,} of {int(total):,}")

    def _on_finished(self, result: Result) -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if result.ok else 0)
        self._set_running(False)
        if result.ok:
            out: Outcome = result.value
            if out.kind == "evaluate":
                self.evaluation = out
                self._show_metrics(out)
            else:
                self.prediction = out
                self._show_predictions(out)
            if out.inspection is not None or out.inspect_note:
                self._show_inspection(out)
            what = "Evaluated" if out.kind == "evaluate" else "Predicted"
            self._set_status(f"{what} {samples(out.n)} of {out.source}.")
        elif result.where == CANCELLED:
            self._set_status(result.error + ".")
        else:
            self._set_status(result.error or "", error=True)
            self.window_.statusBar().showMessage("Evaluating or predicting failed.", 8000)
        self._update_buttons()
        self.job_finished.emit(result)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else INFO_STYLE)
        self.status.setText(text)

    # ---- showing ---------------------------------------------------------------------------------
    def _show_metrics(self, out: Outcome) -> None:
        self.metrics_caption.setText(f"On {out.source} ({samples(out.n)}):")
        self.metrics_table.setRowCount(len(out.metrics))
        ordered = sorted(out.metrics.items(), key=lambda kv: kv[0] != "loss")
        for r, (k, v) in enumerate(ordered):
            name = QTableWidgetItem(k)
            value = QTableWidgetItem(f"{v:.4f}" if 1e-3 <= abs(v) < 1e5 or v == 0 else f"{v:.4e}")
            value.setToolTip(repr(v))
            value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.metrics_table.setItem(r, 0, name)
            self.metrics_table.setItem(r, 1, value)

    def metrics(self) -> dict[str, float]:
        """The loss and metrics of the last evaluation."""
        return dict(self.evaluation.metrics) if self.evaluation is not None else {}

    def _show_predictions(self, out: Outcome) -> None:
        shown = self.predictions_view.show_outcome(out)
        more = (f" (the first {shown} are shown; Export writes all of them)"
                if out.n > shown else "")
        self.predictions_caption.setText(f"{samples(out.n)} of {out.source} predicted{more}. "
                                         "The inputs are on the left, the answers on the right.")

    def prediction_rows(self) -> list[list[str]]:
        """The predictions table as text (header first), as shown."""
        return self.predictions_view.text_rows()

    def choose_export(self, kind: str) -> None:
        if self.prediction is None:
            return
        stem = Path(self.prediction.source).stem
        start = str(Path(self.prediction.path).parent / f"{stem}-predictions.{kind}")
        flt = "CSV files (*.csv)" if kind == "csv" else "NumPy arrays (*.npy)"
        path, _ = QFileDialog.getSaveFileName(self, "Export the predictions", start, flt)
        if not path:
            return
        if not path.lower().endswith(f".{kind}"):
            path += f".{kind}"
        self.export_predictions(path)

    def export_predictions(self, path: str | Path) -> bool:
        """Write every prediction to .csv (a table) or .npy (the raw output), atomically."""
        from kerasgui.core.predictions import save_predictions

        if self.prediction is None:
            return False
        try:
            saved = save_predictions(path, self.prediction.table)
        except UserError as e:
            self._set_status(e.message, error=True)
            return False
        except OSError as e:
            self._set_status(f"Cannot write {path}: {e.strerror or e}; choose another folder.",
                             error=True)
            return False
        self._set_status(f"{self.prediction.n:,} predictions written to {saved}.")
        self.window_.statusBar().showMessage(f"Predictions saved to {saved.name}.", 5000)
        return True

    def _clear_inspect(self) -> None:
        self.inspect_caption.setText("")
        self.inspect_stack.setCurrentWidget(self.placeholder)

    def _show_inspection(self, out: Outcome) -> None:
        from kerasgui.core.inspect import Classification

        r = out.inspection
        if r is None:
            self.inspect_caption.setText(f"{out.source}: {out.inspect_note}")
            self.inspect_stack.setCurrentWidget(self.placeholder)
            return
        kind = "classifier" if isinstance(r, Classification) else "regression"
        self.inspect_caption.setText(f"On {out.source} ({samples(out.n)} with known answers), "
                                     f"as a {kind}:")
        if isinstance(r, Classification):
            self.confusion.show_classification(r, out.rows, out.inputs)
            self.inspect_stack.setCurrentWidget(self.confusion)
        else:
            self.regression.show_regression(r, out.rows)
            self.inspect_stack.setCurrentWidget(self.regression)

    # ---- closing ---------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop a running job and wait for its thread (the window is closing)."""
        if self.job is not None:
            self._stop.set()
            self.job.wait()

