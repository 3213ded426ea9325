"""The catalog: what the palette and forms offer, read from Keras; layer configs round-trip."""

import json
import subprocess
import sys

import pytest

from kerasgui.core import catalog
from kerasgui.core.errors import ModelError


def _no_names(value):
    """A config without the generated layer names, tuples as lists."""
    if isinstance(value, dict):
        return {k: _no_names(v) for k, v in value.items() if k != "name"}
    if isinstance(value, list | tuple):
        return [_no_names(v) for v in value]
    return value


def test_import_does_not_load_keras():
    code = (
        "import sys\n"
        "import kerasgui.core.catalog as c\n"
        "assert c.GROUPS[0] == 'core'\n"
        "heavy = [m for m in ('keras', 'tensorflow', 'jax') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# ---------------------------------------------------------------------------------------------
# Palette


def test_common_layers_come_first():
    names = catalog.layer_names()
    assert names[:6] == ["Dense", "Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "Flatten"]
    for name in ("Dropout", "BatchNormalization", "LSTM", "GRU", "Embedding", "Normalization"):
        assert names.index(name) < 15
    assert len(names) == len(set(names)) > 100


def test_every_layer_has_a_group_and_groups_cover_the_palette():
    groups = catalog.LAYER_GROUPS
    assert list(groups) == [g for g in catalog.GROUPS if groups.get(g)]
    grouped = [n for names in groups.values() for n in names]
    assert sorted(grouped) == sorted(catalog.layer_names())
    for name in catalog.layer_names():
        group = catalog.layer_group(name)
        assert group in catalog.GROUPS
        assert name in groups[group]
    assert groups["core"][0] == "Dense"
    assert groups["convolution"][:2] == ["Conv1D", "Conv2D"]
    assert groups["recurrent"][:2] == ["LSTM", "GRU"]


def test_palette_keeps_out_bases_and_code_but_knows_them():
    names = set(catalog.layer_names())
    assert not names & {"InputLayer", "Layer", "Wrapper", "Lambda"}
    assert "AvgPool1D" not in names  # an alias of AveragePooling1D: one entry per class
    assert catalog.layer_group("InputLayer") == "core"
    assert catalog.layer_group("Convolution2D") == "convolution"
    assert catalog.layer_group("ReLU") == "activation"
    assert catalog.layer_group("Normalization") == "normalization"


def test_unknown_layer_suggests_close_names():
    with pytest.raises(ModelError) as info:
        catalog.layer_group("Dence")
    assert "Dense" in info.value.message
    assert info.value.where == "class_name"


# ---------------------------------------------------------------------------------------------
# Forms


def test_dense_form():
    args = catalog.layer_args("Dense")
    units = args[0]
    assert (units.name, units.kind, units.required, units.default) == ("units", "int", True, None)
    assert "dimensionality of the output space" in units.doc
    by_name = {a.name: a for a in args}
    activation = by_name["activation"]
    assert activation.kind == "choice" and activation.default is None
    assert activation.choices[0] is None and "relu" in activation.choices
    assert by_name["use_bias"].kind == "bool" and by_name["use_bias"].default is True
    assert by_name["kernel_initializer"].default == "glorot_uniform"
    assert "he_normal" in by_name["kernel_initializer"].choices
    assert by_name["kernel_regularizer"].choices[:1] == [None]
    assert "l2" in by_name["kernel_regularizer"].choices
    assert not {"name", "dtype", "trainable", "kwargs"} & set(by_name)


@pytest.mark.parametrize(("layer", "required"), [
    ("Conv2D", ["filters", "kernel_size"]),
    ("Embedding", ["input_dim", "output_dim"]),
    ("LSTM", ["units"]),
    ("GRU", ["units"]),
    ("Dropout", ["rate"]),
    ("Reshape", ["target_shape"]),
    ("Flatten", []),
])
def test_required_arguments_come_first(layer, required):
    args = catalog.layer_args(layer)
    assert [a.name for a in args if a.required] == required
    assert [a.name for a in args[:len(required)]] == required


def test_kinds_and_choices_from_hints_and_docs():
    conv1d = {a.name: a for a in catalog.layer_args("Conv1D")}
    conv2d = {a.name: a for a in catalog.layer_args("Conv2D")}
    assert conv1d["kernel_size"].kind == "shape"
    assert conv2d["strides"].kind == "shape" and conv2d["strides"].default == [1, 1]
    assert conv1d["padding"].choices == ["valid", "same", "causal"]
    assert conv2d["padding"].choices == ["valid", "same"]
    assert conv2d["data_format"].choices == [None, "channels_last", "channels_first"]
    pool = {a.name: a for a in catalog.layer_args("MaxPooling2D")}
    assert pool["pool_size"].kind == "shape" and pool["pool_size"].default == [2, 2]
    up = {a.name: a for a in catalog.layer_args("UpSampling2D")}
    assert up["interpolation"].kind == "choice" and "bilinear" in up["interpolation"].choices
    assert {a.name: a for a in catalog.layer_args("Dropout")}["rate"].kind == "float"


def test_every_form_is_well_formed_and_its_defaults_make_the_layer():
    for name in catalog.layer_names():
        args = catalog.layer_args(name)
        assert len({a.name for a in args}) == len(args), name
        for arg in args:
            assert arg.kind in catalog.KINDS, (name, arg)
            json.dumps(arg.default)
            if arg.kind == "choice":
                assert arg.choices and (arg.required or arg.default in arg.choices), (name, arg)
            else:
                assert arg.choices is None, (name, arg)
        if not any(a.required for a in args) and name not in ("CategoryEncoding",
                                                              "Discretization"):
            catalog.make_layer(name, {a.name: a.default for a in args})


def test_layer_doc_is_the_first_paragraph():
    assert catalog.layer_doc("Dense") == "Just your regular densely-connected NN layer."
    assert catalog.layer_doc("Conv2D").startswith("2D convolution layer")
    assert "inherit" not in catalog.layer_doc("InputLayer")  # not the base class's doc


def test_forms_are_copies():
    catalog.layer_args("Dense")[1].choices.append("mine")
    assert "mine" not in catalog.layer_args("Dense")[1].choices


# ---------------------------------------------------------------------------------------------
# make_layer


def test_make_layer_from_compact_config():
    layer = catalog.make_layer("Dense", {"units": 3, "activation": "relu"})
    assert layer.units == 3
    assert catalog.make_layer("Convolution1D", {"filters": 2, "kernel_size": 3}).filters == 2
    wrapped = catalog.make_layer("Bidirectional", {"layer": {"class_name": "LSTM",
                                                             "config": {"units": 4}}})
    assert wrapped.forward_layer.units == 4


@pytest.mark.parametrize(("layer", "config", "where", "words"), [
    ("Dense", {"units": -3}, "units", "units must be a positive integer, got -3"),
    ("Dense", {}, "units", "units is required"),
    ("Dense", {"units": "a"}, "units", "units must be an integer"),
    ("Dense", {"units": 2, "unit": 1}, "unit", "Did you mean units"),
    ("Dense", {"units": 2, "activation": "relux"}, "activation", "Did you mean relu"),
    ("Dense", {"units": 2, "kernel_initializer": "he_normall"}, "kernel_initializer",
     "not a known initializer"),
    ("Dense", {"units": 2, "use_bias": "maybe"}, "use_bias", "true or false"),
    ("Conv2D", {"filters": 3, "kernel_size": 0}, "kernel_size", "positive integer"),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "padding": "causal"}, "padding",
     "padding must be one of 'same', 'valid'"),
    ("Dropout", {"rate": 1.5}, "rate", "between 0 and 1, got 1.5"),
    ("Reshape", {"target_shape": [-1, -1]}, "target_shape", "unknown dimension"),
    ("Bidirectional", {"layer": {"class_name": "LSTM", "config": {"units": -2}}},
     "layer.config.units", "units must be a positive integer"),
])
def test_make_layer_errors_name_the_argument(layer, config, where, words):
    with pytest.raises(ModelError) as info:
        catalog.make_layer(layer, config)
    assert info.value.where == where
    assert words in info.value.message
    assert "Traceback" not in info.value.message
    assert "Exception encountered" not in info.value.message


