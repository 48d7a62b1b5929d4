"""DVIDS, the U.S. military's public media service (videos and pictures; ``api_key``).

API: ``GET /search`` with ``api_key``, ``q``, ``type`` (video, image), ``page``,
``max_results`` (up to 50). Answers ``{"page_info": {"total_results", "results_per_page"},
"results": [...]}``; a result has ``id`` ("video:123"), ``type``, ``title``, ``url`` (its page),
``thumbnail``, ``image`` (a picture's file), ``credit`` (``[{"name", "rank", ...}]``),
``unit_name``, ``duration``. A video's files come from ``GET /asset?id=`` (``results.files``:
``src``, ``type``, ``width``, ``height``, ``size``). Works of the U.S. government: public domain;
credit the author and unit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from studio.progress import CancelToken
from studio.stock.base import Candidate, Credit, StockError
from studio.stock.http import KeyRefused
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

log = logging.getLogger(__name__)

LICENCE = "Public domain (U.S. government work)"
LICENCE_URL = "https://www.dvidshub.net/about/copyright"
#: Parallel ``/asset`` requests for one page of videos.
LOOKUPS = 4


class DvidsProvider(Provider):
    name = "dvids"
    label = "DVIDS"
    kinds = ("video", "image")
    needs_key = True
    base_url = "https://api.dvidshub.net"
    base_url_env = "STUDIO_DVIDS_URL"

    def _search(
        self,
        query: str,
        page: int,
        kinds: Sequence[str],
        orientation: str | None,
        cancel: CancelToken,
    ) -> tuple[list[Candidate], bool]:
        found: list[list[Candidate]] = []
        more = False
        for kind in kinds:
            url = f"{self.api}/search"
            data = self.client.get_json(
                url,
                {
                    "api_key": self.key,
                    "q": query,
                    "type": kind,
                    "page": page,
                    "max_results": self.per_page,
                },
                cancel=cancel,
            )
            results = [
                r for r in records(data, "results", self, url) if as_str(r.get("type")) == kind
            ]
            with ThreadPoolExecutor(LOOKUPS, thread_name_prefix="dvids-asset") as pool:
                parsed = list(
                    pool.map(
                        self._candidate, results, [kind] * len(results), [cancel] * len(results)
                    )
                )
            found.append([c for c in parsed if c is not None])
            total = as_int(as_dict(data.get("page_info")).get("total_results"))
            more = more or page * self.per_page < total
        return interleave(found), more

    def check_key(self, cancel: CancelToken | None = None) -> None:
        if self.key is None:
            raise self.missing_key()
        self.client.get_json(
            f"{self.api}/search",
            {"api_key": self.key, "q": "flag", "max_results": 1},
            cancel=cancel,
        )

    def _candidate(
        self, result: dict[str, Any], kind: str, cancel: CancelToken
    ) -> Candidate | None:
        asset_id = as_str(result.get("id"))
        preview = _thumbnail(result.get("thumbnail")) or as_url(result.get("image"))
        if not asset_id or not preview:
            return None
        details = result
        if kind == "video" or not as_url(result.get("image")):
            try:
                data = self.client.get_json(
                    f"{self.api}/asset", {"api_key": self.key, "id": asset_id}, cancel=cancel
                )
            except KeyRefused:
                raise
            except StockError as error:  # one item's files missing: drop it, keep the page
                log.info("DVIDS asset %s unavailable: %s", asset_id, error.message)
                return None
            details = {**result, **as_dict(as_dict(data).get("results"))}
        renditions = _files(details) if kind == "video" else _picture(details)
        if not renditions:
            return None
        chosen = pick_rendition(renditions)
        return Candidate(
            "dvids",
            asset_id,
            kind,
            preview,
            chosen["url"],
            width=chosen["width"],
            height=chosen["height"],
            duration=as_duration(details.get("duration")),
            size_bytes=chosen["size_bytes"],
            credit=_credit(details),
            renditions=tuple(renditions),
        )


def _thumbnail(value: Any) -> str:
    """``thumbnail`` is a URL, or ``{"url", "width", "height"}`` in some answers."""
    return as_url(as_dict(value).get("url")) if isinstance(value, dict) else as_url(value)


def _files(details: dict[str, Any]) -> list[dict[str, Any]]:
    """A video's MP4 renditions of known size."""
    renditions = []
    for file in details.get("files") or []:
        if not isinstance(file, dict) or as_str(file.get("type")) not in ("video/mp4", ""):
            continue
        rendition = {
            "url": as_url(file.get("src")),
            "width": as_int(file.get("width")),
            "height": as_int(file.get("height")),
            "size_bytes": as_int(file.get("size")) or None,
        }
        if rendition["url"] and rendition["width"] and rendition["height"]:
            renditions.append(rendition)
    return renditions


def _picture(details: dict[str, Any]) -> list[dict[str, Any]]:
    url = as_url(details.get("image"))
    size = as_dict(details.get("dimensions"))
    width = as_int(size.get("width") or details.get("width"))
    height = as_int(size.get("height") or details.get("height"))
    return [{"url": url, "width": width, "height": height, "size_bytes": None}] if url else []


def _credit(details: dict[str, Any]) -> Credit:
    """The author(s) as DVIDS lists them ("Sgt. Jane Doe"), with their unit."""
    people = [
        " ".join(p for p in (as_str(c.get("rank")), as_str(c.get("name"))) if p)
        for c in details.get("credit") or []
        if isinstance(c, dict)
    ]
    author = ", ".join(p for p in people if p)
    unit = as_str(details.get("unit_name"))
    if unit:
        author = f"{author} ({unit})" if author else unit
    first = next((c for c in details.get("credit") or [] if isinstance(c, dict)), {})
    return Credit(
        "dvids",
        title=as_str(details.get("title")),
        author=author,
        author_url=as_url(first.get("url")),
        source_url=as_url(details.get("url")),
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )
