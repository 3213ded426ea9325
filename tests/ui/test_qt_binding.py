"""The Qt binding must not drop references on plain calls: PySide6-Essentials 6.12.0 drops one
reference to None per call of a method that returns nothing, and aborts Python within minutes of
training in the window. pyproject.toml excludes that release; this test catches the next one."""

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(200):
        label.setText("x")
    assert sys.getrefcount(None) - before > -50
