"""A combo box that chooses where training runs: the project's `fit.distribution` (one device, every
GPU here, N GPUs, or the CPU split into N devices), with the devices present in its tooltip.

It edits the project through the document (undoable) and redraws from it. Until `refresh()` is
called (after Keras has loaded) it offers only what needs no Keras: the window shows at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QWidget

from kerasgui.core import distribution
from kerasgui.ui.commands import ProjectDocument

KEY = ("fit", "distribution")
BASIC_CHOICES: list[str | None] = [None, "auto"]


def label(value: str | None) -> str:
    if value is None:
        return "One device (default)"
    return f"{value}: {distribution.describe(value)}"


class DevicePicker(QComboBox):
    """Bound to `doc.project.fit["distribution"]`; objectName "device_picker"."""

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setObjectName("device_picker")
        self.setAccessibleName("Devices")
        self.devices: list[str] = []
        self._choices: list[str | None] = list(BASIC_CHOICES)
        self._updating = False
        self.currentIndexChanged.connect(self._on_index)
        doc.changed.connect(self._on_changed)
        self._fill()

    # ---- what is here ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask the core what devices are present (imports Keras: call it once Keras has loaded)."""
        self.set_devices(distribution.list_devices(), distribution.choices())

    def set_devices(self, devices: list[str], choices: list[str]) -> None:
        self.devices = list(devices)
        self._choices = [None, *[c for c in choices if c is not None]]
        self._fill()

    @property
    def value(self) -> str | None:
        data: Any = self.currentData()
        return data if isinstance(data, str) else None

    # ---- drawing and editing --------------------------------------------------------------------
    def _current(self) -> str | None:
        v = self.doc.project.fit.get("distribution")
        return None if v is None else str(v)

    def _fill(self) -> None:
        current = self._current()
        values = list(self._choices)
        if current is not None and current not in values:
            values.append(current)  # what the project file says, even if not offered here
        self._updating = True
        try:
            self.clear()
            for v in values:
                self.addItem(label(v), v)
            self.setCurrentIndex(values.index(current))
        finally:
            self._updating = False
        self._tooltip()

    def _tooltip(self) -> None:
        lines = ["Where training runs. The batch size stays the global batch."]
        if self.devices:
            lines += ["", "Here:", *(f"  {d}" for d in self.devices)]
        lines += ["", "cpu:N splits the CPU into N devices, which must happen before TensorFlow "
                  "starts: use it from the command line (kerasgui train PROJECT --devices cpu:N)."]
        self.setToolTip("\n".join(lines))

    def _on_index(self, index: int) -> None:
        if self._updating or index < 0:
            return
        value = self.value
        if value != self._current():
            # the whole fit dict, so that undo takes the key away again when the file had none
            fit = {**self.doc.project.fit, "distribution": value}
            self.doc.set_value(("fit",), fit, f"Train on {label(value).lower()}")

    def _on_changed(self, part: str) -> None:
        if part in ("fit", "all"):
            self._fill()
