"""Stock footage in the visual picker and "Fill all scenes", through the real widgets, the real
store and the fake stock libraries on 127.0.0.1 (``stock_servers``): what the grid shows and in
which order, which requests a search costs, the quiet line a failure leaves, a download's
progress, mark, credit and undo, a cancelled download, and filling only the empty scenes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.gui.stock_panel import CANDIDATE_ROLE
from studio.pipeline.visuals import choose_visual
from tests.factories import make_project
from tests.gui.support import MULTIMEDIA_NOISE

#: Qt's multimedia noise, and a clip preview interrupted by closing the picker or moving on
#: (pytest-qt reads one ``qt_log_ignore`` mark: the closest).
quiet_clips = pytest.mark.qt_log_ignore(
    *MULTIMEDIA_NOISE, r"Could not open media.*Immediate exit requested"
)
pytestmark = [pytest.mark.gui, quiet_clips]
TIMEOUT = 20_000


def picture(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (160, 90), (200, 180, 40)).save(path)
    return path


@pytest.fixture
def own_scene(make_window: Any, library: Any, tmp_path: Path, stock_servers: Any) -> Any:
    """A window on a project whose first scene shows the creator's own "my beach.png"."""
    project = make_project(library)
    scene = library.scenes(project)[0]
    choose_visual(library, project, scene, picture(tmp_path / "my beach.png"))
    window = make_window()
    window.workspace.set_current_project(project.id)
    return window, library.scene(scene.id)


def open_picker(qtbot: Any, window: Any, scene: Any, libraries: tuple[str, ...]) -> Any:
    picker = window.editor.pick_visual(scene.id)
    for name, box in picker.stock.providers.boxes.items():
        box.setChecked(name in libraries)
    return picker


def search(qtbot: Any, picker: Any, query: str = "bees") -> None:
    picker.stock.query.setText(query)
    with qtbot.waitSignal(picker.stock.searched, timeout=TIMEOUT):
        picker.stock.query.returnPressed.emit()


def close(qtbot: Any, picker: Any) -> None:
    qtbot.waitUntil(lambda: not picker.stock.searching, timeout=TIMEOUT)
    picker.reject()


def tiles(picker: Any) -> list[str]:
    return [picker.list.item(row).text() for row in range(picker.list.count())]


def page_requests(server: Any, page: str) -> int:
    return sum(1 for r in server.api_requests() if (r.param("page") or "1") == page)


def test_results_from_two_libraries_follow_the_creators_own_media(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any
) -> None:
    window, scene = own_scene
    picker = open_picker(qtbot, window, scene, ("pexels", "openverse"))

    search(qtbot, picker)

    shown = tiles(picker)
    assert shown[0] == "Current: my beach.png"  # own media first
    stock = picker.stock.stock_items()
    libraries = {item.text().split("\n")[0] for item in stock}
    assert libraries == {"Pexels", "Openverse"}
    assert picker.list.row(stock[0]) > 0
    first = stock[0].data(CANDIDATE_ROLE)
    assert first.credit.author and first.credit.author in stock[0].toolTip()  # licence line
    assert ("Clip" in stock[0].text()) or ("Picture" in stock[0].text())
    # The previews arrive off the GUI thread and are kept on disk, size-capped.
    qtbot.waitUntil(lambda: not picker._previews.pending, timeout=TIMEOUT)
    cached = list((library.home.cache_dir / "stock-previews").iterdir())
    assert cached and all(p.stat().st_size < 4_000_000 for p in cached)
    picker.list.setCurrentItem(stock[0])
    assert first.credit.author in picker.preview.credit.text()
    assert not picker.preview.picture.pixmap().isNull()
    close(qtbot, picker)


