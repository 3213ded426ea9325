"""Evaluating and predicting with a trained model: load a data file the way the model was trained
(the schema saved with it encodes raw CSV columns and class names), and run `model.evaluate` /
`model.predict` with progress reports and a stop flag, for the window's worker thread.

Loading follows `kerasgui evaluate` / `kerasgui predict`, so the window and the command line give
the same numbers for the same files.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from kerasgui.core.errors import UserError

Progress = Callable[[int, int | None], None]  # (steps done, steps in all or None)
PROGRESS_INTERVAL_S = 0.05


CANCELLED = "cancelled"  # Cancelled.where


class Cancelled(UserError):
    """The user stopped an evaluation or a prediction; nothing partial is returned."""


def source_spec(path: str | Path, schema: Any = None, *, targets: list[str] | str | None = None,
                inputs: str | None = None) -> dict[str, Any]:
    """A data source (DESIGN.md section 4) for one file of new data. A CSV's targets default to
    the training targets; an .npz file's inputs to the array "x"."""
    p = Path(path)
    suffix = p.suffix.lower()
    spec: dict[str, Any]
    if suffix == ".npy":
        spec = {"inputs": str(p)}
        if targets:
            spec["targets"] = targets if isinstance(targets, str) else targets[0]
        return spec
    if suffix == ".npz":
        spec = {"path": str(p), "inputs": inputs or "x"}
        if targets:
            spec["targets"] = targets if isinstance(targets, str) else targets[0]
        return spec
    spec = {"path": str(p)}
    if targets:
        spec["targets"] = [targets] if isinstance(targets, str) else list(targets)
    elif schema is not None and schema.targets:
        spec["targets"] = list(schema.targets)
    return spec


def schema_for(schema: Any, spec: dict[str, Any]) -> Any:
    """The training schema when it applies to this source (a CSV for a CSV-trained model), else
    None (arrays are taken as they are, as the command line does)."""
    if schema is None or schema.kind != "csv" or "inputs" in spec:
        return None
    path = str(spec.get("path", ""))
    return schema if Path(path).suffix.lower() not in (".npy", ".npz") else None


def load_for_model(spec: dict[str, Any], base_dir: Path, schema: Any, *,
                   need_targets: bool) -> Any:
    """core.data.Arrays of `spec`, encoded with the model's schema where it applies."""
    from kerasgui.core.data import load_source

    return load_source(spec, Path(base_dir), schema=schema_for(schema, spec),
                       need_targets=need_targets)


