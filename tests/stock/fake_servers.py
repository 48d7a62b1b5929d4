"""Fake stock libraries on 127.0.0.1, one real threaded HTTP server per provider, each speaking
its library's documented API (search with pagination, the files and previews it links to), with
switchable failures.

Every server serves the same ``Catalogue`` (real media made with the real ffmpeg: landscape and
portrait MP4 clips, landscape, portrait and square JPEGs), each item's file made distinct by a
trailing ``free`` box (MP4) or bytes after the JPEG's end, so no two items share content.

Every query matches every item, except a query containing the word ``nothing`` (no results).
File URLs are the server's own (``/files/<name>``, with ``Range`` support for resumed
downloads); previews are ``/previews/<id>.jpg``. Each library's JSON is built in
``tests.stock.fake_apis``.

Failures (``server.fail(kind, times=, on=)``, consumed in order by the requests they match):
``unauthorized`` (401), ``forbidden`` (403), ``rate_limited`` (429 with ``Retry-After``),
``server_error`` (500, or ``status=503``), ``malformed`` (broken JSON), ``html`` (an HTML page
labelled ``application/json``, or labelled ``video/mp4`` for a file), ``wrong_shape`` (JSON
without the documented list), ``cut`` (a download that stops halfway), ``huge`` (a file that
claims and streams gigabytes), ``refuse`` (the connection is closed with no answer). A request
made with a key other than ``server.key`` is refused the way that library refuses it.

Usage::

    with stock_server("pexels", catalogue) as pexels:
        pexels.fail("rate_limited", retry_after="0")
        PexelsProvider(key=pexels.key, base_url=pexels.base_url).search("sea")
"""

from __future__ import annotations

import json
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.media.support import write_clip, write_picture
from tests.stock.fake_apis import ROUTES, nasa_manifest

PROVIDERS = ("pexels", "pixabay", "dvids", "openverse", "nasa")
ENV_VARS = {
    "pexels": "STUDIO_PEXELS_URL",
    "pixabay": "STUDIO_PIXABAY_URL",
    "dvids": "STUDIO_DVIDS_URL",
    "openverse": "STUDIO_OPENVERSE_URL",
    "nasa": "STUDIO_NASA_URL",
}
KEY_ENV_VARS = {"pexels": "PEXELS_API_KEY", "pixabay": "PIXABAY_API_KEY", "dvids": "DVIDS_API_KEY"}
#: The key each keyed fake accepts (any other is refused as that library refuses keys).
FAKE_KEYS = {name: f"{name}-test-key-0123456789abcdef" for name in KEY_ENV_VARS}
#: What a ``huge`` file claims to be (it streams zeros until the client hangs up).
HUGE_SIZE = 50 * 1024**3


# --- The catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One stock item every fake serves (its JSON differs per library, its file does not).

    Attributes:
        id: a number unique in the catalogue. kind: "video" or "image".
        width, height: the file's real size. duration: a clip's length in seconds.
        name: the file's name under ``/files/``. data: the file's bytes.
        title, author: what the credit should say.
    """

    id: int
    kind: str
    width: int
    height: int
    duration: float | None
    name: str
    data: bytes
    title: str
    author: str

    @property
    def orientation(self) -> str:
        if self.width == self.height:
            return "square"
        return "landscape" if self.width > self.height else "portrait"


@dataclass(frozen=True)
class Catalogue:
    """The items (20 by default: videos and pictures of every orientation) and the preview."""

    items: tuple[Item, ...]
    preview: bytes

    def item(self, item_id: int | str) -> Item:
        return next(i for i in self.items if str(i.id) == str(item_id).split(":")[-1])

    def by_name(self, name: str) -> Item | None:
        return next((i for i in self.items if i.name == name), None)


_SHAPES = {
    "video": [(320, 180), (180, 320)],
    "image": [(320, 180), (180, 320), (200, 200)],
}


def make_catalogue(folder: Path, count: int = 20) -> Catalogue:
    """``count`` items, alternating video and picture, over a few real media files."""
    folder.mkdir(parents=True, exist_ok=True)
    bases: dict[tuple[str, int, int], bytes] = {}
    for kind, shapes in _SHAPES.items():
        for width, height in shapes:
            path = folder / f"{kind}-{width}x{height}.{'mp4' if kind == 'video' else 'jpg'}"
            if kind == "video":
                write_clip(path, 2.0, size=f"{width}x{height}", fps=15)
            else:
                write_picture(path, (width, height))
            bases[(kind, width, height)] = path.read_bytes()
    preview = write_picture(folder / "preview.jpg", (64, 36)).read_bytes()
    items = []
    for n in range(count):
        kind = "video" if n % 2 == 0 else "image"
        shapes = _SHAPES[kind]
        width, height = shapes[(n // 2) % len(shapes)]
        item_id = 1000 + n
        items.append(Item(
            id=item_id, kind=kind, width=width, height=height,
            duration=2.0 if kind == "video" else None,
            name=f"{item_id}.{'mp4' if kind == 'video' else 'jpg'}",
            data=_distinct(bases[(kind, width, height)], kind, item_id),
            title=f"Test {kind} {item_id}", author=f"Author {item_id}",
        ))  # fmt: skip
    return Catalogue(tuple(items), preview)


def _distinct(data: bytes, kind: str, item_id: int) -> bytes:
    """``data`` with the item's id appended where decoders ignore it (an MP4 ``free`` box,
    bytes after a JPEG's end marker)."""
    tag = f"studio-test-item-{item_id}".encode()
    if kind == "video":
        return data + struct.pack(">I", 8 + len(tag)) + b"free" + tag
    return data + tag


