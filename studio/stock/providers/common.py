"""What every provider shares: key and base URL, argument checks, reading loosely typed JSON,
narrowing by orientation and choosing a rendition."""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Iterable, Sequence
from itertools import zip_longest
from typing import Any

from studio.errors import InputError
from studio.progress import CancelToken
from studio.secrets import key_service
from studio.stock.base import KINDS, ORIENTATIONS, Candidate, SearchPage, StockError, StockProvider
from studio.stock.http import StockClient

#: Results asked for per page (each library allows at least this many).
PER_PAGE = 15
#: A default rendition's longest side: the largest at most this (1080p), else the smallest above.
TARGET_LONG_SIDE = 1920
WHERE_KEYS_LIVE = "Settings → Stock libraries"


class Provider(StockProvider):
    """A ``StockProvider`` with its key, its base URL (``base_url_env`` overrides it) and one
    ``StockClient``. Subclasses implement ``_search`` and ``check_key``.

    Attributes:
        key: the API key (None: none set, or the library needs none).
        api: the base URL in use, without a trailing slash.
        client: the HTTP client every request goes through.
        per_page: results asked for per page (and per kind, for libraries searched per kind).
    """

    per_page: int = PER_PAGE

    def __init__(self, key: str | None = None, base_url: str | None = None) -> None:
        self.key = key.strip() if key and key.strip() else None
        self.api = (
            base_url or os.environ.get(self.base_url_env, "").strip() or self.base_url
        ).rstrip("/")
        self.client = self._make_client()

    def _make_client(self) -> StockClient:
        return StockClient(self.label, secret=self.key, key_fix=self.key_fix())

    def key_fix(self) -> str:
        """Where to set (or get) this library's key, for messages."""
        if not self.needs_key:
            return "Try again later"
        service = key_service(self.name)
        return (
            f"Check the key in {WHERE_KEYS_LIVE}, or set {service.env} "
            f"(a free key: {service.where_to_get})"
        )

    def search(
        self,
        query: str,
        *,
        page: int = 1,
        kind: str | None = None,
        orientation: str | None = None,
        cancel: CancelToken | None = None,
    ) -> SearchPage:
        query = " ".join(query.split())
        check_arguments(query, page, kind, orientation)
        if self.needs_key and self.key is None:
            raise self.missing_key()
        kinds = [k for k in self.kinds if kind in (None, k)]
        if not kinds:  # e.g. videos from a library of pictures
            return SearchPage(query, page, (), False)
        cancel = cancel or CancelToken()
        found, more = self._search(query, page, kinds, orientation, cancel)
        return SearchPage(query, page, tuple(narrow(found, orientation)), more)

    @abstractmethod
    def _search(
        self,
        query: str,
        page: int,
        kinds: Sequence[str],
        orientation: str | None,
        cancel: CancelToken,
    ) -> tuple[list[Candidate], bool]:
        """This page's candidates of ``kinds`` and whether a next page has more."""

    @abstractmethod
    def check_key(self, cancel: CancelToken | None = None) -> None:
        """One cheap request that the key is accepted (StockError if not)."""

    def missing_key(self) -> StockError:
        service = key_service(self.name)
        return StockError(
            f"No {self.label} API key is set",
            where=self.label,
            fix=f"Add it in {WHERE_KEYS_LIVE}, or set {service.env} "
            f"(a free key: {service.where_to_get})",
        )


def check_arguments(query: str, page: int, kind: str | None, orientation: str | None) -> None:
    """Refuse what no library can search for (InputError: the caller's mistake)."""
    if not query:
        raise InputError("The search is empty", fix="Type a few words that describe the scene")
    if page < 1:
        raise InputError(f"There is no page {page} of results", fix="Pages start at 1")
    if kind is not None and kind not in KINDS:
        raise InputError(f"Unknown kind of visual {kind!r}", fix=f"Use one of: {', '.join(KINDS)}")
    if orientation is not None and orientation not in ORIENTATIONS:
        raise InputError(
            f"Unknown orientation {orientation!r}", fix=f"Use one of: {', '.join(ORIENTATIONS)}"
        )


def narrow(found: Iterable[Candidate], orientation: str | None) -> list[Candidate]:
    """``found`` of ``orientation`` (those of unknown size kept), each item once."""
    seen: set[str] = set()
    kept = []
    for candidate in found:
        if candidate.key in seen:
            continue
        seen.add(candidate.key)
        known = candidate.width and candidate.height
        if orientation is None or not known or candidate.orientation == orientation:
            kept.append(candidate)
    return kept


def interleave(lists: Iterable[Sequence[Candidate]]) -> list[Candidate]:
    """One from each list in turn (videos and pictures mixed, neither buried)."""
    return [c for group in zip_longest(*lists) for c in group if c is not None]


def pick_rendition(
    renditions: Sequence[dict[str, Any]], target: int = TARGET_LONG_SIDE
) -> dict[str, Any]:
    """The rendition to download by default: the largest whose long side is at most ``target``,
    else the smallest above it (renditions of unknown size count as small)."""

    def long_side(r: dict[str, Any]) -> int:
        return max(as_int(r.get("width")), as_int(r.get("height")))

    fitting = [r for r in renditions if long_side(r) <= target]
    if fitting:
        return max(fitting, key=long_side)
    return min(renditions, key=long_side)


def as_int(value: Any) -> int:
    """A JSON number as a non-negative int (0 for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0
    try:
        number = int(float(value))
    except (ValueError, OverflowError):
        return 0
    return max(0, number)


def as_str(value: Any) -> str:
    """A JSON string stripped ("" for anything else)."""
    return value.strip() if isinstance(value, str) else ""


def as_url(value: Any) -> str:
    """A JSON string that is an http(s) URL, else ""."""
    text = as_str(value)
    return text if text.startswith(("http://", "https://")) else ""


def as_duration(value: Any) -> float | None:
    seconds = as_int(value) if not isinstance(value, float) else value
    return float(seconds) if seconds and seconds > 0 and seconds < 1e7 else None


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def records(data: Any, key: str, provider: Provider, url: str) -> list[dict[str, Any]]:
    """The list of objects at ``data[key]`` (a StockError naming the library if the answer has
    no such list); entries that are not objects are skipped."""
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise provider.client.bad_shape(f'no "{key}" list', url)
    return [item for item in data[key] if isinstance(item, dict)]
