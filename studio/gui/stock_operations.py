"""The stock work the window can start, each as a function a worker runs (see ``operations``).

Searching, downloading a chosen result and filling every scene all go online, so they run off
the GUI thread; each builder snapshots ids on the GUI thread and re-reads rows on the worker.
Don't call UI routines in these functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from studio.errors import StudioError
from studio.gui.workers import SignalReporter, WorkFn
from studio.media.settings import RenderSettings
from studio.pipeline import stock_sourcing
from studio.pipeline.changes import Changes, Done
from studio.pipeline.jobs import run_job
from studio.progress import CancelToken
from studio.stock.base import Candidate
from studio.stock.http import Unreachable
from studio.store import Library


@dataclass(frozen=True)
class SearchOutcome:
    """One page of a scene's stock search, from every library asked.

    Attributes:
        query: what was searched. page: which page (1 = the first).
        candidates: the results, library by library in the order asked.
        failures: (library, the message saying what went wrong and what to do).
        exhausted: the libraries that gave nothing on this page (asking further is useless).
        unreachable: the libraries that could not be reached at all (offline).
    """

    query: str
    page: int
    candidates: list[Candidate]
    failures: list[tuple[str, str]] = field(default_factory=list)
    exhausted: frozenset[str] = frozenset()
    unreachable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FillOutcome:
    """What "Fill all scenes" did: how many scenes got a visual, and from which libraries."""

    filled: int
    by_provider: dict[str, int]


def search(
    library: Library, scene_id: str, providers: Sequence[str], query: str, page: int
) -> WorkFn:
    """Page ``page`` of ``query`` at each library of ``providers`` (cached pages cost nothing).

    One library failing does not hide the others' results: its message is in ``failures``.
    """
    names = tuple(providers)

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[SearchOutcome]:
        scene = library.scene(scene_id)
        found: list[Candidate] = []
        failures: list[tuple[str, str]] = []
        exhausted: set[str] = set()
        unreachable: set[str] = set()
        for name in names:
            cancel.raise_if_cancelled()
            try:
                page_found = stock_sourcing.search_scene(
                    library, scene, [name], query=query, page=page, cancel=cancel
                )
            except StudioError as exc:
                failures.append((name, exc.message))
                if isinstance(exc, Unreachable):
                    unreachable.add(name)
                continue
            if not page_found:
                exhausted.add(name)
            found.extend(page_found)
        outcome = SearchOutcome(
            query, page, found, failures, frozenset(exhausted), frozenset(unreachable)
        )
        return Done(outcome, Changes())

    return work


def choose(library: Library, project_id: str, scene_id: str, candidate: Candidate) -> WorkFn:
    """Download ``candidate`` into the project and make it the scene's visual (credit kept)."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[str]:
        project = library.project(project_id)
        scene = library.scene(scene_id)

        def progress(fraction: float, stage: str) -> None:
            reporter.progress(fraction, stage, None)

        with run_job(library, project, "stock", reporter=reporter, cancel=cancel):
            stock_sourcing.choose_stock(
                library, project, scene, candidate, progress=progress, cancel=cancel
            )
        changes = Changes.of(scenes=[project_id], scene_ids=[(project_id, scene_id)])
        return Done(scene_id, changes)

    return work


def fill(
    library: Library, project_id: str, providers: Sequence[str], *, only_empty: bool
) -> WorkFn:
    """Give scenes stock visuals (only those without one, unless ``only_empty`` is False)."""
    names = tuple(providers)

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[FillOutcome]:
        project = library.project(project_id)
        settings = RenderSettings.from_stored(project.render_settings)
        before = _visuals(library, project_id)
        with run_job(library, project, "stock", reporter=reporter, cancel=cancel) as ctx:
            filled = stock_sourcing.fill_scenes(
                library, project, settings, ctx, names, only_empty=only_empty
            )
        after = _credits(library, project_id, before)
        return Done(FillOutcome(filled, dict(after)), Changes.of(scenes=[project_id]))

    return work


def _visuals(library: Library, project_id: str) -> dict[str, str | None]:
    """Each scene's visual choice (None: none yet), to tell afterwards which were made anew.

    A choice's id, not its file: a fill may choose again the file a scene already shows, and
    that scene counts as filled (as ``fill_scenes`` counts it)."""
    visuals: dict[str, str | None] = {}
    for scene in library.scenes(library.project(project_id)):
        selection = library.selection(scene)
        visuals[scene.id] = None if selection is None else selection.id
    return visuals


def _credits(library: Library, project_id: str, before: dict[str, str | None]) -> Counter[str]:
    """How many scenes whose visual was chosen anew now show each library's footage."""
    counts: Counter[str] = Counter()
    for scene in library.scenes(library.project(project_id)):
        selection = library.selection(scene)
        if selection is None or before.get(scene.id) == selection.id:
            continue
        credit = selection.credit if isinstance(selection.credit, dict) else {}
        counts[str(credit.get("provider") or selection.source)] += 1
    return counts
