"""Languages in the window: New Project's language and the voice that follows it, the voice
lists by language, a scene's own language and a project's language changed later (undoable).

Real windows on real libraries; Kokoro's voices come from a real folder of voice files (a
random model, as the engine tests make it), so the lists show what this machine has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio.store.settings_registry import KOKORO_DIR
from tests.engines.test_engines import write_kokoro_files
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Kokoro files from this machine's Hugging Face cache: only the test's folder."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


def kokoro_folder(library: Any, folder: Path, voices: tuple[str, ...]) -> Path:
    """Kokoro's files with ``voices`` in ``folder``, set as the library's Kokoro folder."""
    write_kokoro_files(folder, voices)
    library.set_setting(KOKORO_DIR, str(folder))
    return folder


def choose_language(dialog: Any, code: str) -> None:
    combo = dialog.voices.language
    combo.setCurrentIndex(combo.findData(code))


def combo_rows(combo: Any) -> list[tuple[str, Any]]:
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def test_a_new_project_in_japanese_speaks_with_a_japanese_voice(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    kokoro_folder(library, tmp_path / "kokoro", ("af_heart", "jf_alpha", "bf_emma"))
    win = make_window()
    dialog = win.projects.new_project()
    assert dialog.voices.language_code() == "en-us"  # no project yet: Studio's default
    assert dialog.voice.currentData() == "af_heart"
    choose_language(dialog, "ja")
    assert dialog.voices.language.currentText() == "Japanese — 日本語"
    assert dialog.voice.currentData() == "jf_alpha"
    assert not dialog.voices.note.isVisibleTo(dialog)
    dialog.name.setText("Sakura")
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    project = library.project("Sakura")
    assert (project.language, project.voice_id) == ("ja", "jf_alpha")

    again = win.projects.new_project()  # the next project starts in the last language used
    assert again.voices.language_code() == "ja" and again.voice.currentData() == "jf_alpha"
    again.reject()


def test_without_a_japanese_voice_file_the_dialog_says_so_and_picks_no_english_voice(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    from studio.pipeline.voice_catalogue import DRAFT_KIND, catalogue

    kokoro_folder(library, tmp_path / "kokoro", ("af_heart",))
    win = make_window()
    dialog = win.projects.new_project()
    choose_language(dialog, "ja")
    note = dialog.voices.note
    assert note.isVisibleTo(dialog)
    assert note.text().startswith("No Japanese voice is installed: choose one, or add jf_*.pt")
    japanese_draft = [
        v.id for v in catalogue(library) if v.kind == DRAFT_KIND and v.language == "ja"
    ]
    if japanese_draft:  # the draft voice speaks every language Kokoro does
        assert dialog.voice.currentData() == japanese_draft[0]
    else:  # never silently an English voice
        assert dialog.voice.currentData() is None and dialog.voice.currentIndex() == -1
    choose_language(dialog, "en-us")  # back to a language with a voice: the note goes
    assert dialog.voice.currentData() == "af_heart" and not note.isVisibleTo(dialog)
    dialog.reject()


def test_other_languages_come_after_their_heading_each_labelled(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    from studio.gui.voice_list import NEW_BLEND, OTHER_LANGUAGES

    kokoro_folder(library, tmp_path / "kokoro", ("af_heart", "jf_alpha", "jm_kumo", "ff_siwis"))
    win = make_window()
    dialog = win.projects.new_project()
    choose_language(dialog, "ja")
    rows = combo_rows(dialog.voice)
    heading = [text for text, _data in rows].index(OTHER_LANGUAGES)
    before = [data for _text, data in rows[:heading] if data]
    after = {data: text for text, data in rows[heading + 1 :] if data}
    assert before[:2] == ["jf_alpha", "jm_kumo"], "the language's own voices lead"
    assert "af_heart" not in before and "ff_siwis" not in before
    assert after["af_heart"] == "Heart (American English, female)"  # its name says its language
    assert after["ff_siwis"] == "Siwis (French, female)"
    assert not dialog.voice.model().item(heading).isEnabled()
    assert rows[-1][0] == NEW_BLEND
    dialog.reject()


def test_a_scenes_language_is_stored_shown_and_undoable(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    kokoro_folder(library, tmp_path / "kokoro", ("af_heart", "ff_siwis"))
    project = make_project(library, "Quotes", ["Hello there.", "Bonjour à tous."])
    win = make_window()
    win.workspace.set_current_project(project.id)
    card = win.editor.cards()[1]
    menu = card.language_menu
    assert menu.default_action.text() == "Project default (English (US))"
    assert menu.default_action.isChecked() and not card.language_tag.isVisibleTo(card)
    french = next(a for a in menu.actions() if a.data() == "fr")
    french.trigger()
    assert library.scenes(project)[1].language == "fr"
    qtbot.waitUntil(lambda: card.language_tag.isVisibleTo(card), timeout=2000)
    assert card.language_tag.text() == "Français" and french.isChecked()
    first_voice = next(data for _text, data in combo_rows(card.voice)[1:] if data)
    assert first_voice == "ff_siwis", "the scene's language's voices come first"
    assert not win.editor.cards()[0].language_tag.isVisibleTo(card)

    win.window_actions.undo.trigger()
    assert library.scenes(project)[1].language is None
    qtbot.waitUntil(lambda: not card.language_tag.isVisibleTo(card), timeout=2000)
    assert menu.default_action.isChecked()


def test_a_projects_language_changes_with_a_warning_and_undoes(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    from studio.gui.language_picker import open_project_language

    kokoro_folder(library, tmp_path / "kokoro", ("af_heart", "ff_siwis"))
    project = make_project(library, "Tour")
    win = make_window()
    win.workspace.set_current_project(project.id)
    assert win.window_actions.project_language.isEnabled()
    dialog = open_project_language(win.workspace, win)
    assert dialog is not None and not dialog.warning.isVisibleTo(dialog)
    dialog.picker.language.setCurrentIndex(dialog.picker.language.findData("fr"))
    assert dialog.warning.isVisibleTo(dialog) and "voiced again in French" in dialog.warning.text()
    assert dialog.picker.voice_id() == "ff_siwis"
    dialog.apply()
    changed = library.project(project.id)
    assert (changed.language, changed.voice_id) == ("fr", "ff_siwis")
    assert win.editor.cards()[0].voice.itemData(1) == "ff_siwis"  # the cards follow
    assert win.editor.summary.text().endswith("· French")

    win.window_actions.undo.trigger()
    restored = library.project(project.id)
    assert (restored.language, restored.voice_id) == ("en-us", project.voice_id)


def test_without_kokoro_a_new_project_keeps_kokoros_voice_for_when_it_arrives(
    make_window: Any, library: Any
) -> None:
    """No Kokoro files at all: the language's Kokoro voice is chosen (a draft voice stands in
    until Kokoro is installed, and the note says so), so the project needs no change later."""
    win = make_window()
    dialog = win.projects.new_project()
    assert dialog.voice.currentData() == "af_heart"
    assert "needs Kokoro" in dialog.voice.currentText()
    assert dialog.voices.note.isVisibleTo(dialog)
    assert "a draft voice reads English (US)" in dialog.voices.note.text()
    dialog.reject()
