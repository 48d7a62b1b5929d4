"""What each fake stock library answers: its documented JSON, built from the catalogue.

One function per endpoint, ``(server, query) -> (status, body)``; ``ROUTES`` maps
``(provider, path)`` to it. Used by ``tests.stock.fake_servers``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.stock.fake_servers import FakeStockServer, Item

# --- Each library's JSON ------------------------------------------------------------------------

Query = dict[str, list[str]]


def _arg(query: Query, name: str, default: str = "") -> str:
    return query.get(name, [default])[0]


def _int_arg(query: Query, name: str, default: int) -> int:
    value = _arg(query, name)
    return int(value) if value.isdigit() else default


def _matching(
    fake: FakeStockServer, text: str, kinds: tuple[str, ...], orientation: str | None = None
) -> list[Item]:
    if "nothing" in text.lower().split():
        return []
    return [
        i
        for i in fake.catalogue.items
        if i.kind in kinds and orientation in (None, "", i.orientation)
    ]


def _page(items: list[Item], page: int, per_page: int) -> list[Item]:
    return items[(page - 1) * per_page : page * per_page]


def _pexels_videos(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
    page, per_page = _int_arg(query, "page", 1), _int_arg(query, "per_page", 15)
    found = _matching(fake, _arg(query, "query"), ("video",), _arg(query, "orientation"))
    videos = [{
        "id": i.id, "width": i.width, "height": i.height, "duration": int(i.duration or 0),
        "url": f"https://www.pexels.com/video/test-{i.id}/", "image": fake.preview_url(i),
        "user": {"id": 7, "name": i.author, "url": f"https://www.pexels.com/@author{i.id}"},
        "video_files": [
            {"id": 1, "quality": "hd", "file_type": "video/mp4", "width": i.width,
             "height": i.height, "fps": 15, "link": fake.file_url(i.name)},
            {"id": 2, "quality": "hls", "file_type": "video/mp4", "width": None,
             "height": None, "fps": 15, "link": fake.file_url(i.name)},
        ],
        "video_pictures": [{"id": 1, "picture": fake.preview_url(i), "nr": 0}],
    } for i in _page(found, page, per_page)]  # fmt: skip
    return 200, _pexels_page(fake, "videos", videos, page, per_page, len(found), "/videos/search")


def _pexels_photos(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
    page, per_page = _int_arg(query, "page", 1), _int_arg(query, "per_page", 15)
    found = _matching(fake, _arg(query, "query", "curated"), ("image",), _arg(query, "orientation"))
    photos = [{
        "id": i.id, "width": i.width, "height": i.height,
        "url": f"https://www.pexels.com/photo/test-{i.id}/", "photographer": i.author,
        "photographer_url": f"https://www.pexels.com/@author{i.id}", "photographer_id": 7,
        "avg_color": "#808080", "alt": i.title, "liked": False,
        "src": {size: (fake.file_url(i.name) if size == "original" else fake.preview_url(i))
                for size in ("original", "large2x", "large", "medium", "small", "portrait",
                             "landscape", "tiny")},
    } for i in _page(found, page, per_page)]  # fmt: skip
    return 200, _pexels_page(fake, "photos", photos, page, per_page, len(found), "/v1/search")


def _pexels_page(
    fake: FakeStockServer,
    key: str,
    results: list[Any],
    page: int,
    per_page: int,
    total: int,
    path: str,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "page": page,
        "per_page": per_page,
        "total_results": total,
        key: results,
    }
    if page * per_page < total:
        body["next_page"] = f"{fake.root}{path}?page={page + 1}&per_page={per_page}"
    return body


def _pixabay(kind: str) -> Callable[[FakeStockServer, Query], tuple[int, Any]]:
    def answer(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
        page, per_page = _int_arg(query, "page", 1), _int_arg(query, "per_page", 20)
        orientation = {"horizontal": "landscape", "vertical": "portrait"}.get(
            _arg(query, "orientation")
        )
        found = _matching(fake, _arg(query, "q"), (kind,), orientation)
        hits = [_pixabay_hit(fake, i) for i in _page(found, page, per_page)]
        return 200, {"total": len(found) + 1000, "totalHits": len(found), "hits": hits}

    return answer


def _pixabay_hit(fake: FakeStockServer, i: Item) -> dict[str, Any]:
    common = {
        "id": i.id,
        "pageURL": f"https://pixabay.com/videos/test-{i.id}/",
        "tags": i.title,
        "views": 1,
        "downloads": 1,
        "likes": 1,
        "comments": 0,
        "user_id": 42,
        "user": i.author,
        "userImageURL": "",
    }
    if i.kind == "video":
        return common | {"type": "film", "duration": int(i.duration or 0), "videos": {
            "large": {"url": "", "width": 0, "height": 0, "size": 0, "thumbnail": ""},
            "medium": {"url": fake.file_url(i.name), "width": i.width, "height": i.height,
                       "size": len(i.data), "thumbnail": fake.preview_url(i)},
            "small": {"url": fake.file_url(i.name), "width": i.width // 2,
                      "height": i.height // 2, "size": len(i.data),
                      "thumbnail": fake.preview_url(i)},
        }}  # fmt: skip
    return common | {
        "type": "photo", "previewURL": fake.preview_url(i), "previewWidth": 150,
        "webformatURL": fake.preview_url(i), "largeImageURL": fake.file_url(i.name),
        "imageWidth": i.width, "imageHeight": i.height, "imageSize": len(i.data),
    }  # fmt: skip


def _dvids_search(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
    page, per_page = _int_arg(query, "page", 1), _int_arg(query, "max_results", 50)
    kinds = tuple(query.get("type", ["video", "image"]))
    found = _matching(fake, _arg(query, "q"), kinds)
    results = [_dvids_asset(fake, i, full=False) for i in _page(found, page, per_page)]
    return 200, {
        "page_info": {"total_results": len(found), "results_per_page": per_page},
        "results": results,
    }


def _dvids_asset(fake: FakeStockServer, i: Item, *, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"{i.kind}:{i.id}", "type": i.kind, "title": i.title,
        "url": f"https://www.dvidshub.net/{i.kind}/{i.id}/test", "thumbnail": fake.preview_url(i),
        "unit_name": "Test Unit", "branch": "Joint",
        "credit": [{"id": 1, "name": i.author, "rank": "Sgt.",
                    "url": "https://www.dvidshub.net/portfolio/1"}],
    }  # fmt: skip
    if i.kind == "image":
        body["image"] = fake.file_url(i.name)
        body["dimensions"] = {"width": i.width, "height": i.height}
    else:
        body["duration"] = int(i.duration or 0)
        if full:
            body["files"] = [
                {
                    "src": fake.file_url(i.name),
                    "type": "video/mp4",
                    "width": i.width,
                    "height": i.height,
                    "size": len(i.data),
                    "bitrate": 1000,
                }
            ]
    return body


def _dvids_asset_route(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
    try:
        item = fake.catalogue.item(_arg(query, "id"))
    except StopIteration:
        return 404, {"errors": [{"message": "Asset not found"}]}
    return 200, {"results": _dvids_asset(fake, item, full=True)}


def _openverse(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
    page, per_page = _int_arg(query, "page", 1), min(20, _int_arg(query, "page_size", 20))
    orientation = {"wide": "landscape", "tall": "portrait", "square": "square"}.get(
        _arg(query, "aspect_ratio")
    )
    found = _matching(fake, _arg(query, "q"), ("image",), orientation)
    results = [{
        "id": f"ov-{i.id}", "title": i.title, "url": fake.file_url(i.name),
        "thumbnail": fake.preview_url(i), "width": i.width, "height": i.height,
        "filesize": len(i.data), "filetype": "jpg", "creator": i.author,
        "creator_url": f"https://example.org/{i.id}",
        "foreign_landing_url": f"https://www.flickr.com/photos/test/{i.id}",
        "license": "by-sa" if i.id % 3 else "cc0", "license_version": "4.0" if i.id % 3 else "1.0",
        "license_url": "https://creativecommons.org/licenses/by-sa/4.0/",
        "provider": "flickr", "source": "flickr", "category": "photograph",
    } for i in _page(found, page, per_page)]  # fmt: skip
    page_count = -(-len(found) // per_page)
    return 200, {
        "result_count": len(found),
        "page_count": page_count,
        "page_size": per_page,
        "page": page,
        "results": results,
    }


def _nasa_search(fake: FakeStockServer, query: Query) -> tuple[int, Any]:
    page, per_page = _int_arg(query, "page", 1), _int_arg(query, "page_size", 100)
    kinds = tuple(_arg(query, "media_type", "image,video").split(","))
    found = _matching(fake, _arg(query, "q"), kinds)
    items = [{
        "href": f"{fake.root}/asset-manifest/{i.id}/collection.json",
        "data": [{"nasa_id": f"NASA-{i.id}", "title": i.title, "media_type": i.kind,
                  "center": "JSC", "photographer": i.author, "date_created": "2020-01-01"}],
        "links": [{"href": fake.preview_url(i), "rel": "preview", "render": "image"}],
    } for i in _page(found, page, per_page)]  # fmt: skip
    links = []
    if page * per_page < len(found):
        links.append(
            {"rel": "next", "prompt": "Next", "href": f"{fake.root}/search?page={page + 1}"}
        )
    return 200, {
        "collection": {
            "version": "1.0",
            "href": f"{fake.root}/search",
            "items": items,
            "metadata": {"total_hits": len(found)},
            "links": links,
        }
    }


def nasa_manifest(fake: FakeStockServer, item_id: str) -> tuple[int, Any]:
    i = fake.catalogue.item(item_id)
    ext = ".mp4" if i.kind == "video" else ".jpg"
    stem = i.name.removesuffix(ext)
    return 200, [
        fake.file_url(f"{stem}~orig{ext}"),
        fake.file_url(f"{stem}~large{ext}"),
        fake.file_url(f"{stem}~thumb.jpg"),
        f"{fake.root}/files/metadata.json",
    ]


ROUTES: dict[tuple[str, str], Callable[[FakeStockServer, Query], tuple[int, Any]]] = {
    ("pexels", "/videos/search"): _pexels_videos,
    ("pexels", "/v1/search"): _pexels_photos,
    ("pexels", "/v1/curated"): _pexels_photos,
    ("pixabay", "/api"): _pixabay("image"),
    ("pixabay", "/api/videos"): _pixabay("video"),
    ("dvids", "/search"): _dvids_search,
    ("dvids", "/asset"): _dvids_asset_route,
    ("openverse", "/v1/images"): _openverse,
    ("nasa", "/search"): _nasa_search,
}
