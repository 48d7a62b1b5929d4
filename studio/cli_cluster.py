"""``studio worker ADDRESS``: this computer joins a Dask cluster as one of Studio's workers.

The worker runs in this process with Studio imported (so the tasks a coordinator sends,
``studio.cluster.tasks``, deserialize), logs to stderr, and stops cleanly on Ctrl-C or SIGTERM
(exit 0). It opens no library: workers only compute and return bytes; the coordinator keeps
the store. An address nobody answers at is one line and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from typing import TYPE_CHECKING

from studio.cluster.connection import (
    CONNECT_TIMEOUT,
    check_address,
    not_dask_error,
    require_distributed,
)
from studio.errors import InputError
from studio.text import one_line

if TYPE_CHECKING:
    from studio.store import Library

log = logging.getLogger(__name__)

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("worker",)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``studio worker`` to ``sub``."""
    worker = sub.add_parser(
        "worker",
        help="join a Dask scheduler's cluster as a Studio worker (needs studio[cluster])",
    )
    worker.add_argument("address", help="the scheduler's address, e.g. tcp://192.168.1.10:8786")
    worker.add_argument(
        "--nthreads",
        type=int,
        default=None,
        metavar="N",
        help="tasks run at once (default: this computer's cores)",
    )
    worker.add_argument("--name", default=None, help="the worker's name in the cluster")


def run(library: Library | None, args: argparse.Namespace) -> int:
    """Run ``studio worker`` until it is stopped; return the exit code (``library`` unused)."""
    return run_worker(args.address, nthreads=args.nthreads, name=args.name)


def run_worker(address: str, *, nthreads: int | None = None, name: str | None = None) -> int:
    """Serve the scheduler at ``address`` until Ctrl-C/SIGTERM (0) or the scheduler goes away.

    Raises:
        InputError: the extra is missing, ``nthreads`` is below 1, or no scheduler answers.
    """
    distributed = require_distributed()
    import studio.cluster.tasks  # noqa: F401  (what the workers run, imported before any task)

    address = check_address(address)
    if nthreads is not None and nthreads < 1:
        raise InputError(f"--nthreads must be at least 1, not {nthreads}")
    threads = nthreads or os.cpu_count() or 1
    return asyncio.run(_serve(distributed, address, threads, name))


async def _serve(distributed: object, address: str, nthreads: int, name: str | None) -> int:
    """Start the worker, stop it on a signal, wait until it has closed."""
    worker_class = distributed.Worker  # type: ignore[attr-defined]
    worker = worker_class(
        address, nthreads=nthreads, name=name, death_timeout=CONNECT_TIMEOUT, dashboard=False
    )
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await worker
    except (OSError, TimeoutError) as exc:
        await worker.close(reason="no scheduler")
        raise InputError(
            f"No Dask scheduler answers at {address}",
            fix="Start one with `dask scheduler` on the coordinator, then run this again",
        ) from exc
    except Exception as exc:  # something answered, but not as Dask speaks (any error)
        await worker.close(reason="not a scheduler")
        raise not_dask_error(address) from exc
    print(
        f"studio worker {one_line(worker.address)} serving {one_line(address)} "
        f"with {nthreads} thread{'s' if nthreads != 1 else ''} (Ctrl-C stops it)",
        file=sys.stderr,
        flush=True,
    )
    finished = asyncio.ensure_future(worker.finished())
    stopped = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({finished, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if stopped.done():
        await worker.close(reason="studio worker stopped")
        print("studio worker: stopped", file=sys.stderr, flush=True)
        finished.cancel()
        return 0
    stopped.cancel()
    print("studio worker: the scheduler closed the connection", file=sys.stderr, flush=True)
    return 0


__all__ = ["COMMANDS", "add_commands", "run", "run_worker"]
