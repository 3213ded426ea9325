"""The training plots keep each repaint small while a model trains: the x axis holds still at the
planned epochs, plots and curves are made ahead of the first epoch, one per repaint, and a redraw
repaints one plot at a time. The curves still end up holding exactly what was recorded."""

from __future__ import annotations

from typing import Any

import pytest

from kerasgui.ui.plots import BATCH_CURVE, TrainingPlots


@pytest.fixture
def plots(qtbot: Any) -> TrainingPlots:
    p = TrainingPlots()
    qtbot.addWidget(p)
    p.resize(800, 400)
    p.show()
    return p


def x_range(p: TrainingPlots, family: str) -> tuple[float, float]:
    (lo, hi), _ = p.plots[family].getViewBox().viewRange()
    return lo, hi


def test_x_axis_spans_the_planned_epochs_while_running(plots: TrainingPlots) -> None:
    plots.start(20)
    plots.add_epoch({"loss": 1.0, "val_loss": 1.2})
    plots.redraw()
    lo, hi = x_range(plots, "loss")
    assert lo <= 0 < 20 <= hi < 21  # still, whatever the data: no axis re-layout per epoch
    plots.expect(["accuracy"])
    plots._tick()  # a plot made while running gets the same range
    lo, hi = x_range(plots, "accuracy")
    assert lo <= 0 < 20 <= hi < 21
    plots.log_scale.setChecked(True)  # a new log mode keeps the range
    assert not plots.plots["loss"].getViewBox().autoRangeEnabled()[0]
    lo, hi = x_range(plots, "loss")
    assert lo <= 0 < 20 <= hi < 21
    plots.stop()  # afterwards the axis fits the epochs done
    assert plots.plots["loss"].getViewBox().autoRangeEnabled()[0]


def test_plots_and_curves_are_made_ahead_one_per_tick(plots: TrainingPlots) -> None:
    plots.start(5)
    plots.expect(["loss", "binary_accuracy"])  # the keys of the first batch's logs
    made = []
    for _ in range(6):
        plots._tick()
        made.append((sorted(plots.plots), sorted(plots.curve_names())))
    assert made[0] == (["binary_accuracy", "loss"], [])          # the new plot alone
    assert made[1] == (["binary_accuracy", "loss"], ["binary_accuracy"])  # then its curve
    assert made[2] == (["binary_accuracy", "loss"], ["binary_accuracy", "loss"])
    assert made[3] == made[2]  # nothing more to do: the tick does nothing


def test_a_redraw_from_the_timer_repaints_one_plot(plots: TrainingPlots) -> None:
    plots.start(5)
    plots.expect(["loss", "mae"])
    for _ in range(3):
        plots._tick()
    plots.add_batch(0, 10, 10, 0.9)
    plots.add_epoch({"loss": 0.8, "mae": 0.5, "val_loss": 0.9, "val_mae": 0.6})
    plots._tick()  # the loss plot (with the per-batch line) first
    assert list(plots.curve("loss").getData()[1]) == [0.8]
    assert list(plots.curve(BATCH_CURVE).getData()[1]) == [0.9]
    assert plots.curve("mae").getData()[1] is None or len(plots.curve("mae").getData()[1]) == 0
    plots._tick()  # then the next plot
    assert list(plots.curve("mae").getData()[1]) == [0.5]
    assert list(plots.curve("val_mae").getData()[1]) == [0.6]
    plots.stop()
    assert {k: list(plots.curve(k).getData()[1]) for k in plots.history} == \
        {k: [v] for k, v in {"loss": 0.8, "mae": 0.5, "val_loss": 0.9, "val_mae": 0.6}.items()}
