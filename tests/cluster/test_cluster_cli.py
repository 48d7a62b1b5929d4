"""``studio worker`` and ``--cluster`` from the command line, as real subprocesses: a worker
joins a scheduler and a render uses it; Ctrl-C stops it (0); no scheduler, or no extra, is
one line and exit 2."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from studio.cluster.connection import EXTRA_INSTALL, connect, disconnect
from studio.store import Library
from tests.cluster.support import coloured_project, render
from tests.conftest import REPO
from tests.factories import make_project

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def _studio(*args: str, **kwargs: Any) -> subprocess.Popen[str]:
    """``python -m studio ARGS`` from this checkout (not the installed one)."""
    return subprocess.Popen(
        [sys.executable, "-m", "studio", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_studio_worker_joins_a_scheduler_and_a_render_uses_it(
    library: Library, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=0, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as scheduler_only:
        address = str(scheduler_only.scheduler_address)
        worker = _studio("worker", address, "--nthreads", "1", "--name", "studio-test-worker")
        try:
            client = connect(address)
            client.wait_for_workers(1, timeout=45)
            names = [w["name"] for w in client.scheduler_info(n_workers=-1)["workers"].values()]
            assert names == ["studio-test-worker"]

            project = coloured_project(library, tmp_path / "pictures")
            video = render(library, project, cluster=address)  # the only worker is ours

            assert video.is_file()
            worker.send_signal(signal.SIGINT)
            _out, err = worker.communicate(timeout=30)
            assert worker.returncode == 0, err
            assert "studio worker: stopped" in err
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
            disconnect(address)


def test_a_render_given_an_address_nobody_answers_at_exits_2_in_one_line(
    library: Library,
) -> None:
    project = make_project(library)
    address = f"tcp://127.0.0.1:{_closed_port()}"

    done = _studio("render", project.id, "--cluster", address)
    out, err = done.communicate(timeout=60)

    assert done.returncode == 2, err
    assert out == ""
    last = err.splitlines()[-1]  # after the run's own notes (the draft voice's)
    assert last.startswith(f"studio: No Dask scheduler answers at {address}.")
    assert "`dask scheduler`" in last and f"`studio worker {address}`" in last
    assert library.jobs(project) == [], "refused before the job row: nothing was written"


def test_a_worker_given_an_address_nobody_answers_at_exits_2() -> None:
    address = f"tcp://127.0.0.1:{_closed_port()}"

    done = _studio("worker", address)
    _out, err = done.communicate(timeout=60)

    assert done.returncode == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"studio: No Dask scheduler answers at {address}")


@pytest.mark.parametrize("command", [["worker", "tcp://127.0.0.1:8786"]])
def test_without_the_extra_cluster_use_says_how_to_install_it(command: list[str]) -> None:
    hide = (
        "import sys; sys.modules['distributed'] = None; from studio.cli import main; "
        f"sys.exit(main({command!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", hide], cwd=REPO, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    assert done.stderr == f"studio: --cluster needs the optional extra. {EXTRA_INSTALL}.\n"
