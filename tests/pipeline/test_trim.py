"""Trimmed clips: a scene plays only in..out of its clip, and a new trim is a new segment.

Real ffmpeg on a generated ``testsrc`` clip whose picture changes every frame (its counter and
moving gradient), real SQLite, the real render recipe (``segment_for``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from studio.errors import InputError
from studio.media.segment_cache import SegmentCache
from studio.media.segments import render_segment, segment_key
from studio.media.settings import RenderSettings
from studio.pipeline.render import segment_for
from studio.pipeline.visuals import choose_visual
from tests.factories import make_project
from tests.media.support import (
    decode_frame,
    video_packets,
    write_clip,
    write_picture,
    write_tone,
)

SETTINGS = RenderSettings(resolution="720p", fps=30, captions=False)




def _difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


@pytest.fixture
def trimmed_scene(library: Any, tmp_path: Path) -> tuple[Any, Any]:
    """A voiced 1.5 s scene whose visual is the timer clip."""
    project = make_project(library, texts=["Watch the counter."], fps=30, captions=False)
    scene = library.scenes(project)[0]
    audio = library.home.project_dir(project.id, create=True) / "audio"
    audio.mkdir(exist_ok=True)
    voice = write_tone(audio / "voice.wav", 1.5)
    library.set_scene_audio(
        scene,
        audio_path=voice,
        audio_key="k",
        duration=1.5,
        sanitized_text=scene.text,
        word_timings=[],
    )
    # testsrc at 10 fps: every tenth of a second shows another counter value.
    clip = write_clip(tmp_path / "t.mp4", 4, fps=10, pattern="testsrc")
    choose_visual(library, project, library.scene(scene.id), clip)
    return project, library.scene(scene.id)


def test_a_trimmed_clip_starts_at_its_in_point_and_holds_at_its_out_point(
    library: Any, trimmed_scene: tuple[Any, Any], tmp_path: Path
) -> None:
    project, scene = trimmed_scene
    library.set_trim(scene, 1.0, 2.0)
    cache = SegmentCache(tmp_path / "segments").ensure()
    spec, _cues = segment_for(library, project, library.scene(scene.id), SETTINGS, cache)
    assert (spec.in_point, spec.out_point) == (1.0, 2.0)

    trimmed = render_segment(spec, tmp_path / "trimmed.mp4")
    from_in = render_segment(replace(spec, out_point=None), tmp_path / "from-in.mp4")
    untrimmed = render_segment(replace(spec, in_point=0.0, out_point=None), tmp_path / "all.mp4")

    assert video_packets(trimmed) == 45  # the scene's 1.5 s, not the clip's 4 s
    start = decode_frame(trimmed, 0.0)
    assert _difference(start, decode_frame(from_in, 0.0)) < 2  # the clip at 1.0 s
    assert _difference(start, decode_frame(untrimmed, 0.0)) > 5  # not its beginning
    # After 1 s of clip (at the out point) the last frame holds, while the untrimmed plays on.
    held, later = decode_frame(trimmed, 1.0), decode_frame(trimmed, 1.4)
    assert _difference(held, later) < 2
    assert _difference(later, decode_frame(from_in, 1.4)) > 5


def test_changing_the_trim_changes_the_cached_segment(
    library: Any, trimmed_scene: tuple[Any, Any], tmp_path: Path
) -> None:
    project, scene = trimmed_scene
    cache = SegmentCache(tmp_path / "segments").ensure()

    def key() -> str:
        spec, _cues = segment_for(library, project, library.scene(scene.id), SETTINGS, cache)
        return segment_key(spec)

    untrimmed = key()
    library.set_trim(scene, 0.0, None)
    assert key() == untrimmed  # "no trim" keeps the segment made before trims existed
    library.set_trim(scene, 1.0, 2.0)
    first = key()
    library.set_trim(scene, 1.0, 2.5)
    second = key()
    library.set_trim(scene, 1.5, 2.5)
    assert len({untrimmed, first, second, key()}) == 4


@pytest.mark.parametrize(
    ("start", "end"),
    [(2.0, 1.0), (1.0, 1.0), (-1.0, 2.0), (float("nan"), None), (0.0, float("inf"))],
)
def test_a_backwards_or_impossible_trim_is_refused_and_nothing_changes(
    library: Any, trimmed_scene: tuple[Any, Any], start: float, end: float | None
) -> None:
    _project, scene = trimmed_scene
    library.set_trim(scene, 0.5, 1.5)
    with pytest.raises(InputError):
        library.set_trim(scene, start, end)
    kept = library.selection(scene)
    assert (kept.in_point, kept.out_point) == (0.5, 1.5)


def test_a_picture_cannot_be_trimmed(library: Any, tmp_path: Path) -> None:
    project = make_project(library, texts=["A still."])
    scene = library.scenes(project)[0]
    choose_visual(library, project, scene, write_picture(tmp_path / "still.png"))
    with pytest.raises(InputError, match="no clip to trim"):
        library.set_trim(library.scene(scene.id), 0.5, 1.0)
