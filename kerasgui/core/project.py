"""The project file (format 1): load, validate, save atomically.

A project is JSON (DESIGN.md section 4). Structure is checked here without importing Keras; whether
a
layer class or a loss name exists is checked by the builder once Keras is loaded. Every error names
the
key path (``model.layers[2].config.units``) and says what is wrong.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kerasgui.core.errors import ProjectError

FORMAT = 1
SUFFIX = ".kgproj"

TOP_KEYS = {"kerasgui_project", "name", "model", "compile", "data", "fit"}
COMPILE_KEYS = {"optimizer", "loss", "metrics"}
DATA_KEYS = {"train", "validation", "test"}
FIT_KEYS = {"epochs", "batch_size", "shuffle", "seed", "callbacks", "distribution"}
SOURCE_KEYS = {"path", "targets", "features", "delimiter", "header", "inputs"}
SPLIT_KEYS = {"split", "shuffle"}
CUSTOM_KEYS = {"python", "name"}


def default_compile() -> dict[str, Any]:
    return {"optimizer": "rmsprop", "loss": "mean_squared_error", "metrics": []}


def default_data() -> dict[str, Any]:
    return {"train": None, "validation": {"split": 0.2, "shuffle": True}, "test": None}


def default_fit() -> dict[str, Any]:
    return {"epochs": 5, "batch_size": 32, "shuffle": True, "seed": 0, "callbacks": []}


@dataclass
class Project:
    """One source of truth for a model, its compile settings, its data and its fit settings."""

    name: str = "untitled"
    model: dict[str, Any] = field(default_factory=lambda: {"layers": []})
    compile: dict[str, Any] = field(default_factory=default_compile)
    data: dict[str, Any] = field(default_factory=default_data)
    fit: dict[str, Any] = field(default_factory=default_fit)
    path: Path | None = None

    # ---- paths -----------------------------------------------------------------------------------
    @property
    def base_dir(self) -> Path:
        """The folder that relative data paths are relative to."""
        return self.path.parent if self.path else Path.cwd()

    def resolve(self, name: str) -> Path:
        p = Path(name).expanduser()
        return p if p.is_absolute() else Path(os.path.normpath(self.base_dir / p))

    # ---- model helpers ---------------------------------------------------------------------------
    @property
    def is_stack(self) -> bool:
        return "layers" in self.model

    @property
    def layers(self) -> list[dict[str, Any]]:
        if not self.is_stack:
            raise ProjectError(
                "this project holds a whole Keras model config, not a layer stack", where="model"
            )
        layers: list[dict[str, Any]] = self.model["layers"]
        return layers

    # ---- (de)serialization -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "kerasgui_project": FORMAT,
            "name": self.name,
            "model": copy.deepcopy(self.model),
            "compile": copy.deepcopy(self.compile),
            "data": copy.deepcopy(self.data),
            "fit": copy.deepcopy(self.fit),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, d: Any, path: Path | None = None) -> Project:
        validate(d)
        d = migrate(d)
        compile_ = default_compile() | d.get("compile", {})
        data = default_data() | d.get("data", {})
        fit = default_fit() | d.get("fit", {})
        return cls(
            name=d.get("name", path.stem if path else "untitled"),
            model=copy.deepcopy(d["model"]),
            compile=copy.deepcopy(compile_),
            data=copy.deepcopy(data),
            fit=copy.deepcopy(fit),
            path=Path(path).resolve() if path else None,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Project:
        p = Path(path)
        if not p.exists():
            raise ProjectError(f"{p}: no such project file", where=str(p))
        if p.is_dir():
            raise ProjectError(f"{p} is a folder; choose a project file ({SUFFIX})", where=str(p))
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise ProjectError(
                f"{p}: not a UTF-8 text file (byte {e.start}); a project file is JSON text",
                where=str(p),
            ) from None
        except OSError as e:
            raise ProjectError(f"{p}: cannot read it ({e.strerror})", where=str(p)) from None
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise ProjectError(
                f"{p}: broken JSON at line {e.lineno}, column {e.colno}: {e.msg}", where=str(p)
            ) from None
        try:
            return cls.from_dict(d, p)
        except ProjectError as e:
            raise ProjectError(f"{p}: {e.message}", where=e.where) from None

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the project atomically (a temporary file, then a rename); returns the path."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ProjectError("choose where to save the project")
        target = target.resolve()
        old_base = self.base_dir
        if target.parent != old_base:
            self.data = rebase_data_paths(self.data, old_base, target.parent)
        atomic_write_text(target, self.to_json())
        self.path = target
        return target


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write beside the target, flush to disk, then rename over it: a reader never sees half a
    file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def rebase_data_paths(data: dict[str, Any], old: Path, new: Path) -> dict[str, Any]:
    """Keep relative data paths pointing at the same files when a project is saved elsewhere."""
    out = copy.deepcopy(data)
    for role in DATA_KEYS:
        src = out.get(role)
        if not isinstance(src, dict):
            continue
        for key in ("path", "inputs", "targets"):
            val = src.get(key)
            if key != "path" and "path" in src:
                continue  # inside an .npz / CSV these are names, not paths
            if isinstance(val, str) and not Path(val).is_absolute():
                src[key] = os.path.relpath(old / val, new)
    return out


# ---- validation ----------------------------------------------------------------------------------
def _type_name(v: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "true/false",
        int: "a whole number",
        float: "a number",
        type(None): "null",
    }.get(type(v), type(v).__name__)


def _expect(v: Any, types: type | tuple[type, ...], where: str, what: str) -> None:
    ok = isinstance(v, types) and not (isinstance(v, bool) and bool not in _as_tuple(types))
    if not ok:
        raise ProjectError(
            f"{where} must be {what}, not {_type_name(v)} ({json.dumps(v)[:60]})", where=where
        )


def _as_tuple(t: type | tuple[type, ...]) -> tuple[type, ...]:
    return t if isinstance(t, tuple) else (t,)


def _no_unknown(d: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        raise ProjectError(
            f"{where} has unknown key{'s' if len(unknown) > 1 else ''} {names}; "
            f"allowed: {', '.join(sorted(allowed))}",
            where=f"{where}.{unknown[0]}" if where != "project" else unknown[0],
        )


def migrate(d: dict[str, Any]) -> dict[str, Any]:
    """Bring an older format forward. Format 1 is the first; nothing older exists to migrate."""
    return d


def validate(d: Any) -> None:
    """Raise ProjectError naming the first key path that is wrong."""
    _expect(d, dict, "the project", "a JSON object")
    if "kerasgui_project" not in d:
        raise ProjectError(
            "not a kerasgui project: the key 'kerasgui_project' (the format number) is missing",
            where="kerasgui_project",
        )
    fmt = d["kerasgui_project"]
    _expect(fmt, int, "kerasgui_project", "a format number")
    if fmt > FORMAT:
        raise ProjectError(
            f"this project has format {fmt}, made by a newer kerasgui; this kerasgui "
            f"reads format {FORMAT} and older. Update kerasgui to open it.",
            where="kerasgui_project",
        )
    if fmt < 1:
        raise ProjectError(
            f"kerasgui_project must be 1 or more, not {fmt}", where="kerasgui_project"
        )
    _no_unknown(d, TOP_KEYS, "project")
    if "name" in d:
        _expect(d["name"], str, "name", "a string")
    if "model" not in d:
        raise ProjectError("the key 'model' is missing: give {\"layers\": [...]}", where="model")
    _validate_model(d["model"])
    if "compile" in d:
        _validate_compile(d["compile"])
    if "data" in d:
        _validate_data(d["data"])
    if "fit" in d:
        _validate_fit(d["fit"])


def _validate_model(m: Any) -> None:
    _expect(m, dict, "model", "an object")
    if "layers" in m:
        _no_unknown(m, {"layers"}, "model")
        _expect(m["layers"], list, "model.layers", "a list of layer configs")
        for i, layer in enumerate(m["layers"]):
            validate_layer(layer, f"model.layers[{i}]")
    elif "class_name" in m:
        _expect(m["class_name"], str, "model.class_name", "a string")
        if m["class_name"] not in ("Sequential", "Functional", "Model"):
            raise ProjectError(
                f"model.class_name is {m['class_name']!r}; a whole model must be "
                "'Sequential' or 'Functional'",
                where="model.class_name",
            )
        _expect(m.get("config"), dict, "model.config", "an object")
    else:
        raise ProjectError(
            'model must be {"layers": [...]} or a Keras model config '
            '({"class_name": "Functional", "config": ...})',
            where="model",
        )


def validate_layer(layer: Any, where: str) -> None:
    _expect(layer, dict, where, 'a layer config {"class_name": ..., "config": {...}}')
    if "class_name" not in layer:
        raise ProjectError(
            f"{where} has no 'class_name' (e.g. \"Dense\")", where=f"{where}.class_name"
        )
    _expect(layer["class_name"], str, f"{where}.class_name", 'a layer class name such as "Dense"')
    _no_unknown(
        layer,
        {
            "class_name",
            "config",
            "module",
            "registered_name",
            "build_config",
            "name",
            "inbound_nodes",
        },
        where,
    )
    if "config" in layer:
        _expect(layer["config"], dict, f"{where}.config", "an object of layer arguments")


def _validate_named(v: Any, where: str, what: str, custom: bool = False) -> None:
    if isinstance(v, str):
        if not v:
            raise ProjectError(f"{where} is empty; give a {what} name", where=where)
        return
    _expect(v, dict, where, f'a {what} name or {{"class_name": ..., "config": {{...}}}}')
    if custom and "python" in v:
        _no_unknown(v, CUSTOM_KEYS, where)
        _expect(v["python"], str, f"{where}.python", "the file name of a Python file")
        _expect(v.get("name"), str, f"{where}.name", "the name of a function in that file")
        return
    if "class_name" not in v:
        raise ProjectError(f"{where} has no 'class_name'", where=f"{where}.class_name")
    _expect(v["class_name"], str, f"{where}.class_name", f"a {what} class name")
    _no_unknown(v, {"class_name", "config", "module", "registered_name"}, where)
    if "config" in v:
        _expect(v["config"], dict, f"{where}.config", "an object of arguments")


def _validate_compile(c: Any) -> None:
    _expect(c, dict, "compile", "an object")
    _no_unknown(c, COMPILE_KEYS, "compile")
    if "optimizer" in c:
        _validate_named(c["optimizer"], "compile.optimizer", "optimizer")
    if "loss" in c:
        _validate_named(c["loss"], "compile.loss", "loss", custom=True)
    if "metrics" in c:
        _expect(c["metrics"], list, "compile.metrics", "a list")
        for i, m in enumerate(c["metrics"]):
            _validate_named(m, f"compile.metrics[{i}]", "metric", custom=True)


def validate_source(s: Any, where: str) -> None:
    _expect(s, dict, where, "a data source object")
    _no_unknown(s, SOURCE_KEYS, where)
    if "path" not in s and "inputs" not in s:
        raise ProjectError(
            f"{where} needs 'path' (a CSV or .npz file) or 'inputs' (an .npy file)", where=where
        )
    if "path" in s:
        _expect(s["path"], str, f"{where}.path", "a file path")
        if "inputs" in s:
            _expect(s["inputs"], str, f"{where}.inputs", "an array name in the .npz file")
        if "targets" in s and not isinstance(s["targets"], str):
            _expect(s["targets"], list, f"{where}.targets", "a list of column names")
            for i, t in enumerate(s["targets"]):
                _expect(t, (str, int), f"{where}.targets[{i}]", "a column name or index")
        if "features" in s and s["features"] is not None:
            _expect(s["features"], list, f"{where}.features", "a list of column names")
            for i, t in enumerate(s["features"]):
                _expect(t, (str, int), f"{where}.features[{i}]", "a column name or index")
    else:
        _expect(s["inputs"], str, f"{where}.inputs", "the path of an .npy file")
        if "targets" in s and s["targets"] is not None:
            _expect(s["targets"], str, f"{where}.targets", "the path of an .npy file")
        for k in ("features", "delimiter", "header"):
            if k in s:
                raise ProjectError(f"{where}.{k} applies to CSV files only", where=f"{where}.{k}")
    if "delimiter" in s and s["delimiter"] is not None:
        _expect(s["delimiter"], str, f"{where}.delimiter", "a single character")
        if len(s["delimiter"]) != 1:
            raise ProjectError(
                f"{where}.delimiter must be one character, not {s['delimiter']!r}",
                where=f"{where}.delimiter",
            )
    if "header" in s and s["header"] is not None:
        _expect(s["header"], bool, f"{where}.header", "true or false")


def _validate_data(d: Any) -> None:
    _expect(d, dict, "data", "an object")
    _no_unknown(d, DATA_KEYS, "data")
    for role in ("train", "test"):
        if d.get(role) is not None:
            validate_source(d[role], f"data.{role}")
    v = d.get("validation")
    if v is None:
        return
    if isinstance(v, dict) and "split" in v:
        _no_unknown(v, SPLIT_KEYS, "data.validation")
        _expect(v["split"], (int, float), "data.validation.split", "a fraction between 0 and 1")
        if not 0 <= v["split"] < 1:
            raise ProjectError(
                f"data.validation.split must be at least 0 and below 1, not {v['split']}",
                where="data.validation.split",
            )
        if "shuffle" in v:
            _expect(v["shuffle"], bool, "data.validation.shuffle", "true or false")
    else:
        validate_source(v, "data.validation")


def _validate_fit(f: Any) -> None:
    _expect(f, dict, "fit", "an object")
    _no_unknown(f, FIT_KEYS, "fit")
    for k in ("epochs", "batch_size"):
        if k in f:
            _expect(f[k], int, f"fit.{k}", "a whole number")
            if f[k] < 1:
                raise ProjectError(f"fit.{k} must be 1 or more, not {f[k]}", where=f"fit.{k}")
    if "shuffle" in f:
        _expect(f["shuffle"], bool, "fit.shuffle", "true or false")
    if f.get("seed") is not None:
        _expect(f["seed"], int, "fit.seed", "a whole number or null")
    if "callbacks" in f:
        _expect(f["callbacks"], list, "fit.callbacks", "a list")
        for i, cb in enumerate(f["callbacks"]):
            _validate_named(cb, f"fit.callbacks[{i}]", "callback")
    if "distribution" in f and f["distribution"] is not None:
        _expect(
            f["distribution"],
            (str, dict),
            "fit.distribution",
            '"auto", a device count, "cpu:N" or an object',
        )
