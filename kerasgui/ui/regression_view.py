"""A regression's predicted-vs-actual scatter: one point per sample, the ideal line (predicted =
actual) and dashed lines at the mean residual ± one standard deviation, with the numbers beside."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kerasgui.core.inspect import Regression

POINT_COLOR = (31, 111, 180, 150)
IDEAL_COLOR = "#2a9d3a"
SPREAD_COLOR = "#e8710a"
MAX_POINTS = 50_000  # drawn; the statistics use every sample


def fmt(v: float) -> str:
    return f"{v:.4g}"


class RegressionView(QWidget):
    """`show_regression(r, rows)`; items are named "predicted vs actual", "ideal",
    "mean residual", "mean residual + std", "mean residual - std" (read them with getData())."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("regression_view")
        self.result: Regression | None = None
        self.rows: np.ndarray = np.zeros(0, dtype=np.int64)

        self.target = QComboBox()
        self.target.setObjectName("regression_target")
        self.target.setAccessibleName("Target to plot")
        self.target.currentIndexChanged.connect(self._draw)
        self.target_label = QLabel("Target:")
        self.stats = QLabel()
        self.stats.setObjectName("residual_stats")
        self.stats.setWordWrap(True)
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        pg.setConfigOptions(antialias=True)
        self.plot_widget = pg.PlotWidget(background="w")
        self.plot_widget.setObjectName("regression_plot")
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setLabel("bottom", "actual")
        self.plot.setLabel("left", "predicted")
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextColor="#222",
                                          brush=pg.mkBrush(255, 255, 255, 220))
        self.scatter = pg.ScatterPlotItem(name="predicted vs actual", size=6,
                                          pen=pg.mkPen(None), brush=pg.mkBrush(*POINT_COLOR))
        self.ideal = pg.PlotDataItem(name="ideal", pen=pg.mkPen(IDEAL_COLOR, width=2))
        dash = pg.mkPen(SPREAD_COLOR, width=1.5, style=Qt.PenStyle.DashLine)
        self.mean_line = pg.PlotDataItem(name="mean residual", pen=pg.mkPen(
            SPREAD_COLOR, width=1.5, style=Qt.PenStyle.DotLine))
        self.upper = pg.PlotDataItem(name="mean residual + std", pen=dash)
        self.lower = pg.PlotDataItem(name="mean residual - std", pen=dash)
        for z, item in enumerate((self.scatter, self.mean_line, self.upper, self.lower,
                                  self.ideal)):
            item.setZValue(z)  # the ideal line on top
            self.plot.addItem(item)
        self.legend.clear()
        self.legend.addItem(self.scatter, "samples")
        self.legend.addItem(self.ideal, "ideal: predicted = actual")
        self.legend.addItem(self.mean_line, "mean residual")
        self.legend.addItem(self.upper, "± one std")

        top = QHBoxLayout()
        top.addWidget(self.target_label)
        top.addWidget(self.target)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.stats)
        lay.addWidget(self.plot_widget, 1)

    def items(self) -> dict[str, Any]:
        return {"predicted vs actual": self.scatter, "ideal": self.ideal,
                "mean residual": self.mean_line, "mean residual + std": self.upper,
                "mean residual - std": self.lower}

    def show_regression(self, result: Regression, rows: Any) -> None:
        self.result = result
        self.rows = np.asarray(rows, dtype=np.int64)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(result.names)
        self.target.setCurrentIndex(0)
        self.target.blockSignals(False)
        multi = len(result.names) > 1
        self.target.setVisible(multi)
        self.target_label.setVisible(multi)
        self._draw()

    def _draw(self, *_: Any) -> None:
        r = self.result
        if r is None:
            return
        j = max(0, self.target.currentIndex())
        actual = r.actual[:, j]
        predicted = r.predicted[:, j]
        s = r.stats(j)
        step = max(1, len(actual) // MAX_POINTS)
        self.scatter.setData(actual[::step], predicted[::step],
                             data=self.rows[::step] if len(self.rows) == len(actual) else None)
        finite = np.isfinite(actual) & np.isfinite(predicted)
        if finite.any():
            lo = float(min(actual[finite].min(), predicted[finite].min()))
            hi = float(max(actual[finite].max(), predicted[finite].max()))
        else:
            lo, hi = 0.0, 1.0
        pad = 0.05 * (hi - lo or 1.0)
        xs = np.array([lo - pad, hi + pad])
        self.ideal.setData(xs, xs)
        self.mean_line.setData(xs, xs + s.mean)
        self.upper.setData(xs, xs + s.mean + s.std)
        self.lower.setData(xs, xs + s.mean - s.std)
        self.plot.setLabel("bottom", f"actual {r.names[j]}")
        self.plot.setLabel("left", f"predicted {r.names[j]}")
        self.plot.enableAutoRange()
        bias = ("about right on average" if abs(s.mean) <= 0.1 * s.std
                else "too high on average" if s.mean > 0 else "too low on average")
        self.stats.setText(
            f"{s.n:,} samples. Residual (predicted − actual): mean <b>{fmt(s.mean)}</b> "
            f"({bias}), spread (std) <b>{fmt(s.std)}</b>; mean absolute error {fmt(s.mae)}, "
            f"root mean squared error {fmt(s.rmse)}. Points on the green line are exact.")
