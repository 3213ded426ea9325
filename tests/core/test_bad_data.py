"""The bad data-file corpus (tests/data/bad/sources, written by tests/data/bad/make_corpus.py):
every file is refused with a DataError that names the file, the row and the column, says what is
wrong and what to do. Rows count as an editor counts lines: a header is row 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kerasgui.core import data
from kerasgui.core.errors import DataError, UserError

SOURCES = Path(__file__).resolve().parents[1] / "data" / "bad" / "sources"


@pytest.fixture(scope="module")
def trained_schema() -> data.Schema:
    return data.load_source({"path": "ok.csv", "targets": ["label"]}, SOURCES).schema


def refused(spec: dict, **kw) -> DataError:
    with pytest.raises(DataError) as info:
        data.load_source(spec, SOURCES, **kw)
    err = info.value
    assert isinstance(err, UserError)
    assert "Traceback" not in err.message
    return err


# (file, spec, fragments the message must hold, where)
CSV_CASES = [
    ("header_only.csv", {"targets": ["label"]}, ["no data rows", "add rows"], "header_only.csv"),
    ("blank_lines_only.csv", {"targets": []}, ["no data", "blank lines"], "blank_lines_only.csv"),
    ("ragged.csv", {"targets": ["label"]},
     ["row 4", "has 4 fields, expected 3", "delimiter"], "ragged.csv:4"),
    ("ragged_short.csv", {"targets": ["label"]},
     ["row 3", "has 2 fields, expected 3"], "ragged_short.csv:3"),
    ("text_in_number.csv", {"targets": ["label"]},
     ["row 5", "column 'weight'", "'tall' is not a number", "fix the cell"],
     "text_in_number.csv:5:weight"),
    ("decimal_comma.csv", {"targets": ["label"]},
     ["row 2", "column 'height'", "'1,5'", "decimal comma", "dot (1.5)", "delimiter"],
     "decimal_comma.csv:2:height"),
    ("missing_value.csv", {"targets": ["label"]},
     ["row 4", "column 'b'", "empty", "missing value", "fill it in"], "missing_value.csv:4:b"),
    ("missing_class.csv", {"targets": ["label"]},
     ["row 3", "column 'label'", "missing value"], "missing_class.csv:3:label"),
    ("nan_value.csv", {"targets": ["label"]},
     ["row 3", "column 'a'", "NaN", "replace"], "nan_value.csv:3:a"),
    ("inf_value.csv", {"targets": ["label"]},
     ["row 3", "column 'b'", "infinite"], "inf_value.csv:3:b"),
    ("too_big_for_float32.csv", {"targets": ["label"]},
     ["row 3", "column 'b'", "too big for float32"], "too_big_for_float32.csv:3:b"),
    ("duplicate_header.csv", {"targets": ["label"]},
     ["row 1", "'a' twice", "columns 1 and 3", "rename"], "duplicate_header.csv:1:a"),
    ("noheader_text.csv", {"targets": [2]},
     ["row 3", "column 'column_1'", "'oops' is not a number"], "noheader_text.csv:3:column_1"),
    ("rows_after_blank_and_quoted.csv", {"targets": ["label"], "features": ["a"]},
     ["row 6", "column 'a'", "'x' is not a number"], "rows_after_blank_and_quoted.csv:6:a"),
    ("latin1.csv", {"targets": []},
     ["row 3", "byte 27", "0xe9", "not UTF-8", "save the file as UTF-8"], "latin1.csv:3"),
    ("utf16.csv", {"targets": []}, ["UTF-16", "save it as UTF-8"], "utf16.csv"),
    ("binary_garbage.csv", {"targets": []}, ["not a text CSV file", "binary"],
     "binary_garbage.csv"),
    ("workbook.csv", {"targets": []}, ["zip archive", "not a text CSV file", "Excel"],
     "workbook.csv"),
    ("array.csv", {"targets": []}, ["NumPy .npy file, not CSV", "inputs"], "array.csv"),
    ("nul_later.csv", {"targets": []},
     ["row 20002", "zero byte", "binary data, not CSV text"], "nul_later.csv:20002:b"),
]


@pytest.mark.parametrize(("name", "spec", "fragments", "where"), CSV_CASES,
                         ids=[c[0] for c in CSV_CASES])
def test_bad_csv(name, spec, fragments, where):
    err = refused({"path": name, **spec}, need_targets=bool(spec["targets"]))
    assert err.message.startswith(name)
    for f in fragments:
        assert f in err.message, (f, err.message)
    assert err.where == where


@pytest.mark.parametrize("name", [c[0] for c in CSV_CASES if "row " in " ".join(c[2])])
def test_slow_path_gives_the_same_message(name):
    """The csv-module reading (the path every fast-path problem falls back to) says the same."""
    spec = next({"path": c[0], **c[1]} for c in CSV_CASES if c[0] == name)
    fast = refused(spec, need_targets=bool(spec["targets"]))
    with pytest.raises(DataError) as info:
        data._load_csv(spec, SOURCES / name, name, None, bool(spec["targets"]), force_slow=True)
    assert info.value.message == fast.message


@pytest.mark.parametrize(("name", "fragments", "where"), [
    ("new_color.csv", ["row 3", "column 'color'", "category 'purple'", "not in the training data",
                       "'blue', 'red'"], "new_color.csv:3:color"),
    ("new_class.csv", ["row 3", "column 'label'", "class 'bird'", "'cat', 'dog'"],
     "new_class.csv:3:label"),
    ("number_in_training_text_here.csv",
     ["row 3", "column 'height'", "'unknown' is not a number", "in training"],
     "number_in_training_text_here.csv:3:height"),
])
def test_validation_file_against_training_schema(trained_schema, name, fragments, where):
    err = refused({"path": name, "targets": ["label"]}, schema=trained_schema)
    for f in fragments:
        assert f in err.message, (f, err.message)
    assert err.where == where


# ---- project-side problems, on a good file -------------------------------------------------------
def test_unknown_target_lists_the_columns():
    err = refused({"path": "ok.csv", "targets": ["labl"]})
    assert "ok.csv has no column 'labl'" in err.message
    assert "did you mean 'label'" in err.message
    assert "'height', 'weight', 'color', 'label'" in err.message


def test_unknown_feature_lists_the_columns():
    err = refused({"path": "ok.csv", "targets": ["label"], "features": ["height", "size"]})
    assert "no column 'size'" in err.message and "'weight'" in err.message


def test_column_number_out_of_range():
    err = refused({"path": "ok.csv", "targets": [7]})
    assert "no column number 7" in err.message and "0 to 3" in err.message


def test_target_that_is_also_a_feature():
    err = refused({"path": "ok.csv", "targets": ["label"], "features": ["height", "label"]})
    assert "'label' is both a target and a feature" in err.message
    assert "remove it from the features" in err.message


def test_no_targets_when_training():
    err = refused({"path": "ok.csv"})
    assert "set 'targets'" in err.message and "'label'" in err.message


def test_text_target_must_be_alone():
    err = refused({"path": "ok.csv", "targets": ["label", "height"]})
    assert "target column 'label' holds text" in err.message
    assert "only target" in err.message


def test_file_not_found():
    err = refused({"path": "no_such_file.csv", "targets": ["label"]})
    assert "no_such_file.csv: no such file" in err.message
    assert "check the path" in err.message
    err = refused({"inputs": "no_such_x.npy", "targets": "y_100.npy"})
    assert "no_such_x.npy: no such file" in err.message


def test_folder_is_not_a_file(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        data.load_source({"path": "d.csv", "targets": ["a"]}, tmp_path)


def test_too_many_categories(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MAX_CATEGORIES", 3)
    (tmp_path / "ids.csv").write_text("id,v,label\n" + "".join(f"u{i},{i},0\n" for i in range(5)))
    with pytest.raises(DataError) as info:
        data.load_source({"path": "ids.csv", "targets": ["label"]}, tmp_path)
    assert "column 'id' holds 5 different text values" in info.value.message
    assert "Leave it out of the features" in info.value.message


# ---- arrays --------------------------------------------------------------------------------------
NPY_CASES = [
    ({"inputs": "objects.npy", "targets": "y_100.npy"},
     ["objects.npy holds Python objects", "will not unpickle it", "for safety"], "objects.npy"),
    ({"inputs": "pickled.npy", "targets": "y_100.npy"},
     ["pickled.npy holds pickled Python data", "will not unpickle it"], "pickled.npy"),
    ({"inputs": "truncated.npy", "targets": "y_100.npy"},
     ["truncated.npy is cut short", "shape (100, 3)", "1,200 bytes", "holds 500"],
     "truncated.npy"),
    ({"inputs": "damaged_header.npy", "targets": "y_100.npy"},
     ["damaged_header.npy", "header is damaged", "numpy.save"], "damaged_header.npy"),
    ({"inputs": "text.npy", "targets": "y_100.npy"},
     ["text.npy is not a NumPy .npy file"], "text.npy"),
    ({"inputs": "nan.npy", "targets": "y_100.npy"},
     ["nan.npy", "index [7, 2]", "sample 7", "NaN", "nan_to_num"], "nan.npy:7"),
    ({"inputs": "x_100.npy", "targets": "y_inf.npy"},
     ["y_inf.npy", "index [42]", "infinite"], "y_inf.npy:42"),
    ({"inputs": "strings.npy", "targets": "y_100.npy"},
     ["strings.npy holds text", "not plain numbers"], "strings.npy"),
    ({"inputs": "complex.npy", "targets": "y_100.npy"},
     ["complex.npy holds complex numbers"], "complex.npy"),
    ({"inputs": "scalar.npy", "targets": "y_100.npy"},
     ["scalar.npy holds a single number"], "scalar.npy"),
    ({"inputs": "x_100.npy", "targets": "y_90.npy"},
     ["x_100.npy have 100 samples", "y_90.npy have 90", "same number"], "y_90.npy"),
    ({"inputs": "x_100.npy"}, ["no targets given", "'targets'"], "x_100.npy"),
    ({"path": "arrays.npz", "inputs": "x", "targets": "z"},
     ["arrays.npz has no array named 'z'", "it has 'x', 'y'"], "arrays.npz:z"),
    ({"path": "arrays.npz", "inputs": "inputs", "targets": "y"},
     ["has no array named 'inputs'", "'x', 'y'"], "arrays.npz:inputs"),
    ({"path": "objects.npz", "inputs": "x", "targets": "y"},
     ["objects.npz[y] holds Python objects", "will not unpickle"], "objects.npz[y]"),
    ({"path": "truncated.npz", "inputs": "x", "targets": "y"},
     ["truncated.npz is not a readable .npz archive", "cut short"], "truncated.npz"),
    ({"path": "member_cut.npz", "inputs": "x", "targets": "y"},
     ["member_cut.npz[x] is cut short", "shape (100, 3)"], "member_cut.npz[x]"),
    ({"path": "not_a_zip.npz", "inputs": "x", "targets": "y"},
     ["not_a_zip.npz is not a readable .npz archive"], "not_a_zip.npz"),
]


@pytest.mark.parametrize(("spec", "fragments", "where"), NPY_CASES,
                         ids=[f"{c[0].get('path', c[0]['inputs'])}-{c[0].get('targets')}"
                              for c in NPY_CASES])
def test_bad_arrays(spec, fragments, where):
    err = refused(spec)
    for f in fragments:
        assert f in err.message, (f, err.message)
    assert err.where == where


def test_pickled_files_are_never_unpickled(tmp_path, monkeypatch):
    """Refusing is not enough: pickle must not even be called."""
    import pickle

    def boom(*a, **k):
        raise AssertionError("pickle was called")

    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "loads", boom)
    for name in ("objects.npy", "pickled.npy"):
        with pytest.raises(DataError, match="will not unpickle"):
            data.load_npy(SOURCES / name)
    with pytest.raises(DataError, match="will not unpickle"):
        data.load_npz(SOURCES / "objects.npz", "y")


def test_corpus_script_reproduces_the_committed_files(tmp_path):
    """make_corpus.py writes exactly the committed bytes (so the corpus can be regenerated)."""
    import importlib.util

    script = SOURCES.parent / "make_corpus.py"
    spec = importlib.util.spec_from_file_location("make_corpus", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.OUT = tmp_path / "sources"
    mod.main()
    for f in sorted(mod.OUT.iterdir()):
        assert f.read_bytes() == (SOURCES / f.name).read_bytes(), f.name
    assert sorted(p.name for p in mod.OUT.iterdir()) == sorted(p.name for p in SOURCES.iterdir())


def test_messages_name_the_file_as_the_project_does(tmp_path):
    """A relative path in the project is the name the message uses."""
    sub = tmp_path / "data"
    sub.mkdir()
    shutil.copy(SOURCES / "text_in_number.csv", sub / "t.csv")
    with pytest.raises(DataError) as info:
        data.load_source({"path": "data/t.csv", "targets": ["label"]}, tmp_path)
    assert info.value.message.startswith("data/t.csv: row 5, column 'weight'")


@pytest.mark.parametrize("nl", ["\n", "\r\n", "\r"])
def test_bad_byte_beyond_the_first_block_names_its_row(tmp_path, monkeypatch, nl):
    """Past the sample that is checked at once, the file is checked piece by piece."""
    monkeypatch.setattr(data, "SLOW_CHECK_BYTES", 1000)
    head = f"name,v{nl}" + f"abc,1{nl}" * 20000
    (tmp_path / "late.csv").write_bytes(head.encode() + b"caf\xe9,2" + nl.encode() + b"x,3")
    with pytest.raises(DataError) as info:
        data.load_source({"path": "late.csv", "targets": ["v"]}, tmp_path)
    err = info.value
    offset = len(head.encode()) + 3
    assert f"row 20002: byte {offset} (0xe9) is not UTF-8" in err.message
    assert err.where == "late.csv:20002"
