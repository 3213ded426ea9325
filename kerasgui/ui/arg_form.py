"""A form generated from a list of catalog.Arg: one field per argument, chosen by its kind.

int → spin box (a line edit when the argument has no whole-number default), float/str/shape/json
→ line edit, bool → check box, choice → combo box. Tooltips come from the docstring; required
arguments are marked with *. A value that does not parse is marked at its field with the reason and
is not sent; a value that parses is sent as `edited(name, value)`, where value is `UNSET` when the
field was emptied (back to the default).
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET"})()
INT_MAX = 2**31 - 1
ERROR_STYLE = "color: #b00020;"
BAD_FIELD_STYLE = "border: 1px solid #b00020;"


def show_value(value: Any) -> str:
    """A value as the person types it: 0.001 → '0.001', [28, 28] → '28, 28', 'relu' → 'relu'."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, int) or v is None for v in value):
        inner = ", ".join("None" if v is None else str(v) for v in value)
        return inner + ("," if len(value) == 1 else "")
    return json.dumps(value)


def parse_int(text: str) -> int:
    try:
        f = float(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if not f.is_integer():
        raise ValueError(f"{text} is not a whole number")
    return int(f)


def parse_float(text: str) -> float:
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise ValueError(f"{text!r} is not a number (write 0.001 or 1e-3)") from None
    if not math.isfinite(v):
        raise ValueError(f"{text} is not a finite number")
    return v


def parse_shape(text: str) -> Any:
    """'3' → 3; '28, 28, 1' or '(28, 28, 1)' or '[28, 28, 1]' → [28, 28, 1]; None allowed inside."""
    t = text.strip()
    if t.startswith(("(", "[")) and t.endswith((")", "]")):
        t = t[1:-1]
    parts = [p.strip() for p in t.split(",")]
    single = len(parts) == 1
    if parts and parts[-1] == "":
        parts = parts[:-1]
    if not parts or any(not p for p in parts):
        raise ValueError(f"{text!r} is not a shape; write whole numbers separated by commas, "
                         "e.g. 28, 28, 1")
    out: list[int | None] = []
    for p in parts:
        if p.lower() == "none":
            out.append(None)
            continue
        try:
            n = int(p)
        except ValueError:
            raise ValueError(f"{p!r} in {text!r} is not a whole number") from None
        out.append(n)
    if single and not text.strip().startswith(("(", "[")) and out[0] is not None:
        return out[0]
    return out


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"{text!r} is not a value; write a number, a list like [1, 2], "
                         "a quoted string, true/false or null") from None
    if isinstance(value, tuple):
        value = list(value)
    return value


def parse_text(kind: str, text: str) -> Any:
    text = text.strip()
    if text == "":
        return UNSET
    if text.lower() == "none" and kind != "str":
        return None
    if kind == "int":
        return parse_int(text)
    if kind == "float":
        return parse_float(text)
    if kind == "shape":
        return parse_shape(text)
    if kind == "json":
        return parse_json(text)
    return text


