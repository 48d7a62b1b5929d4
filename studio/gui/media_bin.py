"""The media bin: the creator's media folders as a searchable grid of thumbnails.

The folders are walked off the GUI thread by the same rules as the media index (broken links,
link loops, FIFOs, unreadable files and folders are skipped; nothing is opened or probed), in
batches, so a folder of thousands of files never freezes the window; a newer walk replaces an
older one. Thumbnails come from the shared :class:`ThumbnailLoader`, for the rows on screen
only. A picture or clip is dragged onto a scene card (``MEDIA_MIME``), or double-clicked /
"Use for scene N" to become the current scene's visual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import (
    QMimeData,
    QModelIndex,
    QObject,
    QPoint,
    QRunnable,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.qt_helpers import named
from studio.gui.scene_card import MEDIA_MIME
from studio.gui.thumbnails import ThumbnailLoader, placeholder
from studio.gui.workspace import Workspace
from studio.pipeline.changes import Changes
from studio.pipeline.visuals import MediaFile, list_media_files
from studio.store.settings_registry import MEDIA_FOLDERS

THUMB = QSize(96, 54)
#: Files handed from the walk to the GUI thread at a time (one model update each).
BATCH = 200
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2
NAME_ROLE = Qt.ItemDataRole.UserRole + 3
DATE_ROLE = Qt.ItemDataRole.UserRole + 4
SORTS = (
    ("Name", NAME_ROLE, Qt.SortOrder.AscendingOrder),
    ("Newest", DATE_ROLE, Qt.SortOrder.DescendingOrder),
)


class _WalkSignals(QObject):
    found = Signal(int, list)
    finished = Signal(int)


class _Walk(QRunnable):
    """Lists ``folders`` on a pool thread, in batches tagged with the walk's generation."""

    def __init__(
        self,
        folders: Sequence[Path],
        generation: int,
        signals: _WalkSignals,
        stop: Callable[[], bool],
    ) -> None:
        super().__init__()
        self._folders, self._generation = list(folders), generation
        self._signals, self._stop = signals, stop

    def run(self) -> None:
        batch: list[MediaFile] = []
        for found in list_media_files(self._folders, stop=self._stop):
            batch.append(found)
            if len(batch) >= BATCH:
                self._signals.found.emit(self._generation, batch)
                batch = []
        if batch:
            self._signals.found.emit(self._generation, batch)
        self._signals.finished.emit(self._generation)


