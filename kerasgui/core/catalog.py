"""What can be chosen: layers, optimizers, losses, metrics, activations and callbacks.

Everything is read from Keras itself (the classes it exports, their ``__init__`` signatures,
defaults and docstrings) plus small hint tables for what a signature does not say: which arguments a
form must ask for, which values a field may take. Keras is imported inside the functions and the
results are cached, so importing this module costs nothing until a palette or form is needed.
"""

from __future__ import annotations

import copy
import difflib
import functools
import inspect
import re
from dataclasses import dataclass
from typing import Any

from kerasgui.core.errors import ModelError

__all__ = [
    "GROUPS",
    "LAYER_GROUPS",
    "Arg",
    "activation_names",
    "callback_args",
    "callback_names",
    "compact_config",
    "layer_args",
    "layer_doc",
    "layer_group",
    "layer_groups",
    "layer_names",
    "loss_names",
    "make_layer",
    "metric_names",
    "optimizer_args",
    "optimizer_names",
    "suggest_losses",
]

# Computed from Keras on first access (module __getattr__ below): group -> names, common first.
LAYER_GROUPS: dict[str, list[str]]

GROUPS = (
    "core", "convolution", "pooling", "recurrent", "normalization", "regularization",
    "reshaping", "merging", "attention", "preprocessing", "activation", "other",
)

# The layers people reach for first, in the order the palette shows them.
COMMON_LAYERS = (
    "Dense", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "Flatten", "Dropout",
    "BatchNormalization", "LSTM", "GRU", "Embedding", "Normalization", "Activation",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "AveragePooling1D", "AveragePooling2D", "SimpleRNN", "Bidirectional", "LayerNormalization",
    "Reshape", "Concatenate", "Add", "MultiHeadAttention", "Attention", "Rescaling",
    "Conv2DTranspose", "SeparableConv2D", "UpSampling2D", "ZeroPadding2D", "TimeDistributed",
    "SpatialDropout1D", "GaussianNoise", "RepeatVector", "Permute", "Masking", "ReLU", "LeakyReLU",
    "Softmax",
)

# keras.src.layers.<package> -> group.
_PACKAGE_GROUPS = {
    "core": "core", "convolutional": "convolution", "pooling": "pooling", "rnn": "recurrent",
    "normalization": "normalization", "regularization": "regularization",
    "reshaping": "reshaping", "merging": "merging", "attention": "attention",
    "preprocessing": "preprocessing", "activations": "activation",
}

# Where the module path puts a layer somewhere a person would not look for it.
GROUP_OVERRIDES = {
    "Normalization": "normalization",  # a preprocessing layer in Keras; it scales features
    "Wrapper": "other",
}

# Known (layer_group, layer_args and make_layer accept them) but not offered in the palette.
NOT_IN_PALETTE = {
    "InputLayer": "the input shape comes from the data or the model",
    "Layer": "the abstract base class",
    "Wrapper": "the abstract base class of wrappers",
    "Lambda": "it holds Python code",
    "TFSMLayer": "it loads a TensorFlow SavedModel from a path (TensorFlow backend only)",
    "FlaxLayer": "it wraps a Flax module object",
    "JaxLayer": "it wraps JAX functions",
    "TorchModuleWrapper": "it wraps a PyTorch module object",
}

# make_layer refuses these: their config carries code that kerasgui does not run.
REFUSED_LAYERS = {"Lambda": "Lambda layers hold Python code, which kerasgui does not run. "
                            "Use a built-in layer (Activation, Rescaling, Reshape, ...) instead."}

# Arguments a form does not show.
SKIP_ARGS = frozenset({
    "self", "name", "dtype", "trainable", "autocast", "input_shape", "batch_input_shape",
    "input_tensor", "quantization_config", "gptq_unpacked_column_size", "weights",
    "reverse_dtype",
})

KINDS = ("int", "float", "bool", "str", "choice", "shape", "json")

_DATA_FORMATS: list[str | None] = [None, "channels_last", "channels_first"]

