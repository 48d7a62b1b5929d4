"""Preview pictures of stock results: fetched off the GUI thread, size-capped, cached on disk.

A stock library gives each result a small preview picture at a URL. The picker asks for it
here; the bytes come from the disk cache (``<home>/cache/stock-previews/``, named by the URL's
hash) or from the library, through ``studio.stock.http.StockClient`` (its timeouts, retries and
cancellation), never more than ``PREVIEW_MAX_BYTES``. Decoding happens on the pool too (a
``QImage`` is safe off the GUI thread); the GUI thread only turns it into pixmaps.

The latest search wins: :meth:`StockPreviews.cancel_pending` drops queued fetches and cancels
running ones, so scrolling through pages never waits behind pictures no longer shown.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage

from studio.errors import Cancelled, StudioError
from studio.progress import CancelToken
from studio.savefile import atomic_write
from studio.stock.http import StockClient

log = logging.getLogger(__name__)

#: Largest preview picture fetched (libraries' previews are 20-300 kB; this refuses a file
#: mistaken for one).
PREVIEW_MAX_BYTES = 4 * 1000 * 1000
#: Longest side a preview is decoded at: enough for the picker's larger preview.
PREVIEW_SIDE = 640
#: Fetches at once (previews are small; more would only crowd a slow connection).
THREADS = 3
CACHE_FOLDER = "stock-previews"


def cache_path(folder: Path, url: str) -> Path:
    """Where the preview at ``url`` is kept (named by the URL's hash: no name from outside)."""
    return folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:32] + ".img")


def _decode(data: bytes) -> QImage:
    image = QImage.fromData(data)
    if image.isNull():
        return image
    if max(image.width(), image.height()) > PREVIEW_SIDE:
        image = image.scaled(
            QSize(PREVIEW_SIDE, PREVIEW_SIDE),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class _Signals(QObject):
    loaded = Signal(str, QImage)


class _Fetch(QRunnable):
    """Reads one preview from the cache or the library, decodes it, reports it."""

    def __init__(
        self, url: str, folder: Path, client: StockClient, cancel: CancelToken, signals: _Signals
    ) -> None:
        super().__init__()
        self._url, self._folder, self._client = url, folder, client
        self._cancel, self._signals = cancel, signals

    def run(self) -> None:
        if self._cancel.cancelled:
            return
        try:
            data = self._bytes()
        except Cancelled:
            return
        except (StudioError, OSError) as exc:
            log.info("stock preview %s failed: %s", self._url, exc)
            data = b""
        self._signals.loaded.emit(self._url, _decode(data) if data else QImage())

    def _bytes(self) -> bytes:
        path = cache_path(self._folder, self._url)
        if path.is_file():
            return path.read_bytes()
        data = self._client.fetch_bytes(self._url, max_bytes=PREVIEW_MAX_BYTES, cancel=self._cancel)
        if not QImage.fromData(data).isNull():  # never cache an error page
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data, durable=False)
        return data


class StockPreviews(QObject):
    """Preview pictures of stock results by URL, delivered by signal.

    Signals:
        ready(str): the picture at this URL has arrived (``image`` has it; a null image if it
            could not be fetched or read).

    Attributes:
        folder: the disk cache.
        pending: URLs being fetched.
    """

    ready = Signal(str)

    def __init__(self, cache_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = cache_dir / CACHE_FOLDER
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(THREADS)
        self._signals = _Signals(self)
        self._signals.loaded.connect(self._loaded)
        self._images: dict[str, QImage] = {}
        self._cancel = CancelToken()
        self._client: StockClient | None = None
        self._client_lock = threading.Lock()
        self.pending: set[str] = set()

    def image(self, url: str) -> QImage | None:
        """The picture if it has arrived (a null image: it could not be shown)."""
        return self._images.get(url)

    def request(self, url: str) -> QImage | None:
        """The picture now if it has arrived; else None, and ``ready(url)`` later."""
        if url in self._images:
            return self._images[url]
        if url and url not in self.pending:
            self.pending.add(url)
            self._pool.start(_Fetch(url, self.folder, self._http(), self._cancel, self._signals))
        return None

    def cancel_pending(self) -> None:
        """Forget the fetches asked for so far (a newer search replaces their tiles)."""
        self._pool.clear()
        self._cancel.cancel()
        self._cancel = CancelToken()
        self.pending.clear()

    def shutdown(self) -> None:
        """Stop every fetch and wait for the pool (the picker is closing)."""
        self.cancel_pending()
        self._pool.waitForDone()
        if self._client is not None:
            self._client.close()
            self._client = None

    def _http(self) -> StockClient:
        with self._client_lock:
            if self._client is None:
                self._client = StockClient("The stock library")
            return self._client

    def _loaded(self, url: str, image: QImage) -> None:
        if url not in self.pending:
            return  # cancelled: a newer search asked for other pictures
        self.pending.discard(url)
        self._images[url] = image
        self.ready.emit(url)
