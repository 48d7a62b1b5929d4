"""Openverse (openly licensed pictures; no key).

API: ``GET /v1/images/`` with ``q``, ``page``, ``page_size`` (20 at most without a key),
``aspect_ratio`` (wide, tall, square). Answers: ``result_count``, ``page_count``, ``page_size``,
``page`` and ``results`` (``id``, ``title``, ``url``, ``thumbnail``, ``width``, ``height``,
``filesize``, ``creator``, ``creator_url``, ``foreign_landing_url``, ``license``,
``license_version``, ``license_url``). Each work keeps its own Creative Commons licence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studio.progress import CancelToken
from studio.stock.base import Candidate, Credit
from studio.stock.providers.common import Provider, as_int, as_str, as_url, records

_ASPECT = {"landscape": "wide", "portrait": "tall", "square": "square"}
_NAMED = {"cc0": "CC0", "pdm": "Public Domain Mark"}


class OpenverseProvider(Provider):
    name = "openverse"
    label = "Openverse"
    kinds = ("image",)
    needs_key = False
    base_url = "https://api.openverse.org"
    base_url_env = "STUDIO_OPENVERSE_URL"

    def _search(
        self,
        query: str,
        page: int,
        kinds: Sequence[str],
        orientation: str | None,
        cancel: CancelToken,
    ) -> tuple[list[Candidate], bool]:
        url = f"{self.api}/v1/images/"
        params = {
            "q": query,
            "page": page,
            "page_size": min(self.per_page, 20),
            "aspect_ratio": _ASPECT.get(orientation or ""),
        }
        data = self.client.get_json(url, params, cancel=cancel)
        found = [c for c in map(_image, records(data, "results", self, url)) if c is not None]
        return found, page < as_int(data.get("page_count"))

    def check_key(self, cancel: CancelToken | None = None) -> None:
        """Openverse needs no key: nothing to check."""


def licence_name(code: str, version: str) -> str:
    """Openverse's ``license``/``license_version`` as people write it: "CC BY-SA 4.0"."""
    code = code.lower()
    name = _NAMED.get(code, f"CC {code.upper()}" if code else "")
    return f"{name} {version}".strip() if name else ""


def _image(item: dict[str, Any]) -> Candidate | None:
    """A candidate from one of ``results`` (None without a file, a licence or a size)."""
    url, preview = as_url(item.get("url")), as_url(item.get("thumbnail"))
    width, height = as_int(item.get("width")), as_int(item.get("height"))
    licence = licence_name(as_str(item.get("license")), as_str(item.get("license_version")))
    if not url or not licence or not as_str(item.get("id")) or not (width and height):
        return None
    size = as_int(item.get("filesize")) or None
    return Candidate(
        "openverse",
        as_str(item.get("id")),
        "image",
        preview or url,
        url,
        width=width,
        height=height,
        size_bytes=size,
        credit=Credit(
            "openverse",
            title=as_str(item.get("title")),
            author=as_str(item.get("creator")),
            author_url=as_url(item.get("creator_url")),
            source_url=as_url(item.get("foreign_landing_url")),
            licence=licence,
            licence_url=as_url(item.get("license_url")),
        ),
        renditions=({"url": url, "width": width, "height": height, "size_bytes": size},),
    )
