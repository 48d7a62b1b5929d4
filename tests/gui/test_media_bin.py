"""The media bin: real folders (with hostile entries), real thumbnails, real drops on cards.

Files are made on the spot (Pillow pictures, an ffmpeg clip); the bin walks them on its own
thread, so every test waits for ``walking`` to end with a deadline.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from studio.gui.media_bin import PATH_ROLE, THUMB, MediaBin
from studio.gui.thumbnails import ThumbnailLoader
from studio.gui.workspace import Workspace
from studio.store.settings_registry import MEDIA_FOLDERS
from tests.factories import make_project
from tests.gui.support import multimedia_noise
from tests.media.support import write_clip

pytestmark = [pytest.mark.gui, multimedia_noise]


def picture(path: Path, colour: tuple[int, int, int] = (200, 120, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (160, 90), colour).save(path)
    return path




def make_bin(qtbot: Any, library: Any, folders: list[Path]) -> MediaBin:
    library.set_setting(MEDIA_FOLDERS, [str(f) for f in folders])
    thumbnails = ThumbnailLoader()
    media_bin = MediaBin(Workspace(library), thumbnails)
    qtbot.addWidget(media_bin)
    media_bin.resize(220, 500)
    media_bin.show()
    qtbot.waitUntil(lambda: not media_bin.walking, timeout=10_000)
    media_bin.destroyed.connect(thumbnails.shutdown)
    return media_bin


def test_the_bin_lists_real_names_searches_and_sorts(
    qtbot: Any, library: Any, tmp_path: Path
) -> None:
    media = tmp_path / "My pictures"
    picture(media / "Bees on lavender.png")
    picture(media / "trip" / "hive.jpg")
    # 4:3: its thumbnail is a frame (4:3), not the 16:9 placeholder tile.
    write_clip(media / "honey pour.mp4", 2, fps=10, pattern="testsrc")
    (media / "notes.txt").write_text("not media")
    picture(media / ".hidden.png")
    os.utime(media / "trip" / "hive.jpg", ns=(1, 3_000_000_000_000_000_000))

    media_bin = make_bin(qtbot, library, [media])

    assert media_bin.file_names() == ["Bees on lavender.png", "hive.jpg", "honey pour.mp4"]
    assert media_bin.status.text() == "3 files"
    media_bin.search.setText("HONEY")
    assert media_bin.file_names() == ["honey pour.mp4"]
    assert media_bin.status.text() == "1 of 3 files match"
    media_bin.search.clear()
    media_bin.sort.setCurrentText("Newest")
    assert media_bin.file_names()[0] == "hive.jpg"
    # The clip's tile becomes a frame of it (4:3, 72x54), drawn off the GUI thread, not the
    # 16:9 placeholder tile (96x54).
    media_bin.search.setText("honey")

    def tile_size() -> tuple[int, int]:
        icon = media_bin.proxy.index(0, 0).data(Qt.ItemDataRole.DecorationRole)
        sizes = icon.availableSizes() if icon is not None else []
        return (sizes[0].width(), sizes[0].height()) if sizes else (0, 0)

    qtbot.waitUntil(lambda: tile_size() == (72, THUMB.height()), timeout=20_000)


def test_a_hostile_folder_lists_only_what_can_be_read_without_hanging(
    qtbot: Any, library: Any, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    picture(media / "good.png")
    os.mkfifo(media / "pipe.mp4")  # opening it would block for ever
    os.symlink(media / "nowhere.png", media / "broken.png")
    os.symlink("loop-b.png", media / "loop-a.png")
    os.symlink("loop-a.png", media / "loop-b.png")
    os.symlink(media, media / "folder-loop")
    many = media / "many"
    many.mkdir()
    for number in range(3000):
        os.symlink(f"/nonexistent/{number}.jpg", many / f"gone{number:04d}.jpg")
    locked = picture(media / "locked.png")
    locked.chmod(0)

    library.set_setting(MEDIA_FOLDERS, [str(media)])
    thumbnails = ThumbnailLoader()
    media_bin = MediaBin(Workspace(library), thumbnails)
    qtbot.addWidget(media_bin)
    assert media_bin.walking  # the walk runs off the GUI thread: the window is not waiting
    qtbot.waitUntil(lambda: not media_bin.walking, timeout=10_000)

    expected = ["good.png"] if os.geteuid() != 0 else ["good.png", "locked.png"]  # root reads all
    assert media_bin.file_names() == expected
    media_bin.shutdown()
    thumbnails.shutdown()


def test_a_new_folder_added_from_the_bin_is_saved_and_listed(
    qtbot: Any, library: Any, tmp_path: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    picture(first / "one.png")
    picture(second / "two.png")
    media_bin = make_bin(qtbot, library, [first])
    assert media_bin.file_names() == ["one.png"]

    media_bin.add_folder(second)
    qtbot.waitUntil(lambda: not media_bin.walking, timeout=10_000)

    assert library.get_setting(MEDIA_FOLDERS) == [str(first), str(second)]
    assert media_bin.file_names() == ["one.png", "two.png"]
    media_bin.folder.setCurrentIndex(media_bin.folder.findText("b"))
    media_bin.folder.activated.emit(media_bin.folder.currentIndex())
    qtbot.waitUntil(lambda: not media_bin.walking, timeout=10_000)
    assert media_bin.file_names() == ["two.png"]


def drop(widget: Any, mime: Any) -> None:
    """Deliver a real drag-enter and drop of ``mime`` at the widget's centre."""
    centre = QPointF(widget.rect().center())
    enter = QDragEnterEvent(
        widget.rect().center(),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(
        centre,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, event)


def test_dropping_a_bin_file_on_a_card_sets_the_visual_and_undo_takes_it_back(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    picture(media / "Bees on lavender.png")
    library.set_setting(MEDIA_FOLDERS, [str(media)])
    project = make_project(library)
    window = make_window()
    window.workspace.set_current_project(project.id)
    qtbot.waitUntil(lambda: not window.media_bin.walking, timeout=10_000)
    scene = library.scenes(project)[1]
    card = window.editor.card(scene.id)
    assert library.selection(scene) is None

    index = window.media_bin.proxy.index(0, 0)
    assert index.data(PATH_ROLE).endswith("Bees on lavender.png")
    drop(card, window.media_bin.proxy.mimeData([index]))

    qtbot.waitUntil(lambda: library.selection(scene) is not None, timeout=20_000)
    chosen = library.home.abs(library.selection(scene).asset_path)
    assert chosen.name == "Bees on lavender.png"
    assert chosen.read_bytes() == (media / "Bees on lavender.png").read_bytes()
    qtbot.waitUntil(lambda: card.visual_label.text() == "Bees on lavender.png", timeout=5000)

    window.window_actions.undo.trigger()
    assert library.selection(scene) is None
    assert card.visual_label.text() == "Chosen when you render"


def test_double_click_uses_the_file_for_the_current_scene(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    picture(media / "hive.png")
    library.set_setting(MEDIA_FOLDERS, [str(media)])
    project = make_project(library)
    window = make_window()
    window.workspace.set_current_project(project.id)
    qtbot.waitUntil(lambda: not window.media_bin.walking, timeout=10_000)
    scene = library.scenes(project)[2]
    window.editor.card(scene.id).activated.emit(scene.id)
    assert window.media_bin.target_label == "Use for scene 3"

    window.sidebar.setCurrentWidget(window.media_bin)
    view = window.media_bin.view
    qtbot.waitUntil(lambda: view.visualRect(window.media_bin.proxy.index(0, 0)).isValid())
    centre = view.visualRect(window.media_bin.proxy.index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)

    qtbot.waitUntil(lambda: library.selection(scene) is not None, timeout=20_000)
    assert Path(library.selection(scene).asset_path).name == "hive.png"
