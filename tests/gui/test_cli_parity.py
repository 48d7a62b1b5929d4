"""Everything the CLI can do, from the window: export, backups and restore, delete a render,
"Save video as…", "Show in folder" without a file manager, the sample again; and the keyboard
(a cheat sheet read from the actions, no shortcut used twice). Real windows, real libraries."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from studio.gui.backups_dialog import BackupsDialog
from studio.gui.crash_reporter import open_folder
from studio.gui.shortcuts_dialog import ShortcutsDialog, action_label, show_shortcuts
from studio.store import archive, backup
from tests.conftest import REPO
from tests.factories import make_project, make_project_with_files
from tests.gui.support import answer_next_question, multimedia_noise, tiny_video
from tests.gui.test_concurrency import HOLD_LOCK

pytestmark = [pytest.mark.gui, multimedia_noise]


def _fake_render(library: Any, project: Any, name: str) -> Any:
    """A recorded render of a real tiny video (its bytes differ by name: a trailing tag)."""
    video = tiny_video(library.home.project_dir(project.id) / "renders" / f"{name}.mp4")
    return library.record_render(
        project, file_path=video, duration=2.0, thumbnail=None, srt=None, settings={}, job=None
    )


def _history_action(win: Any, render_id: str, text: str) -> QAction:
    history = win.render_panel.history
    item = next(
        history.item(i)
        for i in range(history.count())
        if history.item(i).data(Qt.ItemDataRole.UserRole + 1) == render_id
    )
    menu = win.render_panel.history_menu(item)
    return next(a for a in menu.actions() if a.text() == text)


def test_export_writes_an_archive_that_imports_back(
    make_window: Any, library: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project_with_files(library, "Hive tour")
    win = make_window()
    win.workspace.set_current_project(project.id)
    target = tmp_path / "out" / "hive"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), ""))
    )
    with qtbot.waitSignal(win.jobs.succeeded, timeout=30_000):
        win.window_actions.export_project.trigger()
    written = tmp_path / "out" / "hive.studio.zip"
    assert zipfile.ZipFile(written).testzip() is None
    assert str(written) in win.projects.notice.text()
    copy = archive.import_project(library, written)
    assert copy.id != project.id and copy.name.startswith("Hive tour")
    assert [s.text for s in library.scenes(copy)] == ["One.", "Two."]


def test_export_into_the_library_is_refused_before_any_work(make_window: Any, library: Any) -> None:
    project = make_project(library)
    win = make_window()
    win.workspace.set_current_project(project.id)
    assert not win.projects.export_to(library.home.db_path)
    assert "library" in win.projects.notice.text()
    assert not win.jobs.busy


def test_backups_list_and_restore_through_the_dialog(
    make_window: Any, library: Any, qtbot: Any
) -> None:
    kept = make_project(library, "Before the backup")
    saved = backup.snapshot(library.home.db_path, library.home.backups_dir, "daily")
    later = make_project(library, "After the backup")
    win = make_window()
    win.workspace.set_current_project(later.id)
    dialog = BackupsDialog(win.workspace, win.jobs, win)
    qtbot.addWidget(dialog)
    assert dialog.backups.count() == 1
    assert (
        "daily" in dialog.backups.item(0).text() and saved.name not in dialog.backups.item(0).text()
    )

    answer_next_question("Restore")
    assert dialog.restore_selected()

    assert [p.id for p in library.projects()] == [kept.id]
    qtbot.waitUntil(lambda: win.tree.shown_project_ids() == [kept.id])
    qtbot.waitUntil(lambda: win.workspace.current_project_id == kept.id)
    assert dialog.backups.count() == 2  # the library as it was is now a backup too
    assert any("before a restore" in dialog.backups.item(i).text() for i in range(2))
    assert not win.window_actions.undo.isEnabled()
    # The window keeps working on the restored database.
    library.rename_project(kept, "Still here")
    assert library.project(kept.id).name == "Still here"


def test_restore_of_a_bad_file_changes_nothing(make_window: Any, library: Any, qtbot: Any) -> None:
    project = make_project(library)
    library.home.backups_dir.mkdir(parents=True, exist_ok=True)
    (library.home.backups_dir / "studio-20260101-000000-daily.db").write_text("not a db")
    before = library.home.db_path.read_bytes()
    win = make_window()
    dialog = BackupsDialog(win.workspace, win.jobs, win)
    qtbot.addWidget(dialog)
    assert not dialog.restore_selected(confirm=False)
    assert library.home.db_path.read_bytes() == before
    assert [p.id for p in library.projects()] == [project.id]
    assert backup.list_backups(library.home.backups_dir)[0].name.endswith("daily.db")


def test_restore_is_refused_while_another_process_renders(
    make_window: Any, library: Any, qtbot: Any
) -> None:
    project = make_project(library, "Bees")
    backup.snapshot(library.home.db_path, library.home.backups_dir, "daily")
    later = make_project(library, "Wasps")
    win = make_window()  # the window holds its own lock in the same folder: not a render
    dialog = BackupsDialog(win.workspace, win.jobs, win)
    qtbot.addWidget(dialog)
    backups_before = backup.list_backups(library.home.backups_dir)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(library.home.root), later.id],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not dialog.restore_selected(confirm=False)
        box = dialog.findChild(QMessageBox)
        assert box is not None
        assert box.text().startswith(
            "A render is running in another window or process (project held). "
            "Wait for it or cancel it, then restore."
        ), box.text()
        box.close()
        assert backup.list_backups(library.home.backups_dir) == backups_before
        # Nothing changed, and the window's library still works.
        assert sorted(p.name for p in library.projects()) == ["Bees", "Wasps"]
        library.rename_project(project, "Still here")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)
    assert dialog.restore_selected(confirm=False)
    assert [p.id for p in library.projects()] == [project.id]


def test_delete_render_removes_the_row_and_the_file(
    make_window: Any, library: Any, qtbot: Any
) -> None:
    project = make_project(library)
    older = _fake_render(library, project, "older")
    newer = _fake_render(library, project, "newer")
    video = library.home.abs(newer.file_path)
    win = make_window()
    win.workspace.set_current_project(project.id)
    assert win.render_panel.history.count() == 2
    answer_next_question("Cancel")
    _history_action(win, newer.id, "Delete render…").trigger()
    assert video.exists()

    answer_next_question("Delete render")
    _history_action(win, newer.id, "Delete render…").trigger()

    assert not video.exists()
    assert [r.id for r in library.renders(project)] == [older.id]
    qtbot.waitUntil(lambda: win.render_panel.history.count() == 1)


def test_save_video_as_copies_it(
    make_window: Any, library: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(library)
    render = _fake_render(library, project, "only")
    win = make_window()
    win.workspace.set_current_project(project.id)
    target = tmp_path / "My videos" / "bees.mp4"
    target.parent.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *args, **kwargs: (str(target), ""))
    )
    save_as = _history_action(win, render.id, "Save video as…")
    with qtbot.waitSignal(win.render_panel.render_files.saved, timeout=30_000):
        save_as.trigger()
    assert target.read_bytes() == library.home.abs(render.file_path).read_bytes()
    assert target.stat().st_size > 100
    assert list(target.parent.iterdir()) == [target]  # no temporary left beside it


def test_save_video_over_the_database_is_refused(make_window: Any, library: Any) -> None:
    project = make_project(library)
    render = _fake_render(library, project, "only")
    before = library.home.db_path.read_bytes()
    win = make_window()
    win.workspace.set_current_project(project.id)
    _history_action(win, render.id, "Play")  # builds the menu's helper
    assert not win.render_panel.render_files.save_copy(render.id, library.home.db_path)
    assert "database" in win.render_panel.render_files.notice.text()
    assert library.home.db_path.read_bytes() == before


def test_show_in_folder_without_a_file_manager_shows_the_path(
    make_window: Any, library: Any, monkeypatch: pytest.MonkeyPatch, qtbot: Any
) -> None:
    project = make_project(library)
    render = _fake_render(library, project, "only")
    win = make_window()
    win.workspace.set_current_project(project.id)
    opened: list[str] = []

    def no_file_manager(url: Any) -> bool:
        opened.append(url.toLocalFile())
        return False  # Qt's documented failure: no application could open the URL

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(no_file_manager))
    _history_action(win, render.id, "Show in folder").trigger()
    folder = str(library.home.abs(render.file_path).parent)
    assert opened == [folder]
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    assert folder in box.text()
    box.accept()


def test_open_folder_says_nothing_when_the_file_manager_opens(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: True))
    assert open_folder(tmp_path / "logs")
    assert not [
        w
        for w in QApplication.topLevelWidgets()
        if w.objectName() == "noFileManager" and w.isVisible()
    ]


@pytest.mark.slow
def test_try_the_sample_again_makes_and_renders_it(
    make_window: Any, library: Any, qtbot: Any
) -> None:
    make_project(library)
    win = make_window()
    with qtbot.waitSignal(win.projects.sampleReady, timeout=30_000):
        win.window_actions.try_sample.trigger()
    assert len(library.projects()) == 2
    qtbot.waitUntil(lambda: win.jobs.busy_for(win.workspace.current_project_id), timeout=10_000)
    assert win.jobs.job_for(win.workspace.current_project_id).kind == "render"
    with qtbot.waitSignal(win.jobs.jobFinished, timeout=60_000):
        win.jobs.cancel()


def test_the_cheat_sheet_lists_every_action_with_a_shortcut(make_window: Any, library: Any) -> None:
    win = make_window()
    with_keys = {
        action_label(a): a
        for a in win.findChildren(QAction)
        if any(not k.isEmpty() for k in a.shortcuts())
    }
    assert {
        "New project",
        "Render video",
        "Add scene",
        "Keyboard shortcuts",
        "Find project",
        "Export project",
        "Import project",
        "Settings",
        "Move scene up",
        "Move scene down",
        "Regenerate voice",
        "Preview scene",
    } <= set(with_keys)
    sheet = show_shortcuts(win)
    listed = sheet.listed()
    assert set(listed) == set(with_keys)
    assert listed["Keyboard shortcuts"] == "F1 or Ctrl+/"
    assert listed["Add scene"] == QKeySequence("Ctrl+Shift+N").toString(
        QKeySequence.SequenceFormat.NativeText
    )
    sheet.close()


def test_f1_opens_the_cheat_sheet(make_window: Any, library: Any, qtbot: Any) -> None:
    win = make_window()
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), ShortcutsDialog))
    sheet = QApplication.activeModalWidget()
    assert sheet is not None
    sheet.close()


def test_no_two_actions_share_a_shortcut(make_window: Any, library: Any) -> None:
    win = make_window()
    owners: dict[str, list[str]] = defaultdict(list)
    for action in win.findChildren(QAction):
        for key in action.shortcuts():
            if not key.isEmpty():
                owners[key.toString()].append(action_label(action))
    for shortcut in win.findChildren(QShortcut):
        sequences: list[QKeySequence] = shortcut.keys()
        for key in sequences:
            owners[key.toString()].append(f"shortcut {shortcut.objectName()}")
    shared = {key: names for key, names in owners.items() if len(names) > 1}
    assert not shared
    assert len(owners) >= 20
