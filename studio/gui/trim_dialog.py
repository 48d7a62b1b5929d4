"""Trim a scene's clip: choose where it starts and stops with a scrubber, In/Out (I/O keys) and
exact seconds, seeing the part's length next to the scene's.

The dialog only says what the creator chose (``trimmed``); the scene editor makes it an undoable
command. The clip plays without sound (a scene's clip is silent in the video, under the voice).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from studio.gui.qt_helpers import named

#: Spin boxes step and show hundredths of a second.
DECIMALS = 2


class TrimDialog(QDialog):
    """In and out points of one clip.

    Signals:
        trimmed(str, float, object): scene id, in point, out point (None: the clip's end).

    Attributes:
        player: the (silent) player behind the scrubber.
        in_spin, out_spin: the points in seconds.
    """

    trimmed = Signal(str, float, object)

    def __init__(
        self,
        scene_id: str,
        clip: Path,
        clip_seconds: float,
        scene_seconds: float,
        in_point: float,
        out_point: float | None,
        *,
        title: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("trimDialog")
        self.setWindowTitle(title)
        self.scene_id = scene_id
        self._clip_seconds = max(clip_seconds, 0.01)
        self._scene_seconds = scene_seconds
        self.video = QVideoWidget()
        self.video.setMinimumSize(240, 135)
        self.player = QMediaPlayer(self)
        self.player.setVideoOutput(self.video)
        self.player.setSource(QUrl.fromLocalFile(str(clip)))
        self._build()
        self.in_spin.setValue(min(in_point, self._clip_seconds))
        self.out_spin.setValue(
            self._clip_seconds if out_point is None else min(out_point, self._clip_seconds)
        )
        self._update_length()

    def _build(self) -> None:
        self.scrubber = named(QSlider(Qt.Orientation.Horizontal), "trimScrubber")
        self.scrubber.setRange(0, round(self._clip_seconds * 1000))
        self.play_button = named(QPushButton("Play"), "trimPlay")
        self.in_button = named(QPushButton("Set In (I)"), "trimSetIn")
        self.out_button = named(QPushButton("Set Out (O)"), "trimSetOut")
        self.in_spin = self._spin("trimIn")
        self.out_spin = self._spin("trimOut")
        self.length = named(QLabel(), "trimLength")
        self.length.setWordWrap(True)
        self.save_button = named(QPushButton("Save"), "trimSave")
        cancel = QPushButton("Cancel")
        for button in (self.play_button, self.in_button, self.out_button, cancel):
            button.setAutoDefault(False)
        transport = QHBoxLayout()
        transport.addWidget(self.play_button)
        transport.addWidget(self.scrubber, 1)
        points = QFormLayout()
        points.addRow(self.in_button, self.in_spin)
        points.addRow(self.out_button, self.out_spin)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.video, 1)
        layout.addLayout(transport)
        layout.addLayout(points)
        layout.addWidget(self.length)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("I"), self, self.set_in)
        QShortcut(QKeySequence("O"), self, self.set_out)
        self.play_button.clicked.connect(self._toggle_play)
        self.in_button.clicked.connect(self.set_in)
        self.out_button.clicked.connect(self.set_out)
        self.scrubber.sliderMoved.connect(self.player.setPosition)
        self.player.positionChanged.connect(self._position_changed)
        self.in_spin.valueChanged.connect(self._update_length)
        self.out_spin.valueChanged.connect(self._update_length)
        self.save_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        self.resize(560, 460)

    def _spin(self, name: str) -> QDoubleSpinBox:
        spin = named(QDoubleSpinBox(), name)
        spin.setDecimals(DECIMALS)
        spin.setSingleStep(0.1)
        spin.setRange(0.0, self._clip_seconds)
        spin.setSuffix(" s")
        return spin

    # -- behaviour --------------------------------------------------------------------------------
    def position(self) -> float:
        """Seconds into the clip where the scrubber is."""
        return self.scrubber.value() / 1000

    def seek(self, seconds: float) -> None:
        """Move the scrubber (and the player) to ``seconds`` into the clip."""
        self.scrubber.setValue(round(seconds * 1000))
        self.player.setPosition(round(seconds * 1000))

    def set_in(self) -> None:
        self.in_spin.setValue(self.position())

    def set_out(self) -> None:
        self.out_spin.setValue(self.position())

    def points(self) -> tuple[float, float | None]:
        """``(in, out)``; out is None when it is the clip's end (the clip may be replaced by a
        longer copy later, and "to the end" should stay true)."""
        start, end = self.in_spin.value(), self.out_spin.value()
        return start, None if end >= self._clip_seconds - 10**-DECIMALS else end

    def _update_length(self) -> None:
        start, end = self.in_spin.value(), self.out_spin.value()
        valid = end > start
        self.save_button.setEnabled(valid)
        if not valid:
            self.length.setText("The end must come after the start.")
            return
        part = end - start
        text = f"The clip plays {part:.1f} s · the scene lasts {self._scene_seconds:.1f} s"
        if part + 0.05 < self._scene_seconds:
            text += f" (its last frame holds for {self._scene_seconds - part:.1f} s)"
        self.length.setText(text)

    def _position_changed(self, milliseconds: int) -> None:
        if not self.scrubber.isSliderDown():
            self.scrubber.setValue(milliseconds)

    def _toggle_play(self) -> None:
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            self.player.pause()
            self.play_button.setText("Play")
        else:
            self.player.play()
            self.play_button.setText("Pause")

    def save(self) -> None:
        start, end = self.points()
        if end is not None and end <= start:
            return
        self.accept()
        self.trimmed.emit(self.scene_id, start, end)

    def done(self, result: int) -> None:
        self.player.stop()
        super().done(result)
