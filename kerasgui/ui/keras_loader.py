"""Import Keras (and so TensorFlow) in a background thread, so the window shows at once."""

from __future__ import annotations

import logging
import threading
import traceback

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class KerasLoader(QObject):
    """`start()` imports keras in a plain thread and warms the catalog; `ready` or
    `failed(message)` arrives in the GUI thread (a queued signal) when it is done. The thread is not
    a daemon: a window closed during the import waits for it at exit rather than tearing TensorFlow
    down half-loaded."""

    ready = Signal()
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: threading.Thread | None = None
        self.is_ready = False
        self.error: str | None = None
        self.ready.connect(self._mark_ready)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="kerasgui-import-keras")
        self._thread.start()

    @property
    def started(self) -> bool:
        return self._thread is not None

    def _run(self) -> None:
        try:
            import keras  # noqa: F401  (the slow part: TensorFlow loads here)

            from kerasgui.core import catalog

            catalog.layer_names()
            catalog.optimizer_names()
            catalog.loss_names()
            catalog.metric_names()
        except Exception as e:
            log.error("loading Keras failed:\n%s", traceback.format_exc())
            self.error = f"{type(e).__name__}: {e}"
            self._emit(self.failed, self.error)
            return
        self._emit(self.ready)

    @staticmethod
    def _emit(signal: Signal, *args: object) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:  # the window went away while Keras loaded
            pass

    def _mark_ready(self) -> None:
        self.is_ready = True

    def wait(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
