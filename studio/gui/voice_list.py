"""Voice lists the creator can trust and hear: usable voices first, each one playable.

``add_voices`` fills any voice combo the same way (the voices that speak as named first, those
that can't after a separator and a heading saying why); ``audition_button`` is the ▶ beside a
list; ``Auditioner`` speaks a sample of the chosen voice through the real voice path, as a job,
and hands the WAV to the window's preview.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QStyle, QToolButton, QWidget

from studio.gui import operations
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.workers import human_message
from studio.gui.workspace import VoiceOption, Workspace

#: The heading over the voices that can't speak as named yet.
NEEDS_KOKORO = "Natural voices: they need Kokoro; until it is installed, the draft voice speaks"
#: The job lane of auditions: a sample never waits for (or blocks) a render or an import.
AUDITION_LANE = "voice-sample"


def add_voices(combo: QComboBox, voices: Sequence[VoiceOption]) -> None:
    """Append ``voices`` to ``combo``: usable ones, then a separator, a disabled heading and
    the unusable ones (still selectable: a project may already use one)."""
    usable = [v for v in voices if v.usable]
    for voice in usable:
        combo.addItem(voice.label, voice.id)
    unusable = [v for v in voices if not v.usable]
    if not unusable:
        return
    combo.insertSeparator(combo.count())
    combo.addItem(NEEDS_KOKORO, "")
    model = combo.model()
    if isinstance(model, QStandardItemModel):
        heading = model.item(combo.count() - 1)
        heading.setEnabled(False)
        heading.setSelectable(False)
    for voice in unusable:
        combo.addItem(f"    {voice.label}", voice.id)
        combo.setItemData(
            combo.count() - 1, f"{voice.label}: {NEEDS_KOKORO}", Qt.ItemDataRole.ToolTipRole
        )


def audition_button(request: Callable[[], None], parent: QWidget | None = None) -> QToolButton:
    """The speaker beside a voice list: ``request`` asks for a sample of the voice chosen."""
    button = QToolButton(parent)
    button.setObjectName("auditionVoice")
    button.setAutoRaise(True)
    button.setIcon(button.style().standardIcon(QStyle.StandardPixmap.SP_MediaVolume))
    button.setToolTip("Hear this voice say a short sentence")
    button.setAccessibleName("Hear this voice")
    button.clicked.connect(request)
    return button


class Auditioner(QObject):
    """Speaks a sample of the voice asked for (``Workspace.auditionRequested``) in a job, then
    hands the WAV to ``play(path, title)``; a failure goes to the status bar."""

    def __init__(
        self,
        workspace: Workspace,
        jobs: JobRunner,
        play: Callable[[Path, str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self._jobs = jobs
        self._play = play
        workspace.auditionRequested.connect(self.audition)

    def audition(self, voice_id: str) -> bool:
        """Start speaking the sample; False if there is no voice or a sample is being made."""
        if not voice_id:
            return False
        title = f"Voice sample — {self._workspace.voice_label(voice_id).strip()}"
        started = (
            Op(
                title,
                operations.audition_voice(self._workspace.library, voice_id),
                kind="audition",
                lane=AUDITION_LANE,
            )
            .success(lambda path: self._play(path, title))
            .failure(lambda error: self._workspace.report_error(human_message(error)))
            .run_on(self._jobs)
        )
        return started is not None
