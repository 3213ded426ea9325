"""The bad-input corpus in the window: every bad project file, and a representative set of bad data
files, gives a message that names the problem (a dialog, or the text at the control), never a
traceback, and the window stays usable. (Opening a .keras with a Lambda layer or an .h5 file is in
test_results_panel.py.)"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.core.test_bad_projects import BAD, CASES

RUN_TIMEOUT_MS = 60_000
SOURCES = BAD.parent / "sources"

# (the training source, words the message must hold), from tests/core/test_bad_data.py
SOURCE_CASES = [
    ({"path": "text_in_number.csv", "targets": ["label"]},
     ["row 5", "column 'weight'", "'tall' is not a number"]),
    ({"path": "decimal_comma.csv", "targets": ["label"]}, ["row 2", "decimal comma"]),
    ({"path": "ragged.csv", "targets": ["label"]}, ["row 4", "has 4 fields, expected 3"]),
    ({"path": "latin1.csv", "targets": ["label"]}, ["row 3", "not UTF-8"]),
    ({"path": "binary_garbage.csv", "targets": ["label"]}, ["not a text CSV file"]),
    ({"path": "ok.csv", "targets": ["labl"]}, ["ok.csv has no column 'labl'"]),
    ({"inputs": "pickled.npy", "targets": "y_100.npy"}, ["will not unpickle it"]),
    ({"inputs": "truncated.npy", "targets": "y_100.npy"}, ["truncated.npy is cut short"]),
    ({"inputs": "nan.npy", "targets": "y_100.npy"}, ["nan.npy", "sample 7", "NaN"]),
    ({"inputs": "x_100.npy", "targets": "y_90.npy"}, ["y_90.npy have 90"]),
    ({"path": "objects.npz", "inputs": "x", "targets": "y"}, ["will not unpickle"]),
    ({"path": "not_a_zip.npz", "inputs": "x", "targets": "y"},
     ["not_a_zip.npz is not a readable .npz archive"]),
]


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """QMessageBox's static dialogs record (title, text) instead of blocking."""
    shown: list[tuple[str, str]] = []

    def record(answer: Any) -> Any:
        def show(parent: Any, title: str, text: str, *args: Any, **kw: Any) -> Any:
            shown.append((title, text))
            return answer
        return show

    for name in ("warning", "critical", "information"):
        monkeypatch.setattr(QMessageBox, name, record(QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", record(QMessageBox.StandardButton.No))
    return shown


def test_every_bad_project_gives_a_message(window: Any, qtbot: Any, tmp_path: Path,
                                           dialogs: list[tuple[str, str]],
                                           examples: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(BAD, folder)  # autosaves or runs, if any, must not land in the corpus
    p = window.panels["Training"]
    for name, words in sorted(CASES.items()):
        dialogs.clear()
        if not window.open_project(folder / name, ask=False):
            assert len(dialogs) == 1, name
            title, text = dialogs[0]
            assert title == "Cannot open the project"
            assert words in text and "Traceback" not in text, (name, text)
            continue
        assert window.project.path == (folder / name).resolve()
        with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
            assert p.train()
        assert not done.args[0].ok, name
        text = p.message.text()
        assert not p.message.isHidden() and words in text, (name, text)
        assert "Traceback" not in text and "Something went wrong" not in text, text
        assert p.train_button.isEnabled() and not p.job.thread.isRunning()
    assert not (folder / "runs").exists()  # a project that cannot train leaves no run folder

    # still usable: a good project opens and trains
    shutil.copytree(examples / "two_class", tmp_path / "good")
    assert window.open_project(tmp_path / "good" / "two_class.kgproj", ask=False)
    with qtbot.waitSignal(p.finished, timeout=RUN_TIMEOUT_MS) as done:
        assert p.train(1)
    assert done.args[0].ok, done.args[0].error
    assert p.session.epochs_done == 1


def test_bad_data_files_give_a_message_at_the_control(window: Any, qtbot: Any,
                                                      dialogs: list[tuple[str, str]]) -> None:
    dp = window.panels["Data"]
    for spec, words in SOURCE_CASES:
        spec = dict(spec)
        for key in ("path",) if "path" in spec else ("inputs", "targets"):
            spec[key] = str(SOURCES / spec[key])
        with qtbot.waitSignal(dp.loaded, timeout=RUN_TIMEOUT_MS):
            window.doc.set_value(("data", "train"), spec, "Open a bad file")
        text = dp.train_error.text()
        assert not dp.train_error.isHidden(), spec
        for w in words:
            assert w in text, (w, text)
        assert "Traceback" not in text and "Something went wrong" not in text, text
        assert window.training_arrays() is None
    assert dialogs == []  # at the control, not in dialogs

    # still usable: a good file loads
    with qtbot.waitSignal(dp.loaded, timeout=RUN_TIMEOUT_MS):
        window.doc.set_value(("data", "train"),
                             {"path": str(SOURCES / "ok.csv"), "targets": ["label"]}, "Open ok")
    assert dp.train_error.isHidden() and window.training_arrays() is not None
