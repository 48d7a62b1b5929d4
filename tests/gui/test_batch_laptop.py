"""New batch…, the batch queue and Settings on a laptop's screen, through the real widgets (found
walking the app at 1366x768 and 1024x700): Settings grown to its sections stays on screen with
Save in reach; the New batch dialog is driven by the keyboard (Choose… first, Enter starts a
checked manifest) and shows what each row makes; a 5,000-character cell's tooltip is short; the
queue opens under the preview, shows its few rows without scrolling, and Enter in it never
cancels the batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QTableWidget, QWidget

from studio.gui.batch_dialog import TIP_CHARS, BatchDialog
from studio.gui.batch_queue import BatchQueue
from studio.gui.settings_dialog import SettingsDialog
from studio.pipeline import batch
from tests.gui.support import multimedia_noise
from tests.gui.test_batch_gui import OFFSCREEN_RAISE, cell, write_manifest

pytestmark = [pytest.mark.gui, multimedia_noise, pytest.mark.qt_log_ignore(OFFSCREEN_RAISE)]

FOUR = {"bees": "Bees visit flowers.", "ants": "Ants dig tunnels.", "owls": "Owls hunt.",
        "whales": "Whales sing."}


def global_rect(widget: QWidget) -> QRect:
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def tooltip(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    assert item is not None, f"no cell at {row}, {column}"
    return item.toolTip()


def laptop_window(make_window: Callable[[], Any], qtbot: Any) -> Any:
    window = make_window()
    window.move(0, 0)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 700))
    return window


def test_settings_grown_to_its_sections_stays_on_screen_with_save_in_reach(
    qtbot: Any, window: Any
) -> None:
    screen = window.screen().availableGeometry()
    # a window low on the screen: the dialog, centred on it, then grown, went past the bottom
    window.resize(screen.width(), screen.height() // 2)
    window.move(screen.left(), screen.top() + screen.height() // 2 - 40)
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    assert screen.contains(dialog.frameGeometry()), (screen, dialog.frameGeometry())
    dialog.reject()


def test_the_new_batch_dialog_is_driven_by_the_keyboard_and_shows_each_rows_video(
    qtbot: Any, tmp_path: Path
) -> None:
    manifest = tmp_path / "videos.csv"
    write_manifest(tmp_path, {"bees": "Bees visit flowers."})
    manifest.write_text("script,project,voice,resolution\nbees.txt,Bees in summer,en-us,720p\n",
                        encoding="utf-8")
    dialog = BatchDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.focusWidget() is dialog.choose_button  # Enter/Space: choose a file
    assert dialog.load(manifest)
    assert dialog.focusWidget() is dialog.start_button  # not Choose… again
    cells = [cell(dialog.rows, 0, c) for c in range(dialog.rows.columnCount())]
    assert cells == ["1", "Bees in summer", "bees.txt", "default", "en-us", "default",
                     "16:9 · 720p"]
    with qtbot.waitSignal(dialog.startRequested, timeout=2_000) as started:
        qtbot.keyClick(dialog.start_button, Qt.Key.Key_Return)
    assert started.args is not None and started.args[0].path == manifest
    assert not dialog.isVisible()


def test_a_5000_character_topic_has_a_short_tooltip(qtbot: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "long.csv"
    manifest.write_text('topic\n"' + "word " * 999 + 'word"\n', encoding="utf-8")
    dialog = BatchDialog()
    qtbot.addWidget(dialog)
    assert dialog.load(manifest)
    tips = [tooltip(dialog.rows, 0, c) for c in range(dialog.rows.columnCount())]
    assert max(len(t) for t in tips) <= TIP_CHARS + 1 and tips[2].endswith("…")


def test_the_queue_opens_under_the_preview_showing_every_row(
    qtbot: Any, make_window: Callable[[], Any], tmp_path: Path
) -> None:
    window = laptop_window(make_window, qtbot)
    manifest = batch.load_manifest(write_manifest(tmp_path, FOUR))
    queue = BatchQueue(window.workspace, window.jobs, manifest, 2, window)
    qtbot.addWidget(queue)
    queue.show()
    qtbot.waitExposed(queue)
    frame = queue.frameGeometry()
    assert global_rect(window).contains(frame), (global_rect(window), frame)
    preview = global_rect(window.preview.frame)
    assert not frame.intersects(preview), ("the queue hides the preview", frame, preview)
    assert not queue.table.verticalScrollBar().isVisible(), "four rows need no scrolling"


def test_enter_in_the_queue_never_cancels_the_batch(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    manifest = batch.load_manifest(write_manifest(tmp_path, FOUR))
    queue = BatchQueue(window.workspace, window.jobs, manifest, 2, window)
    qtbot.addWidget(queue)
    queue.cancel_button.setEnabled(True)  # as while a batch runs
    pressed: list[bool] = []
    queue.cancel_button.clicked.connect(lambda: pressed.append(True))
    queue.show()
    qtbot.waitExposed(queue)
    queue.table.setFocus()
    qtbot.keyClick(queue.table, Qt.Key.Key_Return)
    qtbot.keyClick(queue.table, Qt.Key.Key_Enter)
    assert not pressed and queue.isVisible()
