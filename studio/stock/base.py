"""What every stock library gives Studio: search results (candidates) with their credit.

A provider (``studio.stock.providers``) turns a query into a page of ``Candidate``s; the
downloader (``studio.stock.download``) turns a candidate into a checked local file. Only these two
go online; a project's render reads the downloaded files and never the network.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from typing import Any

from studio.errors import ServiceError
from studio.progress import CancelToken

KINDS = ("image", "video")
ORIENTATIONS = ("landscape", "portrait", "square")


class StockError(ServiceError):
    """A stock library refused, failed or answered something Studio can't use."""


@dataclass(frozen=True)
class Credit:
    """Who made a stock visual, where it came from and under which licence.

    Attributes:
        provider: the library's id ("pexels", "openverse", ...).
        title: the work's title (may be empty).
        author: its author's name ("" when the library doesn't say).
        author_url: the author's page, or "".
        source_url: the work's page at the library (what an attribution links to).
        licence: the licence's short name ("Pexels License", "CC BY 4.0", "Public domain").
        licence_url: the licence's text, or "".
    """

    provider: str
    title: str = ""
    author: str = ""
    author_url: str = ""
    source_url: str = ""
    licence: str = ""
    licence_url: str = ""

    def line(self) -> str:
        """One attribution line: '"Title" by Author (Pexels License), https://…'."""
        title = f'"{self.title}"' if self.title else "Footage"
        author = f" by {self.author}" if self.author else ""
        licence = f" ({self.licence})" if self.licence else ""
        url = f", {self.source_url}" if self.source_url else ""
        return f"{title}{author}{licence}{url}"

    def to_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Credit:
        known = {k: str(v) for k, v in data.items() if k in cls.__dataclass_fields__ and v}
        return cls(**{"provider": "", **known})


@dataclass(frozen=True)
class Candidate:
    """One search result: enough to show it, rank it and download it.

    Attributes:
        provider: the library's id. id: the item's id at that library (unique per provider).
        kind: "image" or "video".
        preview_url: a small picture of it (what the picker shows).
        download_url: the file Studio downloads (the rendition chosen for the output size).
        width, height: the downloaded rendition's size in pixels (0 when unknown).
        duration: a video's length in seconds (None for pictures or when unknown).
        size_bytes: the download's size when the library says (None when it doesn't).
        credit: author, source page and licence.
        renditions: other sizes as ``{"url", "width", "height", "size_bytes"}`` dicts (for
            picking one at least the output's size); may be empty.
    """

    provider: str
    id: str
    kind: str
    preview_url: str
    download_url: str
    width: int = 0
    height: int = 0
    duration: float | None = None
    size_bytes: int | None = None
    credit: Credit = field(default_factory=lambda: Credit(""))
    renditions: tuple[dict[str, Any], ...] = ()

    @property
    def key(self) -> str:
        """``provider:id``: names the item across providers (a project uses it once)."""
        return f"{self.provider}:{self.id}"

    @property
    def orientation(self) -> str:
        if not self.width or not self.height or abs(self.width - self.height) < 0.05 * max(
            self.width, self.height
        ):
            return "square"
        return "landscape" if self.width > self.height else "portrait"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["renditions"] = list(self.renditions)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Candidate:
        """A candidate read back from ``visual_suggestions`` (unknown keys ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        credit = known.pop("credit", None)
        renditions = known.pop("renditions", None) or ()
        duration = known.get("duration")
        if duration is not None and not (isinstance(duration, int | float)
                                         and math.isfinite(duration)):
            known["duration"] = None
        return cls(
            **known,
            credit=Credit.from_json(credit) if isinstance(credit, dict) else Credit(""),
            renditions=tuple(r for r in renditions if isinstance(r, dict)),
        )


@dataclass(frozen=True)
class SearchPage:
    """One page of results. ``has_more``: asking for ``page + 1`` would give more."""

    query: str
    page: int
    candidates: tuple[Candidate, ...]
    has_more: bool


class StockProvider(ABC):
    """A stock library Studio can search.

    Attributes (class level):
        name: its id ("pexels"); label: what the creator reads ("Pexels").
        kinds: what it has ("image", "video").
        needs_key: whether searching needs an API key (kept in the keyring).
        base_url: the API's address; ``base_url_env`` names the environment variable that
            overrides it (for tests and mirrors).
    """

    name: str
    label: str
    kinds: tuple[str, ...]
    needs_key: bool
    base_url: str
    base_url_env: str

    @abstractmethod
    def search(
        self,
        query: str,
        *,
        page: int = 1,
        kind: str | None = None,
        orientation: str | None = None,
        cancel: CancelToken | None = None,
    ) -> SearchPage:
        """One page of results for ``query`` (``kind``/``orientation`` narrow it where the
        library can; None: any).

        Raises:
            StockError: no key, a refused key, the library down or answering nonsense, after
                the retries that make sense (429 waits its Retry-After; 5xx and cut
                connections retry a few times).
            Cancelled: ``cancel`` fired.
        """
