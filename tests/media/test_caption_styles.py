"""Caption looks: presets unchanged, every option in the ASS document, and real libass frames
(position bands, the box, each shipped font, the spoken word's highlight in a real segment)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from studio.errors import InputError
from studio.media.caption_look import FONTS, PRESETS, CaptionLook, look_of
from studio.media.caption_preview import caption_frame
from studio.media.captions import Cue, Word, ass_document, build_cues, write_ass
from studio.media.segments import SegmentSpec, render_segment
from studio.media.settings import RenderSettings
from studio.timing import WordTiming
from tests.media.support import decode_frame, write_tone

TEXT = "Bees make honey from nectar. They collect it {from} flowers, store it in a second stomach!"
#: sha256[:16] of ``ass_document(build_cues(TEXT, None, 9.0), settings)`` on main before caption
#: looks existed (commit e22a94a): old projects must burn the very same captions.
MAIN_ASS = {
    ("clean", "16:9", "720p"): "acaf2d5ea428eb2c",
    ("clean", "16:9", "1080p"): "5451f66a437fd6c0",
    ("clean", "9:16", "720p"): "d7b07bee2cc2deb4",
    ("clean", "9:16", "1080p"): "297d541bdd0f5aaa",
    ("clean", "1:1", "720p"): "a4a86a93922498ff",
    ("clean", "1:1", "1080p"): "f45b745dc35a1995",
    ("bold", "16:9", "720p"): "5260ef792b8a579b",
    ("bold", "16:9", "1080p"): "c0adc606f74ac7d2",
    ("bold", "9:16", "720p"): "b2787f638694979e",
    ("bold", "9:16", "1080p"): "f5bc3d0977bc9acf",
    ("bold", "1:1", "720p"): "c4ab609ee1cd5007",
    ("bold", "1:1", "1080p"): "788c37cf0e742609",
    ("boxed", "16:9", "720p"): "96e19a7d313e4d16",
    ("boxed", "16:9", "1080p"): "fa161204e4bd4484",
    ("boxed", "9:16", "720p"): "22c6eb49d6751108",
    ("boxed", "9:16", "1080p"): "9ce8ca16753fec63",
    ("boxed", "1:1", "720p"): "a9a99a77a6824e02",
    ("boxed", "1:1", "1080p"): "93809886498850fd",
}
SMALL = RenderSettings(resolution="720p")


def _settings(**caption: object) -> RenderSettings:
    return RenderSettings(resolution="720p", caption=dict(caption))


def _style(doc: str) -> list[str]:
    line = next(x for x in doc.splitlines() if x.startswith("Style: "))
    return line.removeprefix("Style: ").split(",")


def _dialogues(doc: str) -> list[tuple[str, str, str]]:
    rows = [
        x.removeprefix("Dialogue: ").split(",", 9)
        for x in doc.splitlines()
        if x.startswith("Dialogue: ")
    ]
    return [(r[1], r[2], r[9]) for r in rows]


def _plain(text: str) -> str:
    return re.sub(r"\{\\[^}]*\}", "", text)


def _centis(stamp: str) -> int:
    h, m, s = stamp.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 100)


# -- presets and settings ---------------------------------------------------------------------


@pytest.mark.parametrize(("style", "aspect", "resolution"), list(MAIN_ASS))
def test_presets_write_the_same_ass_as_before(style: str, aspect: str, resolution: str) -> None:
    settings = RenderSettings(aspect=aspect, resolution=resolution, caption_style=style)
    doc = ass_document(build_cues(TEXT, None, 9.0), settings)
    assert hashlib.sha256(doc.encode()).hexdigest()[:16] == MAIN_ASS[(style, aspect, resolution)]


def test_settings_without_overrides_keep_their_json_and_round_trip_with_them() -> None:
    assert sorted(RenderSettings().to_json()) == [  # what segment keys were made of before
        "aspect",
        "caption_style",
        "captions",
        "fps",
        "music_path",
        "music_volume",
        "resolution",
    ]
    custom = RenderSettings(caption={"font": "Bebas Neue", "highlight": "word", "size": 9})
    data = custom.to_json()
    assert data["caption"] == {"font": "Bebas Neue", "highlight": "word", "size": 9.0}
    assert RenderSettings.from_json(data) == custom
    assert RenderSettings.from_stored(data) == custom


def test_stored_caption_keeps_what_is_usable() -> None:
    stored = {"caption": {"font": "Papyrus", "size": 9, "colour": "#00ff00", "wat": 1}}
    assert RenderSettings.from_stored(stored).caption == {"colour": "#00FF00", "size": 9.0}


def test_look_json_round_trip_and_overrides_follow_the_preset() -> None:
    look = CaptionLook(font="Comic Neue", lines=2, box=True, highlight="karaoke")
    assert CaptionLook.from_json(look.to_json()) == look
    assert look_of("bold", {"font": "Open Sans"}) == CaptionLook(
        **{**PRESETS["bold"].to_json(), "font": "Open Sans"}
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"font": "Papyrus"},
        {"size": 0.5},
        {"size": float("nan")},
        {"size": "big"},
        {"colour": "red"},
        {"colour": "#12345"},
        {"position": "left"},
        {"highlight": "bounce"},
        {"lines": 3},
        {"max_words": 2.5},
        {"upper": "yes"},
        {"shadow": -1},
        {"nonsense": 1},
    ],
)
def test_bad_caption_values_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(InputError):
        RenderSettings(caption=bad)


# -- the ASS document ---------------------------------------------------------------------------


def test_style_fields_follow_the_look() -> None:
    doc = ass_document(
        [Cue(0, 1, "Hi")],
        _settings(
            font="League Spartan",
            bold=True,
            size=10,
            colour="#102030",
            outline_colour="#405060",
            outline=1,
            shadow=0.5,
            shadow_colour="#00000080",
            position="top",
        ),
    )
    style = _style(doc)
    assert style[1:8] == [
        "League Spartan",
        "72",
        "&H00302010",
        "&H00302010",
        "&H00605040",
        "&H7F000000",
        "-1",
    ]
    assert style[15:19] == ["1", "7.2", "3.6", "8"]  # outline, width, shadow, top centre


def test_box_uses_an_opaque_box_in_the_box_colour() -> None:
    style = _style(
        ass_document([Cue(0, 1, "Hi")], _settings(box=True, box_colour="#FF000080", box_padding=2))
    )
    assert style[5] == "&H7F0000FF" and style[15] == "3" and style[16] == "14.4"


@pytest.mark.parametrize(
    ("position", "alignment"), [("bottom", "2"), ("middle", "5"), ("top", "8")]
)
def test_positions_and_vertical_safe_margins(position: str, alignment: str) -> None:
    vertical = RenderSettings(resolution="720p", aspect="9:16", caption={"position": position})
    style = _style(ass_document([Cue(0, 1, "Hi")], vertical))
    assert style[18] == alignment
    if position == "middle":  # clear of the platforms' buttons down the right edge
        assert int(style[20]) > int(style[19])
    if position == "bottom":
        assert int(style[21]) >= 0.2 * 1280


def test_two_lines_break_evenly_and_upper_case() -> None:
    look = {"lines": 2, "max_words": 3, "upper": True}
    cues = build_cues("one two three four five six", None, 3.0, max_words=6, max_chars=84)
    (text,) = [t for _, _, t in _dialogues(ass_document(cues, _settings(**look)))]
    assert text == "ONE TWO THREE\\NFOUR FIVE SIX"


def _timed_cue() -> Cue:
    words = (Word("Bees", 0.0, 0.3), Word("make", 0.42, 0.7), Word("honey.", 0.9, 1.4))
    return Cue(0.0, 1.6, "Bees make honey.", words)


def test_word_highlight_marks_each_word_in_its_turn() -> None:
    doc = ass_document([_timed_cue()], _settings(highlight="word", highlight_colour="#FF0000"))
    events = _dialogues(doc)
    assert [(s, e) for s, e, _ in events] == [
        ("0:00:00.00", "0:00:00.42"),
        ("0:00:00.42", "0:00:00.90"),
        ("0:00:00.90", "0:00:01.60"),
    ]
    for i, (_, _, text) in enumerate(events):
        assert _plain(text) == "Bees make honey."
        marked = re.findall(r"\{\\1c&H0000FF&\}([^{]*)\{", text)
        assert marked == [["Bees", "make", "honey."][i]]


def test_karaoke_fills_each_word_for_its_turn() -> None:
    doc = ass_document([_timed_cue()], _settings(highlight="karaoke"))
    ((start, end, text),) = _dialogues(doc)
    fills = [int(k) for k in re.findall(r"\\kf(\d+)", text)]
    assert fills == [42, 48, 70] and sum(fills) == _centis(end) - _centis(start)
    assert _plain(text) == "Bees make honey."


@settings(max_examples=60, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["a", "שָׁלוֹם", "مرحبا", "नमस्ते", "e\u0301", "{x}", "\\N", "Zoë"]),
        min_size=1,
        max_size=14,
    ),
    gaps=st.lists(st.floats(0.0, 0.6), min_size=14, max_size=14),
    lines=st.sampled_from([1, 2]),
)
def test_word_events_never_overlap_and_keep_one_geometry(
    words: list[str], gaps: list[float], lines: int
) -> None:
    clock, timings = 0.0, []
    for word, gap in zip(words, gaps, strict=False):
        timings.append(WordTiming(word, clock, clock + gap / 2))
        clock += gap
    cues = build_cues(
        " ".join(words), timings, clock + 0.5, max_words=3 * lines, max_chars=42 * lines
    )
    doc = ass_document(cues, _settings(highlight="word", lines=lines, max_words=3))
    events = _dialogues(doc)
    for cue in cues:
        mine = [
            (s, e, t)
            for s, e, t in events
            if round(cue.start * 100) <= _centis(s) < round(cue.end * 100)
        ]
        assert mine, cue
        # one text, one set of line breaks, for every word's event of the cue
        assert len({_plain(t) for _, _, t in mine}) == 1
        spans = [(_centis(s), _centis(e)) for s, e, _ in mine]
        assert all(a < b for a, b in spans)
        assert all(spans[i][1] == spans[i + 1][0] for i in range(len(spans) - 1))  # meet
    starts = sorted((_centis(s), _centis(e)) for s, e, _ in events)
    assert all(a[1] <= b[0] for a, b in zip(starts, starts[1:], strict=False))  # no overlap


# -- real frames ---------------------------------------------------------------------------------


def _black(tmp_path: Path, settings: RenderSettings) -> Path:
    path = tmp_path / "black.png"
    Image.new("RGB", (settings.width, settings.height), (0, 0, 0)).save(path)
    return path


def _frame(
    tmp_path: Path, settings: RenderSettings, cues: list[Cue], at: float = 0.5, name: str = "f.png"
) -> np.ndarray:
    out = caption_frame(
        settings, tmp_path / name, picture=_black(tmp_path, settings), cues=cues, at=at
    )
    return np.asarray(Image.open(out).convert("RGB")).astype(np.int16)


def _ink_rows(frame: np.ndarray) -> np.ndarray:
    return np.nonzero((frame.max(axis=2) > 60).any(axis=1))[0]


@pytest.mark.parametrize(
    ("position", "band"), [("top", (0.0, 0.3)), ("middle", (0.35, 0.65)), ("bottom", (0.7, 1.0))]
)
def test_position_puts_the_caption_in_its_band(
    tmp_path: Path, position: str, band: tuple[float, float]
) -> None:
    settings = _settings(position=position)
    rows = _ink_rows(_frame(tmp_path, settings, [Cue(0, 1, "Bees make honey")]))
    assert rows.size > 10
    assert band[0] * 720 <= rows.min() and rows.max() <= band[1] * 720


def test_box_draws_an_opaque_box_behind_the_text(tmp_path: Path) -> None:
    settings = _settings(box=True, box_colour="#FF00FFFF", colour="#FFFFFF")
    frame = _frame(tmp_path, settings, [Cue(0, 1, "Bees make honey")])
    magenta = (frame[..., 0] > 200) & (frame[..., 1] < 60) & (frame[..., 2] > 200)
    assert magenta.sum() > 5000  # a filled box, not an outline
    rows, cols = np.nonzero(magenta)
    inside = frame[rows.min() : rows.max(), cols.min() : cols.max()]
    white = (inside.min(axis=2) > 200).sum()
    assert white > 300  # the text on the box


def test_each_shipped_font_is_really_used(tmp_path: Path) -> None:
    masks = {}
    for font in FONTS:
        frame = _frame(
            tmp_path, _settings(font=font, size=12), [Cue(0, 1, "Rag Quiz")], name=f"{font}.png"
        )
        masks[font] = frame.max(axis=2) > 128
    fonts = list(masks)
    for i, a in enumerate(fonts):
        for b in fonts[i + 1 :]:
            differ = (masks[a] ^ masks[b]).sum() / max(1, (masks[a] | masks[b]).sum())
            assert differ > 0.3, (a, b)  # a fallback would draw the same glyphs as another


def test_highlight_colours_the_spoken_word_at_its_time_in_a_real_segment(tmp_path: Path) -> None:
    settings = _settings(
        highlight="word", highlight_colour="#FF0000", colour="#FFFFFF", size=12, shadow=0
    )
    timings = [WordTiming("WWW", 0.0, 0.5), WordTiming("MMM", 0.6, 1.1)]
    cues = build_cues("WWW MMM", timings, 1.5)
    ass = write_ass(cues, settings, tmp_path / "c.ass")
    voice = write_tone(tmp_path / "voice.wav", 1.5)
    spec = SegmentSpec(
        visual_path=_black(tmp_path, settings),
        visual_kind="image",
        audio_path=voice,
        duration=1.5,
        ass_path=ass,
        motion="none",
        settings=settings,
    )
    segment = render_segment(spec, tmp_path / "seg.mp4")

    def red_by_half(seconds: float) -> tuple[int, int]:
        frame = decode_frame(segment, seconds).astype(np.int16)
        red = (frame[..., 0] > 150) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
        ink = frame.max(axis=2) > 100
        cols = np.nonzero(ink.any(axis=0))[0]
        middle = (cols.min() + cols.max()) // 2
        return int(red[:, :middle].sum()), int(red[:, middle:].sum())

    first, second = red_by_half(0.3), red_by_half(0.9)
    assert first[0] > 200 and first[1] < 20  # "WWW" red while spoken, "MMM" not yet
    assert second[1] > 200 and second[0] < 20  # then "MMM", and "WWW" back to white


def test_an_archive_keeps_the_caption_look(tmp_path: Path) -> None:
    from studio.store import Library
    from studio.store.archive import export_project, import_project
    from tests.factories import make_project_with_files

    library = Library.open(tmp_path / "home")
    project = make_project_with_files(library, "Styled")
    caption = {"font": "Comic Neue", "highlight": "karaoke", "lines": 2, "size": 7.5}
    stored = RenderSettings(caption_style="bold", caption=caption).to_json()
    library.update_project(project, render_settings=stored)
    target = export_project(library, project, tmp_path / "styled.studio.zip")
    other = Library.open(tmp_path / "other")
    imported = import_project(other, target)
    assert RenderSettings.from_stored(imported.render_settings).caption == caption
    other.close()
    library.close()


def _studio(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_produce_takes_the_caption_flags(tmp_path: Path) -> None:
    from studio.store import Library

    script = tmp_path / "s.txt"
    script.write_text("Bees make honey.\n", encoding="utf-8")
    done = _studio(
        tmp_path / "home",
        "produce",
        "--script",
        str(script),
        "--resolution",
        "720p",
        "--caption-style",
        "bold",
        "--caption-font",
        "Bebas Neue",
        "--caption-position",
        "top",
        "--caption-highlight",
        "word",
        "--caption-lines",
        "2",
        "--caption-size",
        "9",
    )
    assert done.returncode == 0, done.stderr
    library = Library.open(tmp_path / "home")
    (summary,) = library.projects()
    settings = RenderSettings.from_stored(library.project(summary.id).render_settings)
    library.close()
    assert settings.caption_style == "bold" and settings.caption == {
        "font": "Bebas Neue",
        "highlight": "word",
        "lines": 2,
        "position": "top",
        "size": 9.0,
    }


@pytest.mark.parametrize(
    ("flag", "value", "says"),
    [
        ("--caption-position", "sideways", "caption position 'sideways'"),
        ("--caption-font", "Papyrus", "caption font 'Papyrus'"),
        ("--caption-highlight", "bounce", "word highlight 'bounce'"),
        ("--caption-size", "50", "caption size must be a number from 2 to 20"),
    ],
)
def test_produce_refuses_a_bad_caption_flag(
    tmp_path: Path, flag: str, value: str, says: str
) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Bees make honey.\n", encoding="utf-8")
    done = _studio(tmp_path / "home", "produce", "--script", str(script), flag, value)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0]
    assert not list((tmp_path / "home" / "projects").glob("*"))


def test_the_preview_frame_shows_the_moment_asked_for_over_a_picture(tmp_path: Path) -> None:
    settings = _settings(highlight="word", highlight_colour="#FF0000", size=12, shadow=0)
    cues = build_cues("WWW MMM", [WordTiming("WWW", 0.0, 0.4), WordTiming("MMM", 0.45, 0.9)], 1.0)

    def red_columns(at: float) -> np.ndarray:
        frame = _frame(tmp_path, settings, cues, at=at, name=f"{at}.png")
        red = (frame[..., 0] > 150) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
        return np.nonzero(red.any(axis=0))[0]

    early, late = (
        red_columns(0.2),
        red_columns(0.7),
    )  # a still picture's clock ticks in whole seconds
    assert early.size and late.size and early.max() < late.min()


@pytest.mark.parametrize("highlight", ["word", "karaoke"])
def test_a_highlighted_caption_keeps_one_even_box(tmp_path: Path, highlight: str) -> None:
    settings = _settings(
        box=True, box_colour="#FF00FF80", highlight=highlight, highlight_colour="#00FF00", shadow=0
    )
    assert _style(ass_document([Cue(0, 1, "Hi")], settings))[15] == "4"
    cues = build_cues("Bees make honey", None, 1.5)
    frame = _frame(tmp_path, settings, cues, at=0.6)
    box = (frame[..., 0] > 90) & (frame[..., 1] < 40)  # the box's magenta, text excluded
    rows, cols = np.nonzero(box)
    assert box.sum() > 5000
    inside = frame[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    background = inside[inside[..., 1] < 40]
    # translucent boxes overlapping at the word seams would show a brighter magenta there
    assert (background[:, 0] > 160).sum() < 20 and (background[:, 0] < 90).sum() < 20
