"""Thumbnail pictures of a finished video: frames sampled in one FFmpeg call, drawn with Pillow.

``sample_frames`` seeks to each moment asked for (to the keyframe at or before it, which is
nearly free) and hands every frame back already scaled to the thumbnail's size; the variants
(a bold title card, the frame with a title band) are then drawn in memory and saved as JPEG.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from studio.errors import MediaError
from studio.media.drawing import text_font
from studio.media.ffmpeg import atomic_output, run_ffmpeg
from studio.media.slides import _wrap as wrap_words
from studio.media.typeset import TextFont
from studio.progress import CancelToken

#: A thumbnail's short side: 1280x720 for a landscape video, as video sites recommend.
SHORT_SIDE = 720
JPEG_QUALITY = 88
#: Title text and the accent bar under it.
TEXT_COLOUR = (255, 255, 255)
ACCENT = (255, 210, 63)
#: The title band: its colour, opacity, and the bottom share of the frame it always covers
#: (where captions are burned in: see ``captions``' bottom margins).
BAND_COLOUR = (6, 8, 14)
BAND_ALPHA = 255
CAPTION_ZONE = {"wide": 0.24, "tall": 0.36}


def thumbnail_size(width: int, height: int) -> tuple[int, int]:
    """The thumbnail size for a ``width`` x ``height`` video: short side 720, same aspect."""
    if width <= 0 or height <= 0:
        raise ValueError(f"not a frame size: {width}x{height}")
    scale = SHORT_SIDE / min(width, height)
    return _even(width * scale), _even(height * scale)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def sample_frames(
    video: Path,
    times: Sequence[float],
    size: tuple[int, int],
    *,
    cancel: CancelToken | None = None,
) -> list[Image.Image]:
    """The frames of ``video`` at ``times`` (seconds; the keyframe at or before each), as RGB
    pictures of ``size``, from one FFmpeg run.

    Raises:
        MediaError: FFmpeg failed or returned fewer frames than asked for.
        Cancelled: ``cancel`` fired.
    """
    return sample_frames_at([(Path(video), moment) for moment in times], size, cancel=cancel)


def sample_frames_at(
    sources: Sequence[tuple[Path, float]],
    size: tuple[int, int],
    *,
    cancel: CancelToken | None = None,
) -> list[Image.Image]:
    """The frame of each ``(video, seconds)`` (the keyframe at or before it), as RGB pictures
    of ``size``, from one FFmpeg run (the videos may differ: a render's segments).

    Raises:
        MediaError: FFmpeg failed or returned fewer frames than asked for.
        Cancelled: ``cancel`` fired.
    """
    if not sources:
        return []
    video = sources[0][0]
    times = [moment for _, moment in sources]
    width, height = size
    inputs: list[str] = []
    chains: list[str] = []
    for index, (source, moment) in enumerate(sources):
        inputs += ["-noaccurate_seek", "-ss", f"{max(0.0, moment):.3f}", "-i", str(source)]
        chains.append(
            f"[{index}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS,"
            f"scale={width}:{height}:force_original_aspect_ratio=increase:flags=bicubic,"
            f"crop={width}:{height},setsar=1,format=rgb24[f{index}]"
        )
    frame_bytes = width * height * 3
    with tempfile.TemporaryDirectory(prefix="studio-frames-") as work:
        raws = [Path(work) / f"frame-{index}.rgb" for index in range(len(times))]
        outputs: list[str] = []
        for index, raw in enumerate(raws):
            outputs += ["-map", f"[f{index}]", "-frames:v", "1", "-f", "rawvideo", str(raw)]
        run_ffmpeg(
            [*inputs, "-filter_complex", ";".join(chains), *outputs],
            duration=None,
            progress=None,
            cancel=cancel,
            stage="Sampling frames for thumbnails",
            where=str(video),
        )
        data = [raw.read_bytes() if raw.is_file() else b"" for raw in raws]
    missing = sum(len(frame) < frame_bytes for frame in data)
    if missing:
        raise MediaError(
            f"FFmpeg returned {len(times) - missing} of {len(times)} frames",
            where=str(video),
            fix="Render the video again",
        )
    return [Image.frombytes("RGB", size, frame[:frame_bytes]) for frame in data]


def colourfulness(image: Image.Image) -> float:
    """Hasler and Süsstrunk's colourfulness (2003): spread and strength of the opponent
    colours red-green and yellow-blue. About 0 for grey, 30-60 for ordinary footage, more
    than 100 for vivid pictures."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)[::4, ::4]
    red, green, blue = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    rg = red - green
    yb = 0.5 * (red + green) - blue
    spread = np.hypot(rg.std(), yb.std())
    strength = np.hypot(rg.mean(), yb.mean())
    return float(spread + 0.3 * strength)


def most_colourful(frames: Sequence[Image.Image]) -> int:
    """The index of the most colourful of ``frames`` (the first of equals)."""
    if not frames:
        raise ValueError("no frames to choose from")
    scores = [colourfulness(frame) for frame in frames]
    return scores.index(max(scores))


def title_card(background: Image.Image, title: str) -> Image.Image:
    """``title`` large and bold over ``background``, blurred and darkened behind it."""
    width, height = background.size
    short = min(width, height)
    small = background.resize(
        (max(16, width // 4), max(16, height // 4)), Image.Resampling.BILINEAR
    )
    small = small.filter(ImageFilter.GaussianBlur(radius=max(3.0, small.width * 0.03)))
    card = Image.blend(
        small.resize((width, height), Image.Resampling.BICUBIC),
        Image.new("RGB", (width, height), (8, 10, 16)),
        0.55,
    ).convert("RGBA")
    max_lines = 4 if height > width else 3
    font, lines = _fit(title, width * 0.86, height * 0.62, short * 0.19, short * 0.07, max_lines)
    line_h = font.size * 1.12
    bar_h = max(4.0, short * 0.014)
    gap = short * 0.045
    top = (height - (len(lines) * line_h + gap + bar_h)) / 2
    draw = ImageDraw.Draw(card)
    stroke = max(2, round(font.size * 0.045))
    for number, line in enumerate(lines):
        font.draw(
            draw,
            (width / 2, top + number * line_h),
            line,
            fill=TEXT_COLOUR,
            anchor="ma",
            stroke_width=stroke,
            stroke_fill=(0, 0, 0),
        )
    bar_top = top + len(lines) * line_h + gap
    bar_w = width * 0.16
    draw.rounded_rectangle(
        ((width - bar_w) / 2, bar_top, (width + bar_w) / 2, bar_top + bar_h),
        radius=bar_h / 2,
        fill=ACCENT,
    )
    return card.convert("RGB")


def title_band(frame: Image.Image, title: str) -> Image.Image:
    """``frame`` with ``title`` in a dark band over its lower part.

    The band is opaque over the bottom ``CAPTION_ZONE`` of the frame, where burned-in captions
    sit (up to 23 % of the height in vertical video), and fades out above it.
    """
    width, height = frame.size
    short = min(width, height)
    tall = height > width
    zone = CAPTION_ZONE["tall" if tall else "wide"] * height
    largest = short * (0.12 if tall else 0.1)
    font, lines = _fit(title, width * 0.9, height * 0.3, largest, short * 0.05, 3 if tall else 2)
    line_h = font.size * 1.15
    solid_h = max(zone, len(lines) * line_h + font.size * 1.4)
    solid_top = height - solid_h
    fade_top = max(0.0, solid_top - height * 0.12)
    rows = np.arange(height, dtype=np.float32)
    alpha = np.clip((rows - fade_top) / max(1.0, solid_top - fade_top), 0.0, 1.0) * BAND_ALPHA
    shade = np.zeros((height, width, 4), np.uint8)
    shade[..., :3] = BAND_COLOUR
    shade[..., 3] = np.rint(alpha)[:, None].astype(np.uint8)
    out = frame.convert("RGBA")
    out.alpha_composite(Image.fromarray(shade))
    draw = ImageDraw.Draw(out)
    text_top = solid_top + (solid_h - len(lines) * line_h) / 2
    bar_w, bar_h = width * 0.08, max(3.0, short * 0.01)
    bar_top = text_top - bar_h - font.size * 0.25
    draw.rounded_rectangle(
        ((width - bar_w) / 2, bar_top, (width + bar_w) / 2, bar_top + bar_h),
        radius=bar_h / 2,
        fill=(*ACCENT, 255),
    )
    for number, line in enumerate(lines):
        font.draw(
            draw,
            (width / 2, text_top + number * line_h),
            line,
            fill=(*TEXT_COLOUR, 255),
            anchor="ma",
        )
    return out.convert("RGB")


def save_jpeg(image: Image.Image, path: Path) -> Path:
    """Write ``image`` to ``path`` as JPEG, atomically; return ``path``."""
    with atomic_output(Path(path)) as partial:
        image.convert("RGB").save(partial, format="JPEG", quality=JPEG_QUALITY)
    return Path(path)


def _fit(
    text: str, max_w: float, max_h: float, largest: float, smallest: float, max_lines: int
) -> tuple[TextFont, list[str]]:
    """The largest bold font (and its wrapped lines) that fits ``text`` in the box."""
    size = largest
    while True:
        font = text_font(max(8, round(size)), bold=True)
        lines = wrap_words(" ".join(text.split()), font, max_w)
        fits = len(lines) <= max_lines and len(lines) * font.size * 1.15 <= max_h
        if fits or size <= smallest:
            if len(lines) > max_lines:
                lines = lines[:max_lines]
                lines[-1] = lines[-1].rstrip(" ,;:-") + "…"
            return font, lines
        size *= 0.92
