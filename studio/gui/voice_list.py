"""Voice lists the creator can trust and hear: the project's language first, each one playable.

``add_voices`` fills any voice combo the same way: the voices of the text's language (Kokoro's,
then the creator's blends under "Your blends", then the draft voices, then those that can't
speak as named yet under a heading saying why), then a heading saying the others read the text
with a foreign accent and every other language's voices, each labelled with its language.
``audition_button`` is the ▶ beside a list; ``Auditioner`` speaks a sample of the chosen voice
through the real voice path, as a job, and hands the WAV to the window's preview.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QStyle, QToolButton, QWidget

from studio.gui import operations
from studio.gui.job_runner import Job, JobRunner
from studio.gui.op import Op
from studio.gui.workers import human_message
from studio.gui.workspace import Workspace
from studio.languages import find_language
from studio.pipeline.voice_catalogue import BLEND_KIND, KOKORO_KIND, VoiceEntry

#: The heading over the voices that can't speak as named yet.
NEEDS_KOKORO = "Natural voices: they need Kokoro; until it is installed, the draft voice speaks"
#: The heading over the voices of the other languages.
OTHER_LANGUAGES = "Other languages — they read this text with a foreign accent"
#: The heading over the creator's blends of the text's language.
YOUR_BLENDS = "Your blends"
#: The last entry of a voice list that can open the blend dialog.
NEW_BLEND = "New blend…"
#: The data of that entry (never a voice id: ids have no spaces).
NEW_BLEND_DATA = "new blend"
#: The job lane of auditions: a sample never waits for (or blocks) a render or an import.
AUDITION_LANE = "voice-sample"


def add_voices(
    combo: QComboBox,
    voices: Sequence[VoiceEntry],
    language: str | None = None,
    *,
    new_blend: Callable[[], None] | None = None,
) -> None:
    """Append ``voices`` to ``combo``, those of ``language`` first (None: all alike), the
    others after a heading; unusable ones stay selectable (a project may already use one).

    ``new_blend``: add a last entry "New blend…" that calls it (the selection stays)."""
    wanted = find_language(language)
    own = [v for v in voices if wanted is None or v.language == wanted.code]
    others = [v for v in voices if wanted is not None and v.language != wanted.code]
    _add_section(combo, own, tagged=False)
    if others:
        _heading(combo, OTHER_LANGUAGES)
        _add_section(combo, others, tagged=True)
    if new_blend is not None:
        _offer_new_blend(combo, new_blend)


def select_voice(combo: QComboBox, voice_id: str | None, fallback: int = 0) -> None:
    """Select ``voice_id`` in ``combo`` (``fallback`` if it is not listed)."""
    index = combo.findData(voice_id) if voice_id else -1
    combo.setCurrentIndex(index if index >= 0 else fallback)


def _add_section(combo: QComboBox, entries: Sequence[VoiceEntry], *, tagged: bool) -> None:
    """Kokoro's and the draft voices, the blends (under "Your blends" unless ``tagged``), then
    the unusable ones under a heading saying why."""
    usable = [v for v in entries if v.usable]
    blends = [v for v in usable if v.kind == BLEND_KIND]
    for entry in usable:
        if entry.kind != BLEND_KIND:
            _add(combo, entry, tagged)
    if blends and not tagged:
        _heading(combo, YOUR_BLENDS, separator=False)
    for entry in blends:
        _add(combo, entry, tagged)
    unusable = [v for v in entries if not v.usable]
    if unusable and not tagged:
        _heading(combo, NEEDS_KOKORO)
    for entry in unusable:
        _add(combo, entry, tagged)


def _add(combo: QComboBox, entry: VoiceEntry, tagged: bool) -> None:
    """One voice, its text as the closed list shows it too (so no indent: the headings above
    group them)."""
    label = entry.label
    language = find_language(entry.language)
    if tagged and entry.kind == BLEND_KIND and language is not None:
        label = f"{label} · {language.name}"  # Kokoro's and the draft voices name theirs
    if not entry.usable:
        label = f"{label} — {_why_unusable(entry)}"
    combo.addItem(label, entry.id)
    if not entry.usable:
        tip = f"{entry.label}: {NEEDS_KOKORO}" if entry.kind == KOKORO_KIND else label
        combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)


def _why_unusable(entry: VoiceEntry) -> str:
    if entry.kind == BLEND_KIND:
        return "a voice file it mixes is missing"
    return "needs Kokoro"


def _heading(combo: QComboBox, text: str, *, separator: bool = True) -> None:
    """A separator (unless the list is empty) and a disabled, unselectable line."""
    if separator and combo.count():
        combo.insertSeparator(combo.count())
    combo.addItem(text, "")
    model = combo.model()
    if isinstance(model, QStandardItemModel):
        heading = model.item(combo.count() - 1)
        heading.setEnabled(False)
        heading.setSelectable(False)


def _offer_new_blend(combo: QComboBox, request: Callable[[], None]) -> None:
    """The last entry, "New blend…": choosing it opens the dialog and keeps the selection."""
    combo.insertSeparator(combo.count())
    combo.addItem(NEW_BLEND, NEW_BLEND_DATA)
    combo.setItemData(combo.count() - 1, "Mix Kokoro voices into a voice of your own",
                      Qt.ItemDataRole.ToolTipRole)
    if combo.property("offersNewBlend"):
        return  # refilled: the handlers below are connected already
    combo.setProperty("offersNewBlend", True)
    kept = {"index": combo.currentIndex()}

    def changed(index: int) -> None:
        if combo.itemData(index) != NEW_BLEND_DATA:
            kept["index"] = index

    def activated(index: int) -> None:
        if combo.itemData(index) == NEW_BLEND_DATA:
            combo.setCurrentIndex(kept["index"])
            request()

    combo.currentIndexChanged.connect(changed)
    combo.activated.connect(activated)


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
        label = self._workspace.voice_label(voice_id).strip()
        failed = lambda error: self._workspace.report_error(human_message(error))  # noqa: E731
        return self.listen(voice_id, label, failed) is not None

    def listen(
        self, voice_id: str, label: str, failed: Callable[[BaseException], None]
    ) -> Job | None:
        """Speak the sample in ``voice_id`` (any id or blend spec) as a job, then play it as
        "Voice sample — ``label``"; ``failed`` hears why not. None if a sample is being made."""
        title = f"Voice sample — {label}"
        return (
            Op(
                title,
                operations.audition_voice(self._workspace.library, voice_id),
                kind="audition",
                lane=AUDITION_LANE,
            )
            .success(lambda path: self._play(path, title))
            .failure(failed)
            .run_on(self._jobs)
        )
