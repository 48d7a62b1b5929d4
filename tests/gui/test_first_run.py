"""First-run setup: the checklist, its download and key check, the log folder, the crash box.

Real widgets against a real library; the hub and Groq are the local fakes in tests/fakes.
"""

from __future__ import annotations

import logging
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import huggingface_hub
import keyring
import keyring.core
import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QAbstractButton, QMenu

from studio.engines import download
from studio.gui import crash_reporter, setup_sections
from studio.gui.crash_reporter import CrashReporter
from studio.gui.setup_checklist import FIRST_RUN_KEY, first_run_pending
from studio.gui.setup_sections import DOWNLOAD_VOICES, OPTIONAL, READY, TODO
from studio.secrets import KEYRING_GROQ_USER, KEYRING_SERVICE
from studio.store.settings_registry import KOKORO_DIR as SETTING_WEIGHTS_DIR
from tests.engines.test_engines import write_kokoro_files
from tests.fakes.groq_server import MODELS_PATH, Behaviour, FakeGroq, unauthorized
from tests.fakes.hf_hub import FakeFile, FakeHub
from tests.fakes.memory_keyring import MemoryKeyring
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]

KEY = "gsk_SECRETsecret0123456789abcdefXYZ"
MODEL = "kokoro-v1_0.pth"
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Kokoro files from this machine's Hugging Face cache."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf-cache"))


@pytest.fixture
def local_network_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Connections only to 127.0.0.1; hub downloads allowed (conftest switches them off)."""
    real_connect = socket.socket.connect

    def local_only(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host != "127.0.0.1":
                raise AssertionError(f"test tried to reach the network: {address!r}")
        real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_only)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    huggingface_hub.close_session()
    yield
    huggingface_hub.close_session()


@pytest.fixture
def hub(local_network_only: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A fake hub with Kokoro's files (every voice the checklist downloads), as HF_ENDPOINT."""
    files: dict[str, FakeFile | bytes] = {
        "config.json": b'{"n_token": 178}',
        MODEL: FakeFile(bytes(i % 251 for i in range(20_000)), lfs=True),
    }
    for n, voice in enumerate(DOWNLOAD_VOICES):
        files[f"voices/{voice}.pt"] = FakeFile(bytes([n]) * 600, lfs=True)
    monkeypatch.setattr(download, "CHUNK_SIZE", 1024)  # many progress reports from tiny files
    with FakeHub(files) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        yield server


@pytest.fixture
def groq(local_network_only: None, library: Any) -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        library.set_setting("groq_base_url", server.base_url)
        yield server




