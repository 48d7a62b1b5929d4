"""Captions: short cues from a scene's words and timings, written as SRT and as styled ASS.

A cue holds a few words (at most ``MAX_WORDS`` and ``MAX_CHARS``), broken at sentence ends and,
when a sentence is too long, at commas or evenly. Chinese and Japanese, written without spaces,
are cut into characters instead (``studio.media.scripts.text_units``: kinsoku marks stay with
their character), timed one by one and grouped by a character budget that fits the frame's
width; the highlights work character by character. A word in a script the caption font lacks
is set in the script's Noto face (``SCRIPT_FACES``), and libass's fontconfig knows those faces
too, so no caption shows a box for a missing glyph. Word timings from the voice engine set the
times; without them the words are spread over the scene by their length. Each cue keeps its
words' times, for the word-by-word and karaoke highlights. The ASS documents are burned into
segments by libass with Studio's own fonts, so captions look the same everywhere; their look is
a ``CaptionLook`` (``studio.media.caption_look``: presets, overrides, shipped ``FONTS``).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from studio.media.caption_look import FONTS, CaptionLook, look_of
from studio.media.caption_scripts import (
    CaptionUnits,
    chars_per_line,
    font_tagged,
    joined_lines,
    split_units,
    unit_lines,
)
from studio.media.ffmpeg import filter_path
from studio.media.resources import fonts_dir
from studio.media.scripts import han_face, is_right_to_left
from studio.media.settings import RenderSettings
from studio.savefile import atomic_write
from studio.timing import WordTiming

MAX_WORDS = 7
MAX_CHARS = 42
#: Shortest time a cue stays up, and the longest silence bridged by the previous cue.
MIN_CUE_SECONDS = 0.6
BRIDGE_SECONDS = 0.5

_SENTENCE_END = re.compile(r"[.!?…。！？।॥؟]+[\"'”’»)\]」』）]*$")
_CLAUSE_END = re.compile(r"[,;:—–、，；：،؛]+[\"'”’»)\]」』）]*$")
_WORD_CHARS = re.compile(r"[^\W_]+")


__all__ = ["FONTS", "CaptionLook", "Cue", "Word", "build_cues", "cues_for", "look_of"]


@dataclass(frozen=True)
class Word:
    """One word of a cue and when it is spoken (seconds, on the cue's timeline)."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """One caption: ``text`` shown from ``start`` to ``end`` (seconds).

    ``words`` are its words with their times (``text.split()``, in order), for highlights;
    cues are equal when they show the same text at the same time, whatever their words say.
    ``spaced`` is False for Chinese and Japanese cues: their words are the text's characters
    (``split_units``) and lines break between them.
    """

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = field(default=(), compare=False)
    spaced: bool = field(default=True, compare=False)

    def shifted(self, seconds: float) -> Cue:
        """This cue moved ``seconds`` later (scene-local time to the video's timeline)."""
        words = tuple(replace(w, start=w.start + seconds, end=w.end + seconds) for w in self.words)
        return replace(self, start=self.start + seconds, end=self.end + seconds, words=words)


def build_cues(
    text: str,
    timings: Sequence[WordTiming] | None,
    duration: float,
    *,
    max_words: int = MAX_WORDS,
    max_chars: int = MAX_CHARS,
    spaced: bool | None = None,
) -> list[Cue]:
    """The cues of one scene, in scene-local seconds within ``0..duration``.

    ``timings`` are the voice engine's word times (their spelling may differ from ``text``:
    the text's words are shown, aligned to the timings letter by letter; for Chinese and
    Japanese, one timing a character); without them, words are spread over ``duration`` in
    proportion to their length. ``spaced`` False cuts the text into characters (Chinese,
    Japanese: ``max_words`` then doesn't apply); None tells it from the text.
    """
    units = split_units(text, spaced)
    tokens = units.tokens
    if not tokens or duration <= 0:
        return []
    words = _aligned(tokens, timings) if timings else None
    if words is None:
        words = _spread(tokens, duration)
    if not units.spaced:
        max_words = len(tokens)
    cues = []
    for group in _groups([w for w, _, _ in words], max_words, max_chars, units):
        first, last = words[group[0]], words[group[-1]]
        timed = tuple(Word(*words[i]) for i in group)
        shown = units.join(group)
        cues.append(Cue(first[1], last[2], shown, timed, units.spaced))
    return _settle(cues, duration)


def cues_for(
    text: str,
    timings: Sequence[WordTiming] | None,
    duration: float,
    look: CaptionLook,
    *,
    language: str | None = None,
    frame: tuple[int, int] | None = None,
) -> list[Cue]:
    """``build_cues`` with the limits of ``look``: ``max_words`` a line, ``lines`` lines.

    Chinese and Japanese (``language`` "zh"/"ja", or told from the text) hold as many
    characters a line as fit ``frame`` (width, height; default a vertical 1080x1920, the
    narrowest) at the look's size.
    """
    units = split_units(text, None if language is None else _spaced_language(language))
    if not units.spaced:
        per_line = char_budget(look, frame or (1080, 1920))
        return build_cues(text, timings, duration, max_chars=per_line * look.lines, spaced=False)
    return build_cues(
        text,
        timings,
        duration,
        max_words=look.max_words * look.lines,
        max_chars=MAX_CHARS * look.lines,
        spaced=True,
    )


def _spaced_language(code: str) -> bool | None:
    """False for a language written without spaces, None (tell from the text) otherwise."""
    from studio.languages import find_language

    language = find_language(code)
    return False if language is not None and not language.spaced else None


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


def _groups(
    words: list[str], max_words: int, max_chars: int, units: CaptionUnits | None = None
) -> list[list[int]]:
    """Word indices per cue: sentences, split at clauses, then evenly, to fit the limits."""
    units = units or CaptionUnits(words, [True] * len(words))

    def fits(span: list[int]) -> bool:
        return len(span) <= max_words and len(units.join(span)) <= max_chars

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
            groups.extend(_even_split(clause, units, max_words, max_chars))
    return groups


def _split_after(indices: list[int], words: list[str], mark: re.Pattern[str]) -> list[list[int]]:
    parts: list[list[int]] = [[]]
    for i in indices:
        parts[-1].append(i)
        if mark.search(words[i]):
            parts.append([])
    return [p for p in parts if p]


def _even_split(
    span: list[int], units: CaptionUnits, max_words: int, max_chars: int
) -> list[list[int]]:
    """Split ``span`` into the fewest near-equal parts that fit (a long word stands alone)."""
    words = units.tokens
    chars = len(units.join(span))
    parts = max(math.ceil(len(span) / max_words), math.ceil(chars / max_chars), 1)
    while True:
        target = chars / parts
        result: list[list[int]] = [[]]
        length = 0
        for i in span:
            extra = len(words[i]) + (1 if result[-1] and units.gaps[i] else 0)
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
            words = tuple(
                replace(w, start=min(max(w.start, start), end), end=min(max(w.end, start), end))
                for w in cue.words
            )
            settled.append(Cue(start, end, cue.text, words, cue.spaced))
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

#: Safe margin from the caption's edge, of the height, per aspect and position: vertical
#: video keeps clear of the platform's buttons and titles (bottom) and its tabs (top).
_MARGIN_V = {
    "bottom": {"16:9": 0.075, "1:1": 0.09, "9:16": 0.20},
    "middle": {"16:9": 0.0, "1:1": 0.0, "9:16": 0.0},
    "top": {"16:9": 0.075, "1:1": 0.09, "9:16": 0.14},
}
#: Side margins, of the width: (left, right). A vertical video's right edge holds the
#: platforms' like/comment/share column beside the middle of the frame.
_MARGIN_H = {
    "bottom": {"16:9": (0.08, 0.08), "1:1": (0.07, 0.07), "9:16": (0.08, 0.08)},
    "middle": {"16:9": (0.08, 0.08), "1:1": (0.07, 0.07), "9:16": (0.08, 0.18)},
    "top": {"16:9": (0.08, 0.08), "1:1": (0.07, 0.07), "9:16": (0.08, 0.08)},
}
_ALIGNMENT = {"bottom": 2, "middle": 5, "top": 8}


def caption_look(settings: RenderSettings) -> CaptionLook:
    """The look ``settings`` ask for: their caption style with the creator's overrides."""
    return look_of(settings.caption_style, settings.caption)


def char_budget(look: CaptionLook, frame: tuple[int, int]) -> int:
    """How many Chinese or Japanese characters one caption line in ``look`` holds on a
    ``frame`` (width, height), inside the side margins."""
    width, height = frame
    aspect = "16:9" if width > height else "9:16" if width < height else "1:1"
    left, right = _MARGIN_H[look.position][aspect]
    return chars_per_line(look.size, width * (1 - left - right), min(width, height))


def ass_document(
    cues: Sequence[Cue], settings: RenderSettings, *, language: str | None = None
) -> str:
    """An ASS subtitle document for one segment, in the look of ``caption_look(settings)``.

    ``language`` (when known) picks the Japanese or Chinese forms of Han characters the
    caption font lacks; without it, kana in a caption means Japanese. A caption that reads
    right to left (Arabic, Hebrew) starts with ``\\fe-1``: libass then lays the line out
    right to left (with the style's encoding 1 it keeps a left-to-right base direction, and
    the words of a karaoke line come out in reverse order).
    """
    look = caption_look(settings)
    per_line = char_budget(look, (settings.width, settings.height))
    lines = [
        "[Script Info]",
        "; Written by Studio",
        "ScriptType: v4.00+",
        f"PlayResX: {settings.width}",
        f"PlayResY: {settings.height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "YCbCr Matrix: TV.709",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        "Style: " + ",".join(_style_fields(look, settings)),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for cue in cues:
        if cue.end <= cue.start or not cue.text.strip():
            continue
        rtl = "{\\fe-1}" if is_right_to_left(cue.text) else ""
        for start, end, text in _events(cue, look, per_line, language):
            times = f"{_ass_time(start)},{_ass_time(end)}"
            lines.append(f"Dialogue: 0,{times},Caption,,0,0,0,,{rtl}{text}")
    return "\n".join(lines) + "\n"


def _style_fields(look: CaptionLook, settings: RenderSettings) -> list[str]:
    """The ``Style:`` line's values for ``look`` at the frame size of ``settings``."""
    width, height = settings.width, settings.height
    short = min(width, height)
    left, right = _MARGIN_H[look.position][settings.aspect]
    margin_v = _MARGIN_V[look.position][settings.aspect] + look.margin / 100
    edge = look.box_colour if look.box else look.outline_colour
    back = look.shadow_colour
    border_style = "3" if look.box else "1"  # 3: a box behind each run of text
    if look.box and look.highlight != "none":
        # Highlight tags split the line into runs, and style 3's translucent boxes would
        # overlap at their seams: libass's style 4 draws one box (BackColour) per caption,
        # padded by Outline; the glyph outline is made invisible.
        border_style, edge, back = "4", "#00000000", look.box_colour
    border = look.box_padding if look.box else look.outline
    colour = ass_colour(look.colour)
    return [
        "Caption",
        look.font,
        str(round(look.size / 100 * short)),
        colour,
        colour,
        ass_colour(edge),
        ass_colour(back),
        "-1" if look.bold else "0",
        "0",
        "0",
        "0",
        "100",
        "100",
        "0",
        "0",
        border_style,
        f"{border / 100 * short:.1f}",
        f"{look.shadow / 100 * short:.1f}",
        str(_ALIGNMENT[look.position]),
        str(round(left * width)),
        str(round(right * width)),
        str(round(margin_v * height)),
        "1",
    ]


def _events(
    cue: Cue, look: CaptionLook, per_line: int, language: str | None
) -> list[tuple[float, float, str]]:
    """The dialogue events of one cue: (start, end, ASS text).

    Without a highlight, one event with the cue's text. "word": one event per word interval,
    the same text each time with only the spoken word's colour changed (same line breaks, same
    glyph advances: the line never moves); the intervals meet exactly, in whole centiseconds
    (ASS's unit), so two events never show at once. "karaoke": one event with ``\\kf`` fills.
    A character cue (Chinese, Japanese) does the same character by character, its lines at
    most ``per_line`` characters.
    """
    units = split_units(cue.text, None if cue.spaced else False)
    tokens = units.tokens
    words = cue.words if len(cue.words) == len(tokens) else ()
    han = han_face(cue.text, language)
    plain_parts = _escaped(tokens, look)
    parts = [font_tagged(t, p, look, han) for t, p in zip(tokens, plain_parts, strict=True)]
    if look.highlight == "none" or not words:
        if look.lines == 1 and units.spaced and parts == plain_parts:
            return [(cue.start, cue.end, ass_text(cue.text, upper=look.upper))]
        return [
            (cue.start, cue.end, joined_lines(parts, _line_starts(units, look, per_line), units))
        ]
    split = _line_starts(units, look, per_line)
    bounds = _word_bounds(cue, words)
    if look.highlight == "karaoke":
        return [(cue.start, cue.end, _karaoke(parts, split, bounds, look, units))]
    colour, plain = _override_colour(look.highlight_colour), _override_colour(look.colour)
    events = []
    for i in range(len(parts)):
        start, end = bounds[i] / 100, bounds[i + 1] / 100
        if end <= start:
            continue
        marked = list(parts)
        marked[i] = f"{{\\1c{colour}}}{parts[i]}{{\\1c{plain}}}"
        events.append((start, end, joined_lines(marked, split, units)))
    return events


def _word_bounds(cue: Cue, words: Sequence[Word]) -> list[int]:
    """Centiseconds where each word's turn starts, then the cue's end: never decreasing.

    A word's turn lasts until the next word starts (the pauses between words stay on the word
    just spoken); the first turn starts with the cue.
    """
    first, last = _centis(cue.start), _centis(cue.end)
    bounds = [first]
    for word in words[1:]:
        bounds.append(min(max(_centis(word.start), bounds[-1]), last))
    bounds.append(last)
    return bounds


def _karaoke(
    parts: list[str], split: list[int], bounds: list[int], look: CaptionLook, units: CaptionUnits
) -> str:
    """One karaoke line: the text colour (secondary) filled by the highlight colour (primary)
    word by word, each fill lasting its word's turn."""
    colours = (
        f"{{\\1c{_override_colour(look.highlight_colour)}\\2c{_override_colour(look.colour)}}}"
    )
    timed = [f"{{\\kf{bounds[i + 1] - bounds[i]}}}{part}" for i, part in enumerate(parts)]
    return colours + joined_lines(timed, split, units)


def _escaped(tokens: list[str], look: CaptionLook) -> list[str]:
    return [ass_text(token, upper=look.upper) for token in tokens]


def _break_at(tokens: list[str], look: CaptionLook) -> int | None:
    """Where a two-line caption breaks (the index of its second line's first word), or None.

    A caption that fits one line (``max_words``, ``MAX_CHARS``) stays on one; a longer one
    breaks where its two lines are the most even. Words are never split, so no grapheme
    cluster is either; libass shapes and orders each line (right-to-left scripts too).
    """
    if look.lines < 2 or len(tokens) < 2:
        return None
    if len(tokens) <= look.max_words and len(" ".join(tokens)) <= MAX_CHARS:
        return None

    def longest(i: int) -> int:
        return max(len(" ".join(tokens[:i])), len(" ".join(tokens[i:])))

    return min(range(1, len(tokens)), key=lambda i: (longest(i), abs(2 * i - len(tokens))))


def _line_starts(units: CaptionUnits, look: CaptionLook, per_line: int) -> list[int]:
    """The indices of the units that start a second (or later) line."""
    if not units.spaced:
        return unit_lines(units, per_line)
    split = _break_at(units.tokens, look)
    return [] if split is None else [split]


def write_ass(
    cues: Sequence[Cue], settings: RenderSettings, path: Path, *, language: str | None = None
) -> Path:
    """Write ``ass_document(cues, settings, language=language)`` to ``path`` (UTF-8,
    atomically); return it."""
    return _write_text(Path(path), ass_document(cues, settings, language=language))


def ass_text(text: str, *, upper: bool = False) -> str:
    """``text`` as literal ASS dialogue: braces and backslashes can't start override codes."""
    if upper:
        text = text.upper()
    text = text.replace("\\", "\\\u2060")  # a word joiner keeps "\N" and "\h" literal
    text = text.replace("{", "\\{").replace("}", "\\}")
    return re.sub(r"\s*\n\s*", r"\\N", text.strip())


def ass_colour(colour: str) -> str:
    """``#RRGGBB[AA]`` (AA: opacity) as an ASS style colour, ``&HAABBGGRR`` (AA: transparency)."""
    opacity = int(colour[7:9], 16) if len(colour) == 9 else 255
    return f"&H{255 - opacity:02X}{colour[5:7]}{colour[3:5]}{colour[1:3]}".upper()


def _override_colour(colour: str) -> str:
    """``#RRGGBB[AA]`` as an ASS override colour, ``&HBBGGRR&`` (its opacity is the style's)."""
    return f"&H{colour[5:7]}{colour[3:5]}{colour[1:3]}&".upper()


def _centis(seconds: float) -> int:
    return max(0, round(seconds * 100))


def _ass_time(seconds: float) -> str:
    cs = _centis(seconds)
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
