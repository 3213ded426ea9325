"""Keras work off the GUI thread (DESIGN.md section 6).

`Job` owns one QThread and the QObject worker moved to it (run at a lower CPU priority than the
GUI thread, with the compute threads it starts). The worker runs one function, which gets
an `emit(dict)` callback for its events (the training Session's `on_event`); events and the result
reach the GUI thread as queued signals carrying plain Python data. A running thread is never
terminated: a job is stopped by the function's own means (Session.request_stop, a
threading.Event the GUI sets directly) and then waited for. `Job.finished` is emitted only once the
thread has ended, so a finished job never leaves a thread running.

`Latest` runs background loads (data files) in one long-lived thread: the newest request wins and
older results are dropped.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, Signal, Slot

from kerasgui.core.errors import UserError

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], None]


@dataclass
class Result:
    """What a job's function returned, or why it failed (a message, never a traceback)."""

    value: Any = None
    error: str | None = None      # a UserError's message, or a short note about a bug
    where: str | None = None      # UserError.where
    bug_log: str | None = None    # the log file holding the traceback of an unexpected exception

    @property
    def ok(self) -> bool:
        return self.error is None


def run_safely(fn: Callable[[], Any]) -> Result:
    """Call fn; a UserError becomes its message, anything else is logged with its traceback."""
    try:
        return Result(value=fn())
    except UserError as e:
        return Result(error=e.message, where=e.where)
    except Exception as e:
        text = traceback.format_exc()
        log.error("unexpected error in a background job:\n%s", text)
        path = _bug_log(text)
        first = str(e).strip().splitlines()[0][:200] if str(e).strip() else ""
        short = f"{type(e).__name__}: {first}" if first else type(e).__name__
        return Result(error=f"Something went wrong inside kerasgui ({short}). "
                            f"The details are in {path}.", bug_log=str(path))


def _bug_log(text: str) -> Any:
    from kerasgui.cli import write_bug_log

    try:
        return write_bug_log(text)
    except OSError:
        return "the log"


WORKER_NICE = 10  # how much lower than the GUI thread's priority the worker threads run


def yield_cpu_to_gui(delta: int = WORKER_NICE) -> None:
    """On Linux, lower the priority (raise the nice value by `delta` over the GUI thread's) of
    every thread of the process except the GUI thread: TensorFlow's compute threads keep every core
    busy, and the GUI thread must still get a core within milliseconds to stay responsive. A
    machine with nothing else to do trains as fast as before. Threads started later by these
    threads inherit their priority."""
    if not sys.platform.startswith("linux"):
        return
    gui = threading.main_thread().native_id
    try:
        nice = min(19, os.getpriority(os.PRIO_PROCESS, gui) + delta)
        tids = [int(t) for t in os.listdir("/proc/self/task")]
    except OSError:
        return
    for tid in tids:
        if tid == gui:
            continue
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
        except OSError:  # the thread ended meanwhile, or not allowed
            pass



_collector: Any = None


def collect_garbage_in_gui_thread() -> None:
    """Python's cyclic garbage collector runs in whichever thread happens to allocate past its
    threshold. Run in a worker (TensorFlow tracing allocates a lot), it can destroy Qt objects of
    the GUI thread and deadlock on Qt's locks while the GUI thread waits for the interpreter (seen:
    the window hung creating a plot curve while the worker traced). So automatic collection is off
    and the GUI thread collects on a timer, once a second (pyqtgraph's GarbageCollector). Once per
    process; a QApplication must exist."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=1.0)

class _Worker(QObject):
    event = Signal(object)
    done = Signal(object)

    def __init__(self, fn: Callable[[Emit], Any], background: bool = True) -> None:
        super().__init__()
        self.fn = fn
        self.background = background

    @Slot()
    def run(self) -> None:
        if self.background:
            yield_cpu_to_gui()
        result = run_safely(lambda: self.fn(self.event.emit))
        self.done.emit(result)


class Job(QObject):
    """One function run in its own QThread. `event(dict)` for each event it emits, then
    `finished(Result)` once the thread has ended. Keep a reference while it runs."""

    event = Signal(object)
    finished = Signal(object)

    def __init__(self, fn: Callable[[Emit], Any], name: str = "kerasgui-job",
                 parent: QObject | None = None, background: bool = True) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.worker = _Worker(fn, background)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.event.connect(self.event.emit)   # queued: the worker lives in the thread
        self.worker.done.connect(self._done)
        self.result: Result | None = None

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.result is None and self.thread.isRunning()

    def _done(self, result: Result) -> None:
        # the worker's run() has returned; end the thread's loop and wait the moment it takes,
        # so that whoever hears `finished` finds no thread running
        self.thread.quit()
        self.thread.wait()
        self.result = result
        self.finished.emit(result)

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for the job while the GUI goes on processing events (its queued signals
        included, so the result is delivered). True when the job has finished."""
        end = None if timeout_s is None else time.monotonic() + timeout_s
        app = QCoreApplication.instance()
        while self.result is None:
            if end is not None and time.monotonic() > end:
                return False
            if app is not None:
                app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            if self.result is None:
                self.thread.wait(20)
        return True


class _LatestWorker(QObject):
    done = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._job: tuple[int, Callable[[], Any]] | None = None

    def put(self, generation: int, fn: Callable[[], Any]) -> None:
        with self._lock:
            self._job = (generation, fn)

    @Slot()
    def work(self) -> None:
        with self._lock:
            job, self._job = self._job, None
        if job is None:
            return  # a newer request already took this wake-up's job
        generation, fn = job
        yield_cpu_to_gui()
        self.done.emit(generation, run_safely(fn))


class Latest(QObject):
    """`request(fn)` runs fn in a background thread; `finished(Result)` arrives for the newest
    request only. `shutdown()` ends the thread (after the function in progress returns)."""

    finished = Signal(object)
    _wake = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.generation = 0
        self._thread: QThread | None = None
        self._worker: _LatestWorker | None = None
        self._pending = False

    @property
    def busy(self) -> bool:
        """A request is on its way (its result not delivered yet)."""
        return self._pending

    def request(self, fn: Callable[[], Any]) -> int:
        if self._worker is None:
            self._thread = QThread()
            self._thread.setObjectName(self.name)
            self._worker = _LatestWorker()
            self._worker.moveToThread(self._thread)
            self._wake.connect(self._worker.work)
            self._worker.done.connect(self._deliver)
            self._thread.start()
        self.generation += 1
        self._pending = True
        self._worker.put(self.generation, fn)
        self._wake.emit()
        return self.generation

    def cancel(self) -> None:
        """Forget the requests made so far: their results will be dropped."""
        self.generation += 1
        self._pending = False

    def _deliver(self, generation: int, result: Result) -> None:
        if generation != self.generation:
            return
        self._pending = False
        self.finished.emit(result)

    def shutdown(self) -> None:
        if self._thread is not None:
            self.generation += 1
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None
