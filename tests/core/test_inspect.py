"""Inspecting results: confusion matrix, residuals, which samples fall in a cell; loading new data
for a model and evaluating / predicting with progress and a stop flag."""

import threading

import numpy as np
import pytest

from kerasgui.core import inspect as ins
from kerasgui.core import results
from kerasgui.core.data import Feature, Schema
from kerasgui.core.errors import DataError


def test_confusion_matrix_equals_a_numpy_count():
    rng = np.random.default_rng(0)
    t = rng.integers(0, 4, 500)
    p = rng.integers(0, 4, 500)
    expected = np.zeros((4, 4), dtype=np.int64)
    np.add.at(expected, (t, p), 1)
    m = ins.confusion_matrix(t, p, 4)
    assert m.dtype == np.int64
    np.testing.assert_array_equal(m, expected)
    assert m.sum() == 500


def test_row_normalised_and_cells():
    t = np.array([0, 0, 0, 1, 1, 2])
    p = np.array([0, 1, 1, 1, 1, 0])
    m = ins.confusion_matrix(t, p, 4)  # class 3 has no samples
    r = ins.row_normalized(m)
    np.testing.assert_allclose(r.sum(axis=1), [1, 1, 1, 0])
    assert r[0, 1] == pytest.approx(2 / 3)
    np.testing.assert_array_equal(ins.cell_indices(t, p, 0, 1), [1, 2])
    assert ins.cell_indices(t, p, 3, 3).size == 0


def test_confusion_matrix_refuses_an_unknown_class():
    with pytest.raises(DataError, match="not one of the 3 classes"):
        ins.confusion_matrix([0, 3], [0, 1], 3)


def test_regression_stats_are_the_residuals():
    rng = np.random.default_rng(1)
    t = rng.normal(size=200)
    p = t + rng.normal(0.5, 2.0, size=200)
    s = ins.regression_stats(t, p)
    r = p - t
    assert s.n == 200
    assert s.mean == pytest.approx(r.mean())
    assert s.std == pytest.approx(r.std())
    assert s.mae == pytest.approx(np.abs(r).mean())
    assert s.rmse == pytest.approx(np.sqrt((r ** 2).mean()))


@pytest.mark.parametrize(("y_true", "y_pred", "names", "kind", "n"), [
    (np.array([0, 2, 1], np.int32), np.eye(3)[[0, 2, 2]], ["a", "b", "c"], "cls", 3),
    (np.array([[0.0], [2.0], [1.0]]), np.eye(3)[[0, 2, 2]], None, "cls", 3),   # sparse labels
    (np.eye(3)[[0, 2, 1]], np.eye(3)[[0, 2, 2]], None, "cls", 3),              # one-hot
    (np.array([[0.0], [1.0], [1.0]]), np.array([[0.2], [0.7], [0.4]]), None, "cls", 2),
    (np.array([[0.5], [1.5], [2.0]]), np.array([[0.4], [1.0], [2.5]]), None, "reg", 1),
    (np.array([[0.0], [3.0], [1.0]]), np.array([[0.2], [2.7], [1.4]]), None, "reg", 1),
])
def test_inspect_tells_classifiers_from_regressions(y_true, y_pred, names, kind, n):
    out = ins.inspect(y_true, y_pred, names)
    if kind == "cls":
        assert isinstance(out, ins.Classification)
        assert len(out.class_names) == n
        assert out.matrix.sum() == 3
        np.testing.assert_array_equal(out.predicted, ins.predicted_classes(y_pred, n)[0])
    else:
        assert isinstance(out, ins.Regression)
        assert out.stats().n == 3


def test_binary_sigmoid_and_a_misfit_output():
    idx, prob = ins.predicted_classes(np.array([[0.2], [0.9]]), 2)
    np.testing.assert_array_equal(idx, [0, 1])
    np.testing.assert_allclose(prob, [0.8, 0.9])
    with pytest.raises(DataError, match="does not fit 3 classes"):
        ins.predicted_classes(np.zeros((2, 2)), 3)


def test_input_columns_turn_one_hot_back_into_text():
    schema = Schema("csv", [Feature("mass"), Feature("island", "category", ["A", "B", "C"])],
                    ["species"], ["x", "y"], (4,), ["mass", "island=A", "island=B", "island=C"])
    x = np.array([[3.5, 0, 1, 0], [4.0, 0, 0, 1]], np.float32)
    names, cols = ins.input_columns(x, schema)
    assert names == ["mass", "island"]
    assert list(cols[1]) == ["B", "C"]
    np.testing.assert_allclose(cols[0], [3.5, 4.0])
    names, cols = ins.input_columns(np.zeros((2, 5, 5)), None)
    assert names == []


def test_source_spec_follows_the_command_line(tmp_path):
    schema = Schema("csv", [Feature("a")], ["label"], ["n", "y"], (1,), ["a"])
    assert results.source_spec("new.csv", schema) == {"path": "new.csv", "targets": ["label"]}
    assert results.source_spec("d.npz") == {"path": "d.npz", "inputs": "x"}
    assert results.source_spec("x.npy", targets="y.npy") == {"inputs": "x.npy",
                                                              "targets": "y.npy"}
    assert results.schema_for(schema, {"path": "new.csv"}) is schema
    assert results.schema_for(schema, {"inputs": "x.npy"}) is None


def test_evaluate_and_predict_with_progress_equal_keras(tmp_path):
    import keras

    from kerasgui.core.data import Arrays

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3)).astype(np.float32)
    y = rng.integers(0, 2, 100).astype(np.int32)
    arrays = Arrays(x, y, Schema("npy", input_shape=(3,)), "x.npy", np.arange(1, 101))
    seen = []
    got = results.evaluate(model, arrays, 10, on_progress=lambda d, n: seen.append((d, n)))
    assert got == pytest.approx(model.evaluate(x, y, batch_size=10, verbose=0, return_dict=True))
    assert seen[-1] == (10, 10)
    p = results.predict(model, x, 10, on_progress=lambda d, n: seen.append((d, n)))
    np.testing.assert_allclose(p, model.predict(x, batch_size=10, verbose=0), rtol=1e-6)
    stop = threading.Event()
    stop.set()
    with pytest.raises(results.Cancelled):
        results.predict(model, x, 10, stop=stop)

    # what the window's Evaluate runs: load, evaluate, predict, inspect
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y)
    spec = results.source_spec("x.npy", targets="y.npy")
    events = []
    out = results.run("evaluate", model, None, spec, tmp_path, 10, emit=events.append)
    assert out.metrics == pytest.approx(got)
    assert isinstance(out.inspection, ins.Classification)
    assert out.inspection.matrix.sum() == 100 and out.n == 100 and out.rows[0] == 1
    assert {e["type"] for e in events} == {"stage", "progress"}
