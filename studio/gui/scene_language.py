"""A scene's own language: the ⋯ menu's "Language" list, the small tag a card shows when its
language differs from the project's, and the undoable command that sets it.

A scene in another language than its project (a quote in French in an English video) is read
with that language's rules, by a voice of that language, and offered that language's voices first.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from studio.gui.commands import LibraryCommand
from studio.gui.workspace import Workspace
from studio.languages import LANGUAGES, find_language, get_language
from studio.pipeline.voice_catalogue import default_voice
from studio.pipeline.voice_choice import voice_language
from studio.store import Library
from studio.store.models import Scene

#: Either English voice reads either English well.
ENGLISH_CODES = frozenset({"en-us", "en-gb"})


class SceneLanguageMenu(QMenu):
    """ "Language": "Project default (Japanese)" then every language, the scene's checked.

    Signals:
        chosen(object): a language code, or None for the project's.
    """

    chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Language", parent)
        self.setObjectName("sceneLanguageMenu")
        self.setToolTipsVisible(True)
        group = QActionGroup(self)
        self.default_action = self._add(group, "Project default", None)
        self.addSeparator()
        for language in LANGUAGES:
            self._add(group, language.label, language.code)

    def _add(self, group: QActionGroup, text: str, code: str | None) -> QAction:
        action = QAction(text, self)
        action.setCheckable(True)
        action.setData(code)
        action.triggered.connect(lambda _checked=False, c=code: self.chosen.emit(c))
        group.addAction(action)
        self.addAction(action)
        return action

    def show_choice(self, scene_language: str | None, project_language: str) -> None:
        """Check the scene's language; name the project's in the first entry."""
        self.default_action.setText(f"Project default ({get_language(project_language).name})")
        for action in self.actions():
            if action.isCheckable():
                action.setChecked(action.data() == scene_language)


def language_tag(parent: QWidget | None = None) -> QLabel:
    """The card's small language tag (hidden while the scene speaks the project's)."""
    tag = QLabel(parent)
    tag.setObjectName("sceneLanguage")
    tag.setStyleSheet(
        "QLabel { border: 1px solid palette(mid); border-radius: 3px; padding: 0 4px; }"
    )
    tag.hide()
    return tag


def show_tag(tag: QLabel, scene_language: str | None, project_language: str) -> None:
    """Show the scene's language on ``tag`` only when it differs from the project's."""
    language = find_language(scene_language)
    differs = language is not None and language.code != get_language(project_language).code
    if language is not None and differs:
        tag.setText(language.native)
        tag.setToolTip(
            f"This scene is in {language.name} (the project's language is "
            f"{get_language(project_language).name}); ⋯ → Language changes it"
        )
    tag.setVisible(differs)


def voice_for_language(
    library: Library,
    scene: Scene,
    code: str | None,
    *,
    project_language: str,
    project_voice: str | None,
) -> str | None:
    """The scene's own voice once its language is ``code`` (None: the project's).

    A voice that speaks the new language stays (a character's voice always does). Otherwise
    the project's voice takes over if it speaks the language, else the language's default
    voice here: a scene turned French is not read by the English narrator with an accent.
    With no voice of the language here the scene keeps what it had (its list says so).
    """
    target = get_language(code or project_language).code

    def speaks(voice_id: str | None) -> bool:
        spoken = find_language(voice_language(library, voice_id)) if voice_id else None
        return spoken is not None and (
            spoken.code == target or {spoken.code, target} <= ENGLISH_CODES
        )

    if scene.character or speaks(scene.voice_id):
        return scene.voice_id
    if speaks(project_voice):
        return None
    return default_voice(library, target) or scene.voice_id


class SceneLanguageCommand(LibraryCommand):
    """A scene's language with its voice (see ``voice_for_language``), undone together."""

    def __init__(
        self,
        workspace: Workspace,
        project_id: str,
        scene_id: str,
        old: dict[str, str | None],
        new: dict[str, str | None],
        text: str,
    ) -> None:
        super().__init__(workspace, project_id, text)
        self.scene_id, self.old, self.new = scene_id, old, new

    def apply(self) -> None:
        self.library.update_scene(self._scene(self.scene_id), **self.new)

    def revert(self) -> None:
        self.library.update_scene(self._scene(self.scene_id), **self.old)

    def notify(self) -> None:
        self.workspace.notify_scene(self.project_id, self.scene_id)
        self.workspace.notify_projects()


def set_scene_language(
    workspace: Workspace, project_id: str, scene_id: str, old: str | None, new: str | None
) -> SceneLanguageCommand:
    """The undoable change of a scene's language (None: the project's), and of its voice
    when the one it had doesn't speak the new language."""
    library = workspace.library
    scene = library.scene(scene_id)
    project = library.project(project_id)
    voice = voice_for_language(
        library, scene, new, project_language=project.language, project_voice=project.voice_id
    )
    name = get_language(new).name if new else "the project's language"
    return SceneLanguageCommand(
        workspace,
        project_id,
        scene_id,
        {"language": old, "voice_id": scene.voice_id},
        {"language": new, "voice_id": voice},
        f"Change a scene's language to {name}",
    )
