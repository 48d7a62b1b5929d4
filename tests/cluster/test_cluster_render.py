"""A render through a real Dask cluster (two worker processes on loopback) is the local render,
byte for byte, and survives losing a worker mid-task."""

from __future__ import annotations

import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Any

import pytest
from distributed import get_task_stream

from studio.cluster.connection import connect
from studio.cluster.encode import encode_segments
from studio.errors import Cancelled
from studio.media.probe import probe
from studio.media.segment_cache import SegmentCache
from studio.pipeline.render import segment_for
from studio.pipeline.templates import settings_for
from studio.progress import CancelToken
from studio.store import Library
from tests.cluster.support import (
    coloured_project,
    executing,
    render,
    segment_hashes,
    wait_for,
)

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def _drop_segments(library: Library, project: Any) -> None:
    shutil.rmtree(library.home.project_dir(project.id) / "segments")


def test_a_render_on_the_cluster_makes_the_local_segments(
    library: Library, tmp_path: Path, cluster_address: str
) -> None:
    project = coloured_project(library, tmp_path / "pictures")
    render(library, project)
    local = segment_hashes(library, project)
    assert len(local) == 3 + 4 + 2  # segments, their inner handles, two crossfades
    _drop_segments(library, project)

    video = render(library, project, cluster=cluster_address)

    assert segment_hashes(library, project) == local  # same names and the same bytes
    assert video.is_file()
    assert not list((library.home.project_dir(project.id) / "segments").glob(".*partial*"))


def test_the_workers_voice_the_scenes_and_the_store_records_it_here(
    library: Library, tmp_path: Path, cluster_address: str
) -> None:
    """The voice stage's synthesis runs on the workers (the draft voice); the WAVs and their
    sidecars land in the project, the scenes' timings in the store, as a local voice's would.

    Not compared byte for byte with a local voice: espeak-ng's output differs from run to run
    even in one process (measured: two calls, same text, 0.8069 s and 0.8066 s)."""
    project = coloured_project(library, tmp_path / "pictures")
    client = connect(cluster_address)
    with get_task_stream(client) as stream:
        render(library, project, cluster=cluster_address)

    ran = {str(task["key"]).split("-", 1)[0] for task in stream.data}
    assert {"speak", "encode_segment", "encode_transition"} <= ran
    for scene in library.scenes(project):
        wav = library.home.abs(str(scene.audio_file_path))
        assert wav.is_file() and wav.with_suffix(".json").is_file()
        assert probe(wav).duration == pytest.approx(scene.duration, abs=0.01)
        assert [w["word"] for w in scene.word_timings] == scene.text.rstrip(".").split()


def test_a_worker_killed_mid_render_loses_nothing(
    library: Library, tmp_path: Path, cluster_address: str
) -> None:
    project = coloured_project(library, tmp_path / "pictures", resolution="1080p")
    render(library, project)
    local = segment_hashes(library, project)
    _drop_segments(library, project)
    client = connect(cluster_address)
    pids = client.run(os.getpid)
    failures: list[BaseException] = []

    def remote_render() -> None:
        try:
            render(library, project, cluster=cluster_address)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=remote_render)
    thread.start()
    busy = wait_for(lambda: executing(client, "encode_segment"), what="a segment encoding")
    victim = next(iter(busy))
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=120)

    assert not thread.is_alive()
    assert failures == []
    assert segment_hashes(library, project) == local
    assert victim not in client.scheduler_info(n_workers=-1)["workers"]  # it really died


def test_cancel_stops_the_tasks_and_writes_nothing(
    library: Library, tmp_path: Path, cluster_address: str
) -> None:
    project = coloured_project(library, tmp_path / "pictures", resolution="1080p")
    render(library, project)  # voiced, so its segments' recipes can be read
    settings = settings_for(project)
    cache = SegmentCache(tmp_path / "cache").ensure()
    specs = [segment_for(library, project, s, settings, cache)[0] for s in library.scenes(project)]
    outs = [tmp_path / "out" / f"{n}.mp4" for n in range(len(specs))]
    client = connect(cluster_address)
    cancel = CancelToken()
    failures: list[BaseException] = []

    def remote_encode() -> None:
        try:
            encode_segments(cluster_address, specs, outs, cancel=cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failures.append(exc)

    thread = threading.Thread(target=remote_encode)
    thread.start()
    wait_for(lambda: executing(client, "encode_segment"), what="a segment encoding")
    cancel.cancel()
    thread.join(timeout=60)

    assert [type(exc) for exc in failures] == [Cancelled]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
    wait_for(lambda: not executing(client, "encode_segment") or None, what="the tasks to stop")
