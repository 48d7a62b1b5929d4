"""Studio across machines, on Dask distributed (the optional extra ``studio[cluster]``).

A run given a scheduler's address (``--cluster``, the ``cluster_address`` setting) sends its
heavy, pure work to the workers: the segment and transition encodes (``studio.cluster.encode``)
and the voicing of scenes (``studio.cluster.voicing``). Each remote task is a pure function of
what it is sent (``studio.cluster.tasks``): the input files' bytes travel with it and the output
files' bytes come back, so a worker needs no shared disk and a task re-run on another worker
(its first one lost) gives the same bytes. The coordinator alone writes files into the library
and alone writes the SQLite store (WAL must not sit on network storage).

``distributed`` is imported only when a cluster is used: without the extra, Studio runs as
before and ``--cluster`` says in one line how to install it (``connection.require_distributed``).
The package sits below the pipeline (it imports media and engines, never the pipeline or Qt).
"""

from __future__ import annotations

from studio.cluster.connection import (
    CONNECT_TIMEOUT,
    EXTRA_INSTALL,
    connect,
    require_distributed,
    rows_at_once,
    worker_threads,
)

__all__ = [
    "CONNECT_TIMEOUT",
    "EXTRA_INSTALL",
    "connect",
    "require_distributed",
    "rows_at_once",
    "worker_threads",
]