# --- Faults and requests ------------------------------------------------------------------------


@dataclass
class Fault:
    """One queued failure. ``on``: "api", "files" or "previews" (which requests it hits)."""

    kind: str
    on: str = "api"
    times: int = 1
    status: int | None = None
    retry_after: str | None = "0"


@dataclass(frozen=True)
class Recorded:
    """One request a fake received (header names lower-cased, query values as lists)."""

    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


# --- The server ---------------------------------------------------------------------------------


@dataclass
class FakeStockServer:
    """One library's fake. ``base_url`` is what its ``STUDIO_<NAME>_URL`` takes.

    Attributes:
        provider: the library's id. catalogue: what it serves. key: the key it accepts
            (None: the library needs none). requests: every request received, in order.
    """

    provider: str
    catalogue: Catalogue
    key: str | None = None
    requests: list[Recorded] = field(default_factory=list)
    _faults: list[Fault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    # -- life ----------------------------------------------------------------------------------
    def start(self) -> FakeStockServer:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits for one poll
            daemon=True,
            name=f"fake-{self.provider}",
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeStockServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------------
    @property
    def root(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/api" if self.provider == "pixabay" else self.root

    @property
    def env_var(self) -> str:
        return ENV_VARS[self.provider]

    def file_url(self, name: str) -> str:
        return f"{self.root}/files/{name}"

    def preview_url(self, item: Item) -> str:
        return f"{self.root}/previews/{item.id}.jpg"

    # -- failures ------------------------------------------------------------------------------
    def fail(
        self,
        kind: str,
        *,
        times: int = 1,
        on: str = "api",
        status: int | None = None,
        retry_after: str | None = "0",
    ) -> None:
        """Answer the next ``times`` requests ``on`` api/files/previews with ``kind``."""
        with self._lock:
            self._faults.append(Fault(kind, on, times, status, retry_after))

    def take_fault(self, on: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.on == on:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def api_requests(self) -> list[Recorded]:
        return [r for r in self.requests if not r.path.startswith(("/files/", "/previews/"))]


def stock_server(provider: str, catalogue: Catalogue) -> FakeStockServer:
    """A (not yet started) fake of ``provider`` with its accepted key."""
    return FakeStockServer(provider, catalogue, FAKE_KEYS.get(provider))


@dataclass
class StockServers:
    """Every fake library at once (what the ``stock_servers`` fixture gives)."""

    servers: dict[str, FakeStockServer]
    catalogue: Catalogue

    def __getitem__(self, provider: str) -> FakeStockServer:
        return self.servers[provider]

    def env(self) -> dict[str, str]:
        """The environment variables that point Studio (and its subprocesses) at the fakes:
        base URLs and keys."""
        urls = {s.env_var: s.base_url for s in self.servers.values()}
        return urls | {KEY_ENV_VARS[n]: FAKE_KEYS[n] for n in KEY_ENV_VARS}


@dataclass
class running_servers:  # noqa: N801 - used like a function: ``with running_servers(c) as s``
    """Start a fake of every library (stopped on exit)."""

    catalogue: Catalogue
    _started: list[FakeStockServer] = field(default_factory=list)

    def __enter__(self) -> StockServers:
        servers = {name: stock_server(name, self.catalogue).start() for name in PROVIDERS}
        self._started = list(servers.values())
        return StockServers(servers, self.catalogue)

    def __exit__(self, *exc: object) -> None:
        for server in self._started:
            server.stop()


# --- Answering ----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeStockServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: tests read ``requests`` instead."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        fake = self.server_fake
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        fake.requests.append(
            Recorded(parts.path, query, {k.lower(): v for k, v in self.headers.items()})
        )
        on = (
            "files"
            if parts.path.startswith("/files/")
            else "previews"
            if parts.path.startswith("/previews/")
            else "api"
        )
        fault = fake.take_fault(on)
        if fault is not None and self._fault(fault, on):
            return
        try:
            if on == "files":
                self._file(parts.path.removeprefix("/files/"))
            elif on == "previews":
                self._send(200, fake.catalogue.preview, "image/jpeg")
            else:
                self._api(parts.path, query)
        except (BrokenPipeError, ConnectionResetError):
            pass

    # -- failures ------------------------------------------------------------------------------
    def _fault(self, fault: Fault, on: str) -> bool:
        """Answer with ``fault``; False when it only shapes a later answer."""
        kind = fault.kind
        if kind == "refuse":
            self.close_connection = True
            self.connection.shutdown(2)
            return True
        if kind in ("unauthorized", "forbidden"):
            self._json(401 if kind == "unauthorized" else 403, {"error": "Not authorized"})
        elif kind == "rate_limited":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            self._json(429, {"error": "Too many requests"}, headers)
        elif kind == "server_error":
            self._send(fault.status or 500, b"<html>Internal error</html>", "text/html")
        elif kind == "malformed":
            self._send(200, b'{"results": [{"id": ', "application/json")
        elif kind == "html":
            kind_label = (
                "application/json"
                if on == "api"
                else ("image/jpeg" if on == "previews" else "video/mp4")
            )
            self._send(
                200, b"<!doctype html><html><body>Sign in to the Wi-Fi</body></html>", kind_label
            )
        elif kind == "wrong_shape":
            self._json(200, {"message": "a different API"})
        elif kind == "cut":
            self._cut(on)
        elif kind == "huge":
            self._huge()
        else:
            raise AssertionError(f"unknown fault {kind!r}")
        return True

    def _cut(self, on: str) -> None:
        name = self.path.split("/")[-1].split("?")[0]
        item = self.server_fake.catalogue.by_name(name)
        data = item.data if item else self.server_fake.catalogue.preview
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4" if name.endswith(".mp4") else "image/jpeg")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        block = bytes(1 << 16)
        try:
            for _ in range(4096):  # 256 MiB at most, then give up on a client that never stops
                self.wfile.write(block)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    # -- files ---------------------------------------------------------------------------------
    def _file(self, name: str) -> None:
        item = self.server_fake.catalogue.by_name(
            name.split("~")[0].removesuffix(".mp4").removesuffix(".jpg") + _ext(name)
        )
        if item is None:
            self._json(404, {"error": "not found"})
            return
        data = item.data
        kind = "video/mp4" if item.kind == "video" else "image/jpeg"
        start = _range_start(self.headers.get("Range"))
        if start is None or start == 0:
            self._send(200, data, kind, {"Accept-Ranges": "bytes"})
        elif start >= len(data):
            self._send(416, b"", kind, {"Content-Range": f"bytes */{len(data)}"})
        else:
            self._send(
                206,
                data[start:],
                kind,
                {
                    "Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}",
                    "Accept-Ranges": "bytes",
                },
            )

    # -- the APIs ------------------------------------------------------------------------------
    def _api(self, path: str, query: dict[str, list[str]]) -> None:
        fake = self.server_fake
        route = ROUTES.get((fake.provider, path.rstrip("/") or "/"))
        if fake.provider == "nasa" and path.startswith("/asset-manifest/"):
            self._json(*nasa_manifest(fake, path.split("/")[2]))
            return
        if route is None:
            self._json(404, {"error": f"no such endpoint {path}"})
            return
        if fake.key is not None and not self._key_ok(query):
            self._refuse_key()
            return
        status, body = route(fake, query)
        self._json(status, body)

    def _key_ok(self, query: dict[str, list[str]]) -> bool:
        fake = self.server_fake
        if fake.provider == "pexels":
            return self.headers.get("Authorization") == fake.key
        name = "key" if fake.provider == "pixabay" else "api_key"
        return query.get(name, [""])[0] == fake.key

    def _refuse_key(self) -> None:
        provider = self.server_fake.provider
        if provider == "pixabay":  # Pixabay's documented answer: 400, plain text
            self._send(400, b'[ERROR 400] "key" is invalid', "text/plain")
        elif provider == "dvids":
            self._json(403, {"errors": [{"message": "Invalid API key"}]})
        else:
            self._json(401, {"code": 401, "error": "Unauthorized"})

    # -- sending -------------------------------------------------------------------------------
    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _send(
        self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _ext(name: str) -> str:
    return ".mp4" if name.endswith(".mp4") else ".jpg"


def _range_start(header: str | None) -> int | None:
    if not header or not header.startswith("bytes="):
        return None
    first = header.removeprefix("bytes=").split("-")[0]
    return int(first) if first.isdigit() else None
