"""Exported scripts: standalone, ruff-clean, and reproducing kerasgui's own run to the last bit.

The bundled examples run as scripts in fresh interpreters (all at once, while kerasgui trains the
same projects in this process); harder data and layer cases run the script's main() in-process.
"""

from __future__ import annotations

import concurrent.futures
import copy
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kerasgui.core.errors import DataError, ModelError, ProjectError
from kerasgui.core.export import STYLES, export_script
from kerasgui.core.project import Project
from tests.conftest import EXAMPLES

EXAMPLE_PROJECTS = sorted(EXAMPLES.glob("*/*.kgproj"))
EPOCHS = 2
RUFF = Path(sys.executable).with_name("ruff")


def _example(path: Path, epochs: int = EPOCHS) -> Project:
    project = Project.load(path)
    project.fit["epochs"] = epochs
    return project


def _id(path: Path) -> str:
    return path.stem


def _env() -> dict[str, str]:
    return dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow")


def assert_same_history(got: dict, want: dict, tol: float = 1e-6) -> None:
    assert sorted(got) == sorted(want)
    for k in want:
        assert len(got[k]) == len(want[k]), k
        np.testing.assert_allclose(got[k], want[k], atol=tol, rtol=0, err_msg=k)


def _kerasgui_run(project: Project) -> tuple[dict, dict | None]:
    from kerasgui.core.training import Session

    session = Session(copy.deepcopy(project))
    history = session.fit()
    metrics = session.evaluate() if session.data.test is not None else None
    return history, metrics


# ---- the bundled examples, as scripts in fresh interpreters --------------------------------------
class ExampleRuns:
    """The examples' scripts, started in the background as soon as the first test asks (two or
    more at a time), and kerasgui's own runs of the same projects, made here on demand."""

    def __init__(self, root: Path) -> None:
        self.folders: dict[tuple[str, str], Path] = {}
        self.pool = concurrent.futures.ThreadPoolExecutor(max(2, os.cpu_count() or 2))
        self.futures = {}
        self.reference: dict[str, tuple[dict, dict | None]] = {}
        for style in STYLES:  # in the order the tests ask for them
            for path in EXAMPLE_PROJECTS:
                folder = root / f"{path.stem}-{style}"
                folder.mkdir()
                script = folder / "run.py"
                script.write_text(export_script(_example(path), style, script_dir=folder),
                                  encoding="utf-8")
                self.folders[(path.stem, style)] = folder
                self.futures[(path.stem, style)] = self.pool.submit(
                    subprocess.run, [sys.executable, str(script)], cwd=folder, env=_env(),
                    capture_output=True, text=True, timeout=600)

    def script(self, path: Path, style: str) -> tuple[Path, subprocess.CompletedProcess]:
        key = (path.stem, style)
        return self.folders[key], self.futures[key].result()

    def kerasgui(self, path: Path) -> tuple[dict, dict | None]:
        if path.stem not in self.reference:
            self.reference[path.stem] = _kerasgui_run(_example(path))
        return self.reference[path.stem]


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory):
    runs = ExampleRuns(tmp_path_factory.mktemp("export_runs"))
    yield runs
    runs.pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.timeout(900)  # waits for scripts that run in the background
@pytest.mark.parametrize("path", EXAMPLE_PROJECTS, ids=_id)
@pytest.mark.parametrize("style", STYLES)
def test_example_script_reproduces_kerasgui(example_runs, path, style):
    """Each example, exported with 2 epochs and run as `python run.py` in a fresh interpreter,
    gives kerasgui's History (and test metrics) to 1e-6, and writes model.keras beside itself."""
    want_history, want_metrics = example_runs.kerasgui(path)
    folder, proc = example_runs.script(path, style)
    assert proc.returncode == 0, proc.stderr[-4000:]
    history = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    assert_same_history(history, want_history)
    assert len(history["loss"]) == EPOCHS
    assert (folder / "model.keras").is_file()
    if want_metrics is None:
        assert not (folder / "metrics.json").exists()
    else:
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        assert sorted(metrics) == sorted(want_metrics)
        for k, v in want_metrics.items():
            assert metrics[k] == pytest.approx(v, abs=1e-6), k


