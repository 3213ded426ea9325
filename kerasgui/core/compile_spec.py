"""Project compile and callback settings → the objects `model.compile` and `model.fit` take.

Names go to Keras as they are, so "accuracy" means what it means in Keras; `{"class_name",
"config"}`
goes through Keras's own deserialization; `{"python": file, "name": fn}` is a user's function, run
only once the user trusted that file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kerasgui.core.errors import ProjectError, UserError

CALLBACKS = (
    "EarlyStopping",
    "ReduceLROnPlateau",
    "ModelCheckpoint",
    "TerminateOnNaN",
    "BackupAndRestore",
    "CSVLogger",
)
# The file argument of callbacks that write files, and its default inside the run's folder.
FILE_ARGS = {
    "ModelCheckpoint": ("filepath", "best.keras"),
    "BackupAndRestore": ("backup_dir", "backup"),
    "CSVLogger": ("filename", "log.csv"),
}


def _first_line(e: Exception) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else type(e).__name__


def resolve_optimizer(spec: Any) -> Any:
    import keras

    try:
        if isinstance(spec, str):
            return keras.optimizers.get(spec)
        return keras.optimizers.deserialize(
            {"class_name": spec["class_name"], "config": dict(spec.get("config") or {})}
        )
    except Exception as e:
        name = spec if isinstance(spec, str) else spec.get("class_name")
        raise ProjectError(
            f"compile.optimizer: Keras has no usable optimizer {name!r} ({_first_line(e)})",
            where="compile.optimizer",
        ) from None


def _custom(spec: dict[str, Any], base_dir: Path, where: str) -> Any:
    from kerasgui.core import custom

    path = Path(spec["python"])
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise ProjectError(
            f"{where}.python: the file {spec['python']} is not there (looked in "
            f"{base_dir.name or base_dir})",
            where=f"{where}.python",
        )
    return custom.load_function(path, spec["name"])


def resolve_loss(spec: Any, base_dir: Path) -> Any:
    import keras

    if spec is None:
        raise ProjectError("compile.loss is not set: choose a loss", where="compile.loss")
    if isinstance(spec, dict) and "python" in spec:
        return _custom(spec, base_dir, "compile.loss")
    try:
        if isinstance(spec, str):
            keras.losses.get(spec)
            return spec
        return keras.losses.deserialize(
            {"class_name": spec["class_name"], "config": dict(spec.get("config") or {})}
        )
    except Exception:
        name = spec if isinstance(spec, str) else spec.get("class_name")
        raise ProjectError(
            f"compile.loss: Keras has no loss called {name!r}; choose one such as "
            "mean_squared_error or sparse_categorical_crossentropy",
            where="compile.loss",
        ) from None


def resolve_metrics(specs: list[Any], base_dir: Path) -> list[Any]:
    import keras

    out = []
    for i, spec in enumerate(specs):
        where = f"compile.metrics[{i}]"
        if isinstance(spec, dict) and "python" in spec:
            out.append(_custom(spec, base_dir, where))
            continue
        try:
            if isinstance(spec, str):
                if spec not in ("accuracy", "acc", "crossentropy", "ce"):
                    keras.metrics.get(spec)
                out.append(spec)
            else:
                out.append(
                    keras.metrics.deserialize(
                        {"class_name": spec["class_name"], "config": dict(spec.get("config") or {})}
                    )
                )
        except Exception:
            name = spec if isinstance(spec, str) else spec.get("class_name")
            raise ProjectError(
                f"{where}: Keras has no metric called {name!r}", where=where
            ) from None
    return out


def make_callbacks(specs: list[Any], out_dir: Path | None) -> list[Any]:
    """Keras callbacks from the project; file paths inside them are relative to the run's folder."""
    import keras

    out = []
    for i, spec in enumerate(specs):
        where = f"fit.callbacks[{i}]"
        name = spec if isinstance(spec, str) else spec.get("class_name")
        config = {} if isinstance(spec, str) else dict(spec.get("config") or {})
        if name not in CALLBACKS:
            raise ProjectError(
                f"{where}: {name!r} is not a callback kerasgui can use; choose one of "
                f"{', '.join(CALLBACKS)}",
                where=where,
            )
        if name in FILE_ARGS:
            key, default = FILE_ARGS[name]
            value = Path(config.get(key, default))
            if not value.is_absolute():
                if out_dir is None:
                    raise UserError(
                        f"{where}: {name} writes files; train with an output folder", where=where
                    )
                value = Path(out_dir) / value
            config[key] = str(value)
        try:
            out.append(getattr(keras.callbacks, name)(**config))
        except Exception as e:
            raise ProjectError(f"{where} ({name}): {_first_line(e)}", where=where) from None
    return out


def custom_files(compile_: dict[str, Any]) -> list[str]:
    """The user's Python files that the compile settings name (to ask before running them)."""
    specs = [compile_.get("loss"), *compile_.get("metrics", [])]
    return sorted({s["python"] for s in specs if isinstance(s, dict) and "python" in s})
