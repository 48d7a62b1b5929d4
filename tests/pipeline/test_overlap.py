"""Segments encoded while later scenes are voiced: the same video as one stage after another,
and a cancel in the middle stops both and leaves nothing half-written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imageio_ffmpeg import get_ffmpeg_exe

from studio.errors import Cancelled
from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.pipeline.produce import ProduceRequest
from studio.pipeline.request import RunRequest
from studio.progress import CancelToken
from studio.store import Library
from tests.engines.test_engines import write_kokoro_files

SCRIPT = (
    "Honeybees build their comb from wax.\n\n"
    "A forager dances to show the others where the flowers are.\n\n"
    "Honey is nectar dried by the beating of wings.\n\n"
    "A hive can hold fifty thousand bees in summer."
)


class Messages(NullReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


@pytest.fixture
def overlapped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(pipeline, "OVERLAP_VOICE_AND_RENDER", True)
    yield


def _streams(video: Path) -> list[str]:
    """Every packet's hash, video and sound, read by stream copy."""
    out = subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0", "-c", "copy",
         "-f", "framemd5", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout.decode()  # fmt: skip
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line[:1].isdigit()]


def _segments(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("*.mp4")}


@pytest.mark.slow
def test_overlapped_produce_makes_the_same_segments_and_video(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overlapped: None
) -> None:
    """Produced with segments encoded ahead, then every segment encoded again one stage after
    another: the same segment names, the same bytes, the same packets in the video."""
    script = tmp_path / "bees.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    reporter = Messages()
    request = ProduceRequest(
        run=RunRequest(), script=script, voice="en-us", resolution="720p", project_name="Bees"
    )
    result = pipeline.produce(library, request, reporter=reporter)
    assert any("0 changed scenes to render, 4 unchanged reused" in m for m in reporter.lines), (
        reporter.lines
    )
    folder = library.home.project_dir(result.project.id) / "segments"
    ahead, video_ahead = _segments(folder), _streams(result.video_path)
    assert len(ahead) == 4
    for segment in folder.glob("*.mp4"):
        segment.unlink()
    monkeypatch.setattr(pipeline, "OVERLAP_VOICE_AND_RENDER", False)
    reporter = Messages()
    again = pipeline.render_project(
        library, result.project, reporter=reporter, install_sigint=False
    )
    assert any("Rendering all 4 scenes" in m for m in reporter.lines), reporter.lines
    assert again.video_path != result.video_path
    assert _segments(folder) == ahead
    assert _streams(again.video_path) == video_ahead


def _descendants() -> list[int]:
    """This process's ffmpeg children (other tests' helpers, such as multiprocessing's
    resource tracker after a Dask cluster, may outlive their test and are not counted)."""
    pid = os.getpid()
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found += Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except OSError:
            continue
    return [int(p) for p in found if _command(int(p)).startswith("ffmpeg")]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:  # ended meanwhile
        return ""


@pytest.mark.slow
def test_cancel_while_voicing_and_encoding_stops_both(tmp_path: Path, overlapped: None) -> None:
    """Kokoro voices scene 3 while scene 1's segment encodes; Cancel then stops both."""
    kokoro = write_kokoro_files(tmp_path / "kokoro")
    script = tmp_path / "bees.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    cancel = CancelToken()
    library = Library.open(tmp_path / "home")
    request = ProduceRequest(
        run=RunRequest(kokoro_dir=kokoro), script=script, voice="af_heart", resolution="720p"
    )
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            pipeline.produce(library, request, reporter=NullReporter(), cancel=cancel)
        except BaseException as exc:  # the test reads it
            outcome.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 300  # the model is built first: slow on a crowded machine
    encoding = False
    while time.monotonic() < deadline and worker.is_alive() and not encoding:
        encoding = any(t.name.startswith("segments-ahead") for t in threading.enumerate()) and (
            any("ffmpeg" in Path(f"/proc/{p}/comm").read_text() for p in _descendants()
                if Path(f"/proc/{p}/comm").exists())
        )  # fmt: skip
        time.sleep(0.01)  # polling a condition with a deadline
    assert encoding, f"a segment was being encoded while scenes were voiced ({outcome})"
    cancel.cancel()
    worker.join(timeout=10)
    assert not worker.is_alive(), "Cancel stopped the produce within seconds"
    assert outcome and isinstance(outcome[0], Cancelled), outcome
    assert not [t for t in threading.enumerate() if t.name.startswith("segments-ahead")]
    assert not _descendants(), "no ffmpeg left running"
    project = library.project(library.projects()[0].id)
    folder = library.home.project_dir(project.id)
    half = [p for p in folder.rglob("*") if p.is_file() and (p.name.startswith(".")
            or ".partial" in p.name or ".tmp" in p.name)]  # fmt: skip
    assert half == [], half
    assert library.jobs(project)[0].status == "cancelled"
    library.close()