# What signatures do not say. Keys are "Class.arg" (one class) or "arg" (every layer).
# "kind", "choices", "required" override what the signature and docstring suggest.
LAYER_HINTS: dict[str, dict[str, Any]] = {
    "units": {"kind": "int", "required": True},
    "filters": {"kind": "int", "required": True},
    "kernel_size": {"kind": "shape", "required": True},
    "strides": {"kind": "shape"},
    "pool_size": {"kind": "shape"},
    "dilation_rate": {"kind": "shape"},
    "output_padding": {"kind": "shape"},
    "noise_shape": {"kind": "shape"},
    "output_size": {"kind": "shape", "required": True},
    "size": {"kind": "shape"},
    "cropping": {"kind": "shape"},
    "target_shape": {"kind": "shape", "required": True},
    "dims": {"kind": "shape", "required": True},
    "axes": {"kind": "shape", "required": True},
    "shared_axes": {"kind": "shape"},
    "attention_axes": {"kind": "shape"},
    "n": {"kind": "int", "required": True},
    "rate": {"kind": "float", "required": True},
    "stddev": {"kind": "float", "required": True},
    "input_dim": {"kind": "int", "required": True},
    "output_dim": {"kind": "int", "required": True},
    "num_heads": {"kind": "int", "required": True},
    "key_dim": {"kind": "int", "required": True},
    "value_dim": {"kind": "int"},
    "head_dim": {"kind": "int", "required": True},
    "num_query_heads": {"kind": "int", "required": True},
    "num_key_value_heads": {"kind": "int", "required": True},
    "seed": {"kind": "int"},
    "layer": {"kind": "json", "required": True},
    "backward_layer": {"kind": "json"},
    "cell": {"kind": "json", "required": True},
    "cells": {"kind": "json", "required": True},
    "layers": {"kind": "json", "required": True},
    "data_format": {"kind": "choice", "choices": _DATA_FORMATS},
    "padding": {"kind": "choice", "choices": ["valid", "same"]},
    "Conv1D.padding": {"kind": "choice", "choices": ["valid", "same", "causal"]},
    "ZeroPadding1D.padding": {"kind": "shape"},
    "ZeroPadding2D.padding": {"kind": "shape"},
    "ZeroPadding3D.padding": {"kind": "shape"},
    "Bidirectional.merge_mode": {"kind": "choice",
                                 "choices": ["concat", "sum", "mul", "ave", None]},
    "Rescaling.scale": {"kind": "float", "required": True},
    "Rescaling.offset": {"kind": "float"},
    "Normalization.axis": {"kind": "json"},
    "LayerNormalization.axis": {"kind": "json"},
    "Normalization.mean": {"kind": "json"},
    "Normalization.variance": {"kind": "json"},
    "Activation.activation": {"kind": "choice", "required": True},
    "EinsumDense.equation": {"kind": "str", "required": True},
    "EinsumDense.output_shape": {"kind": "shape", "required": True},
    "factor": {"kind": "json"},
    "height_factor": {"kind": "json"},
    "width_factor": {"kind": "json"},
    "value_range": {"kind": "json"},
    "height": {"kind": "int", "required": True},
    "width": {"kind": "int", "required": True},
    "Dot.axes": {"kind": "json", "required": True},
    "CategoryEncoding.num_tokens": {"kind": "int", "required": True},
    "max_tokens": {"kind": "int"},
    "output_sequence_length": {"kind": "int"},
    "InputLayer.shape": {"kind": "shape"},
    "InputLayer.batch_size": {"kind": "int"},
    "InputLayer.batch_shape": {"kind": "json"},
    "InputLayer.sparse": {"kind": "bool"},
    "InputLayer.ragged": {"kind": "bool"},
}

# For layers whose class has no docstring of its own (getdoc would give the base class's).
DOC_OVERRIDES = {
    "InputLayer": "The model's input: the shape of one sample, without the batch dimension.",
}

OPTIMIZER_HINTS: dict[str, dict[str, Any]] = {
    "learning_rate": {"kind": "float"},
    "weight_decay": {"kind": "float"},
    "clipnorm": {"kind": "float"},
    "clipvalue": {"kind": "float"},
    "global_clipnorm": {"kind": "float"},
    "loss_scale_factor": {"kind": "float"},
    "ema_overwrite_frequency": {"kind": "int"},
    "gradient_accumulation_steps": {"kind": "int"},
    "exclude_layers": {"kind": "json"},
}

CALLBACK_HINTS: dict[str, dict[str, Any]] = {
    "monitor": {"kind": "str"},
    "mode": {"kind": "choice", "choices": ["auto", "min", "max"]},
    "filepath": {"kind": "str", "required": True},
    "filename": {"kind": "str", "required": True},
    "backup_dir": {"kind": "str", "required": True},
    "log_dir": {"kind": "str"},
    "baseline": {"kind": "float"},
    "initial_value_threshold": {"kind": "float"},
    "save_freq": {"kind": "json"},
    "update_freq": {"kind": "json"},
    "profile_batch": {"kind": "json"},
    "embeddings_metadata": {"kind": "json"},
}

