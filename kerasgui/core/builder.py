"""Project → keras.Model; each layer's output shape and parameter count, or the first layer that
does not fit and why; checks that the loss and the last layer fit the targets."""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kerasgui.core.errors import ModelError

if TYPE_CHECKING:
    from kerasgui.core.data import Arrays
    from kerasgui.core.project import Project


# Making layers draws from Keras's global random state: a seeded build holds this lock so that a
# summary computed at the same time (the window's live summary) cannot draw in between.
BUILD_LOCK = threading.RLock()


@dataclass
class LayerRow:
    index: int
    name: str
    class_name: str
    output_shape: tuple[int | None, ...] | None
    params: int
    trainable: int


@dataclass
class Summary:
    rows: list[LayerRow] = field(default_factory=list)
    total: int = 0
    trainable: int = 0
    non_trainable: int = 0
    problem: ModelError | None = None
    input_shape: tuple[int, ...] | None = None

    @property
    def output_shape(self) -> tuple[int | None, ...] | None:
        return self.rows[-1].output_shape if self.rows and self.problem is None else None


def format_count(n: int) -> str:
    """1185 → '1,185', as Keras's summary writes it."""
    return f"{n:,}"


def format_shape(shape: tuple[int | None, ...] | None) -> str:
    if shape is None:
        return "?"
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def rank_hint(input_shape: tuple[int, ...] | None) -> str:
    """The layer the data's rank suggests (the seed note, section 3.1)."""
    if input_shape is None:
        return "Load training data to see each layer's output shape."
    rank = len(input_shape) + 1
    shape = format_shape((None, *input_shape))
    if rank == 2:
        return f"Inputs {shape} are rank 2 (samples, features): start with Dense layers."
    if rank == 3:
        return (
            f"Inputs {shape} are rank 3 (samples, timesteps, features): start with an LSTM, GRU "
            "or Conv1D layer."
        )
    if rank == 4:
        return (
            f"Inputs {shape} are rank 4 (samples, height, width, channels): start with Conv2D "
            "layers, then Flatten or GlobalAveragePooling2D before Dense."
        )
    return f"Inputs {shape} are rank {rank}: start with Conv3D or reshape them."


RANK_NEEDS = {
    3: "(samples, timesteps, features)",
    4: "(samples, height, width, channels)",
    5: "(samples, depth, height, width, channels)",
    2: "(samples, features)",
}


def _plain(msg: str) -> str:
    """Keras's message in plain words, on one line."""
    text = str(msg).strip()
    if "Exception encountered:" in text:  # a deserialization error wrapping the real one
        text = text.split("Exception encountered:", 1)[1].strip()
    m = re.search(r"expected (?:min_)?ndim=(\d+), found ndim=(\d+)", text)
    if m:
        need, got = int(m.group(1)), int(m.group(2))
        layout = RANK_NEEDS.get(need, "")
        return f"it needs inputs of rank {need} {layout}, but gets rank {got}; " + (
            "add a Reshape layer or load data of that shape"
            if need > got
            else "add Flatten or GlobalAveragePooling before it"
        )
    m = re.search(r"Unrecognized keyword arguments passed to (\w+): \{'?([^':]+)", text)
    if m:
        return f"{m.group(1)} has no argument {m.group(2)!r}"
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.startswith("Exception encountered when calling")
    ]
    return (lines[0] if lines else "it failed").rstrip(".")


def make_layer(layer: dict[str, Any], where: str) -> Any:
    """A Keras layer from a project layer config; ModelError naming `where` when it cannot be
    made."""
    from kerasgui.core import catalog

    class_name = layer.get("class_name", "")
    module = layer.get("module")
    if module is not None and not str(module).startswith("keras"):
        raise ModelError(
            f"{where}: the layer {class_name} comes from the module {module!r}, which is "
            "not part of Keras; only Keras's own layers can be used",
            where=where,
        )
    try:
        return catalog.make_layer(class_name, dict(layer.get("config") or {}))
    except ModelError as e:
        inner = e.where if e.where and e.where != "config" else None
        path = (
            f"{where}.class_name"
            if inner == "class_name"
            else f"{where}.config.{inner}"
            if inner
            else where
        )
        raise ModelError(f"{where} ({class_name}): {e.message}", where=path) from None


def stack_input_shape(project: Project) -> tuple[int, ...] | None:
    """The per-sample input shape an InputLayer at the top of the stack declares, if any."""
    if not project.is_stack or not project.layers:
        return None
    first = project.layers[0]
    if first.get("class_name") != "InputLayer":
        return None
    cfg = first.get("config") or {}
    if cfg.get("batch_shape"):
        return tuple(cfg["batch_shape"][1:])
    if cfg.get("shape"):
        return tuple(cfg["shape"])
    if cfg.get("batch_input_shape"):
        return tuple(cfg["batch_input_shape"][1:])
    return None


