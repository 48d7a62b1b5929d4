"""Renders with transitions, for real: same length and sound as with cuts, joined by stream
copy, and a one-scene change re-encodes only what touches that scene."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio.media.ffmpeg import ffmpeg_exe
from studio.media.probe import probe
from studio.media.segment_cache import SegmentCache
from studio.media.segments import segment_key
from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.pipeline.render import segment_for
from studio.pipeline.templates import settings_for
from studio.store import Library
from studio.store.models import Project
from tests.factories import make_project
from tests.media.support import decode_audio, video_packets
from tests.media.test_transitions import frame_at

TEXTS = ("Red is warm.", "Green grows.", "Blue is calm.")
COLOURS = ((220, 30, 30), (30, 200, 30), (30, 30, 220))


def _render(library: Library, project: Project) -> pipeline.ProduceResult:
    return pipeline.render_project(
        library, library.refresh(project), reporter=NullReporter(), install_sigint=False
    )


def _coloured_project(library: Library, tmp_path: Path, **settings: str | float) -> Project:
    """Three short scenes, each a flat colour (no motion), 720p square, no captions."""
    project = make_project(library, texts=TEXTS, aspect="1:1", captions=False)
    if settings:
        _set_default(library, project, **settings)
        project = library.refresh(project)
    for scene, colour in zip(library.scenes(project), COLOURS, strict=True):
        picture = tmp_path / f"{scene.scene_number}.png"
        Image.new("RGB", (64, 64), colour).save(picture)
        library.select_clip(scene, picture, kind="image", source="file", motion="none")
    return library.refresh(project)


def _set_default(library: Library, project: Project, **changes: object) -> None:
    library.update_project(project, render_settings={**project.render_settings, **changes})


def _cache_files(library: Library, project: Project) -> dict[str, int]:
    folder = library.home.project_dir(project.id) / "segments"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mp4")}


def _packet_hashes(path: Path) -> list[str]:
    """The video packets' hashes, read by stream copy (no decoding)."""
    out = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-map",
            "0:v:0",
            "-c",
            "copy",
            "-f",
            "framemd5",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line.startswith("0,")]


