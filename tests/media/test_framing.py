"""Framing: fill around a focal point, fit over blur, fit on colour, Ken Burns moves, 4K.

Real renders at small sizes, read back pixel by pixel: a 16:9 picture with a red block at its
left edge and a blue one at its right, framed in a 9:16 video.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import InputError
from studio.media import settings as encoding
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.probe import probe
from studio.media.segments import (
    KEN_BURNS_SUPERSAMPLE,
    KEN_BURNS_ZOOM,
    SEGMENT_FORMAT,
    SegmentSpec,
    _file_identity,
    render_segment,
    segment_key,
)
from studio.media.settings import RenderSettings
from tests.media.support import decode_frame, write_tone

VERTICAL = RenderSettings(aspect="9:16", resolution="720p", captions=False)
WIDE = RenderSettings(aspect="16:9", resolution="720p", captions=False)
RED, BLUE = (230, 20, 20), (20, 20, 230)


def _blocks_picture(path: Path) -> Path:
    """640x360: a grey-green gradient, a red block at the left edge, a blue one at the right."""
    x = np.linspace(60, 200, 640, dtype=np.float32)[None, :].repeat(360, 0)
    y = np.linspace(60, 200, 360, dtype=np.float32)[:, None].repeat(640, 1)
    rgb = np.dstack([x, y, (x + y) / 2]).astype(np.uint8)
    rgb[120:240, 0:80] = RED
    rgb[120:240, 560:640] = BLUE
    Image.fromarray(rgb).save(path)
    return path


def _as_clip(picture: Path, path: Path) -> Path:
    """The picture as a half-second H.264 clip."""
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-loop",
            "1",
            "-i",
            str(picture),
            "-t",
            "0.5",
            "-r",
            "25",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def _spec(tmp_path: Path, kind: str = "image", **changes: object) -> SegmentSpec:
    picture = tmp_path / "blocks.png"
    if not picture.exists():
        _blocks_picture(picture)
    visual = picture if kind == "image" else tmp_path / "blocks.mp4"
    if kind == "video" and not visual.exists():
        _as_clip(picture, visual)
    voice = tmp_path / "voice.wav"
    if not voice.exists():
        write_tone(voice, 0.5)
    base = SegmentSpec(
        visual_path=visual,
        visual_kind=kind,
        audio_path=voice,
        duration=0.5,
        motion="none",
        settings=VERTICAL,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _frame(spec: SegmentSpec, out: Path, at: float = 0.2) -> np.ndarray:
    return decode_frame(render_segment(spec, out), at).astype(int)


def _share(frame: np.ndarray, colour: tuple[int, int, int], tolerance: int = 45) -> float:
    """The fraction of the frame's pixels within ``tolerance`` of ``colour``."""
    return float((np.abs(frame - np.array(colour)).max(axis=2) < tolerance).mean())


@pytest.mark.parametrize("kind", ["image", "video"])
def test_fill_keeps_the_side_the_focal_point_is_on(tmp_path: Path, kind: str) -> None:
    left = _frame(_spec(tmp_path, kind, focal=(0.0, 0.5)), tmp_path / "left.mp4")
    right = _frame(_spec(tmp_path, kind, focal=(1.0, 0.5)), tmp_path / "right.mp4")
    centre = _frame(_spec(tmp_path, kind), tmp_path / "centre.mp4")
    assert _share(left, RED) > 0.05 and _share(left, BLUE) < 0.001
    assert _share(right, BLUE) > 0.05 and _share(right, RED) < 0.001
    assert _share(centre, RED) < 0.001 and _share(centre, BLUE) < 0.001


