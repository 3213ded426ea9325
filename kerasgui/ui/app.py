"""`python -m kerasgui.ui.app [PROJECT]`: the window. It shows before TensorFlow is imported."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox

from kerasgui.ui import settings

log = logging.getLogger("kerasgui")


def log_path() -> Path:
    folder = Path(os.environ.get("KERASGUI_LOG_DIR") or Path(tempfile.gettempdir()) / "kerasgui")
    return folder / "kerasgui-window.log"


def _setup_logging() -> None:
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("kerasgui")
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _excepthook(kind: type[BaseException], value: BaseException,
                tb: TracebackType | None) -> None:
    """A bug in a slot: log the traceback, tell the person briefly, keep the window alive."""
    text = "".join(traceback.format_exception(kind, value, tb))
    log.error("unexpected error:\n%s", text)
    sys.__stderr__.write(text) if sys.__stderr__ else None
    app = QApplication.instance()
    if app is not None and not isinstance(value, KeyboardInterrupt):
        QMessageBox.critical(None, "kerasgui: unexpected error",
                             f"Something went wrong inside kerasgui ({kind.__name__}: {value}).\n\n"
                             f"The details are in {log_path()}. Your project is unchanged; save "
                             "it if it has unsaved changes.")


def _project_arg(argv: str | os.PathLike[str] | Sequence[str] | None) -> str | None:
    if argv is None:
        return None
    if isinstance(argv, (str, os.PathLike)):
        return os.fspath(argv)
    args = [a for a in argv if not a.startswith("-")]
    return args[0] if args else None


def main(argv: str | os.PathLike[str] | Sequence[str] | None = None) -> int:
    """Open the window, with the project `argv` names (a path, or a list whose first argument is
    the path); returns the exit code."""
    path = _project_arg(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    app.setApplicationDisplayName("kerasgui")
    _setup_logging()
    sys.excepthook = _excepthook

    from kerasgui.ui.main_window import main_window_for

    window = main_window_for(path)
    code = app.exec()  # closing the window or quitting stops its threads (aboutToQuit)
    del window
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