COMMON_OPTIMIZERS = ("Adam", "SGD", "RMSprop", "AdamW", "Nadam", "Adagrad", "Adadelta", "Adamax")
COMMON_LOSSES = (
    "mean_squared_error", "mean_absolute_error", "binary_crossentropy",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "huber", "log_cosh",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "hinge", "squared_hinge",
    "categorical_hinge", "kl_divergence", "poisson", "cosine_similarity",
)
COMMON_METRICS = (
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "mean_absolute_error", "mean_squared_error", "AUC", "Precision", "Recall",
    "RootMeanSquaredError", "R2Score", "F1Score", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
)
COMMON_ACTIVATIONS = (
    "relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "swish", "silu",
    "softplus", "softsign", "leaky_relu", "relu6", "mish", "exponential", "hard_sigmoid",
)
COMMON_INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
    "zeros", "ones", "random_normal", "random_uniform", "truncated_normal", "orthogonal",
    "variance_scaling", "constant", "identity",
)
COMMON_CALLBACKS = (
    "EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "TerminateOnNaN", "BackupAndRestore",
    "CSVLogger", "TensorBoard", "SwapEMAWeights",
)
# Callbacks a project file cannot describe (they take Python functions, talk to the network,
# are Keras's own machinery, or need a package kerasgui does not install).
EXCLUDED_CALLBACKS = frozenset({
    "Callback", "CallbackList", "History", "ProgbarLogger", "LambdaCallback",
    "LearningRateScheduler", "RemoteMonitor", "OrbaxCheckpoint",
})
# Metric classes that are aggregators or bases rather than metrics to pick.
EXCLUDED_METRICS = frozenset({"Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy"})
REGRESSION_LOSSES = ("mean_squared_error", "mean_absolute_error", "huber", "log_cosh",
                     "mean_absolute_percentage_error", "mean_squared_logarithmic_error")


@dataclass
class Arg:
    """One field of a form. ``default`` is JSON-able; ``choices`` may hold None, meaning "leave
    unset (Keras's default)"; the value of an initializer/regularizer/constraint field may also be a
    ``{"class_name", "config"}`` dict. "shape" takes an int or a list of ints; "json" any JSON."""

    name: str
    kind: str
    default: Any = None
    required: bool = False
    choices: list[Any] | None = None
    doc: str = ""


def __getattr__(name: str) -> Any:
    if name == "LAYER_GROUPS":
        groups = layer_groups()
        globals()["LAYER_GROUPS"] = groups
        return groups
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _keras() -> Any:
    import keras

    return keras


def _natural(name: str) -> list[Any]:
    """Sort key that puts Conv2D before Conv10D and compares words case-insensitively."""
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", name)]


def _close(name: str, options: list[str], n: int = 3) -> list[str]:
    lower = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(name.lower(), list(lower), n=n, cutoff=0.6)
    return [lower[h] for h in hits]


def _did_you_mean(name: str, options: list[str]) -> str:
    close = _close(name, options)
    return f" Did you mean {', '.join(close)}?" if close else ""


# ---------------------------------------------------------------------------------------------
# Layers


@functools.cache
def _registry() -> tuple[dict[str, type], dict[str, str]]:
    """(canonical name -> class, every exported name and class __name__ -> canonical name)."""
    keras = _keras()
    names_of: dict[type, list[str]] = {}
    for name in dir(keras.layers):
        obj = getattr(keras.layers, name)
        if (not name.startswith("_") and inspect.isclass(obj)
                and issubclass(obj, keras.layers.Layer)):
            names_of.setdefault(obj, []).append(name)
    classes: dict[str, type] = {}
    aliases: dict[str, str] = {}
    for cls, names in names_of.items():
        canonical = cls.__name__ if cls.__name__ in names else min(names, key=lambda n: (len(n), n))
        classes[canonical] = cls
        for alias in [*names, cls.__name__]:
            aliases.setdefault(alias, canonical)
    return classes, aliases


def _resolve(class_name: str) -> tuple[str, type]:
    classes, aliases = _registry()
    canonical = aliases.get(class_name) if isinstance(class_name, str) else None
    if canonical is None:
        raise ModelError(
            f"Unknown layer class {class_name!r}.{_did_you_mean(str(class_name), list(classes))}",
            where="class_name",
        )
    return canonical, classes[canonical]


def _custom_objects() -> dict[str, Any]:
    """Every layer under each of its names, so nested {"class_name", "config"} dicts resolve
    without the "module" key that Keras 3 otherwise asks for."""
    classes, aliases = _registry()
    return {alias: classes[canonical] for alias, canonical in aliases.items()}


def _group_of(canonical: str, cls: type) -> str:
    if canonical in GROUP_OVERRIDES:
        return GROUP_OVERRIDES[canonical]
    parts = cls.__module__.split(".")
    if parts[:3] == ["keras", "src", "layers"] and len(parts) > 3:
        return _PACKAGE_GROUPS.get(parts[3], "other")
    return "other"


def _common_rank(name: str) -> int:
    return COMMON_LAYERS.index(name) if name in COMMON_LAYERS else len(COMMON_LAYERS)


@functools.cache
def _groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    classes, _ = _registry()
    members: dict[str, list[str]] = {g: [] for g in GROUPS}
    for name, cls in classes.items():
        if name not in NOT_IN_PALETTE:
            members[_group_of(name, cls)].append(name)
    return tuple(
        (g, tuple(sorted(names, key=lambda n: (_common_rank(n), _natural(n)))))
        for g, names in members.items()
    )


