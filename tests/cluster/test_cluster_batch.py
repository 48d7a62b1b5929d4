"""A batch on a real Dask cluster: every row made, each row's voicing and encodes on the
workers, the segments those of a local encode, and a worker killed mid-batch loses nothing."""

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
from studio.pipeline.batch import BatchSummary, load_manifest, run_batch
from studio.pipeline.request import RunRequest
from studio.store import Library
from tests.cluster.support import executing, render, segment_hashes, wait_for

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

SCRIPTS = (
    "Red is warm.\n\nBlue is calm.",
    "Green grows.\n\nYellow shines.",
    "Bees hum.\n\nHoney drips.",
    "Rain falls.\n\nSun returns.",
)


def _manifest(folder: Path) -> Path:
    """Four rows, each a two-scene script, 720p square with crossfades."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["script,project,resolution,aspect,transition"]
    for number, text in enumerate(SCRIPTS, start=1):
        (folder / f"{number}.txt").write_text(text, encoding="utf-8")
        lines.append(f"{number}.txt,Row {number},720p,1:1,crossfade")
    path = folder / "rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _batch(library: Library, manifest: Path, cluster: str) -> BatchSummary:
    return run_batch(library, load_manifest(manifest), run=RunRequest(cluster=cluster), jobs=1)


def _made_on_the_cluster_as_here(library: Library, summary: BatchSummary) -> None:
    """Every row is done, and encoding its scenes here again gives the very same files."""
    assert [row.status for row in summary.rows] == ["done"] * len(SCRIPTS)
    for row in summary.rows:
        project = library.project(str(row.project_id))
        remote = segment_hashes(library, project)
        assert len(remote) == 2 + 2 + 1  # two segments, their inner handles, a crossfade
        shutil.rmtree(library.home.project_dir(project.id) / "segments")
        render(library, project)
        assert segment_hashes(library, project) == remote


def test_a_batch_on_the_cluster_equals_a_local_one(
    library: Library, tmp_path: Path, cluster_address: str
) -> None:
    client = connect(cluster_address)
    with get_task_stream(client) as stream:
        summary = _batch(library, _manifest(tmp_path / "rows"), cluster_address)

    ran = [str(task["key"]).split("-", 1)[0] for task in stream.data]
    assert ran.count("speak") == 2 * len(SCRIPTS)
    assert ran.count("encode_segment") == 2 * len(SCRIPTS)
    _made_on_the_cluster_as_here(library, summary)


def test_a_worker_killed_mid_batch_loses_nothing(
    library: Library, tmp_path: Path, cluster_address: str
) -> None:
    manifest = _manifest(tmp_path / "rows")
    client = connect(cluster_address)
    pids = client.run(os.getpid)
    results: list[Any] = []

    def batch() -> None:
        try:
            results.append(_batch(library, manifest, cluster_address))
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            results.append(exc)

    thread = threading.Thread(target=batch)
    thread.start()
    busy = wait_for(lambda: executing(client, "encode_segment"), timeout=60,
                    what="a segment encoding")
    victim = next(iter(busy))
    os.kill(pids[victim], signal.SIGKILL)
    thread.join(timeout=180)

    assert not thread.is_alive()
    assert len(results) == 1 and isinstance(results[0], BatchSummary), results
    assert victim not in client.scheduler_info(n_workers=-1)["workers"]
    _made_on_the_cluster_as_here(library, results[0])
