"""Fixtures and helpers for the GUI tests (import the fixtures into each test_gui module).

* ``no_leaked_qthreads`` (autouse where imported) fails a test that leaves a QThread running,
  like napari's ``_dangling_qthreads``.
* ``window``: a real MainWindow on the test's library, with its QSettings in a temp file; its
  teardown cancels any job and waits for the worker by signal before closing.
* Qt Multimedia prints a few warnings on machines without a sound server or VA-API; those
  exact environment messages are ignored (``MULTIMEDIA_NOISE``), every other warning fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QThread, QTimer
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox

#: Environment-only messages: Qt Multimedia without PulseAudio/PipeWire, VA-API or a GPU, and
#: the offscreen platform plugin, which warns for every top-level window with size hints (a
#: QMainWindow always has them); under xcb this message does not exist.
MULTIMEDIA_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"PulseAudioService: pa_context_connect\(\) failed",
    r"No audio device detected",
    r"No RHI backend",
    r"Couldn't (load|resolve) (va|pipewire)",
)
multimedia_noise = pytest.mark.qt_log_ignore(*MULTIMEDIA_NOISE)


@pytest.fixture(autouse=True)
def no_leaked_qthreads(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test if a QThread it started is still running when it ends."""
    started: list[QThread] = []
    original = QThread.start

    def recording_start(self: QThread, *args: Any) -> None:
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    running = [t for t in started if shiboken6.isValid(t) and t.isRunning()]
    for thread in running:
        thread.wait(10_000)  # don't let one leak crash the next test, but still fail
    assert not running, f"{len(running)} QThread(s) were left running: {running}"


@pytest.fixture
def quiet_qt() -> None:
    from studio.gui.app import quiet_environment_warnings

    quiet_environment_warnings()


@pytest.fixture
def qsettings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "studio-window.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot: Any, library: Any, qsettings: QSettings, quiet_qt: None
                ) -> Iterator[Callable[[], Any]]:
    """Build the window on demand (tests may fill the library first)."""
    from studio.gui.main_window import MainWindow

    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(library, qsettings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if not shiboken6.isValid(window):
            continue
        if window.jobs.busy:
            window.jobs.cancel()
            qtbot.waitUntil(lambda w=window: not w.jobs.busy, timeout=60_000)
        window.close()
        # The player stops by a queued call; let it finish before the window is destroyed.
        qtbot.waitUntil(lambda w=window: w.preview.player.playbackState()
                        == QMediaPlayer.PlaybackState.StoppedState, timeout=5000)
        window.thumbnails.shutdown()


@pytest.fixture
def window(make_window: Callable[[], Any]) -> Any:
    return make_window()


def answer_next_question(button_text: str) -> None:
    """Click ``button_text`` in the next modal message box (asked from inside an event)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        for button in box.findChildren(QAbstractButton):
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {box.text()!r}")

    QTimer.singleShot(0, click)


def make_project(library: Any, name: str = "Bees", texts: tuple[str, ...] = (
        "Bees visit flowers to collect nectar.",
        "Back at the hive they pass it on.",
        "Fanning wings dry it into honey.")) -> Any:
    project = library.create_project(name, render_settings={"resolution": "720p"})
    library.replace_scenes(project, [(text, ["bees"]) for text in texts])
    return library.refresh(project)


def scene_texts(library: Any, project: Any) -> list[str]:
    return [scene.text for scene in library.scenes(project)]


def ffmpeg_children() -> list[str]:
    """ffmpeg processes whose parent is this test process (Linux /proc)."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1: stat.rfind(")")]
        ppid = stat[stat.rfind(")") + 2:].split()[1]
        if ppid == me and "ffmpeg" in comm:
            found.append(f"{entry.name} {comm}")
    return found
