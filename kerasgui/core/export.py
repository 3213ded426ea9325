"""Project → a standalone Keras script that reproduces kerasgui's run exactly (DESIGN.md section 5,
`kerasgui export`).

The script needs only Keras and NumPy (and Python's csv module for CSV data). It reads the data the
way kerasgui.core.data does (the delimiter and header kerasgui detected are written into it; class
names and one-hot categories are computed in plain sight), splits off validation rows as DESIGN.md
section 4 says, seeds Keras right before building the model, compiles and fits with the project's
settings, and writes history.json, metrics.json and model.keras beside itself. Three styles build
the same model, layer for layer and seed for seed: a Sequential list, the functional API, or a
keras.Model subclass.
"""

from __future__ import annotations

import copy
import inspect
import json
import math
import os
import random
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import kerasgui
from kerasgui.core.errors import DataError, ModelError, ProjectError
from kerasgui.core.project import Project

STYLES = ("sequential", "functional", "subclass")
WIDTH = 100          # the generated script passes `ruff check --line-length 100`
INDENT = "    "
RESERVED = {"inputs", "outputs", "x", "model", "keras", "np", "json", "csv", "input_shape",
            "importlib", "self", "kwargs", "main", "build_model", "read_csv", "encode", "HERE",
            "SEED", "function_from", "Path"}
NON_RANDOM_INITIALIZERS = {"zeros", "ones", "constant", "identity", "Zeros", "Ones", "Constant",
                           "Identity", "IdentityInitializer", "STFTInitializer", "stft"}


# ---- a tiny pretty printer: expressions that break across lines only when they must -------------
class Expr(ABC):
    @abstractmethod
    def flat(self) -> str:
        """The expression on one line."""

    def broken(self, indent: int) -> str:
        return self.flat()

    def forced(self) -> bool:
        """Whether it is always written over several lines (a list of layers reads best so)."""
        return False

    def render(self, indent: int, before: int = 0, after: int = 0) -> str:
        """The expression at column `indent`, with `before` characters ahead of it on its line
        and `after` behind it; broken over lines when it would not fit in WIDTH."""
        text = self.flat()
        if not self.forced() and indent + before + len(text) + after <= WIDTH:
            return text
        return self.broken(indent)


@dataclass
class Raw(Expr):
    text: str

    def flat(self) -> str:
        return self.text


@dataclass
class Call(Expr):
    func: str
    args: list[Expr] = field(default_factory=list)
    kwargs: list[tuple[str, Expr]] = field(default_factory=list)

    def flat(self) -> str:
        parts = [a.flat() for a in self.args] + [f"{k}={v.flat()}" for k, v in self.kwargs]
        return f"{self.func}({', '.join(parts)})"

    def forced(self) -> bool:
        return any(a.forced() for a in self.args) or any(v.forced() for _, v in self.kwargs)

    def broken(self, indent: int) -> str:
        if not self.args and not self.kwargs:
            return self.flat()
        inner = indent + len(INDENT)
        lines = [f"{self.func}("]
        for a in self.args:
            lines.append(f"{' ' * inner}{a.render(inner, 0, 1)},")
        for k, v in self.kwargs:
            lines.append(f"{' ' * inner}{k}={v.render(inner, len(k) + 1, 1)},")
        lines.append(f"{' ' * indent})")
        return "\n".join(lines)


@dataclass
class Seq(Expr):
    items: list[Expr]
    kind: str = "list"  # "list" or "tuple"
    always_broken: bool = False

    def forced(self) -> bool:
        return (self.always_broken and bool(self.items)) or any(i.forced() for i in self.items)

    def flat(self) -> str:
        inner = ", ".join(i.flat() for i in self.items)
        if self.kind == "tuple":
            return f"({inner},)" if len(self.items) == 1 else f"({inner})"
        return f"[{inner}]"

    def broken(self, indent: int) -> str:
        if not self.items:
            return self.flat()
        open_, close = ("(", ")") if self.kind == "tuple" else ("[", "]")
        inner = indent + len(INDENT)
        lines = [open_]
        lines += [f"{' ' * inner}{i.render(inner, 0, 1)}," for i in self.items]
        lines.append(f"{' ' * indent}{close}")
        return "\n".join(lines)


@dataclass
class Mapping(Expr):
    items: list[tuple[Expr, Expr]]

    def flat(self) -> str:
        return "{" + ", ".join(f"{k.flat()}: {v.flat()}" for k, v in self.items) + "}"

    def broken(self, indent: int) -> str:
        if not self.items:
            return self.flat()
        inner = indent + len(INDENT)
        lines = ["{"]
        for k, v in self.items:
            key = k.flat()
            lines.append(f"{' ' * inner}{key}: {v.render(inner, len(key) + 2, 1)},")
        lines.append(f"{' ' * indent}}}")
        return "\n".join(lines)


def py_str(s: str) -> str:
    """A Python string literal, in double quotes when it can be."""
    r = repr(s)
    if r.startswith("'") and '"' not in s:
        r = '"' + r[1:-1].replace("\\'", "'") + '"'
    return r


def literal(value: Any) -> Expr:
    """A JSON value as Python source."""
    if isinstance(value, bool) or value is None:
        return Raw(repr(value))
    if isinstance(value, int):
        return Raw(repr(value))
    if isinstance(value, float):
        if math.isnan(value):
            return Raw('float("nan")')
        if math.isinf(value):
            return Raw('float("inf")' if value > 0 else '-float("inf")')
        return Raw(repr(value))
    if isinstance(value, str):
        return Raw(py_str(value))
    if isinstance(value, list | tuple):
        return Seq([literal(v) for v in value], "tuple" if isinstance(value, tuple) else "list")
    if isinstance(value, dict):
        return Mapping([(literal(str(k)), literal(v)) for k, v in value.items()])
    return Raw(repr(value))


