"""The project tree: every project (name, progress step, last render) with its scenes beneath.

Items are updated in place when the workspace reports changes, so selection, expansion and
scroll position survive edits; renaming happens inline (F2) and becomes an undoable command.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.formatting import format_duration, relative_time, step_label
from studio.gui.workspace import Workspace
from studio.store.api import ProjectSummary
from studio.text import one_line

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2
PROJECT, SCENE = "project", "scene"


def project_subtitle(summary: ProjectSummary) -> str:
    scenes = f"{summary.scenes} scene{'s' if summary.scenes != 1 else ''}"
    parts = [scenes]
    if summary.duration:
        parts.append(format_duration(summary.duration))
    if summary.last_render is not None:
        parts.append(f"rendered {relative_time(summary.last_render)}")
    else:
        parts.append(step_label(summary.step))
    return " · ".join(parts)


class _ProjectDelegate(QStyledItemDelegate):
    """Projects draw as a bold name over a muted subtitle; scenes draw normally."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
                 ) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(KIND_ROLE) == PROJECT:
            size.setHeight(option.fontMetrics.height() * 2 + 12)
        return size

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        if index.data(KIND_ROLE) != PROJECT:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text, opt.text = opt.text, ""
        style = opt.widget.style() if opt.widget else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        rect: QRect = opt.rect.adjusted(6, 5, -6, -5)
        line = opt.fontMetrics.height()
        painter.save()
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(opt.palette.color(role))
        painter.drawText(rect.adjusted(0, 0, 0, -line), Qt.AlignmentFlag.AlignLeft,
                         painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight,
                                                          rect.width()))
        small = QFont(opt.font)
        small.setPointSizeF(max(7.0, opt.font.pointSizeF() * 0.9))
        painter.setFont(small)
        muted = opt.palette.color(role)
        if not selected:
            muted = opt.palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        painter.setPen(muted)
        subtitle = str(index.data(SUBTITLE_ROLE) or "")
        painter.drawText(rect.adjusted(0, line + 2, 0, 0), Qt.AlignmentFlag.AlignLeft,
                         painter.fontMetrics().elidedText(subtitle, Qt.TextElideMode.ElideRight,
                                                          rect.width()))
        painter.restore()


