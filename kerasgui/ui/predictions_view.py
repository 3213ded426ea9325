"""The first rows of a prediction: the file row, the inputs as the file holds them, the known
answers when the file has them, then the model's answers (the predicted class in bold)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QTableWidget, QTableWidgetItem, QWidget

from kerasgui.ui.confusion_view import fmt_value

SHOWN_ROWS = 100  # rows shown (Export writes all of them)


class PredictionsView(QTableWidget):
    """`show_outcome(out)` (a core.results.Outcome) fills the table; `text_rows()` reads it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 0, parent)
        self.setObjectName("predictions_table")
        self.setAccessibleName("The inputs and the model's predictions")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().hide()

    def show_outcome(self, out: Any) -> int:
        """Show the first rows of `out`; returns how many are shown."""
        table = out.table
        in_names, in_cols = out.inputs
        cols = ["file row", *in_names, *[a for a, _ in out.actual], *table.columns]
        shown = min(SHOWN_ROWS, out.n)
        self.clear()
        self.setColumnCount(len(cols))
        self.setHorizontalHeaderLabels(cols)
        self.setRowCount(shown)
        first_pred = 1 + len(in_names) + len(out.actual)
        bold = QFont(self.font())
        bold.setBold(True)
        for i in range(shown):
            values: list[Any] = [int(out.rows[i]), *[c[i] for c in in_cols],
                                 *[a[i] for _, a in out.actual],
                                 *[c[i] for c in table.values]]
            for j, v in enumerate(values):
                if isinstance(v, str):
                    text = v
                elif j == 0:
                    text = str(v)
                elif table.class_index is not None and j > first_pred:
                    text = f"{float(v):.3f}"  # probabilities
                else:
                    text = fmt_value(v)
                item = QTableWidgetItem(text)
                if not isinstance(v, str):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                if j == first_pred:
                    item.setFont(bold)
                self.setItem(i, j, item)
        self.resizeColumnsToContents()
        return shown

    def text_rows(self) -> list[list[str]]:
        """The table as text, header first."""
        header = [self.horizontalHeaderItem(c).text() for c in range(self.columnCount())]
        return [header] + [[self.item(r, c).text() if self.item(r, c) else ""
                            for c in range(self.columnCount())] for r in range(self.rowCount())]
