"""Tests for the Kokoro weights download, against a fake hub on 127.0.0.1 (tests/fakes/hf_hub.py).

The real ``huggingface_hub`` client and HTTP session do the talking; the files are a few KB.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub
import pytest

from studio.engines import download
from studio.engines.download import download_kokoro_weights, kokoro_filenames
from studio.engines.weights import find_kokoro_weights
from studio.errors import Cancelled, InputError, ServiceError
from studio.progress import CancelToken
from tests.fakes.hf_hub import FakeFile, FakeHub

MODEL = "kokoro-v1_0.pth"
HEART = "voices/af_heart.pt"
CONFIG = "config.json"
TOTAL = 16 + 20_000 + 5_000  # config, model and af_heart in repo_files()


def blob(size: int, seed: int) -> bytes:
    return bytes((seed + i * 7) % 251 for i in range(size))


def repo_files() -> dict[str, FakeFile | bytes]:
    return {
        CONFIG: b'{"n_token": 178}',
        MODEL: FakeFile(blob(20_000, 1), lfs=True),
        HEART: FakeFile(blob(5_000, 2), lfs=True),
        "voices/bf_emma.pt": FakeFile(blob(5_000, 3), lfs=True),
    }


@pytest.fixture(autouse=True)
def local_network_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Hub downloads allowed (conftest switches them off), but only to 127.0.0.1.

    The hub's shared HTTP session is closed around the test so it picks up this environment.
    """
    real_connect = socket.socket.connect

    def local_only(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host != "127.0.0.1":
                raise AssertionError(f"test tried to reach the network: {address!r}")
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", local_only)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_ENDPOINT", raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(download, "CHUNK_SIZE", 1024)  # many chunks from tiny files
    monkeypatch.setattr(download, "RETRY_WAIT", 0.01)
    huggingface_hub.close_session()
    yield
    huggingface_hub.close_session()


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub(repo_files()) as server:
        yield server


class Progress:
    """Records progress reports."""

    def __init__(self) -> None:
        self.reports: list[tuple[float, str]] = []

    def __call__(self, fraction: float, stage: str) -> None:
        self.reports.append((fraction, stage))

    @property
    def fractions(self) -> list[float]:
        return [fraction for fraction, _ in self.reports]


def assert_downloaded(target: Path, hub: FakeHub, names: list[str]) -> None:
    for name in names:
        assert (target / name).read_bytes() == hub.files[name].content, name
    assert not list(target.rglob("*.part"))


def test_downloads_every_file_with_progress(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    progress = Progress()
    _, release = hub.hold_after(MODEL, 10_240)  # the model arrives in two parts
    total = 16 + 20_000 + 5_000 + 5_000  # config, model and two voices

    def report(fraction: float, stage: str) -> None:
        progress(fraction, stage)
        if stage.startswith(f"Downloading {MODEL} ") and fraction * total > 16:
            release.set()  # some model bytes were reported: send the rest

    weights = download_kokoro_weights(
        target, ("af_heart", "bf_emma"), endpoint=hub.endpoint, progress=report
    )
    assert weights == find_kokoro_weights(target)
    assert weights.available_voices() == ["af_heart", "bf_emma"]
    assert_downloaded(target, hub, [CONFIG, MODEL, HEART, "voices/bf_emma.pt"])

    fractions = progress.fractions
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    inside_model = [f for f in fractions if 16 / total < f < (16 + 20_000) / total]
    assert inside_model, "no progress while the model file was arriving"
    stages = " ".join(stage for _, stage in progress.reports)
    assert f"Downloading {MODEL}" in stages and f"Downloading {HEART}" in stages
    # Large files came through the CDN, after the hub's redirect; every file at one commit.
    assert hub.gets(MODEL) and all(r.server == "cdn" for r in hub.gets(MODEL))
    assert all("Range" not in r.headers and "range" not in r.headers for r in hub.requests)


def test_second_call_keeps_intact_files(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    download_kokoro_weights(target, endpoint=hub.endpoint)
    hub.requests.clear()
    download_kokoro_weights(target, endpoint=hub.endpoint)
    assert [r.method for r in hub.requests] == ["HEAD"] * 3  # metadata only, no bytes


def test_interrupted_download_resumes_on_next_call(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    hub.cut_after(MODEL, 8_000)
    with pytest.raises(ServiceError, match=f"download of {MODEL} was interrupted") as caught:
        download_kokoro_weights(target, endpoint=hub.endpoint, retries=0)
    assert "resumes where it stopped" in caught.value.message
    (part,) = target.glob(f"{MODEL}.*.part")
    assert part.stat().st_size == 8_000
    assert not (target / MODEL).exists()

    progress = Progress()
    download_kokoro_weights(target, endpoint=hub.endpoint, progress=progress)
    assert_downloaded(target, hub, [CONFIG, MODEL, HEART])
    last = hub.gets(MODEL)[-1]
    assert last.headers.get("range") == "bytes=8000-"
    assert len(hub.gets(MODEL)) == 2  # the cut transfer, then only the rest
    assert progress.fractions == sorted(progress.fractions)


def test_cut_transfer_reconnects_within_the_call(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    hub.cut_after(MODEL, 3_000, 3_000, 3_000)
    download_kokoro_weights(target, endpoint=hub.endpoint)
    assert_downloaded(target, hub, [CONFIG, MODEL, HEART])
    ranges = [r.headers.get("range") for r in hub.gets(MODEL)]
    assert ranges == [None, "bytes=3000-", "bytes=6000-", "bytes=9000-"]


def test_corrupt_file_is_rejected_and_deleted(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    hub.corrupt(MODEL)
    with pytest.raises(ServiceError, match="SHA-256") as caught:
        download_kokoro_weights(target, endpoint=hub.endpoint)
    assert f"The downloaded {MODEL} is damaged" in caught.value.message
    assert "deleted" in caught.value.message
    assert not (target / MODEL).exists()
    assert not list(target.glob("*.part"))
    assert (target / CONFIG).is_file()  # the files before it were fine and stay


def test_damaged_file_already_on_disk_is_replaced(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    download_kokoro_weights(target, endpoint=hub.endpoint)
    damaged = bytearray(hub.files[MODEL].content)
    damaged[100] ^= 0xFF
    (target / MODEL).write_bytes(bytes(damaged))
    download_kokoro_weights(target, endpoint=hub.endpoint)
    assert_downloaded(target, hub, [MODEL])


def test_cancel_mid_file_keeps_the_part_for_the_next_call(tmp_path: Path, hub: FakeHub) -> None:
    target = tmp_path / "kokoro"
    reached, release = hub.hold_after(MODEL, 10_240)
    hub.cut_after(MODEL, 1_024)  # after the pause, one more KB (then it would fail)
    cancel = CancelToken()
    outcome: list[BaseException] = []
    received_all_before_hold = threading.Event()

    def progress(fraction: float, stage: str) -> None:
        if stage.startswith(f"Downloading {MODEL}") and fraction * TOTAL >= 16 + 10_240:
            received_all_before_hold.set()

    def run() -> None:
        try:
            download_kokoro_weights(target, endpoint=hub.endpoint, cancel=cancel, progress=progress)
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    assert reached.wait(10)
    assert received_all_before_hold.wait(10)
    cancel.cancel()
    release.set()
    worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    (part,) = target.glob(f"{MODEL}.*.part")
    kept = part.stat().st_size
    assert kept == 10_240 + 1_024  # what arrived is kept; cancel won over the cut
    assert not (target / MODEL).exists()

    download_kokoro_weights(target, endpoint=hub.endpoint)
    assert_downloaded(target, hub, [CONFIG, MODEL, HEART])
    assert hub.gets(MODEL)[-1].headers.get("range") == f"bytes={kept}-"


def test_cancelled_before_start_asks_nothing(tmp_path: Path, hub: FakeHub) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        download_kokoro_weights(tmp_path / "kokoro", endpoint=hub.endpoint, cancel=cancel)
    assert hub.requests == []


def test_hf_endpoint_environment_variable(
    tmp_path: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    download_kokoro_weights(tmp_path / "kokoro")
    assert hub.requests


def test_unknown_voice_is_an_input_error_before_any_request(tmp_path: Path, hub: FakeHub) -> None:
    with pytest.raises(InputError, match="not a Kokoro voice"):
        download_kokoro_weights(tmp_path / "kokoro", ("xx_nobody",), endpoint=hub.endpoint)
    assert hub.requests == []
    assert kokoro_filenames(["af_heart", "af_heart"]) == [CONFIG, MODEL, HEART]
    with pytest.raises(InputError, match="No Kokoro voice"):
        kokoro_filenames([])


def test_file_missing_on_the_hub(tmp_path: Path, hub: FakeHub) -> None:
    with pytest.raises(ServiceError, match="has no voices/am_adam.pt"):
        download_kokoro_weights(tmp_path / "kokoro", ("am_adam",), endpoint=hub.endpoint)


def test_unreachable_hub(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the download: nobody listens
    with pytest.raises(ServiceError, match="Cannot reach the Hugging Face hub") as caught:
        download_kokoro_weights(tmp_path / "kokoro", endpoint=f"http://127.0.0.1:{port}")
    # In the creator's words, naming the server; the exception itself is only in the log.
    assert caught.value.message.startswith(f"Cannot reach the Hugging Face hub (127.0.0.1:{port})")
    assert "Error" not in caught.value.message and "Errno" not in caught.value.message


def test_offline_mode_is_a_clear_error(
    tmp_path: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ServiceError, match="HF_HUB_OFFLINE"):
        download_kokoro_weights(tmp_path / "kokoro", endpoint=hub.endpoint)
    assert hub.requests == []
