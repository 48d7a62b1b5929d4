"""What a creator walking the window in other languages ran into, each fixed and kept fixed.

Real windows on real libraries; Kokoro's voices come from a real folder of voice files (a random
model, as the engine tests make it), so the voice lists show what this machine has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextCursor, QTextLayout
from PySide6.QtWidgets import QPlainTextEdit

from studio.store.settings_registry import KOKORO_DIR
from tests.engines.test_engines import write_kokoro_files
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]

ARABIC = "مرحبا بكم في القاهرة، مدينة الألف مئذنة."


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Kokoro files from this machine's Hugging Face cache: only the test's folder."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


def start_x(edit: QPlainTextEdit) -> int:
    """Where the text's first character is drawn, from the box's left edge."""
    cursor = QTextCursor(edit.document())
    cursor.setPosition(0)
    return edit.cursorRect(cursor).x()


def test_arabic_narration_sits_against_the_right_edge_and_follows_typing(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    project = make_project(library, "Cairo", ["Hello, and welcome to Cairo.", ARABIC])
    win = make_window()
    win.resize(1366, 768)
    win.workspace.set_current_project(project.id)
    english, arabic = (card.text for card in win.editor.cards())
    qtbot.waitUntil(lambda: arabic.width() > 200)
    assert start_x(english) < 20
    assert start_x(arabic) > arabic.width() - 40, "the sentence starts at the right edge"

    english.setPlainText(ARABIC)  # typed over: the box follows the words' direction
    assert start_x(english) > english.width() - 40
    english.setPlainText("Back to English.")
    assert start_x(english) < 20


def test_the_new_project_script_box_follows_the_scripts_direction(make_window: Any) -> None:
    win = make_window()
    dialog = win.projects.new_project()
    dialog.pages.setCurrentIndex(1)
    dialog.script.setPlainText(f"{ARABIC}\n\nشكرا.")
    align = dialog.script.document().defaultTextOption().alignment()
    assert align == Qt.AlignmentFlag.AlignRight
    dialog.reject()


def test_a_right_to_left_scene_keeps_its_number_first_in_the_project_tree(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    """The row is drawn with its direction taken from its text when elided: the Arabic words
    are set apart so the number stays at the left of the row."""
    project = make_project(library, "Cairo", ["Hello, and welcome to Cairo.", ARABIC])
    win = make_window()
    win.workspace.set_current_project(project.id)
    item = win.tree.project_item(project.id)
    qtbot.waitUntil(lambda: item.childCount() == 2)
    row = item.child(1).text(0)
    assert row.startswith("2  ") and ARABIC in row
    layout = QTextLayout(row, QFont())  # direction from the text, as an elided row is drawn
    layout.beginLayout()
    line = layout.createLine()
    layout.endLayout()
    x_of_number: Any = line.cursorToX(0)  # (x, position) in PySide6's binding
    assert x_of_number[0] < 1, "the number is drawn first, at the left"
    assert item.child(0).text(0) == "1  Hello, and welcome to Cairo."  # others unchanged


def test_other_languages_voices_name_their_language_once(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    """Kokoro's and the draft voices' names already say their language ("Heart (American
    English, female)"); only a blend, named by the creator, gets its language added."""
    write_kokoro_files(tmp_path / "kokoro", ("af_heart", "jf_alpha", "zf_xiaobei"))
    library.set_setting(KOKORO_DIR, str(tmp_path / "kokoro"))
    library.save_blend("Warm", [("af_heart", 0.6), ("zf_xiaobei", 0.4)])
    project = make_project(library, "Sakura", ["春が来ました。"])
    library.update_project(project, language="ja")
    win = make_window()
    win.workspace.set_current_project(project.id)
    combo = win.editor.cards()[0].voice
    texts = {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}
    assert texts["af_heart"] == "Heart (American English, female)"
    assert texts["zf_xiaobei"] == "Xiaobei (Mandarin, female)"
    assert texts["blend:warm"] == "Blend: Warm · English (US)"
    assert not any(text.count("English") > 1 for text in texts.values())


