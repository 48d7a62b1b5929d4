"""A scene's own language: the ⋯ menu's "Language" list, the small tag a card shows when its
language differs from the project's, and the undoable command that sets it.

A scene in another language than its project (a quote in French in an English video) is read
with that language's rules and offered that language's voices first.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QMenu, QWidget

from studio.gui.commands import SceneFieldCommand
from studio.gui.workspace import Workspace
from studio.languages import LANGUAGES, find_language, get_language


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


def set_scene_language(
    workspace: Workspace, project_id: str, scene_id: str, old: str | None, new: str | None
) -> SceneFieldCommand:
    """The undoable change of a scene's language (None: the project's)."""
    name = get_language(new).name if new else "the project's language"
    return SceneFieldCommand(
        workspace,
        project_id,
        scene_id,
        "language",
        old,
        new,
        f"Change a scene's language to {name}",
    )
