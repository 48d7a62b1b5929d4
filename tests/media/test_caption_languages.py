"""Captions in every language: Chinese and Japanese cues by character (timings one a character,
lines by a character budget, highlights per character), the script's face where the caption
font lacks it, right-to-left lines, and real frames burned by libass with no boxes."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.media.caption_preview import caption_frame
from studio.media.captions import ass_document, caption_look, char_budget, cues_for
from studio.media.ffmpeg import ffmpeg_exe, filter_path
from studio.media.resources import fontconfig_file, resource_path
from studio.media.scripts import NO_LINE_START
from studio.media.settings import RenderSettings
from studio.timing import WordTiming

JAPANESE = "今日はいい天気ですね。「AI」と一緒に、東京の街を歩きましょう！楽しい一日になります。"
SAMPLES = {
    "ja": "今日はいい天気ですね。",
    "zh": "这是一个中文字幕的测试。",
    "hi": "क्षत्रिय राजा की कहानी",
    "ar": "مرحبا بكم في الفيديو",
    "he": "שלום לכולם, מה שלומכם?",
    "ru-el": "Привет, мир! Γειά σου",
    "en-ja": "Hello 日本語 world",
}
VERTICAL = RenderSettings(aspect="9:16", resolution="720p")
WIDE = RenderSettings(resolution="720p")


def _settings(base: RenderSettings = VERTICAL, **caption: object) -> RenderSettings:
    return RenderSettings(aspect=base.aspect, resolution="720p", caption=dict(caption))


def _char_timings(text: str, step: float = 0.2) -> list[WordTiming]:
    """One timing a character, as the engines give for Chinese and Japanese."""
    chars = [c for c in text if c.isalnum()]
    return [WordTiming(c, i * step, i * step + step * 0.9) for i, c in enumerate(chars)]


def _dialogue_texts(doc: str) -> list[str]:
    return [line.split(",", 9)[9] for line in doc.splitlines() if line.startswith("Dialogue:")]


def _plain(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "", text)


def test_japanese_cues_are_characters_timed_one_by_one() -> None:
    settings = _settings(lines=2)
    look = caption_look(settings)
    timings = _char_timings(JAPANESE)
    cues = cues_for(JAPANESE, timings, 9.0, look, language="ja", frame=(720, 1280))
    assert "".join(c.text for c in cues) == JAPANESE  # joined without spaces
    budget = char_budget(look, (720, 1280))
    assert 10 <= budget <= 20
    for cue in cues:
        assert " " not in cue.text and len(cue.text) <= 2 * budget
        assert "".join(w.text for w in cue.words) == cue.text
        assert not cue.spaced
    first = cues[1].words[1]  # "と", the 3rd timed character of the second sentence
    spoken = next(t for t in timings if t.word == "と")
    assert abs(first.start - spoken.start) < 0.01
    assert cues[0].text.endswith("。")  # sentences end cues


def test_character_cues_break_lines_by_the_budget_and_never_before_closing_marks() -> None:
    settings = _settings(lines=2)
    look = caption_look(settings)
    cues = cues_for(JAPANESE * 2, None, 12.0, look, frame=(720, 1280))
    budget = char_budget(look, (720, 1280))
    for text in _dialogue_texts(ass_document(cues, settings)):
        for line in _plain(text).split("\\N"):
            assert len(line) <= budget and line[0] not in NO_LINE_START


def test_a_wide_frame_holds_more_characters_a_line() -> None:
    look = caption_look(_settings())
    assert char_budget(look, (1280, 720)) > 1.5 * char_budget(look, (720, 1280))


@pytest.mark.parametrize("highlight", ["word", "karaoke"])
def test_highlights_go_character_by_character(highlight: str) -> None:
    settings = _settings(highlight=highlight)
    cues = cues_for("東京の街", _char_timings("東京の街"), 1.0, caption_look(settings))
    texts = _dialogue_texts(ass_document(cues, settings))
    if highlight == "word":
        assert len(texts) == 4  # one event per character
        assert all(_plain(t) == "東京の街" for t in texts)
    else:
        assert texts[0].count("\\kf") == 4


def test_a_caption_font_without_the_script_gives_way_to_noto() -> None:
    settings = _settings(font="Bebas Neue")
    zh = ass_document(cues_for("中文字幕", None, 1.0, caption_look(settings)), settings)
    ja = ass_document(cues_for("漢字", None, 1.0, caption_look(settings)), settings, language="ja")
    hi = ass_document(cues_for("नमस्ते Hello", None, 1.0, caption_look(settings)), settings)
    assert "{\\fnNoto Sans CJK SC}" in zh and "{\\fnNoto Sans CJK JP}" in ja
    assert "{\\fnNoto Sans Devanagari}नमस्ते{\\fn} Hello" in hi  # Hello keeps Bebas Neue
    english = ass_document(cues_for("Hello world", None, 1.0, caption_look(settings)), settings)
    assert "\\fn" not in english


def test_right_to_left_captions_get_an_automatic_base_direction() -> None:
    ar = ass_document(cues_for(SAMPLES["ar"], None, 2.0, caption_look(WIDE)), WIDE)
    en = ass_document(cues_for("Bees make honey", None, 2.0, caption_look(WIDE)), WIDE)
    assert all(t.startswith("{\\fe-1}") for t in _dialogue_texts(ar))
    assert "\\fe" not in en


# -- real frames --------------------------------------------------------------------------------


def _frame(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB")).astype(np.int16)


def _latin_only_frame(tmp_path: Path, settings: RenderSettings, text: str) -> np.ndarray:
    """The same caption with only the caption font's folder known to fontconfig and no face
    overrides: what captions looked like before (boxes where glyphs are missing)."""
    cues = cues_for(text, None, 2.0, caption_look(settings))
    doc = re.sub(r"\{\\fn[^}]*\}", "", ass_document(cues, settings))
    ass = tmp_path / "latin.ass"
    ass.write_text(doc, encoding="utf-8")
    conf = tmp_path / "fonts.conf"
    fonts = resource_path("fonts")
    conf.write_text(
        f'<?xml version="1.0"?><fontconfig><dir>{fonts}</dir>'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    out = tmp_path / "latin.png"
    chain = f"settb=AVTB,setpts=PTS-STARTPTS+0.5/TB,ass=filename={filter_path(ass)}"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         f"color=c=black:s={settings.width}x{settings.height}", "-vf", chain,
         "-frames:v", "1", "-update", "1", "-y", str(out)],
        check=True, env={**os.environ, "FONTCONFIG_FILE": str(conf)}, timeout=60,
    )  # fmt: skip
    return _frame(out)


@pytest.mark.parametrize("key", SAMPLES)
def test_libass_burns_every_script_without_boxes(tmp_path: Path, key: str) -> None:
    settings = _settings(WIDE, font="Bebas Neue")
    cues = cues_for(SAMPLES[key], None, 2.0, caption_look(settings))
    black = tmp_path / "black.png"
    Image.new("RGB", (settings.width, settings.height)).save(black)
    frame = _frame(caption_frame(settings, tmp_path / "f.png", picture=black, cues=cues, at=0.5))
    band = frame[int(0.7 * settings.height) :]
    ink = band.max(axis=2) > 128
    assert ink.sum() > 300  # the caption is there (Arabic in Noto is small and thin)
    if key != "ru-el":  # Bebas Neue has Cyrillic, not Greek: the fallback shows either way
        before = _latin_only_frame(tmp_path, settings, SAMPLES[key])
        assert np.abs(before - frame).max() > 100  # it differs from the boxes


def test_karaoke_fills_an_arabic_line_from_the_right(tmp_path: Path) -> None:
    settings = _settings(WIDE, highlight="karaoke", highlight_colour="#FF0000")
    cues = cues_for("واحد اثنان ثلاثة أربعة", None, 2.0, caption_look(settings))
    frame = _frame(caption_frame(settings, tmp_path / "k.png", cues=cues, at=0.6))
    red = (frame[..., 0] > 180) & (frame[..., 1] < 90) & (frame[..., 2] < 90)
    white = frame.min(axis=2) > 200
    columns = np.arange(frame.shape[1])
    assert red.sum() > 100 and white.sum() > 100
    red_x = (red.sum(axis=0) * columns).sum() / red.sum()
    white_x = (white.sum(axis=0) * columns).sum() / white.sum()
    assert red_x > white_x  # the words already spoken are on the right


def test_libass_fontconfig_knows_the_script_faces() -> None:
    conf = fontconfig_file().read_text(encoding="utf-8")
    folders = [Path(d) for d in re.findall(r"<dir>([^<]+)</dir>", conf)]
    names = {path.name for folder in folders for path in folder.iterdir()}
    assert {"DejaVuSans.ttf", "BebasNeue-Regular.otf", "NotoSansCJK-Regular.ttc"} <= names
    assert {"NotoSansDevanagari-Regular.ttf", "NotoSansArabic-Bold.ttf"} <= names
    assert "NotoSerifCJK-Regular.ttc" not in names  # only the faces Studio names
