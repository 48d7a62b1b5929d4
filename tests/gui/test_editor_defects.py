"""Issue #15's editor defects, driven through the real window: what is seen is what is saved,
one undo history per project, voices that can be trusted and heard, template-aware cards."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.factories import make_project
from tests.gui.support import multimedia_noise, scene_texts

pytestmark = [pytest.mark.gui, multimedia_noise]

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
ORIGINAL = "Bees visit flowers to collect nectar."


def open_project(make_window: Any, library: Any, **kwargs: Any) -> tuple[Any, Any]:
    project = make_project(library, **kwargs)
    win = make_window()
    win.workspace.set_current_project(project.id)
    return win, project


def type_at_end(qtbot: Any, edit: Any, text: str) -> None:
    """Click into ``edit`` (as the creator does), put the cursor at the end and type."""
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    edit.moveCursor(edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(edit, text)


def click_away(qtbot: Any, win: Any) -> None:
    """Move keyboard focus out of the scene's text (its focus-out commits the typing)."""
    win.tree.setFocus()
    qtbot.waitUntil(win.tree.hasFocus, timeout=2000)


# -- 1. a new scene is empty, and an empty scene is saved empty and refused by a render ---------
def test_a_new_scene_is_empty_and_what_is_seen_is_saved(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project = open_project(make_window, library)
    qtbot.mouseClick(win.editor.add_button, Qt.MouseButton.LeftButton)
    card = win.editor.cards()[-1]
    assert card.text.toPlainText() == "" and card.text.placeholderText()
    assert scene_texts(library, project)[-1] == "", "nothing the creator did not type is saved"
    type_at_end(qtbot, card.text, "Honey keeps for years.")
    click_away(qtbot, win)
    assert scene_texts(library, project)[-1] == "Honey keeps for years."
    type_at_end(qtbot, card.text, "")  # click back into it
    card.text.selectAll()
    qtbot.keyClick(card.text, Qt.Key.Key_Delete)
    click_away(qtbot, win)
    assert card.text.toPlainText() == ""
    assert scene_texts(library, project)[-1] == "", "the box is empty, so the scene is"
    assert card.error.isVisibleTo(card) and "no narration" in card.error.text()


def test_a_render_refuses_a_scene_with_no_narration_and_names_it(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project = open_project(make_window, library)
    card = win.editor.cards()[1]
    card.text.setFocus()
    card.text.selectAll()
    qtbot.keyClick(card.text, Qt.Key.Key_Backspace)
    with qtbot.waitSignal(win.jobs.failed, timeout=30_000) as failed:
        win.window_actions.render.trigger()  # Ctrl+R commits the typing first
    message = failed.args[1]
    assert message.startswith("Scene 2 has no narration"), message
    assert "type what the voice should say" in message.lower()
    assert "Scene 2 has no narration" in win.statusBar().currentMessage()
    assert library.renders(project) == [] and library.jobs(project) == []
    assert scene_texts(library, project)[1] == ""


# -- 3. one undo history per project ---------------------------------------------------------------
def test_ctrl_z_in_a_text_box_undoes_in_the_projects_one_history(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project = open_project(make_window, library)
    text = win.editor.cards()[0].text
    type_at_end(qtbot, text, " Typo")
    qtbot.waitUntil(lambda: scene_texts(library, project)[0] == ORIGINAL + " Typo", timeout=5000)
    qtbot.keyClick(text, Qt.Key.Key_Z, CTRL)
    assert text.toPlainText() == ORIGINAL and scene_texts(library, project)[0] == ORIGINAL
    assert text.textCursor().position() == len(ORIGINAL), "the cursor stays where the typo was"
    assert not win.window_actions.undo.isEnabled(), "the undo was not recorded as a new edit"
    win.window_actions.undo.trigger()  # the toolbar's Undo never brings the typo back
    assert scene_texts(library, project)[0] == ORIGINAL
    qtbot.keyClick(text, Qt.Key.Key_Z, CTRL_SHIFT)
    assert scene_texts(library, project)[0] == ORIGINAL + " Typo" == text.toPlainText()
    qtbot.keyClick(text, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(text, Qt.Key.Key_Y, CTRL)
    assert scene_texts(library, project)[0] == ORIGINAL + " Typo"


def test_one_ctrl_z_undoes_a_burst_of_typing_even_before_it_was_saved(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project = open_project(make_window, library)
    card = win.editor.cards()[0]
    type_at_end(qtbot, card.text, " Busy")
    card.commit()  # what the pause after typing does
    type_at_end(qtbot, card.text, " bees")
    card.commit()
    type_at_end(qtbot, card.text, " hum.")  # not saved yet: Ctrl+Z saves it first
    assert scene_texts(library, project)[0] == ORIGINAL + " Busy bees"
    qtbot.keyClick(card.text, Qt.Key.Key_Z, CTRL)
    assert scene_texts(library, project)[0] == ORIGINAL == card.text.toPlainText()
    assert win.workspace.stack(project.id).count() == 1, "one step for the whole burst"
    win.window_actions.redo.trigger()
    assert scene_texts(library, project)[0] == ORIGINAL + " Busy bees hum."


# -- 4. split without a cursor ---------------------------------------------------------------------
def test_split_without_a_place_to_split_says_what_to_do(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project = open_project(make_window, library)
    win.window_actions.split_scene.trigger()  # no scene clicked yet
    assert "Click in a scene's text where it should split" in win.statusBar().currentMessage()
    assert len(library.scenes(project)) == 3
    text = win.editor.cards()[0].text
    text.setFocus()
    qtbot.waitUntil(text.hasFocus, timeout=2000)
    cursor = text.textCursor()
    cursor.setPosition(len("Bees visit flowers"))
    text.setTextCursor(cursor)
    win.tree.setFocus()  # the menu takes focus; the scene keeps its cursor
    win.window_actions.split_scene.trigger()
    assert scene_texts(library, project)[:2] == ["Bees visit flowers", "to collect nectar."]


# -- 5. voices: usable first, each one audible -----------------------------------------------------
def test_usable_voices_come_first_and_the_others_are_grouped_after(
    make_window: Any, library: Any
) -> None:
    """The project's language first (usable, then Kokoro's under "they need Kokoro"), then
    every other language after its own heading."""
    from studio.engines.draft import DRAFT_VOICES
    from studio.engines.weights import KOKORO_VOICES
    from studio.gui.voice_list import NEEDS_KOKORO, OTHER_LANGUAGES

    win, _project = open_project(make_window, library)
    assert not win.workspace.kokoro_available()  # the tests have no Kokoro files
    combo = win.editor.cards()[0].voice
    ids = [combo.itemData(i) for i in range(combo.count())]
    draft = [v.id for v in DRAFT_VOICES if v.language == "en-US"]
    assert ids[1 : 1 + len(draft)] == draft, "the voices that speak as named come first"
    heading = ids.index("")
    assert combo.itemText(heading) == NEEDS_KOKORO
    assert not combo.model().item(heading).isEnabled()
    assert combo.itemText(heading - 1) == "" and combo.itemData(heading - 1) is None  # separator
    others = ids.index("", heading + 1)
    assert combo.itemText(others) == OTHER_LANGUAGES
    american = [v.id for v in KOKORO_VOICES if v.id.startswith("a")]
    assert ids[heading + 1 : others - 1] == american
    assert "af_heart" not in ids[others:] and "bf_emma" in ids[others:]


def test_the_audition_button_speaks_a_sample_into_the_preview(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    from studio.gui.settings_dialog import SettingsDialog

    win, _project = open_project(make_window, library)
    dialog = SettingsDialog(win.workspace, win)
    qtbot.addWidget(dialog)
    dialog.default_voice.setCurrentIndex(dialog.default_voice.findData("en-gb"))
    with qtbot.waitSignal(win.jobs.succeeded, timeout=30_000):
        qtbot.mouseClick(dialog.audition, Qt.MouseButton.LeftButton)
    sample = Path(win.preview.source)
    assert sample.suffix == ".wav" and sample.read_bytes()[:4] == b"RIFF"
    assert sample.stat().st_size > 10_000, "a real sentence, not silence"
    assert "British English (male)" in win.preview.title.text()
    dialog.reject()

    card = win.editor.cards()[0]  # a scene's ▶ plays the voice that scene uses
    with qtbot.waitSignal(win.jobs.succeeded, timeout=30_000):
        qtbot.mouseClick(card.audition, Qt.MouseButton.LeftButton)
    assert Path(win.preview.source) != sample and Path(win.preview.source).is_file()


# -- 6. template-aware cards -----------------------------------------------------------------------
CHAT = "Alex: Ready for the quiz?\nSam: Always.\nAlex: First question then."


def test_a_chat_scene_names_its_characters_voice(make_window: Any, library: Any) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.jobs import run_job
    from studio.pipeline.templates import create_project, get_template

    project = create_project(library, "Duo", template="chat", options={}, settings=RenderSettings())
    with run_job(library, project, "script") as ctx:
        get_template("chat").script_from_text(library, project, CHAT, ctx)
    library.set_character_voice(project, "Sam", "bm_george", engine="kokoro")
    win = make_window()
    win.workspace.set_current_project(project.id)
    assert "Project voice" not in [c.voice.itemText(0) for c in win.editor.cards()]
    first, second = win.editor.cards()[:2]
    alex = library.character_voices(project)["Alex"]
    assert first.voice.itemText(0) == f"Voice of Alex: {win.workspace.voice_label(alex)}"
    assert second.voice.itemText(0) == "Voice of Sam: George (British English, male)"


def test_music_cuts_show_their_number_and_time_instead_of_voice_controls(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.jobs import run_job
    from studio.pipeline.templates import create_project, get_template
    from tests.media.test_tempo import write_beats

    song = tmp_path / "song.wav"
    write_beats(song, 120, seconds=6, start=0.0)
    project = create_project(
        library,
        "Beat",
        template="music",
        options={"bpm": 120},
        settings=RenderSettings(music_path=song),
    )
    with run_job(library, project, "script") as ctx:
        get_template("music").script_from_text(library, project, "", ctx)
    win = make_window()
    win.workspace.set_current_project(project.id)
    cards = win.editor.cards()
    assert len(cards) >= 2
    for card in cards:
        for control in (card.voice, card.audition, card.duration, card.regenerate, card.text):
            assert not control.isVisibleTo(card)
        assert card.character.isVisibleTo(card)
    headings = [card.character.text() for card in cards]
    assert headings[0] == "Cut 1 · 0:00.0–0:02.0" and headings[1] == "Cut 2 · 0:02.0–0:04.0"
    assert len(set(headings)) == len(headings), "each cut says something of its own"


# -- 7. the setup checklist ------------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_setup_checklist_fits_a_small_screen_and_speaks_plainly(
    qtbot: Any, window: Any, library: Any
) -> None:
    from PySide6.QtWidgets import QLabel

    port = closed_port()
    library.set_setting("groq_base_url", f"http://127.0.0.1:{port}")
    window.resize(1024, 700)
    checklist = window.show_setup_checklist()
    long_words = "A message long enough to wrap over many lines on a small screen. " * 12
    for row in (checklist.voice, checklist.media):
        row.show_message(long_words, error=True)
    row = checklist.groq
    row.key.setText("gsk_" + "x" * 40)
    with qtbot.waitSignal(row.keyChecked, timeout=30_000):
        qtbot.mouseClick(row.test_button, Qt.MouseButton.LeftButton)
    # However long the messages, the dialog fits 1024x700 (its page scrolls) ...
    assert checklist.minimumSizeHint().width() <= 1024
    assert checklist.minimumSizeHint().height() <= 600
    checklist.resize(checklist.width(), 600)
    qtbot.waitUntil(lambda: checklist.height() == 600, timeout=2000)
    # ... and no label is cut: each wraps, and is as tall as its text once laid out.
    labels = [
        label
        for label in checklist.findChildren(QLabel)
        if label.isVisibleTo(checklist) and len(label.text()) > 20  # not the ✓/! marks
    ]
    assert all(label.wordWrap() for label in labels), [lb.text() for lb in labels]
    qtbot.waitUntil(
        lambda: all(lb.height() >= lb.heightForWidth(lb.width()) for lb in labels), timeout=3000
    )
    # A network failure in the creator's words, naming the server (details in the log).
    message = row.message.text()
    assert message.startswith(f"Can't reach the Groq server (127.0.0.1:{port})"), message
    assert "internet connection" in message
    assert "Error" not in message and "Errno" not in message
    checklist.reject()
    QApplication.processEvents()


# -- 2. "Write with AI" never takes the creator's text away ----------------------------------------
def test_write_with_ai_without_a_key_is_disabled_and_says_why(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    win, project = open_project(make_window, library)
    panel = win.render_panel.publish
    assert not panel.write_button.isEnabled()
    assert "Groq API key in Settings" in panel.write_button.toolTip()
    assert panel.write_hint.isVisibleTo(panel) and "Settings" in panel.write_hint.text()
    qtbot.mouseClick(panel.write_button, Qt.MouseButton.LeftButton)
    assert library.publishing(project) is None, "nothing was written over the creator's text"


def test_write_with_ai_is_one_undoable_step(
    qtbot: Any, make_window: Any, library: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.groq_server import FakeGroq, reply

    written = {
        "title": "Inside the Hive",
        "description": "From flower to comb.",
        "tags": ["bees", "honey"],
    }
    with FakeGroq() as fake:
        library.set_setting("groq_base_url", fake.base_url)
        monkeypatch.setenv("GROQ_API_KEY", "gsk_" + "k" * 40)
        fake.enqueue(reply(json.dumps(written)))
        win, project = open_project(make_window, library)
        panel = win.render_panel.publish
        panel.title.setText("My own title")
        panel.tags.setText("mine")  # typed, not saved: an undo still gives it back
        assert panel.write_button.isEnabled() and not panel.write_hint.isVisibleTo(panel)
        with qtbot.waitSignal(panel.publishingChanged, timeout=30_000):
            qtbot.mouseClick(panel.write_button, Qt.MouseButton.LeftButton)
    assert panel.title.text() == "Inside the Hive"
    assert library.publishing(project).title == "Inside the Hive"
    win.window_actions.undo.trigger()
    saved = library.publishing(project)
    assert (saved.title, saved.tags) == ("My own title", ["mine"])
    assert (panel.title.text(), panel.tags.text()) == ("My own title", "mine")
    win.window_actions.redo.trigger()
    assert library.publishing(project).title == "Inside the Hive" == panel.title.text()
