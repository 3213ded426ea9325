"""kerasgui.core.data on good input: CSV to arrays, .npy/.npz, splits, project data, previews."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from kerasgui.core import data
from kerasgui.core.data import Arrays, Feature, Schema, load_source, read_table, split
from kerasgui.core.errors import DataError
from kerasgui.core.project import Project


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


TWO_CLASS = "height,color,label\n1.5,red,cat\n2,blue,dog\n3,red,cat\n"


# ---- CSV -----------------------------------------------------------------------------------------
def test_numbers_categories_and_class_target(tmp_path):
    write(tmp_path, "t.csv", TWO_CLASS)
    a = load_source({"path": "t.csv", "targets": ["label"]}, tmp_path)
    assert a.x.dtype == np.float32 and a.x.shape == (3, 3)
    np.testing.assert_array_equal(a.x, [[1.5, 0, 1], [2, 1, 0], [3, 0, 1]])
    assert a.y.dtype == np.int32 and a.y.tolist() == [0, 1, 0]
    assert a.rows.dtype == np.int64 and a.rows.tolist() == [2, 3, 4]   # the header is row 1
    assert a.source == "t.csv" and len(a) == 3
    s = a.schema
    assert s.kind == "csv" and s.targets == ["label"] and s.class_names == ["cat", "dog"]
    assert s.features == [Feature("height", "number"), Feature("color", "category",
                                                               ["blue", "red"])]
    assert s.feature_names == ["height", "color=blue", "color=red"]
    assert s.input_shape == (3,)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_detected(tmp_path, delimiter):
    text = TWO_CLASS.replace(",", delimiter)
    write(tmp_path, "t.csv", text)
    a = load_source({"path": "t.csv", "targets": ["label"]}, tmp_path)
    assert a.x.shape == (3, 3) and a.schema.class_names == ["cat", "dog"]
    t = read_table(tmp_path / "t.csv")
    assert t.delimiter == delimiter and t.header


def test_semicolon_file_with_decimal_commas_is_detected_as_semicolon(tmp_path):
    write(tmp_path, "t.csv", "1,5;2,5;3\n4,5;5,5;6\n")
    with pytest.raises(DataError, match="decimal comma"):
        load_source({"path": "t.csv", "targets": [2]}, tmp_path)
    assert read_table(tmp_path / "t.csv").delimiter == ";"


def test_explicit_delimiter_and_header(tmp_path):
    write(tmp_path, "t.csv", "a;b\n1;2\n3;4\n")
    a = load_source({"path": "t.csv", "targets": ["b"], "delimiter": ";", "header": True},
                    tmp_path)
    assert a.x.tolist() == [[1], [3]] and a.y.tolist() == [[2], [4]]
    # header: false makes the first line data
    write(tmp_path, "u.csv", "a;b\nc;d\n")
    b = load_source({"path": "u.csv", "targets": [1], "delimiter": ";", "header": False},
                    tmp_path)
    assert b.schema.features[0].categories == ["a", "c"] and b.schema.class_names == ["b", "d"]
    assert b.rows.tolist() == [1, 2]
    # the same numbers-with-a-text-first-row file read without a header: 'a' is a bad number
    with pytest.raises(DataError, match="row 1, column 'column_0': 'a' is not a number"):
        load_source({"path": "t.csv", "targets": [1], "header": False}, tmp_path)


def test_headerless_numbers_use_column_names_and_indices(tmp_path):
    write(tmp_path, "t.csv", "1,2,0\n3,4,1\n5,6,0\n")
    a = load_source({"path": "t.csv", "targets": [2]}, tmp_path)
    assert a.schema.targets == ["column_2"]
    assert a.schema.feature_names == ["column_0", "column_1"]
    assert a.rows.tolist() == [1, 2, 3]
    b = load_source({"path": "t.csv", "targets": ["column_2"], "features": [1]}, tmp_path)
    assert b.x.tolist() == [[2], [4], [6]]


def test_header_detection_rules(tmp_path):
    # numbers under a text first row: a header
    write(tmp_path, "a.csv", "x,y\n1,2\n")
    assert read_table(tmp_path / "a.csv").header
    # a text column and a number column, first row numeric: no header
    write(tmp_path, "b.csv", "1,red\n2,blue\n")
    assert not read_table(tmp_path / "b.csv").header
    # all text: taken to have a header
    write(tmp_path, "c.csv", "name,kind\nfoo,a\nbar,b\n")
    t = read_table(tmp_path / "c.csv")
    assert t.header and t.columns == ["name", "kind"]


def test_bom_crlf_quotes_and_spaces(tmp_path):
    text = '\ufeffsize, color ,label\r\n1.5, red ,cat\r\n"2",blue,"dog"\r\n3,red,cat\r\n'
    write(tmp_path, "t.csv", text)
    a = load_source({"path": "t.csv", "targets": ["label"]}, tmp_path)
    assert a.schema.feature_names == ["size", "color=blue", "color=red"]
    assert a.x[:, 0].tolist() == [1.5, 2, 3]
    assert a.rows.tolist() == [2, 3, 4]


def test_number_spellings(tmp_path):
    write(tmp_path, "t.csv", "a,b\n1e3,+.5\n-2.,0x\n4,5\n")
    with pytest.raises(DataError, match="row 3, column 'b': '0x' is not a number"):
        load_source({"path": "t.csv", "targets": ["b"]}, tmp_path)
    write(tmp_path, "u.csv", "a,b\n1e3,+.5\n-2., 7 \n")
    a = load_source({"path": "u.csv", "targets": ["b"]}, tmp_path)
    assert a.x[:, 0].tolist() == [1000, -2] and a.y[:, 0].tolist() == [0.5, 7]


def test_mostly_text_column_is_a_category(tmp_path):
    write(tmp_path, "t.csv", "size,v\nS,1\nM,2\nL,3\n10,4\n")
    a = load_source({"path": "t.csv", "targets": ["v"]}, tmp_path)
    assert a.schema.features[0].categories == ["10", "L", "M", "S"]


def test_features_in_the_order_given(tmp_path):
    write(tmp_path, "t.csv", "a,b,c,t\n1,2,3,0\n4,5,6,1\n")
    a = load_source({"path": "t.csv", "targets": ["t"], "features": ["c", "a"]}, tmp_path)
    assert a.x.tolist() == [[3, 1], [6, 4]]
    assert a.schema.feature_names == ["c", "a"]


def test_several_numeric_targets(tmp_path):
    write(tmp_path, "t.csv", "a,t1,t2\n1,2,3\n4,5,6\n")
    a = load_source({"path": "t.csv", "targets": ["t1", "t2"]}, tmp_path)
    assert a.y.dtype == np.float32 and a.y.tolist() == [[2, 3], [5, 6]]


def test_validation_file_uses_the_training_schema(tmp_path):
    write(tmp_path, "t.csv", TWO_CLASS)
    write(tmp_path, "v.csv", "label,color,height,extra\ndog,red,4,x\n")
    train = load_source({"path": "t.csv", "targets": ["label"]}, tmp_path)
    v = load_source({"path": "v.csv", "targets": ["label"]}, tmp_path, schema=train.schema)
    # only red in the file, but both training categories are columns; the class index is dog's
    assert v.x.tolist() == [[4, 0, 1]] and v.y.tolist() == [1]
    assert v.schema == train.schema


def test_predict_file_without_targets(tmp_path):
    write(tmp_path, "t.csv", TWO_CLASS)
    write(tmp_path, "p.csv", "color,height\nblue,1\n")
    train = load_source({"path": "t.csv", "targets": ["label"]}, tmp_path)
    p = load_source({"path": "p.csv"}, tmp_path, schema=train.schema, need_targets=False)
    assert p.y is None and p.x.tolist() == [[1, 1, 0]]
    with pytest.raises(DataError, match="no column 'label'"):
        load_source({"path": "p.csv"}, tmp_path, schema=train.schema)


def test_blank_lines_and_multiline_values_keep_exact_rows(tmp_path):
    write(tmp_path, "t.csv", 'note,a,t\n\n"x\ny",1,0\nz,2,1\n\n\nw,3,0\n')
    a = load_source({"path": "t.csv", "targets": ["t"], "features": ["a"]}, tmp_path)
    assert a.rows.tolist() == [3, 5, 8]
    assert a.x[:, 0].tolist() == [1, 2, 3]


def test_fast_and_slow_paths_agree(tmp_path):
    write(tmp_path, "t.csv", TWO_CLASS * 1 + "4,green,dog\n")
    spec = {"path": "t.csv", "targets": ["label"]}
    fast = load_source(spec, tmp_path)
    slow = data._load_csv(spec, tmp_path / "t.csv", "t.csv", None, True, force_slow=True)
    assert_same(fast, slow)


def assert_same(a: Arrays, b: Arrays) -> None:
    np.testing.assert_array_equal(a.x, b.x)
    assert a.x.dtype == b.x.dtype and a.x.shape == b.x.shape
    if a.y is None:
        assert b.y is None
    else:
        np.testing.assert_array_equal(a.y, b.y)
        assert a.y.dtype == b.y.dtype and a.y.shape == b.y.shape
    np.testing.assert_array_equal(a.rows, b.rows)
    assert a.schema == b.schema and a.source == b.source


@pytest.mark.parametrize("piece", [7, 64, 1000])
@pytest.mark.parametrize("variant", ["header", "noheader", "crlf", "no_final_newline"])
def test_big_number_files_read_piece_by_piece_equal_the_table_path(tmp_path, monkeypatch,
                                                                    piece, variant):
    rng = np.random.default_rng(3)
    v = rng.standard_normal((300, 4)).astype(np.float32)
    lines = [",".join(repr(float(x)) for x in row) for row in v]
    if variant != "noheader":
        lines.insert(0, "a,b,c,t")
    nl = "\r\n" if variant == "crlf" else "\n"
    text = nl.join(lines) + ("" if variant == "no_final_newline" else nl)
    write(tmp_path, "t.csv", text)
    spec = {"path": "t.csv", "targets": [3]}
    ref = load_source(spec, tmp_path)
    monkeypatch.setattr(data, "PIECEWISE_BYTES", 1)
    monkeypatch.setattr(data, "PIECE_BYTES", piece)
    calls = []
    real = data._numbers_by_piece
    monkeypatch.setattr(data, "_numbers_by_piece", lambda *a: calls.append(1) or real(*a))
    got = load_source(spec, tmp_path)
    assert calls and got.x.flags.c_contiguous and got.x.flags.owndata
    assert_same(got, ref)
    np.testing.assert_array_equal(got.x[:, 0], v[:, 0])


def test_piece_by_piece_falls_back_for_problems(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "PIECEWISE_BYTES", 1)
    monkeypatch.setattr(data, "PIECE_BYTES", 16)
    write(tmp_path, "t.csv", "a,b\n" + "1,2\n" * 50 + "3,nan\n" + "1,2\n" * 5)
    with pytest.raises(DataError, match="row 52, column 'b': the value is NaN"):
        load_source({"path": "t.csv", "targets": ["b"]}, tmp_path)
    write(tmp_path, "q.csv", 'a,b\n"1",2\n3,4\n\n5,6\n')
    a = load_source({"path": "q.csv", "targets": ["b"]}, tmp_path)
    assert a.rows.tolist() == [2, 3, 5]


# ---- arrays --------------------------------------------------------------------------------------
def test_npy_pair(tmp_path):
    x = np.arange(12, dtype=np.float64).reshape(4, 3)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    a = load_source({"inputs": "x.npy", "targets": "y.npy"}, tmp_path)
    assert a.x.dtype == np.float32 and a.x.tolist() == x.tolist()
    assert a.y.dtype == np.float32 and a.y.shape == (4,)
    assert a.rows.tolist() == [1, 2, 3, 4]
    assert a.schema.kind == "npy" and a.schema.input_shape == (3,)
    assert a.source == "x.npy"


def test_big_float32_npy_stays_memory_mapped(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "MMAP_BYTES", 100)
    x = np.arange(200, dtype=np.float32).reshape(50, 4)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", np.arange(50, dtype=np.float64))
    a = load_source({"inputs": "x.npy", "targets": "y.npy"}, tmp_path)
    assert isinstance(a.x, np.memmap) and not a.x.flags.writeable
    np.testing.assert_array_equal(a.x, x)
    assert not isinstance(a.y, np.memmap) and a.y.dtype == np.float32  # converted
    train, _ = split(a, 0.2, shuffle=False, seed=None)
    assert isinstance(train.x, np.memmap)   # a slice of a memmap, not a copy


def test_npy_layouts(tmp_path):
    x = np.asfortranarray(np.arange(6, dtype=">f8").reshape(3, 2))
    np.save(tmp_path / "f.npy", x)
    np.testing.assert_array_equal(data.load_npy(tmp_path / "f.npy"), x)
    np.save(tmp_path / "one.npy", np.array([1, 2, 3], dtype=np.uint8))
    a = load_source({"inputs": "one.npy"}, tmp_path, need_targets=False)
    assert a.x.shape == (3, 1) and a.y is None      # one feature per sample
    np.save(tmp_path / "img.npy", np.zeros((2, 4, 4, 1), dtype=bool))
    b = load_source({"inputs": "img.npy"}, tmp_path, need_targets=False)
    assert b.schema.input_shape == (4, 4, 1) and b.schema.feature_names == []
    np.save(tmp_path / "empty.npy", np.zeros((0, 3), dtype=np.float32))
    assert data.load_npy(tmp_path / "empty.npy").shape == (0, 3)


def test_npz(tmp_path):
    x = np.ones((5, 2), dtype=np.float32)
    np.savez_compressed(tmp_path / "d.npz", inputs=x, answers=np.arange(5))
    a = load_source({"path": "d.npz", "inputs": "inputs", "targets": "answers"}, tmp_path)
    assert a.schema.kind == "npz" and a.x.shape == (5, 2) and a.y.tolist() == [0, 1, 2, 3, 4]
    assert data.npz_names(tmp_path / "d.npz") == ["answers", "inputs"]
    np.savez(tmp_path / "e.npz", x=x, y=np.zeros(5))
    b = load_source({"path": "e.npz"}, tmp_path)   # x and y by default
    assert b.y.shape == (5,)


def test_arrays_against_a_schema(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((3, 2)))
    csv_schema = Schema("csv", [Feature("a")], [], None, (1,), ["a"])
    with pytest.raises(DataError, match="trained on the columns of a CSV file"):
        load_source({"inputs": "x.npy"}, tmp_path, schema=csv_schema, need_targets=False)
    npy_schema = Schema("npy", input_shape=(3,))
    with pytest.raises(DataError, match=r"shape \(2,\), but the model was trained on samples "
                                        r"of shape \(3,\)"):
        load_source({"inputs": "x.npy"}, tmp_path, schema=npy_schema, need_targets=False)
    write(tmp_path, "t.csv", "a,b\n1,2\n")
    with pytest.raises(DataError, match="trained on NumPy arrays"):
        load_source({"path": "t.csv", "targets": ["b"]}, tmp_path, schema=npy_schema)


# ---- schema --------------------------------------------------------------------------------------
def test_schema_round_trips_through_json(tmp_path):
    write(tmp_path, "t.csv", TWO_CLASS)
    s = load_source({"path": "t.csv", "targets": ["label"]}, tmp_path).schema
    again = Schema.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s and isinstance(again.input_shape, tuple)


@pytest.mark.parametrize("bad", [None, [], {"kind": "xlsx"}, {"kind": "csv", "features": [1]},
                                 {"kind": "csv", "input_shape": [-1]},
                                 {"kind": "csv", "class_names": "ab"}])
def test_damaged_schema_is_a_data_error(bad):
    with pytest.raises(DataError, match="schema is damaged"):
        Schema.from_dict(bad)


# ---- split ---------------------------------------------------------------------------------------
def numbered(n: int) -> Arrays:
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    return Arrays(x, np.arange(n, dtype=np.float32), Schema("npy", input_shape=(2,)), "x.npy",
                  np.arange(1, n + 1, dtype=np.int64))


def test_split_with_shuffle_is_the_seed_notes_permutation():
    a = numbered(10)
    train, val = split(a, 0.3, shuffle=True, seed=7)
    order = np.random.default_rng(7).permutation(10)
    np.testing.assert_array_equal(val.x, a.x[order[:3]])
    np.testing.assert_array_equal(train.x, a.x[order[3:]])
    np.testing.assert_array_equal(val.rows, order[:3] + 1)     # rows travel with their samples
    np.testing.assert_array_equal(train.y, a.y[order[3:]])
    assert train.schema is a.schema and val.source == "x.npy"


def test_split_without_shuffle_takes_the_last_rows():
    train, val = split(numbered(10), 0.25, shuffle=False, seed=None)
    assert val.rows.tolist() == [9, 10] and train.rows.tolist() == list(range(1, 9))


def test_split_fraction_must_be_a_fraction():
    with pytest.raises(DataError, match="below 1"):
        split(numbered(3), 1.0, shuffle=False, seed=None)


# ---- project data --------------------------------------------------------------------------------
def project(tmp_path, **data_):
    d = {"train": None, "validation": {"split": 0.2, "shuffle": True}, "test": None} | data_
    return Project(name="p", data=d, fit={"epochs": 1, "seed": 0}, path=tmp_path / "p.kgproj")


def test_project_data_with_a_split(tmp_path):
    write(tmp_path, "t.csv", "a,label\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    p = project(tmp_path, train={"path": "t.csv", "targets": ["label"]},
                validation={"split": 0.3, "shuffle": True})
    d = data.load_project_data(p)
    assert len(d.train) == 14 and len(d.validation) == 6 and d.test is None
    order = np.random.default_rng(0).permutation(20)   # fit.seed is 0
    assert d.validation.rows.tolist() == (order[:6] + 2).tolist()
    assert d.validation.x[:, 0].tolist() == order[:6].tolist()
    assert len({float(v) for v in d.validation.y[:, 0]}) == 2 and d.warnings == []


def test_project_data_with_validation_and_test_files(tmp_path):
    write(tmp_path, "t.csv", TWO_CLASS)
    write(tmp_path, "v.csv", "height,color,label\n5,blue,cat\n6,red,dog\n")
    np.save(tmp_path / "x.npy", np.zeros((2, 3)))
    p = project(tmp_path, train={"path": "t.csv", "targets": ["label"]},
                validation={"path": "v.csv", "targets": ["label"]},
                test={"path": "v.csv", "targets": ["label"]})
    d = data.load_project_data(p)
    assert d.validation.x.tolist() == [[5, 1, 0], [6, 0, 1]] and d.test.y.tolist() == [0, 1]


def test_single_class_validation_split_warns_about_shuffling(tmp_path):
    write(tmp_path, "t.csv", "a,label\n" + "".join(f"{i},{int(i >= 6)}\n" for i in range(10)))
    p = project(tmp_path, train={"path": "t.csv", "targets": ["label"]},
                validation={"split": 0.3, "shuffle": False})
    d = data.load_project_data(p)
    assert len(d.warnings) == 1
    assert "single class" in d.warnings[0] and "shuffl" in d.warnings[0]
    write(tmp_path, "c.csv", "a,label\n" + "".join(f"{i},{'yes' if i >= 6 else 'no'}\n"
                                                    for i in range(10)))
    p.data["train"] = {"path": "c.csv", "targets": ["label"]}
    assert "'yes'" in data.load_project_data(p).warnings[0]


def test_project_without_training_data(tmp_path):
    with pytest.raises(DataError) as info:
        data.load_project_data(project(tmp_path))
    assert info.value.where == "data.train"


def test_split_too_small_for_any_validation_row(tmp_path):
    write(tmp_path, "t.csv", "a,b\n1,2\n3,4\n")
    p = project(tmp_path, train={"path": "t.csv", "targets": ["b"]},
                validation={"split": 0.2, "shuffle": True})
    d = data.load_project_data(p)
    assert d.validation is None and len(d.train) == 2 and "no rows for validation" in d.warnings[0]


# ---- table preview -------------------------------------------------------------------------------
def test_read_table_and_stats(tmp_path):
    write(tmp_path, "t.csv", "h,c\n1,red\n,blue\n3,red\n")
    t = read_table(tmp_path / "t.csv")
    assert t.columns == ["h", "c"] and t.n_rows == 3 and t.header and t.delimiter == ","
    assert t.data["h"].dtype == np.float64 and np.isnan(t.data["h"][1])
    assert t.data["c"].dtype == object and t.data["c"].tolist() == ["red", "blue", "red"]
    assert t.rows.tolist() == [2, 3, 4]
    assert t.stats("h") == {"kind": "number", "count": 2, "missing": 1, "min": 1.0, "max": 3.0,
                            "mean": 2.0, "std": 1.0}
    s = t.stats("c")
    assert s["kind"] == "category" and s["counts"] == {"red": 2, "blue": 1} and s["classes"] == 2
    with pytest.raises(DataError, match="no column 'x'"):
        t.stats("x")


def test_read_table_slow_path_and_errors(tmp_path):
    write(tmp_path, "t.csv", 'a,b\n"1\n",x\n\n2,\n')
    for force in (False, True):
        t = read_table(tmp_path / "t.csv", force_slow=force)
        assert t.rows.tolist() == [2, 5] and t.data["b"].tolist() == ["x", ""]
    write(tmp_path, "r.csv", "a,b\n1,2\n3\n")
    with pytest.raises(DataError, match="row 3: has 1 fields, expected 2"):
        read_table(tmp_path / "r.csv")
    write(tmp_path, "h.csv", "a,b\n")
    with pytest.raises(DataError, match="no data rows"):
        read_table(tmp_path / "h.csv")


# ---- import cost ---------------------------------------------------------------------------------
def test_importing_data_does_not_import_keras_or_pyarrow():
    code = ("import sys, kerasgui.core.data; "
            "print(sorted(m for m in ('keras', 'tensorflow', 'pyarrow', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
