"""Scripts in languages written without spaces (Japanese, Chinese) or in Devanagari (Hindi):
sentences, scenes, their length estimates, speech clean-up and visual keywords."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.pipeline.drafts import CHARS_PER_MINUTE, estimate_seconds, sanitize_for_speech
from studio.pipeline.splitter import split_script, split_sentences, visual_keywords
from studio.pipeline.templates.chat import parse_chat
from studio.pipeline.visuals import MAX_CJK_TITLE_CHARS, slide_title

JAPANESE = "ミツバチは花から蜜を集めます。巣に戻って、仲間に渡します！本当でしょうか？"
CHINESE = "蜜蜂从花中采蜜。它们回到蜂巢，把蜜交给同伴！这是真的吗？"
HINDI = "मधुमक्खियाँ फूलों से रस इकट्ठा करती हैं। फिर वे छत्ते में लौटती हैं॥ क्या यह सच है?"


def squeezed(text: str) -> str:
    """``text`` without any whitespace: what splitting may not change."""
    return "".join(text.split())


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (JAPANESE, ["ミツバチは花から蜜を集めます。", "巣に戻って、仲間に渡します！",
                    "本当でしょうか？"]),
        (CHINESE, ["蜜蜂从花中采蜜。", "它们回到蜂巢，把蜜交给同伴！", "这是真的吗？"]),
        (HINDI, ["मधुमक्खियाँ फूलों से रस इकट्ठा करती हैं।", "फिर वे छत्ते में लौटती हैं॥",
                 "क्या यह सच है?"]),
        ("「行こう。」と彼は言った。", ["「行こう。」", "と彼は言った。"]),
        ("रुको।चलो।", ["रुको।", "चलो।"]),  # a danda with no space after it still ends one
    ],
)  # fmt: skip
def test_sentences_end_at_each_scripts_full_stops(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_japanese_and_chinese_are_timed_by_characters() -> None:
    sixty = "あ" * 59 + "。"
    assert estimate_seconds(sixty, "ja") == pytest.approx(59 * 60 / CHARS_PER_MINUTE["ja"], 0.01)
    assert estimate_seconds("中" * 50, "zh") == pytest.approx(50 * 60 / CHARS_PER_MINUTE["zh"])
    # Latin words inside Japanese still count as words; text not marked keeps the old pace.
    assert estimate_seconds("あ" * 30 + " Studio", "ja") > estimate_seconds("あ" * 30, "ja")
    assert estimate_seconds("Bees make honey.") == estimate_seconds("Bees make honey.", "en-us")


def test_a_long_japanese_paragraph_is_cut_between_sentences() -> None:
    sentence = "ミツバチは朝から晩まで花の間を飛び回って蜜を集めています。"
    text = sentence * 12  # one paragraph, no spaces, about 70 s at 300 characters a minute
    scenes = split_script(text, 60, language="ja")
    assert len(scenes) >= 4
    assert all(scene.text.endswith("。") for scene in scenes)
    assert "".join(scene.text for scene in scenes) == text
    assert all(scene.estimated_duration <= 40 for scene in scenes)


def test_clean_up_keeps_every_scripts_letters_and_punctuation() -> None:
    for text in (JAPANESE, CHINESE, HINDI, "Olá professor! Você está bem?"):
        assert sanitize_for_speech(text) == text


def test_headings_end_with_their_scripts_full_stop() -> None:
    assert sanitize_for_speech("# 概要\n- 蜂蜜の作り方\n## नमस्ते\n- Bees") == (
        "概要。 蜂蜜の作り方。 नमस्ते। Bees."
    )


def test_hindi_keywords_are_whole_words() -> None:
    assert visual_keywords(HINDI) == ["मधुमक्खियाँ", "फूलों", "इकट्ठा", "छत्ते"]


_LETTERS = {
    "ja": "あいうえおかきくけこミツバチ蜜花巣",
    "zh": "蜜蜂从花中采回到巢把交给同伴",
    "hi": "मधुक्खियाँफूलोंसेरसइकट्ठा",
}
_STOPS = {"ja": "。！？、", "zh": "。！？，", "hi": "।॥?, "}


@st.composite
def scripts(draw: st.DrawFn) -> tuple[str, str]:
    """A script in one of the three languages: paragraphs of sentences of its letters."""
    language = draw(st.sampled_from(sorted(_LETTERS)))
    sentence = st.builds(
        lambda first, body, stop: first + body + stop,
        st.sampled_from([letter for letter in _LETTERS[language] if letter.isalpha()]),
        st.text(alphabet=_LETTERS[language], max_size=60),
        st.sampled_from(_STOPS[language]),
    )
    paragraph = st.lists(sentence, min_size=1, max_size=12).map("".join)
    return language, "\n\n".join(draw(st.lists(paragraph, min_size=1, max_size=5)))


@settings(max_examples=60, deadline=None)
@given(script=scripts(), target=st.sampled_from([None, 15.0, 60.0, 300.0]))
def test_splitting_loses_and_repeats_nothing(script: tuple[str, str], target: float | None) -> None:
    language, text = script
    scenes = split_script(text, target, language=language)
    assert squeezed("".join(scene.text for scene in scenes)) == squeezed(text)
    assert all(scene.text.strip() for scene in scenes)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_keywords_never_fail_on_any_text(text: str) -> None:
    words = visual_keywords(text)
    assert len(words) <= 4 and all(word for word in words)


# --- templates pass every script's text through -----------------------------------------------


def test_slide_titles_cut_cjk_by_characters_and_keep_english() -> None:
    assert (
        slide_title("ミツバチは花から蜜を集めます。巣に戻ります。")
        == "ミツバチは花から蜜を集めます"
    )
    long = "蜜蜂从花中采蜜并且把它们带回到蜂巢里面交给同伴们"
    assert slide_title(long) == long[:MAX_CJK_TITLE_CHARS] + "…"
    assert slide_title("मधुमक्खियाँ रस इकट्ठा करती हैं। फिर वे") == "मधुमक्खियाँ रस इकट्ठा करती हैं।"
    assert slide_title("Bees dance. Then they fly.") == "Bees dance"


def test_chat_lines_take_the_full_width_colon_and_any_script() -> None:
    messages = parse_chat("アナ: こんにちは！\n先生：元気ですか？\nराम: नमस्ते\nJoão: Olá professor!")
    assert [(m.character, m.text) for m in messages] == [
        ("アナ", "こんにちは！"), ("先生", "元気ですか？"), ("राम", "नमस्ते"),
        ("João", "Olá professor!"),
    ]  # fmt: skip