def test_make_layer_refuses_code_and_unknown_classes():
    with pytest.raises(ModelError, match="Python code"):
        catalog.make_layer("Lambda", {"function": "x"})
    with pytest.raises(ModelError, match="Did you mean Dense"):
        catalog.make_layer("Dence", {"units": 1})


# ---------------------------------------------------------------------------------------------
# compact_config


def test_compact_dense_config():
    import keras

    full = keras.layers.Dense(32, activation="relu").get_config()
    assert catalog.compact_config("Dense", full) == {"units": 32, "activation": "relu"}


def test_compact_keeps_what_differs_in_short_form():
    import keras

    full = keras.layers.Dense(4, kernel_initializer="he_normal", use_bias=False,
                              kernel_regularizer=keras.regularizers.L2(0.001),
                              trainable=False, dtype="mixed_float16").get_config()
    assert catalog.compact_config("Dense", full) == {
        "units": 4, "use_bias": False, "kernel_initializer": "he_normal",
        "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.001}},
        "trainable": False, "dtype": "mixed_float16",
    }
    assert catalog.compact_config("Conv2D", {"filters": 2, "kernel_size": 3, "strides": (1, 1),
                                             "padding": "valid", "name": "c"}) == {
        "filters": 2, "kernel_size": 3}


def _sample_layers():
    import keras

    layers = keras.layers
    return [
        layers.Dense(32, activation="relu"),
        layers.Conv2D(8, 3, padding="same", strides=(2, 2)),
        layers.Conv1D(4, 5, padding="causal"),
        layers.MaxPooling2D(),
        layers.LSTM(16, return_sequences=True, dropout=0.1),
        layers.Bidirectional(layers.GRU(8), merge_mode="sum"),
        layers.TimeDistributed(layers.Dense(3)),
        layers.BatchNormalization(momentum=0.9),
        layers.Embedding(100, 8, mask_zero=True),
        layers.Rescaling(1 / 255),
        layers.LayerNormalization(axis=[1, 2]),
        layers.Dense(3, kernel_initializer=keras.initializers.RandomNormal(stddev=0.1)),
    ]