class _MediaModel(QStandardItemModel):
    """The files; a drag carries their paths as ``MEDIA_MIME`` (one per line)."""

    def mimeTypes(self) -> list[str]:
        return [MEDIA_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        paths = dict.fromkeys(str(index.data(PATH_ROLE)) for index in indexes)
        mime.setData(MEDIA_MIME, "\n".join(paths).encode("utf-8"))
        return mime


class MediaBin(QWidget):
    """Browse, search and sort the media folders; hand a file to a scene.

    Signals:
        fileActivated(object): the creator asked to use this file (a Path) for the scene
            (a double-click or the context menu; never Enter, which must not replace a visual).
        listed(): a walk of the folders has finished (tests and settle checks wait for it).

    Attributes:
        target_label: what the context menu's "use" entry says ("" disables it).
        walking: a walk of the folders is under way.
    """

    fileActivated = Signal(object)
    listed = Signal()

    def __init__(
        self, workspace: Workspace, thumbnails: ThumbnailLoader, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mediaBin")
        self._workspace = workspace
        self._library = workspace.library
        self._thumbnails = thumbnails
        self._generation = 0
        self._latest = [0]  # the walk that counts, shared with the walk's thread
        self._stopped = threading.Event()  # the bin is gone: every walk ends
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _WalkSignals(self)
        self._waiting: dict[str, list[QStandardItem]] = {}
        self.target_label = ""
        self.walking = False
        self._build()
        self._signals.found.connect(self._found)
        self._signals.finished.connect(self._walk_finished)
        thumbnails.ready.connect(self._thumbnail_ready)
        workspace.settingsChanged.connect(self.refresh)
        stopped = self._stopped
        self.destroyed.connect(lambda *_: stopped.set())
        self.refresh()

    # -- layout -----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.folder = named(QComboBox(), "mediaFolder")
        self.folder.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.folder.setMinimumContentsLength(6)
        self.folder.setToolTip("Which of your media folders to show")
        self.add_folder_button = named(QToolButton(), "addMediaFolder")
        self.add_folder_button.setText("Add folder…")
        self.add_folder_button.setToolTip("Add a folder of your pictures and clips")
        self.search = named(QLineEdit(), "mediaSearch")
        self.search.setPlaceholderText("Search by name")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(60)
        self.sort = named(QComboBox(), "mediaSort")
        for label, _role, _order in SORTS:
            self.sort.addItem(label)
        self.sort.setToolTip("Sort by name, or newest first")
        self.model = _MediaModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = named(QListView(), "mediaList")
        self.view.setModel(self.proxy)
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setIconSize(THUMB)
        self.view.setGridSize(THUMB + QSize(12, 36))
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setUniformItemSizes(True)
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setMinimumSize(120, 100)
        self.view.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Expanding)
        self.status = named(QLabel(), "mediaStatus")
        self.status.setWordWrap(True)
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.addWidget(self.folder, 1)
        top.addWidget(self.add_folder_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(30)
        self._visible_timer.timeout.connect(self._load_visible)
        self.folder.activated.connect(lambda _i: self._walk())
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.search.textChanged.connect(self._filter)
        self.sort.currentIndexChanged.connect(self._sort)
        self.view.doubleClicked.connect(self._activate)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.verticalScrollBar().valueChanged.connect(lambda _v: self._visible_timer.start())
        self._sort()

    def sizeHint(self) -> QSize:
        return QSize(220, 400)

    def minimumSizeHint(self) -> QSize:
        return QSize(140, 160)

    # -- folders ----------------------------------------------------------------------------------
    def folders(self) -> list[Path]:
        """The library's media folders, as saved in Settings."""
        try:
            return [Path(folder) for folder in self._library.get_setting(MEDIA_FOLDERS)]
        except StudioError as exc:
            self._workspace.report_error(exc.message)
            return []

    def refresh(self) -> None:
        """Show the saved folders again and walk the one chosen (or all)."""
        chosen = self.folder.currentData()
        self.folder.clear()
        folders = self.folders()
        self.folder.addItem("All media folders" if len(folders) != 1 else folders[0].name, "")
        if len(folders) > 1:
            for folder in folders:
                self.folder.addItem(folder.name or str(folder), str(folder))
                self.folder.setItemData(
                    self.folder.count() - 1, str(folder), Qt.ItemDataRole.ToolTipRole
                )
        index = self.folder.findData(chosen) if chosen else 0
        self.folder.setCurrentIndex(max(0, index))
        self._walk()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "A folder of your pictures and clips")
        if folder:
            self.add_folder(Path(folder))

    def add_folder(self, folder: Path) -> None:
        """Add ``folder`` to the library's media folders (once), through the saved settings."""
        folders = [str(f) for f in self.folders()]
        if str(folder) not in folders:
            try:
                self._library.set_setting(MEDIA_FOLDERS, [*folders, str(folder)])
            except StudioError as exc:
                self._workspace.report_error(exc.message)
                return
            self._workspace.apply(Changes(settings=True))  # every panel, this bin too, refreshes

    # -- listing ----------------------------------------------------------------------------------
    def _walk(self) -> None:
        """Start listing the chosen folder(s); a walk still running is abandoned."""
        self._generation += 1
        generation = self._latest[0] = self._generation
        self.model.removeRows(0, self.model.rowCount())
        self._waiting.clear()
        chosen = self.folder.currentData()
        folders = [Path(chosen)] if chosen else self.folders()
        if not folders:
            self.walking = False
            self.status.setText("Add a folder of your pictures and clips to see them here.")
            self.listed.emit()
            return
        self.walking = True
        self.status.setText("Looking through your folders…")
        stopped, latest = self._stopped, self._latest
        self._pool.start(
            _Walk(
                folders,
                generation,
                self._signals,
                lambda: stopped.is_set() or latest[0] != generation,
            )
        )

    def _found(self, generation: int, files: list[MediaFile]) -> None:
        if generation != self._generation:
            return
        rows = []
        for found in files:
            item = QStandardItem(found.path.name)
            item.setData(str(found.path), PATH_ROLE)
            item.setData(found.kind, KIND_ROLE)
            item.setData(found.path.name.casefold(), NAME_ROLE)
            item.setData(found.mtime_ns, DATE_ROLE)
            item.setToolTip(
                f"{found.path}\nDrag onto a scene, or double-click to use it for "
                "the scene you are editing"
            )
            item.setEditable(False)
            item.setDragEnabled(True)
            rows.append(item)
        self.model.invisibleRootItem().appendRows(rows)
        self._visible_timer.start()

    def _walk_finished(self, generation: int) -> None:
        if generation != self._generation:
            return
        self.walking = False
        self._show_count()
        self._visible_timer.start()
        self.listed.emit()

    def _show_count(self) -> None:
        total, shown = self.model.rowCount(), self.proxy.rowCount()
        if total == 0:
            self.status.setText("No pictures or clips in this folder.")
        elif shown == total:
            self.status.setText(f"{total:,} file{'s' if total != 1 else ''}")
        else:
            self.status.setText(f"{shown:,} of {total:,} files match")

    def file_names(self) -> list[str]:
        """The names shown, in order (after search and sort)."""
        return [str(self.proxy.index(row, 0).data()) for row in range(self.proxy.rowCount())]

    def select_path(self, path: Path) -> bool:
        """Make ``path``'s tile current (True if it is shown)."""
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(PATH_ROLE) == str(path):
                self.view.setCurrentIndex(index)
                return True
        return False

    def current_path(self) -> Path | None:
        index = self.view.currentIndex()
        return Path(index.data(PATH_ROLE)) if index.isValid() else None

    def _filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if not self.walking:
            self._show_count()
        self._visible_timer.start()

    def _sort(self, *_args: object) -> None:
        _label, role, order = SORTS[max(0, self.sort.currentIndex())]
        self.proxy.setSortRole(role)
        self.proxy.sort(0, order)
        self._visible_timer.start()

    # -- thumbnails -------------------------------------------------------------------------------
    def _load_visible(self) -> None:
        """Ask for the thumbnails of the tiles on screen (not the thousands below)."""
        viewport = self.view.viewport().rect()
        first = self.view.indexAt(viewport.topLeft() + QPoint(4, 4))
        last = self.view.indexAt(viewport.bottomRight() - QPoint(4, 4))
        start = first.row() if first.isValid() else 0
        end = last.row() if last.isValid() else min(self.proxy.rowCount(), start + 60) - 1
        for row in range(start, end + 1):
            item = self.model.itemFromIndex(self.proxy.mapToSource(self.proxy.index(row, 0)))
            if item is None or not item.icon().isNull():
                continue
            key, pixmap = self._thumbnails.request(
                Path(item.data(PATH_ROLE)), THUMB, video_frames=True
            )
            if pixmap is not None:
                item.setIcon(pixmap)
            elif key:
                item.setIcon(placeholder(THUMB, "…"))
                self._waiting.setdefault(key, []).append(item)

    def _thumbnail_ready(self, key: str) -> None:
        items = self._waiting.pop(key, [])
        pixmap = self._thumbnails.cached(key)
        if pixmap is not None:
            for item in items:
                item.setIcon(pixmap)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._visible_timer.start()

    # -- using a file -----------------------------------------------------------------------------
    def _activate(self, index: QModelIndex) -> None:
        if index.isValid():
            self.fileActivated.emit(Path(index.data(PATH_ROLE)))

    def _menu(self, position: QPoint) -> None:
        index = self.view.indexAt(position)
        if not index.isValid():
            return
        menu = QMenu(self)
        use = menu.addAction(self.target_label or "Click a scene first to use this file")
        use.setEnabled(bool(self.target_label))
        use.triggered.connect(lambda: self._activate(index))
        menu.popup(self.view.viewport().mapToGlobal(position))

    def shutdown(self) -> None:
        """End any walk and wait for it (the window is closing)."""
        self._stopped.set()
        self._pool.waitForDone()