def test_the_revoice_warning_is_never_hidden_under_the_buttons(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    from studio.gui.language_picker import open_project_language

    project = make_project(library, "Tour")
    win = make_window()
    win.workspace.set_current_project(project.id)
    dialog = open_project_language(win.workspace, win)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    dialog.picker.language.setCurrentIndex(dialog.picker.language.findData("es"))
    warning = dialog.warning
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    qtbot.waitUntil(lambda: warning.height() >= warning.heightForWidth(warning.width()))
    assert warning.geometry().bottom() < buttons.geometry().top()
    assert dialog.width() <= 1024 and dialog.height() <= 700
    dialog.reject()


def blend_dialog(win: Any) -> Any:
    from studio.gui.blend_dialog import open_blends

    return open_blends(win.workspace, win.auditioner, win)


def test_a_blend_named_in_japanese_is_saved_and_offered(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    write_kokoro_files(tmp_path / "kokoro", ("jf_alpha", "jm_kumo"))
    library.set_setting(KOKORO_DIR, str(tmp_path / "kokoro"))
    project = make_project(library, "Sakura", ["春が来ました。"])
    library.update_project(project, language="ja")
    win = make_window()
    win.workspace.set_current_project(project.id)
    dialog = blend_dialog(win)
    dialog.name.setText("桜の声")
    blend = dialog.save()
    assert blend is not None and not dialog.error.isVisibleTo(dialog)
    assert [b.display_name for b in library.blends()] == ["桜の声"]
    assert dialog.blends.item(0).text() == "桜の声"
    combo = win.editor.cards()[0].voice
    assert combo.findData(blend.voice_id) > 0 and "桜の声" in combo.itemText(
        combo.findData(blend.voice_id)
    )
    dialog.reject()


def test_saving_a_blend_without_a_name_asks_for_one_in_plain_words(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    from studio.gui.blend_dialog import NO_NAME

    write_kokoro_files(tmp_path / "kokoro", ("af_heart", "bf_emma"))
    library.set_setting(KOKORO_DIR, str(tmp_path / "kokoro"))
    win = make_window()
    dialog = blend_dialog(win)
    dialog.name.setText("   ")
    assert dialog.save() is None
    assert dialog.error.isVisibleTo(dialog) and dialog.error.text() == NO_NAME
    assert library.blends() == []
    dialog.reject()


def test_a_scene_turned_french_is_read_by_a_french_voice_and_undo_restores_both(
    qtbot: Any, make_window: Any, library: Any, tmp_path: Path
) -> None:
    """The English narrator reading a French quote with an accent is not what ⋯ → Language
    → French asks for: the scene takes a French voice, in the same undoable step."""
    write_kokoro_files(tmp_path / "kokoro", ("af_heart", "bf_emma", "ff_siwis"))
    library.set_setting(KOKORO_DIR, str(tmp_path / "kokoro"))
    project = make_project(library, "Quotes", ["Hello there.", "Bonjour à tous."])
    library.update_project(project, voice_id="af_heart")
    win = make_window()
    win.workspace.set_current_project(project.id)
    card = win.editor.cards()[1]
    next(a for a in card.language_menu.actions() if a.data() == "fr").trigger()
    scene = library.scenes(project)[1]
    assert (scene.language, scene.voice_id) == ("fr", "ff_siwis")
    qtbot.waitUntil(lambda: card.voice.currentData() == "ff_siwis")

    next(a for a in card.language_menu.actions() if a.data() == "en-gb").trigger()
    scene = library.scenes(project)[1]  # the project's voice speaks English: it takes over
    assert (scene.language, scene.voice_id) == ("en-gb", None)

    win.window_actions.undo.trigger()
    win.window_actions.undo.trigger()
    scene = library.scenes(project)[1]
    assert (scene.language, scene.voice_id) == (None, None)
    qtbot.waitUntil(lambda: card.voice.currentData() is None)


def test_a_chosen_voice_reads_without_leading_spaces_in_the_closed_list(
    make_window: Any, library: Any
) -> None:
    """Without Kokoro, New Project in Japanese picks Kokoro's Japanese voice (listed under
    the "needs Kokoro" heading): the closed list shows its name from the left edge."""
    win = make_window()
    dialog = win.projects.new_project()
    dialog.voices.language.setCurrentIndex(dialog.voices.language.findData("ja"))
    assert dialog.voice.currentData() == "jf_alpha"
    assert dialog.voice.currentText() == "Alpha (Japanese, female) — needs Kokoro"
    dialog.reject()


def test_tab_goes_from_the_blends_name_through_its_voices_before_the_buttons(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    from PySide6.QtWidgets import QWidget

    write_kokoro_files(tmp_path / "kokoro", ("af_heart", "bf_emma", "jf_alpha"))
    library.set_setting(KOKORO_DIR, str(tmp_path / "kokoro"))
    win = make_window()
    dialog = blend_dialog(win)
    dialog.add_button.click()  # a third row, made after everything else
    expected: list[QWidget] = []
    for row in dialog.rows:
        expected += [row.voice, row.share, row.remove]
    expected += [dialog.add_button, dialog.language]
    order: list[QWidget] = []
    widget = dialog.name.nextInFocusChain()
    while len(order) < len(expected) and widget is not dialog.name:
        if widget in expected:
            order.append(widget)
        widget = widget.nextInFocusChain()
    assert order == expected
    dialog.reject()


def test_a_project_turned_spanish_drops_scene_voices_that_speak_only_japanese(
    make_window: Any, library: Any, tmp_path: Path
) -> None:
    """A scene's own Japanese voice would read the Spanish script with an accent: it goes with
    the language change (one undo brings both back); a scene with its own language keeps its
    voice."""
    from studio.gui.language_picker import open_project_language

    write_kokoro_files(tmp_path / "kokoro", ("af_heart", "jf_alpha", "jm_kumo", "ef_dora"))
    library.set_setting(KOKORO_DIR, str(tmp_path / "kokoro"))
    project = make_project(library, "Viaje", ["Uno.", "Dos.", "Three."])
    library.update_project(project, language="ja", voice_id="jf_alpha")
    first, second, third = library.scenes(project)
    library.update_scene(second, voice_id="jm_kumo")
    library.update_scene(third, language="en-us", voice_id="af_heart")
    win = make_window()
    win.workspace.set_current_project(project.id)
    dialog = open_project_language(win.workspace, win)
    assert dialog is not None
    dialog.picker.language.setCurrentIndex(dialog.picker.language.findData("es"))
    assert dialog.picker.voice_id() == "ef_dora"
    dialog.apply()

    def voices() -> list[tuple[str | None, str | None]]:
        return [(s.language, s.voice_id) for s in library.scenes(project)]

    assert library.project(project.id).language == "es"
    assert voices() == [(None, None), (None, None), ("en-us", "af_heart")]
    assert win.editor.cards()[1].voice.currentData() is None  # "Project voice": Dora

    win.window_actions.undo.trigger()
    assert library.project(project.id).language == "ja"
    assert voices() == [(None, None), (None, "jm_kumo"), ("en-us", "af_heart")]