class Lines:
    """Source lines with an indentation level; statements wrap through Expr.render."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.level = 0

    def add(self, text: str = "") -> None:
        if not text:
            self.lines.append("")
            return
        for line in text.split("\n"):
            self.lines.append(INDENT * self.level + line if line else "")

    def stmt(self, prefix: str, expr: Expr, suffix: str = "") -> None:
        """prefix + expr + suffix; lines after the first are indented by the expression itself."""
        indent = len(INDENT) * self.level
        text = prefix + expr.render(indent, len(prefix), len(suffix)) + suffix
        first, *rest = text.split("\n")
        self.lines.append(INDENT * self.level + first)
        self.lines.extend(rest)

    def comment(self, text: str) -> None:
        width = WIDTH - len(INDENT) * self.level - 2
        words = text.split()
        line = ""
        for w in words:
            if line and len(line) + 1 + len(w) > width:
                self.add(f"# {line}")
                line = w
            else:
                line = f"{line} {w}" if line else w
        if line:
            self.add(f"# {line}")

    def indent(self) -> _Indent:
        return _Indent(self)

    def text(self) -> str:
        out = "\n".join(line.rstrip() for line in self.lines).rstrip("\n") + "\n"
        return re.sub(r"\n{4,}", "\n\n\n", out)


class _Indent:
    def __init__(self, lines: Lines) -> None:
        self.lines = lines

    def __enter__(self) -> None:
        self.lines.level += 1

    def __exit__(self, *exc: Any) -> None:
        self.lines.level -= 1


def docstring(lines: Lines, text: str) -> None:
    """A docstring, wrapped to the width."""
    width = WIDTH - len(INDENT) * lines.level - 3
    out: list[str] = []
    for para in text.split("\n\n"):
        line = ""
        for w in para.split():
            if line and len(line) + 1 + len(w) > width:
                out.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        out.append(line)
        out.append("")
    out.pop()
    if len(out) == 1 and len(out[0]) + 6 <= width + 3:
        lines.add(f'"""{out[0]}"""')
        return
    out[0] = '"""' + out[0]
    lines.add("\n".join(out) + '\n"""')


# ---- names ---------------------------------------------------------------------------------------
def snake(name: str) -> str:
    """Keras's own layer naming: Dense → dense, Conv2D → conv2d, BatchNormalization →
    batch_normalization."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower() or "layer"


def camel(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    out = "".join(w[:1].upper() + w[1:] for w in words)
    if not out or not out[0].isalpha():
        out = "Model" + out
    return out


def model_name(name: str) -> str:
    """The name kerasgui gives the Keras model (builder._model_name)."""
    clean = re.sub(r"\W+", "_", name).strip("_")
    return clean or "model"


def unique_names(class_names: list[str]) -> list[str]:
    import keyword

    seen: dict[str, int] = {}
    out = []
    for c in class_names:
        base = snake(c)
        if base in RESERVED or keyword.iskeyword(base) or not base.isidentifier():
            base = f"{base}_layer" if base.isidentifier() else "layer"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}_{n}")
    return out


# ---- Keras objects as Python calls -------------------------------------------------------------
def _keras() -> Any:
    import keras

    return keras


NAMESPACES = ("layers", "initializers", "regularizers", "constraints", "optimizers.schedules",
              "optimizers", "losses", "metrics", "callbacks")


def _namespace_of(key: str | None, class_name: str, module: Any) -> str | None:
    """Where in keras.* a nested {"class_name", "config"} object lives, judged by its argument
    name first (kernel_initializer → initializers), then by looking for the class."""
    keras = _keras()
    candidates: list[str] = []
    if isinstance(module, str) and module.startswith("keras."):
        tail = module.split(".", 1)[1]
        for ns in NAMESPACES:
            if tail == ns or tail.startswith(ns + "."):
                candidates.append(ns)
    k = key or ""
    if k.endswith("initializer"):
        candidates.append("initializers")
    elif k.endswith("regularizer"):
        candidates.append("regularizers")
    elif k.endswith("constraint"):
        candidates.append("constraints")
    elif k in ("layer", "backward_layer", "cell", "layers", "cells"):
        candidates.append("layers")
    elif k == "learning_rate":
        candidates.append("optimizers.schedules")
    candidates += list(NAMESPACES)
    for ns in candidates:
        obj = _attr(keras, ns)
        if isinstance(getattr(obj, class_name, None), type):
            return ns
    return None


def _attr(root: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        root = getattr(root, part)
    return root


def _is_keras_object(value: Any) -> bool:
    return (isinstance(value, dict) and isinstance(value.get("class_name"), str)
            and set(value) <= {"class_name", "config", "module", "registered_name", "build_config",
                               "compile_config", "name", "inbound_nodes", "shared_object_id"}
            and isinstance(value.get("config", {}), dict))


def _signature_params(cls: type) -> list[inspect.Parameter]:
    """The keyword arguments a class takes, following **kwargs up the base classes."""
    out: list[inspect.Parameter] = []
    seen: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        try:
            params = list(inspect.signature(init).parameters.values())
        except (TypeError, ValueError):
            break
        for p in params:
            if p.name == "self" or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL) or p.name in seen:
                continue
            seen.add(p.name)
            out.append(p)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return out


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


def _ordered_args(cls: type, config: dict[str, Any], positional: bool
                  ) -> tuple[list[str], list[str]]:
    """(positional names, keyword names): the leading required arguments go first as a person
    writes them (Dense(32, ...)); the rest in the order the class declares them."""
    params = _signature_params(cls)
    order = [p.name for p in params if p.name in config]
    order += [k for k in config if k not in order]
    pos: list[str] = []
    if positional:
        own = params[:]
        for p in own:
            if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) \
                    and p.name in config:
                pos.append(p.name)
            else:
                break
    return pos, [k for k in order if k not in pos]


def _drop_defaults(cls: type, config: dict[str, Any]) -> dict[str, Any]:
    defaults = {p.name: p.default for p in _signature_params(cls) if p.default is not p.empty}
    return {k: v for k, v in config.items() if not (k in defaults and _same(v, defaults[k]))}


@dataclass
class Emitter:
    """Turns configs into Python calls; remembers what the script must import or define."""

    deferred: set[str] = field(default_factory=set)  # "i.key" nested objects written as config

    def value(self, key: str | None, v: Any, path: str = "") -> Expr:
        if key == "dtype" and isinstance(v, dict):
            name = (v.get("config") or {}).get("name")
            if isinstance(name, str):
                return literal(name)
        if _is_keras_object(v):
            if path in self.deferred:
                return _deferred_initializer(v)
            ns = _namespace_of(key, v["class_name"], v.get("module"))
            if ns is not None:
                return self.object_call(ns, v["class_name"], dict(v.get("config") or {}), path,
                                        positional=ns == "layers")
            return literal(v)
        if isinstance(v, list):
            return Seq([self.value(key, item, f"{path}[{i}]") for i, item in enumerate(v)])
        if isinstance(v, dict):
            return Mapping([(literal(str(k)), self.value(str(k), item, f"{path}.{k}"))
                            for k, item in v.items()])
        return literal(v)

    def object_call(self, ns: str, class_name: str, config: dict[str, Any], path: str = "",
                    positional: bool = False) -> Call:
        keras = _keras()
        cls = getattr(_attr(keras, ns), class_name)
        if "name" in config:
            config = _drop_defaults(cls, config)  # a full config: only what differs is written
        if ns == "initializers" and config.get("seed", 0) is None:
            del config["seed"]
        if ns == "layers" and config.get("trainable") is True:
            del config["trainable"]
        pos, kw = _ordered_args(cls, config, positional)
        return Call(f"keras.{ns}.{class_name}",
                    [self.value(k, config[k], f"{path}.{k}") for k in pos],
                    [(k, self.value(k, config[k], f"{path}.{k}")) for k in kw])


# ---- layers --------------------------------------------------------------------------------------
def _full_form(config: dict[str, Any]) -> bool:
    return "name" in config or isinstance(config.get("dtype"), dict) or "trainable" in config


def _layer_config(layer: dict[str, Any]) -> dict[str, Any]:
    """The layer's arguments as a person would write them: compact, defaults left out."""
    config = dict(layer.get("config") or {})
    if _full_form(config):
        from kerasgui.core.catalog import compact_config

        try:
            config = compact_config(layer["class_name"], config)
        except Exception:
            config = {k: v for k, v in config.items() if k not in ("name", "trainable")}
            if isinstance(config.get("dtype"), dict) and \
                    (config["dtype"].get("config") or {}).get("name") == "float32":
                config.pop("dtype")
    return config


