"""The live summary: each layer's name, class, output shape and parameters, as `model.summary()`
shows them, with the first layer that does not fit in red and the reason beneath."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.project import Project

COLUMNS = ["#", "Layer", "Class", "Output shape", "Params"]
BAD = QColor("#fde0e0")
BAD_TEXT = QColor("#8a0010")
PENDING = QColor("#888888")


def _shape(shape: Any) -> str:
    from kerasgui.core.builder import format_shape

    return format_shape(tuple(shape)) if shape is not None else "?"


class SummaryView(QWidget):
    """Shows a CheckResult over the project's layers. `layer_clicked(row)` when a row is clicked."""

    layer_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summary")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("<b>Summary</b> — output shape and parameters of each layer")
        lay.addWidget(title)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("summary_table")
        self.table.setAccessibleName("Model summary")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellClicked.connect(lambda r, _c: self.layer_clicked.emit(r))
        lay.addWidget(self.table, 1)
        self.totals = QLabel()
        self.totals.setObjectName("summary_totals")
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.totals)
        self.problem = QLabel()
        self.problem.setObjectName("summary_problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {BAD_TEXT.name()};")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.hide()
        lay.addWidget(self.problem)
        self.hint = QLabel()
        self.hint.setObjectName("summary_hint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555;")
        lay.addWidget(self.hint)
        self.show_message("Loading TensorFlow…")

    # ---- states ----------------------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        """Before a summary exists (TensorFlow loading): the message in the totals line."""
        self.table.setRowCount(0)
        self.totals.setText(text)
        self.problem.hide()
        self.hint.setText("")

    def show_result(self, project: Project, result: Any) -> None:
        """Fill the table from `result` (a CheckResult) over the project's current layers."""
        from kerasgui.core.builder import format_count, rank_hint

        summary = result.summary
        problem = summary.problem
        bad_index = getattr(problem, "index", None) if problem is not None else None
        rows = {r.index: r for r in summary.rows}
        if project.is_stack:
            entries: list[tuple[int, str, str]] = [
                (i, "", str(layer.get("class_name", "?")))
                for i, layer in enumerate(project.layers)]
        else:
            entries = [(r.index, r.name, r.class_name) for r in summary.rows]
        self.table.setRowCount(len(entries))
        after_bad = False
        for row, (i, name, class_name) in enumerate(entries):
            r = rows.get(i)
            if r is not None:
                cells = [str(i + 1), r.name, r.class_name, _shape(r.output_shape),
                         format_count(r.params)]
                color, tip = None, ""
            elif i == bad_index:
                cells = [str(i + 1), name or "—", class_name, "does not fit", "—"]
                color, tip = BAD, problem.message if problem is not None else ""
                after_bad = True
            else:
                cells = [str(i + 1), name or "—", class_name, "—", "—"]
                color = None
                tip = "not built: a layer above does not fit" if after_bad else ""
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (0, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if color is not None:
                    item.setBackground(QBrush(color))
                    item.setForeground(QBrush(BAD_TEXT))
                elif r is None:
                    item.setForeground(QBrush(PENDING))
                if tip:
                    item.setToolTip(tip)
                self.table.setItem(row, col, item)
        self.totals.setText(f"Total params: {format_count(summary.total)}    "
                            f"Trainable: {format_count(summary.trainable)}    "
                            f"Non-trainable: {format_count(summary.non_trainable)}")
        messages = []
        if problem is not None:
            messages.append(problem.message)
        if result.target_problem is not None:
            messages.append(result.target_problem.message)
        if result.bug:
            messages.append("The summary could not be computed (a bug; details are in the log).")
        self.problem.setText("\n".join(messages))
        self.problem.setVisible(bool(messages))
        self.hint.setText(self._hint(project, result, rank_hint))

    @staticmethod
    def _hint(project: Project, result: Any, rank_hint: Any) -> str:
        summary = result.summary
        shape = getattr(summary, "input_shape", None) or result.input_shape
        empty = project.is_stack and not project.layers
        if empty:
            lead = "The stack is empty: add layers from the palette on the left. "
            return lead + rank_hint(shape)
        if shape is None and project.is_stack:
            return ("Shapes show once training data is loaded, or when the stack starts with an "
                    "InputLayer.")
        if summary.problem is not None or result.target_problem is not None:
            return rank_hint(shape)
        if shape is not None and project.is_stack:
            from kerasgui.core.builder import format_shape

            source = ("the InputLayer" if project.layers[0].get("class_name") == "InputLayer"
                      else "the training data")
            return f"Input shape {format_shape((None, *shape))}, from {source}."
        return ""

    # ---- reading (tests, accessibility) ----------------------------------------------------------
    def row_texts(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]

    def bad_rows(self) -> list[int]:
        return [r for r in range(self.table.rowCount())
                if self.table.item(r, 0).background().color() == BAD]