def test_example_scripts_are_standalone():
    for path in EXAMPLE_PROJECTS:
        for style in STYLES:
            text = export_script(_example(path), style)  # beside the project
            assert "kerasgui" not in "".join(line for line in text.splitlines()
                                             if line.lstrip().startswith(("import", "from")))
            assert str(EXAMPLES.parent) not in text and 'HERE / "/' not in text
            assert "keras.utils.set_random_seed(SEED)" in text
            compile(text, f"{path.stem}-{style}.py", "exec")


@pytest.mark.skipif(not RUFF.exists(), reason="ruff is not installed beside this Python")
def test_exported_scripts_pass_ruff(tmp_path):
    for path in EXAMPLE_PROJECTS:
        for style in STYLES:
            text = export_script(_example(path, 5), style, script_dir=tmp_path)
            (tmp_path / f"{path.stem}_{style}.py").write_text(text, encoding="utf-8")
    proc = subprocess.run([str(RUFF), "check", "--isolated", "--select", "E,F,W,I,UP,B",
                           "--line-length", "100", str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ---- harder cases, in-process ---------------------------------------------------------------
def _import_script(path: Path):
    spec = importlib.util.spec_from_file_location(f"exported_{path.stem}_{id(path)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_in_process(project: Project, style: str, folder: Path) -> tuple[dict, dict | None]:
    script = folder / f"run_{style}.py"
    script.write_text(export_script(project, style, script_dir=folder), encoding="utf-8")
    _import_script(script).main()
    history = json.loads((folder / "history.json").read_text(encoding="utf-8"))
    metrics_file = folder / "metrics.json"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8")) if metrics_file.exists() \
        else None
    return history, metrics


def _project(folder: Path, d: dict) -> Project:
    base = {"kerasgui_project": 1, "name": "case",
            "compile": {"optimizer": "adam", "loss": "mean_squared_error", "metrics": []},
            "fit": {"epochs": 2, "batch_size": 8, "shuffle": True, "seed": 3, "callbacks": []}}
    for k, v in d.items():
        base[k] = base[k] | v if isinstance(base.get(k), dict) and k != "model" else v
    path = folder / "case.kgproj"
    path.write_text(json.dumps(base), encoding="utf-8")
    return Project.load(path)


def _same_as_kerasgui(project: Project, folder: Path, styles=STYLES) -> None:
    want_history, want_metrics = _kerasgui_run(project)
    for style in styles:
        history, metrics = _run_in_process(project, style, folder)
        assert_same_history(history, want_history)
        if want_metrics is not None:
            assert metrics is not None
            for k, v in want_metrics.items():
                assert metrics[k] == pytest.approx(v, abs=1e-6), (style, k)


def test_awkward_csv_encodes_as_kerasgui_does(tmp_path):
    """No header, ';' delimiter, a BOM, spaces around cells, quoted cells, blank lines, a text
    feature in the middle, a text target; validation and test from their own files."""
    rng = np.random.default_rng(5)
    colors = ["red", "green", "blue, dark"]

    def rows(n, with_target=True):
        out = []
        for i in range(n):
            c = colors[i % 3]
            cells = [f" {rng.normal():.5f}", f'"{c}"', f"{rng.normal() * 10:.3f}\t"]
            if with_target:
                cells.append(["cat", "dog"][int(rng.integers(2))])
            out.append(";".join(cells))
            if i % 17 == 0:
                out.append("")
        return out

    (tmp_path / "train.csv").write_bytes(b"\xef\xbb\xbf" + "\n".join(rows(60)).encode())
    (tmp_path / "val.csv").write_text("\n".join(rows(20)) + "\n", encoding="utf-8")
    (tmp_path / "test.csv").write_text("\n".join(rows(20)) + "\n", encoding="utf-8")
    project = _project(tmp_path, {
        "model": {"layers": [{"class_name": "Dense", "config": {"units": 4, "activation": "relu"}},
                             {"class_name": "Dense", "config": {"units": 2,
                                                                "activation": "softmax"}}]},
        "compile": {"loss": "sparse_categorical_crossentropy", "metrics": ["accuracy"]},
        "data": {"train": {"path": "train.csv", "targets": ["column_3"]},
                 "validation": {"path": "val.csv", "targets": ["column_3"]},
                 "test": {"path": "test.csv", "targets": ["column_3"]}},
    })
    text = export_script(project, "sequential", script_dir=tmp_path)
    assert 'delimiter=";"' in text and "header=False" in text
    # the script's own arrays are kerasgui's arrays
    script = tmp_path / "arrays.py"
    script.write_text(text, encoding="utf-8")
    module = _import_script(script)
    columns = module.read_csv(tmp_path / "train.csv", delimiter=";", header=False)
    categories = {name: sorted(set(columns[name])) for name in module.TEXT_FEATURES}
    class_names = sorted(set(columns[module.TARGET]))
    x, y = module.encode(columns, categories, class_names)
    from kerasgui.core.data import load_source

    want = load_source(project.data["train"], tmp_path)
    assert x.dtype == want.x.dtype and np.array_equal(x, want.x)
    assert y.dtype == want.y.dtype and np.array_equal(y, want.y)
    assert categories == {"column_1": ["blue, dark", "green", "red"]}
    _same_as_kerasgui(project, tmp_path, styles=("sequential",))


def test_numeric_targets_and_unshuffled_split(tmp_path):
    rng = np.random.default_rng(2)
    lines = ["a,b,kind,t1,t2"]
    for i in range(50):
        lines.append(f"{rng.normal():.4f},{rng.integers(0, 9)},{'xyz'[i % 3]},"
                     f"{rng.normal():.3f},{rng.normal():.3f}")
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = _project(tmp_path, {
        "model": {"layers": [{"class_name": "Dense", "config": {"units": 2}}]},
        "compile": {"optimizer": {"class_name": "RMSprop", "config": {"learning_rate": 0.01}},
                    "metrics": ["mean_absolute_error"]},
        "data": {"train": {"path": "d.csv", "targets": ["t1", "t2"]},
                 "validation": {"split": 0.25, "shuffle": False}},
        "fit": {"shuffle": False},
    })
    text = export_script(project, "functional", script_dir=tmp_path)
    assert "keras.optimizers.RMSprop(learning_rate=0.01)" in text
    assert "n_train = len(x) - int(0.25 * len(x))" in text and "shuffle=False" in text
    _same_as_kerasgui(project, tmp_path, styles=("functional",))


def test_npz_rank3_layers_and_initializers(tmp_path):
    """Conv1D, LSTM with a configured initializer, Bidirectional around a GRU and a configured
    regularizer: every style makes the same initial weights as kerasgui's builder."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "seq.npz", x=rng.normal(size=(40, 6, 3)).astype("float64"),
             y=rng.integers(0, 2, size=(40, 1)))
    he = {"class_name": "HeNormal", "config": {}}
    project = _project(tmp_path, {
        "model": {"layers": [
            {"class_name": "Conv1D", "config": {"filters": 4, "kernel_size": 3, "padding": "same",
                                                "kernel_initializer": he}},
            {"class_name": "LSTM", "config": {"units": 5, "return_sequences": True,
                                              "recurrent_initializer": he}},
            {"class_name": "Bidirectional", "config": {"layer": {"class_name": "GRU",
                                                                 "config": {"units": 3}}}},
            {"class_name": "Dense", "config": {
                "units": 1, "activation": "sigmoid",
                "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}}},
        ]},
        "compile": {"loss": "binary_crossentropy", "metrics": ["accuracy"]},
        "data": {"train": {"path": "seq.npz", "inputs": "x", "targets": "y"},
                 "validation": {"split": 0.2, "shuffle": True}},
    })
    text = export_script(project, "sequential", script_dir=tmp_path)
    assert "kernel_initializer=keras.initializers.HeNormal()" in text
    assert "keras.regularizers.L2(l2=0.01)" in text
    assert "keras.layers.Bidirectional(keras.layers.GRU(3))" in text
    assert 'recurrent_initializer="he_normal"' in text  # made inside the LSTM: see below
    assert 'with np.load(HERE / "seq.npz") as arrays:' in text
    _same_initial_weights(project, tmp_path, (6, 3))


def test_dropout_and_batch_norm_train_alike_in_every_style(tmp_path):
    """Layers that act differently in training get `training` in a subclass's call() exactly as a
    Sequential model passes it; one number per sample (1-D .npz inputs) is one input."""
    rng = np.random.default_rng(4)
    np.savez(tmp_path / "d.npz", inputs=rng.normal(size=64), answers=rng.normal(size=(64, 1)))
    project = _project(tmp_path, {
        "model": {"layers": [
            {"class_name": "Dense", "config": {"units": 8, "activation": "relu"}},
            {"class_name": "Dropout", "config": {"rate": 0.4}},
            {"class_name": "BatchNormalization", "config": {}},
            {"class_name": "GaussianNoise", "config": {"stddev": 0.1}},
            {"class_name": "Dense", "config": {"units": 1}}]},
        "data": {"train": {"path": "d.npz", "inputs": "inputs", "targets": "answers"},
                 "validation": {"split": 0.25, "shuffle": True}},
    })
    text = export_script(project, "subclass", script_dir=tmp_path)
    assert "def call(self, inputs, training=None):" in text
    assert "x = self.dropout(x, training=training)" in text
    assert "x = x.reshape(-1, 1)" in text
    _same_as_kerasgui(project, tmp_path)


def _same_initial_weights(project: Project, folder: Path, shape: tuple[int, ...]) -> None:
    import keras

    from kerasgui.core.builder import build_model

    keras.utils.set_random_seed(11)
    want = [np.asarray(w) for w in build_model(project, shape).get_weights()]
    for style in STYLES:
        script = folder / f"weights_{style}.py"
        script.write_text(export_script(project, style, script_dir=folder), encoding="utf-8")
        module = _import_script(script)
        keras.utils.set_random_seed(11)
        got = module.build_model(shape).get_weights()
        assert len(got) == len(want), style
        for a, b in zip(got, want, strict=True):
            assert a.shape == b.shape and np.array_equal(a, b), style


def test_seedless_initializer_after_a_default_one_is_written_so_seeds_match(tmp_path):
    """LSTM draws its kernel initializer's seed before the recurrent one: a configured recurrent
    initializer made before the layer would take the kernel's seed, so it is left to Keras."""
    np.save(tmp_path / "x.npy", np.zeros((10, 4, 2), dtype="float32"))
    np.save(tmp_path / "y.npy", np.zeros((10, 1), dtype="float32"))
    project = _project(tmp_path, {
        "model": {"layers": [
            {"class_name": "LSTM", "config": {"units": 3, "recurrent_initializer": {
                "class_name": "RandomNormal", "config": {"stddev": 0.2}}}},
            {"class_name": "Dense", "config": {"units": 1}}]},
        "data": {"train": {"inputs": "x.npy", "targets": "y.npy"}, "validation": None},
    })
    _same_initial_weights(project, tmp_path, (4, 2))


def test_custom_loss_callbacks_and_declared_input(tmp_path):
    from kerasgui.core import custom

    (tmp_path / "my_losses.py").write_text(
        "import keras\n\n\ndef my_custom_loss(y_true, y_pred):\n"
        "    return keras.ops.mean(keras.ops.abs(y_true - y_pred) ** 1.5, axis=-1)\n",
        encoding="utf-8")
    rng = np.random.default_rng(1)
    np.save(tmp_path / "x.npy", rng.normal(size=(64, 3)).astype("float32"))
    np.save(tmp_path / "y.npy", rng.normal(size=(64,)).astype("float32"))
    project = _project(tmp_path, {
        "model": {"layers": [
            {"class_name": "InputLayer", "config": {"shape": [3]}},
            {"class_name": "Normalization", "config": {}},
            {"class_name": "Dense", "config": {"units": 1}}]},
        "compile": {"loss": {"python": "my_losses.py", "name": "my_custom_loss"},
                    "metrics": [{"class_name": "MeanAbsoluteError", "config": {"name": "mae"}},
                                {"python": "my_losses.py", "name": "my_custom_loss"}]},
        "data": {"train": {"inputs": "x.npy", "targets": "y.npy"},
                 "validation": {"split": 0.25, "shuffle": True}},
        "fit": {"epochs": 3, "callbacks": [
            {"class_name": "ReduceLROnPlateau", "config": {"patience": 1, "factor": 0.5}},
            "TerminateOnNaN"]},
    })
    custom.trust(tmp_path / "my_losses.py")
    text = export_script(project, "subclass", script_dir=tmp_path)
    assert 'function_from(HERE / "my_losses.py", "my_custom_loss")' in text
    assert "keras.metrics.MeanAbsoluteError(name=\"mae\")" in text
    assert "model = build_model((3,))" in text and "model.normalization.adapt(x_train)" in text
    assert text.count("TerminateOnNaN") == 1
    _same_as_kerasgui(project, tmp_path, styles=("subclass",))


def test_file_callbacks_write_beside_the_script(tmp_path):
    shutil.copy(EXAMPLES / "two_class" / "inputs.npy", tmp_path)
    shutil.copy(EXAMPLES / "two_class" / "targets.npy", tmp_path)
    project = _project(tmp_path, {
        "model": {"layers": [{"class_name": "Dense", "config": {"units": 1}}]},
        "data": {"train": {"inputs": "inputs.npy", "targets": "targets.npy"},
                 "validation": {"split": 0.3, "shuffle": True}},
        "fit": {"epochs": 1, "batch_size": 64, "callbacks": [
            {"class_name": "ModelCheckpoint", "config": {"filepath": "best.keras",
                                                         "save_best_only": True}},
            {"class_name": "CSVLogger", "config": {}}]},
    })
    text = export_script(project, "sequential", script_dir=tmp_path)
    assert 'filepath=str(HERE / "best.keras")' in text
    assert 'filename=str(HERE / "log.csv")' in text
    _run_in_process(project, "sequential", tmp_path)
    assert (tmp_path / "best.keras").is_file() and (tmp_path / "log.csv").is_file()


def test_whole_model_configs(tmp_path, monkeypatch):
    """Projects that hold a Keras model config (an imported model) rebuild it as kerasgui does."""
    import keras

    from kerasgui.core import builder

    # builder.build_model gives Keras the project's own dict, which Keras empties as it loads it;
    # Session.prepare builds twice, so the second build fails. Build from a copy here.
    build = builder.build_model
    monkeypatch.setattr(builder, "build_model", lambda project, shape: build(
        Project(project.name, copy.deepcopy(project.model), project.compile, project.data,
                project.fit, project.path), shape))

    shutil.copy(EXAMPLES / "two_class" / "two_class.csv", tmp_path)
    inputs = keras.Input(shape=(2,))
    a = keras.layers.Dense(4, activation="relu")(inputs)
    b = keras.layers.Dense(4, activation="tanh")(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.Concatenate()([a, b]))
    graph = keras.saving.serialize_keras_object(keras.Model(inputs, outputs))
    seq = keras.saving.serialize_keras_object(keras.Sequential(
        [keras.Input(shape=(2,)), keras.layers.Dense(3, activation="relu"),
         keras.layers.Dense(1)]))
    for config in (graph, seq):
        project = _project(tmp_path, {
            "model": json.loads(json.dumps(config)),
            "data": {"train": {"path": "two_class.csv", "targets": ["label"]},
                     "validation": {"split": 0.3, "shuffle": True}},
            "fit": {"epochs": 1, "batch_size": 64}})
        _same_as_kerasgui(project, tmp_path,
                          styles=("subclass",) if config is seq else ("functional",))
    text = export_script(project, "functional", script_dir=tmp_path)
    assert "keras.layers.Dense(3, activation=\"relu\")" in text


def test_paths_are_relative_to_the_script(tmp_path):
    project = _example(EXAMPLES / "penguins" / "penguins.kgproj")
    folder = tmp_path / "scripts" / "deep"
    text = export_script(project, "sequential", script_dir=folder)
    rel = Path(os.path.relpath(EXAMPLES / "penguins" / "penguins.csv", folder)).as_posix()
    assert f'HERE / "{rel}"' in text
    beside = export_script(project, "sequential")  # default: the project's folder
    assert 'read_csv(HERE / "penguins.csv")' in beside


def test_errors_name_what_to_fix(tmp_path):
    project = _example(EXAMPLES / "two_class" / "two_class.kgproj")
    with pytest.raises(ProjectError, match="style"):
        export_script(project, "keras2")
    empty = _example(EXAMPLES / "two_class" / "two_class.kgproj")
    empty.model = {"layers": []}
    with pytest.raises(ModelError, match="no layers"):
        export_script(empty)
    bad = _example(EXAMPLES / "two_class" / "two_class.kgproj")
    bad.model = {"layers": [{"class_name": "Dense", "config": {"unitz": 3}}]}
    with pytest.raises(ModelError) as e:
        export_script(bad)
    assert e.value.where and "model.layers[0]" in e.value.where
    nodata = _example(EXAMPLES / "two_class" / "two_class.kgproj")
    nodata.data["train"] = None
    with pytest.raises(DataError, match="training data"):
        export_script(nodata)


def test_cli_export(tmp_path):
    from kerasgui.cli import main

    out = tmp_path / "penguins.py"
    code = main(["export", str(EXAMPLES / "penguins" / "penguins.kgproj"), "--out", str(out),
                 "--style", "functional"])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "keras.Model(inputs, outputs" in text
    assert "penguins.csv" in text


def test_full_layer_configs_are_written_compactly(tmp_path):
    """A stack as model.get_config()["layers"] gives it (names, dtype policies, every default)
    is written as a person would write it, with the same initial weights."""
    import keras

    np.save(tmp_path / "x.npy", np.zeros((10, 5), dtype="float32"))
    np.save(tmp_path / "y.npy", np.zeros((10, 1), dtype="float32"))
    model = keras.Sequential([keras.Input(shape=(5,)),
                              keras.layers.Dense(6, activation="tanh",
                                                 kernel_initializer="he_uniform"),
                              keras.layers.Dense(1, bias_initializer="ones")])
    layers = json.loads(json.dumps(model.get_config()["layers"]))
    project = _project(tmp_path, {
        "model": {"layers": [{k: v for k, v in layer.items() if k != "build_config"}
                             for layer in layers]},
        "data": {"train": {"inputs": "x.npy", "targets": "y.npy"}, "validation": None},
    })
    text = export_script(project, "sequential", script_dir=tmp_path)
    assert 'keras.layers.Dense(6, activation="tanh", kernel_initializer="he_uniform")' in text
    assert 'keras.layers.Dense(1, bias_initializer="ones")' in text
    assert "model = build_model((5,))" in text
    _same_initial_weights(project, tmp_path, (5,))
