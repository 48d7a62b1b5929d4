"""A hardware encoder that fails mid-render: the video is made with x264 alone, and the
encoder is passed by from then on. Forced for real: the probe cache is seeded to say NVENC
works, and the real FFmpeg then fails to open h264_nvenc on this GPU-less machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from studio.encoder_kinds import X264
from studio.media import encoders
from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.pipeline.request import RunRequest
from studio.store import Library
from tests.conftest import REPO
from tests.factories import make_project

SCRIPT = "Honeybees build their comb from wax.\n\nA forager dances for her sisters."
#: What x264 writes into every stream it makes (its SEI user data).
X264_MARK = b"x264 - core"


class Messages(NullReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


def _seed_nvenc_works(cache_dir: Path) -> None:
    encoders.record_result("nvenc", works=True, reason="", cache_dir=cache_dir)
    assert encoders.resolve("auto", cache_dir) == "nvenc"


@pytest.mark.slow
def test_a_failing_hardware_encoder_falls_back_to_x264_for_the_whole_video(
    library: Library,
) -> None:
    cache_dir = library.home.cache_dir
    _seed_nvenc_works(cache_dir)
    project = make_project(library, script=SCRIPT, transition="crossfade")
    reporter = Messages()
    request = RunRequest.from_library(library, groq_key=None, encoder="nvenc")
    result = pipeline.render_project(library, project, request, reporter=reporter,
                                     install_sigint=False)
    assert "Encoder: NVIDIA NVENC" in reporter.lines
    failed = [line for line in reporter.lines if line.startswith("NVIDIA NVENC failed")]
    assert len(failed) == 1 and failed[0].endswith("making the video again with x264"), (
        reporter.lines)
    video = library.home.abs(result.render.file_path)
    assert X264_MARK in video.read_bytes()
    assert "encoder" not in result.render.settings, "recorded as an x264 render"
    pieces = sorted((library.home.project_dir(project.id) / "segments").rglob("*.mp4"))
    bodies = [p for p in pieces if not p.name.startswith(".")]
    assert len(bodies) >= 3, "two segments and a transition (and handles)"
    for piece in bodies:
        assert X264_MARK in piece.read_bytes(), f"{piece.name} is not x264"
    status = encoders.encoder_status(cache_dir)["nvenc"]
    assert not status.works and status.reason.startswith("failed during a render")
    assert encoders.resolve("auto", cache_dir) == X264, "auto passes it by from now on"


@pytest.mark.slow
def test_produce_with_a_failing_encoder_says_so_and_makes_the_video(
    tmp_path: Path, home: Path
) -> None:
    _seed_nvenc_works(home / "cache")
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), "produce", "--script", str(script),
         "--resolution", "720p", "--voice", "en-us", "--encoder", "nvenc"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "NVIDIA NVENC failed" in done.stderr and "again with x264" in done.stderr
    library = Library.open(home)
    try:
        (summary,) = library.projects()
        video = library.home.abs(library.renders(library.project(summary.id))[0].file_path)
    finally:
        library.close()
    assert X264_MARK in video.read_bytes()


def test_an_unknown_encoder_flag_exits_2_in_one_line(tmp_path: Path, home: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), "produce", "--script", "x.txt",
         "--encoder", "h265"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "--encoder" in errors[0] and "'h265'" in errors[0], done.stderr