def test_more_results_asks_only_for_the_next_page(
    qtbot: Any, own_scene: Any, stock_servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.stock.providers.common import Provider

    monkeypatch.setattr(Provider, "per_page", 4)  # the catalogue's 20 items: several pages
    window, scene = own_scene
    pexels = stock_servers["pexels"]
    picker = open_picker(qtbot, window, scene, ("pexels",))
    search(qtbot, picker)
    first_page = len(picker.stock.stock_items())
    asked_for_page_one = page_requests(pexels, "1")
    assert first_page > 0 and asked_for_page_one > 0
    assert picker.stock.more_button.isEnabled()

    with qtbot.waitSignal(picker.stock.searched, timeout=TIMEOUT):
        picker.stock.more_button.click()

    assert len(picker.stock.stock_items()) > first_page
    assert page_requests(pexels, "1") == asked_for_page_one  # page 1 was not asked again
    assert page_requests(pexels, "2") > 0
    close(qtbot, picker)


def test_reopening_the_picker_shows_the_results_without_a_request(
    qtbot: Any, own_scene: Any, stock_servers: Any
) -> None:
    window, scene = own_scene
    picker = open_picker(qtbot, window, scene, ("pexels", "openverse"))
    search(qtbot, picker, "honey bees")
    before = tiles(picker)
    close(qtbot, picker)
    asked = {name: len(stock_servers[name].api_requests()) for name in ("pexels", "openverse")}

    again = window.editor.pick_visual(scene.id)

    assert again.stock.query.text() == "honey bees"
    assert tiles(again) == before
    assert {n: len(stock_servers[n].api_requests()) for n in asked} == asked
    close(qtbot, again)


def test_a_refused_key_is_one_quiet_line_saying_what_to_do(
    qtbot: Any, own_scene: Any, stock_servers: Any
) -> None:
    window, scene = own_scene
    stock_servers["pexels"].fail("unauthorized", times=5)
    picker = open_picker(qtbot, window, scene, ("pexels",))

    search(qtbot, picker)

    line = picker.stock.status.text()
    assert line.startswith("Pexels:") and "key" in line.lower() and "Settings" in line
    assert "\n" not in line
    assert not [
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
    ]
    assert picker.stock.stock_items() == []
    close(qtbot, picker)


def test_choosing_a_result_downloads_it_marks_it_and_credits_the_card(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any
) -> None:
    window, scene = own_scene
    picker = open_picker(qtbot, window, scene, ("pexels",))
    search(qtbot, picker)
    item = picker.stock.stock_items()[0]
    candidate = item.data(CANDIDATE_ROLE)
    picker.list.setCurrentItem(item)
    seen: list[float] = []
    window.jobs.progress.connect(lambda _job, fraction, _stage, _eta: seen.append(fraction))

    with qtbot.waitSignal(picker.download.ended, timeout=TIMEOUT) as ended:
        picker.use_button.click()

    assert ended.args == [True]
    assert seen  # progress reached the jobs machinery (the jobs list and the render panel)
    assert [j.state for j in window.jobs.ended() if j.kind == "stock"] == ["done"]
    selection = library.selection(library.scene(scene.id))
    assert selection.credit["provider"] == "pexels"
    assert selection.credit["author"] == candidate.credit.author
    assert library.home.abs(selection.asset_path).is_file()
    assert picker.isVisible()  # stays open: the visual can be framed at once
    assert item.text().startswith("Current: ")
    assert picker.list.item(0).text().startswith("Current: Pexels: ")
    card = window.editor.card(scene.id)
    assert card.visual_label.text().startswith("Pexels: ")
    assert candidate.credit.licence in card.visual.toolTip()  # the credit line

    window.workspace.undo_group.undo()  # the download is undoable like any visual change

    selection = library.selection(library.scene(scene.id))
    assert selection.credit is None and selection.asset_path.endswith("my beach.png")
    picker.reject()


def test_cancelling_a_download_keeps_the_old_visual_and_no_file(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any
) -> None:
    window, scene = own_scene
    before = library.selection(scene).asset_path
    project_dir = library.home.project_dir(scene.project_id)
    files_before = {p for p in project_dir.rglob("*") if p.is_file()}
    pexels = stock_servers["pexels"]
    picker = open_picker(qtbot, window, scene, ("pexels",))
    search(qtbot, picker)
    picture_tile = next(
        i for i in picker.stock.stock_items() if i.data(CANDIDATE_ROLE).kind == "image"
    )
    picker.list.setCurrentItem(picture_tile)  # a still: no clip preview fetches the file
    pexels.fail("cut", times=20, on="files")  # each try breaks off: the download waits to retry

    picker.use_button.click()
    qtbot.waitUntil(
        lambda: any(r.path.startswith("/files/") for r in pexels.requests), timeout=TIMEOUT
    )
    with qtbot.waitSignal(picker.download.ended, timeout=TIMEOUT) as ended:
        picker.download.cancel_button.click()

    assert ended.args == [False]
    assert library.selection(library.scene(scene.id)).asset_path == before
    new_files = {p for p in project_dir.rglob("*") if p.is_file()} - files_before
    assert not [p for p in new_files if not p.name.startswith(".")]  # at most a hidden .part
    assert "cancel" in picker.download.label.text().lower()
    picker.reject()


def test_fill_all_scenes_fills_only_the_empty_ones(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any
) -> None:
    window, scene = own_scene
    dialog = window.editor.fill_with_stock()
    for name, box in dialog.providers.boxes.items():
        box.setChecked(name == "pexels")
    assert dialog.only_empty.isChecked()

    with qtbot.waitSignal(window.jobs.jobFinished, timeout=60_000):
        dialog.ok.click()

    scenes = library.scenes(library.project(scene.project_id))
    own = library.selection(scenes[0])
    assert own.asset_path.endswith("my beach.png") and own.credit is None
    filled = [library.selection(s) for s in scenes[1:]]
    assert all(sel is not None and sel.credit["provider"] == "pexels" for sel in filled)
    box = window.findChild(QMessageBox, "fillResult")
    assert box is not None
    assert box.text() == f"{len(filled)} scenes got stock footage: {len(filled)} from Pexels."
    box.close()


def test_a_library_without_its_key_is_offered_disabled_saying_where_to_add_it(
    qtbot: Any, own_scene: Any, stock_servers: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PIXABAY_API_KEY")
    window, scene = own_scene

    picker = window.editor.pick_visual(scene.id)

    pixabay, openverse = (
        picker.stock.providers.boxes["pixabay"],
        picker.stock.providers.boxes["openverse"],
    )
    assert not pixabay.isEnabled() and not pixabay.isChecked()
    assert pixabay.text() == "Pixabay: add a key in Settings"
    assert openverse.isEnabled() and openverse.isChecked()  # needs no key
    assert "pixabay" not in picker.stock.providers.chosen()
    close(qtbot, picker)


def test_undoing_another_choice_brings_a_stock_visual_back_with_its_credit(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any, tmp_path: Path
) -> None:
    window, scene = own_scene
    picker = open_picker(qtbot, window, scene, ("openverse",))
    search(qtbot, picker)
    picker.list.setCurrentItem(picker.stock.stock_items()[0])
    with qtbot.waitSignal(picker.download.ended, timeout=TIMEOUT):
        picker.use_button.click()
    picker.reject()
    credit = library.selection(library.scene(scene.id)).credit
    assert credit["provider"] == "openverse"
    own = library.home.project_dir(scene.project_id) / "visuals" / "mine.png"

    window.editor.use_file(scene.id, picture(own))  # inside the project: no import job
    assert library.selection(library.scene(scene.id)).credit is None
    window.workspace.undo_group.undo()

    assert library.selection(library.scene(scene.id)).credit == credit


def test_a_newer_search_replaces_one_still_waiting(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any
) -> None:
    window, scene = own_scene
    pexels = stock_servers["pexels"]
    pexels.fail("rate_limited", retry_after="30")  # the first search waits half a minute
    picker = open_picker(qtbot, window, scene, ("pexels",))
    shown: list[str] = []
    picker.stock.searched.connect(lambda: shown.append(picker.stock.status.text()))
    picker.stock.query.setText("waiting")
    picker.stock.search()
    qtbot.waitUntil(lambda: len(pexels.api_requests()) >= 1, timeout=TIMEOUT)

    search(qtbot, picker, "bees at dawn")

    assert len(shown) == 1 and "results" in shown[0]  # the first one never reported
    assert picker.stock.stock_items()
    queries = {s.query for s in library.suggestions(library.scene(scene.id))}
    assert queries == {"bees at dawn"}
    close(qtbot, picker)


def test_a_clip_plays_inline_in_the_preview_and_a_picture_shows_still(
    qtbot: Any, own_scene: Any, stock_servers: Any
) -> None:
    window, scene = own_scene
    picker = open_picker(qtbot, window, scene, ("pexels",))
    search(qtbot, picker)
    items = picker.stock.stock_items()
    clip = next(i for i in items if i.data(CANDIDATE_ROLE).kind == "video")
    still = next(i for i in items if i.data(CANDIDATE_ROLE).kind == "image")

    picker.list.setCurrentItem(clip)

    assert picker.preview.playing_url.startswith(stock_servers["pexels"].root)
    qtbot.waitUntil(lambda: picker.preview.video.sink.videoFrame().isValid(), timeout=TIMEOUT)
    assert not picker.preview.video.sink.videoFrame().toImage().isNull()
    picker.list.setCurrentItem(still)
    assert picker.preview.playing_url == ""
    close(qtbot, picker)


def test_the_downloaded_visual_is_framed_in_the_pickers_framing_tab_undoably(
    qtbot: Any, own_scene: Any, stock_servers: Any, library: Any
) -> None:
    window, scene = own_scene
    picker = open_picker(qtbot, window, scene, ("openverse",))
    search(qtbot, picker)
    picker.list.setCurrentItem(picker.stock.stock_items()[0])
    with qtbot.waitSignal(picker.download.ended, timeout=TIMEOUT):
        picker.use_button.click()
    picker.tabs.setCurrentWidget(picker.framing)
    assert picker.framing.editor.isVisible() and not picker.use_button.isEnabled()
    editor = picker.framing.editor

    editor.framing.setCurrentIndex(editor.framing.findData("fit-blur"))
    editor.framing.activated.emit(editor.framing.currentIndex())  # what a click on it sends

    selection = library.selection(library.scene(scene.id))
    assert selection.framing == "fit-blur" and selection.credit["provider"] == "openverse"
    window.workspace.undo_group.undo()
    assert library.selection(library.scene(scene.id)).framing == "fill"
    picker.reject()
