"""Compute the live summary off the GUI thread.

`builder.summarize` builds a Keras model (tens of milliseconds for a small stack, more for a
convolutional one), so it runs in a worker QThread. Requests are coalesced: the worker always takes
the newest one, and a result older than the newest request is dropped.
"""

from __future__ import annotations

import copy
import logging
import threading
import traceback
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from kerasgui.core.errors import UserError
from kerasgui.core.project import Project

log = logging.getLogger(__name__)


@dataclass
class CheckResult:
    """What the window shows: the summary, and whether loss, output and targets fit."""

    generation: int
    summary: Any  # builder.Summary
    input_shape: tuple[int, ...] | None
    target_problem: UserError | None = None
    bug: str | None = None  # an unexpected exception, logged with its traceback


def snapshot(project: Project) -> Project:
    """A copy the worker can read while the GUI goes on editing the original."""
    return Project(name=project.name, model=copy.deepcopy(project.model),
                   compile=copy.deepcopy(project.compile), data=copy.deepcopy(project.data),
                   fit=copy.deepcopy(project.fit), path=project.path)


def check(project: Project, input_shape: tuple[int, ...] | None, train: Any,
          generation: int = 0) -> CheckResult:
    """Summarize the stack; with training data, also check that loss, output and targets fit."""
    from kerasgui.core import builder

    result = CheckResult(generation, builder.Summary(), input_shape)
    try:
        result.summary = builder.summarize(project, input_shape)
        if (train is not None and getattr(train, "y", None) is not None
                and result.summary.problem is None and (not project.is_stack or project.layers)):
            try:
                model = builder.build_model(project, input_shape)
                builder.check_targets(project, model, train)
            except UserError as e:
                result.target_problem = e
    except UserError as e:
        result.summary.problem = e
    except Exception:
        result.bug = traceback.format_exc()
        log.error("summarizing the model failed:\n%s", result.bug)
    return result


class _Worker(QObject):
    done = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._job: tuple[int, Project, Any, Any] | None = None

    def put(self, job: tuple[int, Project, Any, Any]) -> None:
        with self._lock:
            self._job = job

    @Slot()
    def work(self) -> None:
        with self._lock:
            job, self._job = self._job, None
        if job is None:
            return  # an older wake-up whose job a newer one already took
        generation, project, input_shape, train = job
        self.done.emit(check(project, input_shape, train, generation))


class ModelChecker(QObject):
    """`request(project, input_shape, train)` → later `finished(CheckResult)` for the newest
    request. `shutdown()` stops the thread; the window calls it before it closes."""

    finished = Signal(object)
    _wake = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: _Worker | None = None
        self.generation = 0
        self.busy = False

    def _start(self) -> _Worker:
        if self._worker is None:
            self._thread = QThread()
            self._thread.setObjectName("kerasgui-summary")
            self._worker = _Worker()
            self._worker.moveToThread(self._thread)
            self._wake.connect(self._worker.work)
            self._worker.done.connect(self._deliver)
            self._thread.start()
        return self._worker

    def request(self, project: Project, input_shape: tuple[int, ...] | None,
                train: Any = None) -> int:
        self.generation += 1
        self.busy = True
        self._start().put((self.generation, snapshot(project), input_shape, train))
        self._wake.emit()
        return self.generation

    def _deliver(self, result: CheckResult) -> None:
        if result.generation != self.generation:
            return  # a newer request is on its way
        self.busy = False
        self.finished.emit(result)

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
            self._worker = None
