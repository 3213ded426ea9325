"""A box of fixed height around a widget whose size hint changes with its content (a word-wrapped
QLabel showing progress several times a second). Without it, each new text asks every layout up
to the window to run again and the whole panel repaints (measured: 7-14 ms of the GUI thread per
text on the Training panel, against under 1 ms for the label alone). The box has no layout: it
hands its own rectangle to the widget, so the widget's size hint stops at the box."""

from __future__ import annotations

from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class SteadyBox(QWidget):
    def __init__(self, child: QWidget, lines: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.child = child
        child.setParent(self)
        child.setAutoFillBackground(True)  # opaque: the panels under it need no repaint
        self.setFixedHeight(lines * child.fontMetrics().lineSpacing() + 6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(child.minimumWidth())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.child.setGeometry(self.rect())
        super().resizeEvent(event)
