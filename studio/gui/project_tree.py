"""The project list: a search box and a sort order over the tree of projects and their scenes.

Each project row shows its latest render's thumbnail, its name, and a subtitle that is true
right now (scenes, length, "rendering…" while its render runs, when it was last rendered, or
"not rendered yet"). Items are updated in place when the workspace reports changes, so
selection, expansion and scroll position survive edits; renaming happens inline (F2) and
becomes an undoable command. Searching hides rows (by project name or scene text); the sort
order (last active, created, name) is remembered in the window's QSettings.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSettings,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QFont, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.formatting import format_duration, relative_time, step_label
from studio.gui.job_runner import Job, JobRunner
from studio.gui.qt_helpers import named
from studio.gui.text_direction import isolated
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.workspace import Workspace
from studio.store.api import ProjectSummary
from studio.text import one_line

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
SUBTITLE_ROLE = Qt.ItemDataRole.UserRole + 2
TEXT_ROLE = Qt.ItemDataRole.UserRole + 3  # a scene's whole text, searched
THUMB_ROLE = Qt.ItemDataRole.UserRole + 4  # the project's thumbnail (QPixmap), drawn by hand
PROJECT, SCENE = "project", "scene"
#: The latest render's thumbnail beside each project (16:9; a 9:16 one is centred in it).
THUMB_SIZE = QSize(48, 27)
#: Sort orders: (QSettings value, label). The first is the default.
SORT_ORDERS = (("active", "Last active"), ("created", "Newest first"), ("name", "Name A–Z"))
SORT_SETTING = "projects/sort"
#: What a project's running job is doing, in its subtitle (anything else: "working…").
ACTIVITY = {"render": "rendering…", "voice": "voicing…", "script": "writing the script…"}


def project_subtitle(summary: ProjectSummary, activity: str = "") -> str:
    """Scenes, length, then what is true of its video now: ``activity`` (a running job's
    word, e.g. "rendering…"), when it was last rendered, or how far it has got.

    A project's step "export" only means its render was started once; without a render of
    its own (a copy, a failed or cancelled render) it is "not rendered yet".
    """
    scenes = f"{summary.scenes} scene{'s' if summary.scenes != 1 else ''}"
    parts = [scenes]
    if summary.duration:
        parts.append(format_duration(summary.duration))
    if activity:
        parts.append(activity)
    elif summary.last_render is not None:
        parts.append(f"rendered {relative_time(summary.last_render)}")
    elif summary.step == "export":
        parts.append("not rendered yet")
    else:
        parts.append(step_label(summary.step))
    return " · ".join(parts)


def sort_key(summary: ProjectSummary, order: str) -> str | float:
    """Ascending key for ``order``: newest first for the two dates, A–Z for names."""
    if order == "name":
        return summary.name.casefold()
    when = summary.created_at if order == "created" else summary.last_active
    return -when.timestamp() if when is not None else 0.0


class _Item(QTreeWidgetItem):
    """A row that sorts by its ``key`` (projects by the chosen order, scenes by number)."""

    key: str | float = 0.0

    def __lt__(self, other: QTreeWidgetItem) -> bool:
        theirs = getattr(other, "key", 0.0)
        if isinstance(self.key, str) != isinstance(theirs, str):
            return str(self.key) < str(theirs)
        return self.key < theirs  # type: ignore[operator]


class _ProjectDelegate(QStyledItemDelegate):
    """Projects draw as a bold name over a muted subtitle; scenes draw normally."""

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(KIND_ROLE) == PROJECT:
            size.setHeight(max(option.fontMetrics.height() * 2, THUMB_SIZE.height()) + 12)
        return size

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
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
        thumb = index.data(THUMB_ROLE)
        if isinstance(thumb, QPixmap) and not thumb.isNull():
            box = QRect(
                rect.left(),
                rect.top() + (rect.height() - THUMB_SIZE.height()) // 2,
                THUMB_SIZE.width(),
                THUMB_SIZE.height(),
            )
            shown = thumb.scaled(
                THUMB_SIZE,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawPixmap(
                box.left() + (box.width() - shown.width()) // 2,
                box.top() + (box.height() - shown.height()) // 2,
                shown,
            )
            rect = rect.adjusted(THUMB_SIZE.width() + 8, 0, 0, 0)
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(opt.palette.color(role))
        painter.drawText(
            rect.adjusted(0, 0, 0, -line),
            Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width()),
        )
        small = QFont(opt.font)
        small.setPointSizeF(max(7.0, opt.font.pointSizeF() * 0.9))
        painter.setFont(small)
        muted = opt.palette.color(role)
        if not selected:
            muted = opt.palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        painter.setPen(muted)
        subtitle = str(index.data(SUBTITLE_ROLE) or "")
        painter.drawText(
            rect.adjusted(0, line + 2, 0, 0),
            Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(subtitle, Qt.TextElideMode.ElideRight, rect.width()),
        )
        painter.restore()


class ProjectTree(QTreeWidget):
    """Projects with their scenes.

    Signals:
        projectSelected(str): the creator selected a project (its id).
        sceneActivated(str, str): the creator clicked a scene (project id, scene id).
        renameRequested(str, str): a project was renamed inline (id, new name).

    Attributes:
        sort_order: "active", "created" or "name" (see ``SORT_ORDERS``).
        filter_text: the search shown (empty: every project).
    """

    projectSelected = Signal(str)
    sceneActivated = Signal(str, str)
    renameRequested = Signal(str, str)

    def __init__(
        self,
        workspace: Workspace,
        context_actions: Sequence[QAction | None] = (),
        parent: QWidget | None = None,
        *,
        jobs: JobRunner | None = None,
        thumbnails: ThumbnailLoader | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("projectTree")
        self.setHeaderHidden(True)
        self.setColumnCount(1)
        self.setItemDelegate(_ProjectDelegate(self))
        self.setUniformRowHeights(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setMinimumWidth(180)
        self._workspace = workspace
        self._jobs = jobs
        self._thumbnails = thumbnails
        self._context_actions = list(context_actions)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._names: dict[str, str] = {}
        self._summaries: dict[str, ProjectSummary] = {}
        self._thumb_keys: dict[str, set[str]] = {}  # thumbnail key -> project ids waiting
        self.sort_order = SORT_ORDERS[0][0]
        self.filter_text = ""
        self.customContextMenuRequested.connect(self._context_menu)
        self.currentItemChanged.connect(self._current_changed)
        self.itemChanged.connect(self._item_changed)
        workspace.projectsChanged.connect(self.reload)
        workspace.scenesChanged.connect(self._reload_scenes)
        workspace.sceneChanged.connect(lambda project_id, _scene: self._reload_scenes(project_id))
        workspace.currentProjectChanged.connect(self.select_project)
        workspace.projectChanged.connect(self._project_changed)
        if jobs is not None:
            jobs.jobStarted.connect(self._job_changed)
            jobs.jobFinished.connect(self._job_changed)
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnail_ready)
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

    def shown_project_ids(self) -> list[str]:
        """The ids of the projects on show (not hidden by the search), top to bottom."""
        rows = [self.topLevelItem(i) for i in range(self.topLevelItemCount())]
        return [str(item.data(0, ID_ROLE)) for item in rows if item and not item.isHidden()]

    def set_sort_order(self, order: str) -> None:
        """Order the projects by ``order`` ("active", "created" or "name")."""
        if order not in dict(SORT_ORDERS):
            order = SORT_ORDERS[0][0]
        self.sort_order = order
        for project_id, item in self._items.items():
            cast_item(item).key = sort_key(self._summaries[project_id], order)
        self.sortItems(0, Qt.SortOrder.AscendingOrder)

    def set_filter(self, text: str) -> None:
        """Show only projects whose name, or one of whose scenes, contains ``text``."""
        self.filter_text = " ".join(text.split()).casefold()
        for item in self._items.values():
            self._apply_filter(item)
        current = self.currentItem()
        if current is not None and not current.isHidden():
            self.scrollToItem(current)

    def reload(self) -> None:
        """Bring project rows up to date, in the chosen order, with the search applied."""
        try:
            summaries = self._workspace.library.projects()
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return
        self.blockSignals(True)
        try:
            seen = set()
            for summary in summaries:
                seen.add(summary.id)
                item = self._items.get(summary.id)
                if item is None:
                    item = _Item()
                    item.setData(0, KIND_ROLE, PROJECT)
                    item.setData(0, ID_ROLE, summary.id)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    self.addTopLevelItem(item)
                    self._items[summary.id] = item
                    self._fill_scenes(item, summary.id)
                self._summaries[summary.id] = summary
                shown = one_line(summary.name)  # an old row may hold a newline or ESC
                item.setText(0, shown)
                self._names[summary.id] = shown  # editing without a change renames nothing
                cast_item(item).key = sort_key(summary, self.sort_order)
                self._show_subtitle(summary.id)
                self._show_thumbnail(summary)
            for gone in set(self._items) - seen:
                item = self._items.pop(gone)
                self._names.pop(gone, None)
                self._summaries.pop(gone, None)
                self.takeTopLevelItem(self.indexOfTopLevelItem(item))
            self.sortItems(0, Qt.SortOrder.AscendingOrder)
            for item in self._items.values():
                self._apply_filter(item)
        finally:
            self.blockSignals(False)
        current = self._workspace.current_project_id
        if current in self._items:
            self.select_project(current)

    # -- internals --------------------------------------------------------------------------------
    def _show_subtitle(self, project_id: str) -> None:
        item, summary = self._items.get(project_id), self._summaries.get(project_id)
        if item is None or summary is None:
            return
        job = self._jobs.job_for(project_id) if self._jobs is not None else None
        activity = ACTIVITY.get(job.kind, "working…") if job is not None else ""
        subtitle = project_subtitle(summary, activity)
        item.setData(0, SUBTITLE_ROLE, subtitle)
        item.setToolTip(0, f"{self._names.get(project_id, '')}\n{subtitle}")

    def _job_changed(self, job: Job) -> None:
        """A job started or ended: its project's subtitle says so at once."""
        if job.project_id:
            self.blockSignals(True)
            self._show_subtitle(job.project_id)
            self.blockSignals(False)

    def _show_thumbnail(self, summary: ProjectSummary) -> None:
        """Ask for the latest render's thumbnail; it arrives now (cached) or by ``ready``."""
        item = self._items[summary.id]
        if self._thumbnails is None or not summary.thumbnail_path:
            item.setData(0, THUMB_ROLE, None)
            return
        path = self._workspace.library.home.abs(summary.thumbnail_path)
        key, pixmap = self._thumbnails.request(path, THUMB_SIZE)
        if pixmap is None and key:
            self._thumb_keys.setdefault(key, set()).add(summary.id)
        item.setData(0, THUMB_ROLE, pixmap)

    def _thumbnail_ready(self, key: str) -> None:
        waiting = self._thumb_keys.pop(key, set())
        pixmap = self._thumbnails.cached(key) if self._thumbnails is not None else None
        self.blockSignals(True)
        for project_id in waiting:
            item = self._items.get(project_id)
            if item is not None:
                item.setData(0, THUMB_ROLE, pixmap)
        self.blockSignals(False)

    def _apply_filter(self, item: QTreeWidgetItem) -> None:
        """Hide ``item`` unless its name or a scene matches; show only matching scenes of a
        project found by scene text (expanded, so the match is visible)."""
        wanted = self.filter_text
        children = [item.child(i) for i in range(item.childCount())]
        if not wanted or wanted in item.text(0).casefold():
            item.setHidden(False)
            for child in children:
                child.setHidden(False)
            return
        matches = [wanted in str(child.data(0, TEXT_ROLE) or "").casefold() for child in children]
        item.setHidden(not any(matches))
        for child, match in zip(children, matches, strict=True):
            child.setHidden(not match)
        if any(matches):
            item.setExpanded(True)

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
            child = _Item([f"{scene.scene_number}  {isolated(label)}"])
            child.key = float(scene.scene_number)
            child.setData(0, KIND_ROLE, SCENE)
            child.setData(0, ID_ROLE, scene.id)
            child.setData(0, TEXT_ROLE, scene.text)
            child.setToolTip(0, scene.text[:500])
            item.addChild(child)
            if scene.id == keep_scene:
                self.setCurrentItem(child)
        if keep_scene and self.currentItem() is None:
            self.setCurrentItem(item)
        self._apply_filter(item)

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


