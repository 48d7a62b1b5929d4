"""Reaching a Dask scheduler: the optional extra, the address, one client per address.

A process keeps one ``Client`` per scheduler address (a batch's rows share it across threads:
the client's calls are thread-safe), made on first use with a timeout, so an address nobody
answers at fails in one line naming it and how to start a scheduler, instead of hanging.
"""

from __future__ import annotations

import threading
from types import ModuleType
from typing import TYPE_CHECKING

from studio.errors import InputError

if TYPE_CHECKING:
    from distributed import Client

#: The pip command that installs the cluster's dependencies (dask, distributed).
EXTRA_INSTALL = "pip install 'studio-video-maker[cluster]'"
#: Seconds to wait for a scheduler before giving up (a scheduler on the local network answers
#: in milliseconds; Dask's own default is 30 s, long to wait for a typo).
CONNECT_TIMEOUT = 10.0

_clients: dict[str, Client] = {}
_clients_lock = threading.Lock()


def require_distributed() -> ModuleType:
    """The ``distributed`` module, or InputError saying how to install the extra."""
    try:
        import distributed
    except ImportError as exc:
        raise InputError(
            "--cluster needs the optional extra", fix=EXTRA_INSTALL
        ) from exc
    return distributed


def check_address(address: str) -> str:
    """``address`` stripped, or InputError if it can't be a scheduler's address."""
    cleaned = (address or "").strip()
    if not cleaned or any(ch.isspace() for ch in cleaned):
        raise InputError(
            f"{address!r} is not a Dask scheduler address",
            fix="Give one like tcp://192.168.1.10:8786",
        )
    return cleaned


def connect(address: str, *, timeout: float = CONNECT_TIMEOUT) -> Client:
    """This process's client of the scheduler at ``address`` (made on first use).

    Raises:
        InputError: the extra is missing, or no scheduler answered within ``timeout``.
    """
    distributed = require_distributed()
    address = check_address(address)
    with _clients_lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        try:
            client = distributed.Client(
                address, timeout=timeout, set_as_default=False, direct_to_workers=False
            )
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"No Dask scheduler answers at {address}",
                fix=(
                    "Start one with `dask scheduler` and a worker on each machine with "
                    f"`studio worker {address}`, or leave out --cluster"
                ),
            ) from exc
        _clients[address] = client
        return client


def disconnect(address: str) -> None:
    """Close this process's client of ``address``, if any (tests; a scheduler restarted)."""
    with _clients_lock:
        client = _clients.pop(check_address(address), None)
    if client is not None:
        client.close()


def worker_threads(client: Client) -> int:
    """How many tasks the cluster's workers run at once (their threads, at least 1)."""
    info = client.scheduler_info(n_workers=-1)
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))


def rows_at_once(address: str, jobs: int, *, limit: int) -> int:
    """How many batch rows to make at once on the cluster at ``address``: as many as its
    workers run tasks (each row's voicing and encodes go to them), at least ``jobs``, at most
    ``limit``. Connecting here makes an unreachable address fail before any row starts.
    """
    return max(1, min(limit, max(jobs, worker_threads(connect(address)))))
