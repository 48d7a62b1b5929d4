"""Two of everything, across real processes: windows on one library, renders of one project.

A second ``python -m studio`` on a home whose window is open must hand over (the first window
is asked forward) and exit 0 at once; a crashed first window must not block the next start;
``--screenshot`` is exempt. A render the window starts while another process renders the same
project is refused with the one-line reason, and writes no job.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage

from studio.gui.single_instance import SingleInstance, server_name
from studio.logs import LOG_DIR_ENV, LOG_FILENAME
from tests.conftest import REPO
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = pytest.mark.gui
ALREADY_OPEN = "Studio is already open on this library"
DEADLINE_S = 120


def _studio(home: Path, *args: str, log_dir: Path | None = None) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if log_dir is not None:
        env[LOG_DIR_ENV] = str(log_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
        start_new_session=True,
    )


def _wait_for_log(log_file: Path, text: str, proc: subprocess.Popen[str]) -> None:
    """Poll the first window's log file until it says ``text`` (or the process ends)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline and proc.poll() is None:
        if log_file.is_file() and text in log_file.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in the log (exit {proc.poll()})")


def test_a_second_start_asks_the_first_window_forward_and_exits(qtbot: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = SingleInstance(home)  # the first window's side, in this process's event loop
    assert first.claim()
    started = time.monotonic()
    second = _studio(home)
    try:
        with qtbot.waitSignal(first.activated, timeout=DEADLINE_S * 1000):
            pass  # the event loop runs here, so the first side can accept the connection
        _out, err = second.communicate(timeout=DEADLINE_S)
        elapsed = time.monotonic() - started
        assert second.returncode == 0, err
        assert err.strip().splitlines() == [
            f"studio: {ALREADY_OPEN} ({home.resolve()}); its window was brought forward."
        ]
        assert elapsed < 30, f"the second start took {elapsed:.1f} s to hand over"
        assert not SingleInstance(home).claim(), "the library is still claimed by the first"
    finally:
        if second.poll() is None:  # it opened a second window instead of handing over
            os.killpg(second.pid, signal.SIGKILL)
            second.communicate(timeout=30)
        first.release()


def test_a_second_start_with_an_archive_hands_it_to_the_first_window(
    qtbot: Any, tmp_path: Path
) -> None:
    """``studio FILE.studio.zip`` (the desktop's Open with) while Studio is open: the open
    window is asked to import it, by its absolute path; the second start exits 0."""
    home = tmp_path / "home"
    first = SingleInstance(home)
    assert first.claim()
    archive = tmp_path / "with space é.studio.zip"
    second = _studio(home, os.path.relpath(archive, REPO))
    try:
        with qtbot.waitSignal(first.openRequested, timeout=DEADLINE_S * 1000) as opened:
            pass
        _out, err = second.communicate(timeout=DEADLINE_S)
        assert second.returncode == 0, err
        assert Path(opened.args[0]) == archive
        assert f"its window was brought forward; it imports {archive.name}." in err
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            second.communicate(timeout=30)
        first.release()


def test_a_screenshot_runs_beside_an_open_window(qtbot: Any, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = SingleInstance(home)
    assert first.claim()
    try:
        shot = tmp_path / "shot.png"
        run = _studio(home, "--screenshot", str(shot))
        _out, err = run.communicate(timeout=DEADLINE_S)
        assert run.returncode == 0, err
        assert not QImage(str(shot)).isNull()
    finally:
        first.release()


@pytest.mark.slow
def test_the_real_window_is_asked_forward_and_a_crashed_one_blocks_nothing(
    qtbot: Any, tmp_path: Path
) -> None:
    home, logs = tmp_path / "home", tmp_path / "logs"
    log_file = logs / LOG_FILENAME
    window = _studio(home, log_dir=logs)
    try:
        _wait_for_log(log_file, "this window has the library", window)
        second = _studio(home, log_dir=tmp_path / "logs-second")
        _out, err = second.communicate(timeout=DEADLINE_S)
        assert second.returncode == 0, err
        assert ALREADY_OPEN in err
        _wait_for_log(log_file, "another start asked for this window", window)
        assert window.poll() is None, "the first window stays open"
    finally:
        if window.poll() is None:
            os.killpg(window.pid, signal.SIGKILL)  # a crash: the lock and the socket stay
        window.communicate(timeout=30)
    assert (home / "locks" / "window.lock").is_file()
    after_crash = SingleInstance(home)
    assert after_crash.claim(), "a crashed window's lock is stale and taken over"
    after_crash.release()
    assert server_name(home) == after_crash.name


#: Holds a project's render lock from another process until its stdin closes.
HOLD_LOCK = """
import sys
from pathlib import Path
from studio.home import Home
from studio.locks import render_lock
with render_lock(Home(Path(sys.argv[1])), sys.argv[2], "held"):
    print("held", flush=True)
    sys.stdin.readline()
"""


@multimedia_noise
def test_the_window_reports_a_render_refused_because_another_process_renders(
    qtbot: Any, library: Any, window: Any
) -> None:
    project = make_project(library, "Bees")
    window.workspace.set_current_project(project.id)
    jobs_before = len(library.jobs(project))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(library.home.root), project.id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with qtbot.waitSignal(window.jobs.failed, timeout=60_000) as refused:
            assert window.render_panel.start_render()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=60_000)
    finally:
        holder.communicate(input="\n", timeout=30)
    _info, message = refused.args
    assert message == (
        f"'Bees' is already rendering in another window or process (pid {holder.pid}). "
        "Wait for it to finish or cancel it there, then render again."
    )
    assert window.render_panel.note.text() == message
    assert len(library.jobs(project)) == jobs_before, "a refused render records no job"


#: Another process adding a project to the library (what ``studio import`` or a script does).
ADD_PROJECT = """
import sys
from pathlib import Path
from studio.store import Library
library = Library.open(Path(sys.argv[1]))
print(library.create_project("Made in another process").id)
library.close()
"""


@multimedia_noise
def test_the_window_shows_a_project_another_process_adds(
    qtbot: Any, library: Any, window: Any
) -> None:
    from studio.gui.external_changes import ExternalChanges

    watcher = ExternalChanges(library, window.workspace, window.jobs, parent=window)
    watcher.start()
    added = subprocess.run(
        [sys.executable, "-c", ADD_PROJECT, str(library.home.root)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=DEADLINE_S,
        check=True,
    ).stdout.strip()
    assert window.tree.project_item(added) is None
    qtbot.waitUntil(lambda: window.tree.project_item(added) is not None, timeout=30_000)
