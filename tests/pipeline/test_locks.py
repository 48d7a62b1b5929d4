"""Two renders at once, across real processes: one per project, other projects side by side.

Every render here is a real ``python -m studio render`` subprocess against a real home folder
(a 720p project spoken by the draft voice, so a first render takes a few seconds).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.errors import InputError, ProjectBusy
from studio.home import Home
from studio.locks import batch_lock, lock_path, no_render_running, render_lock
from studio.media.probe import probe
from studio.store import Library
from tests.reliability.crash import prepare_project

SCRIPT = "\n\n".join(
    f"Scene {n}: the bees fan their wings and dance for the flowers." for n in range(1, 4)
)
BUSY = "is already rendering in another window or process"
DEADLINE_S = 180


def _render(home: Path, project_id: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "studio", "--home", str(home), "render", project_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _project(tmp_path: Path, home: Path) -> str:
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    return prepare_project(home, script)


def _jobs(home: Path, project_id: str) -> list[tuple[str, str, str, str | None, int | None]]:
    """(kind, status, created_at, finished_at, pid) of the project's jobs, oldest first."""
    conn = sqlite3.connect(f"file:{home / 'studio.db'}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(
            "SELECT kind, status, created_at, finished_at, pid FROM jobs WHERE project_id = ? "
            "ORDER BY created_at",
            (project_id,),
        ).fetchall()
    finally:
        conn.close()


def _wait_for_running_render(home: Path, project_id: str, proc: subprocess.Popen[str]) -> None:
    """Poll until ``proc``'s render job row is running (it holds the lock by then)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            rows = _jobs(home, project_id)
        except sqlite3.Error:
            rows = []
        if any(r[0] == "render" and r[1] == "running" and r[4] == proc.pid for r in rows):
            return
        time.sleep(0.02)
    raise AssertionError(f"the render never started (exit {proc.poll()})")


def _latest_video(home: Path, project_id: str) -> Path:
    library = Library.open(home)
    try:
        renders = library.renders(library.project(project_id))
        assert renders, "no render was recorded"
        return library.home.abs(renders[0].file_path)
    finally:
        library.close()


def test_the_lock_refuses_a_second_holder_and_frees_on_release(tmp_path: Path) -> None:
    home = Home(tmp_path)
    with render_lock(home, "p1", "Bees"):
        with pytest.raises(ProjectBusy) as refused, render_lock(home, "p1", "Bees"):
            pass  # pragma: no cover - never entered
        with render_lock(home, "p2", "Wasps"):  # another project is free
            pass
    assert refused.value.exit_code == 75
    assert f"'Bees' {BUSY} (pid {os.getpid()})" in refused.value.message
    with render_lock(home, "p1", "Bees"):  # released: free again
        pass


@pytest.mark.slow
def test_two_renders_of_one_project_started_together_one_renders_one_is_refused(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    project_id = _project(tmp_path, home)
    procs = [_render(home, project_id), _render(home, project_id)]
    results = [(p, *p.communicate(timeout=DEADLINE_S)) for p in procs]
    codes = sorted(p.returncode for p, _out, _err in results)
    assert codes == [0, 75], [err for _p, _out, err in results]
    ((winner, out, _err),) = [r for r in results if r[0].returncode == 0]
    ((loser, _out, refusal),) = [r for r in results if r[0].returncode == 75]
    lines = refusal.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("studio: 'Crash test' " + BUSY), refusal
    if "(pid " in lines[0]:  # written the moment the winner took the lock
        assert f"(pid {winner.pid})" in lines[0]
    assert probe(Path(out.strip())).duration > 1
    assert Path(out.strip()) == _latest_video(home, project_id)
    renders = [r for r in _jobs(home, project_id) if r[0] == "render"]
    assert [(r[1], r[4]) for r in renders] == [("completed", winner.pid)], (
        "the refused render must leave no job row (and none failed)"
    )
    assert loser.pid != winner.pid


@pytest.mark.slow
def test_a_second_render_while_one_runs_is_refused_at_once_with_the_holders_pid(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    project_id = _project(tmp_path, home)
    first = _render(home, project_id)
    _wait_for_running_render(home, project_id, first)
    second = _render(home, project_id)
    _out, err = second.communicate(timeout=DEADLINE_S)
    still_running = first.poll() is None
    out, first_err = first.communicate(timeout=DEADLINE_S)
    assert second.returncode == 75, err
    assert err.strip() == (
        f"studio: 'Crash test' {BUSY} (pid {first.pid}). "
        "Wait for it to finish or cancel it there, then render again."
    )
    assert still_running, "the refusal came without waiting for the first render"
    assert first.returncode == 0, first_err
    assert probe(Path(out.strip())).duration > 1
    assert [r[1] for r in _jobs(home, project_id)] == ["completed", "completed"]  # script, render


@pytest.mark.slow
def test_renders_of_two_projects_run_at_the_same_time(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first_id = _project(tmp_path / "a", home)
    second_id = _project(tmp_path / "b", home)
    procs = {first_id: _render(home, first_id), second_id: _render(home, second_id)}
    outs = {pid: p.communicate(timeout=DEADLINE_S) for pid, p in procs.items()}
    for project_id, proc in procs.items():
        out, err = outs[project_id]
        assert proc.returncode == 0, err
        assert probe(Path(out.strip())).duration > 1
    spans = []
    for project_id in procs:
        (render,) = [r for r in _jobs(home, project_id) if r[0] == "render"]
        assert render[1] == "completed" and render[3] is not None
        spans.append((render[2], render[3]))
    (start_a, end_a), (start_b, end_b) = spans
    assert start_a < end_b and start_b < end_a, f"the renders ran one after the other: {spans}"


@pytest.mark.slow
def test_a_sigkilled_render_leaves_no_stale_lock(tmp_path: Path) -> None:
    home = tmp_path / "home"
    project_id = _project(tmp_path, home)
    doomed = _render(home, project_id)
    _wait_for_running_render(home, project_id, doomed)
    os.killpg(doomed.pid, signal.SIGKILL)  # ffmpeg too
    doomed.communicate(timeout=30)
    assert lock_path(Home(home.resolve()), project_id).is_file(), "the lock file stays behind"
    again = _render(home, project_id)
    out, err = again.communicate(timeout=DEADLINE_S)
    assert again.returncode == 0, err
    assert probe(Path(out.strip())).duration > 1
    statuses = [r[1] for r in _jobs(home, project_id) if r[0] == "render"]
    assert statuses == ["interrupted", "completed"]


def test_a_restore_refused_during_a_batch_names_the_batch(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    manifest = str(tmp_path / "week.csv")
    with batch_lock(home, manifest), pytest.raises(InputError) as refused, no_render_running(home):
        pass
    assert refused.value.what == (
        f"A batch is running in another window or process (manifest {manifest})"
    )
    with no_render_running(home):  # released: the restore may go on
        pass