def _layer_class(class_name: str) -> str:
    """The name keras.layers exports the class under (an alias such as Convolution2D → Conv2D is
    kept as written when keras.layers has it)."""
    keras = _keras()
    if isinstance(getattr(keras.layers, class_name, None), type):
        return class_name
    raise ModelError(f"Keras has no layer called {class_name!r}", where="model.layers")


def _deferred_initializer(v: dict[str, Any]) -> Expr:
    """An initializer Keras makes inside the layer (so it draws its seed where kerasgui's does):
    its name when it has no arguments, else its config."""
    config = {k: val for k, val in (v.get("config") or {}).items()
              if not (k == "seed" and val is None)}
    if not config:
        name = snake(v["class_name"])
        keras = _keras()
        state = random.getstate()
        try:
            if type(keras.initializers.get(name)).__name__ == v["class_name"]:
                return literal(name)
        except Exception:
            pass
        finally:
            random.setstate(state)
    return literal({"class_name": v["class_name"], "config": config})


def _random_initializer(v: Any) -> bool:
    """A nested initializer object without a seed: it draws one from Python's random when made."""
    if not _is_keras_object(v):
        return False
    keras = _keras()
    cls = getattr(keras.initializers, v["class_name"], None)
    seed = (v.get("config") or {}).get("seed")
    return (isinstance(cls, type) and issubclass(cls, keras.initializers.Initializer)
            and v["class_name"] not in NON_RANDOM_INITIALIZERS and seed is None)


def _drawn_seeds(obj: Any, path: str = "", depth: int = 0, seen: set[int] | None = None
                 ) -> Iterator[tuple[str, Any]]:
    """(attribute path, seed) of every random initializer and seed generator a layer holds."""
    keras = _keras()
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 5:
        return
    seen.add(id(obj))
    if isinstance(obj, keras.initializers.Initializer):
        seed = getattr(obj, "seed", None)
        if isinstance(seed, int):
            yield path, seed
        return
    if isinstance(obj, keras.random.SeedGenerator):
        yield path, getattr(obj, "_initial_seed", None)
        return
    if isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _drawn_seeds(item, f"{path}[{i}]", depth + 1, seen)
        return
    if isinstance(obj, keras.layers.Layer):
        for k, v in list(vars(obj).items()):
            if isinstance(v, keras.layers.Layer | keras.initializers.Initializer
                          | keras.random.SeedGenerator | list | tuple):
                yield from _drawn_seeds(v, f"{path}.{k}", depth + 1, seen)


def _same_draws(make_a: Callable[[], Any], make_b: Callable[[], Any]) -> bool:
    """Whether two ways of making a layer draw the same seeds for the same parts."""
    state = random.getstate()
    try:
        random.seed(1234)
        a = dict(_drawn_seeds(make_a()))
        random.seed(1234)
        b = dict(_drawn_seeds(make_b()))
    except Exception:
        return False
    finally:
        random.setstate(state)
    return a == b


def layer_call(layer: dict[str, Any], where: str) -> Call:
    """keras.layers.X(...) for one project layer, drawing its seeds exactly as kerasgui's builder
    does: a seedless random initializer is written as an object only when making it before the
    layer draws the same seeds; otherwise Keras makes it from its config inside the layer."""
    from kerasgui.core.builder import make_layer

    make_layer(layer, where)  # a ModelError naming the layer when it cannot be made
    class_name = _layer_class(layer["class_name"])
    config = _layer_config(layer)
    emitter = Emitter()
    call = emitter.object_call("layers", class_name, config, "", positional=True)
    risky = [k for k, v in config.items() if _random_initializer(v)]
    if risky:
        keras = _keras()

        def builder_way() -> Any:
            return make_layer(layer, where)

        def script_way() -> Any:
            return eval(call.flat(), {"keras": keras})

        if not _same_draws(builder_way, script_way):
            emitter.deferred = {f".{k}" for k in risky}
            call = emitter.object_call("layers", class_name, config, "", positional=True)
    return call


# ---- compile and fit -----------------------------------------------------------------------------
def _custom_call(spec: dict[str, Any], project: Project, script_dir: Path) -> Expr:
    path = _rel(project.resolve(str(spec["python"])), script_dir)
    return Call("function_from", [Raw(f"HERE / {py_str(path)}"), literal(spec["name"])])


