"""Captions: cue building, SRT and ASS output, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.media.captions import (
    MAX_CHARS,
    MAX_WORDS,
    Cue,
    ass_document,
    ass_filter,
    ass_text,
    build_cues,
    srt_document,
    write_ass,
    write_srt,
)
from studio.media.settings import RenderSettings
from studio.timing import WordTiming

TEXT = (
    "Bees make honey from nectar. They collect it from flowers, store it in a second "
    "stomach, and carry it back to the hive, where house bees fan it with their wings for "
    "days until most of the water is gone!"
)


def _timings(text: str, step: float = 0.3) -> list[WordTiming]:
    words = [w.strip(".,!").lower() for w in text.split()]
    return [WordTiming(w, i * step, i * step + step * 0.8) for i, w in enumerate(words)]


def test_cues_respect_limits_and_cover_every_word() -> None:
    cues = build_cues(TEXT, None, 20.0)
    assert " ".join(c.text for c in cues) == " ".join(TEXT.split())
    for cue in cues:
        assert len(cue.text.split()) <= MAX_WORDS
        assert len(cue.text) <= MAX_CHARS
        assert cue.end > cue.start
    assert cues[0].start == 0.0 and cues[-1].end == pytest.approx(20.0)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(cues, cues[1:], strict=False))


def test_cues_break_at_sentence_ends() -> None:
    cues = build_cues(TEXT, None, 20.0)
    assert cues[0].text == "Bees make honey from nectar."


def test_cues_follow_word_timings() -> None:
    timings = _timings(TEXT)
    cues = build_cues(TEXT, timings, timings[-1].end + 0.5)
    assert cues[0].start == pytest.approx(0.0)
    # "They" is the sixth word: the second cue starts when it is spoken.
    assert cues[1].start == pytest.approx(timings[5].start)
    assert cues[1].text.startswith("They")


def test_timings_spelled_differently_still_align() -> None:
    text = "In 1990, the hive held 20,000 bees."
    spoken = ["in", "nineteen", "ninety", "the", "hive", "held", "twenty", "thousand", "bees"]
    timings = [WordTiming(w, i * 0.4, i * 0.4 + 0.3) for i, w in enumerate(spoken)]
    cues = build_cues(text, timings, 4.0)
    assert " ".join(c.text for c in cues) == text
    assert cues[0].start == 0.0 and cues[-1].end <= 4.0


def test_empty_text_gives_no_cues() -> None:
    assert build_cues("   ", None, 3.0) == []
    assert build_cues("Hello", None, 0.0) == []


def test_shifted() -> None:
    assert Cue(1.0, 2.0, "x").shifted(10.0) == Cue(11.0, 12.0, "x")


def test_srt_document() -> None:
    cues = [Cue(0.0, 1.5, "Hello there."), Cue(61.25, 3725.007, "Bye.")]
    assert srt_document(cues) == (
        "1\n00:00:00,000 --> 00:00:01,500\nHello there.\n\n"
        "2\n00:01:01,250 --> 01:02:05,007\nBye.\n"
    )


def test_write_srt(tmp_path: Path) -> None:
    path = write_srt([Cue(0.0, 1.0, "Ünïcode ✓")], tmp_path / "v.srt")
    assert path.read_text(encoding="utf-8").endswith("Ünïcode ✓\n")
    assert [p.name for p in tmp_path.iterdir()] == ["v.srt"]


def test_ass_text_escapes_override_codes() -> None:
    assert ass_text("a {b} c") == "a \\{b\\} c"
    assert ass_text("back\\nslash") == "back\\\u2060nslash"
    assert ass_text("two\nlines") == "two\\Nlines"
    assert ass_text("loud", upper=True) == "LOUD"


@pytest.mark.parametrize("style", ["clean", "bold", "boxed"])
@pytest.mark.parametrize("aspect", ["16:9", "9:16", "1:1"])
def test_ass_document_styles(style: str, aspect: str) -> None:
    settings = RenderSettings(aspect=aspect, resolution="720p", caption_style=style)
    doc = ass_document([Cue(0.0, 1.25, "Hello {there}")], settings)
    assert f"PlayResX: {settings.width}\nPlayResY: {settings.height}" in doc
    assert "Style: Caption,DejaVu Sans," in doc
    dialogue = doc.strip().splitlines()[-1]
    expected = "HELLO \\{THERE\\}" if style == "bold" else "Hello \\{there\\}"
    assert dialogue == f"Dialogue: 0,0:00:00.00,0:00:01.25,Caption,,0,0,0,,{expected}"
    style_line = next(line for line in doc.splitlines() if line.startswith("Style:"))
    margin_v = int(style_line.split(",")[21])
    assert margin_v >= 0.07 * settings.height
    if aspect == "9:16":
        assert margin_v >= 0.2 * settings.height  # clear of the platform's buttons
    if style == "boxed":
        assert style_line.split(",")[15] == "3"  # opaque box


def test_write_ass_and_filter_escaping(tmp_path: Path) -> None:
    folder = tmp_path / "it's [a], test; ü"
    folder.mkdir()
    path = write_ass([Cue(0, 1, "x")], RenderSettings(), folder / "c: d.ass")
    assert path.read_text(encoding="utf-8").startswith("[Script Info]")
    text = ass_filter(path)
    assert text.startswith("ass=filename=")
    assert "\\\\\\'s \\[a\\]\\, test\\; ü/c\\\\: d.ass" in text
    assert ":fontsdir=" in text
