"""Pick a scene's visual: the suggestions Studio found (media library matches, the generated
slide) with thumbnails, or any image/video file of the creator's ("Choose file…")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui.thumbnails import ThumbnailLoader
from studio.store import Library
from studio.store.models import Scene

THUMB = QSize(192, 108)
FILE_FILTER = "Images and videos (*.jpg *.jpeg *.png *.webp *.bmp *.mp4 *.mov *.mkv *.webm *.m4v)"


@dataclass(frozen=True)
class VisualChoice:
    """What the creator picked. ``inside_project`` files need no import (copy) first."""

    path: Path
    kind: str
    source: str
    inside_project: bool


def scene_candidates(library: Library, scene: Scene) -> list[VisualChoice]:
    """The scene's stored suggestions, best first, as absolute paths (missing files skipped)."""
    project_dir = library.home.project_dir(scene.project_id)  # type: ignore[attr-defined]
    choices: list[VisualChoice] = []
    seen: set[Path] = set()
    for suggestion in library.suggestions(scene):
        for candidate in suggestion.candidates or []:
            stored = candidate.get("path")
            if not stored:
                continue
            path = library.home.abs(stored)
            if path in seen or not path.is_file():
                continue
            seen.add(path)
            choices.append(VisualChoice(
                path, candidate.get("kind", "image"), suggestion.source,
                project_dir in path.parents,
            ))
    return choices


class VisualPicker(QDialog):
    """Shows candidates as a grid of thumbnails.

    Signals:
        chosen(str, object): scene id and the VisualChoice, when the creator picks one.
    """

    chosen = Signal(str, object)

    def __init__(self, library: Library, scene: Scene, thumbnails: ThumbnailLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Visual for scene {scene.scene_number}")
        self.setObjectName("visualPicker")
        self.resize(720, 460)
        self.choice: VisualChoice | None = None
        self.scene_id = scene.id
        self._thumbnails = thumbnails
        self._items: dict[str, QListWidgetItem] = {}
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setGridSize(THUMB + QSize(24, 44))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        hint = QLabel()
        hint.setWordWrap(True)
        current = library.selection(scene)
        current_path = library.home.abs(current.asset_path) if current else None
        for choice in scene_candidates(library, scene):
            label = choice.path.name if choice.source != "slide" else "Generated slide"
            if choice.path == current_path:
                label = f"✓ {label}"
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, choice)
            item.setToolTip(str(choice.path))
            key, pixmap = thumbnails.request(choice.path, THUMB)
            if pixmap is not None:
                item.setIcon(pixmap)
            else:
                self._items[key] = item
            self.list.addItem(item)
            if choice.path == current_path:
                self.list.setCurrentItem(item)
        if self.list.count() == 0:
            hint.setText("Studio suggests pictures from your media folders and a generated slide "
                         "when it renders. Choose a file of your own now, or render first.")
        else:
            hint.setText("Pick a suggestion, or choose any picture or video of your own.")
        thumbnails.ready.connect(self._thumbnail_ready)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.use_button = buttons.addButton("Use this", QDialogButtonBox.ButtonRole.AcceptRole)
        self.file_button = QPushButton("Choose file…")
        buttons.addButton(self.file_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.use_button.setEnabled(self.list.currentItem() is not None)
        self.list.currentItemChanged.connect(
            lambda item, _old: self.use_button.setEnabled(item is not None))
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.file_button.clicked.connect(self._choose_file)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def accept(self) -> None:
        if self.choice is None:
            item = self.list.currentItem()
            if item is None:
                return
            self.choice = item.data(Qt.ItemDataRole.UserRole)
        super().accept()
        self.chosen.emit(self.scene_id, self.choice)

    def choose_path(self, path: Path) -> None:
        """Accept a file of the creator's (what "Choose file…" does after its dialog)."""
        from studio.pipeline.visuals import media_kind

        self.choice = VisualChoice(path, media_kind(path) or "image", "file", False)
        self.accept()

    def _choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, "Choose a picture or video", "",
                                                    FILE_FILTER)
        if path:
            self.choose_path(Path(path))

    def _thumbnail_ready(self, key: str) -> None:
        item = self._items.pop(key, None)
        pixmap = self._thumbnails.cached(key)
        if item is not None and pixmap is not None:
            item.setIcon(pixmap)

    def done(self, result: int) -> None:
        self._thumbnails.ready.disconnect(self._thumbnail_ready)
        super().done(result)
