"""The preview player: one long-lived QMediaPlayer per window for renders and scene audio.

The player, its QAudioOutput and the QVideoWidget are created once with the widget and never
per clip (creating/destroying QMediaPlayer + QAudioOutput under stress crashes some PySide6
builds). Every command to the player (source, play, pause, stop, seek) is a *queued native*
call (``QMetaObject.invokeMethod`` by slot name): Qt runs it from the event loop without
Python's GIL. ``stop`` and ``setSource`` wait for the player's audio thread, and if that thread
needs the GIL (a Python Qt message handler, as pytest-qt installs) a direct call from Python
deadlocks. ``QWidget.grab()`` of a video widget is blank, so tests and screenshots read the
frame from ``videoSink().videoFrame()``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Q_ARG, QMetaObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPixmap
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStackedLayout,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui.fitting import ElidedLabel
from studio.gui.formatting import format_duration

SEEK_SCALE = 100  # slider units per second


class Poster(QWidget):
    """What the preview shows while no video plays: a still (aspect-fit) and/or a caption."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap: QPixmap | None = None
        self._caption = "No video yet"

    def show_poster(self, pixmap: QPixmap | None, caption: str) -> None:
        self._pixmap, self._caption = pixmap, caption
        self.update()

    @property
    def caption(self) -> str:
        return self._caption

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#15161a"))
        if self._pixmap is not None and not self._pixmap.isNull():
            scaled = self._pixmap.scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation)
            x = (self.width() - scaled.width()) // 2
            y = (self.height() - scaled.height()) // 2
            painter.drawPixmap(x, y, scaled)
        if self._caption:
            painter.setPen(QColor("#d8d9e0"))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._caption)
        painter.end()


