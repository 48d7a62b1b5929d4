"""Slides: the right size, deterministic, readable, atomic, with or without a photo."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import InputError
from studio.media.slides import make_slide
from tests.media.support import write_picture


@pytest.mark.parametrize("size", [(1280, 720), (720, 1280), (720, 720)])
def test_slide_size_and_format(tmp_path: Path, size: tuple[int, int]) -> None:
    out = make_slide("How bees make honey", ["nectar", "enzymes"], size, tmp_path / "s.png", seed=1)
    with Image.open(out) as img:
        assert img.format == "PNG" and img.size == size and img.mode == "RGB"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.png"]


def test_slide_is_deterministic_and_seeded(tmp_path: Path) -> None:
    def pixels(name: str, seed: int, title: str = "Same title") -> np.ndarray:
        path = make_slide(title, ["a"], (320, 180), tmp_path / name, seed=seed)
        return np.asarray(Image.open(path), dtype=np.int16)

    assert np.array_equal(pixels("a.png", 1), pixels("b.png", 1))
    others = [pixels(f"c{seed}.png", seed) for seed in range(2, 8)]
    assert any(np.abs(o - pixels("a.png", 1)).mean() > 5 for o in others)


def test_title_is_drawn_in_white_centre(tmp_path: Path) -> None:
    plain = np.asarray(Image.open(make_slide("", [], (640, 360), tmp_path / "p.png", seed=3)))
    titled = np.asarray(Image.open(make_slide("Honey", [], (640, 360), tmp_path / "t.png", seed=3)))
    centre = (slice(120, 240), slice(160, 480))
    assert (titled[centre] > 240).all(axis=-1).sum() > 500
    assert (plain[centre] > 240).all(axis=-1).sum() == 0


def test_long_title_and_keywords_fit(tmp_path: Path) -> None:
    title = "An extraordinarily long title " * 6 + "Pneumonoultramicroscopicsilicovolcanoconiosis"
    keywords = [f"keyword number {i} that is long" for i in range(8)]
    out = make_slide(title, keywords, (720, 1280), tmp_path / "long.png", seed=9)
    with Image.open(out) as img:
        assert img.size == (720, 1280)


def test_background_photo(tmp_path: Path) -> None:
    photo = write_picture(tmp_path / "photo.jpg", (1024, 768))
    out = make_slide(
        "Over a photo", ["blur"], (640, 360), tmp_path / "bg.png", background=photo, seed=1
    )
    pixels = np.asarray(Image.open(out), dtype=np.float32)
    assert pixels.shape == (360, 640, 3)
    assert pixels.mean() < 160  # darkened so white text reads


def test_unreadable_background(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jpg"
    bad.write_text("not a picture")
    with pytest.raises(InputError):
        make_slide("x", [], (320, 180), tmp_path / "s.png", background=bad)
    assert not (tmp_path / "s.png").exists()


@pytest.mark.parametrize("size", [(720, 1280), (1280, 720)])
def test_a_french_title_keeps_its_words_and_marks_whole(size: tuple[int, int]) -> None:
    """ "bibliothèque ?" is one unit (the space is French's, before the mark): the title shrinks
    until it fits a line rather than leave "?" alone on a line or break the word by letters."""
    from studio.media.slides import _TITLE_BOX, _fit_title

    width, height = size
    box_w, box_h = _TITLE_BOX["tall" if height > width else "wide"]
    _, lines = _fit_title("Où est la bibliothèque ?", box_w * width, box_h * height,
                          min(size), "fr")  # fmt: skip
    assert lines and lines[-1].endswith("bibliothèque ?")
    assert not any(line.endswith("-") or line == "?" for line in lines)
