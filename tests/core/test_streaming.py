"""Training from a memory-mapped .npy file, batch by batch (core/streaming.py): the streamed path
trains and gives a sane History; a shuffled validation split of a memmap is a view, not a copy."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kerasgui.core import data, streaming
from kerasgui.core.project import Project
from kerasgui.core.training import Session

ROWS, FEATURES = 1200, 6


@pytest.fixture
def small_mapped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every .npy file is memory-mapped and every mapped input streamed (thresholds lowered)."""
    monkeypatch.setattr(data, "MMAP_BYTES", 1)
    monkeypatch.setenv(streaming.STREAM_ENV, "1024")


def write_project(folder: Path, *, normalize: bool = False) -> Path:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(ROWS, FEATURES)).astype(np.float32) * 3 + 1
    w = rng.normal(size=(FEATURES, 1)).astype(np.float32)
    y = ((x - 1) @ w / 3 + 0.05 * rng.normal(size=(ROWS, 1))).astype(np.float32)
    np.save(folder / "x.npy", x)
    np.save(folder / "y.npy", y)
    layers: list[dict[str, Any]] = [{"class_name": "Dense", "config": {"units": 1}}]
    if normalize:
        layers.insert(0, {"class_name": "Normalization", "config": {}})
    project = {
        "kerasgui_project": 1, "name": "streamed",
        "model": {"layers": layers},
        "compile": {"optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.05}},
                    "loss": "mean_squared_error", "metrics": []},
        "data": {"train": {"inputs": "x.npy", "targets": "y.npy"},
                 "validation": {"split": 0.25, "shuffle": True}, "test": None},
        "fit": {"epochs": 4, "batch_size": 32, "shuffle": True, "seed": 0, "callbacks": []},
    }
    path = folder / "streamed.kgproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def test_streamed_training_gives_a_sane_history(tmp_path: Path, small_mapped: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    real = streaming.batches

    def spy(*args: Any, **kwargs: Any) -> Any:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(streaming, "batches", spy)
    events: list[dict[str, Any]] = []
    session = Session(Project.load(write_project(tmp_path)), on_event=events.append)
    session.prepare()
    train, val = session.data.train, session.data.validation
    assert isinstance(train.x, streaming.Rows) and isinstance(val.x, streaming.Rows)
    assert len(train) == ROWS - ROWS // 4 and len(val) == ROWS // 4
    history = session.fit()

    assert [len(d) for d in made] == [math.ceil(len(train) / 32), math.ceil(len(val) / 32)]
    assert set(history) == {"loss", "val_loss"}
    assert all(len(v) == 4 and all(math.isfinite(x) for x in v) for v in history.values())
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["val_loss"][-1] < 0.5 * history["val_loss"][0]
    assert [e["type"] for e in events].count("epoch_end") == 4
    # the model learned what the same data in memory teaches
    x, y = np.load(tmp_path / "x.npy"), np.load(tmp_path / "y.npy")
    mse = float(np.mean((session.predict(x) - y) ** 2))
    assert mse < 0.5 * float(np.var(y))


def test_normalization_is_adapted_batch_by_batch(tmp_path: Path, small_mapped: None) -> None:
    session = Session(Project.load(write_project(tmp_path, normalize=True)))
    session.prepare()
    norm = session.model.layers[0]
    x = np.asarray(session.data.train.x)
    np.testing.assert_allclose(np.ravel(norm.mean), x.mean(axis=0), rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(np.ravel(norm.variance), x.var(axis=0), rtol=1e-3, atol=1e-3)
    assert all(math.isfinite(v) for v in session.fit(2)["val_loss"])


def test_split_of_a_memmap_is_a_view_in_the_split_order(tmp_path: Path, small_mapped: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(streaming.STREAM_ENV, "1")
    x = np.arange(40 * 3, dtype=np.float32).reshape(40, 3)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", x[:, :1] * 2)
    arrays = data.load_source({"inputs": "x.npy", "targets": "y.npy"}, tmp_path)
    assert isinstance(arrays.x, np.memmap)
    train, val = data.split(arrays, 0.25, True, 7)
    order = np.random.default_rng(7).permutation(40)
    for part, idx in ((val, order[:10]), (train, order[10:])):
        assert isinstance(part.x, streaming.Rows) and part.x.base is arrays.x  # no copy
        assert part.x.shape == (len(idx), 3) and len(part) == len(idx)
        np.testing.assert_array_equal(np.asarray(part.x), x[idx])
        np.testing.assert_array_equal(part.x[2:5], x[idx[2:5]])
        np.testing.assert_array_equal(part.x[3], x[idx[3]])
        np.testing.assert_array_equal(np.asarray(part.y), x[idx, :1] * 2)
        np.testing.assert_array_equal(part.rows, idx + 1)
    # without shuffling the parts are slices of the mapped file, also not copies
    train, val = data.split(arrays, 0.25, False, None)
    assert isinstance(train.x, np.memmap) and isinstance(val.x, np.memmap)
    np.testing.assert_array_equal(val.x, x[30:])


def test_batches_cover_every_sample_once_per_epoch(tmp_path: Path, small_mapped: None) -> None:
    x = np.arange(103 * 2, dtype=np.float32).reshape(103, 2)
    np.save(tmp_path / "x.npy", x)
    mapped = data.load_npy(tmp_path / "x.npy")
    seq = streaming.batches(mapped, x[:, :1], 10, shuffle=True, seed=1)
    assert len(seq) == 11
    for _ in range(2):
        xs, ys = zip(*(seq[i] for i in range(len(seq))), strict=True)
        got = np.concatenate(xs)
        assert sorted(got[:, 0].tolist()) == x[:, 0].tolist()  # each sample once
        np.testing.assert_array_equal(np.concatenate(ys)[:, 0], got[:, 0])  # x and y together
        assert type(got) is np.ndarray
        seq.on_epoch_end()


def test_small_or_in_memory_inputs_are_not_streamed(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(streaming.STREAM_ENV, raising=False)
    x = np.zeros((10, 2), dtype=np.float32)
    assert not streaming.should_stream(x)
    np.save(tmp_path / "x.npy", x)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert streaming.is_mapped(mapped) and not streaming.should_stream(mapped)
    monkeypatch.setenv(streaming.STREAM_ENV, "0")
    assert streaming.should_stream(mapped) and not streaming.should_stream(x)
    monkeypatch.setenv(streaming.STREAM_ENV, "not a number")
    assert streaming.stream_threshold() == streaming.STREAM_BYTES