def layer_groups() -> dict[str, list[str]]:
    """Palette groups in order (GROUPS), each with its layers, common ones first."""
    return {g: list(names) for g, names in _groups() if names}


@functools.cache
def _layer_names() -> tuple[str, ...]:
    grouped = [n for _, names in _groups() for n in names]
    return tuple(sorted(grouped, key=_common_rank))  # stable: group order after the common ones


def layer_names() -> list[str]:
    """Every layer class keras.layers exports (one name per class), common ones first."""
    return list(_layer_names())


def layer_group(class_name: str) -> str:
    """The palette group of a layer; aliases and InputLayer are known too."""
    canonical, cls = _resolve(class_name)
    return _group_of(canonical, cls)


def _paragraphs(text: str) -> str:
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in parts if p)


_SECTION = re.compile(r"^(\s*)(Args|Arguments|Parameters):\s*$")
_ENTRY = re.compile(r"^\**(\w+)(?:\s*\([^)]*\))?\s*:(.*)$")


@functools.cache
def _args_doc(doc: str) -> dict[str, str]:
    """The per-argument text of a Google-style docstring's Args: section."""
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if _SECTION.match(line)), None)
    if start is None:
        return {}
    section_indent = len(_SECTION.match(lines[start]).group(1))  # type: ignore[union-attr]
    out: dict[str, list[str]] = {}
    base: int | None = None
    current: str | None = None
    for line in lines[start + 1:]:
        if not line.strip():
            if current:
                out[current].append("")
            continue
        indent = len(line) - len(line.lstrip())
        if base is None:
            base = indent
        if indent <= section_indent or indent < base:
            break
        entry = _ENTRY.match(line.strip()) if indent == base else None
        if entry:
            current = entry.group(1)
            out[current] = [entry.group(2).strip()]
        elif indent == base:
            break
        elif current:
            out[current].append(line.strip())
    return {k: _paragraphs("\n".join(v)) for k, v in out.items()}


def _own_params(cls: type) -> list[inspect.Parameter]:
    try:
        params = inspect.signature(cls.__init__).parameters.values()  # type: ignore[misc]
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.name != "self"
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]


@functools.cache
def _defaults(cls: type) -> dict[str, Any]:
    """Default of every keyword the class accepts, following **kwargs up to the base classes."""
    out: dict[str, Any] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            break
        for p in params:
            if p.default is not p.empty:
                out.setdefault(p.name, p.default)
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            break
    return out


def _required(cls: type) -> list[str]:
    return [p.name for p in _own_params(cls) if p.default is p.empty]


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return None


_LEADING = re.compile(
    r"^(?:an?|optional|the|python|positive|non-negative|strictly|single|scalar|,|\s)+", re.I)


def _kind_from_doc(doc: str) -> str:
    text = _LEADING.sub("", doc.replace("`", "").lower())
    first = re.split(r"[.;]", text, maxsplit=1)[0]
    if re.match(r"(int|integer)s?\b", text):
        return "shape" if re.search(r"\b(tuple|list)\b", first) else "int"
    if re.match(r"(float|number)s?\b", text):
        return "float"
    if re.match(r"(bool|boolean)\b", text):
        return "bool"
    if re.match(r"(str|string)\b", text):
        return "str"
    return "json"


def _doc_choices(doc: str) -> list[str]:
    """Quoted names in the code spans of an argument's doc: `"valid"`, `{"constant", "wrap"}`."""
    found = [name for span in re.findall(r"`([^`]*)`", doc)
             for name in re.findall(r"[\"']([\w\-]+)[\"']", span)]
    return list(dict.fromkeys(found))


@functools.cache
def _object_names(kind: str) -> tuple[str, ...]:
    """snake_case names that keras.<kind>.get accepts: initializers, regularizers, constraints."""
    keras = _keras()
    module = getattr(keras, kind)
    names = []
    for name in dir(module):
        if name.startswith("_") or name != name.lower() or name in ("get", "serialize",
                                                                    "deserialize"):
            continue
        try:
            module.get(name)
        except Exception:
            continue
        names.append(name)
    common = COMMON_INITIALIZERS if kind == "initializers" else ()
    return tuple(sorted(names, key=lambda n: (common.index(n) if n in common else len(common),
                                              _natural(n))))


def _object_kind(name: str) -> str | None:
    """Which keras module resolves the value of an argument with this name."""
    if name.endswith("initializer"):
        return "initializers"
    if name.endswith("regularizer"):
        return "regularizers"
    if name.endswith("constraint"):
        return "constraints"
    if name == "activation" or name.endswith("_activation"):
        return "activations"
    return None


