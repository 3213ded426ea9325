"""The Model panel: a searchable palette of every Keras layer, the layer stack, the form of the
selected layer, and the live summary of shapes and parameters."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QAction, QFont, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QScrollArea,
    QSplitter,
    QStyle,
    QToolButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from kerasgui.core.errors import UserError
from kerasgui.ui.arg_form import UNSET, ArgForm, show_value
from kerasgui.ui.commands import ProjectDocument
from kerasgui.ui.summary_view import SummaryView

if TYPE_CHECKING:
    from kerasgui.ui.main_window import MainWindow

MIME = "application/x-kerasgui-layer-row"
CLASS_ROLE = Qt.ItemDataRole.UserRole + 1
ModelIndex = QModelIndex | QPersistentModelIndex


def describe(layer: dict[str, Any]) -> str:
    """'Dense  units=32, activation=relu': a layer as one line of the stack."""
    cfg = layer.get("config") or {}

    def value(v: Any) -> str:
        text = show_value(v)
        return f"({text})" if isinstance(v, list) and "," in text else text

    args = ", ".join(f"{k}={value(v)}" for k, v in cfg.items() if k != "name")
    return f"{layer.get('class_name', '?')}  {args}".rstrip()


class LayerStackModel(QAbstractListModel):
    """The project's layers as rows; dropping a row elsewhere pushes a MoveLayer command."""

    def __init__(self, doc: ProjectDocument) -> None:
        super().__init__()
        self.doc = doc

    def _layers(self) -> list[dict[str, Any]]:
        p = self.doc.project
        return p.layers if p.is_stack else []

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._layers())

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        layers = self._layers()
        if not index.isValid() or index.row() >= len(layers):
            return None
        layer = layers[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row() + 1}.  {describe(layer)}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return json.dumps(layer, indent=1)
        if role == CLASS_ROLE:
            return layer.get("class_name")
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setData(MIME, QByteArray(json.dumps(rows).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: ModelIndex) -> bool:
        """Turn a drop into one MoveLayer command; returns False so the view removes nothing
        itself (the model redraws from the project)."""
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        rows = json.loads(bytes(data.data(MIME).data()).decode() or "[]")
        if len(rows) != 1:
            return False
        source = rows[0]
        n = len(self._layers())
        if row < 0:
            row = parent.row() if parent.isValid() else n
        target = row - 1 if row > source else row
        if 0 <= source < n and target != source:
            self.doc.move_layer(source, target)
        return False

    def moveRows(self, source_parent: ModelIndex, source_row: int, count: int,
                 destination_parent: ModelIndex, destination_child: int) -> bool:
        """QListView's internal move: one MoveLayer command (the model then redraws)."""
        n = len(self._layers())
        if count != 1 or source_parent.isValid() or not 0 <= source_row < n:
            return False
        target = destination_child - 1 if destination_child > source_row else destination_child
        target = max(0, min(target, n - 1))
        if target != source_row:
            self.doc.move_layer(source_row, target)
        return True

    def refresh(self) -> None:
        self.beginResetModel()
        self.endResetModel()


class Palette(QWidget):
    """Every layer class, grouped, with a filter. Double-click or Enter adds the layer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(QLabel("<b>Layers</b> — double-click to add"))
        self.filter = QLineEdit()
        self.filter.setObjectName("palette_filter")
        self.filter.setAccessibleName("Filter layers")
        self.filter.setPlaceholderText("Search layers (e.g. conv, lstm)")
        self.filter.setClearButtonEnabled(True)
        lay.addWidget(self.filter)
        self.source = QStandardItemModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.source)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.tree = QTreeView()
        self.tree.setObjectName("palette")
        self.tree.setAccessibleName("Layer palette")
        self.tree.setHeaderHidden(True)
        self.tree.setModel(self.proxy)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setUniformRowHeights(True)
        lay.addWidget(self.tree, 1)
        self.filter.textChanged.connect(self._filter)
        self.source.appendRow(QStandardItem("Loading TensorFlow…"))
        self.setEnabled(False)

    def populate(self) -> None:
        from kerasgui.core import catalog

        self.source.clear()
        bold = QFont()
        bold.setBold(True)
        groups = catalog.LAYER_GROUPS
        seen = {n for names in groups.values() for n in names}
        extra = [n for n in catalog.layer_names() if n not in seen]
        for group, names in [*groups.items(), ("other", extra)]:
            if not names:
                continue
            parent = self._group_item(group, bold)
            for name in names:
                item = QStandardItem(name)
                item.setData(name, CLASS_ROLE)
                item.setEditable(False)
                try:
                    item.setToolTip(catalog.layer_doc(name))
                except UserError:
                    pass
                parent.appendRow(item)
        self._expand()
        first = self._first_leaf()
        if first is not None:
            self.tree.setCurrentIndex(first)
        self.setEnabled(True)

    def _group_item(self, group: str, bold: QFont) -> QStandardItem:
        found = self.source.findItems(group.capitalize())
        if found:
            return found[0]
        item = QStandardItem(group.capitalize())
        item.setFont(bold)
        item.setEditable(False)
        item.setSelectable(False)
        self.source.appendRow(item)
        return item

    def _expand(self) -> None:
        """Every group open, except the long preprocessing one until a search looks into it."""
        self.tree.expandAll()
        if not self.filter.text().strip():
            for g in range(self.proxy.rowCount()):
                index = self.proxy.index(g, 0)
                if index.data() == "Preprocessing":
                    self.tree.collapse(index)

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._expand()
        if text.strip():
            first = self._first_leaf()
            if first is not None:
                self.tree.setCurrentIndex(first)

    def _first_leaf(self) -> QModelIndex | None:
        for g in range(self.proxy.rowCount()):
            group = self.proxy.index(g, 0)
            if self.proxy.rowCount(group):
                return self.proxy.index(0, 0, group)
        return None

    def current_class(self) -> str | None:
        value = self.tree.currentIndex().data(CLASS_ROLE)
        return str(value) if value else None

    def select_class(self, name: str) -> bool:
        """Select `name` (for tests and keyboard users); True when found."""
        self.filter.clear()
        hits = self.source.findItems(name, Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        if not hits:
            return False
        self.tree.setCurrentIndex(self.proxy.mapFromSource(hits[0].index()))
        return True


class LayerEditor(QWidget):
    """The form of the selected layer; edits go to the project as commands."""

    def __init__(self, doc: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.row = -1
        self.class_name: str | None = None
        self.form: ArgForm | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("layer_title")
        self.title.setWordWrap(True)
        lay.addWidget(self.title)
        self.doc_label = QLabel()
        self.doc_label.setWordWrap(True)
        self.doc_label.setStyleSheet("color: #555;")
        lay.addWidget(self.doc_label)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        lay.addWidget(self.scroll, 1)
        self.ready = False
        self.show_row(-1)

    def show_row(self, row: int) -> None:
        """Show the form of layer `row` (-1: none). Keeps the form when it is the same layer."""
        project = self.doc.project
        layers = project.layers if project.is_stack else []
        if not (0 <= row < len(layers)):
            self.row, self.class_name = -1, None
            self.title.setText("<b>Layer settings</b>")
            self.doc_label.setText("Select a layer in the stack to change its settings."
                                   if layers else "")
            self._set_form(None)
            return
        class_name = str(layers[row].get("class_name"))
        if not self.ready:
            self.row, self.class_name = row, None
            self.title.setText(f"<b>{row + 1}. {class_name}</b>")
            self.doc_label.setText("The settings appear once TensorFlow has loaded.")
            self._set_form(None)
            return
        if row != self.row or class_name != self.class_name or self.form is None:
            self.row, self.class_name = row, class_name
            self._build(class_name)
        self.title.setText(f"<b>{row + 1}. {class_name}</b>")
        self.refresh()

    def _build(self, class_name: str) -> None:
        from kerasgui.core import catalog

        try:
            args = [a for a in catalog.layer_args(class_name)]
            self.doc_label.setText(catalog.layer_doc(class_name))
        except UserError as e:
            self.doc_label.setText(e.message)
            self._set_form(None)
            return
        form = ArgForm(args)
        form.setObjectName("layer_form")
        form.edited.connect(self._edited)
        self._set_form(form)

    def _set_form(self, form: ArgForm | None) -> None:
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.form = form
        if form is not None:
            self.scroll.setWidget(form)

    def refresh(self) -> None:
        """Show the selected layer's config and mark what Keras refuses in it."""
        from kerasgui.core import catalog

        if self.form is None or self.class_name is None:
            return
        layer = self.doc.project.layers[self.row]
        config = layer.get("config") or {}
        self.form.set_values(config)
        self.form.clear_error()
        try:
            catalog.make_layer(self.class_name, config)
        except UserError as e:
            where = (e.where or "").split(".")[0].split("[")[0] or None
            self.form.set_error(where, e.message)

    def _edited(self, name: str, value: Any) -> None:
        if self.class_name is None or self.row < 0:
            return
        layer = self.doc.project.layers[self.row]
        config = dict(layer.get("config") or {})
        if value is UNSET:
            config.pop(name, None)
        else:
            config[name] = value
        config = compact(self.class_name, config)
        self.doc.set_layer_config(self.row, config, f"Set {self.class_name} {name}")
        self.refresh()  # a no-op edit pushes nothing; the marks must still follow the value

    def focus_first_missing(self) -> None:
        """After adding a layer: put the cursor in its first required field that has no value."""
        if self.form is None or self.row < 0:
            return
        config = self.doc.project.layers[self.row].get("config") or {}
        for name, arg in self.form.args.items():
            if arg.required and name not in config:
                self.form.field(name).setFocus(Qt.FocusReason.OtherFocusReason)
                return


def compact(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """catalog.compact_config, or the config as it is when the catalog cannot compact it."""
    from kerasgui.core import catalog

    try:
        return catalog.compact_config(class_name, config)
    except Exception:
        return config


def new_layer(class_name: str) -> dict[str, Any]:
    """The config a layer gets when it is added: its required arguments that have a default."""
    from kerasgui.core import catalog

    config = {a.name: a.default for a in catalog.layer_args(class_name)
              if a.required and a.default is not None}
    return {"class_name": class_name, "config": compact(class_name, config)}


class ModelPanel(QWidget):
    """Palette | stack + summary | settings of the selected layer."""

    title = "Model"

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.setObjectName("model_panel")
        self.window_ = window
        self.doc = window.doc

        self.palette_view = Palette()
        self.stack_model = LayerStackModel(self.doc)
        self.stack = QListView()
        self.stack.setObjectName("layer_stack")
        self.stack.setAccessibleName("Layer stack")
        self.stack.setModel(self.stack_model)
        self.stack.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.stack.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.stack.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.stack.setDragEnabled(True)
        self.stack.setAcceptDrops(True)
        self.stack.setDropIndicatorShown(True)
        self.stack.setAlternatingRowColors(True)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.TypeWriter)
        self.stack.setFont(mono)
        self.editor = LayerEditor(self.doc)
        self.summary = SummaryView()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()

        self._make_actions()
        self._layout()

        self.palette_view.tree.activated.connect(lambda _i: self.add_layer())
        self.palette_view.tree.selectionModel().currentChanged.connect(self._update_actions)
        self.stack.selectionModel().currentChanged.connect(self._current_changed)
        self.summary.layer_clicked.connect(self.select_row)
        self.doc.changed.connect(self._project_changed)
        self.doc.select_layer.connect(self.select_row)
        window.keras_ready.connect(self._keras_ready)
        window.summary_ready.connect(self._summary_ready)
        window.summary_pending.connect(self._summary_pending)
        self._project_changed("all")

    # ---- building --------------------------------------------------------------------------------
    def _action(self, name: str, text: str, keys: QKeySequence | str | None,
                icon: QStyle.StandardPixmap | None, slot: Any, tip: str) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if keys is not None:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.setToolTip(f"{tip} ({QKeySequence(keys).toString()})" if keys else tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _make_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.add_action = self._action("add_layer", "Add to stack", None, sp.SP_ArrowRight,
                                       self.add_layer, "Add the layer chosen in the palette")
        self.remove_action = self._action("remove_layer", "Remove", QKeySequence.StandardKey.Delete,
                                          sp.SP_DialogDiscardButton, self.remove_layer,
                                          "Remove the selected layer")
        self.duplicate_action = self._action("duplicate_layer", "Duplicate", "Ctrl+D", None,
                                             self.duplicate_layer, "Duplicate the selected layer")
        self.up_action = self._action("move_layer_up", "Up", "Ctrl+Up", sp.SP_ArrowUp,
                                      lambda: self.move_layer(-1), "Move the selected layer up")
        self.down_action = self._action("move_layer_down", "Down", "Ctrl+Down", sp.SP_ArrowDown,
                                        lambda: self.move_layer(1), "Move the selected layer down")
        for a in (self.remove_action, self.duplicate_action, self.up_action, self.down_action):
            self.stack.addAction(a)
        self.palette_view.tree.addAction(self.add_action)

    def _button(self, action: QAction, accessible: str) -> QToolButton:
        b = QToolButton()
        b.setDefaultAction(action)
        b.setObjectName(action.objectName())
        b.setAccessibleName(accessible)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return b

    def _layout(self) -> None:
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.palette_view, 1)
        add_button = self._button(self.add_action, "Add layer")
        ll.addWidget(add_button)

        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(QLabel("<b>Stack</b> — input at the top, output at the bottom; "
                            "drag to reorder"))
        bar = QHBoxLayout()
        for action, name in ((self.remove_action, "Remove layer"),
                             (self.duplicate_action, "Duplicate layer"),
                             (self.up_action, "Move layer up"),
                             (self.down_action, "Move layer down")):
            bar.addWidget(self._button(action, name))
        bar.addStretch(1)
        ml.addLayout(bar)
        ml.addWidget(self.notice)
        ml.addWidget(self.stack, 1)

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(middle)
        centre.addWidget(self.summary)
        centre.setStretchFactor(0, 2)
        centre.setStretchFactor(1, 3)
        centre.setChildrenCollapsible(False)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(centre)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 0)
        split.setSizes([260, 700, 380])
        split.setChildrenCollapsible(False)
        self.splitter = split
        lay = QVBoxLayout(self)
        lay.addWidget(split)

    # ---- reacting --------------------------------------------------------------------------------
    def _keras_ready(self) -> None:
        self.palette_view.populate()
        self.editor.ready = True
        self.editor.show_row(self.current_row())
        self._update_actions()

    def _summary_ready(self, result: Any) -> None:
        self.summary.show_result(self.doc.project, result)

    def _summary_pending(self, text: str) -> None:
        self.summary.show_message(text)

    def _project_changed(self, part: str) -> None:
        if part not in ("model", "all"):
            return
        row = self.current_row()
        project = self.doc.project
        self.stack_model.refresh()
        editable = project.is_stack
        self.stack.setEnabled(editable)
        if not editable:
            self.notice.setText(f"This project holds a whole Keras model "
                                f"({project.model.get('class_name')}); the summary below shows "
                                "it, and the stack editor edits layer stacks only.")
        self.notice.setVisible(not editable)
        n = self.stack_model.rowCount()
        if part == "all":
            row = 0 if n else -1
        self.select_row(min(row, n - 1))

    def current_row(self) -> int:
        index = self.stack.currentIndex()
        return index.row() if index.isValid() else -1

    def select_row(self, row: int) -> None:
        if 0 <= row < self.stack_model.rowCount():
            index = self.stack_model.index(row)
            self.stack.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.stack.scrollTo(index)
        else:
            self.stack.selectionModel().clearCurrentIndex()
            self.stack.clearSelection()
        self.editor.show_row(self.current_row())
        self._update_actions()

    def _current_changed(self, *_: Any) -> None:
        self.editor.show_row(self.current_row())
        self._update_actions()

    def _update_actions(self, *_: Any) -> None:
        row = self.current_row()
        n = self.stack_model.rowCount()
        stack = self.doc.project.is_stack
        has = stack and 0 <= row < n
        self.add_action.setEnabled(stack and self.editor.ready
                                   and self.palette_view.current_class() is not None)
        self.remove_action.setEnabled(has)
        self.duplicate_action.setEnabled(has)
        self.up_action.setEnabled(has and row > 0)
        self.down_action.setEnabled(has and row < n - 1)

    # ---- the edits -------------------------------------------------------------------------------
    def add_layer(self, class_name: str | None = None) -> None:
        """Add `class_name` (default: the palette's choice) below the selected layer, or last."""
        class_name = class_name or self.palette_view.current_class()
        if not class_name or not self.editor.ready or not self.doc.project.is_stack:
            return
        row = self.current_row()
        index = row + 1 if row >= 0 else self.stack_model.rowCount()
        self.doc.add_layer(index, new_layer(class_name))
        self.editor.focus_first_missing()

    def remove_layer(self) -> None:
        row = self.current_row()
        if row >= 0:
            self.doc.remove_layer(row)

    def duplicate_layer(self) -> None:
        row = self.current_row()
        if row >= 0:
            self.doc.duplicate_layer(row)

    def move_layer(self, step: int) -> None:
        row = self.current_row()
        target = row + step
        if row >= 0 and 0 <= target < self.stack_model.rowCount():
            self.doc.move_layer(row, target)

    def layers(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.doc.project.layers)
