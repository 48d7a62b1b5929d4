"""View → Statistics… and File → Clean up…, driven through the window's menus and widgets."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMenu

from studio.gui.cleanup_dialog import CleanupDialog
from studio.gui.op import Op
from studio.gui.stats_dialog import StatsDialog
from studio.store.usage import estimate_cost, format_usd
from tests.factories import make_project
from tests.gui.support import answer_next_question, multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]


def _menu_action(window: Any, menu_title: str, text: str) -> Any:
    """The action called ``text`` in the menu bar's ``menu_title`` menu."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu_title and isinstance(top.menu(), QMenu):
            for action in top.menu().actions():
                if action.text().replace("&", "") == text:
                    return action
    raise AssertionError(f"no {menu_title} → {text} in the menu bar")


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real 1 s video: the render panel previews the latest render, so it must open."""
    import imageio_ffmpeg

    out = tmp_path_factory.mktemp("media") / "tiny.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x36:rate=10",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(out),
        ],
        check=True,
        timeout=60,
    )
    return out


def _render(library: Any, project: Any, seconds: float, source: Path) -> None:
    folder = library.home.project_dir(project.id, create=True) / "renders"
    video = folder / f"video-{len(list(folder.iterdir()))}.mp4"
    shutil.copyfile(source, video)
    library.record_render(
        project, file_path=video, duration=seconds, thumbnail=None, srt=None, settings={}, job=None
    )


def _call(library: Any, project: Any, model: str, prompt: int, completion: int) -> None:
    library.record_llm_call(
        project,
        None,
        model=model,
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=prompt + completion,
    )


def _cells(table: Any, row: int) -> list[str]:
    return [table.item(row, column).text() for column in range(table.columnCount())]


def test_statistics_show_the_library_and_refresh_when_opened_again(
    qtbot: Any, library: Any, make_window: Any, tiny_video: Path
) -> None:
    bees = make_project(library, "Bees")
    make_project(library, "Ants")
    _render(library, bees, 90, tiny_video)
    _call(library, bees, "llama-3.3-70b-versatile", 3000, 1000)
    window = make_window()

    _menu_action(window, "View", "Statistics…").trigger()
    dialog = window.findChild(StatsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.values["projects"].text() == "2"
    assert dialog.values["rendered"].text() == "1.5 min in 1 renders"
    assert dialog.values["tokens"].text() == "4,000 (3,000 in, 1,000 out) in 1 calls"
    cost = format_usd(estimate_cost("llama-3.3-70b-versatile", 3000, 1000) or 0)
    assert dialog.values["cost"].text() == cost
    rows = {
        _cells(dialog.table, r)[0]: _cells(dialog.table, r) for r in range(dialog.table.rowCount())
    }
    assert set(rows) == {"Bees", "Ants"}
    assert rows["Bees"][3:] == ["1", "1.5", "4,000", cost]
    assert rows["Ants"][3:] == ["0", "0.0", "0", "$0.00"]
    dialog.close()

    # New work since: the dialog reads the library again when it is opened again.
    _render(library, bees, 30, tiny_video)
    _call(library, bees, "someone/new-model", 10, 10)
    with qtbot.waitSignal(dialog.refreshed, timeout=5000):
        _menu_action(window, "View", "Statistics…").trigger()
    assert window.findChildren(StatsDialog) == [dialog]
    assert dialog.values["rendered"].text() == "2.0 min in 2 renders"
    assert dialog.values["cost"].text() == f"{cost} + calls of unknown price"
    assert "Unknown price for someone/new-model" in dialog.note.text()
    bees_row = next(
        r for r in range(dialog.table.rowCount()) if dialog.table.item(r, 0).text() == "Bees"
    )
    assert dialog.table.item(bees_row, 5).text() == "4,020"
    assert dialog.table.item(bees_row, 6).toolTip() == "Unknown price for someone/new-model"
    dialog.close()


def _aged(path: Path, days: float = 40) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(b"x" * 2500)
    when = time.time() - days * 86_400
    os.utime(path, (when, when))
    return path


def _open_cleanup(qtbot: Any, window: Any) -> CleanupDialog:
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=10_000):
        _menu_action(window, "File", "Clean up…").trigger()
    dialog = window.findChild(CleanupDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=5000)
    return dialog


def test_clean_up_lists_the_dry_run_asks_then_deletes_it(
    qtbot: Any, library: Any, make_window: Any
) -> None:
    project = make_project(library)
    folder = library.home.project_dir(project.id)
    scene = library.scenes(project)[0]
    used = _aged(folder / "visuals" / "chosen.png")
    library.select_clip(scene, used, kind="image", source="file")
    _aged(used)
    orphan = _aged(folder / "audio" / "replaced.wav")
    young = _aged(folder / "audio" / "new.wav", days=1)
    window = make_window()

    dialog = _open_cleanup(qtbot, window)
    assert dialog.table.rowCount() == 1
    assert _cells(dialog.table, 0) == [
        "Bees",
        "audio/replaced.wav",
        "2.5 KB",
        "40 days",
        "scene audio no scene uses",
    ]
    orphan_cell = dialog.table.item(0, 1)
    assert orphan_cell is not None and orphan_cell.toolTip() == str(orphan)
    assert dialog.status.text() == "1 item (2.5 KB) and 0 old jobs can go."
    assert dialog.delete_button.isEnabled()

    answer_next_question("Keep them")
    dialog.delete_button.click()
    assert orphan.is_file() and not window.jobs.busy

    answer_next_question("Delete")
    with qtbot.waitSignal(dialog.cleaned, timeout=10_000):
        dialog.delete_button.click()
    assert not orphan.exists()
    assert used.is_file() and young.is_file()
    assert dialog.status.text() == "Deleted 1 item (2.5 KB) and 0 old jobs."
    assert not dialog.delete_button.isEnabled()
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=5000)

    # Opening it again scans again: nothing is left.
    dialog.close()
    again = _open_cleanup(qtbot, window)
    assert again is dialog
    assert dialog.table.rowCount() == 0
    assert dialog.status.text() == "Nothing older than 30 days to clean up."
    assert not dialog.delete_button.isEnabled()
    dialog.close()


def test_clean_up_lists_and_deletes_previews_of_deleted_projects_and_empty_visual_folders(
    qtbot: Any, library: Any, make_window: Any
) -> None:
    project = make_project(library)
    empty = library.home.project_dir(project.id) / "visuals" / "0123456789abcdef"
    empty.mkdir(parents=True)
    _aged(empty)
    gone = "0f0f0f0f-0000-4000-8000-000000000000"
    previews = _aged(library.home.scene_previews_dir / gone / "a1.mp4").parent
    _aged(previews)
    own = _aged(library.home.scene_previews_dir / project.id / "b2.mp4")
    window = make_window()

    dialog = _open_cleanup(qtbot, window)
    rows = sorted(_cells(dialog.table, r) for r in range(dialog.table.rowCount()))
    assert rows == [
        ["(none)", f"cache/scene-previews/{gone}/", "2.5 KB", "40 days",
         "scene previews of a project that no longer exists"],
        ["Bees", "visuals/0123456789abcdef/", "0 bytes", "40 days",
         "empty folder of a visual that was removed"],
    ]  # fmt: skip

    answer_next_question("Delete")
    with qtbot.waitSignal(dialog.cleaned, timeout=10_000):
        dialog.delete_button.click()
    assert not empty.exists() and not previews.exists()
    assert own.is_file()
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=5000)
    dialog.close()


def test_clean_up_age_can_be_changed_and_a_busy_window_says_so(
    qtbot: Any, library: Any, make_window: Any
) -> None:
    project = make_project(library)
    young = _aged(library.home.project_dir(project.id) / "audio" / "young.wav", days=3)
    window = make_window()
    dialog = _open_cleanup(qtbot, window)
    assert dialog.table.rowCount() == 0

    dialog.older_than.setValue(2)
    with qtbot.waitSignal(dialog.planReady, timeout=10_000):
        dialog.scan_button.click()
    young_cell = dialog.table.item(0, 1)
    assert young_cell is not None and young_cell.text() == "audio/young.wav"
    assert young.is_file()

    def slow(reporter: Any, cancel: Any) -> None:
        while not cancel.cancelled:
            cancel.wait(0.01)

    assert window.jobs.run(Op("Busy", slow, kind="test"))
    assert not dialog.scan()
    assert "busy" in dialog.status.text()
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=5000):
        window.jobs.cancel()
    dialog.close()
