"""Transition pieces: handles cut from real segments, pieces rendered from them, their pictures."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from studio.errors import InputError
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.segments import Handles, SegmentSpec, render_segment
from studio.media.settings import RenderSettings
from studio.media.transitions import (
    MAX_SHARE,
    TRANSITIONS,
    TransitionSpec,
    body_key,
    plan_joins,
    render_transition,
)
from tests.media.support import video_packets, write_tone

SETTINGS = RenderSettings(aspect="1:1", resolution="720p", fps=25, captions=False)
RED, BLUE = (220, 30, 30), (30, 30, 220)


def _flat(path: Path, colour: tuple[int, int, int]) -> Path:
    Image.new("RGB", (64, 64), colour).save(path)
    return path


def _spec(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> SegmentSpec:
    return SegmentSpec(
        visual_path=_flat(tmp_path / f"{name}.png", colour),
        visual_kind="image",
        audio_path=write_tone(tmp_path / f"{name}.wav", 0.8),
        duration=0.8,
        motion="none",
        settings=SETTINGS,
    )


def frame_at(path: Path, index: int) -> np.ndarray:
    """Frame ``index`` of ``path`` as RGB, shrunk to 64x64 (flat colours survive it)."""
    raw = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-vf",
            f"select=eq(n\\,{index}),scale=64:64",
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(64, 64, 3).astype(int)


@pytest.fixture(scope="module")
def handles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Scene A's last 5 frames (red) and scene B's first 5 (blue), cut from real segments."""
    tmp = tmp_path_factory.mktemp("handles")
    tail, head = tmp / "a-tail.mp4", tmp / "b-head.mp4"
    render_segment(_spec(tmp, "a", RED), tmp / "a.mp4", handles=Handles(tail=5, tail_path=tail))
    render_segment(_spec(tmp, "b", BLUE), tmp / "b.mp4", handles=Handles(head=5, head_path=head))
    return tail, head


def test_handles_come_out_of_the_segment_frame_exact(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "a", RED)
    head, tail = tmp_path / "head.mp4", tmp_path / "tail.mp4"
    render_segment(
        spec, tmp_path / "body.mp4", handles=Handles(head=3, tail=4, head_path=head, tail_path=tail)
    )
    assert spec.frame_count == 20
    assert video_packets(tmp_path / "body.mp4") == 20 - 3 - 4
    assert (video_packets(head), video_packets(tail)) == (3, 4)
    assert np.abs(frame_at(tail, 0) - np.array(RED)).max() < 12, "the handle is the picture"


def test_handles_must_leave_the_segment_a_frame(tmp_path: Path) -> None:
    spec = _spec(tmp_path, "a", RED)
    with pytest.raises(ValueError):
        render_segment(
            spec,
            tmp_path / "x.mp4",
            handles=Handles(
                head=10, tail=10, head_path=tmp_path / "h.mp4", tail_path=tmp_path / "t.mp4"
            ),
        )
    assert not (tmp_path / "x.mp4").exists()


def _piece(kind: str, handles: tuple[Path, Path], out: Path) -> Path:
    tail, head = handles
    return render_transition(TransitionSpec(kind, 5, 5, tail, head, SETTINGS), out)


def test_a_crossfade_mixes_the_two_scenes(tmp_path: Path, handles: tuple[Path, Path]) -> None:
    piece = _piece("crossfade", handles, tmp_path / "t.mp4")
    assert video_packets(piece) == 10
    first, middle, last = frame_at(piece, 0), frame_at(piece, 5), frame_at(piece, 9)
    assert np.abs(first - np.array(RED)).max() < 20
    assert np.abs(last - np.array(BLUE)).max() < 40
    r, _g, b = middle.mean(axis=(0, 1))
    assert 70 < r < 170 and 70 < b < 170, f"half red, half blue: {middle.mean(axis=(0, 1))}"


def test_fade_through_black_is_black_at_the_cut(tmp_path: Path, handles: tuple[Path, Path]) -> None:
    piece = _piece("fade-black", handles, tmp_path / "t.mp4")
    assert video_packets(piece) == 10
    assert frame_at(piece, 5).max() < 25, "black where the scenes meet"
    assert frame_at(piece, 0)[..., 0].mean() > 150, "the first scene before"


@pytest.mark.parametrize("kind", ["slide-left", "slide-right", "wipe-left", "wipe-right"])
def test_slides_and_wipes_split_the_frame_between_the_scenes(
    tmp_path: Path, handles: tuple[Path, Path], kind: str
) -> None:
    middle = frame_at(_piece(kind, handles, tmp_path / "t.mp4"), 5)
    left, right = middle[:, :24].mean(axis=(0, 1)), middle[:, 40:].mean(axis=(0, 1))
    assert {_colour(left), _colour(right)} == {"red", "blue"}, (left, right)


def _colour(rgb: np.ndarray) -> str:
    return "red" if rgb[0] > 150 and rgb[2] < 80 else "blue" if rgb[2] > 150 else "mixed"


def test_a_missing_handle_is_an_input_error(tmp_path: Path, handles: tuple[Path, Path]) -> None:
    spec = TransitionSpec("crossfade", 5, 5, tmp_path / "gone.mp4", handles[1], SETTINGS)
    with pytest.raises(InputError):
        render_transition(spec, tmp_path / "t.mp4")
    assert not (tmp_path / "t.mp4").exists()


def test_transitions_are_shortened_to_fit_short_scenes() -> None:
    joins = plan_joins([100, 10, 100], [("crossfade", 1.0), ("wipe-left", 0.2)], 25)
    assert (joins[0].frames, joins[0].shortened) == (5, True)
    assert (joins[1].frames, joins[1].shortened) == (5, False)
    tiny = plan_joins([3, 100], [("crossfade", 0.5)], 25)[0]
    assert (tiny.kind, tiny.shortened) == ("cut", True)
    with pytest.raises(InputError):
        plan_joins([50, 50], [("spin", 0.5)], 25)
    with pytest.raises(InputError):
        plan_joins([50, 50], [("crossfade", 5.0)], 25)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 400), min_size=1, max_size=8).flatmap(
        lambda counts: st.tuples(
            st.just(counts),
            st.lists(
                st.tuples(st.sampled_from(TRANSITIONS), st.floats(0.1, 2.0)),
                min_size=len(counts) - 1,
                max_size=len(counts) - 1,
            ),
        )
    ),
    st.sampled_from([24, 25, 30, 60]),
)
def test_pieces_add_up_to_the_scenes_and_leave_every_scene_frames(
    plan: tuple[list[int], list[tuple[str, float]]], fps: int
) -> None:
    counts, choices = plan
    joins = plan_joins(counts, choices, fps)
    for index, count in enumerate(counts):
        head = joins[index - 1].after if index else 0
        tail = joins[index].before if index < len(joins) else 0
        assert count - head - tail >= max(1, count * (1 - MAX_SHARE) - 1)
    for index, join in enumerate(joins):
        assert join.frames <= MAX_SHARE * min(counts[index], counts[index + 1])
        assert join.kind == "cut" or join.frames >= 2


def test_a_body_without_handles_keeps_the_segment_name() -> None:
    assert body_key("k" * 32, 0, 0) == "k" * 32
    assert body_key("k" * 32, 0, 3) != body_key("k" * 32, 3, 0) != "k" * 32
