"""Text in every script drawn by Pillow: the right face per character (no ".notdef" boxes),
raqm shaping, CJK wrapping with kinsoku, right-to-left alignment, and real slide, chat and
scrolling-page frames in Japanese, Chinese, Hindi, Arabic, Hebrew, Russian/Greek and mixed
English + Japanese. Latin text is drawn exactly as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, features

from studio.errors import MediaError
from studio.media import resources
from studio.media.chat import ChatMessage, render_chat_frame
from studio.media.drawing import text_font, wrap_text
from studio.media.resources import FontFile, font_for
from studio.media.scripts import NO_LINE_START
from studio.media.scroll import ScrollBlock, render_scroll_page
from studio.media.slides import make_slide
from studio.media.thumbnails import title_card
from studio.media.typeset import covers

SAMPLES = {
    "ja": "日本語のスライド、「こんにちは」と言った。",
    "zh": "这是一个中文标题，用来测试换行。",
    "hi": "क्षत्रिय राजा की कहानी",
    "ar": "مرحبا بكم في هذا الفيديو",
    "he": "שלום לכולם, מה שלומכם?",
    "ru-el": "Привет, мир! Γειά σου κόσμε",
    "en-ja": "Studio speaks 日本語 too",
}


def _faces_used(text: str, language: str | None = None) -> list[tuple[FontFile, str]]:
    font = text_font(40, language=language)
    return [(p.file, p.text) for p in font.pieces(text)]


def test_raqm_is_there() -> None:
    assert features.check("raqm"), "Pillow without raqm can't shape Devanagari or Arabic"


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_every_character_is_drawn_with_a_face_that_has_it(text: str) -> None:
    pieces = _faces_used(text)
    assert "".join(part for _, part in pieces) == text
    for file, part in pieces:
        for char in part:
            assert covers(file, char), f"{char!r} would be a box in {file.path.name}"


def test_the_coverage_check_can_fail() -> None:
    dejavu = font_for("latin")
    assert not covers(dejavu, "日") and not covers(dejavu, "क")
    assert covers(dejavu, "A") and covers(dejavu, "Ж") and covers(dejavu, " ")


def test_han_takes_the_japanese_or_chinese_face() -> None:
    ja = _faces_used("東京です")[0][0]
    zh = _faces_used("东京")[0][0]
    assert ja.path.name == zh.path.name == "NotoSansCJK-Regular.ttc"
    assert (ja.index, zh.index) == (0, 2)  # JP and SC in the collection
    assert _faces_used("東京", "ja")[0][0].index == 0


def test_devanagari_is_shaped() -> None:
    file = font_for("hi")
    shaped = ImageFont.truetype(str(file.path), 60, layout_engine=ImageFont.Layout.RAQM)
    basic = ImageFont.truetype(str(file.path), 60, layout_engine=ImageFont.Layout.BASIC)
    word = "क्षत्रिय"
    assert shaped.getlength(word) != basic.getlength(word)  # conjuncts formed, vowel sign moved
    assert text_font(60).getlength(word) == shaped.getlength(word)


def test_arabic_joins_and_runs_right_to_left() -> None:
    font = text_font(60)
    image = Image.new("L", (600, 120))
    font.draw(ImageDraw.Draw(image), (10, 10), "بيت", fill=255)
    first = Image.new("L", (600, 120))
    font.draw(ImageDraw.Draw(first), (10, 10), "ب", fill=255)
    # The word's first letter (its initial form, joined) sits at the word's right end.
    ink = np.nonzero(np.asarray(image).max(axis=0) > 100)[0]
    alone = np.nonzero(np.asarray(first).max(axis=0) > 100)[0]
    assert ink.max() - alone.max() > 30


def test_latin_is_drawn_exactly_as_before() -> None:
    text = "Hello, wörld — Привет"
    dejavu = ImageFont.truetype(str(font_for("latin", bold=True).path), 48)
    before, after = Image.new("L", (900, 80)), Image.new("L", (900, 80))
    ImageDraw.Draw(before).text((5, 5), text, font=dejavu, fill=255, anchor="la")
    text_font(48, bold=True).draw(ImageDraw.Draw(after), (5, 5), text, fill=255, anchor="la")
    assert before.tobytes() == after.tobytes()


def test_cjk_wraps_between_characters_keeping_kinsoku() -> None:
    font = text_font(40)
    text = "今日はいい天気ですね。「東京」の街を歩きましょう、楽しい一日になります。" * 2
    lines = wrap_text(text, font, 300)
    assert len(lines) > 4
    assert "".join(lines) == text
    for line in lines:
        assert font.getlength(line) <= 300
        assert line[0] not in NO_LINE_START and line[-1] != "「"


def test_a_missing_script_face_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_NOTO_DIRS", ())
    monkeypatch.setattr(resources, "resources_dir", lambda: Path("/nonexistent"))
    resources._find_face_file.cache_clear()
    try:
        with pytest.raises(MediaError) as caught:
            font_for("ja")
        assert "fonts-noto-cjk" in (caught.value.fix or "")
    finally:
        resources._find_face_file.cache_clear()


def _white(path: Path) -> np.ndarray:
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.int16)
    return (rgb.min(axis=2) > 200).sum()


@pytest.mark.parametrize("key", SAMPLES)
def test_slides_draw_every_script(tmp_path: Path, key: str) -> None:
    out = make_slide(SAMPLES[key], ["東京", "नमस्ते", "Слово"], (640, 360), tmp_path / "s.png")
    assert _white(out) > 1500  # the title's and the chips' glyphs


def test_a_scroll_page_aligns_right_to_left_paragraphs_right(tmp_path: Path) -> None:
    blocks = [ScrollBlock("text", "مرحبا"), ScrollBlock("text", "Hello")]
    page = render_scroll_page(blocks, width=480, frame_height=640, out=tmp_path / "p.png")
    alpha = np.asarray(Image.open(page.path))[..., 3]

    def ink_columns(index: int) -> np.ndarray:
        rows = alpha[page.block_tops[index] : page.block_bottoms[index]]
        return np.nonzero((rows > 200).any(axis=0))[0]

    arabic, latin = ink_columns(0), ink_columns(1)
    assert arabic.min() > 240 and latin.max() < 240  # right half, left half


def test_chat_bubbles_hold_every_script(tmp_path: Path) -> None:
    messages = [
        ChatMessage(name, text) for name, text in zip("ABAB", SAMPLES.values(), strict=False)
    ]
    out = render_chat_frame(messages, size=(540, 960), style="light", out=tmp_path / "c.png")
    assert Image.open(out).size == (540, 960)
    font = text_font(34)
    for text in SAMPLES.values():
        assert all(covers(p.file, c) for p in font.pieces(text) for c in p.text)


def test_thumbnail_title_cards_wrap_and_draw_japanese() -> None:
    background = Image.new("RGB", (640, 360), (40, 60, 80))
    card = np.asarray(title_card(background, "日本語のタイトルは文字の間で折り返されます"))
    assert (card.min(axis=2) > 220).sum() > 2000  # white glyphs, not a blank card
