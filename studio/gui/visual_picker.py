"""Pick a scene's visual: its current one (first, marked "Current"), what Studio suggested, the
project's own pictures and clips, the creator's media folders (even before any render), or any
file of theirs ("Choose file…", opened in the first media folder).

Nothing replaces the chosen visual but an explicit choice: "Use this" or a double-click on
another visual. Enter does nothing here (no default button), and the current visual can't be
"chosen" again. Every label is the creator's file name, never a content hash.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from studio.gui.media_bin import MediaBin
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.workspace import Workspace
from studio.pipeline.visuals import media_kind, visual_label
from studio.store import Library
from studio.store.models import Scene
from studio.store.settings_registry import MEDIA_FOLDERS

THUMB = QSize(192, 108)
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
    """

    chosen = Signal(str, object)
    trimRequested = Signal(str)

    def __init__(
        self,
        workspace: Workspace,
        scene: Scene,
        thumbnails: ThumbnailLoader,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Visual for scene {scene.scene_number}")
        self.setObjectName("visualPicker")
        self.resize(720, 500)
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
        self.tabs = QTabWidget()
        self.tabs.addTab(self.list, "For this scene")
        self.tabs.addTab(self.bin, "Your media folders")
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self._build_buttons()
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(self._buttons)
        thumbnails.ready.connect(self._thumbnail_ready)
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.list.itemDoubleClicked.connect(self._double_clicked)
        self.bin.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.bin.fileActivated.connect(self._use_library_file)
        self.tabs.currentChanged.connect(lambda _i: self._update_buttons())
        self._show_hint()
        self._update_buttons()

    # -- layout -----------------------------------------------------------------------------------
    def _scene_list(self, candidates: list[VisualChoice]) -> QListWidget:
        view = QListWidget()
        view.setObjectName("sceneVisuals")
        view.setViewMode(QListView.ViewMode.IconMode)
        view.setIconSize(THUMB)
        view.setGridSize(THUMB + QSize(24, 44))
        view.setResizeMode(QListView.ResizeMode.Adjust)
        view.setMovement(QListView.Movement.Static)
        view.setWordWrap(True)
        for choice in candidates:
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
            view.addItem(item)
        if view.count():
            view.setCurrentRow(0)
        return view

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
        if self.current is None:
            text = (
                "This scene has no visual yet: Studio picks one when it renders. Choose one "
                "now from this project, your media folders, or any file of yours."
            )
        else:
            text = (
                f"{CURRENT}: {self.current.label}. Pick another and click “Use this”, "
                "or choose any picture or video of your own."
            )
        self.hint.setText(text)

    def _update_buttons(self) -> None:
        selected = self.selected()
        self.use_button.setEnabled(selected is not None and not self._is_current(selected))

    # -- choosing ---------------------------------------------------------------------------------
    def selected(self) -> VisualChoice | None:
        """What "Use this" would choose: the tile selected on the tab shown."""
        if self.tabs.currentWidget() is self.bin:
            path = self.bin.current_path()
            return None if path is None else self._library_choice(path)
        item = self.list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def _is_current(self, choice: VisualChoice) -> bool:
        return self.current is not None and choice.path == self.current.path

    def _library_choice(self, path: Path) -> VisualChoice:
        return VisualChoice(path, media_kind(path) or "image", "library", False, path.name)

    def _use_selected(self) -> None:
        choice = self.selected()
        if choice is not None:
            self.choose(choice)

    def _double_clicked(self, item: QListWidgetItem) -> None:
        choice: VisualChoice = item.data(Qt.ItemDataRole.UserRole)
        if self._is_current(choice):
            self.reject()  # the visual it already has: nothing new
        else:
            self.choose(choice)

    def _use_library_file(self, path: Path) -> None:
        self.choose(self._library_choice(path))

    def choose(self, choice: VisualChoice) -> None:
        """Make ``choice`` the scene's visual (nothing happens for the current one)."""
        if self._is_current(choice):
            return
        self.choice = choice
        self.accept()
        self.chosen.emit(self.scene_id, choice)

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

    def done(self, result: int) -> None:
        if not self._closed:
            self._closed = True
            self._thumbnails.ready.disconnect(self._thumbnail_ready)
            self.bin.shutdown()
        super().done(result)
