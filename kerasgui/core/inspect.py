"""Where a trained model errs: the confusion matrix of a classifier, the residuals of a regression,
and which samples fall in a cell. NumPy only (no Keras, no Qt), so it is quick and testable.

Rows and columns of a confusion matrix are the true and the predicted class: ``matrix[i, j]`` counts
the samples of class ``i`` that the model called ``j``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kerasgui.core.errors import DataError


# ---- classification ------------------------------------------------------------------------------
def confusion_matrix(y_true: Any, y_pred_index: Any, n: int) -> np.ndarray:
    """(n, n) int64 counts: row = true class, column = predicted class."""
    t = np.asarray(y_true, dtype=np.int64).reshape(-1)
    p = np.asarray(y_pred_index, dtype=np.int64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} true classes but {len(p)} predicted ones")
    bad = (t < 0) | (t >= n) | (p < 0) | (p >= n)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"sample {i + 1}: class {int(t[i])} (true) or {int(p[i])} (predicted) is "
                        f"not one of the {n} classes (0 to {n - 1})")
    return np.bincount(t * n + p, minlength=n * n).reshape(n, n).astype(np.int64)


def row_normalized(matrix: Any) -> np.ndarray:
    """Each row divided by its sum (the share of each true class given each prediction); a class
    with no samples stays a row of zeros."""
    m = np.asarray(matrix, dtype=np.float64)
    sums = m.sum(axis=1, keepdims=True)
    return np.divide(m, sums, out=np.zeros_like(m), where=sums > 0)


def cell_indices(y_true: Any, y_pred_index: Any, true_class: int, pred_class: int) -> np.ndarray:
    """The sample indices (0-based, in data order) of class `true_class` predicted `pred_class`."""
    t = np.asarray(y_true).reshape(-1)
    p = np.asarray(y_pred_index).reshape(-1)
    return np.flatnonzero((t == true_class) & (p == pred_class))


def predicted_classes(y_pred: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(class index, its probability) per sample, from a softmax of n units or, for two classes,
    one sigmoid unit (P(class 1); 0.5 and above is class 1)."""
    flat = _flat(y_pred)
    if flat.shape[1] == n and n > 1:
        idx = flat.argmax(axis=1)
        return idx.astype(np.int64), flat[np.arange(len(flat)), idx].astype(np.float64)
    if flat.shape[1] == 1 and n == 2:
        p = flat[:, 0].astype(np.float64)
        idx = (p >= 0.5).astype(np.int64)
        return idx, np.clip(np.where(idx == 1, p, 1.0 - p), 0.0, 1.0)
    raise DataError(f"the model gives {flat.shape[1]} value(s) per sample, which does not fit "
                    f"{n} classes: a classifier has one output per class (softmax), or one "
                    "(sigmoid) for two classes")


@dataclass
class Classification:
    """A classifier's answers on data with known classes."""

    class_names: list[str]
    true: np.ndarray         # int64 (n,)
    predicted: np.ndarray    # int64 (n,)
    probability: np.ndarray  # float64 (n,): the probability of the predicted class
    matrix: np.ndarray       # (k, k) counts

    @property
    def correct(self) -> int:
        return int(np.trace(self.matrix))

    @property
    def accuracy(self) -> float:
        total = int(self.matrix.sum())
        return self.correct / total if total else float("nan")

    def cell(self, true_class: int, pred_class: int) -> np.ndarray:
        return cell_indices(self.true, self.predicted, true_class, pred_class)


# ---- regression ----------------------------------------------------------------------------------
@dataclass
class RegressionStats:
    """Residuals (predicted − actual) of one target."""

    n: int
    mean: float   # the bias: above 0, the model guesses high on average
    std: float    # the spread of the residuals
    mae: float
    rmse: float


def regression_stats(y_true: Any, y_pred: Any) -> RegressionStats:
    t = np.asarray(y_true, dtype=np.float64).reshape(-1)
    p = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{len(t)} actual values but {len(p)} predicted ones")
    if not len(t):
        nan = float("nan")
        return RegressionStats(0, nan, nan, nan, nan)
    r = p - t
    return RegressionStats(len(r), float(r.mean()), float(r.std()), float(np.abs(r).mean()),
                           float(np.sqrt((r * r).mean())))