def _callback(kind: str, on_progress: Progress | None, stop: threading.Event | None) -> Any:
    """A Keras callback that reports `kind` ("test" or "predict") batches and honours `stop`."""
    import keras

    class ProgressCallback(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.last = 0.0

        def _begin(self) -> None:
            if stop is not None and stop.is_set():
                setattr(self.model, "stop_evaluating" if kind == "test" else "stop_predicting",
                        True)

        def _end(self, batch: int) -> None:
            steps = self.params.get("steps") if self.params else None
            now = time.perf_counter()
            if on_progress is not None and (now - self.last >= PROGRESS_INTERVAL_S
                                            or batch + 1 == steps):
                self.last = now
                on_progress(batch + 1, steps)

        def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
            self._begin()

        def on_predict_batch_begin(self, batch: int, logs: Any = None) -> None:
            self._begin()

        def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
            self._end(batch)

        def on_predict_batch_end(self, batch: int, logs: Any = None) -> None:
            self._end(batch)

    return ProgressCallback()


def _check(stop: threading.Event | None, what: str) -> None:
    if stop is not None and stop.is_set():
        raise Cancelled(f"{what} stopped; nothing was kept", where=CANCELLED)


def evaluate(model: Any, arrays: Any, batch_size: int = 32, *, on_progress: Progress | None = None,
             stop: threading.Event | None = None) -> dict[str, float]:
    """core.training.evaluate with progress; raises Cancelled when stopped (a partial score is
    never returned)."""
    from kerasgui.core import training

    _check(stop, "Evaluating")
    result = training.evaluate(model, arrays, batch_size,
                               callbacks=[_callback("test", on_progress, stop)])
    _check(stop, "Evaluating")
    return result


def predict(model: Any, x: Any, batch_size: int = 32, *, on_progress: Progress | None = None,
            stop: threading.Event | None = None) -> np.ndarray:
    """core.training.predict with progress; raises Cancelled when stopped."""
    from kerasgui.core import training

    _check(stop, "Predicting")
    y = training.predict(model, x, batch_size, callbacks=[_callback("predict", on_progress, stop)])
    _check(stop, "Predicting")
    return y


def model_architecture(model: Any) -> dict[str, Any]:
    """A project's `model` value for a Keras model, so it can be edited and retrained:
    {"layers": [compact configs]} for a Sequential model whose layers the catalog knows, else the
    whole Keras config (keras.saving.serialize_keras_object, without its compile settings)."""
    import keras

    from kerasgui.core import catalog

    if isinstance(model, keras.Sequential):
        try:
            layers = [{"class_name": c["class_name"],
                       "config": catalog.compact_config(c["class_name"], c["config"])}
                      for c in model.get_config()["layers"]]
            return {"layers": layers}
        except Exception:  # a nested model, or a layer outside keras.layers: keep the whole config
            pass
    config: dict[str, Any] = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    return config



def compile_settings(model: Any) -> dict[str, Any] | None:
    """A project's `compile` value from the settings a Keras model was compiled with (a loaded
    .keras file keeps them): {"optimizer", "loss", "metrics"}, each a name or a compact
    {"class_name", "config"}. None when the model was saved uncompiled, or with several outputs'
    losses, or with a loss or metric defined outside Keras (its file is not known here)."""
    config = (model.get_compile_config() if getattr(model, "compiled", False) else None) or {}
    loss, metrics = config.get("loss"), config.get("metrics") or []
    if loss is None or not isinstance(metrics, list | tuple):
        return None
    try:
        optimizer = _plain_spec(config.get("optimizer") or "rmsprop")
        if isinstance(optimizer, dict):  # its name changes no number (Keras re-spells it on load)
            optimizer["config"].pop("name", None)
        return {"optimizer": optimizer,
                "loss": _plain_spec(loss),
                "metrics": [_plain_spec(m) for m in metrics]}
    except ValueError:
        return None


def _plain_spec(spec: Any) -> Any:
    """A name, or {"class_name", "config"} with only the arguments that differ from the class's
    defaults, for one serialized Keras optimizer, loss or metric; ValueError for anything else."""
    import keras

    if isinstance(spec, str):
        return spec
    if not isinstance(spec, dict) or not str(spec.get("module") or "").startswith("keras"):
        raise ValueError(spec)
    if spec.get("class_name") == "function":  # a built-in loss or metric function, by name
        return spec["config"]
    config = {k: _short_float(v) for k, v in (spec.get("config") or {}).items()}
    try:
        default = type(keras.saving.deserialize_keras_object(spec)).from_config({}).get_config()
    except Exception:
        default = {}
    return {"class_name": spec["class_name"],
            "config": {k: v for k, v in config.items() if k not in default or default[k] != v}}



def _short_float(v: Any) -> Any:
    """A float Keras kept as float32 (an optimizer's learning rate: 0.009999999776482582) as its
    shortest float32 spelling (0.01), which is the same float32; anything else as it is."""
    if isinstance(v, float) and math.isfinite(v) and float(np.float32(v)) == v:
        return float(str(np.float32(v)))
    return v


@dataclass
class Outcome:
    """What an Evaluate or Predict job returns (plain data: numbers, strings, NumPy arrays)."""

    kind: str                        # "evaluate" or "predict"
    source: str                      # the data file's name, for labels
    path: str                        # the data file
    n: int
    rows: np.ndarray                 # file row number of each sample
    metrics: dict[str, float] = field(default_factory=dict)
    table: Any = None                # core.predictions.Predictions
    inspection: Any = None           # core.inspect.Classification | Regression | None
    inspect_note: str | None = None  # why there is no inspection
    inputs: tuple[list[str], list[np.ndarray]] = ([], [])
    actual: list[tuple[str, np.ndarray]] = field(default_factory=list)


def samples(n: int) -> str:
    return f"{n:,} sample{'s' if n != 1 else ''}"


def run(kind: str, model: Any, schema: Any, spec: dict[str, Any], base: Path, batch_size: int,
        *, stop: threading.Event | None = None,
        emit: Callable[[dict[str, Any]], None] | None = None) -> Outcome:
    """What the window's Evaluate ("evaluate") and Predict ("predict") run in their worker: load
    the data as the model was trained, evaluate (and predict, to inspect the errors) or predict.
    `emit` gets {"type": "stage", "text"} and {"type": "progress", "done", "total", "text"}."""
    from kerasgui.core import inspect as ins
    from kerasgui.core.predictions import predictions_table

    emit = emit or (lambda e: None)

    path = Path(base) / str(spec.get("path") or spec.get("inputs"))
    source = path.name
    emit({"type": "stage", "text": f"Loading {source}…"})
    arrays = load_for_model(spec, base, schema, need_targets=kind == "evaluate")
    n = len(arrays)

    def progress(what: str) -> Any:
        return lambda done, total: emit({"type": "progress", "done": done, "total": total,
                                         "text": what})

    out = Outcome(kind, source, str(path), n, np.asarray(arrays.rows))
    if kind == "evaluate":
        emit({"type": "stage", "text": f"Evaluating on {samples(n)}…"})
        out.metrics = evaluate(model, arrays, batch_size, stop=stop,
                                       on_progress=progress(f"Evaluating {source}"))
    emit({"type": "stage", "text": f"Predicting {samples(n)}…"})
    y = predict(model, arrays.x, batch_size, stop=stop,
                        on_progress=progress(f"Predicting {source}"))
    table_schema = arrays.schema
    out.table = predictions_table(y, table_schema)
    out.inputs = ins.input_columns(arrays.x, table_schema)
    if arrays.y is not None:
        names = table_schema.class_names
        try:
            out.inspection = ins.inspect(arrays.y, y, names, list(table_schema.targets))
        except UserError as e:
            out.inspect_note = e.message
        yt = np.asarray(arrays.y)
        if names:
            out.actual = [("actual", np.asarray(names, dtype=object)[yt.reshape(-1)])]
        else:
            flat = yt.reshape(len(yt), -1)
            tn = list(table_schema.targets)
            if len(tn) != flat.shape[1]:
                tn = ["actual"] if flat.shape[1] == 1 else [f"actual_{j}"
                                                           for j in range(flat.shape[1])]
            else:
                tn = [f"actual_{t}" for t in tn]
            out.actual = [(t, flat[:, j]) for j, t in enumerate(tn)]
    return out
