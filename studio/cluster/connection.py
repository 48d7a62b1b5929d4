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
#: The port ``dask scheduler`` listens on unless told otherwise.
DEFAULT_PORT = 8786
#: The longest address taken (a host name is at most 253 characters).
MAX_ADDRESS = 300
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
    """``address`` as ``tcp://HOST:PORT`` (``HOST:PORT`` and ``tcp://HOST`` are completed:
    Dask's scheme and port), or InputError naming what is wrong with it.

    Only ``tcp://`` is taken: ``tls://`` needs certificates Studio doesn't configure, and
    Dask's other schemes are in-process or need extra packages. Checked before any network
    call, so a typo is one line at once, not a connection error from inside Dask.
    """
    cleaned = (address or "").strip()
    scheme, sep, rest = cleaned.partition("://")
    if not sep:
        scheme, rest = "tcp", cleaned
    host, port = _host_and_port(rest)
    problem = _address_problem(cleaned, scheme.lower(), host, port)
    if problem:
        shown = cleaned if len(cleaned) <= 80 else cleaned[:77] + "..."
        raise InputError(
            f"{shown!r} is not a Dask scheduler address: {problem}",
            fix=f"Give one like tcp://192.168.1.10:{DEFAULT_PORT} (the address `dask "
            "scheduler` prints)",
        )
    shown_host = f"[{host}]" if ":" in host else host
    return f"tcp://{shown_host}:{port}"


def _host_and_port(rest: str) -> tuple[str, str]:
    """``HOST:PORT``, ``[IPv6]:PORT`` or ``HOST`` split (the port "" when not given)."""
    if rest.startswith("["):
        host, _, after = rest[1:].partition("]")
        if not after:
            return host, str(DEFAULT_PORT)
        return host, after[1:] if after.startswith(":") else after
    if rest.count(":") > 1:  # a bare IPv6 address: write it [::1]:8786
        return rest, ""
    host, sep, port = rest.partition(":")
    return host, port if sep else str(DEFAULT_PORT)


def _address_problem(cleaned: str, scheme: str, host: str, port: str) -> str | None:
    """What is wrong with an address's parts, or None."""
    if not cleaned:
        return "it is empty"
    if len(cleaned) > MAX_ADDRESS:
        return f"it is longer than {MAX_ADDRESS} characters"
    if scheme != "tcp":
        return f"Studio connects to tcp:// schedulers, not {scheme}://"
    if not host:
        return "it names no computer"
    if not _is_host(host):
        return f"{host!r} is not a computer's name or IP address"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"the port must be a number from 1 to 65535, not {port!r}"
    return None


def _is_host(host: str) -> bool:
    """A host name (letters, digits, dots, hyphens) or an IPv4/IPv6 address."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if host.replace(".", "").isdigit():  # looks like IPv4 but isn't one (256.1.1.1)
        return False
    labels = host.rstrip(".").split(".")
    return len(host) <= 253 and all(
        0 < len(label) <= 63 and label.isascii()
        and all(ch.isalnum() or ch in "-_" for ch in label)
        and not label.startswith("-")
        for label in labels
    )


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
        except Exception as exc:  # something answered, but not as Dask speaks (any error)
            raise not_dask_error(address) from exc
        _clients[address] = client
        return client


def not_dask_error(address: str) -> InputError:
    """The refusal of an address where something answers that is not a Dask scheduler."""
    return InputError(
        f"What answers at {address} is not a Dask scheduler",
        fix="Check the port: `dask scheduler` prints its address (tcp://HOST:8786 by default)",
    )


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
