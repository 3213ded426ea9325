"""Live training curves (pyqtgraph): loss and val_loss on one plot, the per-batch loss a faint
line behind them, each metric with its val_ twin on a plot of its own, the best epoch marked.

Events only append to plain lists; a GUI-side QTimer redraws at most four times a second
(pyqtgraph's examples/scrollingPlots.py does the same). A repaint costs the GUI thread
milliseconds, more while the worker competes for the interpreter, so a running plot keeps its x
axis still (0 to the planned epochs) and its y axis a fixed width, and a redraw repaints one plot
at a time. Curves are named after their History keys (`loss`, `val_loss`, `binary_accuracy`, ...),
one point per epoch at x = 1, 2, ...; the per-batch curve is named "loss per batch" and sits at
fractional epochs (step j of M in epoch e is at e - 1 + j/M).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

REDRAW_MS = 250  # new epochs draw within a quarter second ...
BATCH_REDRAW_S = 1.0  # ... the per-batch line once a second
NEXT_PLOT_MS = 30  # the next plot's redraw, after this one's repaint
AXIS_WIDTH = 52  # pixels for the y axis' tick labels: a label growing wider does not re-lay out
SYMBOL_EPOCHS = 60  # more epochs than this: lines without dots (clearer, and cheaper to paint)
BATCH_CURVE = "loss per batch"
BEST_MARKER = "best epoch"
TRAIN_COLOR = "#1f6fb4"
VAL_COLOR = "#e8710a"
BATCH_COLOR = (31, 111, 180, 110)
BEST_COLOR = "#2a9d3a"


def family_of(key: str) -> str:
    """The plot a History key is drawn on: `val_x` goes with `x`."""
    return key[4:] if key.startswith("val_") else key


def plot_of(key: str) -> str:
    """The family of the plot a curve is on (the per-batch loss is on the loss plot)."""
    return "loss" if key == BATCH_CURVE else family_of(key)


def best_epoch(history: dict[str, list[float]]) -> tuple[int, str, float] | None:
    """(1-based epoch, key, value) of the lowest val_loss, or of the lowest loss without
    validation; None before the first epoch or when every value is NaN."""
    for key in ("val_loss", "loss"):
        values = np.asarray(history.get(key) or [], dtype=float)
        if values.size and not np.isnan(values).all():
            i = int(np.nanargmin(values))
            return i + 1, key, float(values[i])
    return None


def fmt(v: float) -> str:
    """A value as Keras prints it in its progress bar (4 significant digits)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "nan"
    return f"{v:.4g}"


