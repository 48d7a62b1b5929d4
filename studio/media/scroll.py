"""The tall page a "scrolling script" video scrolls over: the script's text, block by block.

``parse_blocks`` splits a script into paragraphs, headings and fenced code; ``render_scroll_page``
draws them down one transparent page as wide as the video, white text with a soft dark shadow
so it reads over any background, code on a dark panel in a monospaced font. The page starts
and ends with empty space so the first block can enter low on the screen and the last can
scroll up past the reading line; ``ScrollPage.block_tops`` tells the pipeline where each block
is. The same blocks always give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from studio.errors import InputError
from studio.media.drawing import break_word, rounded_mask, text_font, wrap_text
from studio.media.ffmpeg import atomic_output
from studio.media.scripts import is_right_to_left
from studio.media.typeset import TextFont

#: Block kinds: a paragraph, a heading (drawn larger) and fenced code (kept verbatim).
BLOCK_KINDS = ("text", "heading", "code")
#: The tallest page Studio draws (Pillow and FFmpeg handle it comfortably, in bounded memory).
MAX_PAGE_HEIGHT = 32_000
MAX_PAGE_PIXELS = 64_000_000
#: Fraction of the frame height left empty above the first block.
TOP_PADDING = 0.6

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_HEADING = re.compile(r"^ {0,3}(?P<marks>#{1,6})(?:\s+(?P<text>.*?))?(?:\s+#+)?\s*$")
_LIST_ITEM = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s")
_TEXT = (255, 255, 255)
_CODE_PANEL = (21, 24, 31)
_CODE_TEXT = (228, 232, 240)
_LINE_NUMBER = (112, 120, 136)
_WINDOW_DOTS = ((255, 95, 87), (254, 188, 46), (40, 200, 64))


@dataclass(frozen=True)
class ScrollBlock:
    """One block of a scrolling script.

    Attributes:
        kind: "text" (a paragraph), "heading" or "code" (fenced code, verbatim).
        text: the words; a paragraph keeps line breaks only before list items.
        level: a heading's level as the creator wrote it (``##`` is 2), kept when the scene's
            text is written back.
    """

    kind: str
    text: str
    level: int = 1


@dataclass(frozen=True)
class ScrollPage:
    """A rendered page.

    Attributes:
        path: the RGBA PNG.
        height: its height in pixels (its width is the frame width it was drawn for).
        block_tops: the y of each block's top edge, in block order.
        block_bottoms: the y of each block's bottom edge.
    """

    path: Path
    height: int
    block_tops: list[int]
    block_bottoms: list[int]


def parse_blocks(script: str) -> list[ScrollBlock]:
    """Split ``script`` into blocks: blank-line separated paragraphs, ``#`` headings, fenced code.

    A fence is three or more backticks (or tildes), optionally followed by a language; the code
    up to the closing fence (or the end of the script) becomes one "code" block with its
    indentation kept. Lines inside a paragraph are joined with spaces, except that list items
    ("- ", "* ", "1. ") start a new line. Empty blocks are dropped.
    """
    blocks: list[ScrollBlock] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            text = paragraph[0]
            for line in paragraph[1:]:
                text += ("\n" if _LIST_ITEM.match(line) else " ") + line
            blocks.append(ScrollBlock("text", text))
            paragraph.clear()

    lines = script.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        heading = _HEADING.match(line)
        if fence and not (fence["fence"][0] == "`" and "`" in fence["info"]):
            flush()
            code, i = _fenced_code(lines, i + 1, fence["fence"], len(fence["indent"]))
            if code.strip():
                blocks.append(ScrollBlock("code", code))
            continue
        if heading:
            flush()
            if heading["text"]:
                blocks.append(ScrollBlock("heading", heading["text"], len(heading["marks"])))
        elif line.strip():
            paragraph.append(line.strip())
        else:
            flush()
        i += 1
    flush()
    return blocks


def _fenced_code(lines: list[str], start: int, fence: str, indent: int) -> tuple[str, int]:
    """The code from ``start`` to the closing fence, and the index of the line after it."""
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    code: list[str] = []
    i = start
    while i < len(lines) and not closing.match(lines[i]):
        line = lines[i]
        spaces = len(line) - len(line.lstrip(" "))
        code.append(line[min(indent, spaces) :])
        i += 1
    while code and not code[0].strip():
        code.pop(0)
    while code and not code[-1].strip():
        code.pop()
    return "\n".join(code), i + 1


@dataclass(frozen=True)
class _Geometry:
    """The page's measures for one frame size (``unit`` = pixels per design pixel at 1080p)."""

    width: int
    frame_height: int
    language: str | None = None

    @property
    def unit(self) -> float:
        return min(self.width, self.frame_height) / 1080

    def px(self, design: float) -> int:
        return max(1, round(design * self.unit))

    @property
    def column(self) -> tuple[int, int]:
        """The text column's left edge and width, centred with generous margins."""
        margin = max(self.width * 0.08, self.px(48))
        column_w = round(min(self.width - 2 * margin, self.px(1400)))
        return (self.width - column_w) // 2, column_w


