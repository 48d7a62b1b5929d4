"""The offline splitter, speech clean-up and script-file reading (no network, no model)."""

from __future__ import annotations

import codecs
import math

import pytest

from studio.errors import InputError
from studio.pipeline.drafts import (
    WORDS_PER_MINUTE,
    estimate_seconds,
    sanitize_for_speech,
    scene_seconds_for,
)
from studio.pipeline.splitter import (
    MAX_SCENE_SECONDS,
    MAX_SCRIPT_CHARS,
    parse_script_file,
    split_script,
    split_sentences,
    visual_keywords,
)


def sentence(n: int, words: int = 8) -> str:
    """A distinct English sentence of ``words`` words."""
    return f"Sentence {n} " + " ".join(["talks"] * (words - 3)) + " onward."


def paragraph(first: int, sentences: int, words: int = 8) -> str:
    return " ".join(sentence(n, words) for n in range(first, first + sentences))


def squashed(text: str) -> str:
    """``text`` without any whitespace: what must survive splitting unchanged."""
    return "".join(text.split())


def assert_nothing_lost(text: str, scenes: list) -> None:
    assert squashed("".join(scene.text for scene in scenes)) == squashed(text)


# --- Estimates and speech clean-up ---------------------------------------------------------


def test_estimate_uses_words_per_minute() -> None:
    assert estimate_seconds(" ".join(["word"] * WORDS_PER_MINUTE)) == pytest.approx(60.0)
    assert estimate_seconds("") == 0.0
    assert estimate_seconds("🎉 🎉 —") == 0.0


def test_estimate_counts_cjk_characters() -> None:
    assert 0 < estimate_seconds("蜜蜂为我们吃的食物授粉。") < 5


@pytest.mark.parametrize(
    ("video", "scene"),
    [(None, 10.0), (12, 4.0), (30, 5.0), (60, 10.0), (600, 15.0), (3 * 3600, 15.0)],
)
def test_scene_pacing_follows_video_length(video: float | None, scene: float) -> None:
    assert scene_seconds_for(video) == scene


@pytest.mark.parametrize(
    ("raw", "spoken"),
    [
        (
            "**Bold** and *italic* and __strong__ and ~~gone~~",
            "Bold and italic and strong and gone",
        ),
        ("# Why bees matter\nThey pollinate.", "Why bees matter. They pollinate."),
        ("- apples\n- pears!\n1. plums", "apples. pears! plums."),
        ("See https://example.com/a?b=c now", "See link now"),
        ("Read [the docs](https://x.example/docs).", "Read the docs."),
        ("“Quoted” and ‘single’ it’s", "\"Quoted\" and 'single' it's"),
        ("From 1990–2000 — a decade", "From 1990 to 2000, a decade"),
        ("snake_case_name stays, 2 * 3 stays", "snake_case_name stays, 2 * 3 stays"),
        ("  lots \n\n of\tspace  ", "lots of space"),
        ("> quoted line\n`code`", "quoted line code"),
    ],
)
def test_sanitize_for_speech(raw: str, spoken: str) -> None:
    assert sanitize_for_speech(raw) == spoken


def test_sanitize_keeps_cjk_rtl_and_emoji() -> None:
    for text in ("蜜蜂为我们授粉。", "مرحبا بالعالم", "שלום עולם", "Hello 🎉 world"):
        assert sanitize_for_speech(text) == text


# --- Sentences -----------------------------------------------------------------------------


def test_sentences_end_at_each_kind_of_terminator() -> None:
    text = "One. Two! Three? Four… Five?! 六。七！八？ تسعة؟ עשר. Eleven"
    assert split_sentences(text) == [
        "One.", "Two!", "Three?", "Four…", "Five?!", "六。", "七！", "八？", "تسعة؟", "עשר.",
        "Eleven",
    ]  # fmt: skip


def test_abbreviations_decimals_and_initials_do_not_end_sentences() -> None:
    text = (
        "Dr. Smith paid 3.5 dollars, e.g. for tea, at 5 p.m. on Jan. 5. "
        "The U.S. Army and J. R. Tolkien agreed. Visit example.com today."
    )
    assert split_sentences(text) == [
        "Dr. Smith paid 3.5 dollars, e.g. for tea, at 5 p.m. on Jan. 5.",
        "The U.S. Army and J. R. Tolkien agreed.",
        "Visit example.com today.",
    ]


