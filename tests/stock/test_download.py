"""Stock downloads against a real HTTP server on 127.0.0.1: resume, cap, type check, cancel,
deduplication and the credit beside the file."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest

from studio.errors import Cancelled
from studio.progress import CancelToken
from studio.stock.base import Candidate, Credit, StockError
from studio.stock.download import CREDIT_FILE, download_candidate, read_credit
from tests.media.support import write_clip, write_picture
from tests.stock.file_server import FileServer

CREDIT = Credit("testlib", title="Ocean waves", author="Ann Lee", source_url="https://x/1",
                licence="CC BY 4.0")  # fmt: skip


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reconnect after 10 ms, not half a second (the waits are not what these tests prove)."""
    monkeypatch.setattr("studio.stock.download.RETRY_WAIT", 0.01)


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 1 s H.264 clip of a few tens of KB."""
    return write_clip(tmp_path_factory.mktemp("clip") / "c.mp4", 1.0).read_bytes()


@pytest.fixture(scope="module")
def picture_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_picture(tmp_path_factory.mktemp("pic") / "p.png", (320, 180)).read_bytes()


def candidate(server: FileServer, path: str, *, kind: str = "video", id: str = "1") -> Candidate:
    return Candidate("testlib", id, kind, server.url("thumb.jpg"), server.url(path),
                     320, 240, 1.0, None, CREDIT)  # fmt: skip


def leftovers(folder: Path) -> list[str]:
    """Every file under ``folder`` except resumable part files."""
    return sorted(
        str(p.relative_to(folder)) for p in folder.rglob("*")
        if p.is_file() and not p.name.endswith(".part")
    )  # fmt: skip


def test_download_lands_by_content_with_its_credit(tmp_path: Path, clip_bytes: bytes) -> None:
    with FileServer({"v/ocean.mp4": clip_bytes}) as server:
        path = download_candidate(candidate(server, "v/ocean.mp4"), tmp_path)
    assert path.read_bytes() == clip_bytes
    assert path.parent.name == hashlib.sha256(clip_bytes).hexdigest()[:16]
    assert path.name == "Ocean-waves.mp4"
    assert json.loads((path.parent / CREDIT_FILE).read_text())["author"] == "Ann Lee"
    assert read_credit(path) == CREDIT
    assert not list(tmp_path.glob(".*.part"))


def test_cut_transfer_resumes_with_range(tmp_path: Path, clip_bytes: bytes) -> None:
    with FileServer({"c.mp4": clip_bytes}) as server:
        server.fault("c.mp4").cut_after = [5000, 9000]
        path = download_candidate(candidate(server, "c.mp4"), tmp_path)
        gets = server.gets("c.mp4")
    assert path.read_bytes() == clip_bytes
    assert [g.headers.get("range") for g in gets] == [None, "bytes=5000-", "bytes=14000-"]


def test_a_cut_download_resumes_in_the_next_call(tmp_path: Path, clip_bytes: bytes) -> None:
    with FileServer({"c.mp4": clip_bytes}) as server:
        server.fault("c.mp4").cut_after = [4000, 0, 0, 0]
        with pytest.raises(StockError, match="interrupted"):
            download_candidate(candidate(server, "c.mp4"), tmp_path, retries=2)
        assert leftovers(tmp_path) == []  # nothing at the target, the part kept
        path = download_candidate(candidate(server, "c.mp4"), tmp_path)
        assert server.gets("c.mp4")[-1].headers["range"] == "bytes=4000-"
    assert path.read_bytes() == clip_bytes


def test_a_file_changed_since_the_cut_comes_whole(
    tmp_path: Path, clip_bytes: bytes, picture_bytes: bytes
) -> None:
    with FileServer({"c.mp4": clip_bytes}) as server:
        server.fault("c.mp4").cut_after = [4000, 0, 0]
        with pytest.raises(StockError, match="interrupted"):
            download_candidate(candidate(server, "c.mp4"), tmp_path, retries=2)
        changed = write_clip(tmp_path.parent / "other.mp4", 1.2).read_bytes()
        server.files["c.mp4"] = changed  # the library replaced the file meanwhile
        path = download_candidate(candidate(server, "c.mp4"), tmp_path)
        resumed = server.gets("c.mp4")[-1].headers
    assert resumed["range"] == "bytes=4000-" and resumed["if-range"].startswith('"')
    assert path.read_bytes() == changed  # not 4000 old bytes and the new file's rest
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        [path.name, "credit.json"]
    )


def test_a_server_ignoring_range_restarts_cleanly(tmp_path: Path, clip_bytes: bytes) -> None:
    with FileServer({"c.mp4": clip_bytes}) as server:
        server.fault("c.mp4").cut_after = [6000]
        server.fault("c.mp4").ignore_range = True
        path = download_candidate(candidate(server, "c.mp4"), tmp_path)
    assert path.read_bytes() == clip_bytes  # not the first 6000 bytes twice


def test_content_length_over_the_cap_is_refused_before_the_body(
    tmp_path: Path, clip_bytes: bytes
) -> None:
    with FileServer({"c.mp4": clip_bytes}) as server:
        server.fault("c.mp4").hold_after = 10  # the body would wait: the refusal must not
        with pytest.raises(StockError, match="larger than Studio downloads .* limit is 1 KB"):
            download_candidate(candidate(server, "c.mp4"), tmp_path, max_bytes=1000)
    assert list(tmp_path.rglob("*.*")) == []


def test_a_body_growing_past_the_cap_is_stopped(tmp_path: Path, clip_bytes: bytes) -> None:
    with FileServer({"c.mp4": clip_bytes}) as server:
        server.fault("c.mp4").content_length = -1  # no length said: the body must be counted
        with pytest.raises(StockError, match="larger than Studio downloads"):
            download_candidate(candidate(server, "c.mp4"), tmp_path, max_bytes=1000)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_html_page_served_as_video_is_refused(tmp_path: Path) -> None:
    page = b"<!doctype html><html><body>Rate limit exceeded</body></html>" * 20
    with (
        FileServer({"c.mp4": page}, content_type="video/mp4") as server,
        pytest.raises(StockError, match="isn't a picture or a video"),
    ):
        download_candidate(candidate(server, "c.mp4"), tmp_path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_picture_for_a_video_candidate_is_refused(tmp_path: Path, picture_bytes: bytes) -> None:
    with (
        FileServer({"c.mp4": picture_bytes}) as server,
        pytest.raises(StockError, match="no picture"),
    ):
        download_candidate(candidate(server, "c.mp4"), tmp_path)


def test_a_refusal_is_one_clear_message(tmp_path: Path) -> None:
    with (
        FileServer({}) as server,
        pytest.raises(StockError, match=r"refused the download .* \(HTTP 404\)"),
    ):
        download_candidate(candidate(server, "gone.mp4"), tmp_path)


def test_a_server_error_is_retried(tmp_path: Path, picture_bytes: bytes) -> None:
    with FileServer({"p.png": picture_bytes}) as server:
        server.fault("p.png").status = [503]
        path = download_candidate(candidate(server, "p.png", kind="image"), tmp_path)
        assert len(server.gets("p.png")) == 2
    assert path.suffix == ".png"


def test_cancel_midway_leaves_nothing_at_the_target(tmp_path: Path, clip_bytes: bytes) -> None:
    cancel = CancelToken()
    with FileServer({"c.mp4": clip_bytes}) as server:
        faults = server.fault("c.mp4")
        faults.hold_after = 3000
        outcome: list[BaseException] = []

        def run() -> None:
            try:
                download_candidate(candidate(server, "c.mp4"), tmp_path, cancel=cancel)
            except BaseException as error:  # noqa: BLE001 - handed to the test thread
                outcome.append(error)

        worker = threading.Thread(target=run)
        worker.start()
        assert faults.reached.wait(10)
        cancel.cancel()
        faults.release.set()
        worker.join(10)
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    assert leftovers(tmp_path) == []


def test_the_same_content_twice_is_one_file(tmp_path: Path, picture_bytes: bytes) -> None:
    with FileServer({"a.png": picture_bytes, "b.png": picture_bytes}) as server:
        first = download_candidate(candidate(server, "a.png", kind="image", id="a"), tmp_path)
        again = download_candidate(candidate(server, "b.png", kind="image", id="b"), tmp_path)
    assert first == again
    files = sorted(p.name for p in tmp_path.rglob("*") if p.is_file())
    assert files == sorted([first.name, CREDIT_FILE])


def test_progress_is_reported(tmp_path: Path, clip_bytes: bytes) -> None:
    seen: list[tuple[float, str]] = []
    with FileServer({"c.mp4": clip_bytes}) as server:
        download_candidate(candidate(server, "c.mp4"), tmp_path,
                           progress=lambda f, s: seen.append((f, s)))  # fmt: skip
    assert seen[0][0] == 0.0 and seen[-1] == (1.0, 'Downloaded the clip "Ocean waves"')
    assert any("KB" in stage for _f, stage in seen)
