"""RenderSettings: frame sizes, validation, JSON round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import InputError
from studio.media.settings import RenderSettings


@pytest.mark.parametrize(
    ("aspect", "resolution", "size"),
    [
        ("16:9", "720p", (1280, 720)),
        ("9:16", "720p", (720, 1280)),
        ("1:1", "720p", (720, 720)),
        ("16:9", "1080p", (1920, 1080)),
        ("9:16", "1080p", (1080, 1920)),
        ("1:1", "1080p", (1080, 1080)),
    ],
)
def test_frame_size(aspect: str, resolution: str, size: tuple[int, int]) -> None:
    settings = RenderSettings(aspect=aspect, resolution=resolution)
    assert (settings.width, settings.height) == size


def test_defaults() -> None:
    settings = RenderSettings()
    assert (settings.aspect, settings.resolution, settings.fps) == ("16:9", "1080p", 30)
    assert settings.captions and settings.caption_style == "clean"
    assert settings.music_path is None and settings.music_volume == 0.25
    assert settings.samples_per_frame == 1600


def test_json_round_trip(tmp_path: Path) -> None:
    settings = RenderSettings(aspect="9:16", resolution="720p", fps=25, captions=False,
                              caption_style="boxed", music_path=tmp_path / "song.mp3",
                              music_volume=0.5)
    data = settings.to_json()
    assert data["music_path"] == str(tmp_path / "song.mp3")
    assert RenderSettings.from_json(data) == settings
    assert RenderSettings.from_json({}) == RenderSettings()
    assert RenderSettings.from_json(None) == RenderSettings()
    assert RenderSettings.from_json({"unknown": 1, "fps": 30.0}).fps == 30


@pytest.mark.parametrize(
    "data",
    [
        {"aspect": "4:3"},
        {"resolution": "4k"},
        {"fps": 29.97},
        {"fps": 0},
        {"fps": True},
        {"caption_style": "comic"},
        {"captions": "yes"},
        {"music_volume": 1.5},
        {"music_volume": -0.1},
        {"music_volume": "loud"},
        {"music_path": 42},
    ],
)
def test_bad_values_are_input_errors(data: dict) -> None:
    with pytest.raises(InputError):
        RenderSettings.from_json(data)


def test_not_a_mapping() -> None:
    with pytest.raises(InputError):
        RenderSettings.from_json(["16:9"])  # type: ignore[arg-type]
