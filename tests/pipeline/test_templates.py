"""The four templates through the real pipeline: scenes, voices, looks, and the finished video."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.errors import InputError
from studio.media.probe import probe
from studio.media.scroll import parse_blocks
from studio.pipeline.templates import get_template
from studio.pipeline.templates.chat import parse_chat
from studio.pipeline.templates.scroll import group_into_scenes
from studio.store import Library
from studio.store.models import Project
from tests.media.support import decode_audio, decode_frame, write_picture
from tests.media.test_tempo import write_beats

CHAT = (
    "Alex: Did you see the launch?\n"
    "Sam: No, I overslept.\n"
    "It was that early?\n"  # continues Sam's message
    "Alex: The booster landed on its own.\n"
)
SCROLL = (
    "# Loops\n\n"
    "A loop repeats a block of code.\n\n"
    "```python\nfor i in range(3):\n    print(i)\n```\n\n"
    "Each time round, i holds the next number."
)


def only_project(library: Library) -> Project:
    (summary,) = library.projects()
    return library.project(summary.id)


# -- scenes from text -------------------------------------------------------------------------
def test_chat_lines_become_messages_with_continuations() -> None:
    messages = parse_chat(CHAT)
    assert [(m.character, m.text) for m in messages] == [
        ("Alex", "Did you see the launch?"),
        ("Sam", "No, I overslept. It was that early?"),
        ("Alex", "The booster landed on its own."),
    ]


def test_chat_without_speakers_says_how_to_write_it() -> None:
    with pytest.raises(InputError) as caught:
        parse_chat("Once upon a time there was a chat.")
    assert "line 1" in (caught.value.where or "")
    assert "Name: message" in (caught.value.fix or "")


def test_scroll_scenes_are_paragraphs_with_their_code() -> None:
    scenes = group_into_scenes(parse_blocks(SCROLL))
    assert len(scenes) == 2
    assert scenes[0].startswith("# Loops") and "print(i)" in scenes[0]
    assert scenes[1] == "Each time round, i holds the next number."


def test_music_cuts_stay_on_the_beat_over_a_long_song() -> None:
    from studio.pipeline.templates.music import cut_frames

    # 0.5 s beats x 4 = 2 s cuts at 24 fps are 48 frames; 1.7 s cuts are 40.8 frames: rounding
    # each cut alone would drift by 0.2 frame per cut, rounding the marks never drifts.
    cuts = [i * 1.7 for i in range(200)]
    frames = cut_frames(cuts, 24)
    assert sum(frames) == round(cuts[-1] * 24)
    assert set(frames) <= {40, 41}


def test_unknown_template_and_options_are_refused(library: Library) -> None:
    with pytest.raises(InputError):
        get_template("slideshow")
    with pytest.raises(InputError) as caught:
        get_template("chat").check_options(library, {"chat_style": "neon"})
    assert "light" in (caught.value.fix or "")
    with pytest.raises(InputError):
        get_template("scroll").check_options(library, {"background": "/no/such/file.png"})
    with pytest.raises(InputError):
        get_template("music").check_options(library, {"bpm": 900})


# -- whole videos from the CLI ----------------------------------------------------------------
def produce(home: Path, *args: str) -> int:
    return main(["--home", str(home), "produce", "--resolution", "720p", *args])


def test_chat_story_video(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "chat.txt"
    script.write_text(CHAT, encoding="utf-8")
    assert produce(home, "--template", "chat", "--script", str(script)) == 0
    video = Path(capsys.readouterr().out.strip().splitlines()[-1])
    library = Library.open(home)
    project = only_project(library)
    scenes = library.scenes(project)
    assert [s.character for s in scenes] == ["Alex", "Sam", "Alex"]
    voices = library.character_voices(project)
    assert set(voices) == {"Alex", "Sam"} and voices["Alex"] != voices["Sam"]
    spoken = {s.character: s.audio_key for s in scenes}
    assert spoken["Alex"] != spoken["Sam"]
    info = probe(video)
    total = sum(float(s.duration or 0) + 0.35 for s in scenes)
    assert info.has_audio and abs(info.duration - total) < 0.2
    # The bubbles pile up: more of the frame is bubble-coloured in the last message than the first.
    first = decode_frame(video, float(scenes[0].duration or 0) / 2)
    last = decode_frame(video, info.duration - 0.2)
    assert _bright_pixels(last) > 1.5 * _bright_pixels(first)
    # "me" (the first speaker) is on the right: the first bubble sits right of centre.
    columns = np.nonzero(_accent(first).any(axis=0))[0]
    assert columns.size and columns.mean() > first.shape[1] / 2


def _bright_pixels(frame: np.ndarray) -> int:
    return int((frame.max(axis=2) > 150).sum())


def _accent(frame: np.ndarray) -> np.ndarray:
    r, g, b = (frame[..., i].astype(int) for i in range(3))
    return (b > 150) & (b - r > 60)  # the blue of "me" bubbles


def test_scroll_video_moves_the_page_and_never_reads_code(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "loops.md"
    script.write_text(SCROLL, encoding="utf-8")
    background = write_picture(tmp_path / "desk.png", (640, 360))
    assert (
        produce(
            home, "--template", "scroll", "--script", str(script), "--background", str(background)
        )
        == 0
    )
    video = Path(capsys.readouterr().out.strip().splitlines()[-1])
    library = Library.open(home)
    project = only_project(library)
    scenes = library.scenes(project)
    assert "print" not in (scenes[0].sanitized_text or "")
    stored = project.template_options["background"]
    assert not Path(stored).is_absolute()  # copied into the library, not "a file somewhere"
    assert library.home.abs(stored).is_file()
    info = probe(video)
    start = _text_rows(decode_frame(video, 0.1))
    end = _text_rows(decode_frame(video, info.duration - 0.1))
    assert start.mean() > end.mean() + 20  # the text has moved up the screen


def _text_rows(frame: np.ndarray) -> np.ndarray:
    """Row indices where white text is drawn."""
    white = (frame.min(axis=2) > 220).sum(axis=1)
    return np.nonzero(white > 3)[0].astype(float)


def test_music_video_cuts_on_the_beat(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    song = tmp_path / "click120.wav"
    write_beats(song, 120, seconds=8, start=0.0)
    assert produce(home, "--template", "music", "--music", str(song), "--beats-per-cut", "2") == 0
    video = Path(capsys.readouterr().out.strip().splitlines()[-1])
    library = Library.open(home)
    project = only_project(library)
    scenes = library.scenes(project)
    assert abs(project.template_options["detected_bpm"] - 120) < 2.5
    assert len(scenes) == pytest.approx(8, abs=1)  # a cut every second
    assert all(abs(float(s.duration or 0) - 1.0) < 0.05 for s in scenes[1:-1])
    info = probe(video)
    assert abs(info.duration - 8.0) < 0.15
    sound = decode_audio(video)
    assert np.sqrt(np.mean(sound**2)) > 0.02  # the song is there, at full level
    # A cut shows a new picture: the frames either side of the first cut differ.
    cut = float(scenes[0].duration or 0)
    before, after = decode_frame(video, cut - 0.1), decode_frame(video, cut + 0.1)
    assert np.abs(before.astype(int) - after.astype(int)).mean() > 10
    # Every cut, not only the first: no two generated slides in a row look alike.
    slides = []
    for scene in scenes:
        selection = library.selection(scene)
        assert selection is not None, f"scene {scene.scene_number} has no picture"
        picture = Image.open(library.home.abs(selection.asset_path)).convert("RGB")
        slides.append(np.asarray(picture, dtype=np.int64))
    assert all(np.abs(a - b).mean() > 10 for a, b in zip(slides, slides[1:], strict=False))


def test_templates_refuse_what_they_cannot_make(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert produce(home, "--template", "chat", "--topic", "rockets") == 2
    assert "can't be written from a topic" in capsys.readouterr().err
    assert produce(home, "--template", "music") == 2
    assert "needs a song" in capsys.readouterr().err
    script = tmp_path / "plain.txt"
    script.write_text("Just a paragraph with nobody speaking.", encoding="utf-8")
    assert produce(home, "--template", "chat", "--script", str(script)) == 2
    assert "Name: message" in capsys.readouterr().err
    assert Library.open(home).projects() == []  # nothing half-made was kept


def test_template_options_travel_in_project_json(library: Library) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.templates import create_project

    project = create_project(
        library, "Chat", template="chat", options={"chat_style": "light"}, settings=RenderSettings()
    )
    assert project.template == "chat"
    assert json.loads(json.dumps(project.template_options))["chat_style"] == "light"
    assert project.render_settings["captions"] is False


def test_chat_project_travels_with_its_voices_background_and_metadata(
    library: Library, tmp_path: Path
) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.jobs import run_job
    from studio.pipeline.templates import create_project
    from studio.store import archive

    background = write_picture(tmp_path / "wall.png", (320, 180))
    project = create_project(
        library,
        "Duo",
        template="chat",
        settings=RenderSettings(),
        options={"background": str(background)},
    )
    with run_job(library, project, "script") as ctx:
        get_template("chat").script_from_text(library, project, CHAT, ctx)
    library.set_character_voice(project, "Sam", "bm_george", engine="kokoro")
    voices = library.character_voices(project)
    library.set_publishing(project, title="Duo talk", description="Two friends.", tags=["chat"])

    copy = library.duplicate_project(project)
    imported = archive.import_project(
        library, archive.export_project(library, project, tmp_path / "duo.studio.zip")
    )
    for other in (copy, imported):
        assert library.character_voices(other) == voices
        stored = other.template_options["background"]
        assert f"projects/{other.id}/" in stored  # its own copy, not the original project's
        assert library.home.abs(stored).read_bytes() == background.read_bytes()
        assert [s.character for s in library.scenes(other)] == ["Alex", "Sam", "Alex"]
        published = library.publishing(other)
        assert published is not None and published.title == "Duo talk"
        assert published.tags == ["chat"] and published.source == "creator"


def test_every_stored_template_name_has_a_template() -> None:
    from studio.pipeline.templates import all_templates
    from studio.store.models import TEMPLATES

    assert tuple(t.name for t in all_templates()) == TEMPLATES


def test_the_scroll_page_is_drawn_once_for_all_its_scenes(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.jobs import run_job
    from studio.pipeline.templates import create_project
    from studio.pipeline.templates import scroll as scroll_template

    project = create_project(
        library, "Loops", template="scroll", options={}, settings=RenderSettings(resolution="720p")
    )
    template = get_template("scroll")
    with run_job(library, project, "script") as ctx:
        template.script_from_text(library, project, SCROLL + "\n\nOne more paragraph.", ctx)
    drawn: list[Path] = []
    real = scroll_template.render_scroll_page

    def counting(*args: object, **kwargs: object) -> object:
        drawn.append(kwargs["out"])  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scroll_template, "render_scroll_page", counting)
    settings = RenderSettings(resolution="720p", captions=False)
    looks = [
        template.look(library, project, s, settings, tmp_path) for s in library.scenes(project)
    ]
    assert len(looks) == 3 and len(drawn) == 1
    scrolls = [lk.overlay.scroll_from for lk in looks if lk.overlay is not None]
    assert len(scrolls) == len(looks) and scrolls == sorted(scrolls)