@pytest.mark.parametrize("kind", ["image", "video"])
def test_fit_blur_shows_the_whole_picture_over_a_soft_backdrop(tmp_path: Path, kind: str) -> None:
    frame = _frame(_spec(tmp_path, kind, framing="fit-blur"), tmp_path / "blur.mp4")
    assert _share(frame, RED) > 0.003 and _share(frame, BLUE) > 0.003  # both edges are in
    top, bottom = frame[:400], frame[-400:]  # the picture's band is 405 rows in the middle
    for border in (top, bottom):
        assert border.std() > 3  # not a flat colour: the blurred picture
        assert _share(border, RED, 30) < 0.001  # the backdrop is darkened
    assert np.abs(np.diff(top[::8, ::8], axis=1)).max() < 25  # and soft: no sharp edges


@pytest.mark.parametrize("kind", ["image", "video"])
def test_fit_colour_borders_are_the_colour(tmp_path: Path, kind: str) -> None:
    spec = _spec(tmp_path, kind, framing="fit-colour", fit_colour="#20C040")
    frame = _frame(spec, tmp_path / "colour.mp4")
    assert _share(frame, RED) > 0.003 and _share(frame, BLUE) > 0.003
    for border in (frame[:400], frame[-400:]):
        assert np.abs(border - np.array([0x20, 0xC0, 0x40])).max() <= 6


def _moving_picture(path: Path) -> Path:
    """1280x720: red grows to the right, green downwards, a white square in the middle."""
    x = np.linspace(0, 255, 1280, dtype=np.float32)[None, :].repeat(720, 0)
    y = np.linspace(0, 255, 720, dtype=np.float32)[:, None].repeat(1280, 1)
    rgb = np.dstack([x, y, np.full_like(x, 60)]).astype(np.uint8)
    rgb[300:420, 580:700] = 255
    Image.fromarray(rgb).save(path)
    return path


def _first_last(tmp_path: Path, motion: str, amount: float | None) -> tuple[np.ndarray, ...]:
    picture = _moving_picture(tmp_path / "moving.png")
    spec = replace(
        _spec(tmp_path), visual_path=picture, settings=WIDE, motion=motion, motion_amount=amount
    )
    out = render_segment(spec, tmp_path / f"{motion}-{amount}.mp4")
    frames = _all_frames(out, spec.settings)
    assert len(frames) == spec.frame_count
    return frames[0], frames[-1]


