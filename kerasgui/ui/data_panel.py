"""The Data panel: the training file (a preview table, each column's role and statistics), the
validation data (a split of the training rows, or a file of its own) and the test file.

The project's `data` section is the one source of truth: opening a file or changing a column's role
is an undo command on it, and the panel redraws from it. Files are read in a background thread (the
newest request wins), so a big file never freezes the window. Every problem the core reports (a
DataError) is shown in plain words beside the control it concerns.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSlider,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.errors import UserError
from kerasgui.ui.push_button import push_button
from kerasgui.ui.worker import Latest, Result

if TYPE_CHECKING:
    from kerasgui.ui.main_window import MainWindow

PREVIEW_ROWS = 200
ROLES = ("feature", "target", "ignore")
ROLE_LABELS = {"feature": "Feature (input)", "target": "Target (to predict)", "ignore": "Ignore"}
DATA_FILTER = "Data files (*.csv *.tsv *.txt *.npy *.npz);;All files (*)"
NPY_FILTER = "NumPy arrays (*.npy);;All files (*)"
ERROR_STYLE = "color: #8a0010;"
HINT_STYLE = "color: #7a4a00; font-weight: bold;"
TARGET_BG = QColor("#fff1dc")
IGNORED_FG = QColor("#9a9a9a")
BAD_BG = QColor("#fde0e0")


def kind_of(path: str | None) -> str:
    """"csv", "npy" or "npz" from a file name."""
    suffix = Path(path or "").suffix.lower()
    return suffix[1:] if suffix in (".npy", ".npz") else "csv"


def fmt_number(v: Any) -> str:
    if v is None:
        return "—"
    v = float(v)
    if v != v:  # NaN: an empty cell
        return ""
    return f"{v:.6g}"


def describe_stats(stats: dict[str, Any]) -> str:
    """One line of Table.stats: min/max/mean, or the counts of the most common values."""
    missing = f" · {stats['missing']:,} empty" if stats.get("missing") else ""
    if stats["kind"] == "number":
        return (f"min {fmt_number(stats['min'])} · max {fmt_number(stats['max'])} · "
                f"mean {fmt_number(stats['mean'])}{missing}")
    counts = list(stats["counts"].items())
    shown = " · ".join(f"{k} {v:,}" for k, v in counts[:4])
    more = f" · … ({len(counts)} values)" if len(counts) > 4 else ""
    return f"{shown}{more}{missing}"


def shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


@dataclass
class Loaded:
    """What a background load found: the preview table, the training arrays, per-role errors."""

    table: Any = None                 # core.data.Table (CSV training file)
    table_key: Any = None
    train: Any = None                 # core.data.Arrays
    npz_names: list[str] = field(default_factory=list)
    errors: dict[str, UserError] = field(default_factory=dict)  # "train" | "validation" | "test"
    validation_rows: int | None = None
    test_rows: int | None = None


def _table_key(path: Path, spec: dict[str, Any]) -> Any:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_mtime_ns, st.st_size, spec.get("delimiter"), spec.get("header"))


def load_data(data: dict[str, Any], base: Path, cached: tuple[Any, Any] | None) -> Loaded:
    """Read the project's data sources (runs in the loader thread). A UserError of one source is
    kept for that source; any other exception is a bug and goes up to the worker."""
    from kerasgui.core import data as core

    out = Loaded()
    spec = data.get("train")
    if not spec:
        return out
    path = spec.get("path")
    kind = kind_of(path if path is not None else spec.get("inputs"))
    try:
        if kind == "csv" and path is not None:
            p = Path(path) if Path(path).is_absolute() else base / path
            key = _table_key(p, spec)
            if cached is not None and key is not None and cached[0] == key:
                out.table = cached[1]
            else:
                out.table = core.read_table(p, spec.get("delimiter"), spec.get("header"))
            out.table_key = key
        elif kind == "npz" and path is not None:
            p = Path(path) if Path(path).is_absolute() else base / path
            out.npz_names = core.npz_names(p)
        if kind != "csv" or spec.get("targets"):
            out.train = core.load_source(spec, base)
    except UserError as e:
        out.errors["train"] = e
    for role in ("validation", "test"):
        src = data.get(role)
        if not src or (isinstance(src, dict) and "split" in src):
            continue
        if out.train is None:
            continue
        try:
            arrays = core.load_source(src, base, schema=out.train.schema)
            setattr(out, f"{role}_rows", len(arrays))
        except UserError as e:
            out.errors[role] = e
    return out


class ErrorLabel(QLabel):
    """A red line of text beside a control; hidden when empty."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setWordWrap(True)
        self.setStyleSheet(ERROR_STYLE)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_text(self, text: str | None, style: str = ERROR_STYLE) -> None:
        self.setStyleSheet(style)
        self.setText(text or "")
        self.setVisible(bool(text))


