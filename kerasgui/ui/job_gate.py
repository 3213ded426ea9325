"""One Keras job at a time (DESIGN.md section 6): while a panel runs a job, the window's controls
that would start another (found by objectName) are disabled, and enabled again when it ends."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QWidget


class JobGate:
    def __init__(self, window: QWidget, names: tuple[str, ...]) -> None:
        self.window = window
        self.names = names
        self._disabled: list[Any] = []

    def set_running(self, running: bool) -> None:
        if running:
            self._disabled = [w for cls in (QAction, QAbstractButton)
                              for w in self.window.findChildren(cls)
                              if w.objectName() in self.names and w.isEnabled()]
            for w in self._disabled:
                w.setEnabled(False)
            return
        for w in self._disabled:
            try:
                w.setEnabled(True)
            except RuntimeError:  # deleted meanwhile
                pass
        self._disabled = []
