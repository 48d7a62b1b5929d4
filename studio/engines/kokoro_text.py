"""Kokoro's text side outside English: chunks it can speak, and when each word is heard.

Kokoro's own pipeline gives word timings only on its English path, splits other languages on
``.!?`` alone and cuts a chunk's phonemes at 510. Here the text is cut into sentences (``.!?``
and ``。！？।॥`` and line ends), a sentence too long for the model at its clause marks, then its
spaces, then anywhere; and the model's predicted durations (frames per phoneme) are mapped back
to the written words, or to each character for Japanese and Chinese, so captions stay in step.

Everything here is pure: no torch, no model, no G2P (the engine passes its phonemizer in).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from studio.timing import WordTiming

#: Most phonemes the model takes in one pass (its context is 512 tokens: BOS + 510 + EOS).
MAX_PHONEMES = 510
#: Samples per predicted duration frame at 24 kHz (``KPipeline.join_timestamps``: 600).
SAMPLES_PER_FRAME = 600
FRAME_SECONDS = SAMPLES_PER_FRAME / 24000

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|(?<=[。！？।॥])\s*|\s*\n\s*")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:、，；：])\s*")
#: Phoneme characters that are pauses or punctuation, not sounds of a word.
_PHONEME_MARKS = frozenset(" ;:,.!?¡¿—…\"«»“”()-'")
_LATIN_RUN = re.compile(r"[A-Za-z0-9]+")


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence end (``.!?`` before a space, ``。！？।॥``, line ends)."""
    return [part.strip() for part in _SENTENCE_BREAK.split(text) if part.strip()]


def fit_chunks(
    text: str, phonemize: Callable[[str], str], limit: int = MAX_PHONEMES
) -> list[tuple[str, str]]:
    """(text, phonemes) chunks of ``text``, each at most ``limit`` phonemes, in order.

    A sentence is one chunk if it fits; else it is cut at its clause marks, then in half at a
    space, then in half anywhere, until every piece fits (a lone character that still doesn't
    has its phonemes cut: nothing is lost but that character's tail). Empty phonemes are
    dropped.
    """
    chunks: list[tuple[str, str]] = []
    for sentence in split_sentences(text):
        chunks.extend(_fit(sentence, phonemize, limit))
    return [(piece, phonemes) for piece, phonemes in chunks if phonemes.strip()]


def _fit(text: str, phonemize: Callable[[str], str], limit: int) -> list[tuple[str, str]]:
    phonemes = phonemize(text)
    if len(phonemes) <= limit:
        return [(text, phonemes)]
    pieces = [part for part in _CLAUSE_BREAK.split(text) if part.strip()]
    if len(pieces) < 2:
        pieces = _halves(text)
    if len(pieces) < 2:
        return [(text, phonemes[:limit])]
    return [chunk for piece in pieces for chunk in _fit(piece, phonemize, limit)]


def _halves(text: str) -> list[str]:
    """``text`` cut in two at the space nearest its middle, else at its middle."""
    middle = len(text) // 2
    spaces = [index for index, char in enumerate(text) if char.isspace()]
    cut = min(spaces, key=lambda index: abs(index - middle)) if spaces else middle
    return [part.strip() for part in (text[:cut], text[cut:]) if part.strip()]


