"""The project list: search, sort (remembered), thumbnails, a subtitle that tells the truth, and
deleting a project while keeping its videos. Real windows on real libraries."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

from studio.gui.project_tree import SUBTITLE_ROLE, THUMB_ROLE
from studio.store.models import Project
from tests.factories import make_project
from tests.gui.support import answer_next_question, multimedia_noise, tiny_video

pytestmark = [pytest.mark.gui, multimedia_noise]


def _subtitle(win: Any, project_id: str) -> str:
    return str(win.tree.project_item(project_id).data(0, SUBTITLE_ROLE))


def _fake_render(
    library: Any, project: Project, name: str = "v", *, thumbnail: Path | None = None
) -> Any:
    """A recorded render of a real tiny video."""
    video = tiny_video(library.home.project_dir(project.id) / "renders" / f"{name}.mp4")
    return library.record_render(
        project, file_path=video, duration=3.0, thumbnail=thumbnail, srt=None, settings={}, job=None
    )


def test_search_filters_by_name_and_scene_text(make_window: Any, library: Any) -> None:
    bees = make_project(library, "Bees")
    make_project(library, "Volcanoes", ["Lava flows downhill.", "Ash falls."])
    ants = make_project(library, "Ants", ["Ants carry leaves.", "Some farm fungus like bees."])
    win = make_window()
    assert len(win.tree.shown_project_ids()) == 3

    win.project_list.search.setText("VOLC")
    assert [win.tree.project_item(p).text(0) for p in win.tree.shown_project_ids()] == ["Volcanoes"]
    win.project_list.search.setText("farm fungus")  # only a scene of Ants says this
    assert win.tree.shown_project_ids() == [ants.id]
    ants_item = win.tree.project_item(ants.id)
    assert ants_item.isExpanded()
    assert [ants_item.child(i).isHidden() for i in range(2)] == [True, False]
    win.project_list.search.setText("bees")  # a name and a scene
    assert set(win.tree.shown_project_ids()) == {bees.id, ants.id}
    win.project_list.search.clear()
    assert len(win.tree.shown_project_ids()) == 3
    assert not ants_item.child(0).isHidden()


def test_ctrl_f_focuses_the_search(make_window: Any, library: Any, qtbot: Any) -> None:
    make_project(library)
    win = make_window()
    win.activateWindow()
    win.sidebar.setCurrentWidget(win.media_bin)  # another tab in front: Ctrl+F still finds
    win.window_actions.find_project.trigger()
    assert win.sidebar.currentWidget() is win.project_list
    qtbot.waitUntil(lambda: win.project_list.search.hasFocus())


def test_sort_orders_and_the_choice_is_remembered(
    make_window: Any, library: Any, qsettings: QSettings
) -> None:
    made = [make_project(library, name) for name in ("banana", "Apple", "cherry")]
    # Created: banana, Apple, cherry (oldest first); last active: Apple most recently.
    for offset, project in enumerate(made):
        Project.update(created_at=project.created_at + timedelta(minutes=offset)).where(
            Project.id == project.id
        ).execute()
    library.touch(made[1])
    win = make_window()

    def names() -> list[str]:
        return [win.tree.project_item(p).text(0) for p in win.tree.shown_project_ids()]

    assert names()[0] == "Apple"  # last active first (the default)
    sort = win.project_list.sort
    sort.setCurrentIndex(sort.findData("name"))
    assert names() == ["Apple", "banana", "cherry"]
    sort.setCurrentIndex(sort.findData("created"))
    assert names() == ["cherry", "Apple", "banana"]
    scene_numbers = [win.tree.project_item(made[0].id).child(i).text(0)[0] for i in range(3)]
    assert scene_numbers == ["1", "2", "3"]  # scenes keep their order whatever the sort
    assert qsettings.value("projects/sort") == "created"
    win.close()
    again = make_window()
    assert again.project_list.sort.currentData() == "created"
    assert [again.tree.project_item(p).text(0) for p in again.tree.shown_project_ids()] == [
        "cherry",
        "Apple",
        "banana",
    ]


def test_two_hundred_projects_filter_and_reload(make_window: Any, library: Any) -> None:
    for n in range(200):
        project = library.create_project(f"Project {n:03d}")
        library.replace_scenes(project, [(f"Scene about topic {n}.", []), ("Outro.", [])])
    started = time.perf_counter()
    win = make_window()
    opened = time.perf_counter() - started
    assert len(win.tree.shown_project_ids()) == 200
    started = time.perf_counter()
    win.tree.reload()
    reloaded = time.perf_counter() - started
    win.project_list.search.setText("topic 17")  # 17, 170..179
    assert len(win.tree.shown_project_ids()) == 11
    started = time.perf_counter()
    win.project_list.sort.setCurrentIndex(win.project_list.sort.findData("name"))
    resorted = time.perf_counter() - started
    print(
        f"\n200 projects: window {opened * 1000:.0f} ms, reload {reloaded * 1000:.0f} ms, "
        f"sort by name {resorted * 1000:.0f} ms"
    )


def test_the_latest_render_thumbnail_is_shown(
    make_window: Any, library: Any, qtbot: Any, tmp_path: Path
) -> None:
    project = make_project(library)
    image = library.home.project_dir(project.id) / "renders" / "thumb.png"
    image.parent.mkdir(parents=True, exist_ok=True)
    picture = QImage(320, 180, QImage.Format.Format_RGB32)
    picture.fill(QColor("#cc3322"))
    assert picture.save(str(image))
    _fake_render(library, project, thumbnail=image)
    bare = make_project(library, "No render")
    win = make_window()
    item = win.tree.project_item(project.id)
    qtbot.waitUntil(lambda: isinstance(item.data(0, THUMB_ROLE), QPixmap))
    thumb = item.data(0, THUMB_ROLE)
    assert thumb.width() <= 48 and thumb.height() <= 27 and not thumb.isNull()
    assert thumb.toImage().pixelColor(10, 10) == QColor("#cc3322")
    assert win.tree.project_item(bare.id).data(0, THUMB_ROLE) is None


def test_a_fresh_duplicate_says_not_rendered_yet(make_window: Any, library: Any) -> None:
    project = make_project(library)
    library.set_step(project, "export")  # what a render sets when it starts
    _fake_render(library, project)
    copy = library.duplicate_project(project)
    win = make_window()
    assert "rendered just now" in _subtitle(win, project.id)
    assert "not rendered yet" in _subtitle(win, copy.id)
    assert "xport" not in _subtitle(win, copy.id)


@pytest.mark.slow
def test_the_subtitle_says_rendering_during_a_render(
    make_window: Any, library: Any, qtbot: Any
) -> None:
    project = make_project(library, "Bees", ("Bees visit flowers.", "They make honey."))
    win = make_window()
    win.workspace.set_current_project(project.id)
    assert win.start_render()
    # Once the render has reached its own step (the one that used to read "Exported")...
    qtbot.waitUntil(lambda: library.refresh(project).current_step == "export", timeout=60_000)
    win.tree.reload()
    during = _subtitle(win, project.id)
    with qtbot.waitSignal(win.jobs.jobFinished, timeout=60_000):  # stop before asserting: a
        win.jobs.cancel_project(project.id)  # failed test must not close a busy window
    win.tree.reload()
    assert "rendering…" in during and "xport" not in during
    assert "not rendered yet" in _subtitle(win, project.id)


def test_delete_keeping_videos_keeps_the_files(
    make_window: Any, library: Any, tmp_path: Path, qtbot: Any
) -> None:
    project = make_project(library)
    video_size = library.home.abs(_fake_render(library, project, "first").file_path).stat().st_size
    win = make_window()
    win.projects.videos_folder = tmp_path / "Videos" / "Studio"
    win.workspace.set_current_project(project.id)
    win.tree.setFocus()
    answer_next_question("Cancel")
    win.window_actions.delete.trigger()
    assert [p.id for p in library.projects()] == [project.id]

    answer_next_question("Delete project, keep videos")
    win.window_actions.delete.trigger()

    assert library.projects() == []
    kept = list((tmp_path / "Videos" / "Studio").glob("*.mp4"))
    assert len(kept) == 1 and kept[0].stat().st_size == video_size
    assert kept[0].name.startswith("Bees ")
    assert not library.home.project_dir(project.id).exists()
    assert str(tmp_path / "Videos" / "Studio") in win.projects.notice.text()


def test_the_keep_button_is_the_default_and_delete_all_removes_videos(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    project = make_project(library)
    video = library.home.abs(_fake_render(library, project).file_path)
    win = make_window()
    win.projects.videos_folder = tmp_path / "kept"
    win.workspace.set_current_project(project.id)
    defaults: list[str] = []

    def note_default_then_delete_all() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        defaults.append(box.defaultButton().text())

    QTimer.singleShot(0, note_default_then_delete_all)
    answer_next_question("Delete project and videos")
    win.projects.delete()
    assert defaults == ["Delete project, keep videos"]
    assert library.projects() == [] and not video.exists()
    assert not (tmp_path / "kept").exists()