def _is_custom(spec: Any) -> bool:
    return isinstance(spec, dict) and "python" in spec


def optimizer_expr(spec: Any) -> Expr:
    from kerasgui.core.compile_spec import resolve_optimizer

    opt = resolve_optimizer(spec)  # the ProjectError kerasgui would give
    if isinstance(spec, str):
        return literal(spec)
    keras = _keras()
    class_name = type(opt).__name__
    if not isinstance(getattr(keras.optimizers, class_name, None), type):
        return Call("keras.optimizers.deserialize", [literal(
            {"class_name": spec["class_name"], "config": spec.get("config") or {}})])
    return Emitter().object_call("optimizers", class_name, dict(spec.get("config") or {}))


def _loss_or_metric(spec: Any, kind: str, where: str, project: Project, script_dir: Path
                    ) -> Expr:
    if _is_custom(spec):
        return _custom_call(spec, project, script_dir)
    if isinstance(spec, str):
        return literal(spec)
    keras = _keras()
    module = getattr(keras, kind)
    try:
        obj = module.deserialize({"class_name": spec["class_name"],
                                  "config": dict(spec.get("config") or {})})
    except Exception:
        raise ProjectError(f"{where}: Keras has no {kind[:-1] if kind == 'metrics' else 'loss'} "
                           f"called {spec.get('class_name')!r}", where=where) from None
    class_name = type(obj).__name__
    cls = getattr(module, class_name, None)
    if isinstance(cls, type) and isinstance(obj, cls):
        return Emitter().object_call(kind, class_name, dict(spec.get("config") or {}))
    return Call(f"keras.{kind}.deserialize", [literal(
        {"class_name": spec["class_name"], "config": spec.get("config") or {}})])


def callback_exprs(project: Project) -> list[Expr]:
    from kerasgui.core.compile_spec import CALLBACKS, FILE_ARGS

    out: list[Expr] = []
    names = []
    for i, spec in enumerate(project.fit.get("callbacks") or []):
        where = f"fit.callbacks[{i}]"
        name = spec if isinstance(spec, str) else spec.get("class_name")
        if name not in CALLBACKS:
            raise ProjectError(f"{where}: {name!r} is not a callback kerasgui can use; choose one "
                               f"of {', '.join(CALLBACKS)}", where=where)
        names.append(name)
        config = {} if isinstance(spec, str) else dict(spec.get("config") or {})
        call = Emitter().object_call("callbacks", name, config)
        if name in FILE_ARGS:
            key, default = FILE_ARGS[name]
            value = str(config.get(key, default))
            expr: Expr = literal(value)
            if not Path(value).is_absolute():
                expr = Raw(f"str(HERE / {py_str(Path(value).as_posix())})")
            call.kwargs = [(k, v) for k, v in call.kwargs if k != key] + [(key, expr)]
        out.append(call)
    if "TerminateOnNaN" not in names:
        out.append(Call("keras.callbacks.TerminateOnNaN"))
    return out


# ---- data ----------------------------------------------------------------------------------------
def _rel(path: Path, script_dir: Path) -> str:
    try:
        return Path(os.path.relpath(path, script_dir)).as_posix()
    except ValueError:  # another drive
        return path.as_posix()


@dataclass
class CsvInfo:
    path: str           # relative to the script
    delimiter: str
    header: bool


@dataclass
class Source:
    kind: str                  # "csv", "npy" or "npz"
    csv: CsvInfo | None = None
    inputs: str = ""           # npy: the inputs file; npz: the archive
    targets: str | None = None  # npy: the targets file
    x_name: str = "x"          # npz array names
    y_name: str | None = None
    flatten_1d: bool = False


_CACHE: dict[Any, Any] = {}


def _file_key(p: Path) -> tuple[str, int, int]:
    try:
        st = p.stat()
        return (str(p), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(p), 0, 0)


def _sniff(path: Path, spec: dict[str, Any]) -> tuple[str, bool]:
    """The delimiter and header kerasgui reads the file with (given, or detected)."""
    key = ("sniff", _file_key(path), spec.get("delimiter"), spec.get("header"))
    if key not in _CACHE:
        from kerasgui.core import data

        try:
            sn = data._sniff(path, str(spec.get("path")), spec.get("delimiter"),
                             spec.get("header"))
            _CACHE[key] = (sn.delimiter, sn.header)
        except (AttributeError, TypeError):  # the private helper changed: read the whole table
            t = data.read_table(path, spec.get("delimiter"), spec.get("header"))
            _CACHE[key] = (t.delimiter, t.header)
    result: tuple[str, bool] = _CACHE[key]
    return result


def _source_files(spec: Any, project: Project) -> list[Path]:
    if not isinstance(spec, dict):
        return []
    keys = ("path",) if "path" in spec else ("inputs", "targets")
    return [project.resolve(str(spec[k])) for k in keys if isinstance(spec.get(k), str)]


def load_data(project: Project) -> Any:
    """kerasgui's own reading of the project's data (its Prepared), cached while the files are
    unchanged: the schema says which columns are text and what the class names are, and any data
    problem is the DataError kerasgui itself would raise."""
    from kerasgui.core.data import load_project_data

    data = project.data or {}
    if not data.get("train"):
        raise DataError("the project has no training data: choose a file for data.train before "
                        "exporting a script (the script reads the same file)", where="data.train")
    files = [f for role in ("train", "validation", "test")
             for f in _source_files(data.get(role), project)]
    key = ("data", json.dumps(data, sort_keys=True), (project.fit or {}).get("seed"),
           str(project.base_dir), tuple(_file_key(f) for f in files))
    if key not in _CACHE:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[key] = load_project_data(project)
    return _CACHE[key]


