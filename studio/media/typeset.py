"""Text in any script drawn with Pillow: one font object that picks a face per run of text.

``TextFont`` stands where a Pillow font stood (``getlength``, ``getmetrics``, ``size``) and
draws with :meth:`TextFont.draw`. A line in one script its primary face covers is drawn exactly
as before (one ``ImageDraw.text`` call); a line mixing scripts is cut into runs
(``studio.media.scripts.font_runs``), each drawn with its script's face (``font_for``), a
character no face of its script has tried in ``FALLBACK_ORDER``: a fallback chain, so no
character is drawn as a box while some shipped face has it. Every face uses Pillow's raqm
layout, which shapes Devanagari conjuncts and Arabic joining and lays right-to-left runs out
right to left; the runs of a right-to-left line are placed right to left too.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import ImageDraw, ImageFont

from studio.media.resources import FALLBACK_ORDER, FontFile, find_font, font_for
from studio.media.scripts import Run, font_runs, is_right_to_left

#: A character no font has (the last private-use code point): what a face draws for it is its
#: ".notdef" glyph, the box shown for missing characters.
_ABSENT = "\U0010fffd"
#: The size coverage is checked at (big enough that different glyphs differ).
_PROBE_SIZE = 48


@functools.lru_cache(maxsize=128)
def load_face(path: Path, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    """The face ``index`` of the font file at ``path`` in ``size`` pixels, laid out by raqm
    (cached: loading costs milliseconds, a CJK collection more)."""
    return ImageFont.truetype(
        str(path), max(6, int(size)), index=index, layout_engine=ImageFont.Layout.RAQM
    )


def covers(file: FontFile, char: str) -> bool:
    """Whether the face ``file`` has a glyph for ``char`` (not its ".notdef" box).

    Spaces, controls and combining marks count as covered: they have no glyph to compare and
    go with the characters around them.
    """
    if unicodedata.category(char)[0] in "ZCM":
        return True
    return _covers(file.path, file.index, char)


@functools.lru_cache(maxsize=8192)
def _covers(path: Path, index: int, char: str) -> bool:
    font = load_face(path, _PROBE_SIZE, index)
    return _glyph(font, char) != _glyph(font, _ABSENT)


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> tuple[Any, ...]:
    mask = font.getmask(char, mode="L")
    return (font.getlength(char), mask.size, bytes(mask))


def _has_left_to_right(text: str) -> bool:
    return any(unicodedata.bidirectional(char) == "L" for char in text)


@dataclass(frozen=True)
class Piece:
    """A run of text and the face that draws it (``file``, loaded as ``font``)."""

    font: ImageFont.FreeTypeFont
    file: FontFile
    text: str


class TextFont:
    """A font for text in any script: ``primary`` for the scripts it covers, the script's face
    (``font_for``) for the others, ``bold`` or regular, ``size`` pixels.

    Attributes:
        size: the size in pixels.
        primary: the face a line in the primary's own script is drawn with (Pillow's font).
        language: the text's language code when known (Han in "ja" takes Japanese forms).
    """

    def __init__(
        self,
        size: int,
        *,
        bold: bool = False,
        primary: FontFile | None = None,
        language: str | None = None,
    ) -> None:
        self._bold = bold
        self._primary_file = primary or font_for("latin", bold=bold)
        self.primary = load_face(self._primary_file.path, size, self._primary_file.index)
        self.size = self.primary.size
        self.language = language

    def getmetrics(self) -> tuple[int, int]:
        """The primary face's (ascent, descent): lines are spaced by it whatever their script."""
        return self.primary.getmetrics()

    def metrics_for(self, text: str) -> tuple[int, int]:
        """The (ascent, descent) that holds ``text``: the primary's, or taller where a script's
        face reaches higher or lower (Arabic, Devanagari), so a box around it never clips."""
        faces = {id(p.font): p.font for p in self.pieces(text)}
        metrics = [self.primary.getmetrics(), *(f.getmetrics() for f in faces.values())]
        return max(a for a, _ in metrics), max(d for _, d in metrics)

    def getlength(self, text: str) -> float:
        """The advance of ``text`` in pixels, each run measured in its own face."""
        return sum(piece.font.getlength(piece.text) for piece in self.pieces(text))

    def pieces(self, text: str) -> list[Piece]:
        """``text`` cut into runs with the face that draws each, in reading order."""
        pieces: list[Piece] = []
        for run in font_runs(text, language=self.language):
            for file, part in self._covered(run):
                font = load_face(file.path, self.size, file.index)
                if pieces and pieces[-1].font is font:
                    pieces[-1] = Piece(font, file, pieces[-1].text + part)
                else:
                    pieces.append(Piece(font, file, part))
        return pieces

    def _covered(self, run: Run) -> list[tuple[FontFile, str]]:
        """``run`` cut by the first face of its chain that has each character."""
        chain = self._chain(run.face)
        parts: list[tuple[FontFile, str]] = []
        for char in run.text:
            file = next((f for f in chain if covers(f, char)), chain[0])
            if parts and (parts[-1][0] == file or unicodedata.category(char)[0] in "ZM"):
                parts[-1] = (parts[-1][0], parts[-1][1] + char)
            else:
                parts.append((file, char))
        return parts

    def _chain(self, face: str) -> list[FontFile]:
        """The faces tried for a run of ``face``: its own (the primary for "latin"), then the
        fallback order; faces not installed are skipped, the run's own face is required."""
        first = self._primary_file if face == "latin" else font_for(face, bold=self._bold)
        rest = (find_font(key, bold=self._bold) for key in FALLBACK_ORDER if key != face)
        return [first, *dict.fromkeys(file for file in rest if file is not None)]

    def draw(
        self,
        draw: ImageDraw.ImageDraw,
        xy: tuple[float, float],
        text: str,
        *,
        anchor: str = "la",
        **options: Any,
    ) -> None:
        """Draw ``text`` at ``xy`` like ``ImageDraw.text`` (``anchor``, ``fill``, ``stroke_*``).

        One run in the primary face is one ``draw.text`` call (the same pixels as before
        scripts were mixed); mixed runs share the primary's baseline, placed right to left
        when the line reads right to left.
        """
        pieces = self.pieces(text)
        if len(pieces) == 1 and pieces[0].font is self.primary or not pieces:
            draw.text(xy, text, font=self.primary, anchor=anchor, **options)
            return
        if len(pieces) == 1:
            draw.text(xy, text, font=pieces[0].font, anchor=anchor, **options)
            return
        x, baseline = self._start(xy, anchor, sum(p.font.getlength(p.text) for p in pieces))
        rtl = is_right_to_left(text)
        if rtl:
            pieces.reverse()
        for piece in pieces:
            # Punctuation between right-to-left runs is laid out right to left too.
            direction = "rtl" if rtl and not _has_left_to_right(piece.text) else None
            draw.text(
                (x, baseline),
                piece.text,
                font=piece.font,
                anchor="ls",
                direction=direction,
                **options,
            )
            x += piece.font.getlength(piece.text)

    def _start(self, xy: tuple[float, float], anchor: str, width: float) -> tuple[float, float]:
        """The left end and baseline of a line ``width`` wide drawn at ``xy`` with ``anchor``."""
        ascent, descent = self.getmetrics()
        x = xy[0] - {"l": 0.0, "m": width / 2, "r": width}.get(anchor[0], 0.0)
        offset = {"a": ascent, "t": ascent, "m": (ascent - descent) / 2, "d": -descent}
        return x, xy[1] + offset.get(anchor[1], 0.0)
