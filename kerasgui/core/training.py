"""The training session: compile, fit with an event stream, stop, pause, continue, evaluate,
predict.

Events are plain dicts (no Keras objects), so a Qt worker can pass them across threads and the
command line can print them. Stop and pause are `threading.Event`s checked by a Keras callback at
each batch.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from kerasgui.core.errors import TrainingError, UserError
from kerasgui.core.project import Project, atomic_write_text

Event = dict[str, Any]
EVENT_INTERVAL_S = 0.05  # batch events at most ~20 per second
MIN_STEPS_PER_CALL = 5  # fewer steps per call than this are not worth a multi-step function
STOPPED_BY_USER = "stopped by the user"
BACKUP_DIR = "backup"  # inside a run folder: Keras's BackupAndRestore checkpoint


def checkpoint_epoch(out_dir: Path | str) -> int | None:
    """The number of epochs a run folder's checkpoint holds, or None when it has none."""
    meta = Path(out_dir) / BACKUP_DIR / "training_metadata.json"
    try:
        return int(json.loads(meta.read_text(encoding="utf-8"))["epoch"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _floats(logs: dict[str, Any] | None) -> dict[str, float]:
    return {k: float(np.asarray(v)) for k, v in (logs or {}).items() if np.size(v) == 1}


def estimate_step_seconds(model: Any, batch_size: int) -> float:
    """A rough time for one training step on a CPU core: a fixed dispatch cost, a little more per
    weight tensor (the optimizer's update ops), plus ~6 FLOPs per weight per position per sample.
    Only used to pick `steps_per_execution`, which changes no number. (Measured on a 2-core AMD
    EPYC: within ~15 % for small dense models with Adam, RMSprop or SGD.)"""
    flops = 0.0
    tensors = 0
    for layer in model.layers:
        n = sum(int(np.prod(w.shape)) for w in layer.weights)
        if not n:
            continue
        tensors += len(getattr(layer, "trainable_weights", layer.weights))
        out = getattr(layer, "output", None)
        shape = tuple(getattr(out, "shape", ()) or ())
        positions = int(np.prod([d for d in shape[1:-1] if d])) if len(shape) > 2 else 1
        flops += 6.0 * n * positions
    return 2.5e-4 + 2.5e-5 * tensors + flops * batch_size / 2e10


def choose_steps_per_execution(model: Any, batch_size: int, steps_per_epoch: int) -> int:
    """Enough steps per call that batch callbacks arrive about 20 times a second (DESIGN.md 6).
    Steps long enough that fewer than MIN_STEPS_PER_CALL would do run one per call: a call costs
    only ~1 ms more than its steps, and tracing a multi-step function costs ~0.3 s more (measured
    on a small CNN, where 3 steps per call made a 2-epoch run ~3 % slower)."""
    step = estimate_step_seconds(model, batch_size)
    spe = max(1, int(EVENT_INTERVAL_S / step))
    if spe < MIN_STEPS_PER_CALL:
        return 1
    return max(1, min(spe, steps_per_epoch))


class _Interrupted(Exception):
    pass


class Session:
    """One model being trained from one project; only request_stop/pause/resume are thread-safe."""

    def __init__(self, project: Project, on_event: Callable[[Event], None] | None = None) -> None:
        self.project = project
        self.on_event = on_event or (lambda e: None)
        self.model: Any = None
        self.data: Any = None
        self.history: dict[str, list[float]] = {}
        self.stopped_reason: str | None = None
        self.steps_per_execution = 1
        self.fit_seconds = 0.0
        self.out_dir: Path | None = None
        self.layout: Any = None  # distribution.Layout: devices, replicas, workers
        self._stop = threading.Event()
        self._running = threading.Event()  # set = not paused
        self._running.set()

    # ---- control, from any thread ---------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def epochs_done(self) -> int:
        return len(next(iter(self.history.values()), []))

    @property
    def schema(self) -> Any:
        return self.data.train.schema if self.data is not None else None

    # ---- setup ----------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Load the data, build the model (seeded), adapt Normalization layers, compile."""
        from kerasgui.core import distribution
        from kerasgui.core.builder import BUILD_LOCK, build_model, check_targets
        from kerasgui.core.data import load_project_data

        # first: splitting the CPU into devices must happen before the backend starts them
        self.layout = distribution.make_layout(self.project.fit.get("distribution"))
        batch = int(self.project.fit.get("batch_size", 32))
        self.layout.check_batch_size(batch)
        self.data = load_project_data(self.project)
        for w in self.data.warnings:
            self.on_event({"type": "log", "text": f"warning: {w}"})
        import keras

        train = self.data.train
        seed = self.project.fit.get("seed")
        with self.layout.scope():  # MirroredStrategy: variables live on every replica
            with BUILD_LOCK:  # no other build may draw random numbers between seed and build
                if seed is not None:
                    # Build once unseeded: first-time work (caches in Keras and the catalog) may
                    # draw random numbers, and the seeded build must draw exactly what a plain
                    # Keras script draws.
                    build_model(self.project, train.schema.input_shape)
                    keras.utils.set_random_seed(int(seed))
                self.model = build_model(self.project, train.schema.input_shape)
            check_targets(self.project, self.model, train)
            self._adapt_normalization(train.x)
            steps = self.layout.steps(len(train.x), batch)
            self.steps_per_execution = self.layout.steps_per_execution(
                choose_steps_per_execution(self.model, batch, steps)
            )
            self._compile()

    def _adapt_normalization(self, x: Any) -> None:
        """A Normalization layer that sees the raw inputs is adapted on the training inputs."""
        import keras

        from kerasgui.core import streaming

        first = self.model.layers[0] if self.model.layers else None
        if isinstance(first, keras.layers.Normalization):
            first.adapt(streaming.adapt_data(x))  # batches of a file bigger than memory

    def _layout(self) -> Any:
        from kerasgui.core.distribution import Layout

        return self.layout if self.layout is not None else Layout()

    def _compile(self) -> None:
        from kerasgui.core.compile_spec import resolve_loss, resolve_metrics, resolve_optimizer

        c = self.project.compile
        try:
            self.model.compile(
                optimizer=resolve_optimizer(c.get("optimizer", "rmsprop")),
                loss=resolve_loss(c.get("loss"), self.project.base_dir),
                metrics=resolve_metrics(c.get("metrics", []), self.project.base_dir),
                steps_per_execution=self.steps_per_execution,
            )
        except UserError:
            raise
        except Exception as e:
            raise TrainingError(
                f"compile failed: {str(e).splitlines()[0]}", where="compile"
            ) from None

    def _callbacks(self, out_dir: Path | None) -> list[Any]:
        """The project's callbacks, then ours; with a run folder, the history is written there each
        epoch and Keras's BackupAndRestore checkpoints after it, so a killed run resumes."""
        import keras

        from kerasgui.core.compile_spec import make_callbacks

        callbacks = [
            *make_callbacks(self.project.fit.get("callbacks", []), out_dir),
            _EventCallback(self),
        ]
        if out_dir is not None:
            callbacks.append(
                keras.callbacks.BackupAndRestore(
                    backup_dir=str(Path(out_dir) / BACKUP_DIR), double_checkpoint=True
                )
            )
        return callbacks

    def _restore_history(self, out_dir: Path | None) -> None:
        """Before resuming from a checkpoint in `out_dir`, take back the history of its epochs."""
        if out_dir is None:
            return
        epoch = checkpoint_epoch(out_dir)
        if epoch is None:
            return
        try:
            saved = json.loads((Path(out_dir) / "history.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        if all(len(v) >= epoch for v in saved.values()) and saved:
            self.history = {k: list(v[:epoch]) for k, v in saved.items()}
            self.on_event(
                {"type": "log", "text": f"resuming from the checkpoint after epoch {epoch}"}
            )
        else:  # the history was lost: start again rather than mix two runs
            shutil.rmtree(Path(out_dir) / BACKUP_DIR, ignore_errors=True)

    def _record_epoch(self) -> None:
        if self.out_dir is not None:
            atomic_write_text(
                Path(self.out_dir) / "history.json", json.dumps(self.history, indent=1)
            )

    # ---- training -------------------------------------------------------------------------------
    def fit(
        self, epochs: int | None = None, *, out_dir: Any = None, verbose: int | str = 0
    ) -> dict[str, list[float]]:
        """Train from the first epoch (or continue to `epochs` in all). Returns the whole history.
        A stop, a NaN loss or an error keeps the weights and the history so far."""
        if self.model is None:
            self.prepare()
        total = int(epochs if epochs is not None else self.project.fit.get("epochs", 5))
        self._restore_history(out_dir)
        return self._run(self.epochs_done, total, out_dir, verbose)

    def more(
        self, n: int, *, out_dir: Any = None, verbose: int | str = 0
    ) -> dict[str, list[float]]:
        """Train `n` more epochs, keeping the weights and the optimizer state."""
        if self.model is None:
            raise TrainingError("train the model before asking for more epochs")
        return self._run(self.epochs_done, self.epochs_done + int(n), out_dir, verbose)

    def _run(
        self, initial: int, epochs: int, out_dir: Any, verbose: int | str
    ) -> dict[str, list[float]]:
        train, val = self.data.train, self.data.validation
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self._stop.clear()
        self.stopped_reason = None
        fit = self.project.fit
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            inputs = self._layout().fit_inputs(
                train,
                val,
                batch_size=int(fit.get("batch_size", 32)),
                shuffle=bool(fit.get("shuffle", True)),
                seed=fit.get("seed"),
            )
            if not self._layout().sharded_input:
                from kerasgui.core import streaming

                # a big memory-mapped .npy source is read batch by batch (core/streaming.py)
                inputs = streaming.fit_inputs(inputs, train, val, seed=fit.get("seed"))
            self.model.fit(
                **inputs,
                epochs=epochs,
                initial_epoch=initial,
                callbacks=self._callbacks(out_dir),
                verbose=verbose,
            )
        except _Interrupted:
            pass
        except KeyboardInterrupt as e:
            self.stopped_reason = "interrupted"
            error = e
        except UserError as e:
            self.stopped_reason = e.message
            error = e
        except Exception as e:
            self.stopped_reason = describe_failure(e)
            error = TrainingError(self.stopped_reason)
        finally:
            # BackupAndRestore leaves its restored epoch on the model; a later fit must not reuse it
            self.model._initial_epoch = None
            self.fit_seconds += time.perf_counter() - started
            self.on_event(
                {
                    "type": "train_end",
                    "stopped": self.stopped_reason is not None,
                    "reason": self.stopped_reason,
                    "history": {k: list(v) for k, v in self.history.items()},
                }
            )
        if error is not None:
            raise error
        return self.history

    # ---- results --------------------------------------------------------------------------------
    def evaluate(self, arrays: Any = None, batch_size: int | None = None) -> dict[str, float]:
        arrays = arrays if arrays is not None else self.data.test
        if arrays is None:
            raise UserError(
                "there is no test data to evaluate on: choose a test file", where="data.test"
            )
        batch_size = batch_size or int(self.project.fit.get("batch_size", 32))
        return evaluate(self.model, arrays, batch_size, layout=self._layout())

    def predict(self, x: Any, batch_size: int | None = None) -> np.ndarray:
        return predict(
            self.model,
            x,
            batch_size or int(self.project.fit.get("batch_size", 32)),
            layout=self._layout(),
        )


def evaluate(
    model: Any, arrays: Any, batch_size: int = 32, layout: Any = None, callbacks: Any = None
) -> dict[str, float]:
    """model.evaluate as a dict of floats; the targets must be there. With a `layout` (a
    distribution.Layout), the data is fed the way its devices and workers need."""
    if arrays.y is None:
        raise UserError(
            f"{arrays.source}: evaluating needs targets, and this data has none: name "
            "the target columns",
            where=arrays.source,
        )
    inputs = (
        layout.eval_inputs(arrays.x, arrays.y, batch_size)
        if layout is not None
        else {"x": arrays.x, "y": arrays.y, "batch_size": batch_size}
    )
    try:
        with layout.local() if layout is not None else contextlib.nullcontext():
            result = model.evaluate(**inputs, verbose=0, return_dict=True, callbacks=callbacks)
    except Exception as e:
        raise TrainingError(f"{arrays.source}: evaluate failed: {describe_failure(e)}") from None
    return {k: float(v) for k, v in result.items()}


def predict(
    model: Any, x: Any, batch_size: int = 32, layout: Any = None, callbacks: Any = None
) -> np.ndarray:
    if layout is not None:
        layout.check_can_predict()
    try:
        with layout.local() if layout is not None else contextlib.nullcontext():
            return np.asarray(
                model.predict(x, batch_size=batch_size, verbose=0, callbacks=callbacks)
            )
    except Exception as e:
        raise TrainingError(f"predict failed: {describe_failure(e)}") from None


def describe_failure(e: BaseException) -> str:
    """A sentence a person can act on, for an exception raised inside Keras."""
    name = type(e).__name__
    text = str(e).strip().splitlines()[0] if str(e).strip() else name
    if isinstance(e, MemoryError) or name == "ResourceExhaustedError" or "OOM" in text:
        return "out of memory: lower the batch size or make the model smaller"
    if isinstance(e, UserError):
        return e.message
    return f"{name}: {text[:400]}"


class _EventCallback:
    """Bridges Keras callbacks to the session's events, stop and pause (a Keras Callback subclass is
    made on first use so that this module imports without Keras)."""

    def __new__(cls, session: Session) -> Any:
        import keras

        class EventCallback(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.session = session
                self.last_sent = 0.0
                self.epoch = 0
                self.step_started = 0.0
                self.steps_done = 0
                self.epoch_started = 0.0

            def _check(self) -> None:
                s = self.session
                if not s._running.is_set():
                    self.session.on_event({"type": "paused", "epoch": self.epoch})
                    s._running.wait()
                    self.session.on_event({"type": "resumed", "epoch": self.epoch})
                if s._stop.is_set():
                    s.stopped_reason = s.stopped_reason or STOPPED_BY_USER
                    self.model.stop_training = True

            def on_train_begin(self, logs: Any = None) -> None:
                s = self.session
                s.on_event(
                    {
                        "type": "train_begin",
                        "epochs": self.params.get("epochs"),
                        "initial_epoch": s.epochs_done,
                        "steps": self.params.get("steps"),
                        "steps_per_execution": s.steps_per_execution,
                    }
                )

            def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
                self.epoch = epoch
                self.epoch_started = time.perf_counter()
                self.steps_done = 0
                self._check()

            def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
                self._check()

            def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
                if self.session._stop.is_set():
                    self.model.stop_evaluating = True

            def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
                now = time.perf_counter()
                step = batch + 1
                logs = _floats(logs)
                loss = logs.get("loss")
                if loss is not None and not math.isfinite(loss):
                    self.session.stopped_reason = (
                        f"the loss became {loss} at epoch {self.epoch + 1}, step {step}: lower the "
                        "learning rate, scale the inputs (add a Normalization layer) or check the "
                        "data for extreme values"
                    )
                    self.model.stop_training = True
                if now - self.last_sent >= EVENT_INTERVAL_S or step == self.params.get("steps"):
                    self.last_sent = now
                    ms = 1000.0 * (now - self.epoch_started) / max(step, 1)
                    self.session.on_event(
                        {
                            "type": "batch_end",
                            "epoch": self.epoch,
                            "step": step,
                            "steps": self.params.get("steps"),
                            "logs": logs,
                            "ms_per_step": ms,
                        }
                    )
                if self.session._stop.is_set():  # Keras checks right after this: no next batch
                    self.session.stopped_reason = self.session.stopped_reason or STOPPED_BY_USER
                    self.model.stop_training = True

            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                logs = _floats(logs)
                for k, v in logs.items():
                    self.session.history.setdefault(k, []).append(v)
                self.session._record_epoch()
                self.session.on_event(
                    {
                        "type": "epoch_end",
                        "epoch": epoch,
                        "logs": logs,
                        "seconds": time.perf_counter() - self.epoch_started,
                    }
                )

        return EventCallback()
