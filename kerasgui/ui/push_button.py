"""The panels' push buttons: an object name (tests and settings find it by), an accessible name
for screen readers, an optional tooltip, and a slot called without arguments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QPushButton


def push_button(name: str, text: str, accessible: str, slot: Callable[[], Any],
                tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setObjectName(name)
    b.setAccessibleName(accessible)
    if tip:
        b.setToolTip(tip)
    b.clicked.connect(lambda _checked=False: slot())  # clicked(bool): the slot takes no `checked`
    return b