def describe_source(spec: dict[str, Any], project: Project, script_dir: Path, x_ndim: int
                    ) -> Source:
    path = spec.get("path")
    if path is None or Path(str(path)).suffix.lower() == ".npy":
        x_file = str(spec.get("inputs") if path is None else path)
        y_file = spec.get("targets")
        return Source("npy", inputs=_rel(project.resolve(x_file), script_dir),
                      targets=_rel(project.resolve(str(y_file)), script_dir) if y_file else None,
                      flatten_1d=x_ndim == 1)
    p = project.resolve(str(path))
    if p.suffix.lower() == ".npz":
        from kerasgui.core.data import npz_names

        names = npz_names(p)
        y_name = spec.get("targets")
        if y_name is None and "y" in names:
            y_name = "y"
        return Source("npz", inputs=_rel(p, script_dir), x_name=str(spec.get("inputs") or "x"),
                      y_name=y_name, flatten_1d=x_ndim == 1)
    delimiter, header = _sniff(p, spec)
    return Source("csv", CsvInfo(_rel(p, script_dir), delimiter, header))


# ---- the script ----------------------------------------------------------------------------------
@dataclass
class Plan:
    """Everything the script writes, decided before a line is written."""

    project: Project
    style: str
    script_dir: Path
    train: Any                       # kerasgui's Arrays of the training source
    sources: dict[str, Source]       # "train", "validation", "test"
    split: tuple[float, bool] | None
    layers: list[Call]               # the stack, without a leading InputLayer
    names: list[str]                 # their variable names
    declared_shape: tuple[int, ...] | None
    input_dtype: str | None
    adapt_first: bool
    whole_model: dict[str, Any] | None


def export_script(project: Project, style: str = "sequential",
                  script_dir: Path | None = None) -> str:
    """A standalone Python script that reproduces the project's training run exactly.

    `style` is how the model is written: "sequential" (a keras.Sequential list), "functional"
    (keras.Input ... keras.Model(inputs, outputs)) or "subclass" (a keras.Model subclass). Data
    paths in the script are relative to `script_dir` (the folder the script will be saved in;
    by default the project's folder), so script and data can move together.
    """
    if style not in STYLES:
        raise ProjectError(f"unknown script style {style!r}; choose one of {', '.join(STYLES)}",
                           where="style")
    script_dir = Path(script_dir if script_dir is not None else project.base_dir).resolve()
    state = random.getstate()  # making layers to check them draws seeds: leave no trace
    try:
        plan = _plan(project, style, script_dir)
    finally:
        random.setstate(state)
    return _write(plan)


def _plan(project: Project, style: str, script_dir: Path) -> Plan:
    from kerasgui.core.builder import build_model, stack_input_shape

    prepared = load_data(project)
    train = prepared.train
    data = project.data or {}
    x_ndim = 1 if tuple(train.schema.input_shape) == (1,) else 0
    sources = {"train": describe_source(data["train"], project, script_dir, x_ndim)}
    split = None
    v = data.get("validation")
    if isinstance(v, dict) and "split" in v:
        if prepared.validation is not None:  # kerasgui split off at least one row
            split = (float(v["split"]), bool(v.get("shuffle", True)))
    elif v:
        sources["validation"] = describe_source(v, project, script_dir, x_ndim)
    if data.get("test"):
        sources["test"] = describe_source(data["test"], project, script_dir, x_ndim)

    whole = None
    declared = None
    input_dtype = None
    stack: list[dict[str, Any]]
    if project.is_stack:
        stack = list(project.layers)
        if not stack:
            raise ModelError("the model has no layers: add at least one (e.g. Dense) before "
                             "exporting", where="model.layers")
        declared = stack_input_shape(project)
        offset = 0
        if stack[0].get("class_name") == "InputLayer":
            input_dtype = _input_dtype(stack[0])
            stack, offset = stack[1:], 1
        layers = [layer_call(cfg, f"model.layers[{i + offset}]") for i, cfg in enumerate(stack)]
    elif project.model.get("class_name") == "Sequential":
        cfgs = list((project.model.get("config") or {}).get("layers") or [])
        if cfgs and cfgs[0].get("class_name") == "InputLayer":
            c = cfgs[0].get("config") or {}
            shape = c.get("batch_shape") or c.get("batch_input_shape")
            declared = tuple(shape[1:]) if shape else None
            input_dtype = _input_dtype(cfgs[0])
            cfgs = cfgs[1:]
        stack = cfgs
        layers = [layer_call(cfg, f"model.config.layers[{i}]") for i, cfg in enumerate(cfgs)]
        whole = project.model
    else:
        stack, layers = [], []
        whole = project.model
    # the ModelError kerasgui would give; on a copy, since Keras empties a model config it loads
    build_model(replace(project, model=copy.deepcopy(project.model)),
                tuple(train.schema.input_shape))
    names = unique_names([c["class_name"] for c in stack])
    adapt = bool(stack) and stack[0].get("class_name") == "Normalization" and (
        whole is None or whole.get("class_name") == "Sequential")
    return Plan(project, style, script_dir, train, sources, split, layers, names, declared,
                input_dtype, adapt, whole)


def _input_dtype(cfg: dict[str, Any]) -> str | None:
    dtype = (cfg.get("config") or {}).get("dtype")
    if isinstance(dtype, dict):
        dtype = (dtype.get("config") or {}).get("name")
    return dtype if isinstance(dtype, str) and dtype != "float32" else None


def _write(plan: Plan) -> str:
    project = plan.project
    out = Lines()
    _header(out, plan)
    _imports(out, plan)
    out.add()
    out.add("HERE = Path(__file__).parent  # data paths are relative to this script's folder")
    seed = project.fit.get("seed")
    out.add(f"SEED = {seed!r}" + ("" if seed is not None else
                                  "  # the project sets no seed: every run differs"))
    if plan.train.schema.kind == "csv":
        _csv_constants(out, plan)
    out.add()
    if _uses_custom(project):
        _function_from(out)
    if plan.train.schema.kind == "csv":
        _csv_helpers(out, plan)
    _model(out, plan)
    _main(out, plan)
    out.add()
    out.add()
    out.add('if __name__ == "__main__":')
    with out.indent():
        out.add("main()")
    return out.text()


def _header(out: Lines, plan: Plan) -> None:
    p = plan.project
    source = p.path.name if p.path else "an unsaved project"
    style = {"sequential": "a keras.Sequential list of layers",
             "functional": "the functional API (keras.Input ... keras.Model)",
             "subclass": "a keras.Model subclass"}[plan.style]
    if plan.whole_model is not None and plan.whole_model.get("class_name") != "Sequential":
        style = "the Keras model config the project holds, as Keras serialized it"
    outputs = "history.json, metrics.json and model.keras" if "test" in plan.sources else \
        "history.json and model.keras"
    docstring(out, f"{p.name}: a Keras script written by kerasgui {kerasgui.__version__} from "
                   f"{source}.\n\nIt repeats kerasgui's training run exactly: the same data "
                   "encoding, validation rows, seed, model, compile and fit settings give the "
                   f"same History. The model is written as {style}. Run it with Python; it "
                   f"writes {outputs} beside itself." + _distribution_note(p))


