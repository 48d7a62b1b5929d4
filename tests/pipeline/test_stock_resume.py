"""A stock download cut in one job resumes in the next: the job-start sweep of leftovers keeps
recent part files (and their validators), and the next download asks only for the rest.

Real parts: a real library on disk, a real clip served by an HTTP server on 127.0.0.1 that
counts the bytes it sends, the real sweep a job runs when it starts.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from studio.errors import Cancelled
from studio.pipeline.produce import sweep_partial_files
from studio.pipeline.stock_sourcing import choose_stock, visuals_folder
from studio.progress import CancelToken
from studio.stock.base import Candidate, Credit
from studio.stock.download import RESUMABLE_DAYS
from studio.store import Library
from studio.store.models import Project
from tests.factories import make_project
from tests.media.support import write_clip
from tests.stock.file_server import FileServer

DAY_S = 86_400


@pytest.fixture(scope="module")
def clip_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_clip(tmp_path_factory.mktemp("clip") / "c.mp4", 1.0).read_bytes()


def clip_candidate(server: FileServer) -> Candidate:
    return Candidate("testlib", "7", "video", server.url("thumb.jpg"), server.url("c.mp4"),
                     320, 240, 1.0, None, Credit("testlib", title="Waves"))  # fmt: skip


def cancel_midway(library: Library, project: Project, server: FileServer) -> None:
    """Choose the clip for scene 1 and cancel once a few KB have arrived (the server then
    stops sending: what arrived is all the part holds)."""
    faults = server.fault("c.mp4")
    faults.hold_after, faults.cut_after = 3000, [0]
    cancel, outcome = CancelToken(), list[BaseException]()
    scene = library.scenes(project)[0]

    def run() -> None:
        try:
            choose_stock(library, project, scene, clip_candidate(server), cancel=cancel)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            outcome.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    assert faults.reached.wait(10)
    cancel.cancel()
    faults.release.set()
    worker.join(10)
    assert not worker.is_alive() and len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    faults.hold_after = None


def parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


def test_a_download_cancelled_in_one_job_resumes_in_the_next(
    library: Library, clip_bytes: bytes
) -> None:
    project = make_project(library)
    folder = visuals_folder(library, project)
    with FileServer({"c.mp4": clip_bytes}) as server:
        cancel_midway(library, project, server)
        (part,) = [p for p in parts(folder) if ".validator." not in p.name]
        have = part.stat().st_size
        assert 0 < have < len(clip_bytes)
        sent_before = server.bytes_sent("c.mp4")

        assert sweep_partial_files(library, project, "the-next-job") == 0  # a new job starts
        chosen = choose_stock(library, project, library.scenes(project)[0], clip_candidate(server))

        assert server.gets("c.mp4")[-1].headers["range"] == f"bytes={have}-"
        assert server.bytes_sent("c.mp4") - sent_before == len(clip_bytes) - have  # the rest only
    assert library.home.abs(chosen.asset_path).read_bytes() == clip_bytes
    assert parts(folder) == []


def test_the_sweep_drops_old_parts_and_other_leftovers(library: Library) -> None:
    project = make_project(library)
    folder = visuals_folder(library, project)
    folder.mkdir(parents=True, exist_ok=True)
    recent, recent_validator = folder / ".testlib-1.part", folder / ".testlib-1.validator.part"
    old, old_validator = folder / ".testlib-2.part", folder / ".testlib-2.validator.part"
    orphan_validator = folder / ".testlib-3.validator.part"  # its part is gone
    leftover = folder / ".render.partial.mp4"
    for path in (recent, recent_validator, old, old_validator, orphan_validator, leftover):
        path.write_bytes(b"x")
    stale = time.time() - (RESUMABLE_DAYS + 1) * DAY_S
    os.utime(old, (stale, stale))

    assert sweep_partial_files(library, project, "a-job") == 4
    assert sorted(p.name for p in folder.iterdir()) == [recent.name, recent_validator.name]
