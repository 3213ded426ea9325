"""Where training runs: one device, every local GPU, the CPU split into N devices, or several
machines.

`fit.distribution` (or `kerasgui train --devices`) is null (one device, Keras's default), "auto"
(every local GPU), "N" (the first N GPUs) or "cpu:N" (the CPU split into N logical devices). With
TensorFlow that is a `tf.distribute.MirroredStrategy`; with JAX a `keras.distribution.DataParallel`.
Several machines (`--coordinator HOST:PORT --num-workers N --worker-index I`) train data-parallel
with Keras's distribution API on the JAX backend. The batch size is always the global batch.

Keras, TensorFlow and JAX are imported inside functions: the window lists devices without loading
them at start.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kerasgui.core.errors import TrainingError, UserError

WHERE = "fit.distribution"
CPU_SPLITS = (2, 4, 8, 16)


# ---- what the user asked for ---------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceSpec:
    """A parsed `fit.distribution`: kind "default" (one device), "auto" (every local GPU),
    "gpu" (the first `count` GPUs) or "cpu" (the CPU split into `count` logical devices)."""

    kind: str
    count: int | None = None

    @property
    def text(self) -> str | None:
        return {"default": None, "auto": "auto", "gpu": str(self.count),
                "cpu": f"cpu:{self.count}"}[self.kind]


def parse(spec: Any, where: str = WHERE) -> DeviceSpec:
    """"auto", "N", "cpu:N" or null (also N as a number); UserError naming `where` otherwise."""
    if spec is None or (isinstance(spec, str) and spec.strip().lower() in ("", "none", "default")):
        return DeviceSpec("default")
    if isinstance(spec, int) and not isinstance(spec, bool):
        spec = str(spec)
    if isinstance(spec, str):
        text = spec.strip().lower()
        if text == "auto":
            return DeviceSpec("auto")
        m = re.fullmatch(r"(cpu:)?(\d+)", text)
        if m and int(m.group(2)) >= 1:
            return DeviceSpec("cpu" if m.group(1) else "gpu", int(m.group(2)))
    raise UserError(f"{where} is {spec!r}: use \"auto\" (every GPU here), a number of GPUs such as "
                    "\"2\", \"cpu:N\" to split the CPU into N devices, or null for one device",
                    where=where)


@dataclass(frozen=True)
class Cluster:
    """One worker of a multi-machine run."""

    coordinator: str
    num_workers: int
    worker_index: int


def check_cluster(coordinator: str | None, num_workers: int | None,
                  worker_index: int | None) -> Cluster | None:
    """The cluster the command line describes, or None for a one-machine run. No imports."""
    if coordinator is None and num_workers is None and worker_index is None:
        return None
    if not coordinator:
        raise UserError("--num-workers and --worker-index need --coordinator HOST:PORT (the "
                        "address of worker 0)", where="--coordinator")
    host, _, port = coordinator.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--coordinator {coordinator}: write it as HOST:PORT, e.g. 10.0.0.1:7777 "
                        "(worker 0's address and a free port)", where="--coordinator")
    if num_workers is None or num_workers < 1:
        raise UserError("--coordinator needs --num-workers N (how many machines take part, 1 or "
                        "more)", where="--num-workers")
    if worker_index is None or not 0 <= worker_index < num_workers:
        raise UserError(f"--worker-index must be 0 to {num_workers - 1} (0 on the coordinator), "
                        f"not {worker_index}", where="--worker-index")
    return Cluster(coordinator, num_workers, worker_index)


_cluster: Cluster | None = None


def cluster() -> Cluster | None:
    """The cluster this process joined with start_cluster, if any."""
    return _cluster


def use_jax_backend() -> None:
    """Multi-machine training runs on JAX: set KERAS_BACKEND before Keras is imported."""
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != "jax":
            raise UserError("training on several machines needs the JAX backend, but Keras was "
                            f"already loaded with {keras.backend.backend()}: start it as its own "
                            "command (kerasgui train ... --coordinator ...)", where="--coordinator")
        return
    os.environ["KERAS_BACKEND"] = "jax"


def start_cluster(c: Cluster) -> None:
    """Join the cluster: JAX's distributed runtime through `keras.distribution.initialize`. It
    blocks until every worker has joined; it must run before anything computes."""
    global _cluster
    if _cluster is not None:
        if _cluster != c:
            raise UserError("this process already joined another cluster", where="--coordinator")
        return
    use_jax_backend()
    import jax
    import keras
    from jax._src import xla_bridge

    if xla_bridge.backends_are_initialized():
        raise UserError("JAX has already started in this process; join the cluster from a fresh "
                        "`kerasgui train` command", where="--coordinator")
    _hide_gpus_from_tensorflow()
    # CPU workers exchange gradients through gloo (JAX's default; set for older versions too).
    with contextlib.suppress(AttributeError, ValueError):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    try:
        keras.distribution.initialize(job_addresses=c.coordinator, num_processes=c.num_workers,
                                      process_id=c.worker_index)
    except Exception as e:
        raise TrainingError(f"could not join the cluster at {c.coordinator} as worker "
                            f"{c.worker_index} of {c.num_workers}: {str(e).splitlines()[0][:300]}",
                            where="--coordinator") from None
    _cluster = c


# ---- before the devices start --------------------------------------------------------------------
def _backend() -> str:
    import keras

    return str(keras.backend.backend())


def prepare_devices(spec: Any, where: str = WHERE) -> DeviceSpec:
    """Do what must happen before the backend starts its devices: split the CPU for "cpu:N".
    Call it first thing in a training process; again later it is a no-op. UserError when the devices
    already started with another layout."""
    s = parse(spec, where)
    backend = _backend()
    if backend == "jax":
        _hide_gpus_from_tensorflow()
        if s.kind == "cpu":
            _split_jax_cpu(s.count or 1, where)
    elif backend == "tensorflow":
        if s.kind == "cpu":
            _split_tf_cpu(s.count or 1, where)
    elif s.kind != "default":
        raise UserError(f"{where}: several devices need the TensorFlow or JAX backend, not "
                        f"{backend}", where=where)
    return s


def _too_late(n: int, where: str) -> UserError:
    return UserError(f"{where} \"cpu:{n}\": the CPU can only be split before the backend starts "
                     "its devices, and it has already started in this process: train from the "
                     f"command line (kerasgui train PROJECT --devices cpu:{n}) or restart kerasgui",
                     where=where)


def _split_tf_cpu(n: int, where: str) -> None:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    current = tf.config.get_logical_device_configuration(cpu)
    if current is not None and len(current) == n:
        return
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)])
    except RuntimeError:
        if current is None and n == 1:
            return
        raise _too_late(n, where) from None


def _split_jax_cpu(n: int, where: str) -> None:
    import jax
    from jax._src import xla_bridge

    if xla_bridge.backends_are_initialized():
        if jax.local_device_count("cpu") != n:
            raise _too_late(n, where)
        return
    jax.config.update("jax_num_cpu_devices", n)


def _hide_gpus_from_tensorflow() -> None:
    """With JAX doing the math, TensorFlow only feeds tf.data: keep it off the GPUs (it would
    reserve their memory)."""
    try:
        import tensorflow as tf
    except ImportError:
        return
    with contextlib.suppress(RuntimeError, ValueError):
        tf.config.set_visible_devices([], "GPU")


# ---- the layout training runs with ---------------------------------------------------------------
@dataclass
class Layout:
    """How one training process is laid out. `strategy` is "default", "MirroredStrategy" or
    "DataParallel"; `replicas` counts model replicas over all workers; the batch size is global."""

    strategy: str = "default"
    backend: str = "tensorflow"
    replicas: int = 1
    num_workers: int = 1
    worker_index: int = 0
    devices: list[str] = field(default_factory=list)
    tf_strategy: Any = field(default=None, repr=False)

    @property
    def is_chief(self) -> bool:
        """Worker 0 writes the outputs; the others write only into their own folder."""
        return self.worker_index == 0

    @property
    def sharded_input(self) -> bool:
        """JAX with several replicas: the input is a tf.data pipeline that gives each worker its
        share of every global batch, in whole batches each device can split evenly."""
        return self.backend == "jax" and self.replicas > 1

    def scope(self) -> contextlib.AbstractContextManager[Any]:
        """Build and compile the model inside this (MirroredStrategy's scope with TensorFlow)."""
        if self.tf_strategy is None:
            return contextlib.nullcontext()
        return self.tf_strategy.scope()  # type: ignore[no-any-return]

    def record(self) -> dict[str, Any]:
        """For run.json."""
        return {"strategy": self.strategy, "replicas": self.replicas, "backend": self.backend,
                "num_workers": self.num_workers, "worker_index": self.worker_index,
                "devices": list(self.devices)}

    def steps_per_execution(self, wanted: int) -> int:
        """Under a MirroredStrategy Keras 3 runs one step per call: its multi-step loop fails there
        ("You must feed a value for placeholder tensor", keras-team/keras#19246)."""
        return 1 if self.tf_strategy is not None else wanted

    def check_batch_size(self, batch_size: int, where: str = "fit.batch_size") -> None:
        r = self.replicas
        if self.sharded_input and batch_size % r:
            raise UserError(f"{where} is {batch_size}, but training on {r} devices needs a "
                            f"multiple of {r} (each batch is split evenly between them): use "
                            f"{r * max(1, round(batch_size / r))}", where=where)

    # ---- inputs for model.fit / model.evaluate ---------------------------------------------------
    def fit_inputs(self, train: Any, val: Any, *, batch_size: int, shuffle: bool,
                   seed: int | None) -> dict[str, Any]:
        """Keyword arguments for model.fit: the arrays as they are, or per-worker datasets."""
        has_val = val is not None and len(val.x)
        if not self.sharded_input:
            return {"x": train.x, "y": train.y, "batch_size": batch_size, "shuffle": shuffle,
                    "validation_data": (val.x, val.y) if has_val else None}
        self.check_batch_size(batch_size)
        return {"x": self.dataset(train.x, train.y, batch_size, shuffle=shuffle, seed=seed),
                "shuffle": False,  # the dataset shuffles, the same way on every worker
                "validation_data": self.dataset(val.x, val.y, batch_size) if has_val else None}

    def eval_inputs(self, x: Any, y: Any, batch_size: int) -> dict[str, Any]:
        """Keyword arguments for model.evaluate (run it inside `local()`): the arrays, or with
        several workers, each worker's share of them (every worker must evaluate)."""
        if self.num_workers == 1:
            return {"x": x, "y": y, "batch_size": batch_size}
        return {"x": self.dataset(x, y, batch_size)}

    def local(self) -> contextlib.AbstractContextManager[None]:
        """For predict and evaluate in one process: leave JAX's DataParallel for the block, so any
        number of samples works (the weights stay where they are). A multi-worker run keeps it:
        its arrays span the workers."""
        if self.strategy != "DataParallel" or self.num_workers > 1:
            return contextlib.nullcontext()
        return _without_distribution()

    def check_can_predict(self) -> None:
        if self.num_workers > 1:
            raise UserError("predicting is not done during a run on several machines: predict "
                            "with the saved model.keras on one machine (kerasgui predict)")

    def usable(self, n: int) -> int:
        """How many of n samples an epoch uses: every batch must split evenly between the devices,
        so up to replicas - 1 samples (a different few each shuffled epoch) sit out."""
        return n - n % self.replicas if self.sharded_input else n

    def steps(self, n: int, batch_size: int) -> int:
        return max(1, math.ceil(self.usable(n) / batch_size))

    def dataset(self, x: Any, y: Any, batch_size: int, *, shuffle: bool = False,
                seed: int | None = None) -> Any:
        """A tf.data pipeline of this worker's share of each global batch: the samples are shuffled
        (the same order on every worker), cut into global batches, and worker i takes the i-th of
        `num_workers` equal slices of each; Keras assembles the global batch from the slices."""
        import tensorflow as tf

        n = len(x)
        usable = self.usable(n)
        if usable < self.replicas:
            raise UserError(f"{n} samples cannot be split between {self.replicas} devices: use "
                            "more data or fewer devices", where=WHERE)
        w, i = self.num_workers, self.worker_index
        index = tf.data.Dataset.range(n)
        if shuffle:
            index = index.shuffle(n, seed=_shared_seed(seed), reshuffle_each_iteration=True)
        index = index.take(usable).batch(batch_size)
        if w > 1:
            def share(batch: Any) -> Any:
                k = tf.shape(batch)[0] // w
                return batch[i * k:(i + 1) * k]

            index = index.map(share)
        xs = tf.constant(np.asarray(x))
        if y is None:
            return index.map(lambda b: tf.gather(xs, b)).prefetch(tf.data.AUTOTUNE)
        ys = tf.constant(np.asarray(y))
        return index.map(lambda b: (tf.gather(xs, b), tf.gather(ys, b))).prefetch(
            tf.data.AUTOTUNE)


def _shared_seed(seed: int | None) -> int:
    """The shuffle seed: the project's, else Keras's global seed (the same on every worker once
    keras.distribution.initialize has run)."""
    if seed is not None:
        return int(seed)
    from keras.src.utils import rng_utils  # no public getter in Keras 3

    global_seed = rng_utils.get_random_seed()
    if global_seed is not None:
        return int(global_seed)
    return int(np.random.default_rng().integers(2**31))  # one process: any seed will do


def make_layout(spec: Any, where: str = WHERE) -> Layout:
    """The layout for a training session: a MirroredStrategy (TensorFlow) or a DataParallel
    distribution (JAX, set globally with keras.distribution.set_distribution), or the default."""
    s = prepare_devices(spec, where)
    backend = _backend()
    if _cluster is not None:
        return _cluster_layout(_cluster)
    if backend == "tensorflow":
        return _tf_layout(s, where)
    if backend == "jax":
        return _jax_layout(s, where)
    return Layout(backend=backend, devices=["default"])


def _gpu_count_error(s: DeviceSpec, have: list[str], where: str) -> UserError:
    found = f"{len(have)} GPU{'s' if len(have) != 1 else ''}" + (f" ({', '.join(have)})"
                                                                 if have else "")
    return UserError(f"{where} asks for {s.count} GPUs, but this machine has {found}: choose "
                     "\"auto\", a smaller number, or \"cpu:N\"", where=where)


def _tf_layout(s: DeviceSpec, where: str) -> Layout:
    import tensorflow as tf

    if s.kind == "default":
        return Layout(backend="tensorflow", devices=_tf_default_device())
    if s.kind == "cpu":
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        if len(devices) != s.count:
            raise _too_late(s.count or 1, where)
    else:
        devices = [d.name for d in tf.config.list_logical_devices("GPU")]
        if s.kind == "gpu":
            if len(devices) < (s.count or 1):
                raise _gpu_count_error(s, devices, where)
            devices = devices[:s.count]
    if len(devices) < 2:
        # "auto" with one GPU or none, or "1": one device, Keras's default placement
        return Layout(backend="tensorflow", devices=devices or _tf_default_device())
    strategy = tf.distribute.MirroredStrategy(devices=devices)
    return Layout(strategy="MirroredStrategy", backend="tensorflow",
                  replicas=int(strategy.num_replicas_in_sync), devices=devices,
                  tf_strategy=strategy)


def _tf_default_device() -> list[str]:
    import tensorflow as tf

    gpus = tf.config.list_logical_devices("GPU")
    return [gpus[0].name if gpus else tf.config.list_logical_devices("CPU")[0].name]


def _jax_layout(s: DeviceSpec, where: str) -> Layout:
    import keras

    if s.kind == "default":
        keras.distribution.set_distribution(None)
        return Layout(backend="jax", devices=keras.distribution.list_devices()[:1])
    if s.kind == "cpu":
        devices = keras.distribution.list_devices("cpu")
    else:
        devices = [d for d in keras.distribution.list_devices() if not d.startswith("cpu")]
        if s.kind == "gpu":
            if len(devices) < (s.count or 1):
                raise _gpu_count_error(s, devices, where)
            devices = devices[:s.count]
    if len(devices) < 2:
        keras.distribution.set_distribution(None)
        return Layout(backend="jax", devices=devices or keras.distribution.list_devices()[:1])
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False))
    return Layout(strategy="DataParallel", backend="jax", replicas=len(devices), devices=devices)


