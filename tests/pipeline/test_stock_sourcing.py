"""Stock sourcing: queries, cached searches, the automatic pick's rules, choosing with credit.

Searches go to a real Openverse provider talking to a local Openverse on 127.0.0.1; the
downloads are real pictures from the same server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.media.settings import RenderSettings
from studio.pipeline.jobs import run_job
from studio.pipeline.stock_sourcing import (
    cached_candidates,
    choose_stock,
    fill_scenes,
    rank,
    saved_query,
    scene_query,
    search_scene,
)
from studio.pipeline.visuals import index_media_folders
from studio.stock.base import Candidate, Credit
from studio.store import Library
from studio.store.models import Project
from tests.factories import make_project
from tests.media.support import write_picture
from tests.stock.openverse_server import OpenverseServer, make_works

HD = RenderSettings(aspect="16:9", resolution="720p")


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry after 10 ms (how long the client waits is not what these tests prove)."""
    monkeypatch.setattr("studio.stock.http.FIRST_BACKOFF", 0.01)


@pytest.fixture
def openverse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenverseServer]:
    """Openverse with five landscape pictures, three on a page."""
    works = make_works(tmp_path / "works", [(1400, 800)] * 5)
    with OpenverseServer(works, page_size=3) as server:
        monkeypatch.setenv("STUDIO_OPENVERSE_URL", server.base)
        yield server


def bees(library: Library, **kwargs: object) -> Project:
    return make_project(library, keywords=("honey bees", "hive"), **kwargs)  # type: ignore[arg-type]


def video(id: str, width: int, height: int, seconds: float | None) -> Candidate:
    kind = "video" if seconds is not None else "image"
    return Candidate("t", id, kind, "http://x/p", "http://x/f", width, height, seconds, None,
                     Credit("t"))  # fmt: skip


def test_the_query_comes_from_keywords_else_from_the_text(library: Library) -> None:
    project = bees(library)
    scene = library.scenes(project)[0]
    assert scene_query(scene) == "honey bees hive"
    library.update_scene(scene, visual_keywords=[])
    scene = library.scenes(project)[0]
    words = scene_query(scene).lower().split()
    assert 1 <= len(words) <= 5 and "bees" in words
    assert set(words) <= {"bees", "visit", "flowers", "collect", "nectar"}  # no "to", "the"


def test_a_cached_page_costs_no_request_and_more_pages_append(
    library: Library, openverse: OpenverseServer
) -> None:
    scene = library.scenes(bees(library))[0]
    first = search_scene(library, scene, ["openverse"])
    assert [c.id for c in first] == ["w0", "w1", "w2"]
    assert search_scene(library, scene, ["openverse"]) == first
    assert len(openverse.searches()) == 1  # the second came from visual_suggestions
    more = search_scene(library, scene, ["openverse"], page=2)
    assert [c.id for c in more] == ["w3", "w4"]
    assert len(openverse.searches()) == 2
    assert search_scene(library, scene, ["openverse"], page=1) == first  # still no request
    assert len(openverse.searches()) == 2
    (row,) = [r for r in library.suggestions(scene) if r.source == "openverse"]
    assert row.query == "honey bees hive"
    assert [c["page"] for c in row.candidates] == [1, 1, 1, 2, 2]
    assert row.candidates[0]["credit"]["licence"] == "CC BY 4.0"
    assert row.candidates[0]["preview_url"].startswith(openverse.base)
    assert [c.id for c in cached_candidates(library, scene)] == ["w0", "w1", "w2", "w3", "w4"]


def test_an_edited_query_replaces_the_cache_and_is_kept(
    library: Library, openverse: OpenverseServer
) -> None:
    scene = library.scenes(bees(library))[0]
    search_scene(library, scene, ["openverse"], page=1)
    search_scene(library, scene, ["openverse"], page=2)
    search_scene(library, scene, ["openverse"], query="  wax   comb ")
    assert openverse.searches()[-1]["q"] == ["wax comb"]
    assert saved_query(library, scene) == "wax comb"  # reopening shows the creator's query
    (row,) = [r for r in library.suggestions(scene) if r.source == "openverse"]
    assert row.query == "wax comb" and {c["page"] for c in row.candidates} == {1}


def test_rank_prefers_the_videos_orientation() -> None:
    tall, wide = video("tall", 1080, 1920, 30), video("wide", 1920, 1080, 30)
    assert [c.id for c in rank([tall, wide], HD, 5.0)] == ["wide", "tall"]
    short = RenderSettings(aspect="9:16", resolution="720p")
    assert [c.id for c in rank([wide, tall], short, 5.0)] == ["tall", "wide"]


def test_rank_prefers_at_least_the_videos_resolution() -> None:
    small, sharp = video("small", 640, 360, 30), video("sharp", 1280, 720, 30)
    assert [c.id for c in rank([small, sharp], HD, 5.0)] == ["sharp", "small"]
    full = RenderSettings(aspect="16:9", resolution="1080p")
    assert [c.id for c in rank([sharp, small], full, 5.0)] == ["sharp", "small"]  # both low


