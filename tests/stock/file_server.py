"""A small HTTP file server on 127.0.0.1 for the download tests, with the faults they need.

Serves ``files`` (path -> bytes) with ``Range`` support (``206``), and on request: cuts the
connection after some bytes, ignores ``Range``, announces a false ``Content-Length``, holds a
response midway until released, or answers a status. Every request is recorded. JSON routes
(``json_routes``: path -> callable(query) -> object) let a test provider search it too.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

_RANGE = re.compile(r"bytes=(\d+)-")


@dataclass
class Faults:
    """What goes wrong with one path (each list is consumed a request at a time)."""

    cut_after: list[int] = field(default_factory=list)
    ignore_range: bool = False
    content_length: int | None = None  # announced instead of the true length (-1: none)
    status: list[int] = field(default_factory=list)
    hold_after: int | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class FileServer:
    """Files and JSON routes on 127.0.0.1; ``url(path)`` is where a path is served."""

    def __init__(
        self,
        files: dict[str, bytes] | None = None,
        json_routes: dict[str, Callable[[dict[str, list[str]]], Any]] | None = None,
        content_type: str = "application/octet-stream",
    ) -> None:
        self.files = dict(files or {})
        self.json_routes = dict(json_routes or {})
        self.content_type = content_type
        self.faults: dict[str, Faults] = {}
        self.requests: list[Request] = []
        self.sent: dict[str, int] = {}  # path -> bytes of its files' bodies written so far
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def fault(self, path: str) -> Faults:
        return self.faults.setdefault("/" + path.lstrip("/"), Faults())

    def bytes_sent(self, path: str) -> int:
        """Bytes of ``path``'s body written to clients, over every request."""
        with self._lock:
            return self.sent.get("/" + path.lstrip("/"), 0)

    def gets(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == "/" + path.lstrip("/")]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for faults in self.faults.values():
            faults.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                request = Request(
                    "GET",
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                )
                with server._lock:
                    server.requests.append(request)
                if parts.path in server.json_routes:
                    body = json.dumps(server.json_routes[parts.path](request.query)).encode()
                    self._send(200, body, "application/json")
                    return
                faults = server.faults.get(parts.path, Faults())
                if faults.status:
                    self._send(faults.status.pop(0), b"<html>no</html>", "text/html")
                    return
                content = server.files.get(parts.path.lstrip("/"))
                if content is None:
                    self._send(404, b"<html>not found</html>", "text/html")
                    return
                self._serve_file(content, request, faults)

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _serve_file(self, content: bytes, request: Request, faults: Faults) -> None:
                start = 0
                etag = f'"{hashlib.sha256(content).hexdigest()[:16]}"'
                match = _RANGE.match(request.headers.get("range", ""))
                if_range = request.headers.get("if-range")
                if match and not faults.ignore_range and if_range in (None, etag):
                    start = int(match.group(1))
                    if start >= len(content):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(content)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header(
                        "Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}"
                    )
                else:
                    self.send_response(200)
                body = content[start:]
                length = faults.content_length if faults.content_length is not None else len(body)
                self.send_header("Content-Type", server.content_type)
                if length >= 0:
                    self.send_header("Content-Length", str(length))
                else:  # the body ends when the connection closes
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("ETag", etag)
                self.end_headers()
                cut = faults.cut_after.pop(0) if faults.cut_after else None
                if faults.hold_after is not None:
                    self._body(request, body[: faults.hold_after])
                    self.wfile.flush()
                    faults.reached.set()
                    faults.release.wait(10)
                    body = body[faults.hold_after :]
                if cut is not None:
                    self._body(request, body[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                try:
                    self._body(request, body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _body(self, request: Request, data: bytes) -> None:
                """Write ``data`` of a file's body, counting it in ``server.sent``."""
                self.wfile.write(data)
                with server._lock:
                    server.sent[request.path] = server.sent.get(request.path, 0) + len(data)

        return Handler
