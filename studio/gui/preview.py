"""The preview player: one long-lived QMediaPlayer per window for renders and scene previews.

The player and its QAudioOutput are created once with the widget and never per clip (creating
and destroying QMediaPlayer + QAudioOutput under stress crashes some PySide6 builds). Every
command to the player (source, play, pause, stop, seek, rate) is a *queued native* call
(``QMetaObject.invokeMethod`` by slot name): Qt runs it from the event loop without Python's
GIL. ``stop`` and ``setSource`` wait for the player's audio thread, and if that thread needs the
GIL (a Python Qt message handler, as pytest-qt installs) a direct call from Python deadlocks.

The picture is painted by ``VideoView`` from a ``QVideoSink``, letterboxed, instead of a
QVideoWidget: a plain widget never hands its video's size to the window (a 9:16 render used to
make the window taller than the screen), takes mouse events (double-click for full screen), and
shows up in ``grab()`` (screenshots). The controls and the picture live in one ``body`` that
moves, whole, into a ``PlayerWindow`` to pop out or go full screen, and back when it closes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Q_ARG, QMetaObject, QPoint, QRect, QSize, Qt, QUrl, Signal, Slot
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtMultimedia import QAudioOutput, QMediaMetaData, QMediaPlayer, QVideoSink
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
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
#: Frame rate assumed when the file doesn't say (Studio renders at 30 by default).
DEFAULT_FPS = 30.0
#: How far J jumps back, in milliseconds.
JUMP_BACK_MS = 5000
#: The fastest repeated L plays (1x, 2x, 4x).
MAX_RATE = 4.0
#: The popped-out window's size: tall enough to read a 9:16 video's captions.
POP_OUT_SIZE = QSize(560, 860)
NOTHING_LOADED = "Nothing to preview yet — render the project or preview a scene."


def _letterbox(image_size: QSize, area: QSize) -> tuple[int, int, int, int]:
    """``(x, y, w, h)`` of ``image_size`` fitted inside ``area`` with its aspect kept."""
    fitted = image_size.scaled(area, Qt.AspectRatioMode.KeepAspectRatio)
    return (
        (area.width() - fitted.width()) // 2,
        (area.height() - fitted.height()) // 2,
        fitted.width(),
        fitted.height(),
    )


class _Screen(QWidget):
    """A surface of the preview: small size hints (never grows the window), double-click.

    Signals:
        doubleClicked(): the creator double-clicked it (full screen).
        pressed(): the creator clicked it (the player takes the keyboard).
    """

    doubleClicked = Signal()
    pressed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def sizeHint(self) -> QSize:
        return QSize(320, 180)

    def minimumSizeHint(self) -> QSize:
        return QSize(96, 54)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.pressed.emit()
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.doubleClicked.emit()
        event.accept()


class Poster(_Screen):
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
            x, y, w, h = _letterbox(self._pixmap.size(), self.size())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(x, y, w, h, self._pixmap)
        if self._caption:
            painter.setPen(QColor("#d8d9e0"))
            painter.drawText(
                self.rect().adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self._caption,
            )
        painter.end()


class VideoView(_Screen):
    """The playing video, painted from a sink, letterboxed on black."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(lambda _frame: self.update())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#000000"))
        image = self.sink.videoFrame().toImage()
        if not image.isNull():
            x, y, w, h = _letterbox(image.size(), self.size())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRect(x, y, w, h), image)
        painter.end()