@dataclass
class Regression:
    """A regression's answers on data with known values, one column per target."""

    names: list[str]
    actual: np.ndarray     # float64 (n, k)
    predicted: np.ndarray  # float64 (n, k)

    def stats(self, j: int = 0) -> RegressionStats:
        return regression_stats(self.actual[:, j], self.predicted[:, j])


# ---- which one -----------------------------------------------------------------------------------
def _flat(a: Any) -> np.ndarray:
    a = np.asarray(a)
    return a.reshape(len(a), -1) if a.ndim > 1 else a.reshape(len(a), 1)


def _is_whole(a: np.ndarray) -> bool:
    return bool(a.size) and bool(np.all(np.isfinite(a))) and bool(np.all(a == np.round(a)))


def inspect(y_true: Any, y_pred: Any, class_names: list[str] | None = None,
            target_names: list[str] | None = None) -> Classification | Regression:
    """Classification when the targets are classes (text class names, integer labels that index
    the model's outputs, one-hot rows, or 0/1 with one output); regression otherwise."""
    yt = _flat(y_true)
    yp = _flat(y_pred)
    if len(yt) != len(yp):
        raise DataError(f"{len(yt)} targets but {len(yp)} predictions")
    names = list(class_names) if class_names else None
    true: np.ndarray | None = None
    if names is not None:
        true = yt[:, 0].astype(np.int64)
    elif yt.shape[1] > 1 and yt.shape[1] == yp.shape[1] and _is_whole(yt) \
            and set(np.unique(yt)) <= {0, 1} and np.all(yt.sum(axis=1) == 1):
        true = yt.argmax(axis=1).astype(np.int64)  # one-hot rows
        names = [str(i) for i in range(yt.shape[1])]
    elif yt.shape[1] == 1 and _is_whole(yt):
        labels = yt[:, 0]
        if yp.shape[1] > 1 and labels.min() >= 0 and labels.max() < yp.shape[1]:
            names = [str(i) for i in range(yp.shape[1])]
        elif yp.shape[1] == 1 and set(np.unique(labels)) <= {0, 1}:
            names = ["0", "1"]
        if names is not None:
            true = labels.astype(np.int64)
    if names is not None and true is not None:
        idx, prob = predicted_classes(yp, len(names))
        return Classification(names, true, idx, prob, confusion_matrix(true, idx, len(names)))
    if yt.shape[1] != yp.shape[1]:
        raise DataError(f"the data has {yt.shape[1]} target value(s) per sample but the model "
                        f"gives {yp.shape[1]}")
    tn = list(target_names or [])
    if len(tn) != yt.shape[1]:
        tn = ["target"] if yt.shape[1] == 1 else [f"target {j}" for j in range(yt.shape[1])]
    return Regression(tn, yt.astype(np.float64), yp.astype(np.float64))


# ---- the inputs, as a person wrote them ---------------------------------------------------------
def input_columns(x: Any, schema: Any, limit: int = 30) -> tuple[list[str], list[np.ndarray]]:
    """The input columns of x as in the data file: a one-hot category back to its text, numbers
    as they are. Data of more than `limit` columns (images, sequences) gives no columns."""
    x = np.asarray(x)
    features = list(getattr(schema, "features", None) or [])
    if getattr(schema, "kind", None) == "csv" and features and x.ndim == 2:
        if len(features) > limit:
            return [], []
        names: list[str] = []
        cols: list[np.ndarray] = []
        off = 0
        for f in features:
            if f.kind == "category":
                k = len(f.categories)
                block = x[:, off:off + k]
                cats = np.asarray(f.categories, dtype=object)
                cols.append(cats[block.argmax(axis=1)] if k else np.full(len(x), "", object))
                off += k
            else:
                cols.append(x[:, off])
                off += 1
            names.append(f.name)
        return names, cols
    if x.ndim == 2 and x.shape[1] <= limit:
        fn = list(getattr(schema, "feature_names", None) or [])
        if len(fn) != x.shape[1]:
            fn = [f"column_{j}" for j in range(x.shape[1])]
        return fn, [x[:, j] for j in range(x.shape[1])]
    return [], []
