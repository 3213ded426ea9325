"""Undoable edits of the core Project, and the document that holds the Project and its undo stack.

One source of truth: panels never keep their own copy of a setting. They push a command here, and
redraw from `ProjectDocument.project` when `changed` names the part that moved.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from kerasgui.core.project import Project

Key = str | int
_ABSENT = object()


class ProjectDocument(QObject):
    """The open Project, its undo stack, and a signal per edit.

    `changed(part)`: part is "model", "compile", "name", "data", "fit" (the Project attribute an
    edit touched) or "all" (a new or opened project). `select_layer(row)`: after an edit of the
    stack, the row a view should select (-1: none)."""

    changed = Signal(str)
    select_layer = Signal(int)

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project or Project()
        self.undo_stack = QUndoStack(self)

    def reset(self, project: Project) -> None:
        """Replace the project (New, Open): history starts again, clean."""
        self.project = project
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.changed.emit("all")

    def push(self, command: QUndoCommand) -> None:
        if getattr(command, "is_noop", False):
            return
        self.undo_stack.push(command)

    # ---- the edits panels make -------------------------------------------------------------------
    def add_layer(self, index: int, layer: dict[str, Any]) -> None:
        self.push(AddLayer(self, index, layer))

    def remove_layer(self, index: int) -> None:
        self.push(RemoveLayer(self, index))

    def duplicate_layer(self, index: int) -> None:
        layer = self.project.layers[index]
        self.push(AddLayer(self, index + 1, layer, text=f"Duplicate {layer['class_name']}"))

    def move_layer(self, source: int, target: int) -> None:
        self.push(MoveLayer(self, source, target))

    def set_layer_config(self, index: int, config: dict[str, Any], text: str | None = None) -> None:
        self.push(SetValue(self, ("model", "layers", index, "config"), config,
                           text or f"Edit {self.project.layers[index]['class_name']}",
                           select=index))

    def set_value(self, path: Sequence[Key], value: Any, text: str) -> None:
        """Set any setting by its key path, e.g. ("compile", "loss") or ("name",)."""
        self.push(SetValue(self, tuple(path), value, text))

    def set_name(self, name: str) -> None:
        self.set_value(("name",), name, "Rename project")


class ProjectCommand(QUndoCommand):
    """A command over `doc.project` that announces which part of it changed."""

    part = "model"

    def __init__(self, doc: ProjectDocument, text: str) -> None:
        super().__init__(text)
        self.doc = doc

    @property
    def layers(self) -> list[dict[str, Any]]:
        return self.doc.project.layers

    def announce(self, select: int = -1) -> None:
        self.doc.changed.emit(self.part)
        if select >= 0:
            self.doc.select_layer.emit(select)


class AddLayer(ProjectCommand):
    def __init__(self, doc: ProjectDocument, index: int, layer: dict[str, Any],
                 text: str | None = None) -> None:
        super().__init__(doc, text or f"Add {layer['class_name']}")
        self.index = max(0, min(index, len(doc.project.layers)))
        self.layer = copy.deepcopy(layer)

    def redo(self) -> None:
        self.layers.insert(self.index, copy.deepcopy(self.layer))
        self.announce(self.index)

    def undo(self) -> None:
        del self.layers[self.index]
        self.announce(min(self.index, len(self.layers) - 1))


class RemoveLayer(ProjectCommand):
    def __init__(self, doc: ProjectDocument, index: int) -> None:
        self.layer = copy.deepcopy(doc.project.layers[index])
        super().__init__(doc, f"Remove {self.layer['class_name']}")
        self.index = index

    def redo(self) -> None:
        del self.layers[self.index]
        self.announce(min(self.index, len(self.layers) - 1))

    def undo(self) -> None:
        self.layers.insert(self.index, copy.deepcopy(self.layer))
        self.announce(self.index)


class MoveLayer(ProjectCommand):
    """Move the layer at `source` so that it ends up at index `target`."""

    def __init__(self, doc: ProjectDocument, source: int, target: int) -> None:
        n = len(doc.project.layers)
        target = max(0, min(target, n - 1))
        name = doc.project.layers[source]["class_name"]
        super().__init__(doc, f"Move {name} {'up' if target < source else 'down'}")
        self.source, self.target = source, target
        self.is_noop = source == target

    def _move(self, a: int, b: int) -> None:
        self.layers.insert(b, self.layers.pop(a))
        self.announce(b)

    def redo(self) -> None:
        self._move(self.source, self.target)

    def undo(self) -> None:
        self._move(self.target, self.source)


class SetValue(ProjectCommand):
    """Set the value at a key path: the first key is a Project attribute, the rest index into it."""

    def __init__(self, doc: ProjectDocument, path: tuple[Key, ...], value: Any, text: str,
                 select: int = -1) -> None:
        super().__init__(doc, text)
        self.path = path
        self.part = str(path[0])
        self.value = copy.deepcopy(value)
        old = self._get()
        self.old = old if old is _ABSENT else copy.deepcopy(old)
        self.select = select
        self.is_noop = self.old is not _ABSENT and self.old == value

    def _container(self) -> Any:
        obj: Any = self.doc.project
        if len(self.path) == 1:
            return obj
        obj = getattr(obj, str(self.path[0]))
        for key in self.path[1:-1]:
            obj = obj[key]
        return obj

    def _get(self) -> Any:
        obj = self._container()
        key = self.path[-1]
        if len(self.path) == 1:
            return getattr(obj, str(key))
        if isinstance(obj, dict):
            return obj.get(key, _ABSENT)
        return obj[key]

    def _set(self, value: Any) -> None:
        obj = self._container()
        key = self.path[-1]
        if len(self.path) == 1:
            setattr(obj, str(key), copy.deepcopy(value))
        elif value is _ABSENT:
            obj.pop(key, None)
        else:
            obj[key] = copy.deepcopy(value)
        self.announce(self.select)

    def redo(self) -> None:
        self._set(self.value)

    def undo(self) -> None:
        self._set(self.old)
