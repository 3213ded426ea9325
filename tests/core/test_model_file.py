"""Model files: saved atomically with their preprocessing; opened in safe mode only; files that
would
run code (Lambda, foreign modules, .h5) refused before Keras reads them."""

import json
import sys
import zipfile

import numpy as np
import pytest

from kerasgui.core.errors import ModelFileError
from kerasgui.core.model_file import load_model, read_meta, save_model


def small_model():
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_save_and_reopen_predicts_the_same(tmp_path):
    from kerasgui.core.data import Feature, Schema

    model = small_model()
    schema = Schema(
        kind="csv",
        features=[
            Feature("a", "number", []),
            Feature("b", "number", []),
            Feature("c", "number", []),
        ],
        targets=["label"],
        class_names=["no", "yes"],
        input_shape=(3,),
        feature_names=["a", "b", "c"],
    )
    path = save_model(model, tmp_path / "m.keras", schema, extra={"note": 1})
    assert read_meta(path)["note"] == 1
    assert not [p for p in tmp_path.iterdir() if p.name != "m.keras"]  # no temporary left
    again, schema2 = load_model(path)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-7)
    assert schema2.class_names == ["no", "yes"] and schema2.input_shape == (3,)


def test_plain_keras_file_opens_without_schema(tmp_path):
    model = small_model()
    model.save(tmp_path / "plain.keras")
    _, schema = load_model(tmp_path / "plain.keras")
    assert schema is None


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("m.h5", b"\x89HDF\r\n", ".h5"),
        ("m.keras", b"not a zip at all", "not a readable .keras file"),
        ("m.txt", b"", "not a .keras model file"),
    ],
)
def test_refused_files(tmp_path, name, content, words):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(ModelFileError, match=words):
        load_model(p)


def test_truncated_keras_is_refused(tmp_path):
    good = save_model(small_model(), tmp_path / "good.keras")
    data = good.read_bytes()
    bad = tmp_path / "bad.keras"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"bad\.keras"):
        load_model(bad)


def test_remote_paths_refused():
    with pytest.raises(ModelFileError, match="on this computer"):
        load_model("https://example.invalid/model.keras")


def test_lambda_payload_never_runs(tmp_path):
    import keras

    marker = tmp_path / "ran.txt"
    code = f"lambda x: (open({str(marker)!r}, 'w').write('ran'), x)[1]"
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(eval(code))])
    model.save(tmp_path / "lambda.keras")
    marker.unlink(missing_ok=True)  # building the model above ran it once
    with pytest.raises(ModelFileError, match="Lambda"):
        load_model(tmp_path / "lambda.keras")
    assert not marker.exists()


def test_foreign_module_is_never_imported(tmp_path, monkeypatch):
    good = save_model(small_model(), tmp_path / "good.keras")
    (tmp_path / "evil_payload.py").write_text(
        f"open({str(tmp_path / 'imported.txt')!r}, 'w').write('x')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    bad = tmp_path / "foreign.keras"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["layers"][-1]["module"] = "evil_payload"
                data = json.dumps(config).encode()
            dst.writestr(item, data)
    with pytest.raises(ModelFileError, match="evil_payload"):
        load_model(bad)
    assert not (tmp_path / "imported.txt").exists() and "evil_payload" not in sys.modules


def test_command_line_refuses_code_carrying_models(tmp_path, capsys):
    import keras

    from kerasgui.cli import main

    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(lambda x: x * 2)])
    model.save(tmp_path / "lambda.keras")
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 truncated")
    for name, words in (("lambda.keras", "Lambda"), ("broken.keras", "not a readable .keras")):
        assert main(["predict", str(tmp_path / name), str(tmp_path / "x.csv"), "--out",
                     str(tmp_path / "p.csv")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err


def test_opened_model_gives_back_its_compile_settings(tmp_path):
    """A reopened .keras file's optimizer (with the settings that differ from the defaults), loss
    and metrics become a project's compile value, which builds and compiles the same way."""
    import keras

    from kerasgui.core.project import Project
    from kerasgui.core.results import compile_settings

    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01, beta_1=0.8),
                  loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy", keras.metrics.AUC(num_thresholds=50)])
    model.save(tmp_path / "m.keras")
    opened, _ = load_model(tmp_path / "m.keras")
    settings = compile_settings(opened)
    assert settings["optimizer"]["class_name"] == "Adam"
    assert settings["optimizer"]["config"]["learning_rate"] == pytest.approx(0.01)
    assert settings["optimizer"]["config"]["beta_1"] == pytest.approx(0.8)
    assert "beta_2" not in settings["optimizer"]["config"]  # a default: left out
    assert settings["loss"] == "sparse_categorical_crossentropy"
    assert settings["metrics"][0] == "sparse_categorical_accuracy"
    assert settings["metrics"][1]["class_name"] == "AUC"
    assert settings["metrics"][1]["config"]["num_thresholds"] == 50
    project = Project.from_dict({"kerasgui_project": 1, "model": {"layers": []},
                                 "compile": settings})  # valid in a project file
    assert project.compile == settings
    from kerasgui.core.compile_spec import resolve_optimizer

    assert resolve_optimizer(settings["optimizer"]).beta_1 == pytest.approx(0.8)

    uncompiled = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    assert compile_settings(uncompiled) is None


def test_opened_models_learning_rate_reads_as_it_was_typed(tmp_path):
    """Keras keeps the learning rate as float32 (0.009999999776482582): the Compile tab shows 0.01,
    the same float32, and a default value read back that way is left out as a default."""
    import keras

    from kerasgui.core.results import compile_settings

    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.01), loss="mse")
    model.save(tmp_path / "m.keras")
    opened, _ = load_model(tmp_path / "m.keras")
    optimizer = compile_settings(opened)["optimizer"]
    assert optimizer == {"class_name": "RMSprop", "config": {"learning_rate": 0.01}}
