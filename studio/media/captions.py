"""Captions: short cues from a scene's words and timings, written as SRT and as styled ASS.

A cue holds a few words (at most ``MAX_WORDS`` and ``MAX_CHARS``), broken at sentence ends and,
when a sentence is too long, at commas or evenly. Word timings from the voice engine set the
times; without them the words are spread over the scene by their length. The ASS documents are
burned into segments by libass with Studio's own fonts, so captions look the same everywhere.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from studio.media.ffmpeg import filter_path
from studio.media.resources import FONT_FAMILY, fonts_dir
from studio.media.settings import RenderSettings
from studio.savefile import atomic_write
from studio.timing import WordTiming

MAX_WORDS = 7
MAX_CHARS = 42
#: Shortest time a cue stays up, and the longest silence bridged by the previous cue.
MIN_CUE_SECONDS = 0.6
BRIDGE_SECONDS = 0.5

_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–]+[\"'”’»)\]]*$")
_WORD_CHARS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Cue:
    """One caption: ``text`` shown from ``start`` to ``end`` (seconds)."""

    start: float
    end: float
    text: str

    def shifted(self, seconds: float) -> Cue:
        """This cue moved ``seconds`` later (scene-local time to the video's timeline)."""
        return replace(self, start=self.start + seconds, end=self.end + seconds)


def build_cues(
    text: str,
    timings: Sequence[WordTiming] | None,
    duration: float,
    *,
    max_words: int = MAX_WORDS,
    max_chars: int = MAX_CHARS,
) -> list[Cue]:
    """The cues of one scene, in scene-local seconds within ``0..duration``.

    ``timings`` are the voice engine's word times (their spelling may differ from ``text``:
    the text's words are shown, aligned to the timings letter by letter); without them, words
    are spread over ``duration`` in proportion to their length.
    """
    tokens = text.split()
    if not tokens or duration <= 0:
        return []
    words = _aligned(tokens, timings) if timings else None
    if words is None:
        words = _spread(tokens, duration)
    cues = []
    for group in _groups([w for w, _, _ in words], max_words, max_chars):
        first, last = words[group[0]], words[group[-1]]
        cues.append(Cue(first[1], last[2], " ".join(words[i][0] for i in group)))
    return _settle(cues, duration)


def _norm(word: str) -> str:
    return "".join(_WORD_CHARS.findall(word.casefold()))


def _aligned(
    tokens: list[str], timings: Sequence[WordTiming]
) -> list[tuple[str, float, float]] | None:
    """``tokens`` with times from ``timings``, matched letter by letter; None if nothing matches."""
    token_chars = [(c, i) for i, t in enumerate(tokens) for c in _norm(t)]
    timed_chars = [(c, i) for i, t in enumerate(timings) for c in _norm(t.word)]
    matcher = difflib.SequenceMatcher(
        None, [c for c, _ in token_chars], [c for c, _ in timed_chars], autojunk=False
    )
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            index, timed = token_chars[a + k][1], timed_chars[b + k][1]
            first.setdefault(index, timed)
            last[index] = timed
    if not first:
        return None
    times: list[tuple[float, float] | None] = [
        (timings[first[i]].start, timings[last[i]].end) if i in first else None
        for i in range(len(tokens))
    ]
    _interpolate(times, end=max(t.end for t in timings))
    result: list[tuple[str, float, float]] = []
    floor = 0.0
    for token, span in zip(tokens, times, strict=True):
        assert span is not None
        start = max(span[0], floor)
        end = max(span[1], start)
        floor = start
        result.append((token, start, end))
    return result


def _interpolate(times: list[tuple[float, float] | None], *, end: float) -> None:
    """Fill unmatched words evenly between their matched neighbours (in place)."""
    i = 0
    while i < len(times):
        if times[i] is not None:
            i += 1
            continue
        j = i
        while j < len(times) and times[j] is None:
            j += 1
        before = times[i - 1][1] if i > 0 and times[i - 1] else 0.0  # type: ignore[index]
        after = times[j][0] if j < len(times) and times[j] else max(end, before)  # type: ignore[index]
        step = max(0.0, after - before) / (j - i)
        for k in range(i, j):
            times[k] = (before + step * (k - i), before + step * (k - i + 1))
        i = j


def _spread(tokens: list[str], duration: float) -> list[tuple[str, float, float]]:
    """Words spread over ``duration`` by length, with a little extra time after punctuation."""
    weights = []
    for token in tokens:
        weight = len(_norm(token)) + 1.0
        if _SENTENCE_END.search(token):
            weight += 3.0
        elif _CLAUSE_END.search(token):
            weight += 1.5
        weights.append(weight)
    scale = duration / sum(weights)
    result = []
    clock = 0.0
    for token, weight in zip(tokens, weights, strict=True):
        result.append((token, clock, clock + weight * scale))
        clock += weight * scale
    return result


def _groups(words: list[str], max_words: int, max_chars: int) -> list[list[int]]:
    """Word indices per cue: sentences, split at clauses, then evenly, to fit the limits."""

    def fits(span: list[int]) -> bool:
        return len(span) <= max_words and len(" ".join(words[i] for i in span)) <= max_chars

    groups: list[list[int]] = []
    for sentence in _split_after(list(range(len(words))), words, _SENTENCE_END):
        if fits(sentence):
            groups.append(sentence)
            continue
        merged: list[list[int]] = []
        for clause in _split_after(sentence, words, _CLAUSE_END):
            if merged and fits(merged[-1] + clause):
                merged[-1] = merged[-1] + clause
            else:
                merged.append(clause)
        for clause in merged:
            groups.extend(_even_split(clause, words, max_words, max_chars))
    return groups


def _split_after(indices: list[int], words: list[str], mark: re.Pattern[str]) -> list[list[int]]:
    parts: list[list[int]] = [[]]
    for i in indices:
        parts[-1].append(i)
        if mark.search(words[i]):
            parts.append([])
    return [p for p in parts if p]


def _even_split(
    span: list[int], words: list[str], max_words: int, max_chars: int
) -> list[list[int]]:
    """Split ``span`` into the fewest near-equal parts that fit (a long word stands alone)."""
    chars = len(" ".join(words[i] for i in span))
    parts = max(math.ceil(len(span) / max_words), math.ceil(chars / max_chars), 1)
    while True:
        target = chars / parts
        result: list[list[int]] = [[]]
        length = 0
        for i in span:
            extra = len(words[i]) + (1 if result[-1] else 0)
            full = len(result[-1]) >= max_words or length + extra > max_chars
            if result[-1] and (full or (length + extra / 2 > target and len(result) < parts)):
                result.append([])
                length, extra = 0, len(words[i])
            result[-1].append(i)
            length += extra
        if len(result) <= parts or parts >= len(span):
            return result
        parts += 1


def _settle(cues: list[Cue], duration: float) -> list[Cue]:
    """Clamp cues to the scene, give each a minimum time, bridge short silences."""
    settled: list[Cue] = []
    for i, cue in enumerate(cues):
        start = min(max(cue.start, 0.0), duration)
        if settled:
            start = max(start, settled[-1].end)
        nxt = min(cues[i + 1].start, duration) if i + 1 < len(cues) else duration
        end = max(cue.end, start + MIN_CUE_SECONDS)
        if nxt - end < BRIDGE_SECONDS:
            end = nxt
        end = min(end, max(nxt, start), duration)
        start, end = round(start, 3), min(round(end, 3), duration)
        if end > start:
            settled.append(Cue(start, end, cue.text))
    return settled


# -- SRT -------------------------------------------------------------------------------------


def srt_document(cues: Sequence[Cue]) -> str:
    """SubRip text of ``cues`` (already on the video's timeline)."""
    blocks = []
    for number, cue in enumerate(c for c in cues if c.text.strip() and c.end > c.start):
        text = "\n".join(line.strip() for line in cue.text.strip().splitlines())
        blocks.append(f"{number + 1}\n{_srt_time(cue.start)} --> {_srt_time(cue.end)}\n{text}\n")
    return "\n".join(blocks)


def write_srt(cues: Sequence[Cue], path: Path) -> Path:
    """Write ``cues`` as a UTF-8 ``.srt`` file, atomically; return its path."""
    return _write_text(Path(path), srt_document(cues))


def _srt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


# -- ASS -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    size: float  # of the frame's short side
    bold: bool
    upper: bool
    colour: str  # &HAABBGGRR
    outline_colour: str
    back_colour: str
    border_style: int  # 1 outline + shadow, 3 opaque box
    outline: float  # of the short side (box padding for style 3)
    shadow: float
    lift: float  # extra bottom margin, of the height


_STYLES = {
    "clean": _Style(0.060, False, False, "&H00FFFFFF", "&H20101010", "&H80000000", 1,
                    0.0045, 0.0020, 0.0),
    "bold": _Style(0.082, True, True, "&H0096ECFF", "&H00000000", "&H90000000", 1,
                   0.0070, 0.0030, 0.03),
    "boxed": _Style(0.056, False, False, "&H00FFFFFF", "&H5A000000", "&H00000000", 3,
                    0.0120, 0.0, 0.0),
}
#: Bottom margin per aspect, of the height: vertical video keeps clear of the platform's UI.
_MARGIN_V = {"16:9": 0.075, "1:1": 0.09, "9:16": 0.20}
_MARGIN_H = {"16:9": 0.08, "1:1": 0.07, "9:16": 0.08}


def ass_document(cues: Sequence[Cue], settings: RenderSettings) -> str:
    """An ASS subtitle document for one segment, styled by ``settings.caption_style``."""
    style = _STYLES[settings.caption_style]
    width, height = settings.width, settings.height
    short = min(width, height)
    margin_h = round(_MARGIN_H[settings.aspect] * width)
    margin_v = round((_MARGIN_V[settings.aspect] + style.lift) * height)
    fields = [
        "Caption", FONT_FAMILY, str(round(style.size * short)), style.colour, style.colour,
        style.outline_colour, style.back_colour, "-1" if style.bold else "0", "0", "0", "0",
        "100", "100", "0", "0", str(style.border_style), f"{style.outline * short:.1f}",
        f"{style.shadow * short:.1f}", "2", str(margin_h), str(margin_h), str(margin_v), "1",
    ]
    lines = [
        "[Script Info]",
        "; Written by Studio",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        "Style: " + ",".join(fields),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for cue in cues:
        if cue.end <= cue.start or not cue.text.strip():
            continue
        lines.append(
            f"Dialogue: 0,{_ass_time(cue.start)},{_ass_time(cue.end)},Caption,,0,0,0,,"
            + ass_text(cue.text, upper=style.upper)
        )
    return "\n".join(lines) + "\n"


def write_ass(cues: Sequence[Cue], settings: RenderSettings, path: Path) -> Path:
    """Write ``ass_document(cues, settings)`` to ``path`` (UTF-8, atomically); return it."""
    return _write_text(Path(path), ass_document(cues, settings))


def ass_text(text: str, *, upper: bool = False) -> str:
    """``text`` as literal ASS dialogue: braces and backslashes can't start override codes."""
    if upper:
        text = text.upper()
    text = text.replace("\\", "\\\u2060")  # a word joiner keeps "\N" and "\h" literal
    text = text.replace("{", "\\{").replace("}", "\\}")
    return re.sub(r"\s*\n\s*", r"\\N", text.strip())


def _ass_time(seconds: float) -> str:
    cs = max(0, round(seconds * 100))
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6000)
    s, cs = divmod(rest, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def ass_filter(ass_path: Path) -> str:
    """The ``ass`` filter burning ``ass_path`` with Studio's fonts (paths escaped)."""
    return f"ass=filename={filter_path(ass_path)}:fontsdir={filter_path(fonts_dir())}"


def _write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, text, durable=False)
