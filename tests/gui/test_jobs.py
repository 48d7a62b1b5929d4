"""Workers, the job runner, closing during a job, the preview player, and the app's entry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QMediaPlayer

from studio.errors import Cancelled, InputError
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.render_panel import RENDER_LIMIT
from studio.gui.workers import BUG_MESSAGE
from tests.conftest import REPO
from tests.factories import make_project
from tests.gui.support import answer_next_question, multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]


def test_worker_reports_progress_result_and_finishes(qtbot: Any, library: Any) -> None:
    runner = JobRunner(library)
    seen: list[tuple[float, str]] = []
    runner.progress.connect(lambda _job, f, stage, _eta: seen.append((f, stage)))

    def work(reporter: Any, cancel: Any) -> int:
        reporter.progress(0.5, "Half way", 3.0)
        reporter.progress(1.0, "Done", None)
        return 42

    results: list[object] = []
    with qtbot.waitSignal(runner.jobFinished, timeout=5000):
        assert runner.run(Op("Testing", work).success(results.append))
        assert not runner.run(Op("Second", work))  # one job at a time (of no project)
    assert seen == [(0.5, "Half way"), (1.0, "Done")]
    assert results == [42]
    assert not runner.busy


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (InputError("The file is broken", fix="Choose another file"),
         "The file is broken. Choose another file."),
        (ValueError("internal detail"), BUG_MESSAGE),
    ],
)
def test_worker_failures_arrive_as_human_messages(qtbot: Any, library: Any, error: Exception,
                                                  shown: str) -> None:
    runner = JobRunner(library)

    def work(reporter: Any, cancel: Any) -> None:
        raise error

    with qtbot.waitSignal(runner.failed, timeout=5000) as failed, \
            qtbot.waitSignal(runner.jobFinished, timeout=5000):
        runner.run(Op("Testing", work))
    assert failed.args[1] == shown
    assert "Traceback" not in failed.args[1]


def test_cancel_stops_a_worker_cooperatively(qtbot: Any, library: Any) -> None:
    runner = JobRunner(library)

    def work(reporter: Any, cancel: Any) -> None:
        reporter.progress(0.1, "Waiting", None)
        if cancel.wait(30):
            raise Cancelled()

    with qtbot.waitSignal(runner.progress, timeout=5000):
        runner.run(Op("Testing", work))
    with qtbot.waitSignal(runner.cancelled, timeout=5000), \
            qtbot.waitSignal(runner.jobFinished, timeout=5000):
        runner.cancel()
    assert not runner.busy


def _slow_job(library: Any, project_id: str) -> Any:
    """A stand-in for a long render: a real jobs row, progress, stops only when cancelled."""
    from studio.pipeline.jobs import run_job

    def work(reporter: Any, cancel: Any) -> None:
        project = library.project(project_id)
        with run_job(library, project, "render", reporter=reporter, cancel=cancel) as ctx:
            for step in range(600):
                ctx.progress(step / 600, "Render: working")
                if cancel.wait(0.05):
                    raise Cancelled()

    return work


def test_close_during_a_job_asks_then_cancels_and_waits(qtbot: Any, make_window: Any,
                                                        library: Any) -> None:
    project = make_project(library)
    win = make_window()
    with qtbot.waitSignal(win.jobs.progress, timeout=5000):
        win.jobs.run(Op("Rendering “Bees”", _slow_job(library, project.id),
                        project_id=project.id, kind="render").one_at_a_time(RENDER_LIMIT))
    answer_next_question("Keep working")
    win.close()
    assert win.isVisible() and win.jobs.busy
    answer_next_question("Stop and close")
    with qtbot.waitSignal(win.jobs.jobFinished, timeout=10_000):
        win.close()
    qtbot.waitUntil(lambda: not win.isVisible(), timeout=5000)
    assert not win.jobs.busy
    assert [job.status for job in library.jobs(project)] == ["cancelled"]


def test_escape_cancels_the_running_job(qtbot: Any, make_window: Any, library: Any) -> None:
    from PySide6.QtCore import Qt

    project = make_project(library)
    win = make_window()
    win.workspace.set_current_project(project.id)
    with qtbot.waitSignal(win.jobs.progress, timeout=5000):
        win.jobs.run(Op("Rendering “Bees”", _slow_job(library, project.id),
                        project_id=project.id, kind="render").one_at_a_time(RENDER_LIMIT))
    assert win.render_panel.cancel_button.isEnabled()
    assert not win.render_panel.render_button.isEnabled()
    with qtbot.waitSignal(win.jobs.jobFinished, timeout=10_000):
        qtbot.keyClick(win.editor, Qt.Key.Key_Escape)
    assert library.jobs(project)[0].status == "cancelled"
    assert "cancelled" in win.render_panel.stage.text()


@pytest.fixture
def small_video(tmp_path: Path) -> Path:
    """A 3 s 320x180 H.264 + AAC file made with the ffmpeg the media layer uses."""
    import imageio_ffmpeg

    out = tmp_path / "clip.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc=size=320x180:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", "3",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(out)],
        check=True, timeout=60)
    return out


def test_preview_player_plays_a_video(qtbot: Any, window: Any, small_video: Path) -> None:
    preview = window.preview
    player_before = preview.player
    preview.load(small_video, "Test clip", autoplay=True)
    qtbot.waitUntil(lambda: preview.player.mediaStatus() in (
        QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia,
        QMediaPlayer.MediaStatus.BufferingMedia), timeout=10_000)
    qtbot.waitUntil(lambda: preview.player.position() > 300, timeout=10_000)
    frame: QImage = preview.current_frame()
    assert not frame.isNull() and frame.width() == 320
    assert preview.seek.maximum() > 0
    preview.load(small_video, "Again", autoplay=True)  # the one player is reused
    assert preview.player is player_before
    qtbot.waitUntil(lambda: preview.player.playbackState()
                    == QMediaPlayer.PlaybackState.PlayingState, timeout=5000)
    preview.stop()  # queued
    qtbot.waitUntil(lambda: preview.player.playbackState()
                    == QMediaPlayer.PlaybackState.StoppedState, timeout=5000)


def _run_studio(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STUDIO_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "studio", *args], capture_output=True,
                          text=True, env=env, timeout=120, cwd=REPO)


def test_screenshot_mode_saves_the_settled_window(tmp_path: Path, library: Any) -> None:
    project = make_project(library, "Screenshot me")
    library.close()
    out = tmp_path / "shot.png"
    result = _run_studio("--home", str(library.home.root), "--screenshot", str(out),
                         "--project", project.name, home=library.home.root)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert not image.isNull() and image.width() >= 800


def test_unusable_home_is_explained_and_exits_2(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    result = _run_studio("--home", str(not_a_folder), "--screenshot", str(tmp_path / "x.png"),
                         home=not_a_folder)
    assert result.returncode == 2
    assert "home folder" in result.stderr and "Traceback" not in result.stderr
