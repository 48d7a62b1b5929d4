"""Scheduler addresses checked before any network call, and a port that answers but is not
Dask: one line each (exit 2 from the CLI), never a traceback from inside Dask."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.cluster.connection import check_address, connect
from studio.errors import InputError
from tests.conftest import REPO


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786"),
        (" 192.168.1.10:9000 ", "tcp://192.168.1.10:9000"),
        ("TCP://scheduler.lan", "tcp://scheduler.lan:8786"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
    ],
)
def test_good_addresses_are_completed_as_dask_would(given: str, expected: str) -> None:
    assert check_address(given) == expected


@pytest.mark.parametrize(
    ("given", "needle"),
    [
        ("", "empty"),
        ("tcp://", "names no computer"),
        (":::", "not a computer's name"),
        ("http://", "not http://"),
        ("http://127.0.0.1:8786", "not http://"),
        ("tls://127.0.0.1:8786", "not tls://"),
        ("ucx://127.0.0.1:1", "not ucx://"),
        ("tcp://256.1.1.1:1", "'256.1.1.1' is not"),
        ("tcp://a b:1", "not a computer's name"),
        ("tcp://host:99999", "from 1 to 65535"),
        ("tcp://host:", "from 1 to 65535"),
        ("tcp://" + "a" * 5000 + ":1", "longer than 300"),
    ],
)
def test_malformed_addresses_are_one_line_naming_the_problem(given: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        check_address(given)
    message = info.value.message
    assert needle in message and "\n" not in message and len(message) < 400, message


@pytest.fixture
def garbage_port() -> Iterator[int]:
    """A loopback TCP server that answers every connection with bytes Dask can't read."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn, contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n" + b"\xde\xad\xbe\xef" * 4096)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    server.close()
    thread.join(timeout=10)


def test_a_port_that_answers_garbage_is_not_a_scheduler(garbage_port: int) -> None:
    pytest.importorskip("distributed")
    with pytest.raises(InputError, match="is not a Dask scheduler"):
        connect(f"tcp://127.0.0.1:{garbage_port}", timeout=10)


@pytest.mark.parametrize("command", ["worker", "batch"])
def test_the_cli_says_so_in_one_line_and_exits_2(
    command: str, garbage_port: int, home: Path, tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    (tmp_path / "bees.txt").write_text("Bees visit flowers.\n")
    (tmp_path / "videos.csv").write_text("script,voice\nbees.txt,en-us\n")
    address = f"tcp://127.0.0.1:{garbage_port}"
    for given in (address, "tcp://"):
        args = [given] if command == "worker" else [
            str(tmp_path / "videos.csv"), "--cluster", given
        ]  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "studio", "--home", str(home), command, *args],
            cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "Dask scheduler" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "videos.summary.json").exists()
