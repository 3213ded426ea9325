"""Training from .npy files bigger than memory: batches read one at a time from the mapped file.

A big float32 .npy source stays an np.memmap (core.data.load_npy). Handed to model.fit, it would be
copied into memory whole (Keras turns arrays into tensors); above a threshold the training Session
hands Keras a `keras.utils.PyDataset` instead, which reads each batch's rows from the file. Pages of
a mapped file count in the process's resident memory until they are unmapped, so after reading a
few tens of MiB the reader tells the kernel to drop them (madvise MADV_DONTNEED: the data stays in
the page cache, shared and reclaimable, not in the process). A shuffled validation split of a
memmap is a `Rows` view (the file and an index), not a copy.

Keras is imported inside functions only.
"""

from __future__ import annotations

import math
import mmap
import os
import threading
from typing import Any

import numpy as np

STREAM_BYTES = 256 << 20           # training inputs mapped from a file and this big are streamed
STREAM_ENV = "KERASGUI_STREAM_BYTES"  # ... or as big as this environment variable says
DROP_BYTES = 32 << 20              # give mapped pages back after reading about this much
FAULT_BYTES = 16 * mmap.PAGESIZE  # a page fault maps up to this much around it (Linux fault-around)


def stream_threshold() -> int:
    """The size in bytes from which mapped training inputs are streamed."""
    text = os.environ.get(STREAM_ENV, "").strip()
    try:
        return max(0, int(float(text))) if text else STREAM_BYTES
    except ValueError:
        return STREAM_BYTES


def is_mapped(a: Any) -> bool:
    """An array whose data lives in a mapped file: an np.memmap, or Rows of one."""
    return isinstance(a, Rows) or (isinstance(a, np.memmap) and getattr(a, "_mmap", None)
                                   is not None)


def should_stream(*arrays: Any) -> bool:
    """True when any of `arrays` is a lazy Rows view, or mapped and at least stream_threshold()."""
    return any(isinstance(a, Rows) or (is_mapped(a) and a.nbytes >= stream_threshold())
               for a in arrays if a is not None)


def take_rows(a: Any, index: Any) -> Any:
    """a[index] along the first axis; for a big mapped array and an index array, a lazy Rows view
    instead of a copy (a shuffled validation split of a file bigger than memory)."""
    if isinstance(a, Rows):
        return a[index] if isinstance(index, slice) else Rows(a.base, a.index[index])
    if isinstance(index, slice) or not should_stream(a):
        return a[index]
    return Rows(a, np.asarray(index, dtype=np.int64))