def _counts(layer: Any) -> tuple[int, int]:
    import numpy as np

    total = int(sum(np.prod(w.shape) for w in layer.weights))
    trainable = int(sum(np.prod(w.shape) for w in layer.trainable_weights))
    return total, trainable


def _shape_of(t: Any) -> tuple[int | None, ...] | None:
    shape = getattr(t, "shape", None)
    return tuple(shape) if shape is not None else None


def summarize(project: Project, input_shape: tuple[int, ...] | None = None) -> Summary:
    with BUILD_LOCK:
        return _summarize(project, input_shape)


def _summarize(project: Project, input_shape: tuple[int, ...] | None = None) -> Summary:
    """Each layer's output shape and parameters. Never raises for a bad stack: the first layer that
    does not fit is `problem`, with `where` = "model.layers[i]" and the reason in plain words."""
    import keras

    summary = Summary(input_shape=input_shape)
    if not project.is_stack:
        try:
            model = build_model(project, input_shape)
        except ModelError as e:
            summary.problem = e
            return summary
        for i, layer in enumerate(model.layers):
            total, trainable = _counts(layer)
            summary.rows.append(
                LayerRow(
                    i, layer.name, type(layer).__name__, _shape_of(layer.output), total, trainable
                )
            )
        _totals(summary)
        return summary

    declared = stack_input_shape(project)
    shape = declared if declared is not None else input_shape
    summary.input_shape = shape
    x = keras.Input(shape=shape) if shape is not None else None
    for i, cfg in enumerate(project.layers):
        where = f"model.layers[{i}]"
        try:
            layer = make_layer(cfg, where)
        except ModelError as e:
            e.index = i  # type: ignore[attr-defined]
            summary.problem = e
            break
        if cfg.get("class_name") == "InputLayer":
            if i != 0:
                summary.problem = _problem(i, f"{where}: an InputLayer can only be the first layer")
                break
            summary.rows.append(
                LayerRow(i, layer.name, "InputLayer", (None, *shape) if shape else None, 0, 0)
            )
            continue
        if x is None:
            summary.rows.append(LayerRow(i, layer.name, cfg["class_name"], None, 0, 0))
            continue
        try:
            x = layer(x)
        except Exception as e:
            summary.problem = _problem(
                i,
                f"{where} ({cfg['class_name']}) does not fit its input "
                f"{format_shape(_shape_of(x))}: {_plain(str(e))}",
            )
            break
        if isinstance(x, (list, tuple)):  # e.g. an RNN returning states: the stack uses the output
            x = x[0]
        total, trainable = _counts(layer)
        summary.rows.append(
            LayerRow(i, layer.name, cfg["class_name"], _shape_of(x), total, trainable)
        )
    _totals(summary)
    return summary


def _problem(i: int, message: str) -> ModelError:
    e = ModelError(message, where=f"model.layers[{i}]")
    e.index = i  # type: ignore[attr-defined]
    return e


def _totals(summary: Summary) -> None:
    summary.total = sum(r.params for r in summary.rows)
    summary.trainable = sum(r.trainable for r in summary.rows)
    summary.non_trainable = summary.total - summary.trainable


def build_model(project: Project, input_shape: tuple[int, ...] | None) -> Any:
    with BUILD_LOCK:
        return _build_model(project, input_shape)


def _build_model(project: Project, input_shape: tuple[int, ...] | None) -> Any:
    """A keras.Model for the project. A stack without an InputLayer takes `input_shape` (per
    sample)."""
    import keras

    if not project.is_stack:
        from kerasgui.core.model_file import check_config_is_safe

        check_config_is_safe(project.model, "model")
        try:
            config = copy.deepcopy(project.model)  # Keras empties the dict it is given
            return keras.saving.deserialize_keras_object(config, safe_mode=True)
        except Exception as e:
            raise ModelError(
                f"model: the Keras model config does not load: {_plain(str(e))}", where="model"
            ) from None
    if not project.layers:
        raise ModelError(
            "the model has no layers: add at least one (e.g. Dense)", where="model.layers"
        )
    declared = stack_input_shape(project)
    if declared is None and input_shape is None:
        raise ModelError(
            "the model's input shape is unknown: load training data or start the stack "
            "with an InputLayer",
            where="model.layers",
        )
    layers = [make_layer(cfg, f"model.layers[{i}]") for i, cfg in enumerate(project.layers)]
    if declared is None:
        layers.insert(0, keras.Input(shape=tuple(input_shape or ())))
    try:
        return keras.Sequential(layers, name=_model_name(project.name))
    except Exception:
        # Find the first layer that does not fit, with its reason.
        problem = summarize(project, input_shape).problem
        if problem is not None:
            raise problem from None
        raise


