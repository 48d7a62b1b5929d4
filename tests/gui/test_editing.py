"""The window's editing paths, driven through real widgets against a real library."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.factories import make_project
from tests.gui.support import answer_next_question, multimedia_noise, scene_texts

pytestmark = [pytest.mark.gui, multimedia_noise]


def open_project(make_window: Any, library: Any) -> tuple[Any, Any]:
    project = make_project(library)
    win = make_window()
    win.workspace.set_current_project(project.id)
    assert [c.scene_id for c in win.editor.cards()] == [s.id for s in library.scenes(project)]
    return win, project


def test_first_launch_shows_the_welcome_page(window: Any) -> None:
    assert window.pages.currentWidget() is window.welcome
    assert window.welcome.sample_button.isEnabled()
    assert "draft voice" in window.welcome.voice_note.text()


def test_new_project_dialog_creates_the_project_with_its_scenes(
        qtbot: Any, window: Any, library: Any) -> None:
    dialog = window.projects.new_project()
    dialog.name.setText("My first video")
    dialog.topic.setPlainText("Why the sky is blue")
    dialog.duration.setValue(30)
    dialog.aspect.setCurrentText("9:16")
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    dialog.script.setPlainText("Sunlight is a mix of colours.\n\nAir scatters blue light most.")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    project = library.project("My first video")
    assert project.topic == "Why the sky is blue"
    assert project.target_duration == 30
    assert project.render_settings["aspect"] == "9:16"
    assert scene_texts(library, project) == ["Sunlight is a mix of colours.",
                                             "Air scatters blue light most."]
    qtbot.waitUntil(lambda: window.workspace.current_project_id == project.id)
    assert window.pages.currentWidget().isAncestorOf(window.splitter)  # the editor page
    assert len(window.editor.cards()) == 2
    assert window.tree.project_item(project.id) is not None


def test_ai_script_without_a_key_explains_and_leaves_no_project(
        qtbot: Any, window: Any, library: Any) -> None:
    dialog = window.projects.new_project()
    dialog.topic.setPlainText("How volcanoes work")
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=10_000):
        qtbot.mouseClick(dialog.ai_button, Qt.MouseButton.LeftButton)
    assert dialog.details_error.isVisibleTo(dialog)
    assert "Groq API key" in dialog.details_error.text()
    assert library.projects() == []
    dialog.reject()


def test_typing_in_a_scene_is_saved_after_a_pause(qtbot: Any, make_window: Any,
                                                  library: Any) -> None:
    win, project = open_project(make_window, library)
    card = win.editor.cards()[1]
    card.text.setFocus()
    card.text.moveCursor(card.text.textCursor().MoveOperation.End)
    qtbot.keyClicks(card.text, " Then they rest.")
    qtbot.waitUntil(lambda: scene_texts(library, project)[1].endswith("Then they rest."),
                    timeout=5000)
    assert scene_texts(library, project)[1] == "Back at the hive they pass it on. Then they rest."


def test_focus_out_commits_and_undo_redo_restore_the_database(
        qtbot: Any, make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    before = scene_texts(library, project)
    card = win.editor.cards()[0]
    card.text.setPlainText("Bees are busy.")
    card.commit()  # what focus-out does
    assert scene_texts(library, project)[0] == "Bees are busy."
    win.window_actions.undo.trigger()
    assert scene_texts(library, project) == before
    assert win.editor.cards()[0].text.toPlainText() == before[0]
    win.window_actions.redo.trigger()
    assert scene_texts(library, project)[0] == "Bees are busy."
    assert win.editor.cards()[0].text.toPlainText() == "Bees are busy."


def test_empty_text_is_saved_empty_and_said_in_place(make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    before = scene_texts(library, project)
    card = win.editor.cards()[0]
    card.text.setPlainText("   ")
    card.commit()
    assert card.error.isVisibleTo(card) and "no narration" in card.error.text()
    assert scene_texts(library, project) == ["", *before[1:]]  # what the creator sees
    win.window_actions.undo.trigger()
    assert scene_texts(library, project) == before and not card.error.isVisibleTo(card)


def test_move_buttons_reorder_the_database(qtbot: Any, make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    ids = [s.id for s in library.scenes(project)]
    qtbot.mouseClick(win.editor.cards()[0].down, Qt.MouseButton.LeftButton)
    assert [s.id for s in library.scenes(project)] == [ids[1], ids[0], ids[2]]
    assert [c.scene_id for c in win.editor.cards()] == [ids[1], ids[0], ids[2]]
    win.editor._dropped(ids[2], 0)  # what a drop above the first card does
    assert [s.id for s in library.scenes(project)] == [ids[2], ids[1], ids[0]]
    win.window_actions.undo.trigger()
    win.window_actions.undo.trigger()
    assert [s.id for s in library.scenes(project)] == ids


def test_delete_scene_and_undo_restores_it_in_place(qtbot: Any, make_window: Any,
                                                    library: Any) -> None:
    win, project = open_project(make_window, library)
    before = [(s.id, s.text) for s in library.scenes(project)]
    qtbot.mouseClick(win.editor.cards()[1].delete, Qt.MouseButton.LeftButton)
    assert [s.id for s in library.scenes(project)] == [before[0][0], before[2][0]]
    assert len(win.editor.cards()) == 2
    win.window_actions.undo.trigger()
    assert [(s.id, s.text) for s in library.scenes(project)] == before
    assert len(win.editor.cards()) == 3
    win.window_actions.redo.trigger()
    assert len(library.scenes(project)) == 2


def test_split_merge_insert_are_undoable(qtbot: Any, make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    original = scene_texts(library, project)
    first = win.editor.cards()[0]
    win.editor.split_scene(first.scene_id, len("Bees visit flowers"))
    assert scene_texts(library, project)[:2] == ["Bees visit flowers", "to collect nectar."]
    win.editor.merge_with_next(win.editor.cards()[0].scene_id)
    assert scene_texts(library, project)[0] == "Bees visit flowers to collect nectar."
    win.editor.cards()[2].insert_action.trigger()
    assert len(library.scenes(project)) == 4
    for _ in range(3):
        win.window_actions.undo.trigger()
    assert scene_texts(library, project) == original
    for _ in range(3):
        win.window_actions.redo.trigger()
    assert len(library.scenes(project)) == 4
    assert scene_texts(library, project)[0] == "Bees visit flowers to collect nectar."


def test_scene_voice_override_is_saved_and_undoable(make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    card = win.editor.cards()[0]
    index = card.voice.findData("en-gb")
    card.voice.setCurrentIndex(index)
    card.voice.activated.emit(index)
    assert library.scenes(project)[0].voice_id == "en-gb"
    win.window_actions.undo.trigger()
    assert library.scenes(project)[0].voice_id is None
    assert card.voice.currentIndex() == 0


def test_render_settings_are_undoable_project_updates(make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    panel = win.render_panel
    panel.aspect.setCurrentText("1:1")
    panel.aspect.activated.emit(panel.aspect.currentIndex())
    assert library.refresh(project).render_settings["aspect"] == "1:1"
    panel.captions.click()
    assert library.refresh(project).render_settings["captions"] is False
    assert not panel.caption_style.isEnabled()
    win.window_actions.undo.trigger()
    win.window_actions.undo.trigger()
    assert library.refresh(project).render_settings.get("aspect", "16:9") == "16:9"
    assert panel.aspect.currentText() == "16:9"


def test_rename_inline_and_undo(qtbot: Any, make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    item = win.tree.project_item(project.id)
    item.setText(0, "Honey")  # what the inline editor commits
    assert library.refresh(project).name == "Honey"
    assert win.windowTitle().startswith("Honey")
    win.window_actions.undo.trigger()
    assert library.refresh(project).name == "Bees"
    assert win.tree.project_item(project.id).text(0) == "Bees"


def test_delete_project_asks_first(qtbot: Any, make_window: Any, library: Any) -> None:
    win, project = open_project(make_window, library)
    win.tree.setFocus()
    answer_next_question("Cancel")
    win.window_actions.delete.trigger()
    assert [p.id for p in library.projects()] == [project.id]
    answer_next_question("Delete")
    win.window_actions.delete.trigger()
    assert library.projects() == []
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.welcome)  # next loop turn


def test_undo_follows_the_selected_project(make_window: Any, library: Any) -> None:
    a = make_project(library, "A")
    b = make_project(library, "B")
    win = make_window()
    win.workspace.set_current_project(a.id)
    win.editor.cards()[0].text.setPlainText("Edited in A.")
    win.editor.cards()[0].commit()
    win.workspace.set_current_project(b.id)
    assert not win.window_actions.undo.isEnabled()
    win.workspace.set_current_project(a.id)
    assert win.window_actions.undo.isEnabled()
    win.window_actions.undo.trigger()
    assert scene_texts(library, a)[0] == "Bees visit flowers to collect nectar."
    assert scene_texts(library, b)[0] == "Bees visit flowers to collect nectar."


def test_window_geometry_is_remembered(qtbot: Any, make_window: Any, qsettings: Any) -> None:
    # The offscreen screen is tiny, so geometry is clamped there: check what it saved, and
    # that the window state (toolbar hidden) comes back.
    from PySide6.QtWidgets import QToolBar

    win = make_window()
    win.findChild(QToolBar, "mainToolbar").hide()
    win.close()
    assert qsettings.value("window/geometry") is not None
    assert qsettings.value("window/splitter") is not None
    again = make_window()
    assert again.findChild(QToolBar, "mainToolbar").isHidden()


def test_settings_dialog_saves_library_settings(qtbot: Any, window: Any, library: Any,
                                                tmp_path: Any) -> None:
    from studio.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    assert "draft voice" in dialog.kokoro_status.text()
    dialog.folders.addItem(str(tmp_path))
    dialog.default_voice.setCurrentIndex(dialog.default_voice.findData("en-gb"))
    dialog.model.setCurrentText("llama-3.1-8b-instant")
    dialog.weights.setText(str(tmp_path / "missing"))
    dialog.save()
    assert dialog.error.isVisibleTo(dialog) and "Kokoro folder" in dialog.error.text()
    dialog.weights.setText("")
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        dialog.save()
    assert library.get_setting("media_folders") == [str(tmp_path)]
    assert library.get_setting("default_voice") == "en-gb"
    assert library.get_setting("groq_model") == "llama-3.1-8b-instant"


def test_about_box_names_the_app(window: Any) -> None:
    from studio import __version__
    from studio.gui.dialogs import show_about

    box = show_about(window)
    assert __version__ in box.text()
    assert not box.iconPixmap().isNull()
    box.close()


def test_ai_script_through_the_dialog(qtbot: Any, window: Any, library: Any,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.fakes.groq_server import FakeGroq, valid_script

    monkeypatch.setenv("GROQ_API_KEY", "gsk_test_key_1234")
    with FakeGroq() as fake:
        fake.enqueue(valid_script(scenes=3))
        library.set_setting("groq_base_url", fake.base_url)
        dialog = window.projects.new_project()
        dialog.topic.setPlainText("How bees make honey")
        with qtbot.waitSignal(dialog.accepted, timeout=30_000):
            qtbot.mouseClick(dialog.ai_button, Qt.MouseButton.LeftButton)
    project = library.project("How bees make honey")
    assert len(library.scenes(project)) == 3
    assert library.llm_calls(project)
    qtbot.waitUntil(lambda: len(window.editor.cards()) == 3)


def test_a_raw_name_with_controls_shows_on_one_line(
        qtbot: Any, make_window: Any, library: Any) -> None:
    import sqlite3

    project = make_project(library)
    raw = "Bees\nsecond line\x1b[31m\x00"
    with sqlite3.connect(library.home.db_path) as connection:  # as an older version wrote it
        connection.execute("UPDATE projects SET name = ? WHERE id = ?", (raw, project.id))
    connection.close()
    win = make_window()
    win.workspace.set_current_project(project.id)
    item = win.tree.project_item(project.id)
    shown = [item.text(0), item.toolTip(0).split("\n")[0], win.windowTitle(),
             win.editor.title.text()]
    for text in shown:
        assert text.startswith("Bees\\nsecond line\\x1b[31m\\x00"), text
        assert not any(ord(c) < 32 for c in text), text
    item.setText(0, item.text(0))  # an edit that changes nothing renames nothing
    assert library.refresh(project).name == raw
