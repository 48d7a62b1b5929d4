"""Drawing helpers shared by the slide, chat and scrolling-page renderers: fonts, wrapping,
shapes.

Text is wrapped by *measured* width (never by character count), so any font and any script
fits its box: between words where words are spaced, between characters in Chinese and Japanese
(``studio.media.scripts.text_units``, kinsoku kept). Fonts are ``TextFont``s, which draw every
script with a face that has it. Shapes get analytically antialiased corners so rounded panels
look smooth without drawing at a larger size first.
"""

from __future__ import annotations

import bisect
import functools

import numpy as np
from PIL import Image

from studio.media.resources import FontFile, font_for, mono_font_path
from studio.media.scripts import Unit, text_units
from studio.media.typeset import TextFont

#: Added where a word too long for its line is broken between two letters or digits.
_HYPHEN = "-"


@functools.lru_cache(maxsize=64)
def text_font(
    size: int, *, bold: bool = False, mono: bool = False, language: str | None = None
) -> TextFont:
    """Studio's font for any script in ``size`` pixels: DejaVu Sans (``bold``, or DejaVu Sans
    Mono with ``mono``) for Latin, Cyrillic and Greek, Noto for the other scripts (cached)."""
    primary = FontFile(mono_font_path()) if mono else font_for("latin", bold=bold)
    return TextFont(max(6, int(size)), bold=bold, primary=primary, language=language)


def wrap_text(text: str, font: TextFont, max_width: float) -> list[str]:
    """``text`` wrapped into lines no wider than ``max_width`` pixels in ``font``.

    Line breaks in ``text`` are kept (an empty line stays empty); runs of spaces collapse.
    Lines break between words, and between the characters of Chinese and Japanese (never
    before "。" or after "「"). A word wider than a line is broken, with a hyphen after
    letters or digits.
    """
    lines: list[str] = []
    for paragraph in text.expandtabs(4).split("\n"):
        lines.extend(_wrap_paragraph(paragraph, font, max_width) or [""])
    return lines


def _wrap_paragraph(text: str, font: TextFont, max_width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for unit in text_units(text):
        candidate = joined(current, unit)
        if font.getlength(candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = unit.text
        while len(current) > 1 and font.getlength(current) > max_width:
            head, current = break_word(current, font, max_width)
            lines.append(head)
    if current:
        lines.append(current)
    return lines


def joined(line: str, unit: Unit) -> str:
    """``line`` with ``unit`` after it (a space between them where the text had one)."""
    if not line:
        return unit.text
    return f"{line} {unit.text}" if unit.spaced else line + unit.text


def break_word(
    word: str, font: TextFont, max_width: float, *, hyphen: bool = True
) -> tuple[str, str]:
    """Split a word too wide for ``max_width`` into (a head that fits, the rest).

    With ``hyphen``, a head cut between two letters or digits ends with a hyphen. The head
    keeps at least one character, so the loop that calls this always progresses.
    """

    def with_hyphen(cut: int) -> str:
        head = word[:cut]
        if hyphen and head[-1].isalnum() and word[cut].isalnum():
            head += _HYPHEN
        return head

    def head_width(cut: int) -> float:
        return font.getlength(with_hyphen(cut))

    # The widest head that fits, by bisection over the cut position (1 .. len - 1).
    cut = bisect.bisect_right(range(1, len(word)), max_width, key=head_width)
    cut = max(1, cut)
    return with_hyphen(cut), word[cut:]


def ellipsize(text: str, font: TextFont, max_width: float) -> str:
    """``text`` shortened with "…" so it fits ``max_width`` (unchanged if it already fits)."""
    if font.getlength(text) <= max_width:
        return text
    while len(text) > 1 and font.getlength(text + "…") > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def rounded_mask(
    size: tuple[int, int], radii: float | tuple[float, float, float, float]
) -> Image.Image:
    """An "L" mask of a rounded rectangle filling ``size``, its corners antialiased.

    ``radii`` is one radius or one per corner (top-left, top-right, bottom-right, bottom-left);
    each is limited to half the shorter side.
    """
    width, height = size
    if isinstance(radii, int | float):
        radii = (radii, radii, radii, radii)
    mask = np.full((height, width), 255, dtype=np.uint8)
    limit = min(width, height) / 2
    for corner, radius in enumerate(radii):
        r = min(float(radius), limit)
        side = int(np.ceil(r))
        if side <= 0:
            continue
        centres = np.arange(side, dtype=np.float32) + 0.5  # pixel centres from the corner
        dy, dx = np.meshgrid(r - centres, r - centres, indexing="ij")
        coverage = np.clip(r - np.hypot(np.maximum(dx, 0), np.maximum(dy, 0)) + 0.5, 0.0, 1.0)
        patch = np.rint(coverage * 255).astype(np.uint8)
        if corner in (1, 2):
            patch = patch[:, ::-1]
        if corner in (2, 3):
            patch = patch[::-1, :]
        rows = slice(0, side) if corner in (0, 1) else slice(height - side, height)
        cols = slice(0, side) if corner in (0, 3) else slice(width - side, width)
        mask[rows, cols] = np.minimum(mask[rows, cols], patch)
    return Image.fromarray(mask)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """``"#rrggbb"`` as an (r, g, b) tuple."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
