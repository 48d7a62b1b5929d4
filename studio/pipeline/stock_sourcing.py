"""Stock footage for scenes: per-scene queries, cached searches, the automatic pick, downloads.

A scene's query comes from its visual keywords (Groq writes them with the script; offline they
come from the text); the creator may edit it, and the last query searched is what reopening
shows (it is kept in the scene's ``visual_suggestions`` rows). Each provider's results are kept
in one ``visual_suggestions`` row per scene (``source`` = the provider's name, ``candidates`` =
``Candidate.to_json()`` dicts, each with the ``page`` it came on): asking for a page again costs
no request, "more results" appends the next page, and a changed query replaces the row.

The automatic pick (``fill_scenes``, for ``produce`` and "Fill all scenes") takes the creator's
own media first when it matches, then ranks stock candidates: orientation matching the video,
at least the video's resolution, a clip at least as long as the scene (a shorter one loops, so
it ranks lower), never the same item or the same file twice in a project. A library that fails
(no key, down) is said once and skipped; a scene nothing was found for keeps what it had (the
visuals stage then gives it its slide). Only searching and downloading go online: the render
reads the downloaded files.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from studio.errors import InputError, StudioError
from studio.media.settings import RenderSettings
from studio.pipeline.drafts import estimate_seconds
from studio.pipeline.jobs import JobContext
from studio.pipeline.splitter import visual_keywords
from studio.pipeline.visuals import MOTIONS, import_visual, match_assets
from studio.progress import CancelToken, ProgressFn, scaled
from studio.stock.base import Candidate, StockError, StockProvider
from studio.stock.download import download_candidate
from studio.store import Library
from studio.store.models import ClipSelection, MediaAsset, Project, Scene, VisualSuggestion

log = logging.getLogger(__name__)

#: ``visual_suggestions`` sources that are not stock libraries (the media library, the slide).
LOCAL_SOURCES = frozenset({"library", "slide"})
#: The ``clip_selections.source`` of a downloaded stock visual.
STOCK_SOURCE = "stock"
#: Most words of a query made from keywords (stock searches match short queries best).
QUERY_WORDS = 5
#: Pages of results looked through for one scene (earlier scenes may have used the first).
SEARCH_PAGES = 3
#: Downloads tried for one scene before it is left to the next library or its slide.
DOWNLOAD_TRIES = 3
#: Pages searched in one run, by (provider, query, page): their candidates as stored.
SharedPages = dict[tuple[str, str, int], list[dict[str, Any]]]
#: Called with (provider name, error) when a library fails during a search.
OnError = Callable[[str, StudioError], None]


# --- Queries -------------------------------------------------------------------------------------


def scene_query(scene: Scene) -> str:
    """What to search stock libraries for: the scene's visual keywords (from its text when it
    has none), at most ``QUERY_WORDS`` words."""
    keywords = [k.strip() for k in scene.visual_keywords or [] if k.strip()]
    if not keywords:
        keywords = visual_keywords(scene.text, limit=3)
    words: list[str] = []
    for keyword in keywords:
        for word in keyword.split():
            if word.lower() not in (w.lower() for w in words) and len(words) < QUERY_WORDS:
                words.append(word)
    return " ".join(words)


def saved_query(library: Library, scene: Scene) -> str:
    """The query last searched for ``scene`` (the creator's edit survives reopening), else
    ``scene_query``."""
    rows = [r for r in library.suggestions(scene) if r.source not in LOCAL_SOURCES and r.query]
    return rows[-1].query if rows else scene_query(scene)


# --- Searching -----------------------------------------------------------------------------------


def get_provider(name: str) -> StockProvider:
    """The provider called ``name`` (``studio.stock.registry``; InputError for unknown ones)."""
    from studio.stock import registry

    return registry.get_provider(name)


def check_libraries(names: Sequence[str]) -> tuple[str, ...]:
    """``names`` cleaned (lower case, each once), each checked to be a stock library.

    Raises:
        InputError: one isn't, naming the known ones.
    """
    from studio.stock import registry

    cleaned = tuple(dict.fromkeys(n.strip().lower() for n in names if n.strip()))
    for name in cleaned:
        registry.provider_class(name)
    return cleaned


def library_label(name: str) -> str:
    """A stock library's name for people ("Pexels"); ``name`` itself for an unknown one."""
    from studio.stock import registry

    try:
        return registry.provider_class(name).label
    except InputError:
        return name


def search_scene(
    library: Library,
    scene: Scene,
    providers: Sequence[str],
    *,
    query: str | None = None,
    page: int = 1,
    cancel: CancelToken | None = None,
    on_error: OnError | None = None,
    shared: SharedPages | None = None,
) -> list[Candidate]:
    """Page ``page`` of each provider's results for the scene, in the providers' order.

    ``query`` None: ``saved_query``. A page already searched with the same query is read from
    ``visual_suggestions`` (no request); a new query replaces a provider's cached pages.
    A library that fails is passed to ``on_error`` and skipped. ``shared`` holds pages
    searched for other scenes in this run (scenes with the same query ask once).

    Raises:
        InputError: the query is empty.
        StockError (or InputError for an unknown provider): every provider failed (the first
            failure), when none is left to answer.
        Cancelled: ``cancel`` fired.
    """
    text = " ".join((query if query is not None else saved_query(library, scene)).split())
    if not text:
        raise InputError(
            f"Scene {scene.scene_number} has nothing to search for",
            fix="Type a few words describing the picture you want",
        )
    rows = {row.source: row for row in library.suggestions(scene)}
    found: list[Candidate] = []
    failures: list[StudioError] = []
    for name in providers:
        if cancel is not None:
            cancel.raise_if_cancelled()
        try:
            found += _provider_page(
                library, scene, name, text, page, rows.get(name), cancel, shared
            )
        except (StockError, InputError) as error:
            log.info("stock search of %s failed: %s", name, error.message)
            failures.append(error)
            if on_error is not None:
                on_error(name, error)
    if failures and len(failures) == len(providers):
        raise failures[0]
    return found


def cached_candidates(library: Library, scene: Scene) -> list[Candidate]:
    """Every stock result kept for the scene (all pages, every provider), to show on reopening."""
    found: list[Candidate] = []
    for row in library.suggestions(scene):
        if row.source not in LOCAL_SOURCES:
            found += _candidates(row.candidates)
    return found


def _provider_page(
    library: Library,
    scene: Scene,
    name: str,
    query: str,
    page: int,
    row: VisualSuggestion | None,
    cancel: CancelToken | None,
    shared: SharedPages | None = None,
) -> list[Candidate]:
    """One provider's page: from its cached row if it holds it, else searched and appended."""
    kept: list[dict[str, Any]] = []
    if row is not None and row.query == query:
        kept = [c for c in row.candidates or [] if isinstance(c, dict)]
        pages = {c.get("page") for c in kept}
        if page in pages or (page == 1 and not kept) or any(
            isinstance(p, int) and p > page for p in pages
        ):  # fmt: skip
            return _candidates(c for c in kept if c.get("page") == page)
    shared = shared if shared is not None else {}
    fresh = shared.get((name, query, page))
    if fresh is None:
        result = get_provider(name).search(query, page=page, cancel=cancel)
        fresh = shared[name, query, page] = [
            {**c.to_json(), "page": page} for c in result.candidates
        ]
    kept = [c for c in kept if c.get("page") != page]
    library.set_suggestions(scene, name, query, kept + fresh)
    return _candidates(fresh)


def _candidates(items: Any) -> list[Candidate]:
    """Candidates read back from stored dicts; a damaged entry is skipped, not fatal."""
    found = []
    for item in items:
        try:
            found.append(Candidate.from_json(item))
        except (TypeError, ValueError) as error:
            log.info("skipping a stored stock candidate that can't be read: %s", error)
    return found


# --- Choosing ------------------------------------------------------------------------------------


def choose_stock(
    library: Library,
    project: Project,
    scene: Scene,
    candidate: Candidate,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> ClipSelection:
    """Download ``candidate`` into the project and make it the scene's visual, with its credit.

    Raises:
        StockError: the download failed or is not a usable picture or video (the scene keeps
            its visual).
        Cancelled: ``cancel`` fired (the scene keeps its visual).
    """
    from studio.pipeline.templates.base import settings_for

    settings = settings_for(project)
    chosen = best_rendition(candidate, settings.width, settings.height)
    path = download_candidate(chosen, visuals_folder(library, project), progress=progress,
                              cancel=cancel)  # fmt: skip
    return _select(library, scene, path, chosen)


def visuals_folder(library: Library, project: Project) -> Path:
    return library.home.project_dir(project.id, create=True) / "visuals"


def _select(library: Library, scene: Scene, path: Path, candidate: Candidate) -> ClipSelection:
    credit = {**candidate.credit.to_json(), "key": candidate.key}
    return library.select_clip(
        scene,
        path,
        kind=candidate.kind,
        source=STOCK_SOURCE,
        motion=MOTIONS[(scene.scene_number - 1) % len(MOTIONS)],
        credit=credit,
    )


def best_rendition(candidate: Candidate, width: int, height: int) -> Candidate:
    """The candidate at its smallest size that still covers ``width`` x ``height`` (else its
    largest): less to download, nothing upscaled that needn't be."""
    sizes = [(candidate.download_url, candidate.width, candidate.height, candidate.size_bytes)]
    for item in candidate.renditions:
        url, w, h = item.get("url"), item.get("width"), item.get("height")
        if isinstance(url, str) and url and isinstance(w, int) and isinstance(h, int):
            size = item.get("size_bytes")
            sizes.append((url, w, h, size if isinstance(size, int) else None))
    covering = [s for s in sizes if _scale_needed(s[1], s[2], width, height) <= 1.0]
    url, w, h, size = (
        min(covering, key=lambda s: s[1] * s[2])
        if covering
        else max(sizes, key=lambda s: s[1] * s[2])
    )
    return dataclasses.replace(candidate, download_url=url, width=w, height=h, size_bytes=size)


def _scale_needed(w: int, h: int, width: int, height: int) -> float:
    """How much a ``w`` x ``h`` picture must be enlarged to cover the frame (inf: unknown)."""
    return max(width / w, height / h) if w > 0 and h > 0 else float("inf")


# --- The automatic pick --------------------------------------------------------------------------


def wanted_orientation(settings: RenderSettings) -> str:
    return {"16:9": "landscape", "9:16": "portrait"}.get(settings.aspect, "square")


def rank(
    candidates: Sequence[Candidate], settings: RenderSettings, seconds: float
) -> list[Candidate]:
    """``candidates`` best first: orientation matching the video, then at least its resolution,
    then a clip at least ``seconds`` long (a picture next, a shorter clip, which loops, last);
    equal ones keep the libraries' order (their relevance)."""
    orientation = wanted_orientation(settings)

    def key(item: tuple[int, Candidate]) -> tuple[int, int, int, int]:
        position, candidate = item
        best = best_rendition(candidate, settings.width, settings.height)
        sharp = _scale_needed(best.width, best.height, settings.width, settings.height) <= 1.0
        if candidate.kind != "video":
            length = 1
        else:
            length = 0 if (candidate.duration or 0.0) >= seconds else 2
        return (int(candidate.orientation != orientation), int(not sharp), length, position)

    return [c for _p, c in sorted(enumerate(candidates), key=key)]


@dataclasses.dataclass
class _Used:
    """What the project already shows: items (``provider:id``), files (content hashes), and
    the creator's media files."""

    keys: set[str] = dataclasses.field(default_factory=set)
    hashes: set[str] = dataclasses.field(default_factory=set)
    assets: set[str] = dataclasses.field(default_factory=set)

    def add(self, selection: ClipSelection, library: Library) -> None:
        path = library.home.abs(selection.asset_path)
        self.hashes.add(path.parent.name)
        if isinstance(selection.credit, dict) and selection.credit.get("key"):
            self.keys.add(str(selection.credit["key"]))


def fill_scenes(
    library: Library,
    project: Project,
    settings: RenderSettings,
    ctx: JobContext,
    providers: Sequence[str],
    *,
    only_empty: bool = True,
    start: float = 0.0,
    end: float = 1.0,
) -> int:
    """Give scenes a visual: the creator's matching media first, else the best stock result.

    ``only_empty``: only scenes with no visual yet (a scene the creator chose keeps it); False
    re-picks every scene. A library that fails is said once (``ctx.message``) and not asked
    again in this run; a scene nothing is found for keeps what it had. Returns how many scenes
    were given a visual.
    """
    report = scaled(ctx.progress, start, end)
    scenes = library.scenes(project)
    targets = [s for s in scenes if not only_empty or library.selection(s) is None]
    used = _Used()
    for scene in scenes:
        selection = library.selection(scene)
        if selection is not None and scene not in targets:
            used.add(selection, library)
    failed: set[str] = set()
    shared: SharedPages = {}
    assets = library.media_assets()
    filled = 0
    for index, scene in enumerate(targets):
        ctx.check()
        report(index / max(1, len(targets)), f"Visuals: footage for scene {index + 1} of "
               f"{len(targets)}")  # fmt: skip
        if _own_media(library, project, scene, assets, used, ctx) or _stock(
            library, project, scene, settings, ctx, providers, used, failed, shared
        ):  # fmt: skip
            filled += 1
    report(1.0, "Visuals: footage chosen")
    return filled


def _own_media(
    library: Library,
    project: Project,
    scene: Scene,
    assets: Sequence[MediaAsset],
    used: _Used,
    ctx: JobContext,
) -> bool:
    """Choose the creator's best matching, unused picture or clip; False when none matches."""
    for asset, _score in match_assets(assets, list(scene.visual_keywords or [])):
        if asset.path in used.assets:
            continue
        used.assets.add(asset.path)
        try:
            path, kind = import_visual(library, project, Path(asset.path))
        except StudioError as error:
            ctx.message(f"Skipped {asset.path}: {error.message}")
            continue
        if path.parent.name in used.hashes:
            continue  # the same file as another scene's: keep looking
        motion = MOTIONS[(scene.scene_number - 1) % len(MOTIONS)]
        used.add(library.select_clip(scene, path, kind=kind, source="library", motion=motion),
                 library)  # fmt: skip
        return True
    return False


def _stock(
    library: Library,
    project: Project,
    scene: Scene,
    settings: RenderSettings,
    ctx: JobContext,
    providers: Sequence[str],
    used: _Used,
    failed: set[str],
    shared: SharedPages,
) -> bool:
    """Download and choose the best unused stock result for ``scene``; False when none."""
    if not providers:
        return False

    def said_once(name: str, error: StudioError) -> None:
        failed.add(name)
        ctx.message(f"Stock footage from {library_label(name)} is skipped for this video: "
                    f"{error.message}")  # fmt: skip

    seconds = float(scene.duration or estimate_seconds(scene.text))
    tries = 0
    for page in range(1, SEARCH_PAGES + 1):
        asking = [p for p in providers if p not in failed]
        try:
            found = search_scene(library, scene, asking, page=page, cancel=ctx.cancel,
                                 on_error=said_once, shared=shared)  # fmt: skip
        except InputError as error:  # nothing to search for: the scene gets its slide
            log.info("scene %s: %s", scene.scene_number, error.message)
            return False
        except StockError:  # every library failed, each said once
            return False
        for candidate in rank(found, settings, seconds):
            if candidate.key in used.keys or tries >= DOWNLOAD_TRIES:
                continue
            tries += 1
            if _download_and_choose(library, project, scene, settings, candidate, used, ctx):
                return True
        if not found or tries >= DOWNLOAD_TRIES:
            return False
    return False


def _download_and_choose(
    library: Library,
    project: Project,
    scene: Scene,
    settings: RenderSettings,
    candidate: Candidate,
    used: _Used,
    ctx: JobContext,
) -> bool:
    used.keys.add(candidate.key)
    chosen = best_rendition(candidate, settings.width, settings.height)
    try:
        path = download_candidate(chosen, visuals_folder(library, project), cancel=ctx.cancel)
    except StockError as error:
        ctx.message(f"Stock footage for scene {scene.scene_number}: {error.message}")
        return False
    if path.parent.name in used.hashes:
        return False  # the same file another scene shows (listed twice, or by two libraries)
    used.add(_select(library, scene, path, chosen), library)
    return True