def _make_arg(owner: str, p: inspect.Parameter, doc: str, hints: dict[str, dict[str, Any]],
              layer: bool) -> Arg:
    specific = hints.get(f"{owner}.{p.name}", {})
    hint = {**hints.get(p.name, {}), **specific}
    has_default = p.default is not p.empty
    default = _jsonable(p.default) if has_default else None
    if "required" in specific:
        required = bool(specific["required"])
    else:  # a generic hint only promotes a None placeholder default to "required"
        required = not has_default or (bool(hint.get("required")) and p.default is None)
    kind: str | None = hint.get("kind")
    choices: list[Any] | None = hint.get("choices")
    object_kind = _object_kind(p.name) if layer else None
    if kind is None and object_kind is not None:
        kind = "choice"
    if kind == "choice" and choices is None and object_kind is not None:
        names = list(activation_names() if object_kind == "activations"
                     else _object_names(object_kind))
        allow_none = not required and (default is None
                                       or object_kind in ("regularizers", "constraints"))
        choices = [None, *names] if allow_none else names
    if kind is None:
        value = p.default if has_default else None
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, int):
            kind = "int"
        elif isinstance(value, float):
            kind = "float"
        elif isinstance(value, str):
            options = _doc_choices(doc) if layer else []
            if value in options and len(options) > 1:
                kind, choices = "choice", options
            else:
                kind = "str"
        elif isinstance(value, tuple | list):
            ints = all(isinstance(v, int) and not isinstance(v, bool) for v in value)
            kind = "shape" if value and ints else "json"
        else:
            kind = _kind_from_doc(doc)
    if kind != "choice":
        choices = None
    elif choices is not None:
        choices = list(choices)
        if isinstance(default, str) and default not in choices:
            choices.insert(0, default)
    return Arg(p.name, kind, default, required, choices, doc)


def _ordered(args: list[Arg], first: str | None = None) -> list[Arg]:
    return sorted(args, key=lambda a: (a.name != first, not a.required))


@functools.cache
def _layer_args(canonical: str) -> tuple[Arg, ...]:
    cls = _registry()[0][canonical]
    docs = _args_doc(inspect.getdoc(cls) or "")
    args = [_make_arg(canonical, p, docs.get(p.name, ""), LAYER_HINTS, True)
            for p in _own_params(cls) if p.name not in SKIP_ARGS]
    return tuple(_ordered(args))


def layer_args(class_name: str) -> list[Arg]:
    """The form of a layer: its arguments, required ones first, in signature order otherwise."""
    canonical, _ = _resolve(class_name)
    return copy.deepcopy(list(_layer_args(canonical)))


def layer_doc(class_name: str) -> str:
    """The first paragraph of the layer's docstring, on one line."""
    canonical, cls = _resolve(class_name)
    if canonical in DOC_OVERRIDES:
        return DOC_OVERRIDES[canonical]
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    return " ".join(re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0].split())


# ---------------------------------------------------------------------------------------------
# Making layers and compacting their configs


def _precheck(canonical: str, config: dict[str, Any]) -> None:
    """Catch form values of the wrong type, which Keras accepts silently or reports cryptically."""
    for arg in _layer_args(canonical):
        if arg.name not in config:
            continue
        value = config[arg.name]
        if not isinstance(value, str):
            continue
        if arg.kind in ("int", "float"):
            what = "an integer" if arg.kind == "int" else "a number"
            raise ModelError(f"{arg.name} must be {what}, got {value!r}", where=arg.name)
        if arg.kind == "bool":
            raise ModelError(f"{arg.name} must be true or false, got {value!r}", where=arg.name)
        if arg.kind == "shape" and not re.fullmatch(r"-?\d+", value.strip()):
            raise ModelError(f"{arg.name} must be an integer or a list of integers, got {value!r}",
                             where=arg.name)


def make_layer(class_name: str, config: dict[str, Any] | None = None) -> Any:
    """A Keras layer from its class name and (compact or full) config; ModelError(where=<arg>) with
    Keras's reason in plain words when a value is bad."""
    canonical, cls = _resolve(class_name)
    if canonical in REFUSED_LAYERS:
        raise ModelError(REFUSED_LAYERS[canonical], where="class_name")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ModelError(f"The config of {canonical} must be an object (a dict), got "
                         f"{type(config).__name__}", where="config")
    _precheck(canonical, config)
    try:
        return _from_config(cls, config)
    except Exception as exc:
        raise _reword(canonical, config, exc) from exc


def _from_config(cls: type, config: dict[str, Any]) -> Any:
    keras = _keras()
    with keras.saving.CustomObjectScope(_custom_objects()):
        try:
            return cls.from_config(copy.deepcopy(config))  # type: ignore[attr-defined]
        except KeyError:
            # Some from_config methods (Rescaling's) read keys a compact config leaves out.
            defaults = {p.name: p.default for p in _own_params(cls) if p.default is not p.empty}
            full = {**defaults, **copy.deepcopy(config)}
            return cls.from_config(full)  # type: ignore[attr-defined]