def _distribution_note(project: Project) -> str:
    dist = (project.fit or {}).get("distribution")
    if dist in (None, "auto", 1, "1"):
        return ""
    return (f"\n\nThe project trains with fit.distribution = {json.dumps(dist)}; this script "
            "trains on one device, as kerasgui does with a single device.")


def _uses_custom(project: Project) -> bool:
    c = project.compile
    return any(_is_custom(s) for s in [c.get("loss"), *(c.get("metrics") or [])])


def _imports(out: Lines, plan: Plan) -> None:
    out.add()
    std = []
    if plan.train.schema.kind == "csv":
        std.append("import csv")
    if _uses_custom(plan.project):
        std.append("import importlib.util")
    std.append("import json")
    for line in std:
        out.add(line)
    out.add("from pathlib import Path")
    out.add()
    out.add("import keras")
    out.add("import numpy as np")


def _csv_constants(out: Lines, plan: Plan) -> None:
    schema = plan.train.schema
    out.add()
    out.comment("The training file's columns as kerasgui reads them: every feature in this order "
                "(a number column gives one input, a text column one input per category), and "
                "the target" + ("s" if len(schema.targets) > 1 else "") + ".")
    out.stmt("FEATURES = ", literal([f.name for f in schema.features]))
    text = [f.name for f in schema.features if f.kind == "category"]
    if text:
        out.stmt("TEXT_FEATURES = ", literal(text))
    if schema.class_names is not None:
        out.stmt("TARGET = ", literal(schema.targets[0]))
    else:
        out.stmt("TARGETS = ", literal(list(schema.targets)))


def _function_from(out: Lines) -> None:
    out.add()
    out.add("def function_from(path, name):")
    with out.indent():
        docstring(out, "A function (y_true, y_pred) from a Python file: the project's own loss or "
                       "metric, registered as kerasgui registers it so that model.keras reloads "
                       "with it.")
        out.add("spec = importlib.util.spec_from_file_location(path.stem, path)")
        out.add("module = importlib.util.module_from_spec(spec)")
        out.add("spec.loader.exec_module(module)")
        out.add("register = keras.saving.register_keras_serializable(package=\"kerasgui_custom\", "
                "name=name)")
        out.add("return register(getattr(module, name))")
    out.add()


def _csv_helpers(out: Lines, plan: Plan) -> None:
    schema = plan.train.schema
    text = any(f.kind == "category" for f in schema.features)
    out.add()
    out.add('def read_csv(path, delimiter=",", header=True):')
    with out.indent():
        docstring(out, "The cells of a CSV file by column name, as text trimmed of spaces and "
                       "tabs; blank lines are skipped. Without a header row the columns are "
                       "column_0, column_1, ...")
        out.add('with open(path, encoding="utf-8-sig", newline="") as f:')
        with out.indent():
            out.add("records = [record for record in csv.reader(f, delimiter=delimiter) "
                    "if record]")
        out.add("if header:")
        with out.indent():
            out.add('names = [cell.strip(" \\t") or f"column_{i}" for i, cell in '
                    "enumerate(records.pop(0))]")
        out.add("else:")
        with out.indent():
            out.add('names = [f"column_{i}" for i in range(len(records[0]))]')
        out.add('return {name: [record[i].strip(" \\t") for record in records] '
                "for i, name in enumerate(names)}")
    out.add()
    out.add()
    params = ["columns"] + (["categories"] if text else []) + \
        (["class_names"] if schema.class_names is not None else [])
    out.add(f"def encode({', '.join(params)}):")
    with out.indent():
        what = ("x (float32): a number column is one input; a text column is one input per "
                "category, 1 for the row's category and 0 for the others (one-hot)" if text else
                "x (float32): one input per feature column")
        if schema.class_names is not None:
            what += "; y (int32): the index of each row's class in class_names"
        else:
            what += "; y (float32): one column per target"
        docstring(out, f"Model arrays from CSV cells, as kerasgui makes them: {what}.")
        if text:
            out.add("inputs = []")
            out.add("for name in FEATURES:")
            with out.indent():
                out.add("if name in categories:")
                with out.indent():
                    out.add("index = {category: i for i, category in "
                            "enumerate(categories[name])}")
                    out.add('onehot = np.zeros((len(columns[name]), len(index)), '
                            'dtype="float32")')
                    out.add("onehot[np.arange(len(onehot)), [index[cell] for cell in "
                            "columns[name]]] = 1.0")
                    out.add("inputs.append(onehot)")
                out.add("else:")
                with out.indent():
                    out.add('inputs.append(np.array(columns[name], dtype="float32")[:, None])')
            out.add("x = np.concatenate(inputs, axis=1)")
        else:
            out.add('x = np.stack([np.array(columns[name], dtype="float32") for name in '
                    "FEATURES], axis=1)")
        if schema.class_names is not None:
            out.add("index = {name: i for i, name in enumerate(class_names)}")
            out.add('y = np.array([index[cell] for cell in columns[TARGET]], dtype="int32")')
        else:
            out.add('y = np.stack([np.array(columns[name], dtype="float32") for name in '
                    "TARGETS], axis=1)")
        out.add("return x, y")
    out.add()


# ---- the model -----------------------------------------------------------------------------------
def _input_call(plan: Plan, shape_expr: str) -> Call:
    kwargs: list[tuple[str, Expr]] = [("shape", Raw(shape_expr))]
    if plan.input_dtype:
        kwargs.append(("dtype", literal(plan.input_dtype)))
    return Call("keras.Input", [], kwargs)


