"""Chunking and word timing for Kokoro outside English (studio.engines.kokoro_text): pure
functions, checked on their properties with Hypothesis and on a few worked examples."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studio.engines.kokoro_text import (
    FRAME_SECONDS,
    MAX_PHONEMES,
    Word,
    character_units,
    fit_chunks,
    phoneme_groups,
    proportional_spans,
    spaced_words,
    split_sentences,
    timings,
    word_spans,
)

_TEXT = st.text(
    alphabet=st.sampled_from(list("abc xyz,.!?。、！？।\n日本語テ")), min_size=1, max_size=300
)


def _three_per_char(text: str) -> str:
    """A stand-in G2P: three phonemes a character, spaces kept."""
    return "".join(" " if char.isspace() else "abc" for char in text)


def test_sentences_end_at_latin_cjk_and_devanagari_marks_and_line_ends() -> None:
    text = "Hola. ¿Qué tal?\n今日は。いい天気！ नमस्ते। ठीक है॥ Fin 3.5 euros"

    assert split_sentences(text) == [
        "Hola.", "¿Qué tal?", "今日は。", "いい天気！", "नमस्ते।", "ठीक है॥", "Fin 3.5 euros",
    ]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(text=_TEXT, limit=st.integers(min_value=3, max_value=60))
def test_chunks_fit_the_model_and_keep_every_character(text: str, limit: int) -> None:
    chunks = fit_chunks(text, _three_per_char, limit)

    assert all(len(phonemes) <= limit for _, phonemes in chunks)
    kept = "".join("".join(piece.split()) for piece, _ in chunks)
    spoken = "".join(char for char in "".join(text.split()) if _three_per_char(char).strip())
    assert kept == spoken


def test_a_long_sentence_is_cut_at_its_commas_first() -> None:
    sentence = ", ".join([" ".join(["palabra"] * 20)] * 3) + "."

    chunks = fit_chunks(sentence, _three_per_char, MAX_PHONEMES)

    assert len(chunks) == 3
    assert all(piece.rstrip(",.").endswith("palabra") for piece, _ in chunks)


def test_words_keep_their_inner_marks_and_lose_edge_punctuation() -> None:
    words = spaced_words("¿Cómo estás? l'ami 1,234 — नमस्ते! है।")

    assert [word.text for word in words] == ["Cómo", "estás", "l'ami", "1,234", "नमस्ते", "है"]


def test_japanese_and_chinese_are_captioned_per_character() -> None:
    assert character_units("今日は、AI 3つ。") == ["今", "日", "は", "AI", "3", "つ"]
    assert character_units("你好，世界！") == ["你", "好", "世", "界"]


def test_words_pair_with_phoneme_groups_one_to_one_when_counts_agree() -> None:
    phonemes = "ˈola, kˈomo estˈas?"
    words = spaced_words("Hola, ¿cómo estás?")

    assert [phonemes[a:b] for a, b in word_spans(words, phonemes)] == ["ˈola", "kˈomo", "estˈas"]


def test_timings_are_the_model_frames_before_each_word() -> None:
    """BOS, then one duration per phoneme: a word starts after the frames of all before it."""
    phonemes = "ab cd"  # word 1: a b, space, word 2: c d
    durations = [2, 1, 3, 4, 1, 2, 5]  # BOS a b ' ' c d EOS
    words = [Word("uno", ("uno",), 3.0), Word("dos", ("dos",), 3.0)]

    result = timings(words, word_spans(words, phonemes), durations, offset=1.0)

    assert [(t.word, t.start, t.end) for t in result] == [
        ("uno", 1.0 + 2 * FRAME_SECONDS, 1.0 + 6 * FRAME_SECONDS),
        ("dos", 1.0 + 10 * FRAME_SECONDS, 1.0 + 13 * FRAME_SECONDS),
    ]


@settings(max_examples=150, deadline=None)
@given(
    weights=st.lists(st.floats(min_value=0.1, max_value=5), min_size=1, max_size=30),
    groups=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=30),
    frames=st.data(),
    units=st.integers(min_value=1, max_value=3),
)
def test_timings_are_monotone_inside_the_audio_and_one_per_unit(
    weights: list[float], groups: list[int], frames: st.DataObject, units: int
) -> None:
    """However words and phoneme groups (dis)agree, every unit gets one timing, in order, within
    the chunk's audio (all frames)."""
    phonemes = " ".join("x" * size for size in groups) + "."
    durations = frames.draw(
        st.lists(st.integers(1, 9), min_size=len(phonemes) + 2, max_size=len(phonemes) + 2)
    )
    words = [Word(f"w{i}", tuple(f"w{i}.{u}" for u in range(units)), w) for i, w in
             enumerate(weights)]  # fmt: skip

    result = timings(words, word_spans(words, phonemes), durations, offset=0.0)

    assert [t.word for t in result] == [unit for word in words for unit in word.units]
    starts = [t.start for t in result]
    assert starts == sorted(starts)
    audio = sum(durations) * FRAME_SECONDS
    assert all(0.0 <= t.start <= t.end <= audio for t in result)


@settings(max_examples=100, deadline=None)
@given(
    weights=st.lists(st.floats(min_value=0.1, max_value=5), min_size=1, max_size=20),
    phonemes=st.text(alphabet=st.sampled_from(list("ab ,.")), min_size=1, max_size=60),
)
def test_proportional_spans_never_overlap_while_there_are_phonemes_to_share(
    weights: list[float], phonemes: str
) -> None:
    words = [Word(str(i), (str(i),), w) for i, w in enumerate(weights)]
    spans = proportional_spans(words, phonemes)

    assert len(spans) == len(words)
    assert all(0 <= a < b <= len(phonemes) for a, b in spans)
    sounded = sum(1 for char in phonemes if char in "ab")
    if len(words) <= sounded:
        assert all(spans[i][1] <= spans[i + 1][0] for i in range(len(spans) - 1))


def test_phoneme_groups_skip_pauses_and_punctuation() -> None:
    phonemes = "ni↓xau↓, ʂɨ↘ʨje↘."

    assert [phonemes[a:b] for a, b in phoneme_groups(phonemes)] == ["ni↓xau↓", "ʂɨ↘ʨje↘"]
