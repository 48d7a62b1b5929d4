"""Each way a stock library fails, against its fake on 127.0.0.1: a clear message naming the
library, retries where they make sense, waits that honour Retry-After and end at once on cancel."""

from __future__ import annotations

import email.utils
import threading
import time

import httpx2
import pytest

from studio.errors import Cancelled
from studio.progress import CancelToken
from studio.stock import http, registry
from studio.stock.base import StockError
from studio.stock.http import StockClient, redact, retry_after
from tests.stock.fake_servers import FAKE_KEYS, PROVIDERS, StockServers


def _search(name: str, cancel: CancelToken | None = None) -> int:
    return len(registry.get_provider(name).search("sea", cancel=cancel).candidates)


@pytest.mark.parametrize("name", PROVIDERS)
def test_429_waits_its_retry_after_then_succeeds(stock_servers: StockServers, name: str) -> None:
    stock_servers[name].fail("rate_limited", retry_after="1")
    started = time.monotonic()
    assert _search(name) > 0
    assert time.monotonic() - started >= 0.9
    assert len(stock_servers[name].api_requests()) >= 2


def test_retry_after_as_an_http_date_is_honoured(stock_servers: StockServers) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    assert 0.5 <= (retry_after({"retry-after": when}) or 0) <= 2.0
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after({}) is None
    stock_servers["openverse"].fail("rate_limited", retry_after=when)
    started = time.monotonic()
    assert _search("openverse") > 0
    assert time.monotonic() - started >= 0.5


def test_a_long_retry_after_fails_at_once_saying_when(stock_servers: StockServers) -> None:
    stock_servers["pexels"].fail("rate_limited", retry_after="3600")
    started = time.monotonic()
    with pytest.raises(StockError) as caught:
        _search("pexels")
    assert time.monotonic() - started < 1.0
    assert caught.value.what == "Pexels is limiting requests for now"
    assert caught.value.fix == "Try again in 60 minutes"


def test_429_without_end_gives_up_clearly(stock_servers: StockServers) -> None:
    stock_servers["pixabay"].fail("rate_limited", times=50, retry_after=None)
    with pytest.raises(StockError, match="Pixabay is limiting requests"):
        _search("pixabay")
    assert len(stock_servers["pixabay"].api_requests()) == http.ATTEMPTS


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_retried_then_succeed(stock_servers: StockServers, status: int) -> None:
    stock_servers["dvids"].fail("server_error", times=2, status=status)
    assert _search("dvids") > 0


def test_server_errors_that_last_give_up_clearly(stock_servers: StockServers) -> None:
    stock_servers["nasa"].fail("server_error", times=50, status=503)
    with pytest.raises(StockError) as caught:
        _search("nasa")
    assert caught.value.what == "NASA Image Library is not answering properly (HTTP 503)"
    assert caught.value.where == stock_servers["nasa"].root.removeprefix("http://")
    assert len(stock_servers["nasa"].api_requests()) == http.ATTEMPTS


def test_cut_connections_are_retried_then_reported(stock_servers: StockServers) -> None:
    stock_servers["openverse"].fail("refuse", times=2)
    assert _search("openverse") > 0
    stock_servers["openverse"].fail("refuse", times=50)
    with pytest.raises(StockError) as caught:
        _search("openverse")
    assert caught.value.what == "Cannot reach Openverse"
    assert "internet connection" in (caught.value.fix or "")


def test_a_closed_port_is_reported_as_unreachable(
    stock_servers: StockServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock_servers["pexels"].stop()
    with pytest.raises(StockError, match="Cannot reach Pexels"):
        _search("pexels")


def test_a_base_url_that_is_not_a_web_address_is_named(
    stock_servers: StockServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_OPENVERSE_URL", "localhost:9")
    with pytest.raises(StockError, match="address of Openverse is not a web address"):
        _search("openverse")


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("malformed", "Pexels answered not JSON instead of search results"),
        ("html", "Pexels answered a web page instead of search results"),
        ("wrong_shape", 'Pexels answered in a form Studio does not understand (no "videos" list)'),
    ],
)
def test_answers_studio_cannot_read_are_named(
    stock_servers: StockServers, fault: str, says: str
) -> None:
    stock_servers["pexels"].fail(fault)
    with pytest.raises(StockError) as caught:
        _search("pexels")
    assert caught.value.what == says
    assert "Traceback" not in caught.value.message


