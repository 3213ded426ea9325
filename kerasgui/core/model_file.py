"""Trained models on disk: `.keras` files with the preprocessing that training used, saved
atomically
and opened safely (safe mode only; Lambda layers, foreign modules, `.h5` and remote paths
refused)."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kerasgui.core.errors import ModelFileError

if TYPE_CHECKING:
    from kerasgui.core.data import Schema

# The extra member kerasgui adds to a .keras zip: the data schema (class names, one-hot categories,
# feature and target columns) so that raw files of the same columns predict the same way.
SCHEMA_MEMBER = "kerasgui.json"
SAFE_MODULE_PREFIXES = ("keras", "builtins")
CODE_CLASSES = {"Lambda", "TFSMLayer"}


def save_model(
    model: Any,
    path: str | os.PathLike[str],
    schema: Schema | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save `model` to a .keras file atomically, with the data schema inside it."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"{path.name}: a model file must end in .keras", where=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".keras", dir=path.parent)
    os.close(fd)
    try:
        model.save(tmp)
        meta = {"schema": schema.to_dict() if schema is not None else None, **(extra or {})}
        with zipfile.ZipFile(tmp, "a") as z:
            z.writestr(SCHEMA_MEMBER, json.dumps(meta))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_meta(path: str | os.PathLike[str]) -> dict[str, Any]:
    """What kerasgui stored in a .keras file ({} for a file saved by plain Keras)."""
    try:
        with zipfile.ZipFile(path) as z:
            if SCHEMA_MEMBER not in z.namelist():
                return {}
            meta: dict[str, Any] = json.loads(z.read(SCHEMA_MEMBER))
            return meta
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return {}


def check_config_is_safe(config: Any, where: str) -> None:
    """Refuse a model config that would need code to load: Lambda layers, modules not from Keras."""
    if isinstance(config, dict):
        cls = config.get("class_name")
        if cls in CODE_CLASSES:
            raise ModelFileError(
                f"{where}: the model has a {cls} layer, which runs Python code "
                "stored in the file; kerasgui refuses it for your safety. Rebuild "
                "that part with built-in layers.",
                where=where,
            )
        module = config.get("module")
        if (
            isinstance(module, str)
            and cls is not None
            and not module.startswith(SAFE_MODULE_PREFIXES)
        ):
            raise ModelFileError(
                f"{where}: the model needs {cls} from the module {module!r}, which "
                "is not part of Keras; kerasgui does not import foreign code from "
                "model files.",
                where=where,
            )
        for v in config.values():
            check_config_is_safe(v, where)
    elif isinstance(config, list):
        for v in config:
            check_config_is_safe(v, where)


def load_model(path: str | os.PathLike[str]) -> tuple[Any, Schema | None]:
    """Open a .keras file in safe mode; returns (model, schema or None)."""
    import keras

    from kerasgui.core.data import Schema

    name = str(path)
    if "://" in name:
        raise ModelFileError(
            f"{name}: kerasgui opens model files on this computer only; download it first",
            where=name,
        )
    p = Path(path)
    if p.suffix.lower() in (".h5", ".hdf5"):
        raise ModelFileError(
            f"{p.name}: legacy .h5 model files can run code when loaded and are "
            "refused; re-save it as .keras with Keras 3",
            where=name,
        )
    if p.suffix.lower() != ".keras":
        raise ModelFileError(f"{p.name}: not a .keras model file", where=name)
    if not p.is_file():
        raise ModelFileError(f"{p}: no such model file", where=name)
    try:
        with zipfile.ZipFile(p) as z:
            bad = z.testzip()
            if bad is not None:
                raise ModelFileError(
                    f"{p.name}: the file is damaged (member {bad} is corrupt)", where=name
                )
            config = json.loads(z.read("config.json"))
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError):
        raise ModelFileError(
            f"{p.name}: not a readable .keras file (damaged or not a Keras model)", where=name
        ) from None
    check_config_is_safe(config, p.name)
    meta = read_meta(p)
    try:
        model = keras.saving.load_model(p, compile=True, safe_mode=True)
    except Exception as e:
        raise ModelFileError(
            f"{p.name}: Keras could not open it: {str(e).splitlines()[0][:300]}", where=name
        ) from None
    schema = Schema.from_dict(meta["schema"]) if meta.get("schema") else None
    return model, schema
