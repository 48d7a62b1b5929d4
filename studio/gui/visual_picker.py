"""Pick a scene's visual: its current one (first, marked "Current"), what Studio suggested, the
project's own pictures and clips, the creator's media folders (even before any render), or any
file of theirs ("Choose file…", opened in the first media folder).

Nothing replaces the chosen visual but an explicit choice: "Use this" or a double-click on
another visual. With ``stock`` given, results from stock libraries join the grid after the
creator's own visuals (``studio.gui.stock_panel``); choosing one downloads it as a job, with its
progress and Cancel in the picker, which stays open so the visual can be framed at once.
Enter does nothing here (no default button), and the current visual can't be "chosen" again.
Every label is the creator's file name (or a stock visual's credit), never a content hash.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.gui.media_bin import MediaBin
from studio.gui.picker_framing import FramingTab
from studio.gui.stock_actions import StockActions, credit_of, stock_caption
from studio.gui.stock_panel import (
    CANDIDATE_ROLE,
    DownloadLine,
    StockPreview,
    StockSearch,
    credit_html,
    small_rendition,
    work_credit_html,
)
from studio.gui.stock_previews import StockPreviews
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.workspace import Workspace
from studio.pipeline.visuals import media_kind, visual_label
from studio.stock.base import Candidate
from studio.store import Library
from studio.store.models import Scene
from studio.store.settings_registry import MEDIA_FOLDERS

THUMB = QSize(160, 90)
FILE_FILTER = "Images and videos (*.jpg *.jpeg *.png *.webp *.bmp *.mp4 *.mov *.mkv *.webm *.m4v)"
CURRENT = "Current"


@dataclass(frozen=True)
class VisualChoice:
    """What the creator picked. ``inside_project`` files need no import (copy) first.

    Attributes:
        label: the name the creator knows it by (never a content hash).
    """

    path: Path
    kind: str
    source: str
    inside_project: bool
    label: str = ""


def scene_candidates(library: Library, scene: Scene) -> list[VisualChoice]:
    """The scene's current visual first, then its stored suggestions (best first), then the
    project's other pictures and clips; absolute paths, missing files and repeats skipped."""
    project_dir = library.home.project_dir(scene.project_id)
    choices: list[VisualChoice] = []
    seen: set[Path] = set()

    def add(path: Path, kind: str, source: str) -> None:
        if path in seen or not path.is_file():
            return
        seen.add(path)
        choices.append(
            VisualChoice(
                path,
                kind,
                source,
                project_dir in path.parents,
                visual_label(path, source=source, kind=kind),
            )
        )

    current = library.selection(scene)
    if current is not None:
        add(library.home.abs(current.asset_path), current.kind, current.source)
        credit = credit_of(current.credit)
        if credit is not None and choices:
            choices[0] = replace(choices[0], label=stock_caption(credit))
    for suggestion in library.suggestions(scene):
        for candidate in suggestion.candidates or []:
            stored = candidate.get("path")
            if stored:
                add(library.home.abs(stored), candidate.get("kind", "image"), suggestion.source)
    for path in _project_visuals(project_dir / "visuals"):
        add(path, media_kind(path) or "image", "file")
    return choices


def _project_visuals(folder: Path) -> list[Path]:
    """Pictures and clips imported into the project (not its generated slides), newest first."""
    if not folder.is_dir():
        return []
    found = [
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not path.name.startswith((".", "slide-"))
        and media_kind(path) is not None
    ]
    return sorted(found, key=lambda path: path.stat().st_mtime_ns, reverse=True)