class DataPanel(QWidget):
    """Training file and its columns | validation and test data | the shapes the model sees."""

    title = "Data"
    loaded = Signal()  # a background load has been shown

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("data_panel")
        self.window_ = window
        self.doc = window.doc
        self.result: Loaded = Loaded()
        self._cache: tuple[Any, Any] | None = None
        self._updating = False
        self.loader = Latest("kerasgui-data", self)
        self.loader.finished.connect(self._on_loaded)
        self._build()
        self.doc.changed.connect(self._project_changed)
        self._project_changed("all")

    # ---- building --------------------------------------------------------------------------------

    def _path_field(self, name: str, accessible: str) -> QLineEdit:
        f = QLineEdit()
        f.setObjectName(name)
        f.setAccessibleName(accessible)
        f.setReadOnly(True)
        f.setPlaceholderText("no file chosen")
        return f

    def _build(self) -> None:
        # training file
        self.train_path = self._path_field("train_path", "Training data file")
        self.open_train = push_button("load_data", "Open…", "Open training data",
                                      lambda: self.choose_file("train"))
        self.open_train.setToolTip("A CSV file (one row per sample), an .npy file of inputs, or "
                                   "an .npz archive holding the inputs and targets")
        self.targets_path = self._path_field("targets_path", "Targets file")
        self.open_targets = push_button("open_targets", "Targets…", "Open the targets .npy file",
                                        self.choose_targets_file)
        self.npz_inputs = QComboBox()
        self.npz_inputs.setObjectName("npz_inputs")
        self.npz_inputs.setAccessibleName("Array of inputs")
        self.npz_targets = QComboBox()
        self.npz_targets.setObjectName("npz_targets")
        self.npz_targets.setAccessibleName("Array of targets")
        self.npz_inputs.activated.connect(lambda _i: self._npz_chosen("inputs"))
        self.npz_targets.activated.connect(lambda _i: self._npz_chosen("targets"))
        self.train_error = ErrorLabel("train_error")
        self.reading = QLabel()
        self.reading.setObjectName("data_busy")
        self.reading.setStyleSheet("color: #555;")

        top = QHBoxLayout()
        top.addWidget(QLabel("Training file:"))
        top.addWidget(self.train_path, 1)
        top.addWidget(self.open_train)
        self.targets_row = QWidget()
        tr = QHBoxLayout(self.targets_row)
        tr.setContentsMargins(0, 0, 0, 0)
        tr.addWidget(QLabel("Targets file:"))
        tr.addWidget(self.targets_path, 1)
        tr.addWidget(self.open_targets)
        self.npz_row = QWidget()
        nr = QHBoxLayout(self.npz_row)
        nr.setContentsMargins(0, 0, 0, 0)
        nr.addWidget(QLabel("Inputs array:"))
        nr.addWidget(self.npz_inputs, 1)
        nr.addWidget(QLabel("Targets array:"))
        nr.addWidget(self.npz_targets, 1)

        self.columns = QTableWidget(0, 4)
        self.columns.setObjectName("columns")
        self.columns.setAccessibleName("Columns and their roles")
        self.columns.setHorizontalHeaderLabels(["Column", "Role", "Type", "Values"])
        self.columns.verticalHeader().hide()
        self.columns.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        h = self.columns.horizontalHeader()
        for i in range(3):
            h.setSectionResizeMode(i, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)

        self.preview = QTableWidget(0, 0)
        self.preview.setObjectName("preview")
        self.preview.setAccessibleName("Preview of the training file")
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.horizontalHeader().setSectionsClickable(True)
        self.preview.horizontalHeader().sectionClicked.connect(self.cycle_role)
        self.preview.horizontalHeader().setToolTip(
            "Click a column's header to change its role: feature → target → ignored")
        self.preview_label = QLabel()
        self.preview_label.setObjectName("preview_label")
        self.preview_label.setStyleSheet("color: #555;")
        self.preview_label.setWordWrap(True)  # a long line must not widen the window

        self.role_hint = ErrorLabel("role_hint")
        self.columns_box = QWidget()
        cl = QVBoxLayout(self.columns_box)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(QLabel("<b>Columns</b> — what the model sees (features) and what it "
                            "learns to predict (targets)"))
        cl.addWidget(self.role_hint)
        cl.addWidget(self.columns, 1)

        self.preview_box = QWidget()
        pl = QVBoxLayout(self.preview_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.addWidget(self.preview_label)
        pl.addWidget(self.preview, 1)

        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.columns_box)
        split.addWidget(self.preview_box)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)

        train_box = QGroupBox("Training data")
        tl = QVBoxLayout(train_box)
        tl.addLayout(top)
        tl.addWidget(self.targets_row)
        tl.addWidget(self.npz_row)
        tl.addWidget(self.train_error)
        tl.addWidget(self.reading)
        tl.addWidget(split, 1)

        # validation
        self.val_split_radio = QRadioButton("Split off part of the training rows")
        self.val_split_radio.setObjectName("validation_split_mode")
        self.val_file_radio = QRadioButton("A file of its own")
        self.val_file_radio.setObjectName("validation_file_mode")
        self.val_none_radio = QRadioButton("No validation")
        self.val_none_radio.setObjectName("validation_none_mode")
        self.val_mode = QButtonGroup(self)
        for i, r in enumerate((self.val_split_radio, self.val_file_radio, self.val_none_radio)):
            self.val_mode.addButton(r, i)
        self.val_mode.idClicked.connect(self._val_mode_chosen)
        self.val_split = QSlider(Qt.Orientation.Horizontal)
        self.val_split.setObjectName("validation_split")
        self.val_split.setAccessibleName("Validation split (percent of the training rows)")
        self.val_split.setRange(0, 90)
        self.val_split.setSingleStep(1)
        self.val_split.setPageStep(5)
        self.val_split.setTracking(False)
        self.val_split.valueChanged.connect(self._split_changed)
        self.val_split.sliderMoved.connect(self._split_moving)
        self.val_split_label = QLabel()
        self.val_split_label.setObjectName("validation_split_label")
        self.val_split_label.setMinimumWidth(150)
        self.val_shuffle = QCheckBox("Shuffle before splitting")
        self.val_shuffle.setObjectName("validation_shuffle")
        self.val_shuffle.setToolTip("Take the validation rows at random (seeded by the fit "
                                    "seed); without, the last rows of the file are used")
        self.val_shuffle.toggled.connect(self._shuffle_toggled)
        self.val_path = self._path_field("validation_path", "Validation data file")
        self.open_val = push_button("open_validation", "Open…", "Open validation data",
                                    lambda: self.choose_file("validation"))
        self.validation_error = ErrorLabel("validation_error")
        self.validation_info = QLabel()
        self.validation_info.setObjectName("validation_info")
        self.validation_info.setStyleSheet("color: #555;")
        val_box = QGroupBox("Validation data — scored after each epoch (val_loss)")
        vl = QVBoxLayout(val_box)
        vl.addWidget(self.val_split_radio)
        srow = QHBoxLayout()
        srow.addSpacing(20)
        srow.addWidget(self.val_split, 1)
        srow.addWidget(self.val_split_label)
        vl.addLayout(srow)
        shrow = QHBoxLayout()
        shrow.addSpacing(20)
        shrow.addWidget(self.val_shuffle)
        vl.addLayout(shrow)
        vl.addWidget(self.val_file_radio)
        frow = QHBoxLayout()
        frow.addSpacing(20)
        frow.addWidget(self.val_path, 1)
        frow.addWidget(self.open_val)
        vl.addLayout(frow)
        vl.addWidget(self.val_none_radio)
        vl.addWidget(self.validation_info)
        vl.addWidget(self.validation_error)

        # test
        self.test_path = self._path_field("test_path", "Test data file")
        self.open_test = push_button("open_test", "Open…", "Open test data",
                                     lambda: self.choose_file("test"))
        self.clear_test = push_button("clear_test", "Clear", "No test data",
                                      lambda: self.set_source("test", None))
        self.test_error = ErrorLabel("test_error")
        self.test_info = QLabel()
        self.test_info.setObjectName("test_info")
        self.test_info.setStyleSheet("color: #555;")
        test_box = QGroupBox("Test data — scored once, after training (Evaluate)")
        tel = QVBoxLayout(test_box)
        trow = QHBoxLayout()
        trow.addWidget(self.test_path, 1)
        trow.addWidget(self.open_test)
        trow.addWidget(self.clear_test)
        tel.addLayout(trow)
        tel.addWidget(self.test_info)
        tel.addWidget(self.test_error)

        # shapes
        self.shapes = QLabel()
        self.shapes.setObjectName("shapes")
        self.shapes.setAccessibleName("Input and target shapes")
        self.shapes.setWordWrap(True)
        self.shapes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shapes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        shape_box = QGroupBox("What the model sees")
        sl = QVBoxLayout(shape_box)
        sl.addWidget(self.shapes)
        sl.addStretch(1)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(shape_box)
        rl.addWidget(val_box)
        rl.addWidget(test_box)
        rl.addStretch(1)

        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(train_box)
        main.addWidget(right)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setChildrenCollapsible(False)
        main.setSizes([820, 520])
        lay = QVBoxLayout(self)
        lay.addWidget(main)

    # ---- the project -----------------------------------------------------------------------------
    @property
    def data(self) -> dict[str, Any]:
        return self.doc.project.data

    def _rel(self, path: str | Path) -> str:
        """A file name as the project stores it: relative to the project's folder when saved."""
        p = Path(path).resolve()
        if self.doc.project.path is None:
            return str(p)
        try:
            return os.path.relpath(p, self.doc.project.base_dir)
        except ValueError:  # another drive
            return str(p)

    def _project_changed(self, part: str) -> None:
        if part not in ("data", "all"):
            return
        self.refresh()
        self.reload()

    def reload(self) -> None:
        """Read the data sources again in the background."""
        data = copy.deepcopy(self.data)
        if not data.get("train"):
            self.loader.cancel()
            self._show(Loaded())
            return
        spec = data["train"]
        name = spec.get("path") or spec.get("inputs")
        self.reading.setText(f"Reading {Path(str(name)).name}…")
        self.reading.show()
        base = self.doc.project.base_dir
        cached = self._cache
        self.loader.request(lambda: load_data(data, base, cached))

    def _on_loaded(self, result: Result) -> None:
        if result.ok:
            loaded = result.value
        else:  # a bug: its traceback is in the log; show the short message where data goes
            loaded = Loaded(errors={"train": UserError(result.error or "")})
        if loaded.table is not None:
            self._cache = (loaded.table_key, loaded.table)
        self._show(loaded)

    def _show(self, loaded: Loaded) -> None:
        self.result = loaded
        self.reading.hide()
        self.refresh()
        self.window_.set_training_data(loaded.train)
        self.loaded.emit()

    # ---- redrawing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw every control from the project and the last load."""
        self._updating = True
        try:
            self._refresh_train()
            self._refresh_validation()
            self._refresh_test()
            self._refresh_shapes()
        finally:
            self._updating = False

    def _spec(self) -> dict[str, Any] | None:
        spec = self.data.get("train")
        return spec if isinstance(spec, dict) else None

    def _kind(self) -> str | None:
        spec = self._spec()
        if spec is None:
            return None
        return kind_of(spec.get("path") if spec.get("path") is not None else spec.get("inputs"))

    def _refresh_train(self) -> None:
        spec = self._spec()
        kind = self._kind()
        name = None if spec is None else (spec.get("path") or spec.get("inputs"))
        self.train_path.setText(str(name or ""))
        self.targets_row.setVisible(kind == "npy")
        self.npz_row.setVisible(kind == "npz")
        if kind == "npy" and spec is not None:
            self.targets_path.setText(str(spec.get("targets") or ""))
        if kind == "npz" and spec is not None:
            names = self.result.npz_names
            for combo, key, default in ((self.npz_inputs, "inputs", "x"),
                                        (self.npz_targets, "targets", "y")):
                combo.clear()
                combo.addItems(names)
                combo.setCurrentText(str(spec.get(key) or default))
        error = self.result.errors.get("train")
        if error is not None:
            self.train_error.show_text(error.message)
        else:
            self.train_error.show_text(None)
        table = self.result.table if kind == "csv" else None
        self.columns_box.setVisible(table is not None)
        self.preview_box.setVisible(table is not None)
        if table is None:
            self.role_hint.show_text(None)
            self.columns.setRowCount(0)
            self.preview.setRowCount(0)
            self.preview.setColumnCount(0)
            return
        roles = self.roles()
        if not any(r == "target" for r in roles.values()):
            self.role_hint.show_text("Which column should the model predict? Click its header "
                                     "in the preview, or choose “Target” in the list.",
                                     HINT_STYLE)
        else:
            self.role_hint.show_text(None)
        bad_col = self._bad_column(error)
        self._fill_columns(table, roles, bad_col, error)
        self._fill_preview(table, roles, bad_col)

    def _bad_column(self, error: UserError | None) -> str | None:
        where = getattr(error, "where", None) or ""
        if "::" in where:
            return where.rsplit("::", 1)[1]
        parts = where.rsplit(":", 2)
        if len(parts) == 3 and self.result.table is not None and parts[2] in self.result.table.data:
            return parts[2]
        return None

    def _fill_columns(self, table: Any, roles: dict[str, str], bad: str | None,
                      error: UserError | None) -> None:
        self.columns.setRowCount(len(table.columns))
        for i, name in enumerate(table.columns):
            stats = table.stats(name)
            kind = ("number" if stats["kind"] == "number"
                    else f"text ({stats['classes']} values)")
            cells = [name, "", kind, describe_stats(stats)]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if name == bad:
                    item.setBackground(QBrush(BAD_BG))
                    item.setToolTip(error.message if error is not None else text)
                elif roles[name] == "target":
                    item.setBackground(QBrush(TARGET_BG))
                elif roles[name] == "ignore":
                    item.setForeground(QBrush(IGNORED_FG))
                self.columns.setItem(i, c, item)
            combo = QComboBox()
            combo.setObjectName(f"role_{name}")
            combo.setAccessibleName(f"Role of column {name}")
            for r in ROLES:
                combo.addItem(ROLE_LABELS[r], r)
            combo.setCurrentIndex(ROLES.index(roles[name]))
            combo.activated.connect(lambda idx, n=name: self.set_role(n, ROLES[idx]))
            self.columns.setCellWidget(i, 1, combo)

    def _fill_preview(self, table: Any, roles: dict[str, str], bad: str | None) -> None:
        n = min(PREVIEW_ROWS, table.n_rows)
        self.preview.clear()
        self.preview.setColumnCount(len(table.columns))
        self.preview.setRowCount(n)
        bold = QFont()
        bold.setBold(True)
        for c, name in enumerate(table.columns):
            role = roles[name]
            label = {"feature": name, "target": f"{name}\n▲ target",
                     "ignore": f"{name}\n(ignored)"}[role]
            head = QTableWidgetItem(label)
            head.setToolTip(f"{name}: {ROLE_LABELS[role]}. Click to change.")
            if role == "target":
                head.setFont(bold)
            self.preview.setHorizontalHeaderItem(c, head)
            values = table.data[name]
            numeric = values.dtype.kind == "f"
            for r in range(n):
                v = values[r]
                item = QTableWidgetItem(fmt_number(v) if numeric else str(v))
                if numeric:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if name == bad:
                    item.setBackground(QBrush(BAD_BG))
                elif role == "target":
                    item.setBackground(QBrush(TARGET_BG))
                elif role == "ignore":
                    item.setForeground(QBrush(IGNORED_FG))
                self.preview.setItem(r, c, item)
        if table.rows is not None and len(table.rows):
            self.preview.setVerticalHeaderLabels([str(int(x)) for x in table.rows[:n]])
        self.preview.resizeColumnsToContents()
        more = f"; the first {n:,} are shown" if n < table.n_rows else ""
        delim = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(table.delimiter,
                                                                            repr(table.delimiter))
        self.preview_label.setText(
            f"<b>Preview</b> — {table.n_rows:,} rows, {len(table.columns)} columns, "
            f"{delim}-separated, {'with' if table.header else 'without'} a header row{more}. "
            "Click a column's header to make it a target, ignored, or a feature again.")

    def _refresh_validation(self) -> None:
        v = self.data.get("validation")
        is_split = isinstance(v, dict) and "split" in v
        if is_split:
            self.val_split_radio.setChecked(True)
            pct = round(float(v["split"]) * 100)
            self.val_split.setValue(pct)
            self.val_shuffle.setChecked(bool(v.get("shuffle", True)))
            self._show_split(pct)
        elif v:
            self.val_file_radio.setChecked(True)
            self.val_path.setText(str(v.get("path") or v.get("inputs") or ""))
        else:
            self.val_none_radio.setChecked(True)
        if not is_split:
            self.val_split_label.setText("")
        self.val_split.setEnabled(is_split)
        self.val_shuffle.setEnabled(is_split)
        if not (v and not is_split):
            self.val_path.setText("")
        error = self.result.errors.get("validation")
        self.validation_error.show_text(error.message if error is not None else None)
        rows = self.result.validation_rows
        self.validation_info.setText(f"{rows:,} rows" if rows is not None and not is_split
                                     else "")

    def _show_split(self, pct: int) -> None:
        train = self.result.train
        if train is None:
            self.val_split_label.setText(f"{pct} %")
            return
        k = int(pct / 100 * len(train))
        self.val_split_label.setText(f"{pct} % ({k:,} of {len(train):,} rows)")

    def _refresh_test(self) -> None:
        t = self.data.get("test")
        self.test_path.setText(str(t.get("path") or t.get("inputs") or "") if t else "")
        self.clear_test.setEnabled(bool(t))
        error = self.result.errors.get("test")
        self.test_error.show_text(error.message if error is not None else None)
        rows = self.result.test_rows
        self.test_info.setText(f"{rows:,} rows" if rows is not None and t else "")

    def _refresh_shapes(self) -> None:
        train = self.result.train
        if train is not None:
            self.shapes.setText(self.describe_shapes(train))
        elif self._spec() is None:
            self.shapes.setText("Open a training file to see the shapes of the model's inputs "
                                "and targets.")
        elif "train" in self.result.errors:
            self.shapes.setText("— (the training data has a problem: see under the file name)")
        elif self.result.table is not None and "target" not in self.roles().values():
            self.shapes.setText("Choose the target column to see the shapes.")
        else:
            self.shapes.setText("—")

    def describe_shapes(self, train: Any) -> str:
        """Input and target shapes in Keras's terms, and where they come from."""
        schema = train.schema
        n = len(train)
        lines = [f"<b>Input shape</b> per sample: <b>{shape_text(schema.input_shape)}</b>"
                 f" — x has shape {shape_text((n, *schema.input_shape))}"]
        if schema.kind == "csv":
            numbers = [f.name for f in schema.features if f.kind == "number"]
            cats = [f for f in schema.features if f.kind == "category"]
            parts = []
            if numbers:
                parts.append(f"{len(numbers)} number column{'s' if len(numbers) > 1 else ''}")
            parts += [f"{f.name} as {len(f.categories)} one-hot columns" for f in cats]
            lines.append("from " + ", ".join(parts))
        y = train.y
        if y is not None:
            per = tuple(int(d) for d in y.shape[1:])
            lines.append(f"<b>Target shape</b> per sample: <b>{shape_text(per)}</b> — y has shape "
                         f"{shape_text(tuple(int(d) for d in y.shape))}")
            names = schema.class_names
            if names is not None:
                shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
                lines.append(f"{', '.join(schema.targets)}: {len(names)} classes ({shown}), "
                             f"given as the numbers 0 to {len(names) - 1}")
            elif schema.targets:
                lines.append(f"from {', '.join(schema.targets)} (numbers)")
        v = self.data.get("validation")
        if isinstance(v, dict) and "split" in v and float(v["split"]) > 0:
            k = int(float(v["split"]) * n)
            lines.append(f"{n:,} rows: {n - k:,} train, {k:,} validate")
        else:
            lines.append(f"{n:,} rows")
        return "<br>".join(lines)

    # ---- roles -----------------------------------------------------------------------------------
    def roles(self) -> dict[str, str]:
        """Each column's role in the training CSV: "feature", "target" or "ignore"."""
        table = self.result.table
        spec = self._spec() or {}
        if table is None:
            return {}
        names = list(table.columns)

        def name_of(c: Any) -> str | None:
            if isinstance(c, int) and not isinstance(c, bool):
                return names[c] if 0 <= c < len(names) else None
            return str(c)

        targets = spec.get("targets") or []
        if isinstance(targets, str | int):
            targets = [targets]
        targets = [name_of(t) for t in targets]
        feats = spec.get("features")
        feats = None if feats is None else [name_of(f) for f in feats]
        out = {}
        for n in names:
            if n in targets:
                out[n] = "target"
            elif feats is None or n in feats:
                out[n] = "feature"
            else:
                out[n] = "ignore"
        return out

    def set_role(self, column: str, role: str) -> None:
        """Make `column` a feature, a target or ignored (an undo command on data.train)."""
        if self._updating or role not in ROLES:
            return
        roles = self.roles()
        if column not in roles or roles[column] == role:
            return
        roles[column] = role
        spec = copy.deepcopy(self._spec() or {})
        old_targets = [t for t in (spec.get("targets") or []) if isinstance(t, str)]
        targets = [t for t in old_targets if roles.get(t) == "target"]
        targets += [c for c, r in roles.items() if r == "target" and c not in targets]
        spec["targets"] = targets
        feats = [c for c, r in roles.items() if r == "feature"]
        if all(r != "ignore" for r in roles.values()):
            spec.pop("features", None)
        else:
            spec["features"] = feats
        what = {"feature": "a feature", "target": "the target" if len(targets) == 1 else "a target",
                "ignore": "ignored"}[role]
        self.doc.set_value(("data", "train"), spec, f"Make {column} {what}")

    def cycle_role(self, index: int) -> None:
        """A click on a preview column's header: feature → target → ignored → feature."""
        table = self.result.table
        if table is None or not 0 <= index < len(table.columns):
            return
        name = table.columns[index]
        role = self.roles()[name]
        self.set_role(name, ROLES[(ROLES.index(role) + 1) % len(ROLES)])

    # ---- files -----------------------------------------------------------------------------------
    def choose_file(self, role: str) -> None:
        start = str(self.doc.project.base_dir)
        title = {"train": "Open training data", "validation": "Open validation data",
                 "test": "Open test data"}[role]
        path, _ = QFileDialog.getOpenFileName(self, title, start, DATA_FILTER)
        if not path:
            if role == "validation":
                self._refresh_validation()
            return
        targets = None
        if kind_of(path) == "npy":
            targets, _ = QFileDialog.getOpenFileName(
                self, f"The targets for {Path(path).name} (an .npy file, one per sample)",
                str(Path(path).parent), NPY_FILTER)
        self.set_source(role, path, targets or None)

    def choose_targets_file(self) -> None:
        spec = self._spec()
        if spec is None:
            return
        start = str(self.doc.project.resolve(str(spec.get("inputs") or ".")).parent)
        path, _ = QFileDialog.getOpenFileName(self, "Open the targets (.npy)", start, NPY_FILTER)
        if path:
            new = dict(spec)
            new["targets"] = self._rel(path)
            self.doc.set_value(("data", "train"), new, f"Targets from {Path(path).name}")

    def source_for(self, path: str | Path, targets: str | Path | None = None) -> dict[str, Any]:
        """A project data source for a file (DESIGN.md section 4)."""
        kind = kind_of(str(path))
        if kind == "npy":
            spec: dict[str, Any] = {"inputs": self._rel(path)}
            if targets:
                spec["targets"] = self._rel(targets)
            return spec
        if kind == "npz":
            return {"path": self._rel(path), "inputs": "x", "targets": "y"}
        return {"path": self._rel(path)}

    def set_source(self, role: str, path: str | Path | None,
                   targets: str | Path | None = None) -> None:
        """Use a file for "train", "validation" or "test" (None: no test / validation data).
        A CSV for training starts with no target: the panel asks the user to click one."""
        if path is None:
            self.doc.set_value(("data", role), None, f"No {role} data")
            return
        spec = self.source_for(path, targets)
        if role == "train" and kind_of(str(path)) == "npz":
            try:
                from kerasgui.core.data import npz_names

                names = npz_names(path)
                spec["inputs"] = "x" if "x" in names else (names[0] if names else "x")
                ys = [n for n in names if n != spec["inputs"]]
                spec["targets"] = "y" if "y" in names else (ys[0] if ys else "y")
            except UserError:
                pass  # the load shows the problem at the control
        self.doc.set_value(("data", role), spec, f"Open {Path(path).name} as {role} data")

    def open_training(self, path: str | Path, targets: str | Path | None = None) -> None:
        self.set_source("train", path, targets)

    def _npz_chosen(self, key: str) -> None:
        spec = self._spec()
        combo = self.npz_inputs if key == "inputs" else self.npz_targets
        if spec is None or self._updating:
            return
        new = dict(spec)
        new[key] = combo.currentText()
        self.doc.set_value(("data", "train"), new, f"Use {combo.currentText()} as {key}")

    # ---- validation ------------------------------------------------------------------------------
    def _val_mode_chosen(self, mode: int) -> None:
        if self._updating:
            return
        if mode == 0:
            v = self.data.get("validation")
            if not (isinstance(v, dict) and "split" in v):
                self.doc.set_value(("data", "validation"), {"split": 0.2, "shuffle": True},
                                   "Validate on a split of the training rows")
        elif mode == 1:
            self.choose_file("validation")
        else:
            self.doc.set_value(("data", "validation"), None, "No validation data")

    def _split_moving(self, pct: int) -> None:
        self._show_split(pct)

    def _split_changed(self, pct: int) -> None:
        if self._updating:
            return
        self.set_split(pct / 100, self.val_shuffle.isChecked())

    def _shuffle_toggled(self, on: bool) -> None:
        if self._updating:
            return
        self.set_split(self.val_split.value() / 100, on)

    def set_split(self, fraction: float, shuffle: bool) -> None:
        self.doc.set_value(("data", "validation"), {"split": round(fraction, 4),
                                                    "shuffle": bool(shuffle)},
                           f"Validation split {round(fraction * 100)} %")

    # ---- window hooks ----------------------------------------------------------------------------
    def shutdown(self) -> None:
        self.loader.shutdown()


__all__ = ["DataPanel", "Loaded", "load_data"]
