"""Fixtures for the GUI tests (pytest finds them here; the test modules import none).

* ``no_leaked_qthreads`` (autouse for every GUI test) fails a test that leaves a QThread running,
  like napari's ``_dangling_qthreads``.
* ``window``: a real MainWindow on the test's library, with its QSettings in a temp file; its
  teardown cancels any job and waits for the worker by signal before closing.

Helpers that are not fixtures (``multimedia_noise``, ``answer_next_question``...) live in
``tests/gui/support.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QSettings, QThread
from PySide6.QtMultimedia import QMediaPlayer


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
def make_window(
    qtbot: Any, library: Any, qsettings: QSettings, quiet_qt: None
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
        qtbot.waitUntil(
            lambda w=window: (
                w.preview.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState
            ),
            timeout=5000,
        )
        window.thumbnails.shutdown()


@pytest.fixture
def window(make_window: Callable[[], Any]) -> Any:
    return make_window()
