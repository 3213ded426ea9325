"""Builder: output shapes, parameter counts, the first layer that does not fit, loss checks."""

import numpy as np
import pytest

from kerasgui.core.builder import build_model, check_targets, format_count, rank_hint, summarize
from kerasgui.core.errors import ModelError
from kerasgui.core.project import Project


def stack(*layers, **compile_):
    p = Project(model={"layers": list(layers)})
    p.compile.update(compile_)
    return p


def dense(units, **kw):
    return {"class_name": "Dense", "config": {"units": units, **kw}}


def test_seed_first_stack_counts():
    s = summarize(stack(dense(32, activation="relu"), dense(32), dense(1)), (2,))
    assert [r.output_shape for r in s.rows] == [(None, 32), (None, 32), (None, 1)]
    assert [r.params for r in s.rows] == [96, 1056, 33]
    assert format_count(s.total) == "1,185" and s.trainable == 1185 and s.problem is None


def test_input_layer_gives_the_shape():
    s = summarize(
        stack(
            {"class_name": "InputLayer", "config": {"shape": [28, 28, 1]}},
            {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": 3}},
            {"class_name": "Flatten", "config": {}},
            dense(10),
        ),
        None,
    )
    assert s.rows[1].output_shape == (None, 26, 26, 4)
    assert s.rows[-1].output_shape == (None, 10) and s.problem is None


def test_unknown_shape_without_data():
    s = summarize(stack(dense(3)), None)
    assert s.rows[0].output_shape is None and s.problem is None


@pytest.mark.parametrize(
    ("layers", "index", "words"),
    [
        (
            [dense(4), {"class_name": "Conv2D", "config": {"filters": 3, "kernel_size": 3}}],
            1,
            "rank 4",
        ),
        ([dense(-3)], 0, "units"),
        ([dense(3, unitz=2)], 0, "no argument 'unitz'"),
        ([{"class_name": "Dens", "config": {}}], 0, "Did you mean Dense"),
        (
            [dense(4), {"class_name": "Reshape", "config": {"target_shape": [3, 3]}}],
            1,
            "total size",
        ),
        ([{"class_name": "Lambda", "config": {}}], 0, "Python code"),
    ],
)
def test_first_bad_layer_is_named(layers, index, words):
    s = summarize(stack(*layers), (2,))
    assert s.problem is not None and s.problem.index == index
    assert s.problem.where.startswith(f"model.layers[{index}]")
    assert words in str(s.problem)
    with pytest.raises(ModelError, match=rf"model.layers\[{index}\]"):
        build_model(stack(*layers), (2,))


def test_build_needs_shape_or_layers():
    with pytest.raises(ModelError, match="no layers"):
        build_model(stack(), (2,))
    with pytest.raises(ModelError, match="input shape is unknown"):
        build_model(stack(dense(1)), None)


def test_nested_compact_configs_build():
    m = build_model(
        stack(
            {
                "class_name": "Bidirectional",
                "config": {"layer": {"class_name": "LSTM", "config": {"units": 3}}},
            },
            dense(2, kernel_initializer={"class_name": "HeNormal", "config": {}}),
        ),
        (5, 4),
    )
    assert m.output_shape == (None, 2)


def test_rank_hint():
    assert "Dense" in rank_hint((20,))
    assert "LSTM" in rank_hint((10, 3)) and "Conv1D" in rank_hint((10, 3))
    assert "Conv2D" in rank_hint((28, 28, 1))


class _Arrays:
    def __init__(self, y, class_names=None):
        self.y = y
        self.schema = type("S", (), {"class_names": class_names})()


@pytest.mark.parametrize(
    ("layers", "loss", "y", "classes", "words"),
    [
        (
            [dense(1)],
            "sparse_categorical_crossentropy",
            np.array([0, 1, 2]),
            ["a", "b", "c"],
            "set its units to 3",
        ),
        (
            [dense(3)],
            "categorical_crossentropy",
            np.array([0, 1, 2]),
            ["a", "b", "c"],
            "use sparse_categorical_crossentropy",
        ),
        (
            [dense(1)],
            "binary_crossentropy",
            np.array([0, 1, 2]),
            ["a", "b", "c"],
            "is for two classes",
        ),
        ([dense(1)], "binary_crossentropy", np.array([[0.0], [5.0]]), None, "between 0 and 1"),
        ([dense(2)], "mean_squared_error", np.array([[0.0], [5.0]]), None, "set its units to 1"),
        (
            [{"class_name": "Reshape", "config": {"target_shape": [2, 1]}}],
            "mean_squared_error",
            np.array([[0.0], [5.0]]),
            None,
            "add Flatten",
        ),
    ],
)
def test_loss_output_targets_mismatch(layers, loss, y, classes, words):
    p = stack(*layers, loss=loss)
    model = build_model(p, (2,))
    with pytest.raises(ModelError, match=words):
        check_targets(p, model, _Arrays(y, classes))


def test_matching_loss_passes():
    p = stack(dense(3, activation="softmax"), loss="sparse_categorical_crossentropy")
    check_targets(p, build_model(p, (2,)), _Arrays(np.array([0, 1, 2]), ["a", "b", "c"]))


def test_whole_model_config_builds_again_and_again():
    import json

    import keras

    m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    p = Project(model=json.loads(json.dumps(keras.saving.serialize_keras_object(m))))
    assert build_model(p, None).output_shape == (None, 3)
    assert build_model(p, None).output_shape == (None, 3)  # the project's dict was not consumed
    assert summarize(p, None).rows[-1].output_shape == (None, 3)
