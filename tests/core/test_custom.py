"""Custom losses and metrics: listed without running the file, run only once trusted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kerasgui.core import custom
from kerasgui.core.errors import UserError

LOSSES = '''\
"""My losses."""
import keras

def my_custom_loss(y_true, y_pred):
    """Mean absolute error, by hand."""
    return keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

def weighted(y_true, y_pred, weight=2.0):
    return weight * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

def one_arg(x):
    return x

def three_args(a, b, c):
    return a

def _private(y_true, y_pred):
    return y_true

class NotAFunction:
    def method(self, y_true, y_pred):
        return y_true
'''


def write(tmp_path: Path, text: str, name: str = "my_losses.py") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_list_functions_reads_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    p = write(tmp_path, LOSSES + f"\nopen({str(marker)!r}, 'w').write('ran')\n")
    fns = custom.list_functions(p)
    assert [f.name for f in fns] == ["my_custom_loss", "weighted"]
    assert fns[0].doc == "Mean absolute error, by hand."
    assert fns[0].lineno == 4
    assert not marker.exists()


def test_syntax_error_names_file_line_column(tmp_path: Path) -> None:
    p = write(tmp_path, "def f(y_true, y_pred):\n    return (\n")
    with pytest.raises(UserError) as e:
        custom.list_functions(p)
    assert e.value.where is not None and e.value.where.startswith("my_losses.py:")
    assert "syntax error" in e.value.message


def test_not_python_or_missing(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="Python file"):
        custom.list_functions(write(tmp_path, "x", "notes.txt"))
    with pytest.raises(UserError, match="no such file"):
        custom.list_functions(tmp_path / "absent.py")


def test_untrusted_file_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    p = write(tmp_path, LOSSES + f"\nopen({str(marker)!r}, 'w').write('ran')\n", "untrusted.py")
    with pytest.raises(UserError, match="not been approved"):
        custom.load_function(p, "my_custom_loss")
    assert not marker.exists()


def test_trusted_file_loads_and_registers(tmp_path: Path) -> None:
    import keras

    p = write(tmp_path, LOSSES, "trusted_losses.py")
    custom.trust(p)
    assert custom.is_trusted(p)
    fn = custom.load_function(p, "my_custom_loss")
    y = np.array([[1.0, 2.0]], dtype="float32")
    assert float(keras.ops.convert_to_numpy(fn(y, y * 0))[0]) == pytest.approx(1.5)
    assert keras.saving.get_registered_object("kerasgui_custom>my_custom_loss") is fn
    assert keras.saving.get_registered_name(fn) == "kerasgui_custom>my_custom_loss"
    # loading again gives the same function (the file runs once)
    assert custom.load_function(p, "my_custom_loss") is fn


def test_missing_function_and_failing_file(tmp_path: Path) -> None:
    p = write(tmp_path, LOSSES, "losses_b.py")
    with pytest.raises(UserError, match="no top-level function nope"):
        custom.load_function(p, "nope", allow=True)
    bad = write(tmp_path, "def f(y_true, y_pred):\n    return 1\n\nraise ValueError('boom')\n",
                "boom.py")
    with pytest.raises(UserError) as e:
        custom.load_function(bad, "f", allow=True)
    assert e.value.where == "boom.py:4"
    assert "ValueError: boom" in e.value.message


def test_resolve_spec_paths_and_rebase(tmp_path: Path) -> None:
    p = write(tmp_path, LOSSES, "resolve_losses.py")
    spec = custom.spec_for(p, "weighted", tmp_path)
    assert spec == {"python": "resolve_losses.py", "name": "weighted"}
    assert custom.is_custom(spec) and not custom.is_custom("mse")
    assert custom.resolve("mse", tmp_path) == "mse"
    fn = custom.resolve(spec, tmp_path, allow=True)
    assert callable(fn)
    compile_ = {"optimizer": "rmsprop", "loss": spec, "metrics": ["mae", spec]}
    assert custom.files_of(compile_, tmp_path) == [p.resolve()]
    moved = custom.rebase(compile_, tmp_path, tmp_path / "sub")
    assert moved["loss"]["python"] == "../resolve_losses.py"
    assert moved["metrics"] == ["mae", {"python": "../resolve_losses.py", "name": "weighted"}]
    assert compile_["loss"]["python"] == "resolve_losses.py"  # the original is untouched
    assert custom.label(spec) == "weighted (custom, resolve_losses.py)"


def test_custom_loss_compiles_and_trains(tmp_path: Path) -> None:
    import keras

    p = write(tmp_path, LOSSES, "fit_losses.py")
    custom.trust(p)
    loss = custom.resolve({"python": "fit_losses.py", "name": "my_custom_loss"}, tmp_path)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss=loss)
    x = np.zeros((8, 2), dtype="float32")
    hist = model.fit(x, np.ones((8, 1), dtype="float32"), epochs=1, verbose=0)
    assert len(hist.history["loss"]) == 1
