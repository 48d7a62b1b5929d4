"""The render budget: 12 x 5 s 1080p 16:9 scenes (6 pictures, 6 clips), captions on.

Opt-in, as it takes a minute of both cores:
``STUDIO_BENCH=1 .venv/bin/python -m pytest -s bench/test_media_render.py``.
Prints wall and ffmpeg CPU time for the segments (sequential and 2 jobs), the plain join, the
assemble without and with music. Target: the whole render in 30 s on 2 idle cores.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from studio.media.assemble import assemble, concat_list
from studio.media.captions import build_cues, write_ass
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.segments import SegmentSpec, render_segments
from studio.media.settings import RenderSettings
from studio.media.slides import make_slide
from tests.media.support import write_picture, write_tone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.environ.get("STUDIO_BENCH") != "1", reason="set STUDIO_BENCH=1"),
]
TEXT = ("Bees make honey from nectar. They collect it from flowers, store it in their "
        "stomachs, and carry it home.")


def _clip(path: Path, source: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", source, "-t", "8",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p",
                    str(path)], check=True, timeout=300)
    return path


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(label: str, action):  # type: ignore[no-untyped-def]
    cpu, load, start = _cpu(), os.getloadavg()[0], time.perf_counter()
    result = action()
    print(f"{label}: wall {time.perf_counter() - start:.2f} s, ffmpeg cpu {_cpu() - cpu:.1f} s"
          f" (load before {load:.2f})")
    return result


def test_render_budget(tmp_path: Path) -> None:
    settings = RenderSettings(music_path=write_tone(tmp_path / "music.wav", 20.0, freq=330.0))
    pictures = [
        make_slide("How bees make honey", ["nectar", "enzymes"], (1920, 1080),
                   tmp_path / "slide1.png", seed=1),
        write_picture(tmp_path / "photo1.jpg", (3000, 2000)),
        make_slide("Inside the hive", ["wax", "cells"], (1920, 1080), tmp_path / "s2.png", seed=2),
        write_picture(tmp_path / "photo2.png", (1280, 960)),
        make_slide("Why honey keeps", ["sugar"], (1920, 1080), tmp_path / "s3.png", seed=3),
        write_picture(tmp_path / "photo3.jpg", (720, 480)),
    ]
    clips = [  # a hard clip (detail everywhere, 14 Mbps), a typical one (7 Mbps), a small one
        _clip(tmp_path / "busy.mp4", "mandelbrot=size=1920x1080:rate=30"),
        _clip(tmp_path / "grain.mp4", "testsrc2=size=1920x1080:rate=30,noise=alls=2:allf=t"),
        _clip(tmp_path / "small.mp4", "testsrc2=size=1280x720:rate=25"),
    ]
    motions = ["zoom-in", "pan-right", "zoom-out", "pan-left"]
    specs = []
    for i in range(12):
        voice = write_tone(tmp_path / f"voice{i}.wav", 5.0, silent_from=3.5)
        ass = write_ass(build_cues(TEXT, None, 5.0), settings, tmp_path / f"c{i}.ass")
        if i % 2 == 0:
            visual, kind, in_point = pictures[i // 2], "image", 0.0
        else:
            visual, kind, in_point = clips[(i // 2) % 3], "video", float(i % 4)
        specs.append(SegmentSpec(visual, kind, voice, 5.0, ass, motions[i % 4], in_point,
                                 settings))
    for jobs in (1, 2):
        outs = [tmp_path / f"j{jobs}-{i}.mp4" for i in range(12)]
        _timed(f"12 segments, jobs={jobs}",
               lambda o=outs, j=jobs: render_segments(specs, o, jobs=j))
    listing = tmp_path / "list.ffconcat"
    listing.write_text(concat_list(outs), encoding="utf-8")
    _timed("plain join (-c copy)", lambda: subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
         "-c", "copy", str(tmp_path / "copy.mp4")], check=True))
    total = sum(s.exact_duration for s in specs)
    plain = _timed("assemble, no music", lambda: assemble(
        outs, tmp_path / "plain.mp4", settings=RenderSettings(), total_duration=total))
    mixed = _timed("assemble, music", lambda: assemble(
        outs, tmp_path / "music.mp4", settings=settings, total_duration=total))
    assert abs(plain.duration - 60.0) < 1 / 30 and abs(mixed.duration - 60.0) < 1 / 30
    edited = replace(specs[5], in_point=0.5)
    _timed("one scene edited: its segment", lambda: render_segments([edited], [outs[5]]))
    print(f"output {plain.size_bytes / 1e6:.1f} MB")
