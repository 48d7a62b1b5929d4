"""Captions in every script: the units a caption is cut into, and the face each word is set in.

Spaced languages are captioned word by word, as ever. Chinese and Japanese have no spaces: a
caption's units are its characters (``studio.media.scripts.text_units``, kinsoku marks kept with
their character), its lines are measured in characters (a CJK character is about one em wide,
so ``chars_per_line`` fits the frame's width at the caption's size) and its units are joined
without spaces. A word in a script the caption's font has no glyphs for (Japanese under Bebas
Neue) is set in that script's Noto face with an ASS ``\\fn`` override; the rest keeps the
creator's font, so English captions are unchanged.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from studio.media.caption_look import FONTS, CaptionLook
from studio.media.resources import SCRIPT_FACES, FontFile, resource_path
from studio.media.scripts import face_of, is_unspaced, script_of, text_units
from studio.media.typeset import covers

#: How wide a CJK character is, as a share of the ASS font size: libass sizes a font by its
#: ascent plus descent (1.44 em for Noto Sans CJK), so a full-width character is ~0.70 of the
#: size (41 px at size 59, measured in a 720x1280 frame); a little more for the outline.
_CJK_EM = 0.72


@dataclass(frozen=True)
class CaptionUnits:
    """A caption's text as units: ``tokens`` in order; ``gaps[i]``: a space before token i
    (where it isn't the first of a line); ``spaced``: words (True) or characters (False)."""

    tokens: list[str]
    gaps: list[bool]
    spaced: bool = True

    def join(self, indices: Sequence[int]) -> str:
        """The text of the tokens at ``indices`` (consecutive), spaced as written."""
        return joined([self.tokens[i] for i in indices], [self.gaps[i] for i in indices])


def joined(parts: Sequence[str], gaps: Sequence[bool]) -> str:
    """``parts`` joined: a space before each part (but the first) whose gap is True."""
    text = ""
    for i, (part, gap) in enumerate(zip(parts, gaps, strict=True)):
        text += (" " if gap and i else "") + part
    return text


def joined_lines(parts: list[str], starts: list[int], units: CaptionUnits) -> str:
    """``parts`` spaced as ``units`` were, with an ASS line break before each of ``starts``."""
    bounds = [0, *starts, len(parts)]
    lines = [joined(parts[a:b], units.gaps[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    return "\\N".join(lines)


def split_units(text: str, spaced: bool | None = None) -> CaptionUnits:
    """``text`` as caption units: words, or characters when ``spaced`` is False (None: when
    the text is mostly Chinese or Japanese)."""
    if spaced is None:
        spaced = not is_unspaced(text)
    if spaced:
        words = text.split()
        return CaptionUnits(words, [True] * len(words))
    units = text_units(text)
    return CaptionUnits([u.text for u in units], [u.spaced for u in units], spaced=False)


def chars_per_line(size_percent: float, usable_width: float, short_side: int) -> int:
    """How many CJK characters a caption line holds: ``usable_width`` pixels at a font size
    of ``size_percent`` % of the frame's ``short_side`` (at least 4)."""
    em = size_percent / 100 * short_side * _CJK_EM  # a character's advance in pixels
    return max(4, math.floor(usable_width / em))


def unit_lines(units: CaptionUnits, per_line: int) -> list[int]:
    """Where a character caption breaks into lines of at most ``per_line`` characters, as the
    indices of each new line's first unit (empty: one line). Lines come out as even as they
    can, never breaking inside a unit."""
    total = len(units.join(range(len(units.tokens))))
    if total <= per_line or len(units.tokens) < 2:
        return []
    count = math.ceil(total / per_line)
    target = total / count
    breaks: list[int] = []
    length = 0
    for i, token in enumerate(units.tokens):
        extra = len(token) + (1 if units.gaps[i] and length else 0)
        full = length + extra > per_line
        if length and (full or (length + extra / 2 > target and len(breaks) + 1 < count)):
            breaks.append(i)
            length, extra = 0, len(token)
        length += extra
    return breaks


def font_tagged(token: str, escaped: str, look: CaptionLook, han: str) -> str:
    """``escaped`` (the ASS text of ``token``) set in its script's Noto face when the look's
    font lacks a letter of it, else unchanged (``han``: the face for Han characters, from
    ``han_face`` of the whole caption)."""
    face = _missing_face(token, look.font, look.bold, han)
    if face is None:
        return escaped
    return f"{{\\fn{SCRIPT_FACES[face][0].family}}}{escaped}{{\\fn}}"


def _missing_face(token: str, family: str, bold: bool, han: str) -> str | None:
    """The ``SCRIPT_FACES`` key for the first letter of ``token`` the font ``family`` lacks."""
    font = _caption_font(family, bold)
    for char in token:
        if script_of(char) is None or font is None or covers(font, char):
            continue
        return face_of(char, han)
    return None


@functools.cache
def _caption_font(family: str, bold: bool) -> FontFile | None:
    files = FONTS.get(family)
    if files is None:
        return None
    path = resource_path(f"fonts/{files[1 if bold else 0]}")
    return FontFile(path) if path.is_file() else None
