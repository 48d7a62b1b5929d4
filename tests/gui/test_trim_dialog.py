"""Trimming a scene's clip from the window: the card's ⋯ menu, the dialog's points and keys,
an undoable save."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt

from studio.gui.trim_dialog import TrimDialog
from studio.pipeline.visuals import choose_visual
from tests.factories import make_project
from tests.gui.support import multimedia_noise
from tests.media.support import write_clip

pytestmark = [pytest.mark.gui, multimedia_noise]




def test_trim_from_the_card_menu_saves_points_and_undo_restores_them(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    project = make_project(library)
    first, second = library.scenes(project)[:2]
    clip = write_clip(tmp_path / "Waves.mp4", 4, fps=10, pattern="testsrc")
    choose_visual(library, project, first, clip)
    still = tmp_path / "still.png"
    Image.new("RGB", (64, 48), (9, 9, 9)).save(still)
    choose_visual(library, project, second, still)
    window = make_window()
    window.workspace.set_current_project(project.id)
    card = window.editor.card(first.id)
    assert card.trim_action.isEnabled()
    assert not window.editor.card(second.id).trim_action.isEnabled()  # a picture: no trim

    with qtbot.waitSignal(card.trimRequested):
        card.trim_action.trigger()
    (dialog,) = window.editor.findChildren(TrimDialog)
    assert dialog.out_spin.maximum() == pytest.approx(4.0, abs=0.05)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.seek(1.2)
    qtbot.keyClick(dialog, Qt.Key.Key_I)
    dialog.seek(2.5)
    qtbot.keyClick(dialog, Qt.Key.Key_O)
    assert (dialog.in_spin.value(), dialog.out_spin.value()) == (1.2, 2.5)
    assert dialog.length.text().startswith("The clip plays 1.3 s")
    dialog.out_spin.setValue(1.0)  # before the start: can't be saved
    assert not dialog.save_button.isEnabled()
    dialog.out_spin.setValue(2.5)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)

    saved = library.selection(first)
    assert (saved.in_point, saved.out_point) == (1.2, 2.5)
    window.window_actions.undo.trigger()
    restored = library.selection(first)
    assert (restored.in_point, restored.out_point) == (0.0, None)
    window.window_actions.redo.trigger()
    assert library.selection(first).out_point == 2.5
    assert not dialog.isVisible()
