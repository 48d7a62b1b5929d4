"""The visual picker, through its real widgets on a real library: what it offers, in which
order, under which names, and that only an explicit choice replaces a scene's visual."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QPushButton

from studio.pipeline.visuals import choose_visual
from studio.store.settings_registry import MEDIA_FOLDERS
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]
HASH = re.compile(r"[0-9a-f]{16}")


def picture(path: Path, colour: tuple[int, int, int] = (40, 160, 90)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (160, 90), colour).save(path)
    return path


@pytest.fixture
def editor_scene(make_window: Any, library: Any, tmp_path: Path) -> tuple[Any, Any, Path]:
    """A window on a project never rendered, a media folder of two pictures, scene 1 current."""
    media = tmp_path / "media"
    picture(media / "Bees on lavender.png")
    picture(media / "hive at dusk.jpg", (90, 40, 160))
    library.set_setting(MEDIA_FOLDERS, [str(media)])
    project = make_project(library)
    window = make_window()
    window.workspace.set_current_project(project.id)
    return window, library.scenes(project)[0], media


def labels(picker: Any) -> list[str]:
    return [picker.list.item(row).text() for row in range(picker.list.count())]


def test_the_current_visual_comes_first_marked_current_with_its_real_name(
    qtbot: Any, editor_scene: tuple[Any, Any, Path], library: Any, tmp_path: Path
) -> None:
    window, scene, media = editor_scene
    project = library.project(scene.project_id)
    choose_visual(library, project, scene, picture(tmp_path / "my beach.png", (200, 200, 0)))
    library.set_suggestions(
        scene,
        "library",
        "bees",
        [{"path": str(media / "Bees on lavender.png"), "kind": "image", "score": 1.0}],
    )

    picker = window.editor.pick_visual(scene.id)

    assert labels(picker)[:2] == ["Current: my beach.png", "Bees on lavender.png"]
    assert picker.list.currentRow() == 0
    assert not picker.use_button.isEnabled()  # the current one can't be "chosen" again
    assert "my beach.png" in picker.hint.text()
    picker.reject()


def test_the_media_folders_are_offered_before_any_render(
    qtbot: Any, editor_scene: tuple[Any, Any, Path], library: Any
) -> None:
    window, scene, _media = editor_scene
    assert library.renders(library.project(scene.project_id)) == []
    assert library.media_assets() == []  # nothing indexed: no render has run

    picker = window.editor.pick_visual(scene.id)
    qtbot.waitUntil(lambda: not picker.bin.walking, timeout=10_000)

    assert picker.bin.file_names() == ["Bees on lavender.png", "hive at dusk.jpg"]
    picker.tabs.setCurrentWidget(picker.bin)
    assert picker.bin.select_path(_media / "hive at dusk.jpg")
    with qtbot.waitSignal(picker.chosen, timeout=5000):
        qtbot.mouseClick(picker.use_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: library.selection(scene) is not None, timeout=20_000)
    assert Path(library.selection(scene).asset_path).name == "hive at dusk.jpg"


def test_enter_and_a_double_click_on_the_current_visual_replace_nothing(
    qtbot: Any, editor_scene: tuple[Any, Any, Path], library: Any, tmp_path: Path
) -> None:
    window, scene, media = editor_scene
    project = library.project(scene.project_id)
    choose_visual(library, project, scene, picture(tmp_path / "chosen.png"))
    library.set_suggestions(
        scene,
        "library",
        "bees",
        [{"path": str(media / "Bees on lavender.png"), "kind": "image", "score": 1.0}],
    )
    before = library.selection(scene).asset_path
    picker = window.editor.pick_visual(scene.id)
    emitted: list[object] = []
    picker.chosen.connect(lambda *args: emitted.append(args))
    qtbot.waitUntil(lambda: not picker.bin.walking, timeout=10_000)

    assert not any(b.isDefault() or b.autoDefault() for b in picker.findChildren(QPushButton))
    picker.list.setCurrentRow(1)  # another visual selected, but not chosen
    for target in (picker.list, picker, picker.use_button):
        target.setFocus()
        qtbot.keyClick(target, Qt.Key.Key_Return)
        qtbot.keyClick(target, Qt.Key.Key_Enter)
    picker.tabs.setCurrentWidget(picker.bin)
    picker.bin.select_path(media / "hive at dusk.jpg")
    picker.bin.view.setFocus()
    qtbot.keyClick(picker.bin.view, Qt.Key.Key_Return)
    assert picker.isVisible() and emitted == []

    picker.tabs.setCurrentIndex(0)  # the scene's visuals
    current = picker.list.item(0)
    centre = picker.list.visualItemRect(current).center()
    qtbot.mouseClick(picker.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(picker.list.viewport(), Qt.MouseButton.LeftButton, pos=centre)

    assert emitted == []
    assert not picker.isVisible()  # closed, nothing new
    assert library.selection(scene).asset_path == before


def test_labels_are_file_names_never_hashes(
    qtbot: Any, editor_scene: tuple[Any, Any, Path], library: Any, tmp_path: Path
) -> None:
    window, scene, media = editor_scene
    project = library.project(scene.project_id)
    # A visual imported by an older Studio, stored only under its content hash.
    old = library.home.project_dir(project.id, create=True) / "visuals" / "0123456789abcdef.png"
    old.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(picture(tmp_path / "old.png"), old)
    library.select_clip(scene, old, kind="image", source="file")
    second = library.scenes(project)[1]
    choose_visual(library, project, second, picture(tmp_path / "Sunset over hives.png"))
    qtbot.waitUntil(lambda: window.editor.card(second.id).visual_label.text() != "", timeout=5000)
    window.editor.reload()

    picker = window.editor.pick_visual(scene.id)

    shown = labels(picker)
    assert shown[0] == "Current: Picture you chose"
    assert "Sunset over hives.png" in shown  # the project's own files, by their names
    captions = [card.visual_label.text() for card in window.editor.cards()]
    assert captions[:2] == ["Picture you chose", "Sunset over hives.png"]
    for text in [*shown, *captions, picker.hint.text()]:
        assert not HASH.search(text), text
    picker.reject()


def test_choose_file_opens_in_the_first_media_folder(
    qtbot: Any,
    editor_scene: tuple[Any, Any, Path],
    library: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window, scene, media = editor_scene
    library.set_setting(MEDIA_FOLDERS, [str(tmp_path / "unplugged"), str(media)])
    opened: list[str] = []

    def fake_dialog(_parent: Any, _title: str, folder: str, _filter: str) -> tuple[str, str]:
        opened.append(folder)  # the native dialog can't run in a test: record where it opens
        return str(media / "Bees on lavender.png"), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake_dialog)
    picker = window.editor.pick_visual(scene.id)
    with qtbot.waitSignal(picker.chosen, timeout=5000):
        qtbot.mouseClick(picker.file_button, Qt.MouseButton.LeftButton)

    assert opened == [str(media)]  # the first folder that exists
    qtbot.waitUntil(lambda: library.selection(scene) is not None, timeout=20_000)
    assert Path(library.selection(scene).asset_path).name == "Bees on lavender.png"
