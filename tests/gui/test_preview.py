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

from studio.gui.filmstrip import GAP
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
    qtbot.mouseClick(preview.pop_button, Qt.MouseButton.LeftButton)  # out again
    assert preview.own_window is not None and preview.pop_button.text() == "Put back"
    qtbot.mouseClick(preview.pop_button, Qt.MouseButton.LeftButton)  # the same button: back
    qtbot.waitUntil(lambda: preview.own_window is None, timeout=5000)
    assert preview.pop_button.text() == "Pop out"


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


# -- the filmstrip ---------------------------------------------------------------------------------
def timed_project(library: Any, seconds: tuple[float, ...] = (2.0, 4.0, 6.0)) -> Any:
    """A project whose scenes are voiced (placeholder audio files) for ``seconds`` each."""
    texts = [f"Scene number {i + 1} says a few words." for i in range(len(seconds))]
    project = make_project(library, "Strip", texts)
    audio = library.home.project_dir(project.id, create=True) / "audio"
    for scene, length in zip(library.scenes(project), seconds, strict=True):
        wav = audio / f"{scene.id}.wav"
        wav.write_bytes(b"RIFF")
        library.set_scene_audio(
            scene,
            audio_path=wav,
            audio_key=scene.id,
            duration=length,
            sanitized_text=scene.text,
            word_timings=[],
        )
    return project


def strip_window(make_window: Any, library: Any, project: Any) -> Any:
    win = make_window()
    win.workspace.set_current_project(project.id)
    return win


def block_centre(win: Any, index: int) -> QPoint:
    return win.filmstrip.block_rect(win.filmstrip.blocks[index].scene_id).center()


def test_filmstrip_blocks_follow_the_scenes_sized_by_duration(
    make_window: Any, library: Any
) -> None:
    project = timed_project(library)
    win = strip_window(make_window, library, project)
    strip = win.filmstrip
    assert [b.scene_id for b in strip.blocks] == [s.id for s in library.scenes(project)]
    widths = [strip.block_rect(b.scene_id).width() + GAP for b in strip.blocks]
    assert widths[1] == pytest.approx(2 * widths[0], abs=3)
    assert widths[2] == pytest.approx(3 * widths[0], abs=3)
    assert strip.height() <= 90 and strip.minimumSizeHint().width() <= 100


def test_a_click_on_a_block_selects_the_scene_in_strip_and_list(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    project = timed_project(library)
    win = strip_window(make_window, library, project)
    second = library.scenes(project)[1].id
    with qtbot.waitSignal(win.filmstrip.sceneActivated) as signal:
        qtbot.mouseClick(win.filmstrip.strip, Qt.MouseButton.LeftButton, pos=block_centre(win, 1))
    assert signal.args == [second]
    assert win.editor.current_scene_id == second
    assert win.editor.card(second).property("current") is True
    assert win.filmstrip.current_scene_id == second
    first = library.scenes(project)[0].id
    win.editor.show_scene(first)  # and the other way: the list's choice shows on the strip
    assert win.filmstrip.current_scene_id == first
    assert win.editor.card(second).property("current") is False


def test_dragging_a_block_reorders_through_the_undo_stack(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    project = timed_project(library)
    before = [s.id for s in library.scenes(project)]
    win = strip_window(make_window, library, project)
    strip = win.filmstrip.strip
    start, end = block_centre(win, 0), block_centre(win, 2) + QPoint(40, 0)
    qtbot.mousePress(strip, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(strip, start + QPoint(20, 0))
    qtbot.mouseMove(strip, end)
    with qtbot.waitSignal(win.filmstrip.moveRequested) as signal:
        qtbot.mouseRelease(strip, Qt.MouseButton.LeftButton, pos=end)
    assert signal.args == [before[0], 2]
    after = [before[1], before[2], before[0]]
    assert [s.id for s in library.scenes(project)] == after
    assert [b.scene_id for b in win.filmstrip.blocks] == after  # the strip followed
    win.window_actions.undo.trigger()  # Ctrl+Z
    assert [s.id for s in library.scenes(project)] == before
    assert [b.scene_id for b in win.filmstrip.blocks] == before


def test_the_play_head_follows_the_render_and_a_click_seeks_it(
    qtbot: Any, make_window: Any, library: Any, make_video: Any
) -> None:
    project = timed_project(library, (1.0, 1.0, 1.0))
    video = library.home.project_dir(project.id, create=True) / "renders" / "v.mp4"
    shutil.copy(make_video("320x180", 3), video)
    library.record_render(
        project, file_path=video, duration=3.0, thumbnail=None, srt=None, settings={}, job=None
    )
    win = strip_window(make_window, library, project)
    preview, strip = win.preview, win.filmstrip
    qtbot.waitUntil(
        lambda: preview.source == str(video) and preview.player.duration() > 0, timeout=10_000
    )
    assert strip.render_is_loaded()
    paused_at(qtbot, preview, 500)
    early = strip.play_head_x()
    paused_at(qtbot, preview, 2500)
    late = strip.play_head_x()
    assert early is not None and late is not None
    assert late - early == pytest.approx(2.0 * strip.pixels_per_second, abs=2)
    qtbot.mouseClick(strip.strip, Qt.MouseButton.LeftButton, pos=block_centre(win, 1))
    qtbot.waitUntil(lambda: abs(preview.player.position() - 1000) < 5, timeout=5000)


# -- the scene's ▶ ---------------------------------------------------------------------------------
def test_a_scenes_play_button_plays_its_preview_with_picture(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    project = make_project(
        library, "Play one", ["A scene the creator wants to see."], aspect="9:16"
    )
    win = strip_window(make_window, library, project)
    card = win.editor.cards()[0]
    with qtbot.waitSignal(win.editor.previewReady, timeout=30_000):
        qtbot.mouseClick(card.preview, Qt.MouseButton.LeftButton)
    source = Path(win.preview.source)
    assert source.parent == library.home.cache_dir / "scene-previews" / project.id
    qtbot.waitUntil(lambda: not win.preview.current_frame().isNull(), timeout=10_000)
    frame = win.preview.current_frame()
    assert (frame.width(), frame.height()) == (270, 480)  # the picture, at proxy size
    assert library.scenes(project)[0].duration  # voiced on the way
    assert library.jobs(project)[0].kind == "preview"


def test_the_latest_scene_preview_asked_for_is_the_one_shown(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    project = make_project(library, "Two", ["The first scene is here.", "The second one."])
    win = strip_window(make_window, library, project)
    first, second = win.editor.cards()
    shown: list[str] = []
    win.editor.previewReady.connect(lambda _path, title: shown.append(title))
    qtbot.mouseClick(first.preview, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(second.preview, Qt.MouseButton.LeftButton)  # before the first is ready
    qtbot.waitUntil(lambda: not win.jobs.busy and bool(shown), timeout=30_000)
    assert shown[-1] == "Scene 2 — preview"
    assert win.preview.title.text() == "Scene 2 — preview"
    statuses = [job.status for job in library.jobs(project)]
    assert set(statuses) <= {"completed", "cancelled"} and "completed" in statuses
