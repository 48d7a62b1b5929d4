"""Title slides: a scene's title and keywords on a calm gradient or a blurred photo.

Slides are the visual of last resort, so they must always work and always look composed: the
palette comes deterministically from the seed and title (the same scene gets the same slide),
the title is wrapped and sized to fit, and keywords sit beneath it as chips.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from studio.errors import InputError
from studio.media.drawing import joined, text_font
from studio.media.ffmpeg import atomic_output
from studio.media.scripts import is_right_to_left, text_units
from studio.media.typeset import TextFont

#: Dark, quiet gradients (start, end) on which white text reads well.
PALETTES: tuple[tuple[str, str], ...] = (
    ("#0f2027", "#2c5364"),
    ("#1f1c2c", "#6c6691"),
    ("#141e30", "#35577d"),
    ("#232526", "#4f5356"),
    ("#3a1c71", "#a8536a"),
    ("#16222a", "#3a6073"),
    ("#1e3c72", "#2a5298"),
    ("#134e5e", "#4f8a66"),
    ("#4b134f", "#a63d4a"),
    ("#2c3e50", "#3f8794"),
    ("#42275a", "#734b6d"),
    ("#0b3d3a", "#2f6f5e"),
)
MAX_KEYWORDS = 5
_TITLE_BOX = {"wide": (0.84, 0.46), "tall": (0.86, 0.36)}  # of the frame (width, height)


def make_slide(
    title: str,
    keywords: Sequence[str],
    size: tuple[int, int],
    out_path: Path,
    *,
    background: Path | None = None,
    seed: int | str | None = 0,
    palette: int | None = None,
    language: str | None = None,
) -> Path:
    """Draw a slide of ``size`` (w, h) and write it to ``out_path`` as PNG (atomically).

    With ``background``, the picture is cover-cropped, blurred and darkened behind the text;
    otherwise a diagonal gradient from a palette chosen by ``seed`` and ``title`` is used, or
    ``PALETTES[palette % len(PALETTES)]`` when ``palette`` is given (neighbours in the list
    look clearly different, so slides numbered in turn never repeat a look). Any script is
    drawn (``language``, when known, picks the Japanese or Chinese forms of Han characters).

    Raises:
        InputError: ``background`` can't be read as a picture.
    """
    width, height = int(size[0]), int(size[1])
    digest = hashlib.sha256(f"{seed}|{title}".encode()).digest()
    start, end = PALETTES[(digest[0] if palette is None else palette) % len(PALETTES)]
    rng = np.random.default_rng(int.from_bytes(digest[1:9], "little"))
    if background is not None:
        base = _photo_backdrop(Path(background), (width, height), start)
    else:
        base = _gradient((width, height), _rgb(start), _rgb(end), rng)
    canvas = base.convert("RGBA")
    accent = _lighten(_rgb(end), 0.55)
    words = [k.strip() for k in keywords if k.strip()]
    _draw_content(canvas, title.strip(), words, accent, language)
    out_path = Path(out_path)
    with atomic_output(out_path) as partial:
        canvas.convert("RGB").save(partial, format="PNG", compress_level=1)
    return out_path


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _lighten(colour: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    r, g, b = (round(c + (255 - c) * amount) for c in colour)
    return r, g, b


def _gradient(
    size: tuple[int, int],
    start: tuple[int, int, int],
    end: tuple[int, int, int],
    rng: np.random.Generator,
) -> Image.Image:
    """A diagonal gradient with a soft glow and vignette, dithered so it doesn't band.

    The smooth field is computed at a quarter of the size and enlarged (it has no detail to
    lose); only the dither is drawn at full size.
    """
    width, height = size
    sw, sh = max(2, width // 4), max(2, height // 4)
    y, x = np.mgrid[0:sh, 0:sw].astype(np.float32)
    x /= sw - 1
    y /= sh - 1
    t = ((x + y) / 2)[..., None]
    colour = np.array(start, np.float32) * (1 - t) + np.array(end, np.float32) * t
    glow = np.clip(1.0 - np.hypot(x - 0.3, y - 0.25) / 0.8, 0.0, 1.0) ** 2 * 18.0
    vignette = 1.0 - 0.28 * (np.hypot(x - 0.5, y - 0.5) / 0.7071) ** 2
    colour = (colour + glow[..., None]) * vignette[..., None]
    channels = []
    for c in range(3):
        plane = Image.fromarray(np.ascontiguousarray(colour[..., c], dtype=np.float32))
        big = np.asarray(plane.resize((width, height), Image.Resampling.BILINEAR))
        noise = rng.random((height, width), dtype=np.float32) - 0.5
        channels.append(np.clip(np.rint(big + noise), 0, 255).astype(np.uint8))
    return Image.fromarray(np.dstack(channels))


def _photo_backdrop(path: Path, size: tuple[int, int], tint: str) -> Image.Image:
    """``path`` cover-cropped to ``size``, blurred and darkened (blurred small, then enlarged)."""
    width, height = size
    small = (max(16, width // 4), max(16, height // 4))
    try:
        with Image.open(path) as img:
            img.draft("RGB", small)
            photo = ImageOps.exif_transpose(img).convert("RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise InputError(
            "The slide's background picture can't be read",
            where=str(path),
            fix="Choose another picture",
        ) from exc
    photo = ImageOps.fit(photo, small, Image.Resampling.BICUBIC)
    photo = photo.filter(ImageFilter.GaussianBlur(radius=max(2.0, small[0] * 0.012)))
    photo = photo.resize(size, Image.Resampling.BICUBIC)
    shade = Image.new("RGB", size, _rgb(tint))
    return Image.blend(photo, shade, 0.55)


def _draw_content(
    canvas: Image.Image, title: str, keywords: list[str], accent: tuple, language: str | None
) -> None:
    width, height = canvas.size
    short = min(width, height)
    box_w, box_h = _TITLE_BOX["tall" if height > width else "wide"]
    max_w, max_h = box_w * width, box_h * height
    font, lines = _fit_title(title, max_w, max_h, short, language)
    line_h = font.size * 1.18
    # Faces that reach lower than DejaVu (Arabic, Devanagari) keep clear of the accent bar.
    below = font.metrics_for(title)[1] - font.getmetrics()[1]
    chips = _chip_rows(keywords[:MAX_KEYWORDS], max_w, short, language)
    chip_font = chips[0] if chips else None
    chip_rows: list[list[tuple[str, float]]] = chips[1] if chips else []
    chip_h = chip_font.size * 2.0 if chip_font else 0.0
    gap = short * 0.05
    bar_h = max(3.0, short * 0.008)
    block = len(lines) * line_h + gap * 0.6 + below + bar_h
    if chip_rows:
        block += gap + len(chip_rows) * chip_h + (len(chip_rows) - 1) * chip_h * 0.3
    top = (height - block) / 2

    shadow = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    text_layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw_s, draw_t = ImageDraw.Draw(shadow), ImageDraw.Draw(text_layer)
    offset = max(1.0, short * 0.004)
    y = top
    for line in lines:
        line_w = font.getlength(line)
        x = (width - line_w) / 2
        font.draw(draw_s, (x + offset, y + offset), line, fill=(0, 0, 0, 150))
        font.draw(draw_t, (x, y), line, fill=(255, 255, 255, 255))
        y += line_h
    y += gap * 0.6 + below
    bar_w = width * 0.1
    draw_t.rounded_rectangle(
        ((width - bar_w) / 2, y, (width + bar_w) / 2, y + bar_h),
        radius=bar_h / 2,
        fill=(*accent, 255),
    )
    y += bar_h + gap
    if chip_font is not None:
        _draw_chips(draw_t, chip_rows, chip_font, y, width, chip_h)
    radius = max(1.0, short * 0.006)
    box = shadow.getbbox()
    if box is not None:  # blur only around the text: a full-frame blur costs 0.1 s
        margin = int(radius * 3) + 1
        box = (
            max(0, box[0] - margin),
            max(0, box[1] - margin),
            min(width, box[2] + margin),
            min(height, box[3] + margin),
        )
        blurred = shadow.crop(box).filter(ImageFilter.GaussianBlur(radius=radius))
        canvas.alpha_composite(blurred, dest=box[:2])
    canvas.alpha_composite(text_layer)


#: The smallest title size (of the frame's short side) that still keeps every word whole.
WHOLE_WORDS_DOWN_TO = 0.07


def _fit_title(
    title: str, max_w: float, max_h: float, short: int, language: str | None = None
) -> tuple[TextFont, list[str]]:
    """The largest bold font (and wrapped lines) that fits the title box, at most 5 lines.

    Down to ``WHOLE_WORDS_DOWN_TO`` of the short side a size fits only if no word (with a mark
    set off by a space, French "bibliothèque ?") is wider than a line: the title shrinks a
    little rather than break a word by letters.
    """
    size = short * 0.11
    smallest = short * 0.04
    while True:
        font = text_font(max(8, round(size)), bold=True, language=language)
        lines = _wrap(title, font, max_w) if title else []
        fits = len(lines) * font.size * 1.18 <= max_h and len(lines) <= 5
        if fits and size > short * WHOLE_WORDS_DOWN_TO:
            fits = all(font.getlength(unit.text) <= max_w for unit in text_units(title))
        if fits or size <= smallest:
            return font, lines[:5]
        size *= 0.92


def _wrap(text: str, font: TextFont, max_w: float) -> list[str]:
    """Greedy wrap by measured width, between words (between characters in Chinese and
    Japanese, ``text_units``); a word wider than a line is broken by letters."""
    lines: list[str] = []
    current = ""
    for unit in text_units(text):
        candidate = joined(current, unit)
        if font.getlength(candidate) <= max_w:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = unit.text
        while font.getlength(current) > max_w and len(current) > 1:
            cut = len(current) - 1
            while cut > 1 and font.getlength(current[:cut] + "-") > max_w:
                cut -= 1
            lines.append(current[:cut] + "-")
            current = current[cut:]
    if current:
        lines.append(current)
    return lines


def _chip_rows(
    keywords: list[str], max_w: float, short: int, language: str | None = None
) -> tuple[TextFont, list[list[tuple[str, float]]]] | None:
    """Keywords laid out in at most two centred rows; those that don't fit are left out."""
    if not keywords:
        return None
    font = text_font(max(8, round(short * 0.034)), language=language)
    pad = font.size * 0.9
    space = font.size * 0.6
    rows: list[list[tuple[str, float]]] = [[]]
    used = 0.0
    for keyword in keywords:
        label = (
            keyword
            if font.getlength(keyword) + 2 * pad <= max_w
            else _ellipsize(keyword, font, max_w - 2 * pad)
        )
        chip_w = font.getlength(label) + 2 * pad
        needed = chip_w + (space if rows[-1] else 0)
        if used + needed > max_w:
            if len(rows) == 2:
                break
            rows.append([])
            used, needed = 0.0, chip_w
        rows[-1].append((label, chip_w))
        used += needed
    if is_right_to_left(keywords[0]):  # the first keyword on the right
        rows = [row[::-1] for row in rows]
    return font, [row for row in rows if row]


def _ellipsize(text: str, font: TextFont, max_w: float) -> str:
    while len(text) > 1 and font.getlength(text + "…") > max_w:
        text = text[:-1]
    return text + "…"


def _draw_chips(
    draw: ImageDraw.ImageDraw,
    rows: list[list[tuple[str, float]]],
    font: TextFont,
    top: float,
    width: int,
    chip_h: float,
) -> None:
    pad = font.size * 0.9
    space = font.size * 0.6
    y = top
    for row in rows:
        total = sum(w for _, w in row) + space * (len(row) - 1)
        x = (width - total) / 2
        for label, chip_w in row:
            draw.rounded_rectangle(
                (x, y, x + chip_w, y + chip_h),
                radius=chip_h / 2,
                fill=(255, 255, 255, 46),
                outline=(255, 255, 255, 110),
                width=max(1, round(font.size * 0.06)),
            )
            font.draw(
                draw, (x + pad, y + chip_h / 2), label, fill=(255, 255, 255, 240), anchor="lm"
            )
            x += chip_w + space
        y += chip_h * 1.3