def _find_path(config: Any, key: str, prefix: str = "") -> str | None:
    """The key path of the first occurrence of `key` in a nested config, depth first."""
    if isinstance(config, dict):
        if key in config:
            return prefix + key
        for k, v in config.items():
            hit = _find_path(v, key, f"{prefix}{k}.")
            if hit:
                return hit
    elif isinstance(config, list):
        for i, v in enumerate(config):
            hit = _find_path(v, key, f"{prefix[:-1]}[{i}].")
            if hit:
                return hit
    return None


def _find_value_path(config: Any, kind: str, text: str, prefix: str = "") -> str | None:
    """The key path of an argument of this object kind whose value prints as `text`."""
    if isinstance(config, dict):
        for k, v in config.items():
            if _object_kind(k) == kind and str(v) == text:
                return prefix + k
        for k, v in config.items():
            hit = _find_value_path(v, kind, text, f"{prefix}{k}.")
            if hit:
                return hit
    return None


def _quote(value: str) -> str:
    value = value.strip()
    if re.fullmatch(r"-?[\d.]+(e-?\d+)?|None|True|False|[(\[].*[)\]]", value):
        return value
    return repr(value) if not value.startswith(("'", '"')) else value


_IDENTIFIER_KIND = {"activation function": "activations", "initializer": "initializers",
                    "regularizer": "regularizers", "constraint": "constraints"}


def _reword(canonical: str, config: dict[str, Any], exc: Exception) -> ModelError:
    msg = str(exc).strip()
    if "Exception encountered:" in msg:
        msg = msg.rsplit("Exception encountered:", 1)[1].strip()
    msg = " ".join(msg.split())
    arg_names = [a.name for a in _layer_args(canonical)]

    def err(text: str, key: str | None) -> ModelError:
        where = (_find_path(config, key) or key) if key else None
        return ModelError(text, where=where)

    m = re.search(r"(?:Unrecognized keyword arguments passed to \w+: \{'|"
                  r"unexpected keyword argument ')(\w+)'", msg)
    if m:
        key = m.group(1)
        return err(f"{canonical} has no argument {key!r}.{_did_you_mean(key, arg_names)}", key)
    m = re.search(r"missing \d+ required (?:positional |keyword-only )?arguments?: '(\w+)'", msg)
    if m:
        return err(f"{m.group(1)} is required for {canonical}", m.group(1))
    m = re.search(r"Could not interpret (activation function|initializer|regularizer|constraint) "
                  r"identifier: (.*)$", msg)
    if m:
        kind = _IDENTIFIER_KIND[m.group(1)]
        value = m.group(2).strip()
        names = list(activation_names() if kind == "activations" else _object_names(kind))
        where = _find_value_path(config, kind, value)
        noun = m.group(1).replace(" function", "")
        return ModelError(f"{value!r} is not a known {noun}.{_did_you_mean(value, names)}",
                          where=where)
    m = re.search(r"The `(\w+)` argument must be a tuple of (\d+) integers\. "
                  r"Received:? \w+=(.*?)(, including values .* that do not satisfy `value > 0`)?"
                  r"\.?$", msg)
    if m:
        key, n, value, positive = m.groups()
        one = "a positive integer" if positive else "an integer"
        many = f"a list of {n} {one.split(' ', 1)[1]}{'s' if n != '1' else ''}"
        return err(f"{key} must be {one} or {many}, got {_quote(value)}", key)
    m = re.search(r"The `(\w+)` argument must be (?:a list/tuple or )?one of \{(.*)\}\. "
                  r"Received:? (?:\w+=)?(.*?)\.?$", msg)
    if m:
        key, options, value = m.groups()
        return err(f"{key} must be one of {', '.join(sorted(options.replace(' ', '').split(',')))}"
                   f", got {_quote(value)}", key)
    m = (re.search(r"Received an invalid value for (?:argument )?`(\w+)`, expected (.*?)[.,] "
                   r"(?:Received: \w+=|got )(.*?)\.?$", msg)
         or re.search(r"Invalid value (?:received )?for argument `(\w+)`\. Expected (.*?)\.? "
                      r"Received:? \w+=(.*?)\.?$", msg)
         or re.search(r"`(\w+)` must be (.*?)\. Received:? \w+=(.*?)(?: \(of type \w+\))?\.?$",
                      msg))
    if m:
        key, expected, value = m.groups()
        expected = expected[0].lower() + expected[1:]
        return err(f"{key} must be {expected}, got {_quote(value)}", key)
    known = set(arg_names) | set(config)
    keys = ([k for k in re.findall(r"`(\w+)`", msg) if k in known]
            or [k for k in re.findall(r"\b(\w+)=", msg) if k in known]
            or [k for k in re.findall(r"\w+", msg) if k in known])
    text = re.sub(r"\.?\s*Received:?\s*(?:\w+=)?", ", got ", msg).replace("`", "").rstrip(".")
    if keys:
        return err(text, keys[0])
    return ModelError(f"{canonical} could not be made: {text}", where=None)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _norm(key: str, value: Any) -> Any:
    """A value in a form that compares equal however it was written (name, dict, tuple, list);
    a nested layer config compacted, so that generated layer names do not count."""
    nested = _nested_layer(value)
    if nested is not None:
        return nested
    kind = _object_kind(key)
    if kind is not None and value is not None:
        module = getattr(_keras(), kind)
        try:
            value = module.serialize(module.get(value))
        except Exception:
            pass
    return _plain(value)


