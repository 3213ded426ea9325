"""The Results panel: evaluate and predict with the model trained in the window, inspect its errors,
save it and open it again; the window and `kerasgui predict` give the same answers; files that would
run code are refused in a dialog."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from kerasgui.cli import main as cli
from kerasgui.core.data import load_source

TIMEOUT_MS = 120_000


def copy_example(tmp_path: Path, examples: Path, name: str) -> Path:
    shutil.copytree(examples / name, tmp_path / name)
    return tmp_path / name / f"{name}.kgproj"


def train(qtbot: Any, w: Any, project: Path, epochs: int) -> Any:
    assert w.open_project(project, ask=False)
    training = w.panels["Training"]
    with qtbot.waitSignal(training.finished, timeout=TIMEOUT_MS) as done:
        assert training.train(epochs)
    assert done.args[0].ok, done.args[0].error
    results = w.panels["Results"]
    w.tabs.setCurrentWidget(results)
    assert results.model is training.session.model
    return results


def run(qtbot: Any, results: Any, action: Any) -> Any:
    with qtbot.waitSignal(results.job_finished, timeout=TIMEOUT_MS) as done:
        assert action()
    assert done.args[0].ok, done.args[0].error
    return done.args[0].value


def click(qtbot: Any, widget: Any) -> None:
    assert widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_classifier_evaluate_inspect_predict_save_and_reopen(window: Any, qtbot: Any,
                                                             tmp_path: Path,
                                                             examples: Path) -> None:
    project = copy_example(tmp_path, examples, "penguins")
    folder = project.parent
    results = train(qtbot, window, project, 3)
    session = window.panels["Training"].session

    # Evaluate the project's test data: the loss and metrics of model.evaluate
    assert results.eval_source.currentText().startswith("the project's test data")
    with qtbot.waitSignal(results.job_finished, timeout=TIMEOUT_MS):
        click(qtbot, results.evaluate_button)
    metrics = results.metrics()
    assert metrics == pytest.approx(session.evaluate(), rel=1e-5)
    assert results.metrics_table.rowCount() == len(metrics)

    # The confusion matrix is a plain count of (true, predicted)
    test = load_source({"path": "penguins_test.csv", "targets": ["species"]}, folder,
                       schema=session.schema)
    pred = session.model.predict(test.x, verbose=0).argmax(axis=1)
    count = np.zeros((3, 3), dtype=np.int64)
    np.add.at(count, (test.y, pred), 1)
    view = results.confusion
    assert results.inspect_stack.currentWidget() is view
    np.testing.assert_array_equal(view.result.matrix, count)
    assert view.table.item(0, 0).text() == str(count[0, 0])
    assert view.table.horizontalHeaderItem(0).text() == "predicted Adelie"
    click(qtbot, view.normalize)
    np.testing.assert_allclose(view.matrix_values().sum(axis=1), 1.0)
    assert view.table.item(0, 0).text().endswith("%")
    i, j = map(int, np.unravel_index(np.argmax(count), count.shape))
    rect = view.table.visualItemRect(view.table.item(i, j))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    expected_rows = test.rows[(test.y == i) & (pred == j)]
    assert view.listed_rows() == list(expected_rows)
    assert view.cell_rows.rowCount() == count[i, j]

    # Predict raw new rows: class names, as `kerasgui predict` writes them
    new = folder / "penguins_new.csv"
    run(qtbot, results, lambda: results.predict(new))
    shown = results.prediction_rows()
    header = shown[0]
    assert header[:2] == ["file row", "bill_length"] and "island" in header
    k = header.index("predicted")
    assert {r[k] for r in shown[1:]} <= {"Adelie", "Chinstrap", "Gentoo"}
    assert shown[1][header.index("island")] in ("Biscoe", "Dream", "Torgersen")
    window_csv = tmp_path / "window.csv"
    assert results.export_predictions(window_csv)
    assert results.save_model(tmp_path / "penguins.keras")
    cli_csv = tmp_path / "cli.csv"
    assert cli(["predict", str(tmp_path / "penguins.keras"), str(new), "--out",
                str(cli_csv)]) == 0
    assert window_csv.read_text() == cli_csv.read_text()
    before = results.prediction.table.raw.copy()

    # Reopen the saved model: the same predictions; its layers and compile settings are the
    # project's (one undo step)
    trained_compile = dict(window.doc.project.compile)
    window.doc.set_value(("model", "layers"), [], "Clear the stack")
    window.doc.set_value(("compile",), {"optimizer": "sgd", "loss": "mean_squared_error",
                                        "metrics": []}, "Other compile settings")
    assert results.open_model(tmp_path / "penguins.keras")
    assert window.doc.project.compile["loss"] == trained_compile["loss"]
    assert window.doc.project.compile["metrics"] == trained_compile["metrics"]
    assert window.doc.project.compile["optimizer"] != "sgd"
    assert results.model is not session.model
    assert results.schema.class_names == ["Adelie", "Chinstrap", "Gentoo"]
    layers = window.doc.project.layers
    assert [c["class_name"] for c in layers] == ["InputLayer", "Normalization", "Dense", "Dense"]
    assert layers[3]["config"] == {"units": 3, "activation": "softmax"}
    run(qtbot, results, lambda: results.predict(new))
    np.testing.assert_allclose(results.prediction.table.raw, before, rtol=1e-6, atol=1e-7)
    window.doc.undo_stack.undo()
    assert window.doc.project.layers == []
    assert window.doc.project.compile["optimizer"] == "sgd"


def test_regression_scatter_and_residuals(window: Any, qtbot: Any, tmp_path: Path,
                                          examples: Path) -> None:
    from kerasgui.core.inspect import regression_stats

    project = copy_example(tmp_path, examples, "houses")
    results = train(qtbot, window, project, 3)
    session = window.panels["Training"].session
    run(qtbot, results, results.evaluate)
    view = results.regression
    assert results.inspect_stack.currentWidget() is view
    test = session.data.test
    pred = session.model.predict(test.x, verbose=0)[:, 0]
    x, y = view.items()["predicted vs actual"].getData()
    np.testing.assert_allclose(x, test.y[:, 0], rtol=1e-6)
    np.testing.assert_allclose(y, pred, rtol=1e-4, atol=1e-4)
    ix, iy = view.items()["ideal"].getData()
    np.testing.assert_array_equal(ix, iy)
    s = regression_stats(test.y[:, 0], pred)
    mx, my = view.items()["mean residual"].getData()
    assert my[0] - mx[0] == pytest.approx(s.mean, rel=1e-3, abs=1e-3)
    assert f"{s.std:.4g}"[:3] in view.stats.text()
    assert "price" in view.plot.getAxis("bottom").labelText


def test_refused_model_files_show_a_message_not_a_traceback(window: Any, qtbot: Any,
                                                            tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    import keras

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *a: shown.append((title, text)))
    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(lambda x: x * 2)])
    model.save(tmp_path / "lambda.keras")
    results = window.panels["Results"]
    assert not results.open_model(tmp_path / "lambda.keras")
    (tmp_path / "old.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    assert not results.open_model(tmp_path / "old.h5")
    assert [t for t, _ in shown] == ["Cannot open the model"] * 2
    assert "Lambda layer" in shown[0][1] and ".h5" in shown[1][1]
    assert not any("Traceback" in text for _, text in shown)
    assert results.model is None

    # a functional model opens: the project holds its whole config, one undo step away
    inp = keras.Input(shape=(3,))
    out = keras.layers.Dense(1)(keras.layers.Dense(4, activation="relu")(inp))
    keras.Model(inp, out).save(tmp_path / "graph.keras")
    menu_action = window.findChild(QAction, "open_model")
    assert menu_action is results.open_model_action
    assert results.open_model(tmp_path / "graph.keras")
    assert window.doc.project.model["class_name"] == "Functional"
    assert results.evaluate_button.isEnabled()
    window.doc.undo_stack.undo()
    assert window.doc.project.is_stack
    assert window.findChild(QAction, "save_model").isEnabled()
