"""The Compile panel: optimizer and its arguments, loss, metrics, and the user's own loss or metric
functions from a Python file; a warning when loss, last layer and targets do not fit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core import custom
from kerasgui.core.errors import UserError
from kerasgui.ui.arg_form import UNSET, ArgForm, show_value
from kerasgui.ui.summary_view import BAD_TEXT

if TYPE_CHECKING:
    from kerasgui.ui.main_window import MainWindow

SPEC_ROLE = Qt.ItemDataRole.UserRole + 1


def spec_key(spec: Any) -> str:
    """A stable text for comparing specs (names, {"class_name"...} and custom entries alike)."""
    return spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True)


def spec_label(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    if custom.is_custom(spec):
        return custom.label(spec)
    if isinstance(spec, dict) and spec.get("class_name"):
        cfg = spec.get("config") or {}
        args = ", ".join(f"{k}={show_value(v)}" for k, v in cfg.items())
        return f"{spec['class_name']}({args})"
    return json.dumps(spec)


def optimizer_spec(name: str, config: dict[str, Any]) -> Any:
    """'rmsprop' when nothing differs from Keras's defaults, else {"class_name", "config"}."""
    return {"class_name": name, "config": config} if config else name.lower()


def fitting_prefix(ordered: list[str], names: list[str]) -> list[str]:
    """The losses suggest_losses moved to the front: the shortest head of `ordered` after which
    the rest keep the catalog's own order."""
    for k in range(len(ordered) + 1):
        head = set(ordered[:k])
        if ordered[k:] == [n for n in names if n not in head]:
            return ordered[:k]
    return []


def keras_call(compile_: dict[str, Any]) -> str:
    """The model.compile(...) line a Keras script would have, for people who know Keras."""
    def one(spec: Any, module: str) -> str:
        if custom.is_custom(spec):
            return str(spec.get("name"))
        if isinstance(spec, dict):
            cfg = spec.get("config") or {}
            args = ", ".join(f"{k}={v!r}" for k, v in cfg.items())
            return f"keras.{module}.{spec.get('class_name')}({args})"
        return repr(spec)

    metrics = ", ".join(one(m, "metrics") for m in compile_.get("metrics") or [])
    return (f"model.compile(optimizer={one(compile_.get('optimizer'), 'optimizers')},\n"
            f"              loss={one(compile_.get('loss'), 'losses')},\n"
            f"              metrics=[{metrics}])")


