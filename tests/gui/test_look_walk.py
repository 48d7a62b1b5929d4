"""What a walk through issue #16's features as a creator found, through the real widgets: the
picker's preview shows the visual selected on opening and a stock picture once it arrives, its
placeholder fits the space it has, its hint names the button the creator will see, a card shows
a clip's frame (not its file name), the render panel says "4K", and caption colours read as
colours (no alpha glued to the hex)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMessageBox, QPushButton

from studio.gui.caption_style import CaptionStyleDialog, colour_text
from studio.gui.stock_panel import CANDIDATE_ROLE
from studio.media.ffmpeg import ffmpeg_exe
from studio.pipeline.visuals import choose_visual
from tests.factories import make_project
from tests.gui.support import MULTIMEDIA_NOISE

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(*MULTIMEDIA_NOISE)]
TIMEOUT = 20_000


def _picture(path: Path, colour: tuple[int, int, int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (160, 90), colour).save(path)
    return path


def _red_clip(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=red:s=160x90:d=0.5",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path


def _window_on(make_window: Any, library: Any, visual: Path) -> tuple[Any, Any]:
    project = make_project(library)
    scene = library.scenes(project)[0]
    choose_visual(library, project, scene, visual)
    window = make_window()
    window.workspace.set_current_project(project.id)
    return window, library.scene(scene.id)


def test_the_picker_previews_the_current_visual_as_soon_as_it_opens(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (0, 90, 200)))
    picker = window.editor.pick_visual(scene.id)
    qtbot.waitUntil(lambda: not picker.preview._image.isNull(), timeout=TIMEOUT)
    shown = picker.preview._image
    colour = shown.pixelColor(shown.width() // 2, shown.height() // 2)
    assert (colour.red(), colour.blue()) == pytest.approx((0, 200), abs=12)
    assert "beach" in picker.preview.credit.text()
    picker.reject()


def test_the_pickers_placeholder_fits_a_narrow_preview(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (9, 9, 9)))
    picker = window.editor.pick_visual(scene.id)
    picker.preview.picture.resize(QSize(170, 300))
    picker.preview.show_picture(None, "")
    pixmap = picker.preview.picture.pixmap()
    assert 0 < pixmap.width() <= 170
    picker.reject()


def test_the_hint_names_the_button_a_stock_result_shows_and_its_picture_arrives(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path, stock_servers: Any
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (9, 9, 9)))
    picker = window.editor.pick_visual(scene.id)
    for name, box in picker.stock.providers.boxes.items():
        box.setChecked(name == "pexels")
    picker.stock.query.setText("bees")
    with qtbot.waitSignal(picker.stock.searched, timeout=TIMEOUT):
        picker.stock.search()
    tile = next(
        item for item in picker.stock.stock_items() if item.data(CANDIDATE_ROLE).kind == "image"
    )
    picker.list.setCurrentItem(tile)
    assert picker.use_button.text() in picker.hint.text()
    candidate = tile.data(CANDIDATE_ROLE)
    qtbot.waitUntil(
        lambda: picker._previews.image(candidate.preview_url) is not None, timeout=TIMEOUT
    )
    qtbot.waitUntil(lambda: not picker.preview._image.isNull(), timeout=TIMEOUT)
    assert candidate.credit.author in picker.preview.credit.text()
    qtbot.waitUntil(lambda: not picker.stock.searching, timeout=TIMEOUT)
    picker.reject()


def _red_in_the_middle(image: QImage) -> bool:
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return colour.red() > 180 and colour.green() < 80


def test_a_card_and_the_filmstrip_show_a_frame_of_a_clip_not_its_file_name(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    window, scene = _window_on(make_window, library, _red_clip(tmp_path / "sea.mp4"))
    card = window.editor.card(scene.id)
    qtbot.waitUntil(
        lambda: _red_in_the_middle(card.visual.icon().pixmap(card.visual.iconSize()).toImage()),
        timeout=TIMEOUT,
    )
    strip = window.filmstrip
    block = next(block for block in strip.blocks if block.scene_id == scene.id)

    def strip_shows_red() -> bool:
        pixmap = strip.thumbnail(block)
        return pixmap is not None and _red_in_the_middle(pixmap.toImage())

    qtbot.waitUntil(strip_shows_red, timeout=TIMEOUT)


def test_the_render_panel_calls_2160p_4k_and_stores_the_size(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    project = make_project(library)
    window = make_window()
    window.workspace.set_current_project(project.id)
    combo = window.render_panel.resolution
    index = combo.findText("2160p (4K)")
    assert index >= 0
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert library.refresh(project).render_settings["resolution"] == "2160p"
    assert combo.currentText() == "2160p (4K)"


def test_caption_colours_read_as_colours_with_their_opacity(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    assert colour_text("#ffd400") == "#FFD400"
    assert colour_text("#101010DF") == "#101010, 87 % opaque"
    project = make_project(library)
    window = make_window()
    window.workspace.set_current_project(project.id)
    window.render_panel.caption_edit.click()
    dialog = window.render_panel.findChild(CaptionStyleDialog, "captionStyleDialog")
    qtbot.addWidget(dialog)
    texts = [
        button.text()
        for button in dialog.findChildren(QPushButton)
        if button.objectName().startswith("caption_")
    ]
    assert texts and all(len(text.split(",")[0]) == 7 for text in texts), texts
    qtbot.waitUntil(lambda: not dialog.previewer.busy(), timeout=TIMEOUT)
    dialog.reject()


def test_offline_the_picker_says_so_in_one_quiet_line_and_keeps_own_media(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path, stock_servers: Any
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (9, 9, 9)))
    for name in ("pexels", "openverse"):
        stock_servers[name].stop()  # nothing answers on their ports any more
    picker = window.editor.pick_visual(scene.id)
    for name, box in picker.stock.providers.boxes.items():
        box.setChecked(name in ("pexels", "openverse"))
    picker.stock.query.setText("bees")
    with qtbot.waitSignal(picker.stock.searched, timeout=TIMEOUT):
        picker.stock.search()
    line = picker.stock.status.text()
    assert line.startswith("Can't reach the stock libraries") and "\n" not in line
    assert "127.0.0.1" not in line
    assert not picker.stock.more_button.isEnabled()  # no page came: nothing more to ask
    assert picker.list.count() == 1 and picker.stock.stock_items() == []
    assert picker.file_button.isEnabled()
    picker.reject()


def test_filling_again_counts_every_filled_scene_by_its_library(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path, stock_servers: Any
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (9, 9, 9)))
    texts: list[str] = []
    for _round in range(2):  # the second fill chooses the same footage again
        dialog = window.editor.fill_with_stock()
        for name, box in dialog.providers.boxes.items():
            box.setChecked(name == "pexels")
        dialog.replace.setChecked(True)
        with qtbot.waitSignal(window.jobs.jobFinished, timeout=60_000):
            dialog.ok.click()
        box = window.findChild(QMessageBox, "fillResult")
        texts.append(box.text())
        box.close()
        box.deleteLater()
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "fillResult") is None)
    count = len(library.scenes(library.project(scene.project_id)))
    assert texts == [f"{count} scenes got stock footage: {count} from Pexels."] * 2


def test_tab_goes_from_the_search_words_to_search_then_the_libraries_then_the_grid(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path, stock_servers: Any
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (9, 9, 9)))
    picker = window.editor.pick_visual(scene.id)
    stock = picker.stock
    wanted = [stock.query, stock.search_button, *stock.providers.boxes.values(), picker.list]
    order: list[Any] = []
    widget = picker.nextInFocusChain()
    while widget is not picker and len(order) < 500:
        if widget in wanted:
            order.append(widget)
        widget = widget.nextInFocusChain()
    assert order == wanted
    picker.reject()


def test_the_current_stock_visual_is_previewed_with_its_licence(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path, stock_servers: Any
) -> None:
    window, scene = _window_on(make_window, library, _picture(tmp_path / "beach.png", (9, 9, 9)))
    picker = window.editor.pick_visual(scene.id)
    for name, box in picker.stock.providers.boxes.items():
        box.setChecked(name == "pexels")
    picker.stock.query.setText("bees")
    with qtbot.waitSignal(picker.stock.searched, timeout=TIMEOUT):
        picker.stock.search()
    tile = next(
        item for item in picker.stock.stock_items() if item.data(CANDIDATE_ROLE).kind == "image"
    )
    credit = tile.data(CANDIDATE_ROLE).credit
    picker.list.setCurrentItem(tile)
    with qtbot.waitSignal(picker.download.ended, timeout=TIMEOUT):
        picker.use_button.click()
    assert picker.list.currentRow() == 0  # the scene's own visuals again, the new one first
    shown = picker.preview.credit.text()
    assert shown.startswith("Current") and credit.author in shown
    assert "Licence: " in shown and credit.licence in shown
    picker.reject()