class PreviewPlayer(QWidget):
    """Play/pause, seek, volume over one media player.

    Signals:
        loaded(str): a source finished loading (its path).

    Attributes:
        player: the QMediaPlayer (for tests: mediaStatus, position).
        video: the QVideoWidget.
        audio: the QAudioOutput.
    """

    loaded = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPlayer")
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.audio.setVolume(0.8)
        self.player.setAudioOutput(self.audio)
        # Size limits go on a plain container: QVideoWidget is backed by a native window, and
        # setting them on it directly makes some platform plugins warn.
        self.frame = QWidget(self)
        self.frame.setMinimumHeight(90)
        self.frame.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.video = QVideoWidget(self.frame)
        self.poster = Poster(self.frame)
        for screen in (self.video, self.poster):  # a video's own size never sizes the window
            screen.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._screens = QStackedLayout(self.frame)
        self._screens.setContentsMargins(0, 0, 0, 0)
        self._screens.addWidget(self.poster)
        self._screens.addWidget(self.video)
        self.player.setVideoOutput(self.video)
        self._source = ""
        self._seeking = False
        self._build_controls()
        self._wire()
        self._update_buttons()

    # -- layout -----------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.title = ElidedLabel("Nothing to preview yet — render the project or preview a scene.")
        self.title.setObjectName("previewTitle")
        style = self.style()
        self.play_button = QToolButton()
        self.play_button.setObjectName("previewPlay")
        self.play_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.play_button.setToolTip("Play / pause (Space)")
        self.seek = QSlider(Qt.Orientation.Horizontal)
        self.seek.setObjectName("previewSeek")
        self.seek.setToolTip("Seek")
        self.time_label = QLabel("0:00 / 0:00")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(80)
        self.volume.setToolTip("Volume")
        volume_icon = QLabel()
        volume_icon.setPixmap(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaVolume).pixmap(16, 16)
        )
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.seek, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(volume_icon)
        controls.addWidget(self.volume)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame, 1)
        layout.addLayout(controls)
        layout.addWidget(self.title)

    def _wire(self) -> None:
        self.play_button.clicked.connect(self.toggle)
        self.seek.sliderPressed.connect(lambda: setattr(self, "_seeking", True))
        self.seek.sliderReleased.connect(self._seek_released)
        self.volume.valueChanged.connect(lambda v: self.audio.setVolume(v / 100))
        self.player.durationChanged.connect(self._duration_changed)
        self.player.positionChanged.connect(self._position_changed)
        self.player.playbackStateChanged.connect(self._state_changed)
        self.player.mediaStatusChanged.connect(self._status_changed)
        self.player.errorOccurred.connect(self._error)

    # -- API --------------------------------------------------------------------------------------
    @property
    def source(self) -> str:
        return self._source

    def load(self, path: Path, title: str, *, autoplay: bool = False,
             poster: QPixmap | None = None, caption: str = "") -> None:
        """Show ``path`` (a render or a scene's audio) in the one player.

        ``poster`` (and ``caption``) show until the video has a picture to show.
        """
        self._source = str(path)
        self.title.setText(title)
        self.poster.show_poster(poster, caption or ("" if poster else "▶  Press play"))
        self._screens.setCurrentWidget(self.poster)
        self._invoke("setSource", Q_ARG(QUrl, QUrl.fromLocalFile(str(path))))
        if autoplay:
            self._invoke("play")
        self._update_buttons()

    def clear(self) -> None:
        """Stop and forget the source (queued, like every stop)."""
        self._source = ""
        self.title.setText("Nothing to preview yet — render the project or preview a scene.")
        self.poster.show_poster(None, "No video yet")
        self._screens.setCurrentWidget(self.poster)
        self._invoke("stop")
        self._invoke("setSource", Q_ARG(QUrl, QUrl()))
        self._update_buttons()

    @Slot()
    def toggle(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self._invoke("pause")
        elif self._source:
            self._invoke("play")

    def play(self) -> None:
        self._invoke("play")

    def stop(self) -> None:
        """Stop playback (queued, like every player command)."""
        self._invoke("stop")

    def _invoke(self, slot: str, *args: object) -> None:
        QMetaObject.invokeMethod(  # type: ignore[call-overload]
            self.player, slot, Qt.ConnectionType.QueuedConnection, *args)

    def current_frame(self) -> QImage:
        """The frame on screen, for tests and screenshots (grab() of video is blank)."""
        return self.video.videoSink().videoFrame().toImage()

    def paint_video_into(self, target: QPixmap, top_level: QWidget) -> None:
        """Draw the current video frame where the video widget sits in ``top_level``'s grab."""
        if not self.video.isVisible():
            return
        frame = self.current_frame()
        if frame.isNull():
            return
        area = self.video.rect()
        area.moveTopLeft(self.video.mapTo(top_level, area.topLeft()))
        scaled = frame.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio,
                              Qt.TransformationMode.SmoothTransformation)
        painter = QPainter(target)
        painter.fillRect(area, QColor("#000000"))
        painter.drawImage(area.x() + (area.width() - scaled.width()) // 2,
                          area.y() + (area.height() - scaled.height()) // 2, scaled)
        painter.end()

    # -- slots ------------------------------------------------------------------------------------
    def _seek_released(self) -> None:
        self._seeking = False
        self._invoke("setPosition", Q_ARG("qlonglong", self.seek.value() * 1000 // SEEK_SCALE))

    def _duration_changed(self, duration_ms: int) -> None:
        self.seek.setRange(0, duration_ms * SEEK_SCALE // 1000)
        self._show_time(self.player.position(), duration_ms)

    def _position_changed(self, position_ms: int) -> None:
        if not self._seeking:
            self.seek.setValue(position_ms * SEEK_SCALE // 1000)
        self._show_time(position_ms, self.player.duration())

    def _show_time(self, position_ms: int, duration_ms: int) -> None:
        self.time_label.setText(
            f"{format_duration(position_ms / 1000)} / {format_duration(duration_ms / 1000)}"
        )

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia:
            self.loaded.emit(self._source)
        self._update_buttons()

    def _error(self, _error: QMediaPlayer.Error, text: str) -> None:
        self.title.setText(f"Can't play this file: {text or 'unknown error'}")

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        showing_video = state != QMediaPlayer.PlaybackState.StoppedState and \
            self.player.hasVideo()
        self._screens.setCurrentWidget(self.video if showing_video else self.poster)
        self._update_buttons()

    def _update_buttons(self) -> None:
        playing = self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState
        sp = QStyle.StandardPixmap
        self.play_button.setIcon(self.style().standardIcon(
            sp.SP_MediaPause if playing else sp.SP_MediaPlay))
        self.play_button.setEnabled(bool(self._source))
        self.seek.setEnabled(bool(self._source))
