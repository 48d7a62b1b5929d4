"""A fake Hugging Face hub on 127.0.0.1 that the real ``huggingface_hub`` client talks to.

It answers the requests ``huggingface_hub`` makes to download a file:

* ``HEAD``/``GET /{repo}/resolve/{revision}/{path}`` on the *hub* server. A small (git) file is
  served in place with ``ETag`` (its git blob id), ``X-Repo-Commit`` and ``Content-Length``. A
  large (LFS) file gets a ``302`` to the *CDN* server with ``X-Linked-Etag`` (its sha256, as the
  real hub sends), ``X-Linked-Size`` and ``X-Repo-Commit``. Unknown files and revisions get the
  hub's ``404`` with ``X-Error-Code: EntryNotFound`` / ``RevisionNotFound``.
* ``GET /blobs/{sha256}`` on the *CDN* server, a different origin as on the real hub (so the
  client does not follow the redirect during its ``HEAD``), with ``Range`` support (``206``).

Faults for the tests: cut the connection after some bytes, serve wrong bytes for a file, or
hold a response midway until released. Every request is recorded.

Usage::

    with FakeHub({"config.json": b"{}", "model.pth": FakeFile(b"...", lfs=True)}) as hub:
        hf_hub_download("hexgrad/Kokoro-82M", "config.json", endpoint=hub.endpoint)
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import unquote

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO_ID = "hexgrad/Kokoro-82M"


@dataclass(frozen=True)
class FakeFile:
    """A file in the fake repo; ``lfs`` files are served through the CDN with a sha256 ETag."""

    content: bytes
    lfs: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def git_oid(self) -> str:
        header = f"blob {len(self.content)}\0".encode()
        return hashlib.sha1(header + self.content).hexdigest()


@dataclass(frozen=True)
class RecordedRequest:
    """One request a fake server received (header names are lower-cased)."""

    server: str  # "hub" or "cdn"
    method: str
    path: str
    headers: dict[str, str]


class FakeHub:
    """The hub and its CDN, each a threaded HTTP server on 127.0.0.1.

    Attributes:
        files: repo path -> FakeFile (bytes are accepted and mean a small git file).
        requests: every request received, in order.
        endpoint: the hub's base URL (give it as ``endpoint`` or ``HF_ENDPOINT``).
    """

    def __init__(self, files: dict[str, FakeFile | bytes], repo_id: str = REPO_ID) -> None:
        self.repo_id = repo_id
        self.files = {
            path: item if isinstance(item, FakeFile) else FakeFile(item)
            for path, item in files.items()
        }
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._cuts: dict[str, list[int]] = {}
        self._corrupt: set[str] = set()
        self._holds: dict[str, tuple[int, threading.Event, threading.Event]] = {}
        self._hub = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("hub"))
        self._cdn = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("cdn"))
        for server in (self._hub, self._cdn):
            server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self._hub.server_address[1]}"
        self.cdn_url = f"http://127.0.0.1:{self._cdn.server_address[1]}"
        self._threads = [
            threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
            for server in (self._hub, self._cdn)
        ]

    # --- faults ---------------------------------------------------------------------------

    def cut_after(self, path: str, *byte_counts: int) -> None:
        """The next GETs of ``path``'s bytes close the connection after these many bytes."""
        with self._lock:
            self._cuts.setdefault(path, []).extend(byte_counts)

    def corrupt(self, path: str) -> None:
        """Serve other bytes (same length) for ``path`` than its advertised sha256/ETag."""
        with self._lock:
            self._corrupt.add(path)

    def hold_after(self, path: str, byte_count: int) -> tuple[threading.Event, threading.Event]:
        """The next GET of ``path`` pauses after ``byte_count`` bytes.

        Returns ``(reached, release)``: ``reached`` is set when the pause starts; set
        ``release`` to send the rest.
        """
        reached, release = threading.Event(), threading.Event()
        with self._lock:
            self._holds[path] = (byte_count, reached, release)
        return reached, release

    def gets(self, path: str) -> list[RecordedRequest]:
        """The GET requests that fetched ``path``'s bytes (from the hub or the CDN)."""
        blob = f"/blobs/{self.files[path].sha256}"
        resolve = f"/{self.repo_id}/resolve/"
        return [
            r for r in self.requests
            if r.method == "GET" and (r.path == blob or (
                r.path.startswith(resolve) and r.path.endswith("/" + path)
                and not self.files[path].lfs))
        ]  # fmt: skip

    # --- context manager ------------------------------------------------------------------

    def __enter__(self) -> FakeHub:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            holds = list(self._holds.values())
        for _, _, release in holds:
            release.set()
        for server in (self._hub, self._cdn):
            server.shutdown()
            server.server_close()

    # --- serving --------------------------------------------------------------------------

    def _take_faults(
        self, path: str
    ) -> tuple[int | None, tuple[int, threading.Event, threading.Event] | None]:
        """The cut (bytes) and hold planned for this GET of ``path``, each used once."""
        with self._lock:
            cuts = self._cuts.get(path)
            return (cuts.pop(0) if cuts else None), self._holds.pop(path, None)

    def _handler(self, server_name: str) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_HEAD(self) -> None:  # noqa: N802
                self._serve(body=False)

            def do_GET(self) -> None:  # noqa: N802
                self._serve(body=True)

            def _serve(self, *, body: bool) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                with hub._lock:
                    hub.requests.append(
                        RecordedRequest(server_name, self.command, self.path, headers)
                    )
                if server_name == "hub":
                    self._resolve(body)
                else:
                    self._blob(body)

            def _resolve(self, body: bool) -> None:
                prefix = f"/{hub.repo_id}/resolve/"
                match = re.fullmatch(r"([^/]+)/(.+)", unquote(self.path[len(prefix) :]))
                if not self.path.startswith(prefix) or match is None:
                    self._error(404, "RepoNotFound", "Repository not found")
                    return
                revision, path = match.groups()
                if revision not in ("main", COMMIT):
                    self._error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
                    return
                item = hub.files.get(path)
                if item is None:
                    self._error(404, "EntryNotFound", f"{path} does not exist on main")
                    return
                if item.lfs:
                    self.send_response(302)
                    self.send_header("Location", f"{hub.cdn_url}/blobs/{item.sha256}")
                    self.send_header("X-Repo-Commit", COMMIT)
                    self.send_header("X-Linked-Etag", f'"{item.sha256}"')
                    self.send_header("X-Linked-Size", str(len(item.content)))
                    self.send_header("ETag", f'"{item.git_oid}"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self._content(path, item, body, etag=item.git_oid, commit=True)

            def _blob(self, body: bool) -> None:
                sha = self.path.rsplit("/", 1)[-1]
                found = [(p, f) for p, f in hub.files.items() if f.lfs and f.sha256 == sha]
                if not self.path.startswith("/blobs/") or not found:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, item = found[0]
                self._content(path, item, body, etag=item.sha256, commit=False)

            def _content(
                self, path: str, item: FakeFile, body: bool, *, etag: str, commit: bool
            ) -> None:
                data = item.content
                if path in hub._corrupt:
                    data = bytes(b ^ 0xFF for b in data)
                start = 0
                range_header = self.headers.get("Range")
                if range_header:
                    match = re.fullmatch(r"bytes=(\d+)-", range_header.strip())
                    if match is None or int(match.group(1)) >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    start = int(match.group(1))
                self.send_response(206 if start else 200)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data) - start))
                self.send_header("ETag", f'"{etag}"')
                if commit:
                    self.send_header("X-Repo-Commit", COMMIT)
                self.end_headers()
                if not body:
                    return
                cut, hold = hub._take_faults(path)
                rest = data[start:]
                if hold is not None:
                    held_at, reached, release = hold
                    self.wfile.write(rest[:held_at])
                    self.wfile.flush()
                    reached.set()
                    release.wait(30)
                    rest = rest[held_at:]
                if cut is not None:
                    self.wfile.write(rest[:cut])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(2)  # SHUT_RDWR: the client sees a cut body
                    return
                self.wfile.write(rest)

            def _error(self, status: int, code: str, message: str) -> None:
                data = f'{{"error": "{message}"}}'.encode()
                self.send_response(status)
                self.send_header("X-Error-Code", code)
                self.send_header("X-Error-Message", message)
                if code == "EntryNotFound":
                    self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

        return Handler