class ProjectTree(QTreeWidget):
    """Projects with their scenes.

    Signals:
        projectSelected(str): the creator selected a project (its id).
        sceneActivated(str, str): the creator clicked a scene (project id, scene id).
        renameRequested(str, str): a project was renamed inline (id, new name).
    """

    projectSelected = Signal(str)
    sceneActivated = Signal(str, str)
    renameRequested = Signal(str, str)

    def __init__(self, workspace: Workspace, context_actions: Sequence[QAction | None] = (),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("projectTree")
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setItemDelegate(_ProjectDelegate(self))
        self.setUniformRowHeights(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setMinimumWidth(220)
        self._workspace = workspace
        self._context_actions = list(context_actions)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._names: dict[str, str] = {}
        self.customContextMenuRequested.connect(self._context_menu)
        self.currentItemChanged.connect(self._current_changed)
        self.itemChanged.connect(self._item_changed)
        workspace.projectsChanged.connect(self.reload)
        workspace.scenesChanged.connect(self._reload_scenes)
        workspace.sceneChanged.connect(lambda project_id, _scene: self._reload_scenes(project_id))
        workspace.currentProjectChanged.connect(self.select_project)
        workspace.projectChanged.connect(self._project_changed)
        self.reload()

    # -- public -----------------------------------------------------------------------------------
    def selected_project_id(self) -> str:
        item = self.currentItem()
        if item is None:
            return ""
        if item.data(0, KIND_ROLE) == SCENE:
            item = item.parent()
        return str(item.data(0, ID_ROLE))

    def select_project(self, project_id: str) -> None:
        item = self._items.get(project_id)
        if item is not None and self.selected_project_id() != project_id:
            self.setCurrentItem(item)
        if item is not None:
            item.setExpanded(True)

    def edit_selected_name(self) -> None:
        project_id = self.selected_project_id()
        if project_id in self._items:
            self.setCurrentItem(self._items[project_id])
            self.editItem(self._items[project_id], 0)

    def project_item(self, project_id: str) -> QTreeWidgetItem | None:
        return self._items.get(project_id)

    def reload(self) -> None:
        """Bring project rows up to date (new ones on top; existing rows keep their place)."""
        try:
            summaries = self._workspace.library.projects()
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return
        self.blockSignals(True)
        try:
            seen = set()
            for summary in reversed(summaries):
                seen.add(summary.id)
                item = self._items.get(summary.id)
                if item is None:
                    item = QTreeWidgetItem()
                    item.setData(0, KIND_ROLE, PROJECT)
                    item.setData(0, ID_ROLE, summary.id)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    self.insertTopLevelItem(0, item)
                    self._items[summary.id] = item
                    self._fill_scenes(item, summary.id)
                shown = one_line(summary.name)  # an old row may hold a newline or ESC
                item.setText(0, shown)
                item.setToolTip(0, f"{shown}\n{project_subtitle(summary)}")
                item.setData(0, SUBTITLE_ROLE, project_subtitle(summary))
                self._names[summary.id] = shown  # editing without a change renames nothing
            for gone in set(self._items) - seen:
                item = self._items.pop(gone)
                self._names.pop(gone, None)
                self.takeTopLevelItem(self.indexOfTopLevelItem(item))
        finally:
            self.blockSignals(False)
        current = self._workspace.current_project_id
        if current in self._items:
            self.select_project(current)

    # -- internals --------------------------------------------------------------------------------
    def _project_changed(self, project_id: str) -> None:
        """A rename shows at once (the full refresh follows on the next loop turn)."""
        item = self._items.get(project_id)
        if item is None:
            return
        try:
            name = one_line(self._workspace.library.project(project_id).name)
        except StudioError:
            return
        self._names[project_id] = name
        self.blockSignals(True)
        item.setText(0, name)
        self.blockSignals(False)

    def _reload_scenes(self, project_id: str) -> None:
        item = self._items.get(project_id)
        if item is not None:
            self.blockSignals(True)
            try:
                self._fill_scenes(item, project_id)
            finally:
                self.blockSignals(False)

    def _fill_scenes(self, item: QTreeWidgetItem, project_id: str) -> None:
        library = self._workspace.library
        try:
            scenes = library.scenes(library.project(project_id))
        except StudioError:
            scenes = []
        current = self.currentItem()
        keep_scene = current.data(0, ID_ROLE) if current and current.parent() is item else None
        item.takeChildren()
        for scene in scenes:
            words = scene.text.split()
            label = " ".join(words[:7]) + ("…" if len(words) > 7 else "")
            child = QTreeWidgetItem([f"{scene.scene_number}  {label}"])
            child.setData(0, KIND_ROLE, SCENE)
            child.setData(0, ID_ROLE, scene.id)
            child.setToolTip(0, scene.text[:500])
            item.addChild(child)
            if scene.id == keep_scene:
                self.setCurrentItem(child)
        if keep_scene and self.currentItem() is None:
            self.setCurrentItem(item)

    def _current_changed(self, current: QTreeWidgetItem | None, _previous: object) -> None:
        if current is None:
            return
        if current.data(0, KIND_ROLE) == SCENE:
            project_id = str(current.parent().data(0, ID_ROLE))
            self.projectSelected.emit(project_id)
            self.sceneActivated.emit(project_id, str(current.data(0, ID_ROLE)))
        else:
            self.projectSelected.emit(str(current.data(0, ID_ROLE)))

    def _item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(0, KIND_ROLE) != PROJECT:
            return
        project_id = str(item.data(0, ID_ROLE))
        old, new = self._names.get(project_id, ""), " ".join(item.text(0).split())
        self.blockSignals(True)
        item.setText(0, old)  # the rename command updates the row when it has applied
        self.blockSignals(False)
        if new and new != old:
            self.renameRequested.emit(project_id, new)
        elif not new:
            self._workspace.report_error("A project needs a name. Type a name with a letter.")

    def _context_menu(self, position: QPoint) -> None:
        item = self.itemAt(position)
        if item is not None:
            self.setCurrentItem(item)
        menu = QMenu(self)
        for action in self._context_actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        menu.popup(self.viewport().mapToGlobal(position))
