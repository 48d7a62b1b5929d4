"""The open library as the window sees it: current project, undo stacks, change signals.

Panels never call each other: they change the library (through undo commands or jobs) and
the workspace tells every panel what changed. One ``QUndoStack`` per project lives in a
``QUndoGroup`` whose active stack follows the selected project, so Ctrl+Z never undoes an
edit in a project the creator is not looking at.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoGroup, QUndoStack

from studio.errors import StudioError
from studio.pipeline.changes import Changes
from studio.pipeline.voice_catalogue import KOKORO_KIND, VoiceEntry, catalogue
from studio.store import Library
from studio.store.models import Project

log = logging.getLogger(__name__)


class Workspace(QObject):
    """Shared state of one window.

    Signals:
        projectsChanged(): projects were added, removed, renamed, or their summary changed.
            Emitted once per event-loop turn however many changes asked for it, so a burst
            (a job finishing updates scenes, renders and the project) refreshes lists once.
        currentProjectChanged(str): the selected project's id ("" when none).
        projectChanged(str): a project's own fields changed (name, voice, render settings).
        scenesChanged(str): a project's scenes were added, removed, split, merged or reordered.
        sceneChanged(str, str): one scene (project id, scene id) changed in place.
        rendersChanged(str): a project has a new render.
        publishingChanged(str): a project's title, description, tags or thumbnails changed.
        settingsChanged(): the library's settings changed (e.g. Kokoro's folder).
        errorRaised(str): a known failure's human message, for the status bar.
        auditionRequested(str): play a sample of this voice id (a voice list's speaker).
        voicesChanged(): the voices on offer changed (a blend saved or deleted, Kokoro's
            folder set): voice lists fill themselves again.
        blendEditorRequested(): a voice list's "New blend…" asks for the blend dialog.

    Attributes:
        library: the open library (usable from the GUI thread and from workers).
        undo_group: the per-project undo stacks; the active one is the current project's.
    """

    projectsChanged = Signal()
    currentProjectChanged = Signal(str)
    projectChanged = Signal(str)
    scenesChanged = Signal(str)
    sceneChanged = Signal(str, str)
    rendersChanged = Signal(str)
    publishingChanged = Signal(str)
    settingsChanged = Signal()
    errorRaised = Signal(str)
    auditionRequested = Signal(str)
    voicesChanged = Signal()
    blendEditorRequested = Signal()

    def __init__(self, library: Library, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        self._current: str = ""
        self._kokoro_available: bool | None = None
        self._voices: list[VoiceEntry] | None = None
        self._projects_pending = QTimer(self)
        self._projects_pending.setSingleShot(True)
        self._projects_pending.setInterval(0)
        self._projects_pending.timeout.connect(self.projectsChanged)

    # -- current project --------------------------------------------------------------------------
    @property
    def current_project_id(self) -> str:
        return self._current

    def current_project(self) -> Project | None:
        if not self._current:
            return None
        try:
            return self.library.project(self._current)
        except StudioError:
            return None

    def set_current_project(self, project_id: str) -> None:
        if project_id == self._current:
            return
        self._current = project_id
        self.undo_group.setActiveStack(
            self.stack(project_id) if project_id else None)  # type: ignore[arg-type]
        self.currentProjectChanged.emit(project_id)

    # -- undo -------------------------------------------------------------------------------------
    def stack(self, project_id: str) -> QUndoStack:
        stack = self._stacks.get(project_id)
        if stack is None:
            stack = QUndoStack(self.undo_group)
            self.undo_group.addStack(stack)
            self._stacks[project_id] = stack
        return stack

    def push(self, project_id: str, command: QUndoCommand) -> None:
        """Apply ``command`` now (through the library) and make it undoable."""
        self.stack(project_id).push(command)

    def forget_project(self, project_id: str) -> None:
        """Drop a deleted project's undo history."""
        stack = self._stacks.pop(project_id, None)
        if stack is not None:
            self.undo_group.removeStack(stack)
            stack.deleteLater()
        if project_id == self._current:
            self.set_current_project("")

    # -- notifications ----------------------------------------------------------------------------
    def report_error(self, message: str) -> None:
        log.info("shown to the creator: %s", message)
        self.errorRaised.emit(message)

    def apply(self, changes: Changes) -> None:
        """Tell every panel what an operation changed: each fine-grained signal once."""
        if changes.settings:
            self._kokoro_available = None
            self.settingsChanged.emit()
            self.notify_voices()
        for project_id in sorted(changes.projects):
            self.projectChanged.emit(project_id)
        for project_id in sorted(changes.scenes):
            self.scenesChanged.emit(project_id)
        for project_id, scene_id in sorted(changes.scene_ids):
            self.sceneChanged.emit(project_id, scene_id)
        for project_id in sorted(changes.renders):
            self.rendersChanged.emit(project_id)
        for project_id in sorted(changes.publishing):
            self.publishingChanged.emit(project_id)
        if changes.project_list or changes.projects or changes.scenes or changes.renders:
            self.notify_projects()

    def notify_projects(self) -> None:
        """Ask for one ``projectsChanged`` on the next event-loop turn."""
        if not self._projects_pending.isActive():
            self._projects_pending.start()

    def notify_project(self, project_id: str) -> None:
        self.projectChanged.emit(project_id)
        self.notify_projects()

    def notify_scenes(self, project_id: str) -> None:
        self.scenesChanged.emit(project_id)
        self.notify_projects()

    def notify_scene(self, project_id: str, scene_id: str) -> None:
        self.sceneChanged.emit(project_id, scene_id)

    def notify_renders(self, project_id: str) -> None:
        self.rendersChanged.emit(project_id)
        self.notify_projects()

    # -- voices -----------------------------------------------------------------------------------
    def kokoro_available(self, *, refresh: bool = False) -> bool:
        """Whether Kokoro's voice files are on this machine (cached; refresh after Settings)."""
        if self._kokoro_available is None or refresh:
            from studio.pipeline.voiceover import kokoro_available

            try:
                self._kokoro_available = kokoro_available(self.library)
            except StudioError:
                self._kokoro_available = False
        return self._kokoro_available

    def voice_choices(self) -> list[VoiceEntry]:
        """Every voice a project, scene or character can use, of every language (cached until
        ``notify_voices``): the Kokoro voice files present, the saved blends, the draft voices.

        Without Kokoro's files, Kokoro's known voices follow, marked unusable (until Kokoro
        is installed the draft voice closest to them speaks instead).
        """
        if self._voices is None:
            try:
                entries = catalogue(self.library)
            except StudioError as exc:
                self.report_error(exc.message)
                entries = []
            self._voices = entries if self.kokoro_available() else entries + _kokoro_missing()
        return list(self._voices)

    def notify_voices(self) -> None:
        """The voices on offer changed (a blend saved or deleted, Kokoro's folder)."""
        self._voices = None
        self.voicesChanged.emit()

    def voice_label(self, voice_id: str | None) -> str:
        """What the creator calls ``voice_id`` (its name in the voice lists)."""
        return next((o.label for o in self.voice_choices() if o.id == voice_id), voice_id or "")


def _kokoro_missing() -> list[VoiceEntry]:
    """Kokoro's known voices, marked unusable: offered (a project may use one) but not there."""
    from studio.engines.weights import KOKORO_V1_VOICES
    from studio.languages import language_of_kokoro_voice

    entries = []
    for voice in KOKORO_V1_VOICES:
        language = language_of_kokoro_voice(voice.id)
        if language is not None:
            gender = voice.gender if voice.gender in ("female", "male") else None
            entries.append(VoiceEntry(voice.id, voice.display_name, language.code, gender,
                                      KOKORO_KIND, usable=False))
    return entries
