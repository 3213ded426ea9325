"""Training on several devices and several machines: fit.distribution / --devices (MirroredStrategy
over the CPU split in two) and --coordinator/--num-workers/--worker-index (two JAX workers on this
machine), each reaching a single process's accuracy; every worker sees the same History."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from kerasgui.cli import main
from kerasgui.core import distribution
from kerasgui.core.distribution import Layout, check_cluster, parse
from kerasgui.core.errors import UserError
from kerasgui.core.project import Project
from tests.conftest import EXAMPLES, ROOT

TWO_CLASS = EXAMPLES / "two_class" / "two_class.kgproj"
EPOCHS = 3  # the example's learning rate (0.1) makes later epochs swing; three are enough
RUN_TIMEOUT_S = 240  # a hung collective fails the test instead of hanging CI


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONUNBUFFERED": "1", **extra}


def kerasgui(*args: object) -> list[str]:
    return [sys.executable, "-m", "kerasgui", *map(str, args)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def single_process_val_accuracy() -> float:
    """The reference: the same project trained in one process on one device."""
    from kerasgui.core.training import Session

    history = Session(Project.load(TWO_CLASS)).fit(EPOCHS)
    return history["val_binary_accuracy"][-1]


# ---- parsing and checks (no training) ------------------------------------------------------------
@pytest.mark.parametrize(("spec", "kind", "count"), [
    (None, "default", None), ("", "default", None), ("auto", "auto", None), ("AUTO", "auto", None),
    ("2", "gpu", 2), (4, "gpu", 4), ("cpu:2", "cpu", 2), (" cpu:8 ", "cpu", 8),
])
def test_parse(spec, kind, count):
    s = parse(spec)
    assert (s.kind, s.count) == (kind, count)
    assert parse(s.text) == s


@pytest.mark.parametrize("spec", ["0", "cpu:0", "gpu:2", "fast", "-1", {"devices": 2}, True, 2.5])
def test_parse_refuses_with_the_key(spec):
    with pytest.raises(UserError) as e:
        parse(spec)
    assert e.value.where == "fit.distribution"
    assert "cpu:N" in e.value.message


def test_project_file_accepts_a_distribution():
    d = json.loads(TWO_CLASS.read_text())
    d["fit"]["distribution"] = "cpu:2"
    assert Project.from_dict(d).fit["distribution"] == "cpu:2"


@pytest.mark.parametrize(("args", "where"), [
    (("10.0.0.1:7777", None, None), "--num-workers"),
    (("10.0.0.1:7777", 2, None), "--worker-index"),
    (("10.0.0.1:7777", 2, 2), "--worker-index"),
    (("10.0.0.1", 2, 0), "--coordinator"),
    (("10.0.0.1:http", 2, 0), "--coordinator"),
    ((None, 2, 0), "--coordinator"),
    (("10.0.0.1:7777", 0, 0), "--num-workers"),
])
def test_cluster_arguments_are_checked(args, where):
    with pytest.raises(UserError) as e:
        check_cluster(*args)
    assert e.value.where == where


def test_cluster_arguments():
    assert check_cluster(None, None, None) is None
    c = check_cluster("10.0.0.1:7777", 3, 2)
    assert (c.coordinator, c.num_workers, c.worker_index) == ("10.0.0.1:7777", 3, 2)


def test_cli_refuses_bad_devices_and_cluster_arguments(capsys):
    assert main(["train", str(TWO_CLASS), "--devices", "fast"]) == 2
    assert main(["train", str(TWO_CLASS), "--coordinator", "127.0.0.1:1234"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: --devices is 'fast'")
    assert err[1].startswith("error: --coordinator needs --num-workers")


def test_devices_and_choices_say_what_is_here():
    devices = distribution.list_devices()
    assert devices and devices[-1].startswith("CPU: ")
    choices = distribution.choices()
    assert choices[0] == "auto" and "cpu:2" in choices
    for c in choices:
        parse(c)
    assert distribution.describe(None) == "one device"
    assert distribution.describe("cpu:2") == "CPU split into 2 devices"


def test_default_layout_and_too_many_gpus():
    import tensorflow as tf

    layout = distribution.make_layout(None)
    assert (layout.strategy, layout.replicas, layout.num_workers) == ("default", 1, 1)
    assert layout.is_chief and not layout.sharded_input
    have = len(tf.config.list_physical_devices("GPU"))
    with pytest.raises(UserError, match=f"asks for {have + 1} GPUs"):
        distribution.make_layout(str(have + 1))


def test_splitting_the_cpu_after_it_started_is_a_clear_error():
    import tensorflow as tf

    tf.constant(1.0)  # TensorFlow's devices are running in this process now
    n = len(tf.config.list_logical_devices("CPU")) + 1
    with pytest.raises(UserError, match="restart kerasgui") as e:
        distribution.prepare_devices(f"cpu:{n}")
    assert e.value.where == "fit.distribution"


def test_each_worker_gets_its_share_of_every_global_batch():
    x = np.arange(22, dtype="float32").reshape(11, 2)
    y = np.arange(11, dtype="float32")
    workers = [Layout(strategy="DataParallel", backend="jax", replicas=2, num_workers=2,
                      worker_index=i) for i in range(2)]
    assert workers[0].usable(11) == 10 and workers[0].steps(11, 4) == 3
    shares = [list(w.dataset(x, y, 4).as_numpy_iterator()) for w in workers]
    # global batches of 4, 4, 2 (the odd sample sits out); worker i holds the i-th half of each
    for (x0, y0), (x1, y1), start, size in zip(*shares, (0, 4, 8), (4, 4, 2), strict=True):
        assert list(np.concatenate([y0, y1])) == list(range(start, start + size))
        np.testing.assert_array_equal(np.concatenate([x0, x1]), x[start:start + size])


def test_shuffled_shares_agree_between_workers_and_change_each_epoch():
    x = np.arange(40, dtype="float32").reshape(20, 2)
    y = np.arange(20, dtype="float32")
    workers = [Layout(strategy="DataParallel", backend="jax", replicas=2, num_workers=2,
                      worker_index=i) for i in range(2)]
    datasets = [w.dataset(x, y, 8, shuffle=True, seed=3) for w in workers]
    epochs = []
    for _ in range(2):
        halves = [np.concatenate([b[1] for b in ds.as_numpy_iterator()]) for ds in datasets]
        order = np.concatenate([halves[0], halves[1]])
        assert sorted(order) == list(range(20))  # every sample once, in exactly one worker
        epochs.append(order)
    assert not np.array_equal(epochs[0], epochs[1])


def test_batch_size_must_split_evenly():
    layout = Layout(strategy="DataParallel", backend="jax", replicas=4)
    with pytest.raises(UserError, match="multiple of 4") as e:
        layout.check_batch_size(18)
    assert e.value.where == "fit.batch_size"
    layout.check_batch_size(16)
    Layout().check_batch_size(17)  # one device, or TensorFlow's strategy: any batch size


# ---- real runs, each in its own processes --------------------------------------------------------
def test_cpu_split_in_two_mirrored(tmp_path, single_process_val_accuracy):
    """`--devices cpu:2`: MirroredStrategy over two logical CPUs; the batch is the global batch."""
    r = subprocess.run(kerasgui("train", TWO_CLASS, "--out", tmp_path, "--epochs", EPOCHS,
                                "--devices", "cpu:2"),
                       capture_output=True, text=True, timeout=RUN_TIMEOUT_S, env=env(), cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    run = json.loads((tmp_path / "run.json").read_text())
    assert (run["strategy"], run["replicas"], run["backend"], run["num_workers"]) == (
        "MirroredStrategy", 2, "tensorflow", 1)
    assert run["project"]["fit"]["distribution"] == "cpu:2"
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == EPOCHS
    val = history["val_binary_accuracy"][-1]
    assert val > 0.9 and val >= single_process_val_accuracy - 0.05


def test_two_workers_on_this_machine(tmp_path, single_process_val_accuracy):
    """Two `kerasgui train --coordinator` processes on 127.0.0.1 train one model data-parallel on
    JAX; worker 0 writes the outputs, worker 1 only its own history; both saw the same History."""
    port = free_port()
    procs = [subprocess.Popen(
        kerasgui("train", TWO_CLASS, "--out", tmp_path, "--epochs", EPOCHS,
                 "--coordinator", f"127.0.0.1:{port}", "--num-workers", 2, "--worker-index", i),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env=env(KERAS_BACKEND="jax")) for i in range(2)]
    outputs = []
    try:
        for p in procs:
            outputs.append(p.communicate(timeout=RUN_TIMEOUT_S))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for i, (p, (_, err)) in enumerate(zip(procs, outputs, strict=True)):
        assert p.returncode == 0, f"worker {i}:\n{err[-3000:]}"

    assert {f.name for f in tmp_path.iterdir()} >= {"model.keras", "history.json", "run.json",
                                                   "worker-1"}
    worker1 = tmp_path / "worker-1"
    assert not (worker1 / "model.keras").exists()
    run = json.loads((tmp_path / "run.json").read_text())
    assert (run["strategy"], run["replicas"], run["backend"], run["num_workers"]) == (
        "DataParallel", 2, "jax", 2)
    assert run["versions"]["backend"] == "jax"

    histories = [json.loads((d / "history.json").read_text()) for d in (tmp_path, worker1)]
    assert histories[0] == histories[1]  # the metrics are global: every worker sees them
    assert len(histories[0]["loss"]) == EPOCHS
    val = histories[0]["val_binary_accuracy"][-1]
    assert val > 0.9 and val >= single_process_val_accuracy - 0.05


def test_predict_and_evaluate_leave_the_distribution_in_one_process_only():
    import keras

    one = Layout(strategy="DataParallel", backend="jax", replicas=2)
    workers = Layout(strategy="DataParallel", backend="jax", replicas=2, num_workers=2)
    marker = object()
    keras.distribution.set_distribution(marker)
    try:
        with one.local():
            assert keras.distribution.distribution() is None  # any number of samples works
        assert keras.distribution.distribution() is marker
        with workers.local():
            assert keras.distribution.distribution() is marker  # arrays span the workers
    finally:
        keras.distribution.set_distribution(None)
    assert one.eval_inputs("x", "y", 8) == {"x": "x", "y": "y", "batch_size": 8}
    one.check_can_predict()
    with pytest.raises(UserError, match="kerasgui predict"):
        workers.check_can_predict()