def choose_folder_answers(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The next "choose a folder" dialogs answer ``folder``."""

    class AnsweringFileDialog:
        @staticmethod
        def getExistingDirectory(*_args: Any) -> str:  # noqa: N802  (Qt's name)
            return str(folder)

    monkeypatch.setattr(setup_sections, "QFileDialog", AnsweringFileDialog)


def open_checklist(window: Any) -> Any:
    window.window_actions.setup_checklist.trigger()  # Help → Setup checklist…
    assert window.setup is not None and window.setup.isVisible()
    return window.setup


# -- the checklist ---------------------------------------------------------------------------------
def test_checklist_shows_what_is_missing_in_an_empty_library(window: Any) -> None:
    checklist = open_checklist(window)
    assert checklist.voice.state == TODO
    assert "draft voice" in checklist.voice.detail.text()
    assert checklist.voice.download_button.isEnabled()
    assert not checklist.voice.progress.isVisibleTo(checklist)
    assert checklist.groq.state == OPTIONAL
    assert checklist.groq.key.echoMode() == checklist.groq.key.EchoMode.Password
    assert checklist.media.state == OPTIONAL
    help_menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&Help")
    titles = [a.text() for a in help_menu.actions()]
    assert "Setup &checklist…" in titles and "Open &log folder" in titles


def test_first_run_is_remembered_when_skipped_or_done(qtbot: Any, window: Any,
                                                      qsettings: Any) -> None:
    assert first_run_pending(qsettings)
    checklist = open_checklist(window)
    with qtbot.waitSignal(checklist.finished):
        qtbot.mouseClick(checklist.skip_button, LEFT)
    assert qsettings.value(FIRST_RUN_KEY) == "skipped"
    assert not first_run_pending(qsettings)
    checklist = open_checklist(window)
    with qtbot.waitSignal(checklist.finished):
        qtbot.mouseClick(checklist.done_button, LEFT)
    assert qsettings.value(FIRST_RUN_KEY) == "completed"


# -- Kokoro's voice files --------------------------------------------------------------------------
def test_using_a_folder_of_kokoro_files_stores_it_and_the_voice_is_ready(
        qtbot: Any, window: Any, library: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_kokoro_files(tmp_path / "my kokoro")
    checklist = open_checklist(window)
    choose_folder_answers(monkeypatch, folder)
    with qtbot.waitSignal(checklist.voiceChanged):
        qtbot.mouseClick(checklist.voice.folder_button, LEFT)
    assert library.get_setting(SETTING_WEIGHTS_DIR) == str(folder)
    assert checklist.voice.state == READY
    assert str(folder) in checklist.voice.detail.text()
    assert "draft voice" not in window.welcome.voice_note.text()


def test_an_incomplete_folder_says_what_is_missing_and_stores_nothing(
        qtbot: Any, window: Any, library: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "half"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    checklist = open_checklist(window)
    choose_folder_answers(monkeypatch, folder)
    qtbot.mouseClick(checklist.voice.folder_button, LEFT)
    message = checklist.voice.message
    assert message.isVisibleTo(checklist)
    assert "Kokoro voice files are missing" in message.text() and MODEL in message.text()
    assert library.get_setting(SETTING_WEIGHTS_DIR) is None
    assert checklist.voice.state == TODO


def test_download_shows_progress_and_stores_the_folder(
        qtbot: Any, window: Any, library: Any, hub: FakeHub) -> None:
    checklist = open_checklist(window)
    voice = checklist.voice
    fractions: list[float] = []
    window.jobs.progress.connect(lambda _job, f, _stage, _eta: fractions.append(f))
    with qtbot.waitSignal(window.jobs.succeeded, timeout=60_000):
        qtbot.mouseClick(voice.download_button, LEFT)
        assert voice.progress.isVisibleTo(checklist) and voice.cancel_button.isVisibleTo(checklist)
    target = library.home.root / "voices" / "kokoro"
    assert library.get_setting(SETTING_WEIGHTS_DIR) == str(target)
    assert (target / MODEL).read_bytes() == hub.files[MODEL].content
    assert len(fractions) > 3 and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert voice.state == READY
    assert "Downloaded" in voice.message.text()
    qtbot.waitUntil(lambda: not window.jobs.busy)
    assert not voice.progress.isVisibleTo(checklist)
    assert voice.download_button.isEnabled()


def test_cancelling_the_download_stores_nothing(
        qtbot: Any, window: Any, library: Any, hub: FakeHub) -> None:
    reached, release = hub.hold_after(MODEL, 4096)
    checklist = open_checklist(window)
    voice = checklist.voice
    cancelled: list[Any] = []
    window.jobs.cancelled.connect(cancelled.append)
    qtbot.mouseClick(voice.download_button, LEFT)
    qtbot.waitUntil(reached.is_set, timeout=30_000)  # the model is half-way down
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=30_000):
        qtbot.mouseClick(voice.cancel_button, LEFT)
        release.set()
    assert [info.kind for info in cancelled] == ["voice-download"]
    assert library.get_setting(SETTING_WEIGHTS_DIR) is None
    assert voice.state == TODO
    assert "cancelled" in voice.message.text()
    assert voice.download_button.isEnabled()


# -- the Groq key ----------------------------------------------------------------------------------
def test_a_good_key_passes_the_test(qtbot: Any, window: Any, groq: FakeGroq) -> None:
    groq.enqueue(Behaviour())
    row = open_checklist(window).groq
    qtbot.keyClicks(row.key, KEY)
    with qtbot.waitSignal(row.keyChecked, timeout=30_000) as checked:
        qtbot.mouseClick(row.test_button, LEFT)
    assert checked.args == [True]
    assert "accepted" in row.message.text()
    assert [(r.method, r.path) for r in groq.requests] == [("GET", MODELS_PATH)]
    assert groq.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_a_rejected_key_says_so_without_showing_the_key(
        qtbot: Any, window: Any, groq: FakeGroq, caplog: pytest.LogCaptureFixture) -> None:
    groq.enqueue(unauthorized(echo_key=True))  # a server that repeats the key back
    row = open_checklist(window).groq
    row.key.setText(KEY)
    with caplog.at_level(logging.DEBUG), qtbot.waitSignal(row.keyChecked,
                                                          timeout=30_000) as checked:
        qtbot.mouseClick(row.test_button, LEFT)
    assert checked.args == [False]
    assert "Groq rejected this API key" in row.message.text()
    assert KEY not in row.message.text() and KEY not in caplog.text


def test_saving_without_a_keyring_explains_inline(window: Any) -> None:
    row = open_checklist(window).groq  # conftest's keyring is the null backend
    row.key.setText(KEY)
    assert not row.save()
    assert "keyring" in row.message.text() and KEY not in row.message.text()
    assert row.state == OPTIONAL


def test_saving_the_key_keeps_it_in_the_keyring(qtbot: Any, window: Any,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    row = open_checklist(window).groq
    row.key.setText(KEY)
    qtbot.mouseClick(row.save_button, LEFT)
    assert memory.passwords == {(KEYRING_SERVICE, KEYRING_GROQ_USER): KEY}
    assert row.state == READY and row.key.text() == ""
    assert "Saved" in row.message.text()


def test_skipping_the_key_is_remembered(qtbot: Any, window: Any, qsettings: Any) -> None:
    row = open_checklist(window).groq
    qtbot.mouseClick(row.skip_button, LEFT)
    assert "Skipped" in row.detail.text()
    assert qsettings.value(setup_sections.GROQ_SKIPPED_KEY, type=bool)


# -- media folder ----------------------------------------------------------------------------------
def test_media_folders_are_appended_once(qtbot: Any, window: Any, library: Any, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    library.set_setting("media_folders", ["/already/there"])
    row = open_checklist(window).media
    choose_folder_answers(monkeypatch, tmp_path)
    qtbot.mouseClick(row.choose_button, LEFT)
    qtbot.mouseClick(row.choose_button, LEFT)
    assert library.get_setting("media_folders") == ["/already/there", str(tmp_path)]
    assert row.state == READY and str(tmp_path) in row.detail.text()


# -- logs and crashes ------------------------------------------------------------------------------
def test_help_opens_the_log_folder(window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(crash_reporter.QDesktopServices, "openUrl", opened.append)
    window.window_actions.open_log_folder.trigger()
    assert [url.toLocalFile() for url in opened] == [str(window.log_folder)]


def fabricated_error() -> tuple[Any, Any, Any]:
    try:
        raise RuntimeError("a bug nobody expected")
    except RuntimeError:
        return sys.exc_info()


def test_an_unexpected_exception_is_logged_and_shown_once(
        qtbot: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    log_file = tmp_path / "logs" / "studio.log"
    reporter = CrashReporter(log_file)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    reporter.install()
    assert sys.excepthook == reporter.handle_exception
    opened: list[QUrl] = []
    monkeypatch.setattr(crash_reporter.QDesktopServices, "openUrl", opened.append)

    sys.excepthook(*fabricated_error())
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible())
    box = reporter.box
    assert box is not None
    assert str(log_file) in box.text() and "didn't expect" in box.text()
    assert "a bug nobody expected" in caplog.text and "Traceback" in caplog.text

    worker = threading.Thread(target=lambda: 1 / 0)  # a second problem, on another thread
    with qtbot.waitSignal(reporter.problem):
        worker.start()
    worker.join()
    assert reporter.box is box and reporter.suppressed == 1  # logged, not a second dialog
    assert "ZeroDivisionError" in caplog.text

    buttons = {b.text(): b for b in box.findChildren(QAbstractButton)}
    with qtbot.waitSignal(box.finished):
        buttons["Open log folder"].click()
    assert [url.toLocalFile() for url in opened] == [str(log_file.parent)]
    assert reporter.box is None
    reporter.uninstall()


def test_in_screenshot_mode_a_crash_prints_and_fails(
        qtbot: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failed: list[bool] = []
    reporter = CrashReporter(tmp_path / "studio.log", on_fatal=lambda: failed.append(True))
    with qtbot.waitSignal(reporter.problem):
        reporter.handle_exception(*fabricated_error())
    qtbot.waitUntil(lambda: failed == [True])
    assert reporter.box is None
    assert "RuntimeError: a bug nobody expected" in capsys.readouterr().err
