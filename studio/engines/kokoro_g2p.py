"""Phonemes for Kokoro outside English, each written word (or character) with its phonemes.

Kokoro's G2P for Spanish, French, Hindi, Italian and Portuguese is espeak-ng (misaki's
``EspeakG2P``), for Japanese misaki's ``JAG2P`` (cutlet over fugashi + unidic-lite, pyopenjtalk
for numbers), for Mandarin misaki's ``ZHG2P`` (jieba + pypinyin + cn2an). Their output is what
the model hears; here it is also tied back to the text so captions know where each word is.
Chinese is phonemized character by character exactly as ``ZHG2P`` does (jieba's words, their
pinyin, one syllable a character), so each character's phonemes are known exactly.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from studio.engines.kokoro_text import (
    Word,
    character_units,
    japanese_words,
    mora_count,
    spaced_words,
    word_spans,
)
from studio.languages import Language

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]+")
_DIGIT_RUN = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Phonemized:
    """A chunk's phonemes (only symbols the model knows) and where each word's are.

    Attributes:
        phonemes: what the model is given.
        words: the written words (or characters), in order.
        spans: each word's [start, end) in ``phonemes``.
    """

    phonemes: str
    words: list[Word]
    spans: list[tuple[int, int]]

    def cut(self, limit: int) -> Phonemized:
        """The same with phonemes cut at ``limit`` (spans clipped, kept in order)."""
        if len(self.phonemes) <= limit:
            return self
        clipped = [(min(start, limit - 1), max(min(end, limit), 1)) for start, end in self.spans]
        return Phonemized(self.phonemes[:limit], self.words, clipped)


def _known(phonemes: str, vocab: Mapping[str, int]) -> str:
    """``phonemes`` without symbols the model would drop (so indices match its durations)."""
    return "".join(char for char in phonemes if char in vocab)


def phonemizer(
    language: Language, g2p: Any, vocab: Mapping[str, int]
) -> Callable[[str], Phonemized]:
    """The function that phonemizes a chunk of ``language`` with Kokoro's ``g2p``."""
    if language.code == "zh":
        return lambda text: chinese(text, vocab)
    if language.code == "ja":
        return lambda text: _by_groups(_known(g2p(text)[0] or "", vocab), _japanese(g2p, text))
    return lambda text: _by_groups(_known(g2p(text)[0] or "", vocab), spaced_words(text))


def _japanese(g2p: Any, text: str) -> list[Word]:
    """Japanese text as MeCab's words (the tagger misaki's cutlet reads with, whose output puts
    a space between words: they pair with the phoneme groups when the counts agree), each
    weighted by its reading's morae and shown character by character."""
    tagger = getattr(getattr(g2p, "cutlet", None), "tagger", None)
    if tagger is None:
        return japanese_words(text)
    words: list[Word] = []
    for node in tagger(text):
        units = tuple(character_units(node.surface))
        if units:
            reading = node.feature.pron or node.feature.kana or ""
            words.append(Word(node.surface, units, mora_count(reading) or float(len(units))))
    return words


def _by_groups(phonemes: str, words: list[Word]) -> Phonemized:
    return Phonemized(phonemes, words, word_spans(words, phonemes) if words else [])


def chinese(text: str, vocab: Mapping[str, int]) -> Phonemized:
    """Mandarin phonemes as misaki's ``ZHG2P`` (Kokoro v1.0's) makes them, per character."""
    phonemes, words, spans = "", [], []
    for unit, spoken in _chinese_pieces(text):
        known = _known(spoken.replace(chr(815), ""), vocab)
        if unit is None:  # punctuation or a space: a pause the model hears, no caption unit
            if known.strip():
                phonemes = phonemes.rstrip() + known
            elif phonemes and not phonemes.endswith(" "):
                phonemes += " "
            continue
        words.append(Word(unit, tuple(character_units(unit)) or (unit,), 1.0))
        spans.append((len(phonemes), len(phonemes) + len(known)))
        phonemes += known
    return Phonemized(phonemes.rstrip(), words, spans)


def _chinese_pieces(text: str) -> list[tuple[str | None, str]]:
    """(caption unit or None for punctuation, its phonemes) along ``text``."""
    import cn2an

    pieces: list[tuple[str | None, str]] = []
    for segment in _HAN_RUN.findall(text):
        if "\u4e00" <= segment[0] <= "\u9fff":
            pieces.extend(_han_pieces(segment))
            continue
        units = character_units(segment)
        for piece in _split_other(segment, units):
            if piece not in units:
                pieces.append((None, _punctuation(piece)))
            elif _DIGIT_RUN.fullmatch(piece):
                pieces.append((piece, _pinyin_ipa(str(cn2an.transform(piece, "an2cn")))))
            else:
                pieces.append((piece, piece))
    return pieces


def _split_other(segment: str, units: list[str]) -> list[str]:
    """``segment`` (no Han characters) as its caption units and the characters between them."""
    out: list[str] = []
    index = 0
    for unit in units:
        found = segment.index(unit, index)
        out.extend(segment[index:found])
        out.append(unit)
        index = found + len(unit)
    out.extend(segment[index:])
    return out


def _punctuation(char: str) -> str:
    """A punctuation mark or space as ``ZHG2P.map_punctuation`` gives it ("，" -> ", ")."""
    from misaki.zh import ZHG2P

    if char.isspace():
        return " "
    mapped = ZHG2P.map_punctuation(char)
    return mapped + " " if mapped in ",.!?:;" else mapped


def _han_pieces(segment: str) -> list[tuple[str | None, str]]:
    """Each character of a run of Han characters with its syllable, words split by spaces."""
    import jieba
    from pypinyin import Style, lazy_pinyin

    jieba.setLogLevel(logging.WARNING)
    pieces: list[tuple[str | None, str]] = []
    for number, word in enumerate(jieba.lcut(segment, cut_all=False)):
        if number:
            pieces.append((None, " "))
        syllables = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
        if len(syllables) != len(word):  # a character pypinyin can't read: the word as a whole
            pieces.append((word, "".join(_pinyin_ipa_syllable(s) for s in syllables)))
            continue
        readings = zip(word, syllables, strict=True)
        pieces.extend((char, _pinyin_ipa_syllable(syllable)) for char, syllable in readings)
    return pieces


def _pinyin_ipa_syllable(pinyin: str) -> str:
    from misaki.zh import ZHG2P

    try:
        return ZHG2P.py2ipa(pinyin)
    except (KeyError, IndexError, ValueError, AssertionError):
        return ""


def _pinyin_ipa(han: str) -> str:
    """The phonemes of a run of Han characters (a number spelled out) as ``ZHG2P`` reads it."""
    import jieba
    from misaki.zh import ZHG2P

    return "".join(ZHG2P.word2ipa(word) for word in jieba.lcut(han))
