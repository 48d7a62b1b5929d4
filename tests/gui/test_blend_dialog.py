"""The voice blend dialog: a saved blend is offered at once in the scene cards' voice lists, a
refused mix says why in the dialog (nothing saved), "Listen" speaks the mix as a job, and a
voice list's "New blend…" opens the dialog without changing the voice chosen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.factories import make_project
from tests.gui.support import multimedia_noise
from tests.gui.test_languages_gui import combo_rows, empty_hf_cache, kokoro_folder

pytestmark = [pytest.mark.gui, multimedia_noise]
__all__ = ["empty_hf_cache"]  # the autouse fixture, used here too

VOICES = ("af_heart", "bf_emma", "jf_alpha")


@pytest.fixture
def win(make_window: Any, library: Any, tmp_path: Path) -> Any:
    """A window on a project, with three Kokoro voice files (a random model)."""
    kokoro_folder(library, tmp_path / "kokoro", VOICES)
    project = make_project(library, "Blends", ["One scene to voice."])
    window = make_window()
    window.workspace.set_current_project(project.id)
    return window


def open_dialog(win: Any) -> Any:
    from studio.gui.blend_dialog import BlendDialog

    win.window_actions.voice_blends.trigger()
    dialog = win.findChild(BlendDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def mix(dialog: Any, *parts: tuple[str, int]) -> None:
    """Set the editor's rows to ``parts`` (voice id, share %)."""
    while len(dialog.rows) < len(parts):
        dialog.add_button.click()
    while len(dialog.rows) > len(parts):
        dialog.rows[-1].remove.click()
    for row, (voice, share) in zip(dialog.rows, parts, strict=True):
        row.voice.setCurrentIndex(row.voice.findData(voice))
        row.share.setValue(share)


def test_a_saved_blend_is_offered_in_the_scene_cards_voice_list(win: Any, library: Any) -> None:
    from studio.gui.voice_list import YOUR_BLENDS

    dialog = open_dialog(win)
    dialog.name.setText("Warm narrator")
    mix(dialog, ("af_heart", 30), ("bf_emma", 20))
    assert [row.portion.text() for row in dialog.rows] == ["→ 60 %", "→ 40 %"]
    assert dialog.language.currentText() == "As its largest share (English (US))"
    dialog.gender.setCurrentIndex(dialog.gender.findData("female"))
    dialog.save_button.click()
    assert not dialog.error.isVisibleTo(dialog)
    saved = library.blend("blend:warm-narrator")
    assert saved is not None and (saved.language, saved.gender) == ("en-us", "female")
    assert saved.components == [
        {"voice": "af_heart", "weight": 0.6},
        {"voice": "bf_emma", "weight": 0.4},
    ]
    assert dialog.blends.currentItem().text() == "Warm narrator"

    rows = combo_rows(win.editor.cards()[0].voice)
    texts = [text for text, _data in rows]
    at = [data for _text, data in rows].index("blend:warm-narrator")
    assert texts.index(YOUR_BLENDS) < at, "under 'Your blends'"
    assert "Warm narrator" in texts[at]


def test_a_mix_of_one_voice_or_a_zero_share_is_refused_in_the_dialog(
    win: Any, library: Any
) -> None:
    dialog = open_dialog(win)
    dialog.name.setText("Solo")
    mix(dialog, ("af_heart", 100))
    dialog.save_button.click()
    assert dialog.error.isVisibleTo(dialog) and "2 to 4 voices" in dialog.error.text()
    mix(dialog, ("af_heart", 100), ("bf_emma", 0))
    assert not dialog.error.isVisibleTo(dialog), "changing the mix clears the old reason"
    dialog.save_button.click()
    assert dialog.error.isVisibleTo(dialog) and "share" in dialog.error.text()
    assert library.blends() == []
    assert dialog.listen() is None and dialog.error.isVisibleTo(dialog)  # no job for it either
    assert not win.jobs.busy


def test_listen_speaks_the_mix_into_the_preview(qtbot: Any, win: Any) -> None:
    dialog = open_dialog(win)
    mix(dialog, ("af_heart", 50), ("bf_emma", 50))
    with qtbot.waitSignal(win.jobs.succeeded, timeout=120_000):
        qtbot.mouseClick(dialog.listen_button, Qt.MouseButton.LeftButton)
    sample = Path(win.preview.source)
    assert sample.suffix == ".wav" and sample.read_bytes()[:4] == b"RIFF"
    assert sample.stat().st_size > 10_000, "a sentence, not silence"
    assert not dialog.error.isVisibleTo(dialog)


def test_new_blend_in_a_voice_list_opens_the_dialog_and_keeps_the_voice(
    win: Any, library: Any
) -> None:
    from studio.gui.blend_dialog import BlendDialog
    from studio.gui.voice_list import NEW_BLEND_DATA

    card = win.editor.cards()[0]
    before = card.voice.currentIndex()
    entry = card.voice.findData(NEW_BLEND_DATA)
    assert entry == card.voice.count() - 1
    card.voice.setCurrentIndex(entry)
    card.voice.activated.emit(entry)
    assert card.voice.currentIndex() == before
    assert library.scenes(library.project("Blends"))[0].voice_id is None
    dialog = win.findChild(BlendDialog)
    assert dialog is not None and dialog.isVisible()


def test_a_chat_character_can_speak_with_a_blend(qtbot: Any, win: Any, library: Any) -> None:
    from studio.gui.characters_dialog import CharactersDialog
    from studio.media.settings import RenderSettings
    from studio.pipeline.jobs import run_job
    from studio.pipeline.templates import create_project, get_template

    project = create_project(library, "Duo", template="chat", options={}, settings=RenderSettings())
    with run_job(library, project, "script") as ctx:
        get_template("chat").script_from_text(library, project, "Alex: Hi!\nSam: Hello.", ctx)
    win.workspace.set_current_project(project.id)
    dialog = CharactersDialog(win.workspace, win)
    qtbot.addWidget(dialog)
    library.save_blend("Deep", [("af_heart", 0.5), ("bf_emma", 0.5)])
    win.workspace.notify_voices()  # as the blend dialog does: open lists offer it at once
    combo = dialog.combos["Sam"]
    combo.setCurrentIndex(combo.findData("blend:deep"))
    with qtbot.waitSignal(dialog.accepted, timeout=5_000):
        dialog.save()
    assert library.character_voices(project)["Sam"] == "blend:deep"
