"""The setup checklist: shown on first launch, and later from Help → Setup checklist….

It says what is ready (the natural voice, script writing, a media folder) and offers to fix
what isn't. Studio works without any of it, so nothing here is required: the creator can skip
the whole page, and that choice is remembered like finishing it is.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from studio import APP_NAME
from studio.gui.job_runner import JobRunner
from studio.gui.qt_helpers import named
from studio.gui.setup_sections import GroqRow, MediaRow, VoiceRow
from studio.gui.stock_keys import StockRow
from studio.gui.workspace import Workspace

#: QSettings key: "completed" or "skipped" once the first-run checklist was closed.
FIRST_RUN_KEY = "setup/firstRun"
#: The tallest the checklist opens (a 1024x700 screen less its panel and title bar); longer
#: content scrolls inside it.
FIT_HEIGHT = 600


def first_run_pending(settings: QSettings) -> bool:
    """True until the creator has finished or skipped the first-run checklist."""
    return not settings.value(FIRST_RUN_KEY, "")


class SetupChecklist(QDialog):
    """What Studio needs, what's ready, and a button for each thing that isn't.

    Closing it in any way records the first run as done ("Done": completed; "Skip for now",
    Esc or the close button: skipped). A running download goes on after it closes; the window's
    status bar shows it.

    Signals:
        voiceChanged(): Kokoro's folder setting changed.

    Attributes:
        voice, groq, media, stock: the checklist's rows.
    """

    voiceChanged = Signal()

    def __init__(self, workspace: Workspace, jobs: JobRunner, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupChecklist")
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setMinimumWidth(600)
        self._settings = settings
        title = QLabel(f"Welcome to {APP_NAME}")
        title.setWordWrap(True)
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        title.setFont(font)
        intro = QLabel("Studio works right away. These extras make your videos better; each one "
                       "can be set up now or later (Help → Setup checklist…).")
        intro.setWordWrap(True)
        self.voice = VoiceRow(workspace, jobs)
        self.groq = GroqRow(workspace, settings)
        self.media = MediaRow(workspace)
        self.stock = StockRow(workspace)
        buttons = QDialogButtonBox()
        self.done_button = named(buttons.addButton("Done", QDialogButtonBox.ButtonRole.AcceptRole),
                                 "setupDone")
        self.skip_button = named(buttons.addButton("Skip for now",
                                                   QDialogButtonBox.ButtonRole.RejectRole),
                                 "setupSkip")
        self.done_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        page = QWidget()
        content = QVBoxLayout(page)
        content.addWidget(title)
        content.addWidget(intro)
        content.addSpacing(8)
        for row in (self.voice, self.groq, self.media, self.stock):
            content.addWidget(row)
        content.addStretch(1)
        self.scroll_area = named(QScrollArea(), "setupScroll")  # fits a 1024x700 screen
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(page)
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        self.scroll_area.setMinimumWidth(page.minimumSizeHint().width() + bar)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll_area, 1)
        layout.addWidget(buttons)
        self.resize(self.minimumSizeHint().width(),
                    min(FIT_HEIGHT, page.sizeHint().height() + buttons.sizeHint().height() + 24))
        self.voice.voiceChanged.connect(self.voiceChanged)
        self.finished.connect(self._remember)

    def refresh(self) -> None:
        """Check everything again (the creator may have changed things in Settings)."""
        for row in (self.voice, self.groq, self.media, self.stock):
            row.refresh()

    def shutdown(self) -> None:
        """Let the key check's thread end (the window is closing)."""
        self.groq.shutdown()
        self.stock.shutdown()

    def _remember(self, result: int) -> None:
        outcome = "completed" if result == QDialog.DialogCode.Accepted.value else "skipped"
        self._settings.setValue(FIRST_RUN_KEY, outcome)
        self._settings.sync()