class ArgForm(QWidget):
    """Fields for `args` (catalog.Arg); `set_values(config)` shows a config without sending."""

    edited = Signal(str, object)

    def __init__(self, args: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.args = {a.name: a for a in args}
        self._fields: dict[str, QWidget] = {}
        self._errors: dict[str, QLabel] = {}
        self._choices: dict[str, list[Any]] = {}  # a combo's values, by item index
        self._unparsed: set[str] = set()  # fields holding text that did not parse (not sent)
        self._updating = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.general_error = QLabel()
        self.general_error.setObjectName("form_error")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        outer.addLayout(self.form)
        outer.addStretch(1)
        for arg in args:
            self._add_row(arg)

    # ---- building --------------------------------------------------------------------------------
    def _add_row(self, arg: Any) -> None:
        field = self._make_field(arg)
        field.setObjectName(f"arg_{arg.name}")
        field.setAccessibleName(arg.name)
        tip = self._tooltip(arg)
        field.setToolTip(tip)
        label = QLabel(f"{arg.name} *" if arg.required else arg.name)
        label.setToolTip(tip)
        label.setBuddy(field)
        if arg.required:
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        lay.addWidget(field)
        err = QLabel()
        err.setObjectName(f"error_{arg.name}")
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        err.hide()
        lay.addWidget(err)
        self.form.addRow(label, box)
        self._fields[arg.name] = field
        self._errors[arg.name] = err

    @staticmethod
    def _tooltip(arg: Any) -> str:
        doc = (arg.doc or "").strip()
        default = "required" if arg.required else f"default: {show_value(arg.default)}"
        head = f"<b>{arg.name}</b> ({default})"
        return f"{head}<br>{doc}" if doc else head

    def _make_field(self, arg: Any) -> QWidget:
        kind = arg.kind
        name = arg.name
        if kind == "bool":
            box = QCheckBox()
            box.toggled.connect(lambda on, n=name: self._send(n, bool(on)))
            return box
        if kind == "choice" and arg.choices:
            combo = QComboBox()
            values: list[Any] = list(arg.choices)
            if None not in values and not arg.required and arg.default is None:
                values.insert(0, None)
            for v in values:
                text = "None" if v is None else str(v)
                if v == arg.default and not arg.required:
                    text += "  (default)"
                combo.addItem(text)
            self._choices[name] = values
            combo.activated.connect(lambda i, n=name: self._send(n, self._choices[n][i]))
            return combo
        if kind == "int" and isinstance(arg.default, int) and not isinstance(arg.default, bool):
            spin = QSpinBox()
            spin.setRange(-INT_MAX, INT_MAX)
            spin.setKeyboardTracking(False)
            spin.setAccelerated(True)
            spin.valueChanged.connect(lambda v, n=name: self._send(n, int(v)))
            return spin
        edit = QLineEdit()
        edit.setPlaceholderText("required" if arg.required else show_value(arg.default))
        edit.editingFinished.connect(lambda n=name, e=edit: self._commit_text(n, e))
        return edit

    # ---- reading and showing ---------------------------------------------------------------------
    def field(self, name: str) -> QWidget:
        return self._fields[name]

    def names(self) -> list[str]:
        return list(self._fields)

    def error_text(self, name: str | None = None) -> str:
        label = self.general_error if name is None else self._errors[name]
        return label.text() if not label.isHidden() else ""

    def set_values(self, config: dict[str, Any]) -> None:
        """Show `config` (absent keys: their defaults) without sending edits."""
        self._updating = True
        try:
            for name, field in self._fields.items():
                if name in self._unparsed:
                    continue  # keep what the person typed, and its error, until they fix it
                arg = self.args[name]
                present = name in config
                value = config[name] if present else arg.default
                self._show(field, arg, value, present)
        finally:
            self._updating = False

    def _show(self, field: QWidget, arg: Any, value: Any, present: bool) -> None:
        if isinstance(field, QCheckBox):
            field.setChecked(bool(value))
        elif isinstance(field, QComboBox):
            values = self._choices[arg.name]
            if value not in values:
                values.append(value)
                field.addItem(show_value(value))
            field.setCurrentIndex(values.index(value))
        elif isinstance(field, QSpinBox):
            if isinstance(value, int) and not isinstance(value, bool):
                field.setValue(value)
        elif isinstance(field, QLineEdit):
            text = show_value(value) if present else ""
            if field.text() != text:
                field.setText(text)
                field.setCursorPosition(0)

    def _commit_text(self, name: str, edit: QLineEdit) -> None:
        if self._updating:
            return
        arg = self.args[name]
        try:
            value = parse_text(arg.kind, edit.text())
        except ValueError as e:
            self.set_error(name, str(e))
            self._unparsed.add(name)
            return
        self._send(name, value)

    def _send(self, name: str, value: Any) -> None:
        if self._updating:
            return
        self._unparsed.discard(name)
        self.clear_error(name)
        self.edited.emit(name, value)

    # ---- errors ----------------------------------------------------------------------------------
    def set_error(self, name: str | None, message: str) -> None:
        """Mark the field `name` (or the whole form when None or unknown) with `message`."""
        if name not in self._errors:
            self.general_error.setText(message)
            self.general_error.show()
            return
        label = self._errors[str(name)]
        label.setText(message)
        label.show()
        self._fields[str(name)].setStyleSheet(BAD_FIELD_STYLE)
        self._fields[str(name)].setProperty("invalid", True)

    def clear_error(self, name: str | None = None) -> None:
        """Clear the mark of `name`, or with None every mark except a field whose text did not
        parse (that one clears when its text is fixed)."""
        names = [name] if name in self._errors else [n for n in self._errors
                                                     if n not in self._unparsed]
        for n in names:
            self._errors[str(n)].hide()
            self._errors[str(n)].setText("")
            self._fields[str(n)].setStyleSheet("")
            self._fields[str(n)].setProperty("invalid", False)
        if name is None:
            self.general_error.hide()
            self.general_error.setText("")

    def invalid_fields(self) -> list[str]:
        return [n for n, lab in self._errors.items() if not lab.isHidden()]


def focus_first_error(form: ArgForm) -> None:
    bad = form.invalid_fields()
    if bad:
        form.field(bad[0]).setFocus(Qt.FocusReason.OtherFocusReason)