def _cluster_layout(c: Cluster) -> Layout:
    import keras

    devices = keras.distribution.list_devices()  # every device of every worker
    # Each worker feeds its own share of each batch (Layout.dataset), so Keras must not shard again.
    keras.distribution.set_distribution(
        keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False))
    return Layout(strategy="DataParallel", backend="jax", replicas=len(devices),
                  num_workers=c.num_workers, worker_index=c.worker_index, devices=devices)


# ---- what the device picker shows ----------------------------------------------------------------
def list_devices() -> list[str]:
    """The devices present, in words ("GPU 0: NVIDIA H200", "CPU: 16 cores"). Does not start the
    devices, so "cpu:N" can still be chosen afterwards (with TensorFlow)."""
    cores = os.cpu_count() or 1
    cpu = f"CPU: {cores} core{'s' if cores != 1 else ''}"
    try:
        backend = _backend()
    except Exception:
        return [cpu]
    gpus: list[str] = []
    if backend == "tensorflow":
        import tensorflow as tf

        for i, d in enumerate(tf.config.list_physical_devices("GPU")):
            try:
                name = tf.config.experimental.get_device_details(d).get("device_name")
            except Exception:
                name = None
            gpus.append(f"GPU {i}: {name or d.name}")
        logical = tf.config.get_logical_device_configuration(
            tf.config.list_physical_devices("CPU")[0])
        if logical and len(logical) > 1:
            cpu += f", split into {len(logical)} devices"
    elif backend == "jax":
        import jax

        for d in jax.devices():
            if d.platform != "cpu":
                gpus.append(f"{d.platform.upper()} {d.id}: {d.device_kind}")
        n = jax.local_device_count("cpu")
        if n > 1:
            cpu += f", split into {n} devices"
    return [*gpus, cpu]