def _model(out: Lines, plan: Plan) -> None:
    name = model_name(plan.project.name)
    if plan.whole_model is not None and plan.whole_model.get("class_name") != "Sequential":
        _graph_model(out, plan)
        return
    out.add()
    if plan.style == "sequential":
        out.add("def build_model(input_shape):")
        with out.indent():
            docstring(out, "The model as a keras.Sequential list of layers, in the project's "
                           "order.")
            items: list[Expr] = [_input_call(plan, "input_shape"), *plan.layers]
            out.stmt("return ", Call("keras.Sequential", [Seq(items, always_broken=True)],
                                     [("name", literal(name))]))
    elif plan.style == "functional":
        out.add("def build_model(input_shape):")
        with out.indent():
            docstring(out, "The model with the functional API. The layers are made first, in "
                           "the project's order (each draws its initializers' seeds as it is "
                           "made), then joined from the input to the output.")
            for var, call in zip(plan.names, plan.layers, strict=True):
                out.stmt(f"{var} = ", call)
            out.add()
            out.stmt("inputs = ", _input_call(plan, "input_shape"))
            prev = "inputs"
            for i, var in enumerate(plan.names):
                target = "outputs" if i == len(plan.names) - 1 else "x"
                out.add(f"{target} = {var}({prev})")
                prev = target
            out.add(f"return keras.Model(inputs, outputs, name={py_str(name)})")
    else:
        cls = camel(plan.project.name)
        out.add(f"class {cls}(keras.Model):")
        with out.indent():
            docstring(out, "The model as a keras.Model subclass: the layers are made in "
                           "__init__, in the project's order, and applied in call().")
            out.add()
            out.add("def __init__(self, **kwargs):")
            with out.indent():
                out.add("super().__init__(**kwargs)")
                for var, call in zip(plan.names, plan.layers, strict=True):
                    out.stmt(f"self.{var} = ", call)
            out.add()
            takes = _takes_training(plan.layers)
            out.add("def call(self, inputs, training=None):" if any(takes) else
                    "def call(self, inputs):")
            with out.indent():
                prev = "inputs"
                for i, var in enumerate(plan.names):
                    args = f"{prev}, training=training" if takes[i] else prev
                    if i == len(plan.names) - 1:
                        out.add(f"return self.{var}({args})")
                    else:
                        out.add(f"x = self.{var}({args})")
                        prev = "x"
        out.add()
        out.add()
        out.add("def build_model(input_shape):")
        with out.indent():
            docstring(out, "The model, with its weights made by calling it once on a symbolic "
                           "input (kerasgui builds the model before training, too).")
            out.add(f"model = {cls}(name={py_str(name)})")
            out.stmt("model(", _input_call(plan, "input_shape"), ")")
            out.add("return model")
    out.add()


def _takes_training(layers: list[Call]) -> list[bool]:
    """Which layers' call() takes `training`. Sequential and functional models pass it to exactly
    these layers; a subclass does the same, or Dropout and its kin would draw differently."""
    keras = _keras()
    out = []
    for call in layers:
        cls = getattr(keras.layers, call.func.rsplit(".", 1)[-1])
        try:
            out.append("training" in inspect.signature(cls.call).parameters)
        except (TypeError, ValueError):
            out.append(False)
    return out


def _graph_model(out: Lines, plan: Plan) -> None:
    """A whole Keras model config (an imported graph): rebuilt from its config, as kerasgui does."""
    out.add()
    out.add("def build_model(input_shape):")
    with out.indent():
        docstring(out, "The model, from the Keras model config the project holds (an imported "
                       "model or a graph of layers), made by Keras exactly as kerasgui makes it.")
        config = json.dumps(plan.whole_model)
        out.add(f"config = json.loads({py_str(config)})" if len(config) < 60 else
                "config = json.loads(MODEL_CONFIG)")
        out.add("return keras.saving.deserialize_keras_object(config, safe_mode=True)")
    out.add()
    if len(json.dumps(plan.whole_model)) >= 60:
        out.add()
        out.comment("The model config, as keras.saving.serialize_keras_object wrote it.")
        out.stmt("MODEL_CONFIG = ", Raw(_triple(json.dumps(plan.whole_model, indent=1))))


def _triple(text: str) -> str:
    return 'r"""\n' + text.replace('"""', '\\"\\"\\"') + '\n"""'


# ---- main() --------------------------------------------------------------------------------------
def _load_lines(out: Lines, src: Source, xname: str, yname: str, plan: Plan,
                first: bool) -> None:
    """Statements that set xname, yname from one source."""
    schema = plan.train.schema
    if src.kind == "csv":
        assert src.csv is not None
        args: list[Expr] = [Raw(f"HERE / {py_str(src.csv.path)}")]
        kwargs: list[tuple[str, Expr]] = []
        if src.csv.delimiter != ",":
            kwargs.append(("delimiter", literal(src.csv.delimiter)))
        if not src.csv.header:
            kwargs.append(("header", Raw("False")))
        read = Call("read_csv", args, kwargs)
        enc_args = (["categories"] if any(f.kind == "category" for f in schema.features) else []) \
            + (["class_names"] if schema.class_names is not None else [])
        if first:
            out.stmt("columns = ", read)
            if "categories" in enc_args:
                cats = {f.name: f.categories for f in schema.features if f.kind == "category"}
                out.comment("The categories of each text feature, sorted (here: " +
                            "; ".join(f"{k}: {_show(v)}" for k, v in cats.items()) + ")")
                out.add("categories = {name: sorted(set(columns[name])) for name in "
                        "TEXT_FEATURES}")
            if schema.class_names is not None:
                out.comment("The class names, sorted; a row's target is the index of its class "
                            f"(here: {_show(schema.class_names)})")
                out.add("class_names = sorted(set(columns[TARGET]))")
            out.add(f"{xname}, {yname} = encode({', '.join(['columns', *enc_args])})")
        else:
            out.stmt(f"{xname}, {yname} = ", Call("encode", [read, *map(Raw, enc_args)]))
        return
    if src.kind == "npy":
        out.stmt(f"{xname} = ", Call("np.load", [Raw(f"HERE / {py_str(src.inputs)}")]),
                 '.astype("float32")')
        if src.flatten_1d:
            out.add(f"{xname} = {xname}.reshape(-1, 1)  # one number per sample: one input")
        if src.targets:
            out.stmt(f"{yname} = ", Call("np.load", [Raw(f"HERE / {py_str(src.targets)}")]),
                     '.astype("float32")')
        return
    out.stmt("with ", Call("np.load", [Raw(f"HERE / {py_str(src.inputs)}")]), " as arrays:")
    with out.indent():
        out.add(f'{xname} = arrays[{py_str(src.x_name)}].astype("float32")')
        if src.y_name:
            out.add(f'{yname} = arrays[{py_str(src.y_name)}].astype("float32")')
    if src.flatten_1d:
        out.add(f"{xname} = {xname}.reshape(-1, 1)  # one number per sample: one input")