@dataclass(frozen=True)
class _Line:
    """One drawn line: its text at ``indent`` px, a list marker or code line number before it."""

    text: str
    indent: int = 0
    marker: str = ""
    number: int | None = None


@dataclass
class _Laid:
    """A block measured and ready to draw: its lines, font and height."""

    block: ScrollBlock
    font: TextFont
    lines: list[_Line]
    height: int
    top: int = 0


def render_scroll_page(
    blocks: Sequence[ScrollBlock],
    *,
    width: int,
    frame_height: int,
    out: Path,
    language: str | None = None,
) -> ScrollPage:
    """Draw ``blocks`` down a transparent page ``width`` px wide; write an RGBA PNG to ``out``.

    The first block starts ``0.6 * frame_height`` from the top and the page ends one
    ``frame_height`` below the last block, so a scroll can bring every block to the reading
    line. Text is white with a soft dark shadow and outline; headings are larger; code is
    monospaced on a dark rounded panel with line numbers. Any script is drawn (``language``,
    when known, picks the Japanese or Chinese forms of Han); right-to-left paragraphs are
    aligned right. Written atomically.

    Raises:
        InputError: no blocks, an unknown block kind, a frame too small, or a page taller than
            ``MAX_PAGE_HEIGHT`` (the fix says to split the script).
    """
    if not blocks:
        raise InputError(
            "The scrolling script has nothing to show",
            where="scrolling script",
            fix="Write some text for the page",
        )
    unknown = sorted({block.kind for block in blocks} - set(BLOCK_KINDS))
    if unknown:
        raise InputError(
            f"Unknown block kind {unknown[0]!r}",
            where="scrolling script",
            fix=f"Use one of: {', '.join(BLOCK_KINDS)}",
        )
    if min(width, frame_height) < 120:
        raise InputError(
            f"The frame {width}x{frame_height} is too small for a scrolling page",
            where="scrolling script",
            fix="Render at 480p or larger",
        )
    geo = _Geometry(int(width), int(frame_height), language)
    laid = _layout(blocks, geo)
    height = laid[-1].top + laid[-1].height + geo.frame_height
    limit = min(MAX_PAGE_HEIGHT, MAX_PAGE_PIXELS // geo.width)
    if height > limit:
        raise InputError(
            f"This script is too long for one scrolling page ({height} px tall; "
            f"the most Studio draws at this size is {limit} px)",
            where="scrolling script",
            fix="Split the script into two or more videos, or shorten it",
        )
    page = Image.new("RGBA", (geo.width, height), (0, 0, 0, 0))
    for item in laid:
        if item.block.kind == "code":
            _draw_code(page, item, geo)
        else:
            _draw_text(page, item, geo)
    out = Path(out)
    with atomic_output(out) as partial:
        page.save(partial, format="PNG", compress_level=1)
    return ScrollPage(
        out, height, [item.top for item in laid], [item.top + item.height for item in laid]
    )


def _layout(blocks: Sequence[ScrollBlock], geo: _Geometry) -> list[_Laid]:
    """Every block's lines and height, stacked from the top padding down."""
    _left, column_w = geo.column
    body = text_font(geo.px(54), language=geo.language)
    heading = text_font(geo.px(76), bold=True, language=geo.language)
    laid: list[_Laid] = []
    y = round(geo.frame_height * TOP_PADDING)
    for i, block in enumerate(blocks):
        if block.kind == "code":
            item = _layout_code(block, geo)
        else:
            font = heading if block.kind == "heading" else body
            lines = _wrap_block(block.text.strip(), font, column_w)
            item = _Laid(block, font, lines, _text_height(font, len(lines)))
        if i > 0:
            y += _gap(blocks[i - 1].kind, block.kind, geo)
        item.top = y
        laid.append(item)
        y += item.height
    return laid


def _wrap_block(text: str, font: TextFont, width: int) -> list[_Line]:
    """A paragraph's lines; list items get a bullet (or their number) and a hanging indent."""
    lines: list[_Line] = []
    for source in text.split("\n"):
        item = _LIST_ITEM.match(source)
        if item is None:
            lines.extend(_Line(line) for line in wrap_text(source, font, width))
            continue
        marker = item[0].strip()
        marker = marker if marker[0].isdigit() else "•"
        indent = round(max(font.getlength(marker), font.getlength("•")) + font.size * 0.5)
        wrapped = wrap_text(source[item.end() :].strip(), font, width - indent)
        lines.append(_Line(wrapped[0], indent, marker))
        lines.extend(_Line(line, indent) for line in wrapped[1:])
    return lines


def _gap(before: str, after: str, geo: _Geometry) -> int:
    if after == "heading":
        return geo.px(100)
    if before == "heading":
        return geo.px(40)
    if "code" in (before, after):
        return geo.px(64)
    return geo.px(48)


def _line_height(font: TextFont) -> int:
    return round(font.size * 1.3)


def _text_height(font: TextFont, lines: int) -> int:
    ascent, descent = font.getmetrics()
    return (lines - 1) * _line_height(font) + ascent + descent


def _draw_text(page: Image.Image, item: _Laid, geo: _Geometry) -> None:
    """White text over a blurred dark shadow and a thin dark outline, drawn as masks."""
    left, column_w = geo.column
    outline = max(1, geo.px(3))
    blur = geo.px(7)
    drop = geo.px(3)
    margin = outline + 3 * blur + drop
    size = (column_w + 2 * margin, item.height + 2 * margin)
    glyphs = Image.new("L", size, 0)
    stroked = Image.new("L", size, 0)
    draw_glyphs, draw_stroked = ImageDraw.Draw(glyphs), ImageDraw.Draw(stroked)
    line_h = _line_height(item.font)
    rtl = is_right_to_left(item.block.text)
    for i, line in enumerate(item.lines):
        y = margin + i * line_h
        for x, text in ((margin, line.marker), (margin + line.indent, line.text)):
            if not text:
                continue
            at, anchor = ((size[0] - x, y), "ra") if rtl else ((x, y), "la")
            item.font.draw(draw_glyphs, at, text, fill=255, anchor=anchor)
            item.font.draw(
                draw_stroked,
                at,
                text,
                fill=255,
                anchor=anchor,
                stroke_width=outline,
                stroke_fill=255,
            )
    shadow = Image.new("L", size, 0)
    shadow.paste(stroked, (0, drop))
    shadow = shadow.filter(ImageFilter.GaussianBlur(blur))
    layer = _solid(size, (0, 0, 0), shadow, 0.8)
    layer.alpha_composite(_solid(size, (0, 0, 0), stroked, 0.7))
    layer.alpha_composite(_solid(size, _TEXT, glyphs, 1.0))
    page.alpha_composite(layer, dest=(left - margin, item.top - margin))


def _solid(
    size: tuple[int, int], colour: tuple[int, int, int], mask: Image.Image, opacity: float
) -> Image.Image:
    """A layer of one colour whose alpha is ``mask`` times ``opacity``."""
    layer = Image.new("RGBA", size, colour)
    if opacity < 1.0:
        mask = mask.point(lambda value: round(value * opacity))
    layer.putalpha(mask)
    return layer


def _code_metrics(geo: _Geometry) -> tuple[int, int, int]:
    """The code panel's padding, window-bar height and gap between line numbers and code."""
    return geo.px(40), geo.px(56), geo.px(28)


def _layout_code(block: ScrollBlock, geo: _Geometry) -> _Laid:
    """Code lines in the largest mono size (34 down to 24 design px) that fits the panel;
    lines still too long are broken, the continuation without a line number."""
    _left, column_w = geo.column
    pad, bar, gutter_gap = _code_metrics(geo)
    source = block.text.expandtabs(4).split("\n")
    digits = len(str(len(source)))
    longest = max(len(line) for line in source)
    size = geo.px(34)
    while True:
        font = text_font(size, mono=True, language=geo.language)
        advance = font.getlength("M")
        text_w = column_w - 2 * pad - (digits * advance + gutter_gap)
        if longest * advance <= text_w or size <= geo.px(24):
            break
        size -= 1
    lines: list[_Line] = []
    for number, source_line in enumerate(source, start=1):
        rest = source_line.rstrip()
        hang = " " * (len(rest) - len(rest.lstrip()) + 2)  # continuations indent a little more
        shown: int | None = number
        while len(rest) > len(hang) + 1 and font.getlength(rest) > text_w:
            head, tail = break_word(rest, font, text_w, hyphen=False)
            space = head.rfind(" ")
            if space > len(hang):  # break at a space when there is one
                head, tail = head[:space], head[space + 1 :] + tail
            lines.append(_Line(head, number=shown))
            rest = hang + tail
            shown = None  # the continuation of a long line has no number
        lines.append(_Line(rest, number=shown))
    height = 2 * pad + bar + (len(lines) - 1) * _code_line_height(font) + sum(font.getmetrics())
    return _Laid(block, font, lines, height)


def _code_line_height(font: TextFont) -> int:
    return round(font.size * 1.45)


def _draw_code(page: Image.Image, item: _Laid, geo: _Geometry) -> None:
    """A dark rounded panel with a faint border, window dots, line numbers and the code."""
    left, column_w = geo.column
    pad, bar, gutter_gap = _code_metrics(geo)
    size = (column_w, item.height)
    radius = geo.px(28)
    shape = np.asarray(rounded_mask(size, radius), dtype=np.float32)
    inset = max(1, geo.px(2))
    inner = np.zeros_like(shape)
    inner[inset:-inset, inset:-inset] = np.asarray(
        rounded_mask((size[0] - 2 * inset, size[1] - 2 * inset), radius - inset), dtype=np.float32
    )
    panel = Image.new("RGBA", size, _CODE_PANEL)
    panel.putalpha(Image.fromarray(np.rint(inner * 0.96).astype(np.uint8)))
    border = _solid(
        size,
        (255, 255, 255),
        Image.fromarray(np.rint(np.clip(shape - inner, 0, 255)).astype(np.uint8)),
        0.22,
    )
    panel.alpha_composite(border)
    dot = geo.px(18)
    for i, colour in enumerate(_WINDOW_DOTS):
        x, y = pad + i * (dot + geo.px(12)), pad + (bar - dot) // 2 - geo.px(14)
        panel.paste(
            Image.new("RGBA", (dot, dot), (*colour, 255)), (x, y), rounded_mask((dot, dot), dot / 2)
        )
    draw = ImageDraw.Draw(panel)
    digits = len(str(max((line.number or 1) for line in item.lines)))
    advance = item.font.getlength("M")
    code_x = pad + digits * advance + gutter_gap
    line_h = _code_line_height(item.font)
    for i, line in enumerate(item.lines):
        y = pad + bar + i * line_h
        if line.number is not None:
            item.font.draw(
                draw, (pad + digits * advance, y), str(line.number), fill=_LINE_NUMBER, anchor="ra"
            )
        item.font.draw(draw, (code_x, y), line.text, fill=_CODE_TEXT, anchor="la")
    page.alpha_composite(panel, dest=(left, item.top))
