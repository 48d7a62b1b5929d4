"""The NASA Image and Video Library (videos and pictures; no key; public domain).

API: ``GET /search`` with ``q``, ``media_type`` (image, video; comma-separated), ``page``,
``page_size``. Answers ``{"collection": {"items": [...], "metadata": {"total_hits"},
"links": [{"rel": "next", ...}]}}``; an item has ``href`` (its ``collection.json``: the list of
its files' URLs, ``~orig``/``~large``/``~medium``/``~small`` renditions), ``data[0]``
(``nasa_id``, ``title``, ``media_type``, ``center``, ``photographer``, ``secondary_creator``)
and ``links`` (the preview picture). NASA's media are not copyrighted (credit NASA).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote

from studio.progress import CancelToken
from studio.stock.base import Candidate, Credit, StockError
from studio.stock.providers.common import Provider, as_dict, as_str, as_url, records

log = logging.getLogger(__name__)

LICENCE = "Public domain (NASA)"
LICENCE_URL = "https://www.nasa.gov/nasa-brand-center/images-and-media/"
#: The file to download, best first, by the name's ending (videos, then pictures).
_PREFERRED = {
    "video": ("~large.mp4", "~medium.mp4", "~orig.mp4", "~small.mp4", "~mobile.mp4"),
    "image": ("~large.jpg", "~orig.jpg", "~medium.jpg", "~large.png", "~orig.png"),
}
#: Parallel ``collection.json`` requests for one page.
LOOKUPS = 4


class NasaProvider(Provider):
    name = "nasa"
    label = "NASA Image Library"
    kinds = ("video", "image")
    needs_key = False
    base_url = "https://images-api.nasa.gov"
    base_url_env = "STUDIO_NASA_URL"

    def _search(
        self,
        query: str,
        page: int,
        kinds: Sequence[str],
        orientation: str | None,
        cancel: CancelToken,
    ) -> tuple[list[Candidate], bool]:
        url = f"{self.api}/search"
        params = {
            "q": query,
            "media_type": ",".join(kinds),
            "page": page,
            "page_size": self.per_page,
        }
        data = self.client.get_json(url, params, cancel=cancel)
        collection = as_dict(as_dict(data).get("collection"))
        items = records(collection, "items", self, url)
        with ThreadPoolExecutor(LOOKUPS, thread_name_prefix="nasa-files") as pool:
            found = list(pool.map(lambda item: self._candidate(item, kinds, cancel), items))
        more = any(
            as_str(as_dict(link).get("rel")) == "next" for link in collection.get("links") or []
        )
        return [c for c in found if c is not None], more

    def check_key(self, cancel: CancelToken | None = None) -> None:
        """The NASA library needs no key: nothing to check."""

    def _candidate(
        self, item: dict[str, Any], kinds: Sequence[str], cancel: CancelToken
    ) -> Candidate | None:
        data = next((d for d in item.get("data") or [] if isinstance(d, dict)), {})
        kind, nasa_id = as_str(data.get("media_type")), as_str(data.get("nasa_id"))
        preview = next(
            (
                as_url(link.get("href"))
                for link in item.get("links") or []
                if isinstance(link, dict) and link.get("rel") == "preview"
            ),
            "",
        )
        manifest = as_url(item.get("href"))
        if kind not in kinds or not nasa_id or not preview or not manifest:
            return None
        try:
            files = self.client.get_json(manifest, cancel=cancel)
        except StockError as error:  # one item's files missing: drop it, keep the page
            log.info("NASA files of %s unavailable: %s", nasa_id, error.message)
            return None
        download = _pick(files, kind)
        if not download:
            return None
        author = as_str(data.get("photographer")) or as_str(data.get("secondary_creator"))
        center = as_str(data.get("center"))
        return Candidate(
            "nasa",
            nasa_id,
            kind,
            preview,
            download,
            credit=Credit(
                "nasa",
                title=as_str(data.get("title")),
                author=author or (f"NASA {center}" if center else "NASA"),
                source_url=f"https://images.nasa.gov/details/{quote(nasa_id)}",
                licence=LICENCE,
                licence_url=LICENCE_URL,
            ),
        )


def _pick(files: Any, kind: str) -> str:
    """The preferred file of a ``collection.json`` (a list of URLs), or ""."""
    urls = [as_url(u) for u in files] if isinstance(files, list) else []
    for ending in _PREFERRED[kind]:
        for url in urls:
            if url.lower().endswith(ending):
                return url
    return ""