class CompilePanel(QWidget):
    """Optimizer | loss and metrics. Every change is a command on the project."""

    title = "Compile"

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("compile_panel")
        self.window_ = window
        self.doc = window.doc
        self.ready = False
        self._updating = False
        self._customs: list[dict[str, str]] = []  # found with "Add custom…" (relative specs)
        self._loss_specs: list[Any] = []
        self._metric_specs: dict[str, Any] = {}
        self._optimizer_names: list[str] = []
        self._optimizer_form: ArgForm | None = None
        self._optimizer_form_for: str | None = None
        self.target_problem: str = ""

        # optimizer
        self.optimizer = QComboBox()
        self.optimizer.setObjectName("optimizer")
        self.optimizer.setAccessibleName("Optimizer")
        self.optimizer_scroll = QScrollArea()
        self.optimizer_scroll.setWidgetResizable(True)
        self.optimizer_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        opt_box = QGroupBox("Optimizer")
        ol = QVBoxLayout(opt_box)
        ol.addWidget(QLabel("How the weights are updated from the loss's gradient. The learning "
                            "rate is the step size."))
        ol.addWidget(self.optimizer)
        ol.addWidget(self.optimizer_scroll, 1)

        # loss
        self.loss = QComboBox()
        self.loss.setObjectName("loss")
        self.loss.setAccessibleName("Loss")
        self.loss.setMaxVisibleItems(25)
        self.add_custom = QPushButton("Add custom…")
        self.add_custom.setObjectName("add_custom")
        self.add_custom.setAccessibleName("Add custom loss or metric from a Python file")
        self.add_custom.setToolTip("Choose a Python file; its functions f(y_true, y_pred) become "
                                   "losses and metrics marked (custom).")
        self.suggestion = QLabel()
        self.suggestion.setObjectName("loss_suggestion")
        self.suggestion.setWordWrap(True)
        self.suggestion.setStyleSheet("color: #555;")

        # metrics
        self.metric_filter = QLineEdit()
        self.metric_filter.setObjectName("metric_filter")
        self.metric_filter.setPlaceholderText("Search metrics")
        self.metric_filter.setClearButtonEnabled(True)
        self.metrics = QListWidget()
        self.metrics.setObjectName("metrics")
        self.metrics.setAccessibleName("Metrics")

        self.warning = QLabel()
        self.warning.setObjectName("compile_warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {BAD_TEXT.name()};")
        self.warning.hide()
        self.code = QLabel()
        self.code.setObjectName("compile_code")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setStyleSheet("font-family: monospace; color: #333;")

        loss_box = QGroupBox("Loss and metrics")
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.loss, 1)
        row.addWidget(self.add_custom)
        form.addRow("Loss:", row)
        form.addRow("", self.suggestion)
        ll = QVBoxLayout(loss_box)
        ll.addWidget(QLabel("The loss is what training minimizes; metrics are only reported."))
        ll.addLayout(form)
        ll.addWidget(QLabel("Metrics (tick any number):"))
        ll.addWidget(self.metric_filter)
        ll.addWidget(self.metrics, 1)

        top = QHBoxLayout()
        top.addWidget(opt_box, 1)
        top.addWidget(loss_box, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top, 1)
        lay.addWidget(self.warning)
        lay.addWidget(QLabel("The same in a Keras script:"))
        lay.addWidget(self.code)

        self.optimizer.activated.connect(self._optimizer_chosen)
        self.loss.activated.connect(self._loss_chosen)
        self.metrics.itemChanged.connect(self._metric_toggled)
        self.metric_filter.textChanged.connect(self._filter_metrics)
        self.add_custom.clicked.connect(self.choose_custom_file)
        self.doc.changed.connect(self._project_changed)
        window.keras_ready.connect(self._keras_ready)
        window.summary_ready.connect(self._summary_ready)
        window.data_changed.connect(self.refresh)
        self._set_loading()
        self.refresh()

    # ---- state -----------------------------------------------------------------------------------
    def _set_loading(self) -> None:
        for w in (self.optimizer, self.loss, self.metrics, self.add_custom, self.metric_filter):
            w.setEnabled(False)
        self.optimizer_scroll.setWidget(QLabel("Loading TensorFlow…"))

    def _keras_ready(self) -> None:
        from kerasgui.core import catalog

        self.ready = True
        self._optimizer_names = catalog.optimizer_names()
        for w in (self.optimizer, self.loss, self.metrics, self.add_custom, self.metric_filter):
            w.setEnabled(True)
        self.refresh()

    def _project_changed(self, part: str) -> None:
        if part in ("compile", "all", "data"):
            self.refresh()

    @property
    def compile(self) -> dict[str, Any]:
        return self.doc.project.compile

    def refresh(self) -> None:
        """Redraw everything from the project."""
        self._updating = True
        try:
            self.code.setText(keras_call(self.compile))
            if not self.ready:
                self.optimizer.clear()
                self.optimizer.addItem(spec_label(self.compile.get("optimizer")))
                self.loss.clear()
                self.loss.addItem(spec_label(self.compile.get("loss")))
                return
            self._fill_optimizer()
            self._fill_loss()
            self._fill_metrics()
        finally:
            self._updating = False
        self._show_warning()

    # ---- optimizer -------------------------------------------------------------------------------
    def _optimizer_parts(self) -> tuple[str, dict[str, Any]]:
        spec = self.compile.get("optimizer") or "rmsprop"
        if isinstance(spec, str):
            name, config = spec, {}
        else:
            name, config = str(spec.get("class_name")), dict(spec.get("config") or {})
        lower = {n.lower(): n for n in self._optimizer_names}
        return lower.get(name.lower(), name), config

    def _fill_optimizer(self) -> None:
        from kerasgui.core import catalog

        name, config = self._optimizer_parts()
        names = list(self._optimizer_names)
        if name not in names:
            names.append(name)
        if [self.optimizer.itemText(i) for i in range(self.optimizer.count())] != names:
            self.optimizer.clear()
            self.optimizer.addItems(names)
        self.optimizer.setCurrentIndex(names.index(name))
        if self._optimizer_form_for != name:
            try:
                args = catalog.optimizer_args(name)
            except UserError as e:
                self.optimizer_scroll.setWidget(QLabel(e.message))
                self._optimizer_form, self._optimizer_form_for = None, name
                return
            form = ArgForm(args)
            form.setObjectName("optimizer_form")
            form.edited.connect(self._optimizer_edited)
            self.optimizer_scroll.setWidget(form)
            self._optimizer_form, self._optimizer_form_for = form, name
        if self._optimizer_form is not None:
            self._optimizer_form.set_values(config)
            self._optimizer_form.clear_error()
            self._check_optimizer()

    def _check_optimizer(self) -> None:
        from kerasgui.core.compile_spec import resolve_optimizer

        if self._optimizer_form is None:
            return
        try:
            resolve_optimizer(self.compile.get("optimizer") or "rmsprop")
        except UserError as e:
            self._optimizer_form.set_error(None, e.message)

    def _compact_optimizer(self, name: str, config: dict[str, Any]) -> dict[str, Any]:
        from kerasgui.core import catalog

        defaults = {a.name: a.default for a in catalog.optimizer_args(name)}
        return {k: v for k, v in config.items() if k not in defaults or defaults[k] != v}

    def _optimizer_chosen(self, index: int) -> None:
        if self._updating or index < 0:
            return
        new = self.optimizer.itemText(index)
        old_name, old_config = self._optimizer_parts()
        if new == old_name:
            return
        from kerasgui.core import catalog

        keep = {}
        names = {a.name for a in catalog.optimizer_args(new)}
        if "learning_rate" in old_config and "learning_rate" in names:
            keep["learning_rate"] = old_config["learning_rate"]  # a learning rate outlives a switch
        config = self._compact_optimizer(new, keep)
        self.doc.set_value(("compile", "optimizer"), optimizer_spec(new, config),
                           f"Optimizer {new}")

    def _optimizer_edited(self, arg: str, value: Any) -> None:
        name, config = self._optimizer_parts()
        if value is UNSET:
            config.pop(arg, None)
        else:
            config[arg] = value
        config = self._compact_optimizer(name, config)
        self.doc.set_value(("compile", "optimizer"), optimizer_spec(name, config),
                           f"Set {name} {arg}")
        self._check_optimizer()

    # ---- loss ------------------------------------------------------------------------------------
    def _target_info(self) -> tuple[list[str] | None, int] | None:
        arrays = self.window_.training_arrays()
        if arrays is None or getattr(arrays, "y", None) is None:
            return None
        y = arrays.y
        width = 1 if y.ndim == 1 else int(y.shape[-1])
        return arrays.schema.class_names, width

    def custom_specs(self) -> list[dict[str, str]]:
        """Custom entries: those the project names, then those added with "Add custom…"."""
        out: list[dict[str, str]] = []
        for spec in [self.compile.get("loss"), *(self.compile.get("metrics") or []),
                     *self._customs]:
            if custom.is_custom(spec) and spec not in out:
                out.append(dict(spec))
        return out

    def _fill_loss(self) -> None:
        from kerasgui.core import catalog

        names = catalog.loss_names()
        info = self._target_info()
        suggested: list[str] = []
        if info is not None:
            ordered = catalog.suggest_losses(info[0], info[1])
            suggested = fitting_prefix(ordered, names)
            names = ordered
        specs: list[Any] = list(names) + self.custom_specs()
        current = self.compile.get("loss")
        keys = [spec_key(s) for s in specs]
        if current is not None and spec_key(current) not in keys:
            specs.insert(0, current)
        self._loss_specs = specs
        self.loss.clear()
        for s in specs:
            label = spec_label(s)
            if isinstance(s, str) and s in suggested:
                label += "   (suggested)"
            self.loss.addItem(label)
        if current is not None:
            self.loss.setCurrentIndex([spec_key(s) for s in specs].index(spec_key(current)))
        else:
            self.loss.setCurrentIndex(-1)
        if suggested:
            self.suggestion.setText(f"Suggested for these targets: {', '.join(suggested)}")
        else:
            self.suggestion.setText("Load training data to see which losses fit its targets.")

    def _loss_chosen(self, index: int) -> None:
        if self._updating or not (0 <= index < len(self._loss_specs)):
            return
        self.doc.set_value(("compile", "loss"), self._loss_specs[index], "Set loss")

    # ---- metrics ---------------------------------------------------------------------------------
    def _fill_metrics(self) -> None:
        from kerasgui.core import catalog

        chosen = list(self.compile.get("metrics") or [])
        chosen_keys = {spec_key(m) for m in chosen}
        specs: list[Any] = []
        for s in [*chosen, *catalog.metric_names(), *self.custom_specs()]:
            if spec_key(s) not in {spec_key(x) for x in specs}:
                specs.append(s)
        # chosen ones that the catalog does not list stay at the top; the rest keep catalog order
        listed = {spec_key(s) for s in catalog.metric_names()} | {
            spec_key(s) for s in self.custom_specs()}
        specs = ([s for s in specs if spec_key(s) not in listed]
                 + [s for s in specs if spec_key(s) in listed])
        self.metrics.blockSignals(True)
        try:
            self.metrics.clear()
            for s in specs:
                item = QListWidgetItem(spec_label(s))
                item.setData(SPEC_ROLE, spec_key(s))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                checked = spec_key(s) in chosen_keys
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                self.metrics.addItem(item)
            self._metric_specs = {spec_key(s): s for s in specs}
        finally:
            self.metrics.blockSignals(False)
        self._filter_metrics(self.metric_filter.text())

    def _metric_toggled(self, item: QListWidgetItem) -> None:
        if self._updating:
            return
        key = item.data(SPEC_ROLE)
        current = list(self.compile.get("metrics") or [])
        keys = [spec_key(m) for m in current]
        if item.checkState() == Qt.CheckState.Checked and key not in keys:
            new = [*current, self._metric_specs[key]]
            text = f"Add metric {item.text()}"
        elif item.checkState() != Qt.CheckState.Checked and key in keys:
            new = [m for m in current if spec_key(m) != key]
            text = f"Remove metric {item.text()}"
        else:
            return
        self.doc.set_value(("compile", "metrics"), new, text)

    def _filter_metrics(self, text: str) -> None:
        t = text.strip().lower()
        for i in range(self.metrics.count()):
            item = self.metrics.item(i)
            item.setHidden(bool(t) and t not in item.text().lower())

    def metric_item(self, label: str) -> QListWidgetItem | None:
        for i in range(self.metrics.count()):
            if self.metrics.item(i).text() == label:
                return self.metrics.item(i)
        return None

    # ---- custom code -----------------------------------------------------------------------------
    def choose_custom_file(self) -> None:
        base = self.doc.project.base_dir
        path, _ = QFileDialog.getOpenFileName(self, "Python file with loss or metric functions",
                                              str(base), "Python files (*.py)")
        if path:
            self.add_custom_file(path)

    def add_custom_file(self, path: str | Path) -> list[dict[str, str]]:
        """List the (y_true, y_pred) functions of `path` (without running it) and offer them as
        losses and metrics. The person chose the file, so it may run when training starts."""
        try:
            found = custom.list_functions(path)
        except UserError as e:
            QMessageBox.warning(self, "Custom loss or metric", e.message)
            return []
        if not found:
            QMessageBox.warning(self, "Custom loss or metric",
                                f"{Path(path).name} has no top-level function that takes two "
                                "arguments (y_true, y_pred).")
            return []
        custom.trust(path)
        specs = [custom.spec_for(path, f.name, self.doc.project.base_dir) for f in found]
        for s in specs:
            if s not in self._customs:
                self._customs.append(s)
        self.refresh()
        self.window_.statusBar().showMessage(
            f"Added {', '.join(f.name for f in found)} from {Path(path).name}: choose one as the "
            "loss, or tick it as a metric.", 8000)
        return specs

    # ---- warnings --------------------------------------------------------------------------------
    def _summary_ready(self, result: Any) -> None:
        problem = result.target_problem
        self.target_problem = problem.message if problem is not None else ""
        self._show_warning()

    def _show_warning(self) -> None:
        lines = []
        if self.target_problem:
            lines.append(self.target_problem)
        base = self.doc.project.base_dir
        for p in custom.files_of(self.compile, base):
            if not p.is_file():
                lines.append(f"{p.name} is not there: put it beside the project, or choose the "
                             "custom function again.")
            elif not custom.is_trusted(p):
                lines.append(f"{p.name} has not been approved to run: reopen the project and "
                             "agree to run it, or add it again with Add custom….")
        self.warning.setText("\n".join(lines))
        self.warning.setVisible(bool(lines))
