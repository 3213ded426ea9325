"""A classifier's confusion matrix: counts or row-normalised shares, the diagonal (right answers)
in green and the errors in red; clicking a cell lists its samples with their file row numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.inspect import Classification, row_normalized

MAX_LISTED = 1000  # rows listed for one cell
RIGHT = (42, 157, 58)
WRONG = (200, 40, 40)


def fmt_value(v: Any) -> str:
    if isinstance(v, str):
        return v
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.6g}"


def shade(rgb: tuple[int, int, int], share: float) -> QColor:
    """`rgb` mixed into white by `share` (0: white, 1: 60 % of the colour)."""
    a = 0.6 * max(0.0, min(1.0, share))
    return QColor(*(round(255 - (255 - c) * a) for c in rgb))


class ConfusionView(QWidget):
    """`show_classification(c, rows, inputs)`; `select_cell(i, j)` lists cell (i, j)."""

    cell_selected = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("confusion_view")
        self.result: Classification | None = None
        self.rows: np.ndarray = np.zeros(0, dtype=np.int64)
        self.inputs: tuple[list[str], list[np.ndarray]] = ([], [])
        self.listed: np.ndarray = np.zeros(0, dtype=np.int64)

        self.summary = QLabel()
        self.summary.setObjectName("confusion_summary")
        self.summary.setWordWrap(True)
        self.normalize = QCheckBox("Show shares of each true class (rows add up to 100 %)")
        self.normalize.setObjectName("normalize_rows")
        self.normalize.setAccessibleName("Row-normalised confusion matrix")
        self.normalize.toggled.connect(self._fill)
        hint = QLabel("Rows: the true class. Columns: what the model predicted. "
                      "Click a cell to list its samples.")
        hint.setWordWrap(True)
        hint.setStyleSheet("color: #555;")

        self.table = QTableWidget(0, 0)
        self.table.setObjectName("confusion_matrix")
        self.table.setAccessibleName("Confusion matrix: rows true class, columns predicted")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.cellClicked.connect(self.select_cell)
        # a chosen cell keeps its colour, darkened, instead of the plain selection colour
        self.table.setStyleSheet("QTableWidget#confusion_matrix { selection-background-color: "
                                 "rgba(0, 0, 0, 45); selection-color: #111; }")
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.cell_label = QLabel("")
        self.cell_label.setObjectName("cell_label")
        self.cell_label.setWordWrap(True)
        self.cell_rows = QTableWidget(0, 0)
        self.cell_rows.setObjectName("cell_rows")
        self.cell_rows.setAccessibleName("The samples of the chosen cell")
        self.cell_rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cell_rows.verticalHeader().hide()

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.summary)
        row = QHBoxLayout()
        row.addWidget(self.normalize)
        row.addStretch(1)
        tl.addLayout(row)
        tl.addWidget(hint)
        tl.addWidget(self.table, 1)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.cell_label)
        bl.addWidget(self.cell_rows, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)

    def show_classification(self, result: Classification, rows: Any,
                            inputs: tuple[list[str], list[np.ndarray]] | None = None) -> None:
        self.result = result
        self.rows = np.asarray(rows, dtype=np.int64)
        self.inputs = inputs or ([], [])
        total = int(result.matrix.sum())
        self.summary.setText(f"<b>{result.correct:,} of {total:,}</b> samples classified right "
                             f"({100 * result.accuracy:.1f} %).")
        self._fill()
        self.cell_label.setText("Click a cell above to see its samples.")
        self.cell_rows.setRowCount(0)
        self.cell_rows.setColumnCount(0)
        self.listed = np.zeros(0, dtype=np.int64)

    def matrix_values(self) -> np.ndarray:
        """What the table shows: counts, or the row-normalised shares."""
        assert self.result is not None
        m = self.result.matrix
        return row_normalized(m) if self.normalize.isChecked() else m

    def _fill(self, *_: Any) -> None:
        r = self.result
        if r is None:
            return
        names = r.class_names
        k = len(names)
        counts = r.matrix
        shares = row_normalized(counts)
        normalized = self.normalize.isChecked()
        self.table.clear()
        self.table.setRowCount(k)
        self.table.setColumnCount(k)
        self.table.setHorizontalHeaderLabels([f"predicted {n}" for n in names])
        self.table.setVerticalHeaderLabels([f"true {n}" for n in names])
        bold = QFont(self.table.font())
        bold.setBold(True)
        for i in range(k):
            for j in range(k):
                text = f"{100 * shares[i, j]:.1f} %" if normalized else f"{counts[i, j]:,}"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setBackground(QBrush(shade(RIGHT if i == j else WRONG, shares[i, j])))
                item.setForeground(QBrush(QColor("#111")))
                item.setToolTip(f"{counts[i, j]:,} samples of class {names[i]} predicted as "
                                f"{names[j]} ({100 * shares[i, j]:.1f} % of {names[i]})")
                if i == j:
                    item.setFont(bold)
                self.table.setItem(i, j, item)

    def select_cell(self, i: int, j: int) -> None:
        """List the samples of true class i predicted as j."""
        r = self.result
        if r is None or not (0 <= i < len(r.class_names) and 0 <= j < len(r.class_names)):
            return
        idx = r.cell(i, j)
        self.listed = idx
        names = r.class_names
        what = "right" if i == j else "wrong"
        shown = idx[:MAX_LISTED]
        more = f" (the first {MAX_LISTED:,} are listed)" if len(idx) > MAX_LISTED else ""
        self.cell_label.setText(f"True <b>{names[i]}</b>, predicted <b>{names[j]}</b> ({what}): "
                                f"{len(idx):,} sample{'s' if len(idx) != 1 else ''}{more}.")
        in_names, in_cols = self.inputs
        cols = ["file row", "true", "predicted", "probability", *in_names]
        self.cell_rows.setColumnCount(len(cols))
        self.cell_rows.setHorizontalHeaderLabels(cols)
        self.cell_rows.setRowCount(len(shown))
        for r_i, s in enumerate(shown):
            values: list[Any] = [int(self.rows[s]) if s < len(self.rows) else int(s) + 1,
                                 names[int(r.true[s])], names[int(r.predicted[s])],
                                 f"{float(r.probability[s]):.3f}",
                                 *[c[s] for c in in_cols]]
            for c_i, v in enumerate(values):
                item = QTableWidgetItem(fmt_value(v) if not isinstance(v, int) else str(v))
                if not isinstance(v, str):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.cell_rows.setItem(r_i, c_i, item)
        self.cell_rows.resizeColumnsToContents()
        self.table.setCurrentCell(i, j)
        self.cell_selected.emit(i, j)

    def listed_rows(self) -> list[int]:
        """The file row numbers listed for the chosen cell."""
        return [int(self.rows[s]) for s in self.listed[:MAX_LISTED]]
