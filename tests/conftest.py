"""Shared fixtures: every test gets its own home folder and real SQLite database."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports Qt or the hub client: no screen, no network, no real keyring.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
for _key_env in ("GROQ_API_KEY", "PEXELS_API_KEY", "PIXABAY_API_KEY", "DVIDS_API_KEY"):
    os.environ.pop(_key_env, None)
os.environ.setdefault("STUDIO_LOG_DIR", tempfile.mkdtemp(prefix="studio-test-logs-"))  # not ~

#: ``stock_servers``/``stock_catalogue``: fake stock libraries for any test folder.
pytest_plugins = ["tests.stock.fixtures"]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home folder, also exported as STUDIO_HOME for subprocesses."""
    path = tmp_path / "home"
    monkeypatch.setenv("STUDIO_HOME", str(path))
    return path


@pytest.fixture
def library(home: Path) -> Iterator[object]:
    from studio.store import Library

    lib = Library.open(home)
    yield lib
    lib.close()
