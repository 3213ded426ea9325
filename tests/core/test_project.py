"""The project file: load, validate (errors name the key path), save atomically, round-trip."""

import json
from pathlib import Path

import pytest

from kerasgui.core.errors import ProjectError
from kerasgui.core.project import FORMAT, Project
from tests.conftest import EXAMPLES

GOOD = {
    "kerasgui_project": 1,
    "name": "demo",
    "model": {"layers": [{"class_name": "Dense", "config": {"units": 1}}]},
    "compile": {
        "optimizer": {"class_name": "RMSprop", "config": {"learning_rate": 0.1}},
        "loss": "mean_squared_error",
        "metrics": ["binary_accuracy"],
    },
    "data": {
        "train": {"path": "two_class.csv", "targets": ["label"]},
        "validation": {"split": 0.3, "shuffle": True},
        "test": None,
    },
    "fit": {"epochs": 5, "batch_size": 16, "shuffle": True, "seed": 0, "callbacks": []},
}


def write(tmp_path: Path, d: object, name: str = "p.kgproj") -> Path:
    p = tmp_path / name
    p.write_text(d if isinstance(d, str) else json.dumps(d), encoding="utf-8")
    return p


def test_round_trip(tmp_path):
    p = Project.load(write(tmp_path, GOOD))
    assert p.to_dict() == GOOD
    out = p.save(tmp_path / "copy.kgproj")
    assert json.loads(out.read_text()) == GOOD
    assert not list(tmp_path.glob(".*tmp"))  # the temporary file was renamed away


def test_bundled_examples_load():
    names = {Project.load(f).name for f in EXAMPLES.glob("*/*.kgproj")}
    assert "two-class demo" in names and len(names) >= 4


def test_full_get_config_form_loads(tmp_path):
    d = json.loads(json.dumps(GOOD))
    d["model"]["layers"] = [
        {
            "module": "keras.layers",
            "class_name": "Dense",
            "registered_name": None,
            "config": {"name": "dense", "units": 1, "use_bias": True},
        }
    ]
    assert Project.load(write(tmp_path, d)).layers[0]["config"]["units"] == 1


def test_defaults_fill_missing_sections(tmp_path):
    p = Project.load(write(tmp_path, {"kerasgui_project": 1, "model": {"layers": []}}))
    assert p.fit["epochs"] >= 1 and p.compile["loss"] and p.data["train"] is None
    assert p.name == "p"


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (lambda d: d.update(extra=1), "extra", "unknown key 'extra'"),
        (lambda d: d["fit"].update(epochz=3), "fit.epochz", "unknown key 'epochz'"),
        (lambda d: d["fit"].update(epochs="5"), "fit.epochs", "whole number"),
        (lambda d: d["fit"].update(epochs=0), "fit.epochs", "1 or more"),
        (
            lambda d: d["model"]["layers"].append({"config": {}}),
            "model.layers[1].class_name",
            "class_name",
        ),
        (lambda d: d["model"]["layers"][0].update(config=[1]), "model.layers[0].config", "object"),
        (lambda d: d["data"]["validation"].update(split=1.5), "data.validation.split", "below 1"),
        (
            lambda d: d["data"]["train"].update(targets="label", features=3),
            "data.train.features",
            "list",
        ),
        (lambda d: d["compile"].update(metrics="accuracy"), "compile.metrics", "a list"),
        (
            lambda d: d["compile"].update(loss={"python": 3, "name": "f"}),
            "compile.loss.python",
            "Python file",
        ),
        (lambda d: d.update(kerasgui_project=FORMAT + 1), "kerasgui_project", "newer kerasgui"),
        (lambda d: d.pop("kerasgui_project"), "kerasgui_project", "not a kerasgui project"),
        (lambda d: d.pop("model"), "model", "missing"),
    ],
)
def test_errors_name_the_key(tmp_path, change, where, words):
    d = json.loads(json.dumps(GOOD))
    change(d)
    with pytest.raises(ProjectError) as e:
        Project.load(write(tmp_path, d))
    assert e.value.where == where
    assert words in e.value.message
    assert "p.kgproj" in e.value.message  # the file is named


def test_broken_json_names_line(tmp_path):
    with pytest.raises(ProjectError, match=r"broken JSON at line 2"):
        Project.load(write(tmp_path, '{"kerasgui_project": 1,\n "model": }'))


def test_not_utf8_and_missing(tmp_path):
    bad = tmp_path / "bad.kgproj"
    bad.write_bytes(b'{"name": "\xff"}')
    with pytest.raises(ProjectError, match="UTF-8"):
        Project.load(bad)
    with pytest.raises(ProjectError, match="no such project file"):
        Project.load(tmp_path / "nope.kgproj")


def test_bom_is_fine(tmp_path):
    p = tmp_path / "bom.kgproj"
    p.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode())
    assert Project.load(p).name == "demo"


def test_save_elsewhere_keeps_data_paths(tmp_path):
    (tmp_path / "a").mkdir()
    p = Project.load(write(tmp_path / "a", GOOD))
    p.save(tmp_path / "b" / "moved.kgproj")
    assert p.resolve(p.data["train"]["path"]) == (tmp_path / "a" / "two_class.csv").resolve()
