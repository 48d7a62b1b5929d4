"""Pexels (videos and photos; key in the ``Authorization`` header).

API: ``GET /videos/search`` and ``GET /v1/search`` with ``query``, ``page``, ``per_page``,
``orientation`` (landscape, portrait, square). Answers carry ``page``, ``per_page``,
``total_results``, ``next_page`` (absent on the last page) and ``videos`` (``video_files``:
renditions with ``link``, ``width``, ``height``, ``file_type``) or ``photos`` (``src``: sizes).
Everything is under the Pexels License: free to use, no attribution required (given anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studio.progress import CancelToken
from studio.stock.base import Candidate, Credit
from studio.stock.http import StockClient
from studio.stock.providers.common import (
    Provider,
    as_dict,
    as_duration,
    as_int,
    as_str,
    as_url,
    interleave,
    pick_rendition,
    records,
)

LICENCE = "Pexels License"
LICENCE_URL = "https://www.pexels.com/license/"


class PexelsProvider(Provider):
    name = "pexels"
    label = "Pexels"
    kinds = ("video", "image")
    needs_key = True
    base_url = "https://api.pexels.com"
    base_url_env = "STUDIO_PEXELS_URL"

    def _make_client(self) -> StockClient:
        return StockClient(
            self.label,
            headers={"Authorization": self.key or ""},
            secret=self.key,
            key_fix=self.key_fix(),
        )

    def _search(
        self,
        query: str,
        page: int,
        kinds: Sequence[str],
        orientation: str | None,
        cancel: CancelToken,
    ) -> tuple[list[Candidate], bool]:
        params = {
            "query": query,
            "page": page,
            "per_page": self.per_page,
            "orientation": orientation,
        }
        found: list[list[Candidate]] = []
        more = False
        for kind in kinds:
            url = f"{self.api}/videos/search" if kind == "video" else f"{self.api}/v1/search"
            data = self.client.get_json(url, params, cancel=cancel)
            items = records(data, "videos" if kind == "video" else "photos", self, url)
            parse = _video if kind == "video" else _photo
            found.append([c for c in map(parse, items) if c is not None])
            more = more or bool(as_str(data.get("next_page")))
        return interleave(found), more

    def check_key(self, cancel: CancelToken | None = None) -> None:
        if self.key is None:
            raise self.missing_key()
        self.client.get_json(f"{self.api}/v1/curated", {"per_page": 1}, cancel=cancel)


def _credit(title: str, author: str, author_url: str, page: str) -> Credit:
    return Credit(
        "pexels",
        title=title,
        author=author,
        author_url=author_url,
        source_url=page,
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


def _video(item: dict[str, Any]) -> Candidate | None:
    """A candidate from one of ``videos`` (None when it has no MP4 rendition of known size)."""
    renditions = [
        {
            "url": as_url(f.get("link")),
            "width": as_int(f.get("width")),
            "height": as_int(f.get("height")),
            "size_bytes": as_int(f.get("size")) or None,
        }
        for f in item.get("video_files") or []
        if isinstance(f, dict)
        and as_str(f.get("file_type")) in ("video/mp4", "")
        and as_url(f.get("link"))
    ]
    renditions = [r for r in renditions if r["width"] and r["height"]]
    preview = as_url(item.get("image"))
    if not renditions or not preview or not as_int(item.get("id")):
        return None
    chosen = pick_rendition(renditions)
    user = as_dict(item.get("user"))
    return Candidate(
        "pexels",
        str(as_int(item.get("id"))),
        "video",
        preview,
        chosen["url"],
        width=chosen["width"],
        height=chosen["height"],
        duration=as_duration(item.get("duration")),
        size_bytes=chosen["size_bytes"],
        credit=_credit(
            "", as_str(user.get("name")), as_url(user.get("url")), as_url(item.get("url"))
        ),
        renditions=tuple(renditions),
    )


def _photo(item: dict[str, Any]) -> Candidate | None:
    """A candidate from one of ``photos`` (the original file; None without one)."""
    src = as_dict(item.get("src"))
    original = as_url(src.get("original"))
    preview = as_url(src.get("medium")) or as_url(src.get("small")) or as_url(src.get("tiny"))
    width, height = as_int(item.get("width")), as_int(item.get("height"))
    if not original or not preview or not width or not height or not as_int(item.get("id")):
        return None
    return Candidate(
        "pexels",
        str(as_int(item.get("id"))),
        "image",
        preview,
        original,
        width=width,
        height=height,
        credit=_credit(
            as_str(item.get("alt")),
            as_str(item.get("photographer")),
            as_url(item.get("photographer_url")),
            as_url(item.get("url")),
        ),
        renditions=({"url": original, "width": width, "height": height, "size_bytes": None},),
    )