class Rows:
    """Rows `index` of a mapped array, read on demand: len, shape, dtype and indexing like the
    array `base[index]` would have, without holding it in memory. np.asarray() reads it all."""

    def __init__(self, base: np.ndarray, index: np.ndarray) -> None:
        self.base = base
        self.index = index

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.index), *self.base.shape[1:])

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.base.dtype

    @property
    def ndim(self) -> int:
        return self.base.ndim

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.size * self.base.dtype.itemsize

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            return self[key[0]][(slice(None), *key[1:])]
        if isinstance(key, int | np.integer):
            return read_rows(self.base, self.index[[int(key)]])[0]
        return read_rows(self.base, self.index[key])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = np.empty(self.shape, dtype=self.dtype)
        step = max(1, DROP_BYTES // max(1, self.nbytes // max(1, len(self))))
        for i in range(0, len(self), step):
            out[i:i + step] = read_rows(self.base, self.index[i:i + step])
        return out if dtype is None else out.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"Rows({len(self):,} of {len(self.base):,} rows, shape {self.shape}, {self.dtype})"


# ---- reading without keeping pages ------------------------------------------------------------
_read_since_drop: dict[int, int] = {}
_lock = threading.Lock()


def _mapping(a: Any) -> mmap.mmap | None:
    m = getattr(a, "_mmap", None)
    return m if isinstance(m, mmap.mmap) else None


def release(a: Any) -> None:
    """Drop the pages of a mapped array from the process (they stay in the page cache)."""
    m = _mapping(a.base if isinstance(a, Rows) else a)
    if m is None or not hasattr(m, "madvise") or not hasattr(mmap, "MADV_DONTNEED"):
        return
    try:
        m.madvise(mmap.MADV_DONTNEED)
    except (OSError, ValueError):
        pass


def _count(a: Any, nbytes: int) -> None:
    """Note `nbytes` of mapped pages touched; drop them all once DROP_BYTES have gathered."""
    m = _mapping(a)
    if m is None:
        return
    with _lock:
        total = _read_since_drop.get(id(m), 0) + nbytes
        if total < DROP_BYTES:
            _read_since_drop[id(m)] = total
            return
        _read_since_drop[id(m)] = 0
    release(a)


def read_rows(a: Any, index: Any) -> np.ndarray:
    """a[index] as an array in memory; reading a mapped array does not leave its pages resident."""
    if isinstance(a, Rows):
        return read_rows(a.base, a.index[index])
    out = np.array(a[index], copy=True)
    if out.dtype != a.dtype:  # never: indexing keeps the dtype
        out = out.astype(a.dtype)
    if _mapping(a) is not None:
        row = a.dtype.itemsize * math.prod(a.shape[1:])
        n = len(range(*index.indices(len(a)))) if isinstance(index, slice) else np.size(index)
        touched = n * row if isinstance(index, slice) else n * max(row, FAULT_BYTES)
        _count(a, int(touched))
    return out.view(np.ndarray)


def scan(a: Any, rows: int) -> Any:
    """Slices of at most `rows` rows of `a`, for a pass over a mapped array that keeps little of
    it resident: iterate, and each slice's pages are dropped once DROP_BYTES have been read."""
    for i in range(0, len(a), max(1, rows)):
        yield read_rows(a, slice(i, i + rows))


# ---- what the training Session uses -------------------------------------------------------------
ADAPT_BATCH = 4096  # rows per batch when a Normalization layer is adapted on streamed inputs


def fit_inputs(inputs: dict[str, Any], train: Any, val: Any, *, seed: int | None
               ) -> dict[str, Any]:
    """model.fit's data arguments (`inputs`, as arrays) with big mapped training data replaced by
    batch readers; unchanged when the training data is in memory or small."""
    if not should_stream(train.x, train.y):
        return inputs
    out = {k: v for k, v in inputs.items() if k not in ("x", "y", "batch_size", "shuffle")}
    batch = int(inputs.get("batch_size") or 32)
    out["x"] = batches(train.x, train.y, batch, shuffle=bool(inputs.get("shuffle")), seed=seed)
    out["shuffle"] = False  # the reader shuffles the samples itself
    if inputs.get("validation_data") is not None:
        out["validation_data"] = batches(val.x, val.y, batch)
    return out


def adapt_data(x: Any) -> Any:
    """What to give Normalization.adapt: the array itself, or batches of a big mapped one."""
    return batches(x, None, ADAPT_BATCH) if should_stream(x) else np.asarray(x)


# ---- the PyDataset ------------------------------------------------------------------------------
_sequence_class: Any = None


def batches(x: Any, y: Any, batch_size: int, *, shuffle: bool = False,
            seed: int | None = None) -> Any:
    """A keras.utils.PyDataset of (x, y) batches (x alone when y is None) read from mapped arrays.
    With shuffle, the samples are put in a new random order each epoch (numpy's default_rng(seed)),
    which is not the order Keras's own shuffling of in-memory arrays would give."""
    global _sequence_class
    if _sequence_class is None:
        _sequence_class = _make_class()
    return _sequence_class(x, y, batch_size, shuffle, seed)


def _make_class() -> Any:
    import keras

    class MappedBatches(keras.utils.PyDataset):  # type: ignore[misc]
        def __init__(self, x: Any, y: Any, batch_size: int, shuffle: bool,
                     seed: int | None) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self.x, self.y = x, y
            self.batch_size = max(1, int(batch_size))
            self.shuffle = shuffle
            self.rng = np.random.default_rng(seed)
            self.n = len(x)
            self.order: np.ndarray | None = None
            self._new_order()

        def _new_order(self) -> None:
            self.order = self.rng.permutation(self.n) if self.shuffle else None

        @property
        def num_batches(self) -> int:
            return math.ceil(self.n / self.batch_size)

        def __len__(self) -> int:
            return self.num_batches

        def __getitem__(self, i: int) -> Any:
            lo = int(i) * self.batch_size
            hi = min(lo + self.batch_size, self.n)
            if lo >= hi:
                raise IndexError(f"batch {i} of {self.num_batches}")
            idx: Any = slice(lo, hi) if self.order is None else self.order[lo:hi]
            xb = read_rows(self.x, idx)
            if self.y is None:
                return (xb,)
            return xb, read_rows(self.y, idx)

        def on_epoch_end(self) -> None:
            self._new_order()

    return MappedBatches