def _new(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """How many files of each kind are new (or rewritten) in ``after``."""
    kinds: dict[str, int] = {}
    for name, mtime in after.items():
        if before.get(name) != mtime:
            kind = name.split("-", 1)[0] if "-" in name else "segment"
            kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


@pytest.mark.slow
def test_a_crossfade_render_keeps_the_cut_length_and_sound_and_mixes_at_the_cut(
    library: Library, tmp_path: Path
) -> None:
    project = _coloured_project(library, tmp_path)
    cut = _render(library, project).video_path
    cache_before = _cache_files(library, project)
    assert not [n for n in cache_before if n.startswith(("handle-", "transition-"))]
    _set_default(library, project, transition="crossfade", transition_duration=0.4)
    faded = _render(library, project).video_path
    assert video_packets(faded) == video_packets(cut), "transitions take no time out"
    sound = sorted(library.home.project_dir(project.id).glob("segments/soundtrack-*.m4a"))
    assert len(sound) == 1, "the same soundtrack serves both videos, untouched"
    seconds = video_packets(faded) / 30
    assert len(decode_audio(faded)) / 48000 == pytest.approx(seconds, abs=0.03), "A/V in sync"
    assert probe(faded, exact=True).duration == pytest.approx(seconds, abs=0.04)
    first = library.scenes(project)[0]
    cut_at = round(float(first.duration or 0) * 30 + 0.4999)  # scene 2's first frame
    mixed = frame_at(faded, cut_at)[:20].mean(axis=(0, 1))
    assert mixed[0] > 70 and mixed[1] > 70, f"red and green mixed where the scenes meet: {mixed}"
    assert frame_at(cut, cut_at)[:20].mean(axis=(0, 1))[0] < 60, "a cut shows green there"


@pytest.mark.slow
def test_the_video_is_the_pieces_joined_by_stream_copy(library: Library, tmp_path: Path) -> None:
    project = _coloured_project(library, tmp_path, transition="wipe-left")
    video = _render(library, project).video_path
    folder = library.home.project_dir(project.id) / "segments"
    transitions = list(folder.glob("transition-*.mp4"))
    assert len(transitions) == 2
    pieces = [p for p in folder.glob("*.mp4") if not p.name.startswith("handle-")]
    assert len(pieces) == 5, "three segments and two transitions"
    joined = _packet_hashes(video)
    assert len(joined) == sum(video_packets(p) for p in pieces)
    for piece in pieces:  # the first packet of each file loses its x264 banner in the join
        assert set(_packet_hashes(piece)[1:]) <= set(joined), f"{piece.name} copied as encoded"


@pytest.mark.slow
def test_one_scene_change_re_encodes_its_segment_and_its_two_transitions(
    library: Library, tmp_path: Path
) -> None:
    project = _coloured_project(library, tmp_path, transition="crossfade")
    _render(library, project)
    start = _cache_files(library, project)
    assert _new({}, start) == {"segment": 3, "handle": 4, "transition": 2}

    middle = library.scenes(project)[1]
    library.update_scene(middle, text="Green grows in the spring rain.")
    _render(library, project)
    edited = _cache_files(library, project)
    assert _new(start, edited) == {"segment": 1, "handle": 2, "transition": 2}

    first = library.scenes(project)[0]
    library.set_transition(first, "slide-left", None)  # same length: only that piece
    _render(library, project)
    slid = _cache_files(library, project)
    assert _new(edited, slid) == {"transition": 1}

    library.set_transition(library.scenes(project)[0], "slide-left", 0.2)  # both sides grow
    _render(library, project)
    assert _new(slid, _cache_files(library, project)) == {
        "segment": 2,
        "handle": 3,  # scene 1's new tail, scene 2's new head and its (same) tail again
        "transition": 1,
    }


@pytest.mark.slow
def test_cuts_everywhere_keep_the_segment_names_of_before(library: Library, tmp_path: Path) -> None:
    project = _coloured_project(library, tmp_path)
    _render(library, project)
    project = library.refresh(project)
    settings = settings_for(project)
    cache = SegmentCache(library.home.project_dir(project.id) / "segments")
    expected = {
        f"{segment_key(segment_for(library, project, scene, settings, cache)[0])}.mp4"
        for scene in library.scenes(project)
    }
    assert set(_cache_files(library, project)) == expected


def test_set_transition_refuses_bad_values_and_saves_nothing(library: Library) -> None:
    from studio.errors import InputError

    project = make_project(library, texts=TEXTS)
    scene = library.scenes(project)[0]
    library.set_transition(scene, "fade-black", 1.0)
    for kind, seconds in (("spin", None), (None, 0.01), (None, 3.0), (None, float("nan"))):
        with pytest.raises(InputError) as raised:
            library.set_transition(scene, kind, seconds)
        assert raised.value.where == "scene 1"
    stored = library.scene(scene.id)
    assert (stored.transition, stored.transition_duration) == ("fade-black", 1.0)
    library.set_transition(scene, None, None)
    assert library.scene(scene.id).transition is None


@pytest.mark.slow
def test_cli_produce_with_a_transition(home: Path, tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("\n\n".join(TEXTS), encoding="utf-8")
    args = [
        sys.executable,
        "-m",
        "studio",
        "produce",
        "--script",
        str(script),
        "--resolution",
        "720p",
        "--aspect",
        "1:1",
        "--no-captions",
        "--transition",
        "fade-black",
        "--transition-duration",
        "0.6",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    library = Library.open(home)
    try:
        project = library.project(library.projects()[0].id)
        assert settings_for(project).transition == "fade-black"
        folder = library.home.project_dir(project.id) / "segments"
        assert len(list(folder.glob("transition-*.mp4"))) == 2
    finally:
        library.close()
    bad = subprocess.run([*args[:-1], "9"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "transition" in bad.stderr.lower()


class _Messages(NullReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


@pytest.mark.slow
def test_a_transition_too_long_for_its_scenes_is_shortened_and_said(
    library: Library, tmp_path: Path
) -> None:
    project = _coloured_project(library, tmp_path, transition="fade-black", transition_duration=2.0)
    messages = _Messages()
    pipeline.render_project(library, project, reporter=messages, install_sigint=False)
    notes = [line for line in messages.lines if "not 2.00 s" in line]
    assert len(notes) == 2 and "scenes 1 and 2" in notes[0], messages.lines