def test_closing_quotes_stay_with_their_sentence() -> None:
    assert split_sentences('He said "Stop." Then (it worked.) Next.') == [
        'He said "Stop."',
        "Then (it worked.)",
        "Next.",
    ]


# --- Scenes --------------------------------------------------------------------------------


def test_paragraphs_are_scenes() -> None:
    paragraphs = [paragraph(1, 3), paragraph(10, 3), paragraph(20, 3)]  # ~9.6 s each
    scenes = split_script("\n\n".join(paragraphs), 60)
    assert [scene.text for scene in scenes] == paragraphs
    assert all(scene.estimated_duration == pytest.approx(9.6) for scene in scenes)


def test_lines_of_a_paragraph_are_joined_and_crlf_is_understood() -> None:
    lines = "\r\n".join(sentence(n) for n in range(1, 4))
    scenes = split_script(f"{lines}\r\n  \r\n{paragraph(10, 3)}", 60)
    assert [scene.text for scene in scenes] == [paragraph(1, 3), paragraph(10, 3)]


def test_long_paragraph_is_split_at_sentences() -> None:
    text = paragraph(1, 15)  # ~48 s: far past twice the 10 s target
    scenes = split_script(text, 60)
    assert len(scenes) >= 4
    assert all(scene.text.endswith("onward.") for scene in scenes)
    assert all(scene.estimated_duration <= 2 * scene_seconds_for(60) for scene in scenes)
    assert_nothing_lost(text, scenes)


def test_shorter_videos_get_shorter_scenes() -> None:
    text = "\n\n".join(paragraph(n * 10, 6) for n in range(5))  # five ~19 s paragraphs
    short, long = split_script(text, 30), split_script(text, 600)
    assert len(short) > len(long) == 5
    assert max(s.estimated_duration for s in short) <= 2 * scene_seconds_for(30)


def test_no_target_uses_default_pacing() -> None:
    text = paragraph(1, 12)
    assert [s.text for s in split_script(text, None)] == [s.text for s in split_script(text, 60)]


def test_heading_joins_the_paragraph_after_it() -> None:
    body = paragraph(1, 3)
    scenes = split_script(f"# Why bees matter\n\n{body}\n\n{paragraph(10, 3)}", 60)
    assert len(scenes) == 2
    assert scenes[0].text == f"# Why bees matter\n{body}"
    assert sanitize_for_speech(scenes[0].text).startswith("Why bees matter. Sentence 1")


def test_short_closing_remark_joins_the_paragraph_before_it() -> None:
    scenes = split_script(f"{paragraph(1, 3)}\n\nThat is all.", 60)
    assert len(scenes) == 1
    assert scenes[0].text.endswith("onward.\nThat is all.")


def test_separator_lines_are_dropped_and_emoji_paragraphs_kept() -> None:
    text = f"{paragraph(1, 3)}\n\n---\n\n🐝🐝\n\n{paragraph(10, 3)}"
    scenes = split_script(text, 60)
    assert len(scenes) == 2
    assert "---" not in "".join(s.text for s in scenes)
    assert "🐝🐝" in "".join(s.text for s in scenes)
    assert all(s.estimated_duration > 0 for s in scenes)


def test_no_scene_exceeds_the_maximum_even_without_punctuation() -> None:
    for text in ("word " * 500, "word, " * 500, "蜂" * 2000, sentence(1, words=300)):
        scenes = split_script(text, 3 * 3600)
        assert len(scenes) > 1
        assert max(s.estimated_duration for s in scenes) <= MAX_SCENE_SECONDS
        assert_nothing_lost(text, scenes)


def test_a_long_sentence_is_cut_at_its_clauses() -> None:
    clauses = [f"clause {n} " + "runs " * 12 for n in range(12)]  # ~60 s, one sentence
    text = ", ".join(c.strip() for c in clauses) + "."
    scenes = split_script(text, 3 * 3600)
    assert all(s.text.endswith((",", ".")) for s in scenes)
    assert all(s.estimated_duration <= MAX_SCENE_SECONDS for s in scenes)


