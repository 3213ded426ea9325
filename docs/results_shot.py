"""Open an example, train it, evaluate and predict, and show the Results tab (for screenshots:
`../shared/tools/xvfb-shot -s 60 shot.png -- .venv/bin/python docs/results_shot.py penguins`)."""

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

os.environ.setdefault("KERASGUI_SETTINGS", str(Path(tempfile.mkdtemp()) / "kerasgui.ini"))
from kerasgui.ui.main_window import MainWindow

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"
name = sys.argv[1] if len(sys.argv) > 1 else "penguins"
new_data = {"penguins": "penguins_new.csv", "houses": "houses_test.csv"}[name]

app = QApplication(sys.argv[:1])
w = MainWindow()
w.move(0, 0)
w.resize(1400, 900)
w.show()
w.open_project(EXAMPLES / name / f"{name}.kgproj", ask=False)
training = w.panels["Training"]
results = w.panels["Results"]
steps = iter(["evaluate", "predict", "done"])


def next_step(*_: object) -> None:
    step = next(steps)
    if step == "evaluate":
        w.tabs.setCurrentWidget(results)
        results.evaluate()
    elif step == "predict":
        results.predict(new_data)  # relative to the project folder
    elif results.confusion.result is not None:
        m = results.confusion.result.matrix.copy()
        m[range(len(m)), range(len(m))] = -1  # show the most common error, else a right cell
        i, j = divmod(int(m.argmax()), len(m))
        results.confusion.select_cell(i, j) if m.max() > 0 else results.confusion.select_cell(0, 0)


training.finished.connect(next_step)
results.job_finished.connect(next_step)
w.keras_ready.connect(lambda: QTimer.singleShot(200, training.train))
sys.exit(app.exec())