class VisualPicker(QDialog):
    """The scene's visuals as a grid of thumbnails, and the media folders in a second tab.

    Signals:
        chosen(str, object): scene id and the VisualChoice, when the creator picks another.
        trimRequested(str): scene id: the creator wants to trim the current clip.

    Attributes:
        framing: the "Framing" tab (the framing editor on the current visual).
        stock: the stock search (None without ``stock`` actions). preview: the larger
            preview beside the grid. download: a stock download's progress line.
    """

    chosen = Signal(str, object)
    trimRequested = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        scene: Scene,
        thumbnails: ThumbnailLoader,
        parent: QWidget | None = None,
        *,
        stock: StockActions | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Visual for scene {scene.scene_number}")
        self.setObjectName("visualPicker")
        self.resize(900, 600)
        self.choice: VisualChoice | None = None
        self.scene_id = scene.id
        self._library = workspace.library
        self._thumbnails = thumbnails
        self._items: dict[str, QListWidgetItem] = {}
        self._closed = False
        candidates = scene_candidates(self._library, scene)
        selection = self._library.selection(scene)
        self.current = candidates[0] if selection is not None and candidates else None
        self.list = self._scene_list(candidates)
        self.bin = MediaBin(workspace, thumbnails, self)
        self.bin.target_label = f"Use for scene {scene.scene_number}"
        self._stock_actions = stock
        self.project_id = scene.project_id
        self.stock: StockSearch | None = None
        self.preview = StockPreview()
        self.download = DownloadLine()
        self.tabs = QTabWidget()
        self.tabs.addTab(self._scene_tab(scene), "For this scene")
        self.tabs.addTab(self.bin, "Your media folders")
        self.framing = FramingTab(workspace, scene.project_id, scene.id, thumbnails)
        self.tabs.addTab(self.framing, "Framing")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self._build_buttons()
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.download)
        layout.addLayout(self._buttons)
        thumbnails.ready.connect(self._thumbnail_ready)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.currentItemChanged.connect(self._show_preview)
        self.list.itemEntered.connect(self._show_preview)
        self.download.ended.connect(self._download_ended)
        self.list.itemDoubleClicked.connect(self._double_clicked)
        self.bin.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.bin.fileActivated.connect(self._use_library_file)
        self.tabs.currentChanged.connect(lambda _i: self._update_buttons())
        self._show_hint()
        self._update_buttons()
        self._show_preview(self.list.currentItem())  # the tile selected on opening, at once

    # -- layout -----------------------------------------------------------------------------------
    def _scene_tab(self, scene: Scene) -> QWidget:
        """The scene's own visuals and (with stock actions) stock results in one grid, the
        search above it and the larger preview beside it."""
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(4, 4, 4, 4)
        if self._stock_actions is not None:
            self._previews = StockPreviews(self._library.home.cache_dir, self)
            self.stock = StockSearch(
                self._library,
                scene,
                self.list,
                self._previews,
                THUMB,
                chosen=self._stock_actions.providers,
                parent=tab,
            )
            self.stock.providers.toggled.connect(self._remember_providers)
            self._previews.ready.connect(self._stock_preview_ready)
            layout.addWidget(self.stock)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.setChildrenCollapsible(False)
        split.addWidget(self.list)
        split.addWidget(self.preview)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        return tab

    def _scene_list(self, candidates: list[VisualChoice]) -> QListWidget:
        view = QListWidget()
        view.setObjectName("sceneVisuals")
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setIconSize(THUMB)
        view.setGridSize(THUMB + QSize(24, 44))
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setWordWrap(True)
        view.setMouseTracking(True)  # hovering a tile previews it
        view.setMinimumSize(160, 120)
        self._add_own(view, candidates)
        if view.count():
            view.setCurrentRow(0)
        return view

    def _add_own(self, view: QListWidget, candidates: list[VisualChoice]) -> None:
        """The scene's own visuals as the first tiles (the current one marked)."""
        for row, choice in enumerate(candidates):
            current = choice is self.current
            item = QListWidgetItem(f"{CURRENT}: {choice.label}" if current else choice.label)
            item.setData(Qt.ItemDataRole.UserRole, choice)
            item.setToolTip(choice.label)
            if current:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            key, pixmap = self._thumbnails.request(choice.path, THUMB, video_frames=True)
            if pixmap is not None:
                item.setIcon(pixmap)
            else:
                self._items[key] = item
            view.insertItem(row, item)

    def _build_buttons(self) -> None:
        self.file_button = QPushButton("Choose file…")
        self.trim_button = QPushButton("Trim…")
        self.trim_button.setToolTip("Choose which part of the current clip plays")
        self.cancel_button = QPushButton("Cancel")
        self.use_button = QPushButton("Use this")
        for button in (self.file_button, self.trim_button, self.cancel_button, self.use_button):
            button.setAutoDefault(False)  # Enter must never replace the visual
            button.setDefault(False)
        self._buttons = QHBoxLayout()
        self._buttons.addWidget(self.file_button)
        self._buttons.addWidget(self.trim_button)
        self._buttons.addStretch(1)
        self._buttons.addWidget(self.cancel_button)
        self._buttons.addWidget(self.use_button)
        self.file_button.clicked.connect(self._choose_file)
        self.trim_button.clicked.connect(self._trim)
        self.cancel_button.clicked.connect(self.reject)
        self.use_button.clicked.connect(self._use_selected)
        self.trim_button.setVisible(self.current is not None and self.current.kind == "video")

    def _show_hint(self) -> None:
        stock = " or a stock library" if self.stock is not None else ""
        if self.current is None:
            text = (
                "This scene has no visual yet: Studio picks one when it renders. Choose one "
                f"now from this project, your media folders{stock}, or any file of yours."
            )
        else:
            use = "“Use this” (“Download and use” for stock)" if stock else "“Use this”"
            text = (
                f"{CURRENT}: {self.current.label}. Pick another and click {use}, "
                "or choose any picture or video of your own."
            )
        self.hint.setText(text)

    def _update_buttons(self) -> None:
        selected = self.selected()
        downloading = self.download.job is not None and not self.download.job.ended
        self.use_button.setEnabled(
            selected is not None and not self._is_current(selected) and not downloading
        )
        stock = isinstance(selected, Candidate)
        self.use_button.setText("Download and use" if stock else "Use this")

    # -- choosing ---------------------------------------------------------------------------------
    def selected(self) -> VisualChoice | Candidate | None:
        """What "Use this" would choose: the tile selected on the tab shown (a stock result
        is a Candidate)."""
        if self.tabs.currentWidget() is self.framing:
            return None
        if self.tabs.currentWidget() is self.bin:
            path = self.bin.current_path()
            return None if path is None else self._library_choice(path)
        item = self.list.currentItem()
        return None if item is None else _choice_of(item)

    def _is_current(self, choice: VisualChoice | Candidate) -> bool:
        if isinstance(choice, Candidate):
            return self.stock is not None and self.stock.is_current(choice)
        return self.current is not None and choice.path == self.current.path

    def _library_choice(self, path: Path) -> VisualChoice:
        return VisualChoice(path, media_kind(path) or "image", "library", False, path.name)

    def _use_selected(self) -> None:
        choice = self.selected()
        if choice is not None:
            self.choose(choice)

    def _double_clicked(self, item: QListWidgetItem) -> None:
        choice = _choice_of(item)
        if choice is None:
            return
        if self._is_current(choice):
            self.reject()  # the visual it already has: nothing new
        else:
            self.choose(choice)

    def _use_library_file(self, path: Path) -> None:
        self.choose(self._library_choice(path))

    def choose(self, choice: VisualChoice | Candidate) -> None:
        """Make ``choice`` the scene's visual (nothing happens for the current one). A stock
        result is downloaded first, as a job; the picker stays open meanwhile."""
        if self._is_current(choice):
            return
        if isinstance(choice, Candidate):
            self.choose_stock(choice)
            return
        self.choice = choice
        self.accept()
        self.chosen.emit(self.scene_id, choice)

    def choose_stock(self, candidate: Candidate) -> None:
        """Download ``candidate`` and make it the scene's visual (progress and Cancel shown)."""
        if self._stock_actions is None or (self.download.job and not self.download.job.ended):
            return
        job = self._stock_actions.choose(self.project_id, self.scene_id, candidate)
        if job is not None:
            self.download.follow(job, self._stock_actions.jobs)
        self._update_buttons()

    def _download_ended(self, done: bool) -> None:
        """The download ended: on success the new visual is marked current."""
        if done:
            self._refresh_own()
            self.framing.reload()
            self.hint.setText(
                f"{CURRENT}: {self.current.label if self.current else ''}. Set how it fills "
                "the video on the Framing tab."
            )
        self._update_buttons()

    def _refresh_own(self) -> None:
        """Show the scene's own visuals again (the current one first), then re-mark stock."""
        for row in reversed(range(self.list.count())):
            item = self.list.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) is not None:
                self.list.takeItem(row)
        scene = self._library.scene(self.scene_id)
        candidates = scene_candidates(self._library, scene)
        selection = self._library.selection(scene)
        self.current = candidates[0] if selection is not None and candidates else None
        self._add_own(self.list, candidates)
        if self.stock is not None:
            self.stock.set_current(credit_of(getattr(selection, "credit", None)))
        self._show_hint()
        self.trim_button.setVisible(self.current is not None and self.current.kind == "video")
        self.list.setCurrentRow(0)

    def _remember_providers(self) -> None:
        if self._stock_actions is not None and self.stock is not None:
            self._stock_actions.providers = self.stock.providers.chosen()

    def _show_preview(self, item: QListWidgetItem | None, *_args: object) -> None:
        """The tile hovered or selected, larger, with its credit (a stock result's licence)."""
        if item is None:
            return
        choice = _choice_of(item)
        if isinstance(choice, Candidate):
            image = self._previews.image(choice.preview_url)
            still = image if image is not None and not image.isNull() else None
            clip = small_rendition(choice)
            if clip and clip == self.preview.playing_url:
                return  # hovering the clip already playing: let it play
            if clip:
                self.preview.play_clip(clip, still, credit_html(choice))
            else:
                self.preview.show_picture(still, credit_html(choice))
        elif choice is not None:
            icon = item.icon()
            pixmap = icon.pixmap(THUMB) if not icon.isNull() else None
            self.preview.show_picture(pixmap, self._own_caption(choice))

    def _own_caption(self, choice: VisualChoice) -> str:
        """The preview's words for one of the scene's own visuals: its name, or for the current
        stock visual its credit and licence (as when it was chosen)."""
        if choice is self.current:
            selection = self._library.selection(self._library.scene(self.scene_id))
            credit = credit_of(getattr(selection, "credit", None))
            if credit is not None:
                return f"{CURRENT}<br>{work_credit_html(credit)}"
        return escape(choice.label)

    def _stock_preview_ready(self, url: str) -> None:
        """A stock picture arrived: show it if its tile is the one previewed."""
        item = self.list.currentItem()
        choice = None if item is None else _choice_of(item)
        if isinstance(choice, Candidate) and choice.preview_url == url:
            self._show_preview(item)

    def choose_path(self, path: Path) -> None:
        """Accept a file of the creator's (what "Choose file…" does after its dialog)."""
        self.choose(VisualChoice(path, media_kind(path) or "image", "file", False, path.name))

    def file_dialog_folder(self) -> str:
        """Where "Choose file…" opens: the first media folder that exists ("" if none)."""
        for folder in self._library.get_setting(MEDIA_FOLDERS):
            if Path(folder).is_dir():
                return str(folder)
        return ""

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a picture or video", self.file_dialog_folder(), FILE_FILTER
        )
        if path:
            self.choose_path(Path(path))

    def _trim(self) -> None:
        self.accept()
        self.trimRequested.emit(self.scene_id)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()  # no default button: Enter chooses nothing
            return
        super().keyPressEvent(event)

    # -- thumbnails -------------------------------------------------------------------------------
    def _thumbnail_ready(self, key: str) -> None:
        item = self._items.pop(key, None)
        pixmap = self._thumbnails.cached(key)
        if item is not None and pixmap is not None:
            item.setIcon(pixmap)
            if item is self.list.currentItem():
                self._show_preview(item)  # the preview waited for this picture

    def done(self, result: int) -> None:
        if not self._closed:
            self._closed = True
            self._thumbnails.ready.disconnect(self._thumbnail_ready)
            self.bin.shutdown()
            self.download.stop_following()  # the download itself goes on, in the jobs list
            self.preview.shutdown()
            self.framing.shutdown()
            if self.stock is not None:
                self.stock.shutdown()
                self._previews.ready.disconnect(self._stock_preview_ready)
                self._previews.shutdown()
        super().done(result)


def _choice_of(item: QListWidgetItem) -> VisualChoice | Candidate | None:
    """What a tile stands for: one of the scene's own visuals, or a stock result."""
    candidate = item.data(CANDIDATE_ROLE)
    return candidate if isinstance(candidate, Candidate) else item.data(Qt.ItemDataRole.UserRole)
