"""Time to the window's first paint beside the time of `import tensorflow`, each in a fresh process.

The window must appear before TensorFlow has loaded (DESIGN.md section 1): the goal is a ratio of
0.3 or less. Both are wall-clock times of a whole new Python process (interpreter start included),
offscreen; the window's process exits at its first paint. Median of --repeat runs.

    .venv/bin/python benchmarks/startup.py [--repeat 3] [PROJECT]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "resources" / "examples" / "two_class" / "two_class.kgproj"

# Runs the real entry point (kerasgui.ui.app.main) and leaves at the main window's first paint.
WINDOW = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if (event.type() == QEvent.Type.Paint and obj.isWidgetType()
                and obj.window().objectName() == "main_window"):
            started = "keras" in sys.modules
            print(f"Keras import {'began' if started else 'not begun'} before the first paint",
                  flush=True)
            os._exit(0)
        return False

watcher = FirstPaint()
app.installEventFilter(watcher)
from kerasgui.ui import app as kerasgui_app
sys.exit(kerasgui_app.main(sys.argv[1:]))
"""

TENSORFLOW = "import tensorflow"


def run(code: str, args: list[str]) -> tuple[float, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TF_CPP_MIN_LOG_LEVEL": "3",
           "KERASGUI_SETTINGS": os.devnull}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=600)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"benchmark child failed ({out.returncode}):\n{out.stderr[-2000:]}")
    return elapsed, out.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", nargs="?", default=str(EXAMPLE) if EXAMPLE.exists() else None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = [args.project] if args.project else []

    run(TENSORFLOW, [])  # warm the disk cache so neither side pays for a cold read
    window: list[float] = []
    tensorflow: list[float] = []
    note = ""
    for _ in range(args.repeat):
        t, note = run(WINDOW, project)
        window.append(t)
        tensorflow.append(run(TENSORFLOW, [])[0])
    w, tf = statistics.median(window), statistics.median(tensorflow)
    print(f"window shown (first paint), fresh process: {w:6.2f} s   "
          f"(runs: {', '.join(f'{x:.2f}' for x in window)}; {note})")
    print(f"import tensorflow, fresh process:          {tf:6.2f} s   "
          f"(runs: {', '.join(f'{x:.2f}' for x in tensorflow)})")
    ratio = w / tf
    print(f"ratio window / import tensorflow:          {ratio:6.2f}   (goal <= 0.30: "
          f"{'met' if ratio <= 0.3 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
