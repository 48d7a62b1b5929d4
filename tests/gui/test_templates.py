"""Templates in the window: New Project's kind of video, and a chat story's voices."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]

CHAT = "Alex: Ready for the quiz?\nSam: Always.\nAlex: First question then."


def choose_template(dialog: Any, name: str) -> None:
    form = dialog.template_form
    form.template.setCurrentIndex(form.template.findData(name))


def test_new_chat_story_from_the_dialog(qtbot: Any, window: Any, library: Any) -> None:
    dialog = window.projects.new_project()
    choose_template(dialog, "chat")
    assert not dialog.ai_button.isEnabled()  # a chat story is written by the creator
    assert "Alex:" in dialog.script.placeholderText()
    dialog.name.setText("Quiz night")
    form = dialog.template_form
    bubbles = form.field("chat_style")
    bubbles.setCurrentIndex(bubbles.findData("light"))
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    dialog.script.setPlainText(CHAT)
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    project = library.project("Quiz night")
    assert project.template == "chat"
    assert project.template_options["chat_style"] == "light"
    assert [s.character for s in library.scenes(project)] == ["Alex", "Sam", "Alex"]
    qtbot.waitUntil(lambda: window.workspace.current_project_id == project.id)
    assert window.window_actions.characters.isEnabled()
    card = window.editor.cards()[1]
    assert card.character.isVisibleTo(card) and "Sam" in card.character.text()


def test_each_template_page_is_built_from_its_declared_options(
    qtbot: Any, window: Any, library: Any
) -> None:
    from studio.pipeline.templates import all_templates

    dialog = window.projects.new_project()
    form = dialog.template_form
    for template in all_templates():
        choose_template(dialog, template.name)
        assert form.current().name == template.name
        for option in template.options:
            assert form.field(option.key).isVisibleTo(form), (template.name, option.key)
        assert form.song_file.isVisibleTo(form) == template.needs_song
        assert dialog.voice.isEnabled() == template.narrated
        assert dialog.script.placeholderText() == template.script_hint
        assert template.check_options(library, form.options()) is not None  # creatable as is
    choose_template(dialog, "music")
    assert "bpm" not in form.options()  # "Detect": not given
    form.field("bpm").setValue(120)
    assert form.options() == {"bpm": 120.0, "beats_per_cut": 4}
    choose_template(dialog, "chat")
    form.field("me").setText("Sam")
    assert form.options() == {"chat_style": "dark", "me": "Sam"}
    dialog.reject()


def test_characters_dialog_changes_a_voice(qtbot: Any, window: Any, library: Any) -> None:
    from studio.gui.characters_dialog import CharactersDialog
    from studio.media.settings import RenderSettings
    from studio.pipeline.jobs import run_job
    from studio.pipeline.templates import create_project, get_template

    project = create_project(library, "Duo", template="chat", options={}, settings=RenderSettings())
    with run_job(library, project, "script") as ctx:
        get_template("chat").script_from_text(library, project, CHAT, ctx)
    window.workspace.set_current_project(project.id)
    dialog = CharactersDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    assert set(dialog.combos) == {"Alex", "Sam"}
    combo = dialog.combos["Sam"]
    combo.setCurrentIndex(combo.findData("bm_george"))
    with qtbot.waitSignal(dialog.accepted, timeout=5_000):
        dialog.save()
    assert library.character_voices(project)["Sam"] == "bm_george"


def test_a_music_video_needs_its_song(qtbot: Any, window: Any, library: Any) -> None:
    dialog = window.projects.new_project()
    choose_template(dialog, "music")
    dialog.name.setText("Beat")
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    assert dialog.details_error.isVisibleTo(dialog)
    assert "song" in dialog.details_error.text()
    assert library.projects() == []
    dialog.reject()


def _song(path: Any) -> Any:
    from tests.media.test_tempo import write_beats

    write_beats(path, 120, seconds=6, start=0.0)
    return path


@pytest.mark.parametrize("template", ["scroll", "chat", "music"])
def test_each_template_renders_from_the_window(
    qtbot: Any, window: Any, library: Any, tmp_path: Any, template: str
) -> None:
    from studio.media.probe import probe

    scripts = {
        "scroll": "A loop repeats.\n\n```\nfor i in range(3):\n    print(i)\n```\n\nThat is all.",
        "chat": CHAT,
        "music": "",
    }
    dialog = window.projects.new_project()
    choose_template(dialog, template)
    dialog.name.setText(f"GUI {template}")
    if template == "music":
        dialog.template_form.song_file.edit.setText(str(_song(tmp_path / "song.wav")))
    qtbot.mouseClick(dialog.own_button, Qt.MouseButton.LeftButton)
    dialog.script.setPlainText(scripts[template])
    with qtbot.waitSignal(dialog.accepted, timeout=30_000):
        qtbot.mouseClick(dialog.create_button, Qt.MouseButton.LeftButton)
    project = library.project(f"GUI {template}")
    assert project.template == template
    library.update_project(
        project, render_settings={**project.render_settings, "resolution": "720p"}
    )
    qtbot.waitUntil(lambda: window.workspace.current_project_id == project.id)
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=180_000):
        qtbot.mouseClick(window.render_panel.render_button, Qt.MouseButton.LeftButton)
    (render,) = library.renders(project)
    info = probe(library.home.abs(render.file_path))
    assert info.has_video and info.has_audio and info.width == 1280
    expected = sum(float(s.duration or 0) for s in library.scenes(project))
    assert info.duration >= expected - 0.1
    assert library.jobs(project)[0].status == "completed"


def test_the_render_panel_offers_only_the_settings_a_template_uses(
    qtbot: Any, window: Any, library: Any
) -> None:
    """Captions are the narration's: a chat story (its words are on screen) can't turn them
    on, and the panel says why; an explainer can."""
    from studio.media.settings import RenderSettings
    from studio.pipeline.templates import create_project, get_template

    chat = create_project(library, "Duo", template="chat", options={}, settings=RenderSettings())
    explainer = create_project(
        library, "Bees", template="explainer", options={}, settings=RenderSettings()
    )
    panel = window.render_panel
    window.workspace.set_current_project(chat.id)
    qtbot.waitUntil(lambda: not panel.captions.isEnabled(), timeout=5000)
    assert not panel.caption_style.isEnabled()
    assert panel.captions.toolTip() == get_template("chat").render_settings_note
    window.workspace.set_current_project(explainer.id)
    qtbot.waitUntil(lambda: panel.captions.isEnabled(), timeout=5000)
    assert panel.captions.toolTip() == ""
