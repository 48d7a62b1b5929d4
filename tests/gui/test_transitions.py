"""Transition controls: the project's default in the render panel, each scene's on its card."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]


def _open(make_window: Any, library: Any) -> tuple[Any, Any]:
    project = make_project(library)
    win = make_window()
    win.workspace.set_current_project(project.id)
    return win, project


def _choose(combo: Any, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_the_project_default_is_an_undoable_render_setting(
    make_window: Any, library: Any
) -> None:
    win, project = _open(make_window, library)
    chooser = win.render_panel.transition
    assert chooser.kind.currentData() == "cut" and not chooser.seconds.isEnabled()
    _choose(chooser.kind, "crossfade")
    stored = library.refresh(project).render_settings
    assert (stored["transition"], stored["transition_duration"]) == ("crossfade", 0.5)
    assert chooser.seconds.isEnabled()
    chooser.seconds.setValue(1.2)
    chooser.seconds.editingFinished.emit()
    assert library.refresh(project).render_settings["transition_duration"] == 1.2
    win.window_actions.undo.trigger()
    assert library.refresh(project).render_settings["transition_duration"] == 0.5
    assert chooser.seconds.value() == 0.5
    win.window_actions.undo.trigger()
    assert library.refresh(project).render_settings.get("transition", "cut") == "cut"
    assert chooser.kind.currentData() == "cut"


def test_a_scene_chooses_its_own_transition_and_undo_puts_the_default_back(
    make_window: Any, library: Any
) -> None:
    win, project = _open(make_window, library)
    cards = win.editor.cards()
    assert len(cards) > 1
    assert all(card.transition.isVisibleTo(card) for card in cards[:-1])
    assert not cards[-1].transition.isVisibleTo(cards[-1]), "the last scene passes to nothing"
    chooser = cards[0].transition
    assert chooser.kind.currentData() is None, "the project's default until chosen"
    _choose(chooser.kind, "wipe-left")
    first = library.scenes(project)[0]
    assert (first.transition, first.transition_duration) == ("wipe-left", None)
    chooser.seconds.setValue(0.8)
    chooser.seconds.editingFinished.emit()
    assert library.scenes(project)[0].transition_duration == 0.8
    win.window_actions.undo.trigger()
    win.window_actions.undo.trigger()
    first = library.scenes(project)[0]
    assert (first.transition, first.transition_duration) == (None, None)
    assert win.editor.cards()[0].transition.kind.currentData() is None


def test_a_scene_following_the_project_shows_the_project_duration(
    make_window: Any, library: Any
) -> None:
    win, _project = _open(make_window, library)
    panel = win.render_panel.transition
    _choose(panel.kind, "fade-black")
    panel.seconds.setValue(1.5)
    panel.seconds.editingFinished.emit()
    scene = win.editor.cards()[0].transition
    assert scene.seconds.value() == 1.5 and not scene.seconds.isEnabled()


def test_a_scene_following_the_project_says_which_transition_that_is(
    make_window: Any, library: Any
) -> None:
    win, _project = _open(make_window, library)
    assert win.editor.cards()[0].transition.kind.itemText(0) == "Project default (Cut)"
    _choose(win.render_panel.transition.kind, "crossfade")
    follows = win.editor.cards()[0].transition.kind
    assert follows.currentData() is None
    assert follows.currentText() == "Project default (Crossfade)"
    win.window_actions.undo.trigger()
    assert win.editor.cards()[0].transition.kind.currentText() == "Project default (Cut)"
