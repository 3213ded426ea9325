"""The training session: History as plain Keras, events, stop, pause, more epochs, faults."""

import json
import threading

import numpy as np
import pytest

from kerasgui.core.errors import TrainingError
from kerasgui.core.project import Project
from kerasgui.core.training import Session
from tests.conftest import EXAMPLES

TWO_CLASS = EXAMPLES / "two_class" / "two_class.kgproj"


SEED = 1  # the two-class project's fit.seed


def plain_keras_two_class(epochs: int, steps_per_execution: int = 1) -> dict:
    """The script a user would write from the seed note, with the project's seed and split."""
    import keras

    data = np.loadtxt(
        EXAMPLES / "two_class" / "two_class.csv", delimiter=",", skiprows=1, dtype=np.float32
    )
    inputs, targets = data[:, :2], data[:, 2:]
    order = np.random.default_rng(SEED).permutation(len(inputs))
    inputs, targets = inputs[order], targets[order]
    n_val = int(0.3 * len(inputs))
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=0.1),
        loss="mean_squared_error",
        metrics=["binary_accuracy"],
        steps_per_execution=steps_per_execution,
    )
    history = model.fit(
        inputs[n_val:],
        targets[n_val:],
        epochs=epochs,
        batch_size=16,
        validation_data=(inputs[:n_val], targets[:n_val]),
        verbose=0,
    )
    return history.history


def assert_same_history(a: dict, b: dict, tol: float = 1e-6) -> None:
    assert sorted(a) == sorted(b)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], atol=tol, rtol=0, err_msg=k)


def test_history_equals_plain_keras():
    events = []
    session = Session(Project.load(TWO_CLASS), on_event=events.append)
    history = session.fit()
    assert_same_history(history, plain_keras_two_class(5))
    assert history["val_binary_accuracy"][-1] > 0.9  # as in the seed note
    kinds = [e["type"] for e in events]
    assert kinds[0] == "train_begin" and kinds[-1] == "train_end"
    assert kinds.count("epoch_end") == 5 and "batch_end" in kinds
    assert session.steps_per_execution > 1  # a small-batch model runs several steps per call
    json.dumps(events)  # events are plain data


def test_steps_per_execution_changes_no_number():
    assert_same_history(plain_keras_two_class(2, 1), plain_keras_two_class(2, 17))


def test_more_epochs_continue_the_same_model():
    session = Session(Project.load(TWO_CLASS))
    session.fit(epochs=2)
    weights = session.model.get_weights()
    session.more(2)
    assert session.epochs_done == 4 and len(session.history["val_loss"]) == 4
    assert session.model.optimizer.iterations.numpy() == 4 * 88
    assert any(
        not np.array_equal(a, b) for a, b in zip(weights, session.model.get_weights(), strict=True)
    )


def test_stop_within_one_batch_keeps_weights_and_history():
    project = Project.load(TWO_CLASS)
    project.fit["epochs"] = 50
    session = Session(project)

    def on_event(e):
        if e["type"] == "epoch_end" and e["epoch"] == 1:
            session.request_stop()

    session.on_event = on_event
    session.fit()
    assert session.stopped_reason == "stopped by the user"
    assert 2 <= session.epochs_done <= 3
    assert session.model.predict(np.zeros((1, 2)), verbose=0).shape == (1, 1)


def test_pause_holds_the_step_count_still():
    project = Project.load(TWO_CLASS)
    project.fit["epochs"] = 3
    session = Session(project)
    session.prepare()
    session.pause()
    seen = []
    session.on_event = seen.append
    t = threading.Thread(target=session.fit)
    t.start()
    t.join(1.5)
    steps = session.model.optimizer.iterations.numpy()
    t.join(0.5)
    assert session.model.optimizer.iterations.numpy() == steps == 0 and t.is_alive()
    session.resume()
    t.join(60)
    assert not t.is_alive() and session.epochs_done == 3
    assert "paused" in [e["type"] for e in seen]


def test_nan_loss_stops_with_a_reason():
    project = Project.load(TWO_CLASS)
    project.compile["optimizer"] = {"class_name": "SGD", "config": {"learning_rate": 1e6}}
    project.fit["epochs"] = 3
    session = Session(project)
    session.fit()
    assert session.stopped_reason and "loss became nan" in session.stopped_reason.lower()
    assert "learning rate" in session.stopped_reason


def test_error_inside_fit_keeps_history(monkeypatch):
    project = Project.load(TWO_CLASS)
    project.fit["epochs"] = 4
    session = Session(project)

    def on_event(e):
        if e["type"] == "epoch_end" and e["epoch"] == 1:
            raise MemoryError("simulated")

    session.on_event = on_event
    with pytest.raises(TrainingError, match="out of memory"):
        session.fit()
    assert session.epochs_done == 2 and session.model is not None


def test_stop_takes_effect_before_the_next_batch():
    project = Project.load(TWO_CLASS)
    project.fit["epochs"] = 50
    session = Session(project)
    seen = {}

    def on_event(e):
        if e["type"] == "batch_end" and "iterations" not in seen:
            seen["iterations"] = int(session.model.optimizer.iterations.numpy())
            session.request_stop()

    session.on_event = on_event
    session.fit()
    assert int(session.model.optimizer.iterations.numpy()) == seen["iterations"]
    assert session.stopped_reason == "stopped by the user"