class TrainingPlots(QWidget):
    """The curves of one training session. `add_batch`, `add_epoch` and `set_history` only record;
    the timer (or `redraw()`) draws. Read a curve with `curve("val_loss").getData()`."""

    best_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("training_plots")
        self.history: dict[str, list[float]] = {}
        self._batch = np.empty((2, 1024))  # x and y of every batch point; grows by doubling
        self._batches = 0
        self._stale: set[str] = set()  # curves whose data changed since the last redraw
        self._expected: set[str] = set()  # History keys whose curves to make before their data
        self._last_redraw = 0.0
        self._x_max: float | None = None  # while running: the planned epochs (the x axis' end)
        self.plots: dict[str, pg.PlotItem] = {}
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._best_items: list[tuple[pg.PlotItem, Any]] = []
        self._hover_items: dict[str, pg.TextItem] = {}
        self.hover_text = ""

        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setObjectName("log_scale")
        self.log_scale.setAccessibleName("Logarithmic y axis")
        self.log_scale.setToolTip("Show the y axis on a logarithmic scale: small losses stay "
                                  "visible next to the large ones of the first epochs.")
        self.log_scale.toggled.connect(self._set_log)
        self.log_scale.clicked.connect(self._chosen_by_hand)
        self._log_by_hand = False  # once the person chose, the scale stays as they chose
        self.best_label = QLabel("")
        self.best_label.setObjectName("best_epoch")
        self.best_label.setStyleSheet(f"color: {BEST_COLOR};")
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.best_label, 1)
        bar.addWidget(self.log_scale)

        self.canvas = pg.GraphicsLayoutWidget()
        self.canvas.setObjectName("plot_canvas")
        self.canvas.setBackground("w")
        self.canvas.scene().sigMouseMoved.connect(self._hover)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.canvas, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(REDRAW_MS)
        self.timer.timeout.connect(self._tick)
        self._next = QTimer(self)  # the next plot's turn, after this one's repaint
        self._next.setSingleShot(True)
        self._next.setInterval(NEXT_PLOT_MS)
        self._next.timeout.connect(self._tick)
        self.reset()

    # ---- recording (cheap; called per event) -----------------------------------------------------
    def reset(self) -> None:
        """Forget everything (a new training run)."""
        self.history = {}
        self._batch, self._batches = np.empty((2, 1024)), 0
        self.canvas.clear()
        self.plots.clear()
        self._curves.clear()
        self._best_items.clear()
        self._hover_items.clear()
        self.best_label.setText("")
        self._ensure_plot("loss", placeholder=True)
        self._stale = set()
        self._expected = set()

    def add_batch(self, epoch: int, step: int, steps: int | None, loss: float | None) -> None:
        """One per-batch loss (epoch 0-based, step 1-based)."""
        if loss is None:
            return
        x = epoch + (step / steps if steps else 0.0)
        if self._batches == self._batch.shape[1]:  # amortised: no list to convert at each redraw
            self._batch = np.concatenate([self._batch, np.empty_like(self._batch)], axis=1)
        self._batch[:, self._batches] = (x, loss)
        self._batches += 1
        self._stale.add(BATCH_CURVE)

    def add_epoch(self, logs: dict[str, float]) -> None:
        """One epoch's logs, as Keras gives them to on_epoch_end (what History records)."""
        n = self.epochs
        for k, v in logs.items():
            values = self.history.setdefault(k, [math.nan] * n)
            values.append(float(v))
        for values in self.history.values():
            if len(values) < n + 1:
                values.append(math.nan)
        self._stale.update(self.history)

    def set_history(self, history: dict[str, list[float]]) -> None:
        """The whole History so far (at the end of a run): the curves hold exactly these values."""
        self.history = {k: [float(v) for v in vs] for k, vs in history.items()}
        self._stale.update(self.history)
        self._stale.add(BATCH_CURVE)

    @property
    def batch_x(self) -> np.ndarray:
        """The per-batch points' x (fractional epochs), a view of the points so far."""
        return self._batch[0, :self._batches]

    @property
    def batch_y(self) -> np.ndarray:
        return self._batch[1, :self._batches]

    @property
    def epochs(self) -> int:
        return max((len(v) for v in self.history.values()), default=0)

    # ---- drawing ---------------------------------------------------------------------------------
    def start(self, epochs: int | None = None) -> None:
        """Draw from the timer until stop(); the x axis spans 0 to `epochs` (the planned ones)."""
        self._x_max = float(epochs) if epochs else None
        for plot in self.plots.values():
            self._set_x_range(plot)
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self._x_max = None
        for plot in self.plots.values():
            self._set_x_range(plot)
        self.redraw()

    def _set_x_range(self, plot: pg.PlotItem) -> None:
        if self._x_max is None:
            plot.enableAutoRange(x=True)
        else:
            plot.enableAutoRange(x=False)
            plot.setXRange(0, self._x_max, padding=0.02)

    def expect(self, keys: Any) -> None:
        """Make the plots and curves of these History keys (a batch's logs) before their first
        epoch ends, one item per repaint: the first epoch's redraw then only sets data."""
        self._expected.update(keys)

    def _tick(self) -> None:
        """Epoch points draw at the next tick; the per-batch line alone at most once a second.
        One plot per repaint: a new plot's axes, then its curves, then the next plot's, a
        moment apart."""
        new = [k for k in sorted(self._expected) if k not in self._curves]
        if new and plot_of(new[0]) not in self.plots:
            self._ensure_plot(plot_of(new[0]))
        elif new:
            self._ensure_curve(new[0])
        elif not self._stale or (self._stale == {BATCH_CURVE}
                                 and time.monotonic() - self._last_redraw < BATCH_REDRAW_S):
            return
        else:
            families = {plot_of(k) for k in self._stale}
            family = "loss" if "loss" in families else min(families)
            if family in self.plots:
                self.redraw(family)
            else:
                self._ensure_plot(family)
        if self._stale or self._expected - self._curves.keys():
            self._next.start()

    def redraw(self, family: str | None = None) -> None:
        """Draw what changed since the last redraw: every plot, or only `family`'s."""
        self._last_redraw = time.monotonic()
        if family is None:
            stale, self._stale = self._stale, set()
        else:
            stale = {k for k in self._stale if plot_of(k) == family}
            self._stale -= stale
        if not stale:
            return
        x = np.arange(1, self.epochs + 1, dtype=float)
        symbol = "o" if self.epochs <= SYMBOL_EPOCHS else None  # dots only while they stay apart
        for key in self.history:
            if key in stale:
                values = self.history[key]
                curve = self._ensure_curve(key)
                if curve.opts["symbol"] != symbol:
                    curve.setSymbol(symbol)
                curve.setData(x[: len(values)], np.asarray(values, dtype=float))
        if BATCH_CURVE in stale and self._batches:
            self._ensure_curve(BATCH_CURVE).setData(self.batch_x, self.batch_y)
        if stale - {BATCH_CURVE}:
            self._auto_log_scale()
            self._draw_best()
            self._place_legends()

    def _ensure_plot(self, family: str, placeholder: bool = False) -> pg.PlotItem:
        plot = self.plots.get(family)
        if plot is not None:
            if not placeholder and plot.titleLabel.text != family:
                plot.setTitle(family, color="#333")
            return plot
        n = len(self.plots)
        plot = self.canvas.addPlot(row=n // 2, col=n % 2)
        plot.setTitle("loss — the curves draw here while the model trains" if placeholder
                      else family, color="#333")
        plot.setLabel("bottom", "epoch")
        plot.addLegend(offset=(-10, 10), labelTextColor="#333")
        plot.setLogMode(False, self.log_scale.isChecked())
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen("#333")
            plot.getAxis(axis).setPen("#999")
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        self._set_x_range(plot)
        plot.getViewBox().setMouseEnabled(x=True, y=True)
        line = pg.InfiniteLine(angle=90, pen=pg.mkPen(BEST_COLOR, width=1,
                                                      style=Qt.PenStyle.DotLine))
        line.hide()  # until there is a best epoch
        plot.addItem(line, ignoreBounds=True)
        self._best_items.append((plot, line))
        if family == "loss":
            star = pg.ScatterPlotItem(symbol="star", size=18, brush=pg.mkBrush(BEST_COLOR),
                                      pen=pg.mkPen("w"), name=BEST_MARKER)
            star.hide()
            plot.addItem(star)
            self._best_items.append((plot, star))
        self.plots[family] = plot
        return plot

    def _ensure_curve(self, name: str) -> pg.PlotDataItem:
        curve = self._curves.get(name)
        if curve is not None:
            return curve
        if name == BATCH_CURVE:
            plot = self._ensure_plot("loss")
            curve = pg.PlotDataItem(name=name, pen=pg.mkPen(BATCH_COLOR, width=1))
            curve.setZValue(-10)
        else:
            plot = self._ensure_plot(family_of(name))
            color = VAL_COLOR if name.startswith("val_") else TRAIN_COLOR
            style = Qt.PenStyle.DashLine if name.startswith("val_") else Qt.PenStyle.SolidLine
            curve = pg.PlotDataItem(name=name, pen=pg.mkPen(color, width=2, style=style),
                                    symbol="o", symbolSize=6, symbolBrush=color,
                                    symbolPen=pg.mkPen(color))
        plot.addItem(curve)  # (which gives the curve the plot's downsampling and clipping)
        if name == BATCH_CURVE:  # ~2 points per pixel column, only the visible range
            curve.setDownsampling(auto=True, method="peak")
            curve.setClipToView(True)
        self._curves[name] = curve
        return curve

    def _draw_best(self) -> None:
        best = best_epoch(self.history)
        if best is None:
            for _plot, item in self._best_items:
                item.hide()
            self.best_label.setText("")
            return
        epoch, key, value = best
        text = f"Best epoch: {epoch} ({key} {fmt(value)})"
        if text != self.best_label.text():
            self.best_label.setText(text)
            self.best_changed.emit(text)
        log = self.log_scale.isChecked()
        for _plot, item in self._best_items:
            if isinstance(item, pg.InfiniteLine):
                item.setPos(epoch)
            else:
                item.setData([epoch], [math.log10(value) if log and value > 0 else value])
                item.setToolTip(text)
            item.show()

    def _place_legends(self) -> None:
        """A legend where the curves are not: top right over falling curves (a loss), bottom
        right over rising ones (an accuracy)."""
        for family, plot in self.plots.items():
            values = [v for v in self.history.get(family, []) if not math.isnan(v)]
            rising = len(values) > 1 and values[-1] > values[0]
            legend = plot.legend
            if legend is None or getattr(legend, "_kg_rising", None) == rising:
                continue
            legend._kg_rising = rising
            if rising:
                legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-10, -10))
            else:
                legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-10, 10))

    def _chosen_by_hand(self) -> None:
        self._log_by_hand = True

    def _auto_log_scale(self) -> None:
        """Turn the log scale on when the loss spans more than two decades (a first epoch far
        above the rest flattens every later one to a line at zero), unless the person chose."""
        if self._log_by_hand or self.log_scale.isChecked():
            return
        values = [v for v in self.history.get("loss", []) + self.history.get("val_loss", [])
                  if v > 0 and math.isfinite(v)]
        if len(values) >= 3 and max(values) > 100 * min(values):
            self.log_scale.setChecked(True)

    def _set_log(self, on: bool) -> None:
        for plot in self.plots.values():
            plot.setLogMode(False, on)
            self._set_x_range(plot)  # (pyqtgraph turns autorange back on with a new log mode)
        self._stale.update(self.history)
        self.redraw()

    # ---- hover -----------------------------------------------------------------------------------
    def _hover(self, pos: QPointF) -> None:
        for family, plot in self.plots.items():
            item = self._hover_items.get(family)
            if not plot.sceneBoundingRect().contains(pos) or not self.epochs:
                if item is not None:
                    item.hide()
                continue
            point = plot.getViewBox().mapSceneToView(pos)
            self.show_values(family, point.x(), point.y())

    def show_values(self, family: str, x: float, y: float) -> str:
        """Show the values of `family`'s curves at the epoch nearest x (the hover text)."""
        plot = self.plots[family]
        epoch = int(min(max(round(x), 1), self.epochs))
        lines = [f"epoch {epoch}"]
        for key in (family, f"val_{family}"):
            values = self.history.get(key)
            if values and epoch <= len(values):
                lines.append(f"{key}: {fmt(values[epoch - 1])}")
        text = "\n".join(lines)
        item = self._hover_items.get(family)
        if item is None:
            item = pg.TextItem(color="#222", fill=pg.mkBrush(255, 255, 255, 220),
                               border=pg.mkPen("#bbb"), anchor=(0, 1))
            item.setZValue(100)
            plot.addItem(item, ignoreBounds=True)
            self._hover_items[family] = item
        item.setText(text)
        item.setPos(epoch, y)
        item.show()
        self.hover_text = text
        return text

    # ---- reading (tests, other panels) -----------------------------------------------------------
    def curve(self, name: str) -> pg.PlotDataItem | None:
        return self._curves.get(name)

    def curve_names(self) -> list[str]:
        return list(self._curves)
