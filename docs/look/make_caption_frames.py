"""Frames of the caption looks for the README: ``python docs/look/make_caption_frames.py``.

Each is one frame drawn by the render's own libass path (``studio.media.caption_preview``) at
720p over a made-up city-at-dusk picture, saved as docs/look/caption-<name>.png (halved).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.media.caption_preview import caption_frame, sample_cues  # noqa: E402
from studio.media.settings import RenderSettings  # noqa: E402

HERE = Path(__file__).resolve().parent
TEXT = "Cities glow at night because every street light shines up"
LOOKS: dict[str, tuple[str, str, dict[str, object]]] = {
    "clean": ("16:9", "clean", {}),
    "bold": ("16:9", "bold", {}),
    "boxed": ("16:9", "boxed", {}),
    "custom": (
        "16:9",
        "clean",
        {
            "font": "League Spartan",
            "bold": True,
            "size": 8.0,
            "colour": "#FFFFFF",
            "outline": 0.8,
            "position": "middle",
            "max_words": 4,
            "lines": 2,
            "upper": True,
        },
    ),
    "word-highlight": (
        "9:16",
        "bold",
        {
            "font": "Bebas Neue",
            "size": 11.0,
            "max_words": 3,
            "highlight": "word",
            "highlight_colour": "#39E75F",
            "colour": "#FFFFFF",
        },
    ),
    "karaoke": (
        "16:9",
        "boxed",
        {
            "font": "Open Sans",
            "bold": True,
            "highlight": "karaoke",
            "highlight_colour": "#FFD400",
            "position": "top",
        },
    ),
}


def backdrop(path: Path, size: tuple[int, int]) -> Path:
    """A city skyline at dusk: a sky gradient and dark towers with lit windows."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)], fill=(int(40 + 150 * t), int(50 + 60 * t), int(110 - 40 * t))
        )
    x, seed = 0, 7
    while x < width:
        seed = (seed * 1103515245 + 12345) % 2**31
        w = width // 14 + seed % (width // 10)
        h = height // 4 + seed % (height // 2)
        draw.rectangle([x, height - h, x + w, height], fill=(18, 20, 30))
        for wy in range(height - h + 12, height - 8, 22):
            for wx in range(x + 8, x + w - 8, 18):
                if (wx * 7 + wy * 3 + seed) % 5 == 0:
                    draw.rectangle([wx, wy, wx + 7, wy + 10], fill=(250, 210, 120))
        x += w + 4
    image.save(path)
    return path


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, (aspect, style, caption) in LOOKS.items():
            settings = RenderSettings(
                aspect=aspect, resolution="720p", caption_style=style, caption=caption
            )
            picture = backdrop(
                Path(folder) / f"{aspect.replace(':', 'x')}.png", (settings.width, settings.height)
            )
            cues = sample_cues(TEXT, settings, seconds=4.0)
            first = cues[0]
            at = first.words[1].start + 0.05 if len(first.words) > 1 else first.start + 0.1
            frame = caption_frame(
                settings, Path(folder) / f"{name}.png", picture=picture, cues=cues, at=at
            )
            image = Image.open(frame).convert("RGB")
            image = image.resize((image.width // 2, image.height // 2), Image.Resampling.LANCZOS)
            image.save(HERE / f"caption-{name}.png", optimize=True)
            print(HERE / f"caption-{name}.png")


if __name__ == "__main__":
    main()
