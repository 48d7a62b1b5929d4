"""Which transition pieces a changed scene makes in its own run (``render_pieces.in_run``)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from studio.media.segment_cache import SegmentCache
from studio.media.segments import SegmentSpec
from studio.media.settings import RenderSettings
from studio.pipeline.render_pieces import BodyJob, Layout, in_run, lay_out
from tests.media.support import write_tone

SETTINGS = RenderSettings(aspect="1:1", resolution="720p", fps=25, captions=False)


def _layout(tmp_path: Path, scenes: int = 4) -> Layout:
    """Scenes of a second with crossfades between (their pictures and voices made, nothing
    rendered)."""
    specs = [
        SegmentSpec(
            visual_path=_picture(tmp_path / f"{i}.png", i),
            visual_kind="image",
            audio_path=write_tone(tmp_path / f"{i}.wav", 1.0, freq=300 + 50 * i),
            duration=1.0,
            motion="none",
            settings=SETTINGS,
        )
        for i in range(scenes)
    ]
    cache = SegmentCache(tmp_path / "segments").ensure()
    return lay_out(specs, [("crossfade", 0.4)] * (scenes - 1), SETTINGS, cache)


def _picture(path: Path, shade: int) -> Path:
    Image.new("RGB", (16, 16), (shade * 40, 90, 90)).save(path)
    return path


def _make(jobs: list[BodyJob]) -> None:
    """As if these scenes had been rendered: their segments and handles are in the cache."""
    for job in jobs:
        for path in job.files():
            path.write_bytes(b"made")


def test_a_changed_scene_makes_both_its_pieces_when_its_neighbours_are_made(
    tmp_path: Path,
) -> None:
    layout = _layout(tmp_path)
    bodies = layout.bodies
    _make([bodies[0], bodies[2], bodies[3]])
    runs, later = in_run([bodies[1]], layout.transitions[:2])
    assert later == []
    uses = runs[0].handles.uses
    assert [(use.side, use.out) for use in uses] == [
        ("head", layout.transitions[0].out),
        ("tail", layout.transitions[1].out),
    ]
    assert [use.other for use in uses] == [bodies[0].handles.tail_path, bodies[2].handles.head_path]
    assert runs[0].files()[-2:] == [layout.transitions[0].out, layout.transitions[1].out]


def test_a_piece_between_two_changed_scenes_is_made_after_both(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    bodies = layout.bodies
    _make([bodies[0], bodies[3]])
    runs, later = in_run([bodies[1], bodies[2]], layout.transitions)
    assert later == [layout.transitions[1]], "its two sides are both being made"
    assert [use.side for use in runs[0].handles.uses] == ["head"]
    assert [use.side for use in runs[1].handles.uses] == ["tail"]


def test_a_full_render_makes_its_pieces_from_the_handle_files(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    runs, later = in_run(layout.bodies, layout.transitions)
    assert later == layout.transitions
    assert all(not job.handles.uses for job in runs)


def test_a_piece_alone_is_made_from_the_handle_files(tmp_path: Path) -> None:
    """Only a transition changed (its kind): no scene runs, the piece comes from the files."""
    layout = _layout(tmp_path)
    _make(layout.bodies)
    runs, later = in_run([], layout.transitions[1:2])
    assert (runs, later) == ([], layout.transitions[1:2])