def _show(values: list[str], limit: int = 8) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def _same_way(plan: Plan) -> str:
    schema = plan.train.schema
    if any(f.kind == "category" for f in schema.features) or schema.class_names is not None:
        return "encoded with the training file's categories and class names."
    return "read the same way."


def _main(out: Lines, plan: Plan) -> None:
    project = plan.project
    fit = project.fit
    batch = int(fit.get("batch_size", 32))
    out.add()
    out.add("def main():")
    with out.indent():
        out.comment("Data: the training " + ("file, read and encoded" if plan.train.schema.kind
                                              == "csv" else "arrays, read") + " as kerasgui does.")
        split = plan.split
        train_names = ("x", "y") if split else ("x_train", "y_train")
        _load_lines(out, plan.sources["train"], *train_names, plan, True)
        has_val = False
        if split:
            fraction, shuffle = split
            pct = f"{fraction * 100:g} %"
            if shuffle:
                out.comment(f"Validation: {pct} of the rows. The rows are put in the order of a "
                            "permutation drawn with the seed; the first int(fraction * n) of them "
                            "are for validation, the rest for training.")
                out.add("order = np.random.default_rng(SEED).permutation(len(x))")
                out.add(f"n_val = int({fraction!r} * len(x))")
                out.add("x_val, y_val = x[order[:n_val]], y[order[:n_val]]")
                out.add("x_train, y_train = x[order[n_val:]], y[order[n_val:]]")
            else:
                out.comment(f"Validation: the last {pct} of the rows, in file order.")
                out.add(f"n_train = len(x) - int({fraction!r} * len(x))")
                out.add("x_train, y_train = x[:n_train], y[:n_train]")
                out.add("x_val, y_val = x[n_train:], y[n_train:]")
            has_val = True
        elif "validation" in plan.sources:
            out.comment("Validation: its own file, " + _same_way(plan))
            _load_lines(out, plan.sources["validation"], "x_val", "y_val", plan, False)
            has_val = True
        if "test" in plan.sources:
            out.comment("Test data, " + _same_way(plan))
            _load_lines(out, plan.sources["test"], "x_test", "y_test", plan, False)
        out.add()

        out.comment("The model. The seed is set right before the model is made, so the "
                    "initial weights, the shuffling and any dropout are the same on every run.")
        if fit.get("seed") is not None:
            out.add("keras.utils.set_random_seed(SEED)")
        shape = f"{tuple(plan.declared_shape)!r}" if plan.declared_shape is not None else \
            "x_train.shape[1:]"
        out.add(f"model = build_model({shape})")
        if plan.adapt_first:
            layer = {"sequential": "model.layers[0]", "functional": "model.layers[1]",
                     "subclass": f"model.{plan.names[0]}"}[plan.style]
            out.comment("The Normalization layer learns the mean and variance of the training "
                        "inputs (kerasgui adapts it once the model is built).")
            out.add(f"{layer}.adapt(x_train)")
        c = project.compile
        if c.get("loss") is None:
            raise ProjectError("compile.loss is not set: choose a loss", where="compile.loss")
        kwargs: list[tuple[str, Expr]] = [
            ("optimizer", optimizer_expr(c.get("optimizer", "rmsprop"))),
            ("loss", _loss_or_metric(c.get("loss"), "losses", "compile.loss", project,
                                     plan.script_dir)),
        ]
        kwargs.append(("metrics", Seq([
            _loss_or_metric(m, "metrics", f"compile.metrics[{i}]", project, plan.script_dir)
            for i, m in enumerate(c.get("metrics") or [])])))
        out.stmt("model.compile(", _Args(kwargs), ")")
        out.add()

        out.comment("Training. History.history maps loss, val_loss and each metric to one value "
                    "per epoch.")
        fit_kwargs: list[tuple[str, Expr]] = [
            ("epochs", literal(int(fit.get("epochs", 5)))),
            ("batch_size", literal(batch)),
            ("shuffle", literal(bool(fit.get("shuffle", True)))),
        ]
        if has_val:
            fit_kwargs.append(("validation_data", Raw("(x_val, y_val)")))
        fit_kwargs.append(("callbacks", Seq(callback_exprs(project))))
        out.stmt("history = model.fit(", _Args(fit_kwargs, [Raw("x_train"), Raw("y_train")]),
                 ")")
        out.add('with open(HERE / "history.json", "w", encoding="utf-8") as f:')
        with out.indent():
            out.add("json.dump(history.history, f, indent=1)")
        if "test" in plan.sources:
            out.add()
            out.comment("Scores on the test data.")
            out.add(f"scores = model.evaluate(x_test, y_test, batch_size={batch}, "
                    "return_dict=True)")
            out.add("metrics = {name: float(value) for name, value in scores.items()}")
            out.add('print("test:", metrics)')
            out.add('with open(HERE / "metrics.json", "w", encoding="utf-8") as f:')
            with out.indent():
                out.add("json.dump(metrics, f, indent=1)")
        out.add('model.save(HERE / "model.keras")')


@dataclass
class _Args(Expr):
    """The arguments of a call whose name is already written (model.fit(...))."""

    kwargs: list[tuple[str, Expr]]
    args: list[Expr] = field(default_factory=list)

    def flat(self) -> str:
        return ", ".join([a.flat() for a in self.args] +
                         [f"{k}={v.flat()}" for k, v in self.kwargs])

    def broken(self, indent: int) -> str:
        inner = indent + len(INDENT)
        lines = [""]
        for a in self.args:
            lines.append(f"{' ' * inner}{a.render(inner, 0, 1)},")
        for k, v in self.kwargs:
            lines.append(f"{' ' * inner}{k}={v.render(inner, len(k) + 1, 1)},")
        lines.append(" " * indent)
        return "\n".join(lines)