def gpu_count() -> int:
    return sum(1 for d in list_devices() if not d.startswith("CPU"))


def choices() -> list[str]:
    """What fit.distribution can be set to here: "auto", each GPU count from 2, "cpu:N" for a few
    N up to the number of cores."""
    cores = os.cpu_count() or 1
    gpus = gpu_count()
    return ["auto", *(str(n) for n in range(2, gpus + 1)),
            *(f"cpu:{n}" for n in CPU_SPLITS if n <= max(cores, 2))]


def describe(spec: Any) -> str:
    """A short label for a fit.distribution value, for menus."""
    try:
        s = parse(spec)
    except UserError:
        return str(spec)
    if s.kind == "default":
        return "one device"
    if s.kind == "auto":
        return "auto: every GPU here"
    if s.kind == "gpu":
        return f"{s.count} GPU{'s' if s.count != 1 else ''}"
    return f"CPU split into {s.count} devices"


@contextlib.contextmanager
def local_only() -> Iterator[None]:
    """Run the block without the multi-worker distribution: for what one worker does alone, such as
    worker 0 saving the model. (Saving makes a variable; under the distribution that is a
    collective step that would wait for the other workers forever.)"""
    if _cluster is None:
        yield
        return
    with _without_distribution():
        yield


@contextlib.contextmanager
def _without_distribution() -> Iterator[None]:
    import keras

    current = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(current)
