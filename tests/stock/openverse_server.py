"""A small Openverse on 127.0.0.1 (``GET /v1/images/`` as documented) serving real pictures.

Built on ``FileServer``: each work is a picture file on the same server, so a search and the
download that follows both stay on loopback. Point ``STUDIO_OPENVERSE_URL`` at ``server.base``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import Any

from tests.media.support import write_picture
from tests.stock.file_server import FileServer

SEARCH_PATH = "/v1/images/"


@dataclass(frozen=True)
class Work:
    """One picture Openverse knows: its id, title, size and bytes."""

    id: str
    title: str
    width: int
    height: int
    content: bytes


def make_works(folder: Path, sizes: list[tuple[int, int]], prefix: str = "w") -> list[Work]:
    """Real PNG pictures of ``sizes`` (each different, so each is its own file)."""
    folder.mkdir(parents=True, exist_ok=True)
    works = []
    for index, (width, height) in enumerate(sizes):
        path = write_picture(folder / f"{prefix}{index}.png", (width + index, height))
        works.append(Work(f"{prefix}{index}", f"Work {prefix}{index}", width + index, height,
                          path.read_bytes()))  # fmt: skip
    return works


class OpenverseServer(FileServer):
    """Openverse's image search over ``works`` (every query finds them all, in order)."""

    def __init__(self, works: list[Work], page_size: int = 20) -> None:
        super().__init__({f"files/{w.id}.png": w.content for w in works})
        self.works = works
        self.page_size = page_size
        self.json_routes[SEARCH_PATH] = self._search

    def searches(self) -> list[dict[str, list[str]]]:
        return [r.query for r in self.gets(SEARCH_PATH)]

    def _search(self, query: dict[str, list[str]]) -> dict[str, Any]:
        page = int(query.get("page", ["1"])[0])
        size = min(self.page_size, int(query.get("page_size", ["20"])[0]))
        chosen = self.works[(page - 1) * size : page * size]
        return {
            "result_count": len(self.works),
            "page_count": ceil(len(self.works) / size),
            "page_size": size,
            "page": page,
            "results": [self._result(w) for w in chosen],
        }

    def _result(self, work: Work) -> dict[str, Any]:
        return {
            "id": work.id,
            "title": work.title,
            "url": self.url(f"files/{work.id}.png"),
            "thumbnail": self.url(f"files/{work.id}.png"),
            "width": work.width,
            "height": work.height,
            "filesize": len(work.content),
            "creator": "Ann Lee",
            "creator_url": "https://example.org/ann",
            "foreign_landing_url": f"https://example.org/works/{work.id}",
            "license": "by",
            "license_version": "4.0",
            "license_url": "https://creativecommons.org/licenses/by/4.0/",
        }