def test_rank_prefers_a_clip_as_long_as_the_scene_then_a_picture_then_a_loop() -> None:
    loop, long, still = (
        video("loop", 1280, 720, 3),
        video("long", 1280, 720, 12),
        video("still", 1280, 720, None),
    )
    assert [c.id for c in rank([loop, still, long], HD, 8.0)] == ["long", "still", "loop"]


def test_rank_uses_a_rendition_that_covers_the_video() -> None:
    candidate = Candidate(
        "t",
        "r",
        "video",
        "http://x/p",
        "http://x/small",
        640,
        360,
        30.0,
        renditions=({"url": "http://x/hd", "width": 1280, "height": 720},),
    )
    small = video("plain", 640, 360, 30)
    assert [c.id for c in rank([small, candidate], HD, 5.0)] == ["r", "plain"]


def test_fill_gives_each_scene_its_own_download_with_credit(
    library: Library, openverse: OpenverseServer, tmp_path: Path
) -> None:
    twin = openverse.works[0]  # the same picture listed again under another id
    openverse.works.insert(1, type(twin)("twin", "Twin", twin.width, twin.height, twin.content))
    openverse.files["files/twin.png"] = twin.content
    project = bees(library)
    with run_job(library, project, "visuals") as ctx:
        filled = fill_scenes(library, project, HD, ctx, ["openverse"])
    assert filled == 3
    selections = [library.selection(s) for s in library.scenes(project)]
    assert all(s is not None and s.source == "stock" for s in selections)
    paths = [library.home.abs(s.asset_path) for s in selections if s]
    assert len({p.parent.name for p in paths}) == 3  # no file twice (the twin was skipped)
    assert [s.credit["key"] for s in selections if s] == [
        "openverse:w0", "openverse:w1", "openverse:w2"
    ]  # fmt: skip
    assert all(p.is_file() and (p.parent / "credit.json").is_file() for p in paths)
    assert library.credits(project)[0]["author"] == "Ann Lee"
    # One query for every scene: page 1 asked once; page 2 once, for the third scene.
    assert [q["page"] for q in openverse.searches()] == [["1"], ["2"]]


def test_a_scene_the_creator_chose_keeps_its_visual(
    library: Library, openverse: OpenverseServer, tmp_path: Path
) -> None:
    project = bees(library)
    first = library.scenes(project)[0]
    mine = write_picture(tmp_path / "mine.png", (1280, 720))
    library.select_clip(first, mine, kind="image", source="file")
    with run_job(library, project, "visuals") as ctx:
        assert fill_scenes(library, project, HD, ctx, ["openverse"]) == 2
    assert library.selection(first).source == "file"  # type: ignore[union-attr]
    with run_job(library, project, "visuals") as ctx:
        assert fill_scenes(library, project, HD, ctx, ["openverse"], only_empty=False) == 3
    assert library.selection(first).source == "stock"  # type: ignore[union-attr]


def test_the_creators_own_media_comes_first(
    library: Library, openverse: OpenverseServer, tmp_path: Path
) -> None:
    media = tmp_path / "media" / "honey bees"
    media.mkdir(parents=True)
    write_picture(media / "hive.png", (1280, 720))
    index_media_folders(library, [tmp_path / "media"])
    project = bees(library)
    with run_job(library, project, "visuals") as ctx:
        fill_scenes(library, project, HD, ctx, ["openverse"])
    sources = [library.selection(s).source for s in library.scenes(project)]  # type: ignore[union-attr]
    assert sources == ["library", "stock", "stock"]  # own picture once, then stock


def test_a_library_that_is_down_is_said_once_and_scenes_keep_none(
    library: Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with OpenverseServer([]) as gone:
        base = gone.base
    monkeypatch.setenv("STUDIO_OPENVERSE_URL", base)  # nothing listens there any more
    monkeypatch.delenv("PEXELS_API_KEY", raising=False)
    project = bees(library)
    messages: list[str] = []

    class Reporter:
        def progress(self, fraction: float, stage: str, eta: float | None) -> None:
            pass

        def message(self, text: str) -> None:
            messages.append(text)

    with run_job(library, project, "visuals", reporter=Reporter()) as ctx:
        assert fill_scenes(library, project, HD, ctx, ["openverse", "pexels"]) == 0
    assert len(messages) == 2, messages  # one per library, not one per scene
    assert messages[0].startswith("Stock footage from Openverse is skipped for this video")
    assert messages[1].startswith("Stock footage from Pexels is skipped for this video")
    assert "No Pexels API key" in messages[1]
    assert all(library.selection(s) is None for s in library.scenes(project))


def test_choose_stock_downloads_and_records_the_credit(
    library: Library, openverse: OpenverseServer
) -> None:
    project = bees(library)
    scene = library.scenes(project)[0]
    (candidate, *_rest) = search_scene(library, scene, ["openverse"])
    selection = choose_stock(library, project, scene, candidate)
    path = library.home.abs(selection.asset_path)
    assert path.read_bytes() == openverse.works[0].content
    assert selection.kind == "image" and selection.source == "stock"
    assert selection.credit["source_url"] == "https://example.org/works/w0"
    assert Credit.from_json(selection.credit).line() == (
        '"Work w0" by Ann Lee (CC BY 4.0), https://example.org/works/w0'
    )
