"""The house style holds: ruff (E, F, W, I, UP, B, RUF at line length 100) on all the code."""

import subprocess
import sys

from tests.conftest import ROOT


def test_ruff_is_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "kerasgui", "tests", "benchmarks"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
