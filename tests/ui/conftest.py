"""UI tests: offscreen Qt, settings in a temporary folder, no QThread left running."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import inspect
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import pytest
from PySide6.QtCore import QSettings, QThread

KERAS_TIMEOUT_MS = 180_000
SUMMARY_TIMEOUT_MS = 20_000


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Recent files, window geometry, autosaves and the runs of unsaved projects go to a fresh
    folder, never the user's."""
    folder = tmp_path_factory.mktemp("settings")
    monkeypatch.setenv("KERASGUI_SETTINGS", str(folder / "kerasgui.ini"))
    monkeypatch.setenv("KERASGUI_LOG_DIR", str(folder))
    monkeypatch.setenv("KERASGUI_DATA_DIR", str(folder / "data"))  # autosaves, untitled runs
    for fmt in (QSettings.Format.IniFormat, QSettings.Format.NativeFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def _dangling_qthreads(monkeypatch: pytest.MonkeyPatch, qtbot: Any,
                       request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a QThread running (after napari's conftest)."""
    base_start = QThread.start
    started: WeakKeyDictionary[QThread, list[inspect.FrameInfo]] = WeakKeyDictionary()

    def start(self: QThread, priority: QThread.Priority = QThread.Priority.InheritPriority) -> None:
        started[self] = inspect.stack()[1:6]
        base_start(self, priority)

    monkeypatch.setattr(QThread, "start", start)
    yield
    dangling = []
    for thread, where in list(started.items()):
        try:
            if thread.isRunning():
                dangling.append((thread, where))
        except RuntimeError as e:  # the C++ object is gone: it cannot be running
            if "already deleted" not in str(e) and "Internal C++ object" not in str(e):
                raise
    for thread, _ in dangling:
        with suppress(RuntimeError):
            thread.quit()
            qtbot.waitUntil(thread.isFinished, timeout=5000)
    if dangling:
        lines = []
        for thread, where in dangling:
            lines.append(f"{thread!r} ({thread.objectName()}), started at:")
            lines += [f"  {f.filename}:{f.lineno} in {f.function}" for f in where]
        pytest.fail(f"{request.node.name} left {len(dangling)} QThread(s) running:\n"
                    + "\n".join(lines))


def make_window(qtbot: Any) -> Any:
    """A shown MainWindow whose Keras has loaded; closed (changes discarded) after the test."""
    from kerasgui.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w, before_close_func=lambda w: w.doc.undo_stack.setClean())
    w.show()
    qtbot.waitExposed(w)
    if not w.keras_is_ready:
        with qtbot.waitSignal(w.keras_ready, timeout=KERAS_TIMEOUT_MS):
            pass
    return w


@pytest.fixture
def window(qtbot: Any) -> Any:
    return make_window(qtbot)


def wait_summary(qtbot: Any, w: Any, action: Any = None) -> Any:
    """Do `action` (or nothing) and return the next summary result the window shows."""
    with qtbot.waitSignal(w.summary_ready, timeout=SUMMARY_TIMEOUT_MS) as blocker:
        if action is not None:
            action()
        else:
            w.schedule_summary()
    return blocker.args[0]


@pytest.fixture
def new_window(qtbot: Any) -> Any:
    """A factory of more windows (e.g. to reopen a saved project)."""
    return lambda: make_window(qtbot)


@pytest.fixture
def next_summary(qtbot: Any) -> Any:
    """`next_summary(window, action=None)`: do `action`, return the summary result that follows."""
    return lambda w, action=None: wait_summary(qtbot, w, action)
