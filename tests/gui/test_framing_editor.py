"""The framing editor: dragging and arrow keys move the focal point and say so, the choices
emit ``Library.set_framing``'s keys, and from a scene card the changes are undoable edits."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage

from studio.gui.framing_dialog import FramingDialog
from studio.gui.framing_editor import FramingEditor, crop_window
from studio.pipeline.visuals import choose_visual
from tests.factories import make_project
from tests.gui.support import multimedia_noise
from tests.media.support import write_picture

pytestmark = [pytest.mark.gui, multimedia_noise]


def _selection(**changes: Any) -> SimpleNamespace:
    values = {
        "framing": "fill",
        "focal_x": 0.5,
        "focal_y": 0.5,
        "fit_colour": "#000000",
        "motion": "zoom-in",
        "motion_amount": None,
        "kind": "image",
    }
    return SimpleNamespace(**{**values, **changes})


@pytest.fixture
def editor(qtbot: Any) -> FramingEditor:
    """An editor on a 16:9 picture for a 9:16 video, shown at a laptop-sized size."""
    widget = FramingEditor()
    qtbot.addWidget(widget)
    picture = QImage(1600, 900, QImage.Format.Format_RGB32)
    picture.fill(QColor("#3366aa"))
    widget.set_selection(picture, _selection(), 9 / 16)
    widget.resize(520, 460)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_dragging_moves_the_focal_point_and_emits_once(qtbot: Any, editor: FramingEditor) -> None:
    canvas = editor.canvas
    picture = canvas.picture_rect()
    start = picture.center().toPoint()
    end = QPoint(round(picture.left() + picture.width() * 0.15), start.y())
    moves: list[tuple[float, float]] = []
    canvas.focalMoved.connect(lambda x, y: moves.append((x, y)))
    with qtbot.waitSignal(editor.changed) as blocker:
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
        qtbot.mouseMove(canvas, end)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    (values,) = blocker.args
    assert set(values) == {"focal"}
    assert values["focal"][0] == pytest.approx(0.15, abs=0.02)
    assert values["focal"][1] == pytest.approx(0.5, abs=0.02)
    assert moves  # the crop window followed while dragging
    crop = canvas.crop_rect()
    assert crop.left() == pytest.approx(picture.left(), abs=1)  # clamped inside the picture
    assert crop.height() == pytest.approx(picture.height(), abs=1)


def test_arrow_keys_move_the_focal_point(qtbot: Any, editor: FramingEditor) -> None:
    editor.canvas.setFocus()
    with qtbot.waitSignal(editor.changed) as blocker:
        qtbot.keyClick(editor.canvas, Qt.Key.Key_Right)
    assert blocker.args[0] == {"focal": (0.52, 0.5)}
    with qtbot.waitSignal(editor.changed) as blocker:
        qtbot.keyClick(editor.canvas, Qt.Key.Key_Up, Qt.KeyboardModifier.ShiftModifier)
    assert blocker.args[0] == {"focal": (0.52, 0.4)}


def test_choices_emit_set_framings_keys(qtbot: Any, editor: FramingEditor) -> None:
    assert not editor.colour_button.isVisibleTo(editor)
    with qtbot.waitSignal(editor.changed) as blocker:
        editor.framing.setCurrentIndex(editor.framing.findData("fit-colour"))
        editor.framing.activated.emit(editor.framing.currentIndex())
    assert blocker.args[0] == {"framing": "fit-colour"}
    assert editor.colour_button.isVisibleTo(editor)
    with qtbot.waitSignal(editor.changed) as blocker:
        editor.set_fit_colour(QColor(255, 0, 128))
    assert blocker.args[0] == {"fit_colour": "#ff0080"}
    with qtbot.waitSignal(editor.changed) as blocker:
        editor.motion.setCurrentIndex(editor.motion.findData("pan-up"))
        editor.motion.activated.emit(editor.motion.currentIndex())
    assert blocker.args[0] == {"motion": "pan-up"}
    assert editor.amount.value() == 8  # no amount stored: Studio's default, shown
    with qtbot.waitSignal(editor.changed) as blocker:
        editor.amount.setValue(30)
    assert blocker.args[0] == {"motion_amount": 0.3}
    assert editor.values()["motion_amount"] == 0.3


def test_a_clip_cannot_be_moved(qtbot: Any, editor: FramingEditor) -> None:
    editor.set_selection(None, _selection(kind="video", framing="fit-blur"), 16 / 9)
    assert not editor.motion.isEnabled() and not editor.amount.isEnabled()
    assert "don't move" in editor.hint.text()
    assert editor.framing.currentData() == "fit-blur"


def test_crop_window_is_clamped_inside_the_picture() -> None:
    from PySide6.QtCore import QRectF

    picture = QRectF(0, 0, 160, 90)
    right = crop_window(picture, 9 / 16, (1.0, 0.5))
    assert (right.right(), right.height()) == (pytest.approx(160), pytest.approx(90))
    middle = crop_window(picture, 9 / 16, (0.5, 0.5))
    assert middle.center().x() == pytest.approx(80)


def test_from_the_card_the_change_is_undoable_and_the_dialog_fits(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    project = make_project(library, aspect="9:16")
    first, second = library.scenes(project)[:2]
    choose_visual(library, project, first, write_picture(tmp_path / "wide.png", (640, 360)))
    window = make_window()
    window.workspace.set_current_project(project.id)
    card = window.editor.card(first.id)
    assert card.framing_action.isEnabled()
    assert not window.editor.card(second.id).framing_action.isEnabled()  # no visual yet

    with qtbot.waitSignal(card.framingRequested):
        card.framing_action.trigger()
    (dialog,) = window.editor.findChildren(FramingDialog)
    assert dialog.minimumSizeHint().width() <= 1024 and dialog.minimumSizeHint().height() <= 700
    assert dialog.width() <= 1024 and dialog.height() <= 700
    editor = dialog.editor
    assert editor.canvas.aspect == pytest.approx(9 / 16)
    qtbot.waitUntil(lambda: not editor.canvas.picture.isNull(), timeout=5000)

    editor.canvas.setFocus()
    for _ in range(3):
        qtbot.keyClick(editor.canvas, Qt.Key.Key_Left)
    saved = library.selection(first)
    assert (saved.focal_x, saved.focal_y) == (pytest.approx(0.44), 0.5)
    editor.amount.setValue(20)
    assert library.selection(first).motion_amount == 0.2

    window.window_actions.undo.trigger()  # the amount
    assert library.selection(first).motion_amount == pytest.approx(0.08)
    window.window_actions.undo.trigger()  # the three arrow steps, merged into one
    assert library.selection(first).focal_x == 0.5
    window.window_actions.redo.trigger()
    assert library.selection(first).focal_x == pytest.approx(0.44)
    dialog.reject()


def test_undoing_a_new_visual_brings_back_the_old_framing(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    from studio.gui.commands import ChooseVisualCommand

    project = make_project(library, aspect="9:16")
    first = library.scenes(project)[0]
    choose_visual(library, project, first, write_picture(tmp_path / "wide.png", (640, 360)))
    library.set_framing(first, framing="fit-colour", fit_colour="#112233", focal=(0.1, 0.2))
    window = make_window()
    window.workspace.set_current_project(project.id)
    other = write_picture(tmp_path / "other.png", (300, 600))
    window.workspace.push(
        project.id,
        ChooseVisualCommand(window.workspace, project.id, first.id, other, "image", "file"),
    )
    assert library.selection(first).framing == "fill"  # a new visual starts plain
    window.window_actions.undo.trigger()
    back = library.selection(first)
    assert (back.framing, back.fit_colour, back.focal_x, back.focal_y) == (
        "fit-colour",
        "#112233",
        0.1,
        0.2,
    )
