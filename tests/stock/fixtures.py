"""Fixtures for the stock libraries (a pytest plugin, loaded by tests/conftest.py so every test
folder can use them): a fake of every library on 127.0.0.1, serving real media.

``stock_servers`` starts them and points Studio at them through the environment (base URLs and
keys, so ``python -m studio`` subprocesses use them too); retries wait 10 ms instead of seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stock.fake_servers import Catalogue, StockServers, make_catalogue, running_servers


@pytest.fixture(scope="session")
def stock_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    """The media every fake serves (made once per test session with the real ffmpeg)."""
    return make_catalogue(Path(tmp_path_factory.mktemp("stock-media")))


@pytest.fixture
def stock_servers(
    stock_catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> Iterator[StockServers]:
    """Every fake library running, ``STUDIO_*_URL`` and the ``*_API_KEY`` variables set."""
    import studio.stock.http

    monkeypatch.setattr(studio.stock.http, "FIRST_BACKOFF", 0.01)
    with running_servers(stock_catalogue) as servers:
        for name, value in servers.env().items():
            monkeypatch.setenv(name, value)
        yield servers