def _simplify(key: str, value: Any) -> Any:
    """A full initializer/regularizer/constraint dict as its short name when they mean the same;
    a nested layer config compacted."""
    if not isinstance(value, dict):
        return _plain(value)
    kind = _object_kind(key)
    if kind in ("initializers", "regularizers", "constraints"):
        target = _norm(key, value)
        for name in _object_names(kind):
            if _norm(key, name) == target:
                return name
        short = {k: v for k, v in value.items() if k in ("class_name", "config")}
        if short != value and _norm(key, short) == target:
            return _plain(short)
    nested = _nested_layer(value)
    return nested if nested is not None else _plain(value)


def _nested_layer(value: Any) -> dict[str, Any] | None:
    """{"class_name", "config"} of a layer inside a layer (Bidirectional's), compacted."""
    if not (isinstance(value, dict) and isinstance(value.get("config"), dict)
            and value.get("class_name") in _registry()[1]):
        return None
    try:
        config = compact_config(value["class_name"], value["config"])
    except ModelError:
        return None
    return {"class_name": _registry()[1][value["class_name"]], "config": config}


def _dtype_name(value: Any) -> str | None:
    if isinstance(value, dict):
        value = (value.get("config") or {}).get("name")
    return value if isinstance(value, str) else None


def _reference_config(cls: type, config: dict[str, Any]) -> dict[str, Any] | None:
    """get_config() of the layer made from the required arguments only: the defaults as Keras
    records them (data_format resolved, initializers as dicts)."""
    required = _required(cls)
    if any(r not in config for r in required):
        return None
    try:
        return dict(_from_config(cls, {r: config[r] for r in required}).get_config())
    except Exception:
        return None


