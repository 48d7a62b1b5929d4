"""The caption style editor: edits update the libass preview, are saved, and undo restores them."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QWidget

from studio.gui.caption_style import CaptionPreviewer, CaptionStyleDialog
from studio.media.settings import RenderSettings
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]
W = TypeVar("W", bound=QWidget)


def _open(qtbot: Any, make_window: Any, library: Any) -> tuple[Any, Any, CaptionStyleDialog]:
    project = make_project(library)
    win = make_window()
    win.workspace.set_current_project(project.id)
    panel = win.render_panel
    assert panel.caption_edit.isEnabled()
    panel.caption_edit.click()
    dialog = panel.findChild(CaptionStyleDialog, "captionStyleDialog")
    assert dialog is not None and dialog.isVisible()
    qtbot.addWidget(dialog)
    qtbot.waitUntil(
        lambda: dialog.previewer.drawn >= 1 and not dialog.previewer.busy(), timeout=20_000
    )
    return win, project, dialog


def _field(dialog: CaptionStyleDialog, kind: type[W], name: str) -> W:
    """The editor's field for ``name`` (a CaptionLook field), found as the creator's tools do."""
    widget = dialog.findChild(kind, f"caption_{name}")
    assert isinstance(widget, kind), name
    return widget


def _shown(dialog: CaptionStyleDialog) -> QImage:
    image = dialog.preview.image()
    assert image is not None and not image.isNull()
    return image


def test_editing_a_field_redraws_the_preview_saves_and_undo_restores(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project, dialog = _open(qtbot, make_window, library)
    before = _shown(dialog)
    font = _field(dialog, QComboBox, "font")
    font.setCurrentIndex(font.findData("Bebas Neue"))
    assert library.refresh(project).render_settings["caption"] == {"font": "Bebas Neue"}
    qtbot.waitUntil(
        lambda: dialog.previewer.drawn >= 2 and not dialog.previewer.busy(), timeout=20_000
    )
    changed = _shown(dialog)
    assert changed.size() == before.size() and changed != before

    dialog.set_colour("highlight_colour", QColor("#00FF00"))
    highlight = _field(dialog, QComboBox, "highlight")
    highlight.setCurrentIndex(highlight.findData("word"))
    assert library.refresh(project).render_settings["caption"] == {
        "font": "Bebas Neue",
        "highlight": "word",
        "highlight_colour": "#00FF00",
    }

    for _ in range(3):
        win.window_actions.undo.trigger()
    assert "caption" not in library.refresh(project).render_settings
    assert font.currentData() == "DejaVu Sans"
    qtbot.waitUntil(
        lambda: not dialog.previewer.busy() and _shown(dialog) == before, timeout=20_000
    )
    dialog.close()


def test_back_to_the_preset_clears_the_changes_in_one_undoable_step(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project, dialog = _open(qtbot, make_window, library)
    _field(dialog, QCheckBox, "box").click()
    _field(dialog, QDoubleSpinBox, "size").setValue(9.0)
    assert library.refresh(project).render_settings["caption"] == {"box": True, "size": 9.0}
    assert dialog.reset.isEnabled()
    dialog.reset.click()
    assert "caption" not in library.refresh(project).render_settings
    assert not _field(dialog, QCheckBox, "box").isChecked() and not dialog.reset.isEnabled()
    win.window_actions.undo.trigger()
    assert library.refresh(project).render_settings["caption"] == {"box": True, "size": 9.0}
    assert _field(dialog, QCheckBox, "box").isChecked()
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.previewer.busy(), timeout=20_000)


def test_the_latest_preview_request_wins(qtbot: Any) -> None:
    previewer = CaptionPreviewer()
    shown: list[QImage] = []
    previewer.ready.connect(shown.append)
    for size in (4.0, 6.0, 8.0, 12.0):
        previewer.request(RenderSettings(caption={"size": size}), None)
    qtbot.waitUntil(lambda: not previewer.busy(), timeout=20_000)
    assert previewer.drawn == 1 and len(shown) == 1
    previewer.request(RenderSettings(caption={"size": 12.0}), None)
    qtbot.waitUntil(lambda: previewer.drawn == 2 and not previewer.busy(), timeout=20_000)
    assert shown[1] == shown[0]  # the frame drawn was the last request's
    previewer.shutdown()


def test_the_editor_fits_a_small_screen_and_leaves_the_window_alone(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, _project, dialog = _open(qtbot, make_window, library)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 700
    assert dialog.width() <= 1024 and dialog.height() <= 700
    assert win.minimumSizeHint().width() <= 1024 and win.minimumSizeHint().height() <= 700
    dialog.close()
    qtbot.waitUntil(lambda: not dialog.previewer.busy(), timeout=20_000)


def test_one_editor_per_project_and_it_closes_when_another_project_opens(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, _project, dialog = _open(qtbot, make_window, library)
    win.render_panel.caption_edit.click()
    assert win.render_panel.findChildren(CaptionStyleDialog) == [dialog]
    other = make_project(library, "Wasps")
    win.workspace.set_current_project(other.id)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: not dialog.previewer.busy(), timeout=20_000)
