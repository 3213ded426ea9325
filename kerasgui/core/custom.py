"""Custom losses and metrics from the user's own Python file (the seed note's `my_custom_loss`).

A project names one as ``{"python": "my_losses.py", "name": "my_custom_loss"}`` (the path relative
to the project folder). The file is read without running it to list the functions that fit
(``list_functions``: two required positional arguments, ``y_true, y_pred``); it runs only once the
person has agreed to run that file (``trust``), and is then registered with Keras so a saved model
reloads with it (``load_function``).
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.util
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kerasgui.core.errors import UserError

PACKAGE = "kerasgui_custom"

_trusted: set[Path] = set()
_loaded: dict[tuple[Path, int], Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class CustomFunction:
    """A function in a user's file that can serve as a loss or a metric."""

    name: str
    lineno: int
    doc: str


def is_custom(spec: Any) -> bool:
    """True for a ``{"python": ..., "name": ...}`` loss or metric."""
    return isinstance(spec, dict) and "python" in spec


def spec_for(path: str | os.PathLike[str], name: str, base_dir: Path) -> dict[str, str]:
    """The project entry for function `name` in `path`, the path relative to the project folder."""
    p = Path(path).resolve()
    try:
        rel = os.path.relpath(p, Path(base_dir).resolve())
    except ValueError:  # another drive on Windows
        rel = str(p)
    return {"python": Path(rel).as_posix(), "name": name}


def label(spec: dict[str, Any]) -> str:
    """How a custom entry is shown in lists: ``my_custom_loss (custom, my_losses.py)``."""
    return f"{spec.get('name')} (custom, {Path(str(spec.get('python'))).name})"


def _read_source(path: Path) -> str:
    if path.suffix != ".py":
        raise UserError(f"{path.name}: choose a Python file (.py) that defines the function",
                        where=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; put the Python file beside the project or choose "
                        "it again", where=str(path)) from None
    except UnicodeDecodeError as e:
        raise UserError(f"{path.name}: not UTF-8 text (byte {e.start})", where=str(path)) from None
    except OSError as e:
        raise UserError(f"{path}: cannot read it ({e.strerror})", where=str(path)) from None


def list_functions(path: str | os.PathLike[str]) -> list[CustomFunction]:
    """The top-level functions of `path` that take ``(y_true, y_pred)``, found by parsing the file:
    nothing in it runs. A syntax error is a UserError naming file, line and column."""
    p = Path(path)
    source = _read_source(p)
    try:
        tree = ast.parse(source, filename=str(p))
    except SyntaxError as e:
        where = f"{p.name}:{e.lineno}:{e.offset}"
        raise UserError(f"{where}: Python syntax error: {e.msg}; fix the file and add it again",
                        where=where) from None
    found: list[CustomFunction] = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        positional = [*node.args.posonlyargs, *node.args.args]
        required = len(positional) - len(node.args.defaults)
        kw_required = [a for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
                       if d is None]
        if required == 2 and not kw_required:
            found.append(CustomFunction(node.name, node.lineno, ast.get_docstring(node) or ""))
    return found


def trust(path: str | os.PathLike[str]) -> None:
    """Record that the person agreed to run this file (for this process only)."""
    with _lock:
        _trusted.add(Path(path).resolve())


def is_trusted(path: str | os.PathLike[str]) -> bool:
    with _lock:
        return Path(path).resolve() in _trusted


def files_of(compile_: dict[str, Any], base_dir: Path) -> list[Path]:
    """The Python files a project's compile settings name, each once, in order of appearance."""
    specs = [compile_.get("loss"), *(compile_.get("metrics") or [])]
    out: list[Path] = []
    for spec in specs:
        if is_custom(spec):
            p = (Path(base_dir) / str(spec["python"])).resolve()
            if p not in out:
                out.append(p)
    return out


def rebase(compile_: dict[str, Any], old: Path, new: Path) -> dict[str, Any]:
    """Keep relative custom-code paths pointing at the same files when a project moves folders."""
    out = copy.deepcopy(compile_)

    def fix(spec: Any) -> Any:
        if is_custom(spec) and not Path(str(spec["python"])).is_absolute():
            rel = os.path.relpath(Path(old) / spec["python"], new)
            return {**spec, "python": Path(rel).as_posix()}
        return spec

    out["loss"] = fix(out.get("loss"))
    out["metrics"] = [fix(m) for m in out.get("metrics") or []]
    return out


def load_function(path: str | os.PathLike[str], name: str, *, allow: bool = False) -> Any:
    """Run the (trusted) file once and return its function `name`, registered with Keras as
    ``kerasgui_custom>name`` so a model saved with it reloads once this file is loaded again.
    Refuses a file the person has not agreed to run, unless `allow` (they chose it just now)."""
    p = Path(path).resolve()
    if not (allow or is_trusted(p)):
        raise UserError(f"{p.name} is Python code that has not been approved; open the project in "
                        "the window and agree to run it, or pass it explicitly", where=str(p))
    names = {f.name for f in list_functions(p)}  # reads and parses: a clear error before running
    if name not in names:
        all_fns = ", ".join(sorted(names)) or "none"
        raise UserError(f"{p.name} has no top-level function {name}(y_true, y_pred); it has: "
                        f"{all_fns}", where=f"{p.name}:{name}")
    module = _run_file(p)
    fn = getattr(module, name, None)
    if not callable(fn):
        raise UserError(f"{p.name}: {name} is not a function once the file has run",
                        where=f"{p.name}:{name}")
    import keras

    registered = keras.saving.get_registered_object(f"{PACKAGE}>{name}")
    if registered is not fn:
        fn = keras.saving.register_keras_serializable(package=PACKAGE, name=name)(fn)
    return fn


def resolve(spec: Any, base_dir: Path, *, allow: bool = False) -> Any:
    """A compile entry as Keras takes it: a custom entry becomes its function, anything else is
    returned unchanged."""
    if not is_custom(spec):
        return spec
    return load_function(Path(base_dir) / str(spec["python"]), str(spec["name"]), allow=allow)


def _run_file(p: Path) -> Any:
    mtime = p.stat().st_mtime_ns
    with _lock:
        cached = _loaded.get((p, mtime))
    if cached is not None:
        return cached
    digest = hashlib.sha1(str(p).encode()).hexdigest()[:10]
    mod_name = f"{PACKAGE}_{p.stem}_{digest}"
    spec = importlib.util.spec_from_file_location(mod_name, p)
    if spec is None or spec.loader is None:
        raise UserError(f"{p.name}: cannot be loaded as a Python module", where=str(p))
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as e:
        sys.modules.pop(mod_name, None)
        frames = [f for f in traceback.extract_tb(e.__traceback__) if Path(f.filename) == p]
        line = frames[-1].lineno if frames else None
        where = f"{p.name}:{line}" if line else p.name
        raise UserError(f"{where}: running the file failed: {type(e).__name__}: {e}",
                        where=where) from None
    with _lock:
        _loaded[(p, mtime)] = module
    return module
