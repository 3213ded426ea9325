"""tests/core runs with Qt made unimportable (the Makefile sets KERASGUI_BLOCK_QT=1 for it): proof
that
the core never imports it."""

import importlib.abc
import os
import sys

QT_PACKAGES = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "qtpy", "superqt")


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in QT_PACKAGES:
            raise ModuleNotFoundError(f"{name} is blocked: kerasgui.core must not import Qt")
        return None


if os.environ.get("KERASGUI_BLOCK_QT") == "1":
    sys.meta_path.insert(0, _BlockQt())
