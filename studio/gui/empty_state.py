"""The first-launch page: a friendly welcome offering the sample project or a new one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from studio.gui.qt_helpers import named
from studio.gui.resources import app_icon

COLUMN_WIDTH = 560
PRIMARY_BUTTON = (
    "QPushButton { background: palette(highlight); color: palette(highlighted-text);"
    " border: none; border-radius: 6px; padding: 8px 20px; font-weight: bold; }"
    "QPushButton:disabled { background: palette(mid); }"
)


class WelcomePage(QWidget):
    """Shown while the library has no projects.

    Signals:
        sampleRequested(): "Try the sample project" (creates and renders it).
        newProjectRequested(): "New project…".
    """

    sampleRequested = Signal()
    newProjectRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePage")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(112, 112))
        icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel("Welcome to Studio")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 2.0)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        blurb = QLabel("Turn a topic or your own script into a narrated video — "
                       "voice, pictures, captions and all, made right here on your computer.")
        blurb.setWordWrap(True)
        blurb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.sample_button = named(QPushButton("Try the sample project"), "trySample")
        self.sample_button.setDefault(True)
        self.sample_button.setMinimumHeight(40)
        self.sample_button.setMinimumWidth(220)
        self.new_button = named(QPushButton("New project…"), "newProjectButton")
        self.new_button.setMinimumHeight(40)
        self.voice_note = named(QLabel(), "sampleVoiceNote")
        self.voice_note.setWordWrap(True)
        self.voice_note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.voice_note.setEnabled(False)  # muted text
        self.sample_button.clicked.connect(self.sampleRequested)
        self.new_button.clicked.connect(self.newProjectRequested)
        self.sample_button.setStyleSheet(PRIMARY_BUTTON)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sample_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        # Wrapped labels go in a fixed-width column: centring them with a layout alignment
        # would give them their one-line height and clip the text.
        column = QWidget()
        column.setFixedWidth(COLUMN_WIDTH)
        inner = QVBoxLayout(column)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(icon)
        inner.addSpacing(8)
        inner.addWidget(title)
        inner.addWidget(blurb)
        inner.addSpacing(20)
        inner.addLayout(buttons)
        inner.addSpacing(8)
        inner.addWidget(self.voice_note)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(column)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_voice_available(self, kokoro: bool) -> None:
        """Say which voice the sample will use (the draft voice is labelled as such)."""
        self.voice_note.setText(
            "The sample is a one-minute video about bees, made offline in about a minute."
            if kokoro else
            "The sample is a one-minute video about bees, made offline. It uses the robotic "
            "draft voice because Kokoro's natural voice files aren't installed yet "
            "(add them from Help → Setup checklist…).")

    def set_busy(self, busy: bool) -> None:
        self.sample_button.setEnabled(not busy)
        self.sample_button.setText("Making the sample…" if busy else "Try the sample project")