@pytest.mark.parametrize("fault", ["unauthorized", "forbidden"])
def test_a_keyless_library_refusing_is_not_called_a_key_problem(
    stock_servers: StockServers, fault: str
) -> None:
    stock_servers["openverse"].fail(fault)
    with pytest.raises(StockError) as caught:
        _search("openverse")
    assert "refused the request (HTTP 40" in caught.value.what
    assert "key" not in caught.value.message.lower()


@pytest.mark.parametrize(("name", "fault"), [("pexels", "rate_limited"), ("dvids", "server_error")])
def test_cancel_during_a_wait_returns_promptly(
    stock_servers: StockServers, monkeypatch: pytest.MonkeyPatch, name: str, fault: str
) -> None:
    monkeypatch.setattr(http, "FIRST_BACKOFF", 30.0)
    stock_servers[name].fail(fault, times=50, retry_after="30")
    cancel = CancelToken()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            _search(name, cancel)
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while not stock_servers[name].api_requests() and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a condition with a deadline, not synchronising by sleep
    cancel.cancel()
    cancelled_at = time.monotonic()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 1.0
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)


# --- Files: previews and the stream downloads use ------------------------------------------------


def test_fetch_bytes_brings_a_preview(stock_servers: StockServers) -> None:
    provider = registry.get_provider("pixabay")
    candidate = provider.search("sea").candidates[0]
    data = provider.client.fetch_bytes(candidate.preview_url, max_bytes=1_000_000)
    assert data == stock_servers.catalogue.preview


def test_fetch_bytes_refuses_too_big_and_mislabelled_previews(
    stock_servers: StockServers,
) -> None:
    server = stock_servers["openverse"]
    client = StockClient("Openverse")
    url = f"{server.root}/previews/1001.jpg"
    with pytest.raises(StockError, match="larger than 0 KB"):
        client.fetch_bytes(url, max_bytes=100)
    server.fail("html", on="previews")
    with pytest.raises(StockError, match="not a picture"):
        client.fetch_bytes(url, max_bytes=1_000_000)
    server.fail("huge", on="previews")
    started = time.monotonic()
    with pytest.raises(StockError, match="larger than"):
        client.fetch_bytes(url, max_bytes=1_000_000)
    assert time.monotonic() - started < 5


def test_stream_gives_the_file_and_a_cut_reaches_the_caller(stock_servers: StockServers) -> None:
    server = stock_servers["pexels"]
    item = stock_servers.catalogue.item(1000)
    client = StockClient("Pexels")
    with client.stream(server.file_url(item.name)) as response:
        assert response.read() == item.data
    with client.stream(server.file_url(item.name), headers={"Range": "bytes=100-"}) as response:
        assert response.status_code == 206 and response.read() == item.data[100:]
    server.fail("cut", on="files")
    with (
        pytest.raises(httpx2.TransportError),
        client.stream(server.file_url(item.name)) as response,
    ):
        response.read()
    server.fail("server_error", on="files", times=2)
    with client.stream(server.file_url(item.name)) as response:  # retried before the body
        assert response.read() == item.data


def test_keys_are_masked_in_what_is_logged(
    stock_servers: StockServers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    key = FAKE_KEYS["dvids"]
    stock_servers["dvids"].fail("server_error", times=50)
    with pytest.raises(StockError) as caught:
        _search("dvids")
    assert key not in caplog.text and key not in caught.value.message
    assert "api_key=" in caplog.text  # the URL is logged, its key masked
    assert key not in redact(f"https://x/search?api_key={key}&q=a", key)