def cast_item(item: QTreeWidgetItem) -> _Item:
    """The tree's own rows are all ``_Item``s."""
    assert isinstance(item, _Item)
    return item


class ProjectList(QWidget):
    """The tree of projects under a search box and a sort order (kept in ``settings``).

    Attributes:
        tree: the ProjectTree shown.
        search: the search box (Ctrl+F focuses it).
        sort: the sort-order combo box.
    """

    def __init__(
        self, tree: ProjectTree, settings: QSettings, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("projectList")
        self.tree = tree
        self._settings = settings
        self.search = named(QLineEdit(), "projectSearch")
        self.search.setPlaceholderText("Search…")
        self.search.setToolTip("Find projects by name or by words in their scenes (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(60)
        self.search.textChanged.connect(tree.set_filter)
        self.sort = named(QComboBox(), "projectSort")
        self.sort.setToolTip("Order of the projects")
        for value, label in SORT_ORDERS:
            self.sort.addItem(label, value)
        self.sort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        saved = str(settings.value(SORT_SETTING, SORT_ORDERS[0][0]))
        self.sort.setCurrentIndex(max(0, self.sort.findData(saved)))
        tree.set_sort_order(str(self.sort.currentData()))
        self.sort.currentIndexChanged.connect(self._sort_changed)
        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.search, 1)
        row.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(tree, 1)

    def focus_search(self) -> None:
        """Ctrl+F: bring the list forward (if it is a tab) and put the cursor in the search
        box, its text selected."""
        stack = self.parentWidget()
        tabs = stack.parentWidget() if stack is not None else None
        if isinstance(tabs, QTabWidget):
            tabs.setCurrentWidget(self)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _sort_changed(self, _index: int) -> None:
        order = str(self.sort.currentData())
        self.tree.set_sort_order(order)
        self._settings.setValue(SORT_SETTING, order)