class SeekBar(QSlider):
    """A horizontal slider that jumps to where it is clicked (then drags from there)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.maximum() > self.minimum():
            self.setValue(self.value_at(event.position().toPoint()))
        super().mousePressEvent(event)  # the handle is now under the pointer: a drag starts

    def value_at(self, point: QPoint) -> int:
        """The value under ``point`` (in the slider's coordinates)."""
        handle = self.style().pixelMetric(QStyle.PixelMetric.PM_SliderLength, None, self)
        return QStyle.sliderValueFromPosition(
            self.minimum(), self.maximum(), point.x() - handle // 2, self.width() - handle
        )


class PlayerWindow(QWidget):
    """The player's own window: popped out (resizable) or full screen. Esc closes full screen.

    Signals:
        closed(): the window closed (the player goes back to its place).
        keyPressed(QKeyEvent): a key for the player.
    """

    closed = Signal()
    keyPressed = Signal(QKeyEvent)

    def __init__(self, body: QWidget, title: str) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.setObjectName("previewWindow")
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet("QWidget#previewWindow { background: #000; } QLabel { color: #e6e7ee; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(body)
        body.show()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.close()
            return
        self.keyPressed.emit(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.closed.emit()
        super().closeEvent(event)


class PreviewPlayer(QWidget):
    """Play/pause, seek, volume over one media player; keyboard, full screen, pop-out.

    Keys (with the player focused, or its own window): Space play/pause; J back 5 s, K pause,
    L play (again: faster, up to 4x); Left/Right one frame (pausing first); Home/End.

    Signals:
        loaded(str): a source finished loading (its path).

    Attributes:
        player: the QMediaPlayer (for tests: mediaStatus, position).
        video: the VideoView painting the frames.
        poster: what shows while no video plays.
        audio: the QAudioOutput.
        body: the picture and controls (moved into ``window`` while popped out).
        own_window: the player's own window while it is popped out or full screen, else None.
    """

    loaded = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewPlayer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.audio.setVolume(0.8)
        self.player.setAudioOutput(self.audio)
        self.body = QWidget(self)
        self.frame = QWidget(self.body)
        self.frame.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.frame.setMinimumHeight(60)  # small: the window must fit a laptop
        self.video = VideoView(self.frame)
        self.poster = Poster(self.frame)
        for screen in (self.video, self.poster):  # a video's own size never sizes the window
            screen.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self._screens = QStackedLayout(self.frame)
        self._screens.setContentsMargins(0, 0, 0, 0)
        self._screens.addWidget(self.poster)
        self._screens.addWidget(self.video)
        self.player.setVideoSink(self.video.sink)
        self.own_window: PlayerWindow | None = None
        self._was_popped_out = False
        self._source = ""
        self._seeking = False
        self._build_controls()
        self._build_away_note()
        self._wire()
        self._update_buttons()

    # -- layout -----------------------------------------------------------------------------------
    def _build_controls(self) -> None:
        self.title = ElidedLabel(NOTHING_LOADED)
        self.title.setObjectName("previewTitle")
        self.play_button = self._tool_button("previewPlay", "Play / pause (Space)")
        self.seek = SeekBar()
        self.seek.setObjectName("previewSeek")
        self.seek.setToolTip("Click to jump there; J/K/L, ←/→ one frame, Home/End")
        self.time_label = QLabel("")
        self.time_label.setObjectName("previewTime")
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.volume.setRange(0, 100)
        self.volume.setValue(80)
        self.volume.setMaximumWidth(70)
        self.volume.setToolTip("Volume")
        self.pop_button = self._tool_button("previewPopOut", "Open the player in its own window")
        self.pop_button.setText("Pop out")
        self.full_button = self._tool_button(
            "previewFullScreen", "Full screen (double-click the video; Esc leaves)"
        )
        self.full_button.setIcon(
            self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarMaxButton)
        )
        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        controls.addWidget(self.volume)
        controls.addWidget(self.pop_button)
        controls.addWidget(self.full_button)
        # The bar has a row of its own, as in most players: however narrow the column, it stays
        # long enough to click a point on it.
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.frame, 1)
        layout.addWidget(self.seek)
        layout.addLayout(controls)
        layout.addWidget(self.title)
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(0, 0, 0, 0)
        self._outer.addWidget(self.body, 1)

    def _tool_button(self, name: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return button

    def _build_away_note(self) -> None:
        """What the player's place shows while it plays in its own window."""
        self.away = QWidget(self)
        note = QLabel("The preview is open in its own window.")
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.put_back_button = QPushButton("Put it back here")
        self.put_back_button.setObjectName("previewPutBack")
        self.put_back_button.clicked.connect(self.put_back)
        layout = QVBoxLayout(self.away)
        layout.addStretch(1)
        layout.addWidget(note)
        layout.addWidget(self.put_back_button, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        self._outer.addWidget(self.away, 1)
        self.away.hide()

    def _wire(self) -> None:
        self.play_button.clicked.connect(self.toggle)
        self.play_button.clicked.connect(self._take_keyboard)  # then Space, J/K/L work
        self.pop_button.clicked.connect(self._pop_clicked)
        self.full_button.clicked.connect(self.toggle_full_screen)
        for screen in (self.video, self.poster):
            screen.doubleClicked.connect(self.toggle_full_screen)
            screen.pressed.connect(self._take_keyboard)
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

    @property
    def playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def load(
        self,
        path: Path,
        title: str,
        *,
        autoplay: bool = False,
        poster: QPixmap | None = None,
        caption: str = "",
    ) -> None:
        """Show ``path`` (a render or a scene's preview) in the one player.

        ``poster`` (and ``caption``) show until the video has a picture to show.
        """
        self._source = str(path)
        self.title.setText(title)
        self.time_label.setText("")
        self.poster.show_poster(poster, caption or ("" if poster else "▶  Press play"))
        self._screens.setCurrentWidget(self.poster)
        self._invoke("setPlaybackRate", Q_ARG("qreal", 1.0))
        self._invoke("setSource", Q_ARG(QUrl, QUrl.fromLocalFile(str(path))))
        if autoplay:
            self._invoke("play")
        self._update_buttons()

    def clear(self) -> None:
        """Stop and forget the source (queued, like every stop); no time is shown."""
        self._source = ""
        self.title.setText(NOTHING_LOADED)
        self.time_label.setText("")
        self.seek.setRange(0, 0)
        self.poster.show_poster(None, "No video yet")
        self._screens.setCurrentWidget(self.poster)
        self._invoke("stop")
        self._invoke("setSource", Q_ARG(QUrl, QUrl()))
        self._update_buttons()

    @Slot()
    def toggle(self) -> None:
        if self.playing:
            self._invoke("pause")
        elif self._source:
            self._invoke("play")

    def play(self) -> None:
        self._invoke("play")

    def pause(self) -> None:
        self._invoke("pause")

    def stop(self) -> None:
        """Stop playback (queued, like every player command)."""
        self._invoke("stop")

    def seek_to(self, position_ms: int) -> None:
        """Jump to ``position_ms`` (clamped to the video)."""
        if not self._source:
            return
        duration = self.player.duration()
        position_ms = max(0, position_ms if duration <= 0 else min(position_ms, duration))
        self.seek.setValue(position_ms * SEEK_SCALE // 1000)
        self._invoke("setPosition", Q_ARG("qlonglong", position_ms))

    @property
    def frame_ms(self) -> float:
        """One frame of the loaded video, in milliseconds (30 fps when it doesn't say)."""
        rate = self.player.metaData().value(QMediaMetaData.Key.VideoFrameRate)
        fps = float(rate) if isinstance(rate, int | float) and rate > 0 else DEFAULT_FPS
        return 1000.0 / fps

    def step_frames(self, frames: int) -> None:
        """Pause and move ``frames`` frames (negative: back)."""
        if not self._source:
            return
        if self.player.playbackState() != QMediaPlayer.PlaybackState.PausedState:
            self._invoke("pause")
        self.seek_to(round(self.player.position() + frames * self.frame_ms))

    def faster(self) -> None:
        """L: play; pressed again while playing, twice as fast (up to ``MAX_RATE``)."""
        if not self._source:
            return
        rate = min(self.player.playbackRate() * 2, MAX_RATE) if self.playing else 1.0
        self._invoke("setPlaybackRate", Q_ARG("qreal", rate))
        self._invoke("play")

    def halt(self) -> None:
        """K: pause at normal speed."""
        self._invoke("pause")
        self._invoke("setPlaybackRate", Q_ARG("qreal", 1.0))

    def handle_key(self, event: QKeyEvent) -> bool:
        """The player's keys; True if ``event`` was one of them."""
        key = Qt.Key
        actions = {
            key.Key_Space: self.toggle,
            key.Key_K: self.halt,
            key.Key_L: self.faster,
            key.Key_J: lambda: self.seek_to(self.player.position() - JUMP_BACK_MS),
            key.Key_Left: lambda: self.step_frames(-1),
            key.Key_Right: lambda: self.step_frames(1),
            key.Key_Home: lambda: self.seek_to(0),
            key.Key_End: lambda: self.seek_to(self.player.duration()),
        }
        action = actions.get(Qt.Key(event.key()))
        if action is None or event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        action()
        return True

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.handle_key(event):
            super().keyPressEvent(event)

    # -- its own window ---------------------------------------------------------------------------
    def pop_out(self) -> PlayerWindow:
        """Open the player in its own resizable window (closing it puts the player back)."""
        window = self._own_window()
        window.showNormal()
        self._was_popped_out = True
        return window

    def toggle_full_screen(self) -> None:
        """Full screen, or back from it (to the popped-out window if it was one)."""
        window = self.own_window
        if window is not None and window.isFullScreen():
            if self._was_popped_out:
                window.showNormal()
            else:
                window.close()
            return
        self._own_window().showFullScreen()

    def _pop_clicked(self) -> None:
        if self.own_window is None:
            self.pop_out()
        else:
            self.put_back()

    def put_back(self) -> None:
        """Close the player's own window: the player returns to its place."""
        if self.own_window is not None:
            self.own_window.close()

    def _own_window(self) -> PlayerWindow:
        if self.own_window is None:
            self.own_window = PlayerWindow(self.body, self._window_title())
            self.own_window.closed.connect(self._window_closed)
            self.own_window.keyPressed.connect(self.handle_key)
            self.own_window.resize(self._pop_out_size())
            self.pop_button.setText("Put back")
            self.away.show()
        return self.own_window

    def _pop_out_size(self) -> QSize:
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return POP_OUT_SIZE
        return POP_OUT_SIZE.boundedTo(screen.availableGeometry().size() * 0.9)

    def _window_title(self) -> str:
        return f"Preview — {self.title.text()}" if self._source else "Preview"

    def _window_closed(self) -> None:
        self.own_window = None
        self._was_popped_out = False
        self.pop_button.setText("Pop out")
        self._outer.insertWidget(0, self.body, 1)
        self.body.show()
        self.away.hide()

    def _take_keyboard(self) -> None:
        (self.own_window or self).setFocus(Qt.FocusReason.MouseFocusReason)

    # -- frames -----------------------------------------------------------------------------------
    def _invoke(self, slot: str, *args: object) -> None:
        QMetaObject.invokeMethod(  # type: ignore[call-overload]
            self.player, slot, Qt.ConnectionType.QueuedConnection, *args
        )

    def current_frame(self) -> QImage:
        """The frame on screen, for tests and screenshots."""
        return self.video.sink.videoFrame().toImage()

    def paint_video_into(self, target: QPixmap, top_level: QWidget) -> None:
        """Nothing to add: the video view paints itself, so ``grab()`` already shows it."""

    # -- slots ------------------------------------------------------------------------------------
    def _seek_released(self) -> None:
        self._seeking = False
        self.seek_to(self.seek.value() * 1000 // SEEK_SCALE)

    def _duration_changed(self, duration_ms: int) -> None:
        if self._source:
            self.seek.setRange(0, duration_ms * SEEK_SCALE // 1000)
            self._show_time(self.player.position(), duration_ms)

    def _position_changed(self, position_ms: int) -> None:
        if not self._source:
            return
        if not self._seeking:
            self.seek.setValue(position_ms * SEEK_SCALE // 1000)
        self._show_time(position_ms, self.player.duration())

    def _show_time(self, position_ms: int, duration_ms: int) -> None:
        if not self._source or duration_ms <= 0:
            self.time_label.setText("")
            return
        self.time_label.setText(
            f"{format_duration(position_ms / 1000)} / {format_duration(duration_ms / 1000)}"
        )

    def _status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._source:
            self.loaded.emit(self._source)
        self._update_buttons()

    def _error(self, _error: QMediaPlayer.Error, text: str) -> None:
        if self._source:
            self.title.setText(f"Can't play this file: {text or 'unknown error'}")

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        showing_video = state != QMediaPlayer.PlaybackState.StoppedState and self.player.hasVideo()
        self._screens.setCurrentWidget(self.video if showing_video else self.poster)
        self._update_buttons()

    def _update_buttons(self) -> None:
        sp = QStyle.StandardPixmap
        self.play_button.setIcon(
            self.style().standardIcon(sp.SP_MediaPause if self.playing else sp.SP_MediaPlay)
        )
        self.play_button.setEnabled(bool(self._source))
        self.seek.setEnabled(bool(self._source))