def test_compact_round_trips_get_config():
    for layer in _sample_layers():
        name = type(layer).__name__
        full = layer.get_config()
        compact = catalog.compact_config(name, full)
        json.dumps(compact)
        assert "name" not in compact and "dtype" not in compact
        again = catalog.make_layer(name, compact).get_config()
        assert _no_names(again) == _no_names(full), name
        assert catalog.compact_config(name, compact) == compact, name


# ---------------------------------------------------------------------------------------------
# Optimizers, losses, metrics, activations, callbacks


def test_optimizers():
    import keras

    names = catalog.optimizer_names()
    assert names[:4] == ["Adam", "SGD", "RMSprop", "AdamW"]
    assert "Optimizer" not in names and "LossScaleOptimizer" not in names
    for name in names:
        keras.optimizers.get(name)
    args = catalog.optimizer_args("rmsprop")
    assert args[0].name == "learning_rate" and args[0].kind == "float" and args[0].default == 0.001
    assert args[0].doc
    assert "name" not in {a.name for a in args}
    with pytest.raises(ModelError, match="Did you mean Adam"):
        catalog.optimizer_args("Adma")


def test_losses_resolve_in_keras():
    import keras

    names = catalog.loss_names()
    for name in ("mean_squared_error", "binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "huber", "mean_absolute_error"):
        assert name in names
    for name in names:
        assert name == name.lower()
        assert callable(keras.losses.get(name))


def test_metrics_resolve_in_keras():
    import keras

    names = catalog.metric_names()
    assert names[0] == "accuracy"
    for name in ("binary_accuracy", "mean_absolute_error", "AUC", "Precision", "Recall"):
        assert name in names
    for name in names:
        assert keras.metrics.get(name) is not None


def test_activations_resolve_in_keras():
    import keras

    names = catalog.activation_names()
    assert names[:4] == ["relu", "sigmoid", "softmax", "tanh"]
    for name in names:
        assert callable(keras.activations.get(name))


def test_callbacks():
    names = catalog.callback_names()
    assert names[:6] == ["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint",
                         "TerminateOnNaN", "BackupAndRestore", "CSVLogger"]
    assert not {"LambdaCallback", "History", "Callback"} & set(names)
    early = {a.name: a for a in catalog.callback_args("EarlyStopping")}
    assert early["monitor"].default == "val_loss"
    assert early["mode"].choices == ["auto", "min", "max"]
    checkpoint = catalog.callback_args("ModelCheckpoint")
    assert checkpoint[0].name == "filepath" and checkpoint[0].required


@pytest.mark.parametrize(("class_names", "width", "first"), [
    (["cat", "dog", "fish"], 1, ["sparse_categorical_crossentropy"]),
    (["no", "yes"], 1, ["binary_crossentropy"]),
    (None, 1, ["mean_squared_error", "mean_absolute_error", "huber"]),
    (None, 3, ["mean_squared_error", "mean_absolute_error", "huber"]),
])
def test_suggest_losses(class_names, width, first):
    suggested = catalog.suggest_losses(class_names, width)
    assert suggested[:len(first)] == first
    assert sorted(suggested) == sorted(catalog.loss_names())
