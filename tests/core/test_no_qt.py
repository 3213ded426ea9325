"""The core never imports Qt, and the modules the window loads at start never import Keras."""

import subprocess
import sys

CHECK = """
import importlib, pkgutil, sys
import kerasgui.core
for m in pkgutil.iter_modules(kerasgui.core.__path__):
    importlib.import_module("kerasgui.core." + m.name)
bad = sorted(n for n in sys.modules if n.split(".")[0] in ("PySide6", "pyqtgraph", "shiboken6"))
heavy = sorted(n for n in ("keras", "tensorflow", "jax") if n in sys.modules)
print(repr((bad, heavy)))
"""


def test_core_imports_no_qt_and_no_keras_at_import():
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    bad, heavy = eval(out.strip().splitlines()[-1])
    assert bad == [], f"kerasgui.core imported Qt: {bad}"
    assert heavy == [], f"importing kerasgui.core loaded {heavy} (import it inside functions)"


def test_qt_is_blocked_when_asked():
    import os

    import pytest

    if os.environ.get("KERASGUI_BLOCK_QT") != "1":
        pytest.skip("make test runs tests/core with KERASGUI_BLOCK_QT=1")
    with pytest.raises(ImportError):
        import PySide6  # noqa: F401
