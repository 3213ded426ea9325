"""Properties of kerasgui.core.data (hypothesis): any bytes given as a CSV, .npy or .npz file give a
result or a UserError, nothing else; the fast (pyarrow) and slow (csv module) readings agree;
splits partition the rows."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kerasgui.core import data
from kerasgui.core.data import Arrays, Feature, Schema
from kerasgui.core.errors import UserError

MANY = settings(max_examples=2000, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("data_properties")


def check_arrays(a: Arrays) -> None:
    """What every loaded Arrays promises."""
    n = len(a)
    assert a.x.dtype == np.float32 and a.x.shape[0] == n
    assert a.x.shape[1:] == tuple(a.schema.input_shape)
    assert np.isfinite(a.x).all()
    assert a.rows.dtype == np.int64 and a.rows.shape == (n,)
    if n:
        assert a.rows[0] >= 1 and (np.diff(a.rows) > 0).all()
    if a.y is not None:
        assert len(a.y) == n and a.y.dtype in (np.float32, np.int32)
        if a.y.dtype == np.int32:
            assert a.schema.class_names and 0 <= a.y.min() and a.y.max() < len(a.schema.class_names)
    if a.schema.kind == "csv":
        assert len(a.schema.feature_names) == a.x.shape[1]
    Schema.from_dict(a.schema.to_dict())


def result_or_user_error(fn, *args, **kw):
    try:
        out = fn(*args, **kw)
    except UserError as e:
        assert e.message and "Traceback" not in e.message
        return e
    return out


# ---- what a number is ----------------------------------------------------------------------------
@MANY
@given(st.lists(st.text(alphabet="0123456789.eE+-naifINFty xX_,\t", max_size=8), min_size=1,
                max_size=20))
def test_number_pattern_is_exactly_what_pyarrow_parses(cells):
    import pyarrow as pa
    import pyarrow.compute as pc

    for cell in cells:
        trimmed = cell.strip(" \t")
        matches = data._NUMBER.fullmatch(trimmed) is not None
        try:
            pc.cast(pa.array([trimmed]), pa.float32())
            parses = True
        except pa.ArrowInvalid:
            parses = False
        assert matches == parses, repr(cell)
    arrow = data._mask(pa.array([c.strip(" \t") for c in cells]), data.NUMBER_RE)
    assert arrow.tolist() == [data._NUMBER.fullmatch(c.strip(" \t")) is not None for c in cells]


# ---- any bytes as a CSV file ---------------------------------------------------------------------
CSVISH = st.text(alphabet=st.sampled_from(list("0123456789.,;\t|\"\n\r -eEnaNI xyzé\ufeff")),
                 max_size=300).map(lambda s: s.encode("utf-8"))


def any_csv_bytes():
    return st.one_of(st.binary(max_size=300), CSVISH,
                     st.tuples(CSVISH, st.binary(max_size=8), CSVISH).map(lambda t: b"".join(t)))


@MANY
@given(content=any_csv_bytes(), target=st.sampled_from([None, 0, 1, "column_0", "a"]))
def test_any_bytes_as_csv(folder, content, target):
    p = folder / "any.csv"
    p.write_bytes(content)
    spec = {"path": "any.csv"} if target is None else {"path": "any.csv", "targets": [target]}
    for need in (True, False):
        out = result_or_user_error(data.load_source, spec, folder, need_targets=need)
        if isinstance(out, Arrays):
            check_arrays(out)
        event(f"need_targets={need}: {'loaded' if isinstance(out, Arrays) else 'refused'}")
    t = result_or_user_error(data.read_table, p)
    if isinstance(t, data.Table):
        assert set(t.data) == set(t.columns) and t.rows is not None and len(t.rows) == t.n_rows
        for c in t.columns:
            assert len(t.data[c]) == t.n_rows
            t.stats(c)


# ---- fast and slow readings agree ----------------------------------------------------------------
CELLS = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e39", "1,5", "red", "blue", "x y",
                     " 7 ", "1e", ".", "NA", '"q"', '"a,b"', '"two\nlines"', '""']),
)


@st.composite
def csv_files(draw):
    ncols = draw(st.integers(1, 4))
    nrows = draw(st.integers(1, 12))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    # a column is mostly numbers, mostly words, or anything
    styles = draw(st.lists(st.sampled_from(["num", "num", "word", "any"]), min_size=ncols,
                           max_size=ncols))
    rows = []
    for _ in range(nrows):
        row = []
        for s in styles:
            if s == "num":
                row.append(draw(st.one_of(st.integers(-99, 99).map(str), CELLS)
                                if draw(st.integers(0, 9)) == 0 else st.integers(-99, 99).map(str)))
            elif s == "word":
                row.append(draw(st.sampled_from(["red", "blue", "green"])
                                if draw(st.integers(0, 9)) else CELLS))
            else:
                row.append(draw(CELLS))
        rows.append(row)
    if draw(st.booleans()):
        rows.insert(0, [f"c{i}" for i in range(ncols)])
    if draw(st.integers(0, 9)) == 0 and rows:      # a ragged row
        i = draw(st.integers(0, len(rows) - 1))
        rows[i] = rows[i] + ["9"]
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [delim.join(r) for r in rows]
    if draw(st.integers(0, 4)) == 0:                # a blank line somewhere
        lines.insert(draw(st.integers(0, len(lines))), "")
    text = nl.join(lines) + draw(st.sampled_from(["", nl]))
    return text, ncols


def outcome(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except UserError as e:
        return e


def same_outcome(a, b) -> None:
    if isinstance(a, UserError) or isinstance(b, UserError):
        assert isinstance(a, UserError) and isinstance(b, UserError), (a, b)
        assert a.message == b.message and a.where == b.where
        return
    np.testing.assert_array_equal(a.x, b.x)
    assert a.x.shape == b.x.shape and a.x.dtype == b.x.dtype
    assert (a.y is None) == (b.y is None)
    if a.y is not None:
        np.testing.assert_array_equal(a.y, b.y)
        assert a.y.dtype == b.y.dtype and a.y.shape == b.y.shape
    np.testing.assert_array_equal(a.rows, b.rows)
    assert a.schema == b.schema


# five readings per example: fewer examples keep it near a minute on two busy cores
@settings(MANY, max_examples=1000)
@given(f=csv_files(), target=st.integers(0, 3), piece=st.sampled_from([0, 5, 40]))
def test_fast_and_slow_readings_agree(folder, f, target, piece):
    text, ncols = f
    p = folder / "agree.csv"
    p.write_bytes(text.encode("utf-8"))
    spec = {"path": "agree.csv", "targets": [min(target, ncols - 1)]}
    slow = outcome(data._load_csv, spec, p, "agree.csv", None, True, force_slow=True)
    old = data.PIECEWISE_BYTES, data.PIECE_BYTES
    try:
        if piece:
            data.PIECEWISE_BYTES, data.PIECE_BYTES = 1, piece
        fast = outcome(data._load_csv, spec, p, "agree.csv", None, True)
    finally:
        data.PIECEWISE_BYTES, data.PIECE_BYTES = old
    same_outcome(fast, slow)
    event("loaded" if isinstance(fast, Arrays) else "refused")
    if isinstance(fast, Arrays):
        check_arrays(fast)
        # a second file encoded with the first one's schema reads the same
        again = outcome(data._load_csv, spec, p, "agree.csv", fast.schema, True)
        same_outcome(again, fast)
    t_fast = outcome(data.read_table, p)
    t_slow = outcome(data.read_table, p, force_slow=True)
    if isinstance(t_fast, UserError) or isinstance(t_slow, UserError):
        assert isinstance(t_fast, UserError) and isinstance(t_slow, UserError)
        assert t_fast.message == t_slow.message
    else:
        assert t_fast.columns == t_slow.columns and t_fast.n_rows == t_slow.n_rows
        np.testing.assert_array_equal(t_fast.rows, t_slow.rows)
        for c in t_fast.columns:
            np.testing.assert_array_equal(t_fast.data[c], t_slow.data[c])


# ---- any bytes as .npy / .npz --------------------------------------------------------------------
def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


SMALL_ARRAYS = st.builds(
    lambda shape, dtype, seed: np.random.default_rng(seed).normal(size=shape).astype(dtype),
    st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple),
    st.sampled_from(["<f4", ">f8", "<i2", "|u1", "<f2", "|b1", "<c8", "<U2"]),
    st.integers(0, 2**16),
)


def mutated(blob: bytes, data_):
    """A valid file cut short, with bytes flipped, or with bytes inserted."""
    how = data_.draw(st.sampled_from(["cut", "flip", "insert", "same"]))
    if how == "cut":
        return blob[:data_.draw(st.integers(0, len(blob)))]
    if how == "flip" and blob:
        b = bytearray(blob)
        for _ in range(data_.draw(st.integers(1, 4))):
            b[data_.draw(st.integers(0, len(b) - 1))] = data_.draw(st.integers(0, 255))
        return bytes(b)
    if how == "insert":
        i = data_.draw(st.integers(0, len(blob)))
        return blob[:i] + data_.draw(st.binary(min_size=1, max_size=8)) + blob[i:]
    return blob


@MANY
@given(st.data())
def test_any_bytes_as_npy(folder, data_):
    kind = data_.draw(st.sampled_from(["random", "magic", "valid"]))
    if kind == "random":
        blob = data_.draw(st.binary(max_size=300))
    elif kind == "magic":
        blob = data.NPY_MAGIC + data_.draw(st.binary(max_size=300))
    else:
        blob = mutated(npy_bytes(data_.draw(SMALL_ARRAYS)), data_)
    p = folder / "any.npy"
    p.write_bytes(blob)
    out = result_or_user_error(data.load_npy, p)
    if isinstance(out, np.ndarray):
        assert out.dtype.kind in "biuf" and not out.dtype.hasobject
    arrays = result_or_user_error(data.load_source, {"inputs": "any.npy"}, folder,
                                  need_targets=False)
    if isinstance(arrays, Arrays):
        check_arrays(arrays)


@MANY
@given(st.data())
def test_any_bytes_as_npz(folder, data_):
    kind = data_.draw(st.sampled_from(["random", "zip", "valid"]))
    if kind == "random":
        blob = data_.draw(st.binary(max_size=400))
    else:
        buf = io.BytesIO()
        compression = data_.draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
        with zipfile.ZipFile(buf, "w", compression) as zf:
            zf.writestr("x.npy", npy_bytes(data_.draw(SMALL_ARRAYS)) if kind == "valid"
                        else data_.draw(st.binary(max_size=100)))
            zf.writestr("y.npy", npy_bytes(data_.draw(SMALL_ARRAYS)))
        blob = mutated(buf.getvalue(), data_)
    p = folder / "any.npz"
    p.write_bytes(blob)
    for name in ("x", "y", "z"):
        out = result_or_user_error(data.load_npz, p, name)
        if isinstance(out, np.ndarray):
            assert out.dtype.kind in "biuf"
    arrays = result_or_user_error(data.load_source, {"path": "any.npz", "inputs": "x",
                                                     "targets": "y"}, folder)
    if isinstance(arrays, Arrays):
        check_arrays(arrays)
    result_or_user_error(data.npz_names, p)


# ---- splits --------------------------------------------------------------------------------------
@MANY
@given(n=st.integers(0, 60), fraction=st.floats(0, 0.99), shuffle=st.booleans(),
       seed=st.one_of(st.none(), st.integers(0, 2**32 - 1)))
def test_split_partitions_the_rows(n, fraction, shuffle, seed):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    a = Arrays(x, np.arange(n, dtype=np.float32), Schema("npy", input_shape=(2,)), "x.npy",
               np.arange(1, n + 1, dtype=np.int64))
    train, val = data.split(a, fraction, shuffle, seed)
    k = int(fraction * n)
    assert len(val) == k and len(train) == n - k
    assert sorted([*train.rows.tolist(), *val.rows.tolist()]) == list(range(1, n + 1))
    for part in (train, val):   # x, y and rows stay together
        np.testing.assert_array_equal(part.x[:, 0], (part.rows - 1) * 2)
        np.testing.assert_array_equal(part.y, part.rows - 1)
    if shuffle and seed is not None:
        again, _ = data.split(a, fraction, shuffle, seed)
        np.testing.assert_array_equal(again.rows, train.rows)
        order = np.random.default_rng(seed).permutation(n)
        np.testing.assert_array_equal(val.rows, order[:k] + 1)
    if not shuffle:
        assert val.rows.tolist() == list(range(n - k + 1, n + 1))


NAMES = st.text(min_size=1, max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.builds(
    Schema,
    kind=st.sampled_from(["csv", "npy", "npz"]),
    features=st.lists(st.builds(Feature, name=NAMES, kind=st.sampled_from(["number", "category"]),
                                categories=st.lists(NAMES, max_size=3)), max_size=4),
    targets=st.lists(NAMES, max_size=2),
    class_names=st.one_of(st.none(), st.lists(NAMES, max_size=4)),
    input_shape=st.lists(st.integers(0, 50), max_size=3).map(tuple),
    feature_names=st.lists(NAMES, max_size=4),
))
def test_schema_round_trip(schema):
    import json

    assert Schema.from_dict(json.loads(json.dumps(schema.to_dict()))) == schema
