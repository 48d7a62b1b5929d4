"""Each stock library against its fake on 127.0.0.1: the documented answer parsed, pages,
kind and orientation filters, credits; the registry and the keys."""

from __future__ import annotations

import pytest
from keyring.backends import fail

from studio import secrets
from studio.errors import InputError
from studio.stock import registry
from studio.stock.base import Candidate, StockError
from studio.stock.http import KeyRefused
from studio.stock.providers import dvids, nasa, openverse, pexels, pixabay
from tests.fakes.memory_keyring import MemoryKeyring
from tests.stock.fake_servers import FAKE_KEYS, PROVIDERS, StockServers

KINDS_OF = {"pexels": 20, "pixabay": 20, "dvids": 20, "openverse": 10, "nasa": 20}


def _all_pages(name: str, per_page: int = 4, **filters: str) -> list[Candidate]:
    provider = registry.get_provider(name)
    provider.per_page = per_page
    found: list[Candidate] = []
    page = 1
    while True:
        result = provider.search("harbour at dawn", page=page, **filters)  # type: ignore[arg-type]
        assert result.page == page and result.query == "harbour at dawn"
        found += result.candidates
        if not result.has_more:
            return found
        page += 1
        assert page < 20, "pages never end"


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_page_parses_into_downloadable_credited_candidates(
    stock_servers: StockServers, name: str
) -> None:
    server = stock_servers[name]
    page = registry.get_provider(name).search("harbour at dawn")
    assert page.candidates, "the fake serves results for every query"
    for candidate in page.candidates:
        item = stock_servers.catalogue.item(candidate.id.split("-")[-1])
        assert candidate.provider == name and candidate.kind == item.kind
        assert candidate.download_url.startswith(f"{server.root}/files/")
        assert candidate.preview_url.startswith(f"{server.root}/previews/")
        assert candidate.credit.provider == name and candidate.credit.licence
        assert candidate.credit.source_url.startswith("https://")
        assert item.author in candidate.credit.author
        if name != "nasa":  # NASA's answer gives no sizes
            assert (candidate.width, candidate.height) == (item.width, item.height)
        assert Candidate.from_json(candidate.to_json()) == candidate
    assert server.api_requests()[0].headers["user-agent"].startswith("Studio/")


@pytest.mark.parametrize("name", PROVIDERS)
def test_pages_on_to_the_last_result_and_no_further(stock_servers: StockServers, name: str) -> None:
    found = _all_pages(name)
    assert len(found) == KINDS_OF[name]
    assert len({c.key for c in found}) == len(found)
    pages = {r.param("page") for r in stock_servers[name].api_requests() if r.param("page")}
    assert len(pages) >= 3


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize("kind", ["video", "image"])
def test_kind_narrows_the_search(stock_servers: StockServers, name: str, kind: str) -> None:
    page = registry.get_provider(name).search("harbour", kind=kind)
    if kind not in registry.provider_class(name).kinds:
        assert page.candidates == () and not page.has_more
        assert stock_servers[name].api_requests() == []  # nothing asked
    else:
        assert page.candidates and {c.kind for c in page.candidates} == {kind}


@pytest.mark.parametrize("name", ["pexels", "pixabay", "openverse", "dvids"])
@pytest.mark.parametrize("orientation", ["portrait", "landscape", "square"])
def test_orientation_narrows_the_search(
    stock_servers: StockServers, name: str, orientation: str
) -> None:
    found = _all_pages(name, per_page=20, orientation=orientation)
    assert found
    assert {c.orientation for c in found if c.width} == {orientation}
    sent = {"pexels": "orientation", "openverse": "aspect_ratio"}.get(name)
    if sent:  # asked of the library itself where its API can filter
        assert all(r.param(sent) for r in stock_servers[name].api_requests())


def test_credits_follow_each_library(stock_servers: StockServers) -> None:
    def first(name: str, kind: str) -> Candidate:
        return next(c for c in registry.get_provider(name).search("x").candidates if c.kind == kind)

    video = first("pexels", "video")
    assert video.credit.licence == "Pexels License" and video.credit.author == "Author 1000"
    assert video.credit.author_url == "https://www.pexels.com/@author1000"
    assert video.duration == 2.0
    assert len(video.renditions) == 1  # the HLS entry without a size is dropped
    assert (
        first("pixabay", "image").credit.author_url == "https://pixabay.com/users/Author 1001-42/"
    )
    assert first("pixabay", "video").credit.licence == "Pixabay Content License"
    dvids_video = first("dvids", "video")
    assert dvids_video.credit.author == "Sgt. Author 1000 (Test Unit)"
    assert dvids_video.credit.licence.startswith("Public domain")
    assert dvids_video.size_bytes == len(stock_servers.catalogue.item(1000).data)
    licences = {c.credit.licence for c in _all_pages("openverse")}
    assert licences == {"CC BY-SA 4.0", "CC0 1.0"}
    nasa_video = first("nasa", "video")
    assert nasa_video.download_url.endswith("~large.mp4")
    assert nasa_video.credit.source_url == "https://images.nasa.gov/details/NASA-1000"