def test_chinese_and_japanese() -> None:
    text = (
        "蜜蜂为我们吃的食物授粉。没有蜜蜂，杏仁和苹果会变得稀有！" * 8
        + "\n\n"
        + "ミツバチは大切です。" * 3
    )
    scenes = split_script(text, 30)
    assert len(scenes) > 2
    assert all(" " not in s.text for s in scenes)  # no spaces between CJK sentences
    assert all(s.text.endswith(("。", "！")) for s in scenes)
    assert "蜜蜂" in scenes[0].visual_keywords
    assert_nothing_lost(text, scenes)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("النحل يلقح ثلث الطعام الذي نأكله. بدون النحل، سيصبح اللوز والتفاح نادرًا. " * 5, "النحل"),
        ("הדבורים מאביקות שליש מהמזון שלנו. בלי הדבורים, השקדים יהיו נדירים. " * 5, "הדבורים"),
    ],
)
def test_right_to_left_text(text: str, keyword: str) -> None:
    scenes = split_script(text, 30)
    assert len(scenes) > 1
    assert all(s.text.endswith(".") for s in scenes)
    assert keyword in scenes[0].visual_keywords
    assert not {"في", "من", "של", "את"} & set(scenes[0].visual_keywords)
    assert_nothing_lost(text, scenes)


def test_emoji_survive_and_are_silent() -> None:
    text = "Bees 🐝 make honey 🍯 every summer! 🌻"
    (scene,) = split_script(text, 60)
    assert scene.text == text
    assert scene.estimated_duration == estimate_seconds("Bees make honey every summer!")


def test_visual_keywords_prefer_proper_nouns_and_skip_stopwords() -> None:
    text = (
        "Every spring, farmers in California rent hives. The hives travel by truck to "
        "almond orchards, and the bees pollinate the orchards."
    )
    keywords = visual_keywords(text)
    assert keywords[0] == "California"
    assert {"hives", "orchards"} <= set(keywords)
    assert len(keywords) <= 4
    assert not {"the", "and", "every", "to"} & {k.lower() for k in keywords}


def test_largest_script_is_accepted() -> None:
    unit = paragraph(1, 4) + "\n\n"
    text = (unit * (MAX_SCRIPT_CHARS // len(unit) + 1))[:MAX_SCRIPT_CHARS]
    scenes = split_script(text, 3 * 3600)
    assert max(s.estimated_duration for s in scenes) <= MAX_SCENE_SECONDS


# --- Validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   \n\t\u3000 ", "empty"),
        ("🎉🎉 --- !!! 🐝", "no words"),
        ("x" * (MAX_SCRIPT_CHARS + 1), "too long"),
    ],
)
def test_unusable_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        split_script(text, 60)
    assert caught.value.fix  # every refusal says what to do


@pytest.mark.parametrize("target", [0, -5, math.nan, math.inf, 3 * 3600 + 1, True, "60"])
def test_unusable_target_is_refused(target: object) -> None:
    with pytest.raises(InputError, match="video length"):
        split_script("Bees matter.", target)  # type: ignore[arg-type]


def test_largest_target_is_accepted() -> None:
    assert split_script("Bees matter.", 3 * 3600)[0].text == "Bees matter."


# --- Script files --------------------------------------------------------------------------


def test_reads_utf8_with_and_without_bom(tmp_path) -> None:
    plain, bom = tmp_path / "plain.txt", tmp_path / "bom.txt"
    plain.write_bytes("Café crème 🐝\r\nزهرة\n".encode())
    bom.write_bytes(codecs.BOM_UTF8 + "Café crème".encode())
    assert parse_script_file(plain) == "Café crème 🐝\nزهرة\n"
    assert parse_script_file(str(bom)) == "Café crème"


def test_reads_utf16_with_bom(tmp_path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("Hello 蜂".encode("utf-16"))
    assert parse_script_file(path) == "Hello 蜂"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b" \n\r\n\t", "empty"),
        ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not text"),
        ("doc.docx", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "not text"),
        ("latin1.txt", "Café au lait".encode("latin-1"), "not UTF-8"),
        ("control.txt", b"Hello\x1b[31m world\x07", "control characters"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        parse_script_file(path)
    assert str(path) in str(caught.value)
    assert caught.value.fix


def test_missing_file_and_folder_are_refused(tmp_path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="does not exist") as caught:
        parse_script_file(missing)
    assert str(missing) in str(caught.value)
    with pytest.raises(InputError, match="folder"):
        parse_script_file(tmp_path)


def test_non_utf8_message_says_how_to_fix(tmp_path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes(b"ok then \xff\xfe broken")
    with pytest.raises(InputError) as caught:
        parse_script_file(path)
    assert "byte 8" in str(caught.value)
    assert "UTF-8" in (caught.value.fix or "")
