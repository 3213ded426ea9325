"""Model outputs as a table a person reads: class name and probability for classifiers with named
classes, one value per target for regression; saved as CSV or NPY."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kerasgui.core.errors import UserError
from kerasgui.core.project import atomic_write_bytes, atomic_write_text


@dataclass
class Predictions:
    raw: np.ndarray                 # what model.predict returned
    columns: list[str]              # the table's column names
    values: list[np.ndarray]        # one array per column (str for class names, float otherwise)
    class_index: np.ndarray | None  # predicted class per row, for classifiers

    def rows(self, n: int | None = None) -> list[list[Any]]:
        count = len(self.raw) if n is None else min(n, len(self.raw))
        return [[col[i] for col in self.values] for i in range(count)]


def predictions_table(y: np.ndarray, schema: Any = None) -> Predictions:
    y = np.asarray(y)
    flat = y.reshape(len(y), -1) if y.ndim > 1 else y.reshape(len(y), 1)
    class_names = list(schema.class_names) if schema is not None and schema.class_names else None
    if class_names:
        if flat.shape[1] == len(class_names) and len(class_names) > 1:
            idx = flat.argmax(axis=1)
            prob = flat[np.arange(len(flat)), idx]
            cols = ["predicted", "probability", *[f"p({c})" for c in class_names]]
            values = [np.asarray(class_names, dtype=object)[idx], prob,
                      *[flat[:, j] for j in range(flat.shape[1])]]
            return Predictions(y, cols, values, idx)
        if flat.shape[1] == 1 and len(class_names) == 2:  # one sigmoid unit: P(second class)
            p = flat[:, 0]
            idx = (p >= 0.5).astype(np.int64)
            prob = np.where(idx == 1, p, 1 - p)
            return Predictions(y, ["predicted", "probability", f"p({class_names[1]})"],
                               [np.asarray(class_names, dtype=object)[idx], prob, p], idx)
    names = list(schema.targets) if schema is not None and schema.targets else []
    if len(names) != flat.shape[1]:
        names = ["prediction"] if flat.shape[1] == 1 else [f"prediction_{j}"
                                                            for j in range(flat.shape[1])]
    else:
        names = [f"predicted_{n}" for n in names]
    return Predictions(y, names, [flat[:, j] for j in range(flat.shape[1])], None)


def save_predictions(path: str | Path, table: Predictions) -> Path:
    """CSV: the table with a header; NPY: the raw model output. Written atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        buf = io.BytesIO()
        np.save(buf, table.raw, allow_pickle=False)
        atomic_write_bytes(path, buf.getvalue())
    elif suffix == ".csv":
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(table.columns)
        for row in table.rows():
            w.writerow([v if isinstance(v, str) else f"{float(v):.6g}" for v in row])
        atomic_write_text(path, out.getvalue())
    else:
        raise UserError(f"{path.name}: predictions are saved as .csv or .npy", where=str(path))
    return path