def test_results_with_nothing_to_download_are_dropped() -> None:
    assert pexels._video({"id": 1, "image": "https://p/1.jpg", "video_files": []}) is None
    assert (
        pexels._video(
            {
                "id": 1,
                "image": "https://p/1.jpg",
                "video_files": [
                    {"link": "https://f/1.mp4", "file_type": "video/mp4", "width": None}
                ],
            }
        )
        is None
    )
    assert pixabay._video({"id": 2, "videos": {"large": {"url": "", "width": 0}}}) is None
    assert pixabay._photo({"id": 3, "imageWidth": 0, "webformatURL": "https://p"}) is None
    assert (
        openverse._image(
            {"id": "a", "url": "https://f/a.jpg", "width": 10, "height": 10, "license": ""}
        )
        is None
    )
    assert nasa._pick(["https://f/x~thumb.jpg", "https://f/metadata.json"], "video") == ""
    assert dvids._files({"files": [{"src": "https://f/a.mp4", "width": 0, "height": 0}]}) == []


def test_a_query_with_no_results_is_an_empty_last_page(stock_servers: StockServers) -> None:
    for name in PROVIDERS:
        page = registry.get_provider(name).search("nothing here")
        assert page.candidates == () and not page.has_more


def test_bad_arguments_are_the_callers_mistake(stock_servers: StockServers) -> None:
    provider = registry.get_provider("openverse")
    for kwargs in ({"page": 0}, {"kind": "audio"}, {"orientation": "diagonal"}):
        with pytest.raises(InputError):
            provider.search("sea", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="search is empty"):
        provider.search("   ")
    assert stock_servers["openverse"].requests == []


# --- Keys and the registry ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pexels", "pixabay", "dvids"])
def test_a_wrong_key_is_refused_clearly_and_never_shown(
    stock_servers: StockServers, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    wrong = f"{name}-WRONG-key-abcdef0123456789"
    provider = registry.get_provider(name, key=wrong)
    with pytest.raises(KeyRefused) as caught:
        provider.search("sea")
    label = provider.label
    assert caught.value.what == f"{label} refused the API key"
    assert "Settings → Stock libraries" in (caught.value.fix or "")
    assert caught.value.where == stock_servers[name].root.removeprefix("http://")
    assert wrong not in caught.value.message and wrong not in caplog.text
    with pytest.raises(KeyRefused):
        registry.check_key(name, wrong)
    registry.check_key(name, FAKE_KEYS[name])  # the right one passes


def test_no_key_says_where_to_set_one(
    stock_servers: StockServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PEXELS_API_KEY")
    with pytest.raises(StockError, match="No Pexels API key is set") as caught:
        registry.get_provider("pexels").search("sea")
    assert "Settings → Stock libraries" in (caught.value.fix or "")
    assert "PEXELS_API_KEY" in (caught.value.fix or "")
    assert stock_servers["pexels"].requests == []


def test_registry_names_builds_and_reports(
    stock_servers: StockServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert registry.PROVIDER_NAMES == PROVIDERS
    with pytest.raises(InputError, match="pexels, pixabay, dvids, openverse, nasa"):
        registry.get_provider("shutterstock")
    assert registry.get_provider("nasa").api == stock_servers["nasa"].base_url
    monkeypatch.delenv("DVIDS_API_KEY")
    status = {s.name: s for s in registry.provider_status()}
    assert status["pexels"].usable and status["pexels"].has_key
    assert not status["dvids"].usable and status["dvids"].needs_key
    assert status["openverse"].usable and not status["openverse"].needs_key
    assert status["openverse"].kinds == ("image",) and status["nasa"].label


def test_stock_keys_live_in_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring

    previous = keyring.get_keyring()
    memory = MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        assert secrets.get_key("pixabay") is None
        secrets.set_key("pixabay", " 12345-abcdef ")
        assert memory.passwords == {("studio", "pixabay_api_key"): "12345-abcdef"}
        assert secrets.get_key("pixabay") == "12345-abcdef"
        assert registry.get_provider("pixabay").key == "12345-abcdef"
        monkeypatch.setenv("PIXABAY_API_KEY", "from-env")
        assert secrets.get_key("pixabay") == "from-env"
        secrets.delete_key("pixabay")
        secrets.delete_key("pixabay")  # twice is fine
        monkeypatch.delenv("PIXABAY_API_KEY")
        assert secrets.get_key("pixabay") is None
        with pytest.raises(InputError, match="no API key for 'flickr'"):
            secrets.get_key("flickr")
        keyring.set_keyring(fail.Keyring())
        with pytest.raises(Exception, match="DVIDS_API_KEY"):
            secrets.set_key("dvids", "abc")
    finally:
        keyring.set_keyring(previous)
