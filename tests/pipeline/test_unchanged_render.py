"""A second render of an unchanged project writes nothing before it knows it is unchanged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.pipeline.produce import ProduceRequest
from studio.pipeline.request import RunRequest
from studio.store import Library
from studio.store.models import Project, database
from tests.factories import make_project
from tests.media.test_tempo import write_beats

SCRIPT = "Honeybees build their comb from wax.\n\nA forager dances.\n\nHoney is dried nectar."
UP_TO_DATE = "Nothing changed since the last render"
WRITE = re.compile(r"^\s*(BEGIN|INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class MarkUpToDate(NullReporter):
    """Notes how many statements had run when the render said it was up to date."""

    def __init__(self, statements: list[str]) -> None:
        self.statements = statements
        self.at: int | None = None

    def message(self, text: str) -> None:
        if text.startswith(UP_TO_DATE):
            self.at = len(self.statements)


@contextmanager
def traced() -> Iterator[list[str]]:
    """Every SQL statement this thread's connection runs, in order."""
    statements: list[str] = []
    connection = database.connection()
    connection.set_trace_callback(statements.append)
    try:
        yield statements
    finally:
        connection.set_trace_callback(None)


def _render(library: Library, project: Project, reporter: NullReporter) -> pipeline.ProduceResult:
    return pipeline.render_project(library, project, reporter=reporter, install_sigint=False)


def _writes(statements: list[str]) -> list[str]:
    """The writes among ``statements`` other than the job row recording the render itself
    (its creation and progress), each with the transaction it opened, if any."""
    writes = [s for s in statements if WRITE.match(s) and not s.upper().startswith("BEGIN")]
    return [s for s in writes if not re.match(r'\s*(INSERT INTO|UPDATE) "jobs"', s)]


def _transactions(statements: list[str]) -> int:
    return sum(1 for s in statements if s.upper().startswith("BEGIN"))


@pytest.mark.slow
def test_an_unchanged_render_writes_nothing_before_it_knows(library: Library) -> None:
    project = make_project(library, script=SCRIPT, aspect="16:9", captions=True)
    first = _render(library, project, NullReporter())
    with traced() as statements:
        reporter = MarkUpToDate(statements)
        second = _render(library, library.refresh(project), reporter)
    assert second.render.id == first.render.id, "the same video: nothing was rendered again"
    assert reporter.at is not None, "the render said it was up to date"
    before = statements[: reporter.at]
    assert _writes(before) == [], "\n".join(w[:90] for w in _writes(before))
    job_writes = [s for s in before if s.startswith('INSERT INTO "jobs"')]
    assert len(job_writes) == 1, "one job row for the render (its progress updates that row)"


@pytest.mark.slow
def test_an_unchanged_music_render_writes_nothing_before_it_knows(
    library: Library, tmp_path: Path
) -> None:
    """The music video's own stages (silent cuts, pictures in turn) leave an unchanged
    project's rows alone too: no step set, nothing re-chosen."""
    song = tmp_path / "click120.wav"
    write_beats(song, 120, seconds=4, start=0.0)
    request = ProduceRequest(
        run=RunRequest(), template="music", music=song, resolution="720p", project_name="Song"
    )
    first = pipeline.produce(library, request, reporter=NullReporter())
    with traced() as statements:
        reporter = MarkUpToDate(statements)
        second = _render(library, library.refresh(first.project), reporter)
    assert second.render.id == first.render.id, "the same video: nothing was rendered again"
    assert reporter.at is not None, "the render said it was up to date"
    before = statements[: reporter.at]
    assert _writes(before) == [], "\n".join(w[:90] for w in _writes(before))
