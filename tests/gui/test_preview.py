"""The preview player, the filmstrip and the scene preview, through the real window and widgets.

Videos are tiny real H.264 files made with the media layer's ffmpeg (lavfi testsrc).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtMultimedia import QMediaPlayer

from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]

Playing = QMediaPlayer.PlaybackState.PlayingState
Paused = QMediaPlayer.PlaybackState.PausedState


@pytest.fixture(scope="module")
def make_video(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, float], Path]:
    """``make(size, seconds)``: an H.264 + AAC file of ``size`` (WxH) at 25 fps, made once."""
    folder = tmp_path_factory.mktemp("videos")

    def make(size: str, seconds: float) -> Path:
        out = folder / f"clip-{size}-{seconds}.mp4"
        if not out.is_file():
            import imageio_ffmpeg

            subprocess.run(
                [
                    imageio_ffmpeg.get_ffmpeg_exe(),
                    "-loglevel",
                    "error",
                    "-y",
                    "-f",
                    "lavfi",
                    "-i",
                    f"testsrc=size={size}:rate=25",
                    "-f",
                    "lavfi",
                    "-i",
                    "sine=frequency=440",
                    "-t",
                    str(seconds),
                    "-c:v",
                    "libx264",
                    "-preset",
                    "ultrafast",
                    "-pix_fmt",
                    "yuv420p",
                    "-c:a",
                    "aac",
                    "-shortest",
                    str(out),
                ],
                check=True,
                timeout=60,
            )
        return out

    return make


@pytest.fixture
def window(make_window: Any, library: Any) -> Any:
    """The window on a project (so the editor, the preview and the filmstrip are shown)."""
    project = make_project(library)
    win = make_window()
    win.workspace.set_current_project(project.id)
    return win


def loaded(qtbot: Any, preview: Any, video: Path, *, autoplay: bool = False) -> None:
    """Load ``video`` and wait until the player knows its length."""
    preview.load(video, "Test clip", autoplay=autoplay)
    qtbot.waitUntil(
        lambda: preview.player.duration() > 0 and preview.seek.maximum() > 0, timeout=10_000
    )


def paused_at(qtbot: Any, preview: Any, position_ms: int) -> None:
    preview.pause()
    preview.seek_to(position_ms)
    qtbot.waitUntil(
        lambda: (
            preview.player.playbackState() == Paused
            and abs(preview.player.position() - position_ms) < 5
        ),
        timeout=5000,
    )


def test_space_toggles_playing_and_l_plays_faster(qtbot: Any, window: Any, make_video: Any) -> None:
    preview = window.preview
    loaded(qtbot, preview, make_video("320x180", 3))
    preview.setFocus()
    qtbot.keyClick(preview, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: preview.player.playbackState() == Playing, timeout=5000)
    qtbot.keyClick(preview, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: preview.player.playbackState() == Paused, timeout=5000)
    qtbot.keyClick(preview, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: preview.player.playbackState() == Playing, timeout=5000)
    qtbot.keyClick(preview, Qt.Key.Key_L)
    qtbot.waitUntil(lambda: preview.player.playbackRate() == 2.0, timeout=5000)
    qtbot.keyClick(preview, Qt.Key.Key_K)
    qtbot.waitUntil(
        lambda: preview.player.playbackState() == Paused and preview.player.playbackRate() == 1.0,
        timeout=5000,
    )


def test_arrows_step_one_frame_while_paused_and_home_end_jump(
    qtbot: Any, window: Any, make_video: Any
) -> None:
    preview = window.preview
    loaded(qtbot, preview, make_video("320x180", 3))
    paused_at(qtbot, preview, 1000)
    start = preview.player.position()
    qtbot.keyClick(preview, Qt.Key.Key_Right)
    qtbot.waitUntil(
        lambda: abs(preview.player.position() - (start + 40)) <= 2,  # 25 fps
        timeout=5000,
    )
    qtbot.keyClick(preview, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: abs(preview.player.position() - start) <= 2, timeout=5000)
    qtbot.keyClick(preview, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: abs(preview.player.position() - (start - 40)) <= 2, timeout=5000)
    assert preview.player.playbackState() == Paused
    qtbot.keyClick(preview, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: preview.player.position() > 2800, timeout=5000)
    qtbot.keyClick(preview, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: preview.player.position() < 100, timeout=5000)


def test_a_click_on_the_bar_seeks_near_the_click(qtbot: Any, window: Any, make_video: Any) -> None:
    preview = window.preview
    loaded(qtbot, preview, make_video("320x180", 3))
    paused_at(qtbot, preview, 0)
    bar = preview.seek
    x = round(bar.width() * 0.75)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=QPoint(x, bar.height() // 2))
    duration = preview.player.duration()
    qtbot.waitUntil(
        lambda: abs(preview.player.position() - 0.75 * duration) < 0.08 * duration, timeout=5000
    )


def test_double_click_goes_full_screen_and_escape_returns(
    qtbot: Any, window: Any, make_video: Any
) -> None:
    preview = window.preview
    loaded(qtbot, preview, make_video("320x180", 3))
    qtbot.mouseDClick(preview.poster, Qt.MouseButton.LeftButton)
    full = preview.own_window
    assert full is not None and full.isFullScreen()
    assert preview.body.window() is full and not preview.away.isHidden()
    qtbot.waitExposed(full)
    qtbot.keyClick(full, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: preview.own_window is None, timeout=5000)
    assert preview.body.window() is window and preview.body.isVisible()
    assert preview.away.isHidden()


def test_pop_out_opens_a_large_window_and_closing_puts_it_back(
    qtbot: Any, window: Any, make_video: Any
) -> None:
    preview = window.preview
    loaded(qtbot, preview, make_video("270x480", 2))
    qtbot.mouseClick(preview.pop_button, Qt.MouseButton.LeftButton)
    popped = preview.own_window
    assert popped is not None and not popped.isFullScreen()
    qtbot.waitExposed(popped)
    available = popped.screen().availableGeometry()
    assert popped.height() >= min(800, int(available.height() * 0.85))
    assert preview.frame.height() > 0.6 * popped.height()  # the picture takes the window
    qtbot.mouseClick(preview.put_back_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: preview.own_window is None, timeout=5000)
    assert preview.body.window() is window


def test_no_stale_time_after_switching_to_a_project_with_no_video(
    qtbot: Any, make_window: Any, library: Any, make_video: Any
) -> None:
    rendered = make_project(library, "Rendered")
    empty = make_project(library, "Never rendered")
    video = library.home.project_dir(rendered.id, create=True) / "renders" / "v.mp4"
    shutil.copy(make_video("320x180", 3), video)
    library.record_render(
        rendered, file_path=video, duration=3.0, thumbnail=None, srt=None, settings={}, job=None
    )
    win = make_window()
    preview = win.preview
    win.workspace.set_current_project(rendered.id)
    qtbot.waitUntil(
        lambda: preview.source == str(video) and preview.player.duration() > 0, timeout=10_000
    )
    preview.play()
    qtbot.waitUntil(lambda: preview.time_label.text().endswith("/ 0:03"), timeout=10_000)
    win.workspace.set_current_project(empty.id)
    qtbot.waitUntil(
        lambda: preview.player.mediaStatus() == QMediaPlayer.MediaStatus.NoMedia, timeout=5000
    )
    assert preview.time_label.text() == ""
    assert preview.poster.caption == "No video yet"
    assert not preview.play_button.isEnabled()


@pytest.mark.parametrize("size", [(1366, 768), (1024, 700)])
def test_the_window_keeps_its_size_when_a_vertical_video_plays(
    qtbot: Any, window: Any, make_video: Any, size: tuple[int, int]
) -> None:
    window.resize(*size)
    before = window.size()
    minimum = window.minimumSizeHint()
    preview = window.preview
    hint = window.centralWidget().sizeHint()
    picture_hint = preview.frame.sizeHint()
    loaded(qtbot, preview, make_video("270x480", 1), autoplay=True)
    qtbot.waitUntil(lambda: not preview.current_frame().isNull(), timeout=10_000)
    qtbot.waitUntil(lambda: preview.video.isVisible(), timeout=5000)
    frame = preview.current_frame()
    assert (frame.width(), frame.height()) == (270, 480)
    assert window.size() == before
    # what a real window manager would grow the window to (offscreen Qt never resizes it): the
    # picture asks for no more room; the labels' new text may change a line's worth at most
    assert preview.frame.sizeHint() == picture_hint
    assert window.centralWidget().sizeHint().height() <= hint.height() + 30
    assert window.minimumSizeHint().height() <= minimum.height()
    assert window.minimumSizeHint().width() <= minimum.width()
