"""The speed-ups change no number: several steps per execution (chosen so that callbacks come about
20 times a second) give exactly the History of one step per execution, as does the per-epoch
checkpoint of a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kerasgui.core import training
from kerasgui.core.project import Project
from kerasgui.core.training import Session
from tests.conftest import EXAMPLES

TWO_CLASS = EXAMPLES / "two_class" / "two_class.kgproj"
EPOCHS = 3


def run(out_dir: Path | None = None) -> tuple[int, dict[str, list[float]]]:
    session = Session(Project.load(TWO_CLASS))
    history = session.fit(EPOCHS, out_dir=out_dir)
    return session.steps_per_execution, history


def test_steps_per_execution_changes_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    chosen, fast = run()
    assert chosen > 1  # the two-class project's small batches run many steps per call
    with monkeypatch.context() as m:
        m.setattr(training, "choose_steps_per_execution", lambda *a, **k: 1)
        one, slow = run()
    assert one == 1
    assert fast == slow  # exactly: the same floats
    assert all(len(v) == EPOCHS for v in fast.values())


def test_run_folder_checkpoints_change_no_number(tmp_path: Path) -> None:
    _, plain = run()
    _, checkpointed = run(tmp_path / "run")
    assert checkpointed == plain
    assert (tmp_path / "run" / "history.json").exists()


def test_chosen_steps_keep_callbacks_near_twenty_a_second() -> None:
    class Layer:
        def __init__(self, shape: tuple[int, ...], out: tuple[Any, ...]) -> None:
            self.weights = [type("W", (), {"shape": shape})()]
            self.output = type("T", (), {"shape": out})()

    tiny = type("M", (), {"layers": [Layer((2, 1), (None, 1))]})()
    step = training.estimate_step_seconds(tiny, 16)
    spe = training.choose_steps_per_execution(tiny, 16, 10_000)
    assert 0.025 <= spe * step <= 0.05 + step  # about EVENT_INTERVAL_S per call
    assert training.choose_steps_per_execution(tiny, 16, 7) == 7  # never more than an epoch
    big = type("M", (), {"layers": [Layer((4096, 4096), (None, 4096))]})()
    assert training.choose_steps_per_execution(big, 256, 100) == 1  # compute-bound: every step
    # steps of ~15 ms would take 3 per call: not worth tracing a multi-step function
    medium = type("M", (), {"layers": [Layer((3, 3, 32, 32), (None, 11, 11, 32))]})()
    assert 0.01 < training.estimate_step_seconds(medium, 64) < 0.025
    assert training.choose_steps_per_execution(medium, 64, 100) == 1