# --- what a caption shows --------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """A written word and the caption units it shows as: itself, or (ja/zh) its characters.

    Attributes:
        text: the word as written (edge punctuation trimmed).
        units: what gets a timing each: ``(text,)``, or each character.
        weight: its share of a chunk's sound when words and phoneme groups can't be paired.
    """

    text: str
    units: tuple[str, ...]
    weight: float


def _is_edge_mark(char: str) -> bool:
    return unicodedata.category(char)[0] in "PSZ"


def _trim(word: str) -> str:
    """``word`` without punctuation at its ends (combining marks, as in Devanagari, stay)."""
    start, end = 0, len(word)
    while start < end and _is_edge_mark(word[start]):
        start += 1
    while end > start and _is_edge_mark(word[end - 1]):
        end -= 1
    return word[start:end]


def spaced_words(text: str) -> list[Word]:
    """The words of a language written with spaces, one caption unit each."""
    words = []
    for raw in text.split():
        word = _trim(raw)
        if any(char.isalnum() for char in word):
            words.append(Word(word, (word,), float(sum(char.isalnum() for char in word))))
    return words


def character_units(text: str) -> list[str]:
    """Caption units of Japanese or Chinese text: each character, a Latin/digit run as one, a
    combining mark with the character it marks, punctuation and spaces none."""
    units: list[str] = []
    index = 0
    while index < len(text):
        run = _LATIN_RUN.match(text, index)
        if run is not None:
            units.append(run.group())
            index = run.end()
            continue
        char = text[index]
        if unicodedata.category(char).startswith("M") and units:
            units[-1] += char
        elif char.isalnum():
            units.append(char)
        index += 1
    return units


_SMALL_KANA = frozenset("ゃゅょぁぃぅぇぉゎャュョァィゥェォヮ")


def _japanese_weight(unit: str) -> float:
    """About how many morae a character is heard as: a kanji ~2, a small kana ~0.3."""
    if unit in _SMALL_KANA:
        return 0.3
    if len(unit) == 1 and "\u4e00" <= unit <= "\u9fff":
        return 2.0
    return float(max(1, len(unit)))


def mora_count(kana: str) -> float:
    """How many morae a katakana/hiragana reading has (small kana join the one before)."""
    return float(
        sum(1 for char in kana if char not in _SMALL_KANA and (char.isalpha() or char == "ー"))
    )


def japanese_words(text: str) -> list[Word]:
    """Each character of Japanese text a word of its own, weighted by its usual length."""
    return [Word(unit, (unit,), _japanese_weight(unit)) for unit in character_units(text)]


# --- timings from the model's durations ------------------------------------------------------


def phoneme_groups(phonemes: str) -> list[tuple[int, int]]:
    """[start, end) spans of the sounded runs of ``phonemes`` (between spaces and marks)."""
    groups: list[tuple[int, int]] = []
    start: int | None = None
    for index, char in enumerate(phonemes + " "):
        if char in _PHONEME_MARKS:
            if start is not None:
                groups.append((start, index))
                start = None
        elif start is None:
            start = index
    return groups


def proportional_spans(words: Sequence[Word], phonemes: str) -> list[tuple[int, int]]:
    """Spans for ``words`` sharing the sounded phonemes by weight, in order (never empty)."""
    sounded = [index for index, char in enumerate(phonemes) if char not in _PHONEME_MARKS]
    if not sounded:
        sounded = list(range(len(phonemes))) or [0]
    total = sum(word.weight for word in words) or 1.0
    count, number = len(sounded), len(words)
    bounds, before = [0], 0.0
    for word in words[:-1]:
        before += word.weight
        target = round(before / total * count)
        low, high = bounds[-1] + 1, count - (number - len(bounds))
        if low > high:  # more words than sounds: they share, still in order
            low, high = bounds[-1], count - 1
        bounds.append(min(max(target, low), high))
    bounds.append(count)
    spans = []
    for first, last in zip(bounds, bounds[1:], strict=False):
        first = min(first, count - 1)
        spans.append((sounded[first], sounded[max(first + 1, last) - 1] + 1))
    return spans


def word_spans(words: Sequence[Word], phonemes: str) -> list[tuple[int, int]]:
    """The phoneme span of each word: its own group where words and groups pair one to one,
    else a share of the sounded phonemes by weight (liaisons, clitics, numbers read out)."""
    groups = phoneme_groups(phonemes)
    if len(groups) == len(words):
        return groups
    return proportional_spans(words, phonemes)


def frame_seconds(durations: Sequence[int], phoneme_index: int) -> float:
    """When the phoneme at ``phoneme_index`` starts: the frames of BOS and those before it."""
    return sum(durations[: phoneme_index + 1]) * FRAME_SECONDS


def timings(
    words: Sequence[Word],
    spans: Sequence[tuple[int, int]],
    durations: Sequence[int],
    offset: float,
) -> list[WordTiming]:
    """One WordTiming per caption unit: each word's span timed by the model's durations (BOS,
    one per phoneme, EOS), a word's units sharing its time evenly; shifted by ``offset``.

    Where words outnumber sounds (spans shared), a word starts no earlier than the one before
    it ends, so timings never go back in time."""
    result: list[WordTiming] = []
    floor = offset
    for word, (first, end) in zip(words, spans, strict=True):
        start = max(floor, offset + frame_seconds(durations, first))
        stop = max(start, offset + frame_seconds(durations, end))
        share = (stop - start) / len(word.units)
        for index, unit in enumerate(word.units):
            result.append(WordTiming(unit, start + index * share, start + (index + 1) * share))
        floor = stop
    return result
