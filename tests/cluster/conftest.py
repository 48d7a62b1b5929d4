"""A real Dask cluster on loopback for the cluster tests: two worker processes, one thread each.

One cluster serves the whole folder (starting one costs seconds); a test that kills a worker
leaves its nanny to start a fresh one, and the next test waits for both. Without the cluster
extra, only the tests that need no scheduler are collected.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

distributed: ModuleType | None
try:
    import distributed
except ImportError:  # the extra is optional: the tests needing a cluster are left out
    distributed = None
    collect_ignore_glob = ["test_cluster_render.py", "test_cluster_batch.py"]

#: Workers in the test cluster.
WORKERS = 2


@pytest.fixture(scope="session")
def local_cluster() -> Iterator[Any]:
    """``LocalCluster(n_workers=2, processes=True, threads_per_worker=1)`` on 127.0.0.1.

    ``dashboard_address=":0"``: the scheduler's HTTP server starts even with None (on 8787, then
    warning when another cluster on the machine holds it); any free port keeps it quiet."""
    if distributed is None:
        pytest.skip("needs the cluster extra (dask, distributed)")
    cluster = distributed.LocalCluster(
        n_workers=WORKERS,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=":0",
    )
    yield cluster
    cluster.close()


@pytest.fixture
def cluster_address(local_cluster: Any) -> Iterator[str]:
    """The test cluster's scheduler address, once both its workers are up."""
    from studio.cluster.connection import connect

    address = str(local_cluster.scheduler_address)
    connect(address).wait_for_workers(WORKERS, timeout=60)
    yield address
