"""The Groq key never lands in the database, settings, logs or error messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.store import Library
from tests.fakes.groq_server import FakeGroq, unauthorized, valid_script

KEY = "gsk_SECRETsecret0123456789abcdefXYZ"


def _all_bytes_under(*folders: Path) -> list[tuple[Path, bytes]]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                found.append((path, path.read_bytes()))
    return found


def _run(home: Path, logs: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "GROQ_API_KEY": KEY,
        "STUDIO_LOG_DIR": str(logs),
        "XDG_CONFIG_HOME": str(home.parent / "config"),
    }
    return subprocess.run(
        [sys.executable, "-m", "studio", "-v", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.mark.slow
def test_key_appears_nowhere_after_a_run_that_used_it(tmp_path: Path) -> None:
    home, logs = tmp_path / "home", tmp_path / "logs"
    with FakeGroq() as server:
        library = Library.open(home)
        library.set_setting("groq_base_url", server.base_url)
        library.close()
        server.enqueue(valid_script(scenes=2))
        ok = _run(
            home, logs, "produce", "--topic", "Bees", "--duration", "10", "--resolution", "720p"
        )
        server.enqueue(unauthorized(echo_key=True))
        failed = _run(home, logs, "produce", "--topic", "Wasps")
        assert any(r.headers.get("authorization") == f"Bearer {KEY}" for r in server.requests)
    assert ok.returncode == 0, ok.stderr
    assert failed.returncode != 0 and "rejected the API key" in failed.stderr
    for result in (ok, failed):
        assert KEY not in result.stdout + result.stderr
    files = _all_bytes_under(home, logs, tmp_path / "config")
    assert any(p.suffix == ".db" for p, _ in files) and any(p.parent == logs for p, _ in files)
    leaks = [str(p) for p, data in files if KEY.encode() in data]
    assert leaks == []
