"""SIGKILL trials: kill ``studio render``/``produce`` at a chosen stage, then check nothing is lost.

Used by ``tests/test_crash_safety.py`` (a bounded sample) and ``bench/crash_trials.py`` (the
full set). Each trial is a real subprocess against a real home folder.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import soundfile as sf

from studio.media.aac import adts_packets
from studio.media.probe import probe
from studio.store import Library

STAGES = ("Script", "Voice", "Visuals", "Rendering", "Mixing", "Joining", "Making the thumbnail")
EDITED_TEXT = "This edit was committed before the crash and must survive it."


@dataclass
class TrialResult:
    stage: str
    killed_at_stage: str
    integrity: str
    job_status: str
    edits_kept: bool
    bad_files: list[str]
    resumed: bool
    reused_segments: int
    resume_seconds: float


def studio_cmd(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "studio", "--home", str(home), *args]


def _current_stage(db: Path) -> str:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            row = conn.execute(
                "SELECT stage FROM jobs WHERE status = 'running' ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return ""
    return row[0] if row else ""


def kill_at_stage(cmd: list[str], db: Path, stage: str, rng: random.Random,
                  timeout: float = 120.0) -> str:
    """Start ``cmd``; SIGKILL it at a random moment soon after it reports ``stage``.

    The stage is read from the command's own progress lines on stderr (printed the moment a
    stage starts), with the job row in the database as a fallback.
    """
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    seen: list[str] = []
    reached = threading.Event()

    def follow() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").strip()
            text = line.split("] ", 1)[-1]
            if text.startswith(stage):
                seen.append(text)
                reached.set()

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if reached.wait(0.005) or _current_stage(db).startswith(stage):
                time.sleep(rng.uniform(0.0, 0.25))  # a random moment inside the stage
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole tree: ffmpeg dies too
        proc.wait()
        reader.join(timeout=5)
    return seen[0] if seen else ""


def finished_files_are_whole(home: Path) -> list[str]:
    """Every file at a finished name must be complete (temp names are allowed to be partial)."""
    bad = []
    for path in (home / "projects").rglob("*"):
        if not path.is_file() or path.name.startswith(".") or ".partial" in path.name:
            continue
        try:
            if path.suffix == ".mp4":
                info = probe(path, exact=True)
                if not (info.has_video and info.duration > 0):
                    bad.append(str(path))
            elif path.suffix == ".m4a":  # a soundtrack
                info = probe(path, exact=True)
                if not (info.has_audio and info.duration > 0):
                    bad.append(str(path))
            elif path.suffix == ".aac":  # a cached chunk of a soundtrack: whole packets only
                if not adts_packets(path.read_bytes()):
                    bad.append(str(path))
            elif path.suffix == ".chunks":  # the list of a soundtrack's chunks
                if not isinstance(json.loads(path.read_text(encoding="utf-8")), list):
                    bad.append(str(path))
            elif path.suffix == ".wav" and sf.info(path).frames <= 0:
                bad.append(str(path))
        except Exception as exc:  # noqa: BLE001 - any failure to read is a finding
            bad.append(f"{path}: {exc}")
    return bad


def prepare_project(home: Path, script: Path) -> str:
    """A project with its script and one committed edit; returns its id."""
    from studio.pipeline.jobs import run_job
    from studio.pipeline.script import script_from_text

    library = Library.open(home)
    project = library.create_project(
        "Crash test", render_settings={"aspect": "16:9", "resolution": "720p"}
    )
    with run_job(library, project, "script") as ctx:
        script_from_text(library, project, script.read_text(encoding="utf-8"), ctx)
    library.close()
    return project.id


STYLES = ("clean", "bold", "boxed")


def edit_before_kill(home: Path, project_id: str, rng: random.Random) -> tuple[str, str]:
    """Commit a scene edit and a caption-style change, so the next render has real work."""
    library = Library.open(home)
    project = library.project(project_id)
    scenes = library.scenes(project)
    scene = scenes[rng.randrange(len(scenes))]
    text = f"{EDITED_TEXT} Edit number {rng.randrange(10**6)}."
    library.update_scene(scene, text=text)
    settings = dict(project.render_settings or {})
    current = settings.get("caption_style", "clean")
    settings["caption_style"] = STYLES[(STYLES.index(current) + 1) % len(STYLES)]
    library.update_project(project, render_settings=settings)
    library.close()
    return scene.id, text


def run_trial(home: Path, project_id: str, stage: str, rng: random.Random) -> TrialResult:
    db = home / "studio.db"
    scene_id, text = edit_before_kill(home, project_id, rng)
    seen = kill_at_stage(studio_cmd(home, "render", project_id), db, stage, rng)
    conn = sqlite3.connect(db)
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    bad = finished_files_are_whole(home)
    segdir = home / "projects" / project_id / "segments"
    before = {p.name: p.stat().st_mtime_ns for p in segdir.glob("*.mp4")} if segdir.exists() else {}
    library = Library.open(home)  # reopening marks the killed job
    job = library.jobs(library.project(project_id))[0]
    status = job.status
    edits = library.scene(scene_id).text == text
    library.close()
    started = time.monotonic()
    resumed = (
        subprocess.run(
            studio_cmd(home, "resume", project_id), capture_output=True, text=True, timeout=300
        ).returncode
        == 0
    )
    elapsed = time.monotonic() - started
    reused = sum(
        1
        for name, mtime in before.items()
        if (segdir / name).is_file() and (segdir / name).stat().st_mtime_ns == mtime
    )
    return TrialResult(stage, seen, integrity, status, edits, bad, resumed, reused, elapsed)
