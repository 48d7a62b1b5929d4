"""Pixabay (photos and videos; ``key`` query parameter).

API: ``GET /api/`` (photos: ``q``, ``image_type=photo``, ``orientation`` horizontal/vertical,
``page``, ``per_page`` 3-200, ``safesearch``) and ``GET /api/videos/`` (``q``, ``video_type``,
``page``, ``per_page``). Answers: ``total``, ``totalHits`` (how many the API will page through)
and ``hits``; a video hit's ``videos`` holds ``large``/``medium``/``small``/``tiny`` renditions
(``url``, ``width``, ``height``, ``size``, ``thumbnail``; an empty ``url`` when missing). A bad
key is answered ``400 [ERROR 400] "key" is invalid``. Pixabay Content License.
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

LICENCE = "Pixabay Content License"
LICENCE_URL = "https://pixabay.com/service/license-summary/"
_ORIENTATION = {"landscape": "horizontal", "portrait": "vertical"}
#: The side ``largeImageURL`` is scaled to (Pixabay's documented 1280 px).
LARGE_IMAGE_SIDE = 1280


def _refused_key(status: int, body: str) -> bool:
    return status in (401, 403) or (status == 400 and '"key"' in body.lower())


class PixabayProvider(Provider):
    name = "pixabay"
    label = "Pixabay"
    kinds = ("video", "image")
    needs_key = True
    base_url = "https://pixabay.com/api"
    base_url_env = "STUDIO_PIXABAY_URL"

    def _make_client(self) -> StockClient:
        return StockClient(
            self.label, secret=self.key, key_fix=self.key_fix(), is_key_refusal=_refused_key
        )

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
            params: dict[str, Any] = {
                "key": self.key,
                "q": query[:100],
                "page": page,
                "per_page": self.per_page,
                "safesearch": "true",
            }
            if kind == "video":
                url = f"{self.api}/videos/"
            else:
                url = f"{self.api}/"
                params |= {
                    "image_type": "photo",
                    "orientation": _ORIENTATION.get(orientation or ""),
                }
            data = self.client.get_json(url, params, cancel=cancel)
            hits = records(data, "hits", self, url)
            parse = _video if kind == "video" else _photo
            found.append([c for c in map(parse, hits) if c is not None])
            more = more or page * self.per_page < as_int(data.get("totalHits"))
        return interleave(found), more

    def check_key(self, cancel: CancelToken | None = None) -> None:
        if self.key is None:
            raise self.missing_key()
        self.client.get_json(
            f"{self.api}/", {"key": self.key, "q": "sky", "per_page": 3}, cancel=cancel
        )


def _credit(item: dict[str, Any]) -> Credit:
    user, user_id = as_str(item.get("user")), as_int(item.get("user_id"))
    return Credit(
        "pixabay",
        title=as_str(item.get("tags")),
        author=user,
        author_url=f"https://pixabay.com/users/{user}-{user_id}/" if user and user_id else "",
        source_url=as_url(item.get("pageURL")),
        licence=LICENCE,
        licence_url=LICENCE_URL,
    )


def _video(item: dict[str, Any]) -> Candidate | None:
    """A candidate from a video hit (None when no rendition has a URL and a size)."""
    sizes = as_dict(item.get("videos"))
    renditions = []
    for name in ("large", "medium", "small", "tiny"):
        one = as_dict(sizes.get(name))
        rendition: dict[str, Any] = {
            "url": as_url(one.get("url")),
            "width": as_int(one.get("width")),
            "height": as_int(one.get("height")),
            "size_bytes": as_int(one.get("size")) or None,
            "thumbnail": as_url(one.get("thumbnail")),
        }
        if rendition["url"] and rendition["width"] and rendition["height"]:
            renditions.append(rendition)
    preview = next((str(r["thumbnail"]) for r in renditions if r["thumbnail"]), "")
    if not renditions or not preview or not as_int(item.get("id")):
        return None
    chosen = pick_rendition(renditions)
    return Candidate(
        "pixabay",
        str(as_int(item.get("id"))),
        "video",
        preview,
        chosen["url"],
        width=chosen["width"],
        height=chosen["height"],
        duration=as_duration(item.get("duration")),
        size_bytes=chosen["size_bytes"],
        credit=_credit(item),
        renditions=tuple({k: v for k, v in r.items() if k != "thumbnail"} for r in renditions),
    )


def _photo(item: dict[str, Any]) -> Candidate | None:
    """A candidate from a photo hit: the full file when the key may have it, else the
    1280 px ``largeImageURL``."""
    width, height = as_int(item.get("imageWidth")), as_int(item.get("imageHeight"))
    preview = as_url(item.get("webformatURL")) or as_url(item.get("previewURL"))
    full = as_url(item.get("imageURL")) or as_url(item.get("fullHDURL"))
    large = as_url(item.get("largeImageURL"))
    if not width or not height or not preview or not (full or large) or not as_int(item.get("id")):
        return None
    if full:
        url, size = full, as_int(item.get("imageSize")) or None
    else:
        scale = min(1.0, LARGE_IMAGE_SIDE / max(width, height))
        url, size = large, None
        width, height = round(width * scale), round(height * scale)
    return Candidate(
        "pixabay",
        str(as_int(item.get("id"))),
        "image",
        preview,
        url,
        width=width,
        height=height,
        size_bytes=size,
        credit=_credit(item),
        renditions=({"url": url, "width": width, "height": height, "size_bytes": size},),
    )
