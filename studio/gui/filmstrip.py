"""The filmstrip under the preview: every scene as a thumbnail block as long as the scene.

One block per scene, in order, its width proportional to the scene's length (its voice, else
the estimate its card shows), with the scene's visual and number. A play head follows the
preview while the project's latest render plays (scene boundaries are the cumulative scene
lengths, rounded to whole frames as the render's segments are). Click a block to select the
scene (and jump there in the render); drag it to reorder (one undoable move, through whoever
listens to ``moveRequested``). It repaints from the workspace's signals, never from jobs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import QApplication, QFrame, QScrollArea, QSizePolicy, QWidget

from studio.errors import StudioError
from studio.gui.preview import PreviewPlayer
from studio.gui.thumbnails import ThumbnailLoader, placeholder
from studio.gui.workspace import Workspace
from studio.pipeline.drafts import estimate_seconds
from studio.pipeline.templates import get_template, settings_for

#: The strip's height: small, so the editor and preview keep the room.
STRIP_HEIGHT = 76
#: Blocks' height inside the strip (the rest is the scroll bar's and the play head's).
BLOCK_HEIGHT = 58
#: The narrowest scale, in pixels per second: below it the strip scrolls instead of shrinking.
MIN_PIXELS_PER_SECOND = 14.0
THUMB = QSize(120, 68)
GAP = 2


@dataclass(frozen=True)
class Block:
    """One scene on the strip.

    Attributes:
        scene_id: the scene.
        number: its number (1-based, as the cards show).
        start: seconds from the video's start to the scene's.
        seconds: its length.
        thumb_key: the ThumbnailLoader key of its picture ("" when it has none).
    """

    scene_id: str
    number: int
    start: float
    seconds: float
    thumb_key: str


class _Strip(QWidget):
    """The painted blocks; mouse handling for click and drag lives here."""

    clicked = Signal(str)
    dropped = Signal(str, int)

    def __init__(self, film: Filmstrip) -> None:
        super().__init__()
        self._film = film
        self._pressed: tuple[str, QPoint] | None = None
        self._drag_x: int | None = None
        self.setFixedHeight(BLOCK_HEIGHT + 8)
        self.setMouseTracking(False)

    # -- geometry ---------------------------------------------------------------------------------
    def block_rect(self, block: Block) -> QRect:
        scale = self._film.pixels_per_second
        left = round(block.start * scale)
        right = round((block.start + block.seconds) * scale)
        return QRect(left + GAP // 2, 4, max(2, right - left - GAP), BLOCK_HEIGHT)

    def block_at(self, x: int) -> Block | None:
        for block in self._film.blocks:
            rect = self.block_rect(block)
            if rect.left() - GAP <= x <= rect.right() + GAP:
                return block
        return None

    def gap_at(self, x: int) -> int:
        """The index a block dropped at ``x`` goes to (before the block whose middle is right)."""
        for index, block in enumerate(self._film.blocks):
            if x < self.block_rect(block).center().x():
                return index
        return len(self._film.blocks)

    # -- painting ---------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1d1f26"))
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        for block in self._film.blocks:
            self._paint_block(painter, block)
        if self._drag_x is not None:
            self._paint_drop_marker(painter)
        head = self._film.play_head_x()
        if head is not None:
            painter.setPen(QPen(QColor("#ff4d4d"), 2))
            painter.drawLine(head, 0, head, self.height())
        painter.end()

    def _paint_block(self, painter: QPainter, block: Block) -> None:
        rect = self.block_rect(block)
        pixmap = self._film.thumbnail(block)
        painter.save()
        painter.setClipRect(rect)
        painter.fillRect(rect, QColor("#3a3d4a"))
        if pixmap is not None and not pixmap.isNull():
            # Whole frames at the strip's height, repeated along the block (as video editors
            # draw clips): a frame cropped to a long block would show a slice of its middle.
            scaled = pixmap.scaledToHeight(
                rect.height(), Qt.TransformationMode.SmoothTransformation
            )
            painter.drawTiledPixmap(rect, scaled, QPoint(0, 0))
        label = QRect(rect.left(), rect.top(), min(rect.width(), 26), 18)
        painter.fillRect(label, QColor(0, 0, 0, 160))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(label, Qt.AlignmentFlag.AlignCenter, str(block.number))
        painter.restore()
        selected = block.scene_id == self._film.current_scene_id
        pen = QPen(QColor("#4d9bff") if selected else QColor("#555a6a"), 3 if selected else 1)
        painter.setPen(pen)
        painter.drawRect(rect.adjusted(1, 1, -1, -1) if selected else rect)

    def _paint_drop_marker(self, painter: QPainter) -> None:
        assert self._drag_x is not None
        index = self.gap_at(self._drag_x)
        blocks = self._film.blocks
        x = (
            self.block_rect(blocks[index]).left() - GAP
            if index < len(blocks)
            else self.block_rect(blocks[-1]).right() + GAP
        )
        painter.setPen(QPen(QColor("#ffd24d"), 3))
        painter.drawLine(x, 0, x, self.height())

    # -- mouse ------------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        block = self.block_at(event.position().toPoint().x())
        if event.button() == Qt.MouseButton.LeftButton and block is not None:
            self._pressed = (block.scene_id, event.position().toPoint())
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pressed is None:
            return
        point = event.position().toPoint()
        moved = (point - self._pressed[1]).manhattanLength()
        if self._drag_x is not None or moved >= QApplication.startDragDistance():
            self._drag_x = point.x()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        pressed, dragging = self._pressed, self._drag_x is not None
        self._pressed, self._drag_x = None, None
        self.unsetCursor()
        self.update()
        if pressed is None:
            return
        if not dragging:
            self.clicked.emit(pressed[0])
            return
        ids = [b.scene_id for b in self._film.blocks]
        old = ids.index(pressed[0])
        gap = self.gap_at(event.position().toPoint().x())
        new = gap - 1 if gap > old else gap
        if new != old:
            self.dropped.emit(pressed[0], new)


class Filmstrip(QWidget):
    """The current project's scenes as a strip of blocks under the preview.

    Signals:
        sceneActivated(str): a block was clicked (the scene's id).
        moveRequested(str, int): a block was dragged to a new index (scene id, index).

    Attributes:
        blocks: the scenes on the strip, in order.
        current_scene_id: the highlighted scene ("" for none).
        pixels_per_second: the strip's scale (fits the width, never below the minimum).
    """

    sceneActivated = Signal(str)
    moveRequested = Signal(str, int)

    def __init__(
        self,
        workspace: Workspace,
        thumbnails: ThumbnailLoader,
        preview: PreviewPlayer,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("filmstrip")
        self._workspace = workspace
        self._thumbnails = thumbnails
        self._preview = preview
        self._render_path = ""
        self._fps = 30
        self._blank: QPixmap | None = None
        self.blocks: list[Block] = []
        self.current_scene_id = ""
        self.pixels_per_second = MIN_PIXELS_PER_SECOND
        self.strip = _Strip(self)
        self.scroller = QScrollArea(self)
        self.scroller.setWidget(self.strip)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setFixedHeight(STRIP_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(80)
        self._wire()
        self.reload()

    def _wire(self) -> None:
        ws = self._workspace
        ws.currentProjectChanged.connect(self.reload)
        ws.scenesChanged.connect(self._project_event)
        ws.sceneChanged.connect(lambda pid, _sid: self._project_event(pid))
        ws.rendersChanged.connect(self._project_event)
        ws.projectChanged.connect(self._project_event)
        self._thumbnails.ready.connect(self._thumbnail_ready)
        self._preview.player.positionChanged.connect(lambda _ms: self.strip.update())
        self.strip.clicked.connect(self._clicked)
        self.strip.dropped.connect(self.moveRequested)

    def sizeHint(self) -> QSize:
        return QSize(400, STRIP_HEIGHT)

    def minimumSizeHint(self) -> QSize:
        return QSize(80, STRIP_HEIGHT)

    # -- content ----------------------------------------------------------------------------------
    def reload(self, *_args: object) -> None:
        """Read the current project's scenes (and its latest render) again."""
        project = self._workspace.current_project()
        library = self._workspace.library
        self.blocks = []
        self._render_path = ""
        if project is not None:
            try:
                self._fps = settings_for(project).fps
                renders = library.renders(project)
                if renders:
                    self._render_path = str(library.home.abs(renders[0].file_path))
                self.blocks = self._blocks_of(project)
            except StudioError as exc:
                self._workspace.report_error(exc.message)
        self._lay_out()

    def _blocks_of(self, project: object) -> list[Block]:
        library = self._workspace.library
        note = get_template(project.template).scene_visual_note  # type: ignore[attr-defined]
        blocks, start = [], 0.0
        for scene in library.scenes(project):  # type: ignore[arg-type]
            raw = scene.duration or estimate_seconds(scene.text)
            seconds = max(1, math.ceil(raw * self._fps - 1e-6)) / self._fps  # whole frames
            key = ""
            selection = library.selection(scene) if note is None else None
            if selection is not None:
                key, _pixmap = self._thumbnails.request(  # a clip shows a frame, as on its card
                    library.home.abs(selection.asset_path), THUMB, video_frames=True
                )
            blocks.append(Block(scene.id, scene.scene_number, start, seconds, key))
            start += seconds
        return blocks

    def _project_event(self, project_id: str) -> None:
        if project_id == self._workspace.current_project_id:
            self.reload()

    def thumbnail(self, block: Block) -> QPixmap | None:
        """The block's picture (None while it is being decoded)."""
        if not block.thumb_key:
            if self._blank is None:
                self._blank = placeholder(THUMB, "", dark=True)
            return self._blank
        return self._thumbnails.cached(block.thumb_key)

    def _thumbnail_ready(self, key: str) -> None:
        if any(block.thumb_key == key for block in self.blocks):
            self.strip.update()

    # -- geometry ---------------------------------------------------------------------------------
    @property
    def total_seconds(self) -> float:
        return self.blocks[-1].start + self.blocks[-1].seconds if self.blocks else 0.0

    def block_rect(self, scene_id: str) -> QRect:
        """Where the scene's block is drawn (strip coordinates; empty if not shown)."""
        for block in self.blocks:
            if block.scene_id == scene_id:
                return self.strip.block_rect(block)
        return QRect()

    def _lay_out(self) -> None:
        available = max(1, self.width())  # the viewport's own width lags behind on show
        total = self.total_seconds
        self.pixels_per_second = max(available / total if total else 0.0, MIN_PIXELS_PER_SECOND)
        width = max(available, math.ceil(total * self.pixels_per_second))
        self.strip.resize(width, BLOCK_HEIGHT + 8)
        self.strip.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.scroller.setGeometry(self.rect())
        self._lay_out()
        super().resizeEvent(event)

    # -- selection and the play head --------------------------------------------------------------
    def set_current(self, scene_id: str) -> None:
        """Highlight ``scene_id`` and scroll it into view."""
        self.current_scene_id = scene_id
        rect = self.block_rect(scene_id)
        if not rect.isEmpty():
            self.scroller.ensureVisible(
                rect.center().x(), rect.center().y(), rect.width() // 2 + 8, 0
            )
        self.strip.update()

    def render_is_loaded(self) -> bool:
        """Whether the preview holds the project's latest render (the play head follows it)."""
        return bool(self._render_path) and self._preview.source == self._render_path

    def play_head_x(self) -> int | None:
        if not self.render_is_loaded():
            return None
        seconds = self._preview.player.position() / 1000
        return round(min(seconds, self.total_seconds) * self.pixels_per_second)

    def _clicked(self, scene_id: str) -> None:
        self.set_current(scene_id)
        self.sceneActivated.emit(scene_id)
        if self.render_is_loaded():
            for block in self.blocks:
                if block.scene_id == scene_id:
                    self._preview.seek_to(round(block.start * 1000))
