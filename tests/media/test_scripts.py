"""Script detection, font runs and line-break units (studio.media.scripts): pure functions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.media.scripts import (
    NO_LINE_END,
    NO_LINE_START,
    font_runs,
    han_face,
    is_right_to_left,
    is_unspaced,
    script_of,
    scripts_in,
    text_units,
)

SAMPLES = {
    "Hello": {"latin"},
    "Привет": {"cyrillic"},
    "Γειά σου": {"greek"},
    "नमस्ते दुनिया": {"devanagari"},
    "مرحبا": {"arabic"},
    "שלום": {"hebrew"},
    "漢字": {"han"},
    "ひらがなカタカナ": {"kana"},
    "한국어": {"hangul"},
    "Hello 世界です": {"latin", "han", "kana"},
    "123, 4.5!": set(),
}


@pytest.mark.parametrize(("text", "expected"), SAMPLES.items())
def test_scripts_in_names_each_writing_system(text: str, expected: set[str]) -> None:
    assert scripts_in(text) == expected


def test_shared_characters_have_no_script() -> None:
    assert [script_of(c) for c in " 1.,!?×"] == [None] * 7
    assert script_of("、") == "cjk" and script_of("！") == "cjk"


def test_runs_follow_the_face_and_shared_characters_stay_with_their_neighbours() -> None:
    runs = font_runs("Hello 世界、こんにちは! AI です")
    assert [(r.face, r.text) for r in runs] == [
        ("latin", "Hello "),
        ("japanese", "世界、こんにちは! "),
        ("latin", "AI "),
        ("japanese", "です"),
    ]
    assert [r.face for r in font_runs("123 مرحبا")] == ["arabic"]  # leading digits join
    assert [r.face for r in font_runs("...")] == ["latin"]


def test_han_takes_japanese_forms_in_japanese_and_chinese_forms_otherwise() -> None:
    assert han_face("漢字") == "han"
    assert han_face("漢字です") == "japanese"
    assert han_face("漢字", "ja") == "japanese"
    assert han_face("漢字です", "zh") == "han"
    assert font_runs("東京", language="ja")[0].face == "japanese"


def test_direction_and_spacing_are_told_from_the_text() -> None:
    assert is_right_to_left("مرحبا Studio") and is_right_to_left("123 שלום")
    assert not is_right_to_left("Studio مرحبا") and not is_right_to_left("")
    assert is_unspaced("这是中文。") and is_unspaced("日本語のテキスト AI")
    assert not is_unspaced("Hello 世界") and not is_unspaced("नमस्ते")


def test_units_break_cjk_between_characters_and_keep_kinsoku_marks() -> None:
    units = text_units("「こんにちは」と言った。AIは2026年に Hello world")
    assert [u.text for u in units] == [
        "「こ", "ん", "に", "ち", "は」", "と", "言っ", "た。",  # small っ stays with 言
        "AI", "は", "2026", "年", "に", "Hello", "world",
    ]  # fmt: skip
    assert [u.spaced for u in units][-3:] == [False, True, True]
    assert [u.text for u in text_units("Spaced text, as before.")] == [
        "Spaced", "text,", "as", "before.",
    ]  # fmt: skip


def test_a_mark_set_off_by_a_space_stays_with_its_word() -> None:
    """French puts a space before "?", "!", ":" and "»": a line must not start with them."""
    units = text_units("Où est la bibliothèque ? « Ici » !")
    assert [u.text for u in units] == ["Où", "est", "la", "bibliothèque ?", "« Ici » !"]


_CJK = st.text(alphabet="日本語中文字かなカナ。、「」（）！？ーっ AZaz12.", max_size=40)


@settings(max_examples=200, deadline=None)
@given(_CJK)
def test_units_rebuild_the_text_and_no_line_starts_or_ends_wrongly(text: str) -> None:
    units = text_units(text)
    rebuilt = "".join((" " if u.spaced and i else "") + u.text for i, u in enumerate(units))
    assert rebuilt == " ".join(text.split())
    for i, unit in enumerate(units):
        if i and not unit.spaced:  # a break the line may take
            assert unit.text[0] not in NO_LINE_START
        if i and unit.spaced:  # a break at a space: never before a closing mark set off
            assert not set(unit.text) <= NO_LINE_START
            assert not set(units[i - 1].text) <= NO_LINE_END  # nor after an opening one
            assert units[i - 1].text[-1] not in NO_LINE_END


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_runs_cover_the_text_exactly(text: str) -> None:
    runs = font_runs(text)
    assert "".join(r.text for r in runs) == text
    assert all(a.face != b.face for a, b in zip(runs, runs[1:], strict=False))