def _all_frames(path: Path, settings: RenderSettings) -> np.ndarray:
    """Every frame of the file, decoded to RGB (frames, height, width, 3)."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    shape = (-1, settings.height, settings.width, 3)
    return np.frombuffer(raw, dtype=np.uint8).reshape(shape).astype(int)


@pytest.mark.parametrize(
    ("motion", "channel", "sign"),
    [("pan-right", 0, 1), ("pan-left", 0, -1), ("pan-down", 1, 1), ("pan-up", 1, -1)],
)
def test_pans_move_the_expected_way(tmp_path: Path, motion: str, channel: int, sign: int) -> None:
    first, last = _first_last(tmp_path, motion, 0.3)
    change = last[360, 640, channel] - first[360, 640, channel]  # the centre's red or green
    assert sign * change > 20
    other = 1 - channel
    assert abs(last[360, 640, other] - first[360, 640, other]) < 6  # no drift the other way


@pytest.mark.parametrize(("motion", "grows"), [("zoom-in", True), ("zoom-out", False)])
def test_zooms_grow_or_shrink_the_middle(tmp_path: Path, motion: str, grows: bool) -> None:
    first, last = _first_last(tmp_path, motion, 0.3)
    white_first = _share(first, (255, 255, 255), 20)
    white_last = _share(last, (255, 255, 255), 20)
    assert (white_last > white_first * 1.4) if grows else (white_first > white_last * 1.4)


def test_amount_zero_holds_still(tmp_path: Path) -> None:
    first, last = _first_last(tmp_path, "pan-right", 0.0)
    assert np.abs(first - last).mean() < 1  # encoder noise only (a 0.3 pan moves ~25 levels)


def test_a_bigger_amount_moves_further(tmp_path: Path) -> None:
    small = _first_last(tmp_path, "pan-right", 0.1)
    big = _first_last(tmp_path, "pan-right", 0.5)
    assert (big[1] - big[0])[360, 640, 0] > (small[1] - small[0])[360, 640, 0] + 20


def _main_key(spec: SegmentSpec) -> str:
    """``segment_key`` as Studio computed it before framings (commit e22a94a), verbatim."""
    render = {
        k: v for k, v in spec.settings.to_json().items() if k not in ("music_path", "music_volume")
    }
    payload = {
        "format": SEGMENT_FORMAT,
        "encoder": [
            encoding.VIDEO_CODEC,
            encoding.VIDEO_PRESET,
            encoding.VIDEO_X264_PARAMS,
            encoding.VIDEO_CRF,
            encoding.GOP_SECONDS,
            encoding.SEGMENT_AUDIO_CODEC,
            KEN_BURNS_ZOOM,
            KEN_BURNS_SUPERSAMPLE,
        ],
        "ffmpeg": Path(ffmpeg_exe()).name,
        "visual": _file_identity(spec.visual_path),
        "visual_kind": spec.visual_kind,
        "audio": _file_identity(spec.audio_path),
        "duration": round(spec.duration, 6),
        "padding": round(spec.padding, 6),
        "motion": spec.motion if spec.visual_kind == "image" else None,
        "in_point": round(spec.in_point, 6),
        "settings": render,
        "captions": None,
        "overlay": None,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


@pytest.mark.parametrize("kind", ["image", "video"])
@pytest.mark.parametrize("resolution", ["720p", "1080p"])
def test_default_framing_keeps_old_segment_names(
    tmp_path: Path, kind: str, resolution: str
) -> None:
    spec = _spec(
        tmp_path,
        kind,
        motion="zoom-in",
        settings=RenderSettings(aspect="9:16", resolution=resolution),
    )
    assert segment_key(spec) == _main_key(spec)


@pytest.mark.parametrize(
    "change",
    [
        {"framing": "fit-blur"},
        {"framing": "fit-colour"},
        {"focal": (0.2, 0.5)},
        {"motion_amount": 0.3},
        {"motion": "pan-up"},
    ],
)
def test_every_framing_value_renames_the_segment(tmp_path: Path, change: dict) -> None:
    spec = _spec(tmp_path, motion="zoom-in")
    assert segment_key(replace(spec, **change)) != segment_key(spec)


def test_the_default_amount_written_out_keeps_the_name(tmp_path: Path) -> None:
    spec = _spec(tmp_path, motion="zoom-in")  # undoing an amount writes the default back
    assert segment_key(replace(spec, motion_amount=KEN_BURNS_ZOOM)) == segment_key(spec)


def test_fit_colour_key_follows_the_colour_only_when_it_shows(tmp_path: Path) -> None:
    spec = _spec(tmp_path, framing="fit-colour", fit_colour="#112233")
    assert segment_key(replace(spec, fit_colour="#332211")) != segment_key(spec)
    blur = replace(spec, framing="fit-blur")
    assert segment_key(replace(blur, fit_colour="#332211")) == segment_key(blur)


@pytest.mark.parametrize(
    "change",
    [
        {"framing": "crop"},
        {"focal": (1.2, 0.5)},
        {"focal": (float("nan"), 0.5)},
        {"fit_colour": "red"},
        {"fit_colour": "#12345"},
        {"motion_amount": -0.1},
        {"motion_amount": 1.5},
        {"motion": "spin"},
    ],
)
def test_unusable_framing_values_are_refused(tmp_path: Path, change: dict) -> None:
    with pytest.raises(InputError):
        _spec(tmp_path, **change)


def test_a_4k_picture_segment_renders_with_a_capped_supersample(tmp_path: Path) -> None:
    settings = RenderSettings(aspect="16:9", resolution="2160p", captions=False)
    spec = _spec(tmp_path, settings=settings, motion="zoom-in", duration=0.1)
    out = render_segment(spec, tmp_path / "4k.mp4")
    info = probe(out, exact=True)
    assert (info.width, info.height) == (3840, 2160) and info.video_codec == "h264"
    assert decode_frame(out, 0.0).std() > 20  # the picture, not a blank frame