def _model_name(name: str) -> str:
    clean = re.sub(r"\W+", "_", name).strip("_")
    return clean or "model"


# ---- does the loss fit the output and the targets? ----------------------------------------------
SPARSE = {
    "sparse_categorical_crossentropy",
    "SparseCategoricalCrossentropy",
    "sparse_categorical_hinge",
}
CATEGORICAL = {
    "categorical_crossentropy",
    "CategoricalCrossentropy",
    "categorical_focal_crossentropy",
    "CategoricalFocalCrossentropy",
    "categorical_hinge",
    "CategoricalHinge",
    "kl_divergence",
    "KLDivergence",
    "kld",
}
BINARY = {
    "binary_crossentropy",
    "BinaryCrossentropy",
    "binary_focal_crossentropy",
    "BinaryFocalCrossentropy",
    "hinge",
    "squared_hinge",
    "Hinge",
    "SquaredHinge",
}


def loss_name(loss: Any) -> str | None:
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return loss.get("class_name") or loss.get("name")
    return None


def check_targets(project: Project, model: Any, train: Arrays) -> None:
    """Raise ModelError when the loss, the last layer's output and the targets do not fit
    together."""
    y = train.y
    if y is None:
        return
    name = loss_name(project.compile.get("loss"))
    out = tuple(model.output_shape) if hasattr(model, "output_shape") else None
    if out is None or isinstance(out[0], tuple):
        return
    last = f"model.layers[{len(project.layers) - 1}]" if project.is_stack else "model"
    out_width = out[-1]
    class_names = train.schema.class_names
    n_classes = len(class_names) if class_names else None
    if name in SPARSE:
        if y.ndim == 2 and y.shape[1] > 1:
            raise ModelError(
                f"compile.loss {name} needs one column of class indices, but the targets "
                f"have {y.shape[1]} columns; use categorical_crossentropy for one-hot "
                "targets",
                where="compile.loss",
            )
        if n_classes is None:
            if not _integer_valued(y):
                raise ModelError(
                    f"compile.loss {name} needs whole-number class labels, but the "
                    "targets hold fractions; use a regression loss such as "
                    "mean_squared_error",
                    where="compile.loss",
                )
            n_classes = int(y.max()) + 1
        if out_width != n_classes:
            raise ModelError(
                f"{last} outputs {out_width} value{'s' if out_width != 1 else ''} per "
                f"sample but the targets have {n_classes} classes: set its units to "
                f"{n_classes} (with activation softmax) for {name}",
                where=last,
            )
        return
    if len(out) > 2 and y.ndim <= 2:
        raise ModelError(
            f"{last} outputs {format_shape(out)} per batch but the targets are one row "
            "per sample: add Flatten or GlobalAveragePooling before the last Dense "
            "layer",
            where=last,
        )
    y_width = 1 if y.ndim == 1 else y.shape[-1]
    if name in CATEGORICAL and y.ndim == 1:
        raise ModelError(
            f"compile.loss {name} needs one-hot targets, but the targets are class "
            "indices: use sparse_categorical_crossentropy",
            where="compile.loss",
        )
    if name in BINARY and n_classes is not None and n_classes > 2:
        raise ModelError(
            f"compile.loss {name} is for two classes, but the targets have {n_classes} "
            f"({', '.join((class_names or [])[:5])}{', ...' if n_classes > 5 else ''}): use "
            "sparse_categorical_crossentropy with a softmax output of "
            f"{n_classes} units",
            where="compile.loss",
        )
    if name in BINARY and not ((y >= 0) & (y <= 1)).all():
        raise ModelError(
            f"compile.loss {name} needs targets between 0 and 1, but they range from "
            f"{float(y.min()):g} to {float(y.max()):g}",
            where="compile.loss",
        )
    if out_width != y_width and name is not None:
        if n_classes is not None and y.ndim == 1:
            raise ModelError(
                f"{last} outputs {out_width} values per sample but the targets are one "
                f"class index ({n_classes} classes): use "
                "sparse_categorical_crossentropy, or set the last layer's units to 1",
                where=last,
            )
        raise ModelError(
            f"{last} outputs {out_width} value{'s' if out_width != 1 else ''} per "
            f"sample but there {'is' if y_width == 1 else 'are'} {y_width} target "
            f"column{'s' if y_width != 1 else ''}: set its units to {y_width}",
            where=last,
        )


def _integer_valued(y: Any) -> bool:
    import numpy as np

    return bool(np.all(np.mod(y, 1) == 0) and np.all(y >= 0))