def compact_config(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Only the arguments that differ from their defaults: no name, no float32 dtype policy, no
    trainable=True. Making the layer from the result gives the same get_config() (name aside)."""
    _, cls = _resolve(class_name)
    defaults = _defaults(cls)
    required = set(_required(cls))
    reference = _reference_config(cls, config)
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key == "name" or (key == "trainable" and value is True):
            continue
        if key == "dtype":
            dtype = _dtype_name(value)
            if dtype is not None and dtype != _keras().config.floatx():
                out[key] = dtype
            continue
        if key not in required:
            normal = _norm(key, value)
            if key in defaults and normal == _norm(key, defaults[key]):
                continue
            if reference is not None and key in reference and normal == _norm(key, reference[key]):
                continue
        out[key] = _simplify(key, value)
    return out


# ---------------------------------------------------------------------------------------------
# Optimizers, losses, metrics, activations, callbacks


def _snake_names(module: Any, accept: Any) -> list[str]:
    names = []
    for name in dir(module):
        obj = getattr(module, name)
        if (name.startswith("_") or name != name.lower() or name in ("get", "serialize",
                                                                     "deserialize")
                or inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj)):
            continue
        try:
            accept(name)
        except Exception:
            continue
        names.append(name)
    return names


def _snake(name: str) -> str:
    """SparseTopKCategoricalAccuracy -> sparse_top_k_categorical_accuracy."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def _common_first(names: list[str], common: tuple[str, ...]) -> list[str]:
    return sorted(names, key=lambda n: (common.index(n) if n in common else len(common),
                                        _natural(n)))


@functools.cache
def _optimizers() -> dict[str, type]:
    keras = _keras()
    out = {}
    for name in dir(keras.optimizers):
        obj = getattr(keras.optimizers, name)
        if (inspect.isclass(obj) and issubclass(obj, keras.optimizers.Optimizer)
                and obj is not keras.optimizers.Optimizer and not _required(obj)):
            try:  # a project names it, and keras.optimizers.get must accept that (not Lamb)
                keras.optimizers.get(name)
            except Exception:
                continue
            out[name] = obj
    return {n: out[n] for n in _common_first(list(out), COMMON_OPTIMIZERS)}


def optimizer_names() -> list[str]:
    """Every Keras optimizer that keras.optimizers.get accepts by name and that needs no other
    object, Adam first."""
    return list(_optimizers())


def _lookup(name: str, table: dict[str, Any], what: str) -> str:
    if name in table:
        return name
    lower = {n.lower(): n for n in table}
    if isinstance(name, str) and name.lower() in lower:
        return lower[name.lower()]
    raise ModelError(f"Unknown {what} {name!r}.{_did_you_mean(str(name), list(table))}", where=what)


@functools.cache
def _optimizer_args(name: str) -> tuple[Arg, ...]:
    cls = _optimizers()[name]
    docs = _args_doc(inspect.getdoc(cls) or "")
    args = [_make_arg(name, p, docs.get(p.name, ""), OPTIMIZER_HINTS, False)
            for p in _own_params(cls) if p.name not in SKIP_ARGS]
    return tuple(_ordered(args, "learning_rate"))


def optimizer_args(name: str) -> list[Arg]:
    """The form of an optimizer (class name, any case), learning_rate first."""
    return copy.deepcopy(list(_optimizer_args(_lookup(name, _optimizers(), "optimizer"))))


@functools.cache
def _loss_names() -> tuple[str, ...]:
    keras = _keras()
    return tuple(_common_first(_snake_names(keras.losses, keras.losses.get), COMMON_LOSSES))


def loss_names() -> list[str]:
    """The snake_case loss functions keras.losses.get accepts, common ones first."""
    return list(_loss_names())


@functools.cache
def _metric_names() -> tuple[str, ...]:
    keras = _keras()
    names = _snake_names(keras.metrics, keras.metrics.get)
    snake = set(names)
    for name in dir(keras.metrics):
        obj = getattr(keras.metrics, name)
        if (not inspect.isclass(obj) or not issubclass(obj, keras.metrics.Metric)
                or name in EXCLUDED_METRICS
                or _snake(name) in snake):
            continue
        try:
            keras.metrics.get(name)
        except Exception:
            continue
        names.append(name)
    if "accuracy" not in names:
        names.append("accuracy")
    return tuple(_common_first(names, COMMON_METRICS))


def metric_names() -> list[str]:
    """Metric names keras.metrics.get accepts ("accuracy", snake_case functions, and the classes
    that have no function, such as AUC and Precision), common ones first."""
    return list(_metric_names())


@functools.cache
def _activation_names() -> tuple[str, ...]:
    keras = _keras()
    names = _snake_names(keras.activations, keras.activations.get)
    return tuple(_common_first(names, COMMON_ACTIVATIONS))


def activation_names() -> list[str]:
    """Activation functions by the names keras.activations.get accepts, common ones first."""
    return list(_activation_names())


@functools.cache
def _callbacks() -> dict[str, type]:
    keras = _keras()
    out = {}
    for name in dir(keras.callbacks):
        obj = getattr(keras.callbacks, name)
        if (inspect.isclass(obj) and issubclass(obj, keras.callbacks.Callback)
                and name not in EXCLUDED_CALLBACKS):
            out[name] = obj
    return {n: out[n] for n in _common_first(list(out), COMMON_CALLBACKS)}


def callback_names() -> list[str]:
    """Keras callbacks a project can name: EarlyStopping, ReduceLROnPlateau, ModelCheckpoint, ..."""
    return list(_callbacks())


@functools.cache
def _callback_args(name: str) -> tuple[Arg, ...]:
    cls = _callbacks()[name]
    docs = _args_doc(inspect.getdoc(cls) or "")
    args = [_make_arg(name, p, docs.get(p.name, ""), CALLBACK_HINTS, False)
            for p in _own_params(cls) if p.name not in SKIP_ARGS]
    return tuple(_ordered(args))


def callback_args(name: str) -> list[Arg]:
    """The form of a callback, required arguments (such as ModelCheckpoint's filepath) first."""
    return copy.deepcopy(list(_callback_args(_lookup(name, _callbacks(), "callback"))))


def suggest_losses(class_names: list[str] | None, target_width: int) -> list[str]:
    """Every loss, the ones that fit the targets first: class labels from a text column (k > 2:
    sparse categorical cross-entropy; 2: binary cross-entropy) or numbers (mean squared error,
    mean absolute error, Huber)."""
    if class_names is not None:
        if len(class_names) > 2:
            first: tuple[str, ...] = ("sparse_categorical_crossentropy",
                                      "sparse_categorical_focal_crossentropy")
        else:
            first = ("binary_crossentropy", "binary_focal_crossentropy",
                     "sparse_categorical_crossentropy", "hinge", "squared_hinge")
    elif target_width > 1:
        first = (*REGRESSION_LOSSES[:3], "categorical_crossentropy", *REGRESSION_LOSSES[3:])
    else:
        first = REGRESSION_LOSSES
    names = loss_names()
    return [n for n in first if n in names] + [n for n in names if n not in first]
