"""Thumbnails decoded off the GUI thread, cached, delivered by signal.

Images are decoded on a small private thread pool into ``QImage`` (thread-safe) and turned into
``QPixmap`` on the GUI thread. Videos get a placeholder tile naming the file, or, when asked
(``video_frames=True``: the media bin, the visual picker), a frame sampled by the media layer's
FFmpeg on the same pool, with the clip's length in a corner. ``pending`` tells a settle check
whether work is outstanding.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QPoint, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QColor, QFont, QImage, QImageReader, QPainter, QPixmap

from studio.errors import StudioError
from studio.media.probe import probe
from studio.media.thumbnails import sample_frames

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi"})


def _key(path: Path, size: QSize) -> str:
    try:
        stat = path.stat()
        stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
    except OSError:
        stamp = "missing"
    return f"{path}|{size.width()}x{size.height()}|{stamp}"


def _decode(path: Path, size: QSize) -> QImage:
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    source = reader.size()
    if source.isValid():
        reader.setScaledSize(source.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        log.info("thumbnail of %s failed: %s", path, reader.errorString())
    return image


def _video_frame(path: Path, size: QSize) -> QImage:
    """A frame from a third of the way into the clip (at most 1 s in), fitted in ``size``, with
    the clip's length drawn in its corner; a null image if the clip can't be read."""
    try:
        info = probe(path)
        if not info.has_video or info.width <= 0 or info.height <= 0:
            return QImage()
        fitted = QSize(info.width, info.height).scaled(size, Qt.AspectRatioMode.KeepAspectRatio)
        width, height = max(2, fitted.width() // 2 * 2), max(2, fitted.height() // 2 * 2)
        frame = sample_frames(path, [min(1.0, info.duration / 3)], (width, height))[0]
    except (StudioError, OSError) as exc:
        log.info("video thumbnail of %s failed: %s", path, exc)
        return QImage()
    image = QImage(frame.tobytes(), width, height, width * 3, QImage.Format.Format_RGB888).copy()
    _draw_length(image, info.duration)
    return image


def _draw_length(image: QImage, seconds: float) -> None:
    """The clip's length as a small dark badge in the bottom-right corner."""
    text = f"{int(seconds) // 60}:{int(seconds) % 60:02d}"
    painter = QPainter(image)
    font = QFont()
    font.setPixelSize(max(9, image.height() // 8))
    painter.setFont(font)
    box = painter.fontMetrics().boundingRect(text).adjusted(-4, -2, 4, 2)
    box.moveBottomRight(image.rect().bottomRight() - QPoint(3, 3))
    painter.fillRect(box, QColor(0, 0, 0, 190))
    painter.setPen(QColor("white"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()


def placeholder(size: QSize, text: str, *, dark: bool = False) -> QPixmap:
    """A neutral tile with a short label (missing file, video, no visual yet)."""
    pixmap = QPixmap(size)
    pixmap.fill(QColor("#3a3d4a") if dark else QColor("#d9dbe6"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#e6e7ee") if dark else QColor("#4a4d5c"))
    font = QFont()
    font.setPointSizeF(max(7.0, size.height() / 9))
    painter.setFont(font)
    painter.drawText(pixmap.rect().adjusted(6, 4, -6, -4),
                     Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, text)
    painter.end()
    return pixmap


class _Signals(QObject):
    decoded = Signal(str, QImage)


class _DecodeTask(QRunnable):
    def __init__(self, key: str, path: Path, size: QSize, signals: _Signals) -> None:
        super().__init__()
        self._key, self._path, self._size, self._signals = key, path, size, signals

    def run(self) -> None:
        if self._path.suffix.lower() in VIDEO_SUFFIXES:
            image = _video_frame(self._path, self._size)
        else:
            image = _decode(self._path, self._size)
        self._signals.decoded.emit(self._key, image)


class ThumbnailLoader(QObject):
    """Asynchronous, cached thumbnails.

    Signals:
        ready(str): the thumbnail for this key is now in the cache.
        idle(): no decode is pending any more.

    Attributes:
        pending: keys being decoded.
    """

    ready = Signal(str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, *, threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._signals = _Signals(self)
        self._signals.decoded.connect(self._decoded)
        self._cache: dict[str, QPixmap] = {}
        self.pending: set[str] = set()

    def request(
        self, path: Path | None, size: QSize, *, video_frames: bool = False
    ) -> tuple[str, QPixmap | None]:
        """``(key, pixmap)``: the pixmap now if cached or not decodable, else None and a
        ``ready(key)`` later. A video is a placeholder tile unless ``video_frames``."""
        if path is None:
            return "", None
        key = _key(path, size) + ("|frame" if video_frames else "")
        cached = self._cache.get(key)
        if cached is not None:
            return key, cached
        if not path.is_file():
            pixmap = placeholder(size, "File missing")
        elif path.suffix.lower() in VIDEO_SUFFIXES and not video_frames:
            pixmap = placeholder(size, f"▶ Video\n{path.name}", dark=True)
        else:
            if key not in self.pending:
                self.pending.add(key)
                self._pool.start(_DecodeTask(key, path, size, self._signals))
            return key, None
        self._cache[key] = pixmap
        return key, pixmap

    def cached(self, key: str) -> QPixmap | None:
        return self._cache.get(key)

    def shutdown(self) -> None:
        """Drop queued decodes and wait for running ones (window close)."""
        self._pool.clear()
        self._pool.waitForDone()
        self.pending.clear()

    def _decoded(self, key: str, image: QImage) -> None:
        if key not in self.pending:
            return
        self.pending.discard(key)
        size = image.size() if not image.isNull() else QSize(160, 90)
        self._cache[key] = (
            QPixmap.fromImage(image) if not image.isNull() else placeholder(size, "Can't show")
        )
        self.ready.emit(key)
        if not self.pending:
            self.idle.emit()
