"""Faults from outside while rendering: a full disk and a crashing ffmpeg.

Each ends in a clear error, the job marked failed, no half-written file at a finished name,
and everything saved kept (finished scenes are reused by the next render).
"""

from __future__ import annotations

import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from studio.store import Library
from tests.reliability.crash import finished_files_are_whole, prepare_project

SCRIPT = "\n\n".join(
    f"Scene {n}: the bees fan their wings and dance for the flowers." for n in range(1, 4)
)


def _project(tmp_path: Path) -> tuple[Path, str]:
    home = tmp_path / "home"
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    return home, prepare_project(home, script)


def _render(home: Path, project_id: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), "render", project_id],
        capture_output=True, text=True, timeout=300, **kwargs,  # type: ignore[call-overload]
    )


def _after_failure(home: Path, project_id: str) -> tuple[str, str, int]:
    library = Library.open(home)
    project = library.project(project_id)
    job = library.jobs(project)[0]
    result = (job.status, job.error_message or "", len(library.renders(project)))
    library.close()
    return result


@pytest.mark.slow
def test_disk_full_while_rendering(tmp_path: Path) -> None:
    home, project_id = _project(tmp_path)

    def small_disk() -> None:  # files may not grow past 1 MB: the final video can't be written
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))

    result = _render(home, project_id, preexec_fn=small_disk)
    assert result.returncode == 1
    assert "disk is full" in result.stderr and "Free some disk space" in result.stderr
    assert "Traceback" not in result.stderr
    status, message, renders = _after_failure(home, project_id)
    assert status == "failed" and "disk is full" in message and renders == 0
    assert finished_files_are_whole(home) == []
    assert list((home / "projects" / project_id / "renders").glob("*.mp4")) == []
    segments = sorted((home / "projects" / project_id / "segments").glob("*.mp4"))
    assert len(segments) == 3, "finished scenes are kept"
    mtimes = [p.stat().st_mtime_ns for p in segments]
    retry = _render(home, project_id)  # space freed: the retry reuses every scene
    assert retry.returncode == 0, retry.stderr
    assert "0 changed scenes to render, 3 unchanged reused" in retry.stderr
    assert [p.stat().st_mtime_ns for p in segments] == mtimes


@pytest.mark.slow
def test_ffmpeg_crashing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home, project_id = _project(tmp_path)
    crashing = tmp_path / "ffmpeg"
    crashing.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crashing.chmod(crashing.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(crashing))
    result = _render(home, project_id)
    assert result.returncode == 1
    assert "FFmpeg crashed" in result.stderr and "Traceback" not in result.stderr
    status, message, renders = _after_failure(home, project_id)
    assert status == "failed" and "FFmpeg crashed" in message and renders == 0
    library = Library.open(home)
    scenes = library.scenes(library.project(project_id))
    assert all(s.duration for s in scenes), "the voice made before the crash is kept"
    library.close()
    monkeypatch.delenv("IMAGEIO_FFMPEG_EXE")
    assert _render(home, project_id).returncode == 0
