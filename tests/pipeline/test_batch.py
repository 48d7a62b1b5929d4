"""``run_batch``: every row a real project and MP4 (draft voice, 720p, tiny scripts), a row
failing without stopping the others, and a run stopped mid-way finished by the next run of the
same manifest: done rows kept, the interrupted row resumed in its project, changed rows redone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.pipeline.batch import (
    BatchSummary,
    RowOutcome,
    default_summary_path,
    load_manifest,
    run_batch,
)
from studio.pipeline.request import RunRequest
from studio.progress import CancelToken
from studio.store import Library

SCRIPTS = {
    "bees.txt": "Bees visit flowers.",
    "sun.txt": "The sun is a star.",
    "rain.txt": "Rain falls from clouds.",
}


class Recorder:
    """A BatchListener that keeps every call and may act on one (``when``)."""

    def __init__(self, when: Callable[[str, int, str], None] | None = None) -> None:
        self.outcomes: list[RowOutcome] = []
        self.stages: list[tuple[int, str]] = []
        self.messages: list[tuple[int, str]] = []
        self.when = when
        self.lock = threading.Lock()

    def row_changed(self, outcome: RowOutcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)
        if self.when:
            self.when("changed", outcome.number, outcome.status)

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None:
        with self.lock:
            self.stages.append((number, stage))
        if self.when:
            self.when("progress", number, stage)

    def row_message(self, number: int, text: str) -> None:
        with self.lock:
            self.messages.append((number, text))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, text in SCRIPTS.items():
        (tmp_path / name).write_text(text + "\n")
    return tmp_path


def _manifest(folder: Path, rows: str = "bees.txt\nsun.txt\nrain.txt\n") -> Path:
    path = folder / "videos.csv"
    header = "script,voice,resolution\n"
    path.write_text(header + "".join(f"{r},en-us,720p\n" for r in rows.split()))
    return path


def _run(
    library: Library, path: Path, *, jobs: int = 1, listener: Recorder | None = None,
    cancel: CancelToken | None = None,
) -> BatchSummary:  # fmt: skip
    return run_batch(
        library, load_manifest(path), run=RunRequest(encoder="x264"), jobs=jobs,
        listener=listener or Recorder(), cancel=cancel,
    )  # fmt: skip


@pytest.mark.slow
def test_three_rows_make_three_projects_mp4s_and_a_summary(library: Library, folder: Path) -> None:
    recorder = Recorder()
    summary = _run(library, _manifest(folder), jobs=2, listener=recorder)
    assert [r.status for r in summary.rows] == ["done", "done", "done"]
    assert summary.finished and summary.counts()["done"] == 3
    names = sorted(p.name for p in library.projects())
    assert names == ["Bees visit flowers.", "Rain falls from clouds.", "The sun is a star."]
    for row in summary.rows:
        assert row.video_path is not None and row.video_path.is_file()
        assert row.duration and row.duration > 0.3
        assert library.project(row.project_id or "").name == row.project_name
    document = json.loads(default_summary_path(folder / "videos.csv").read_text())
    assert document == json.loads(json.dumps(summary.to_json()))
    assert document["rows"][0]["video"] == str(summary.rows[0].video_path)
    assert {n for n, _ in recorder.stages} == {1, 2, 3}  # each row's progress, by its number
    assert [o.status for o in recorder.outcomes if o.number == 2][-2:] == ["running", "done"]
    batch = library.batches()[0]
    assert batch.finished_at is not None
    assert {n: r.status for n, r in library.batch_rows(batch).items()} == {
        1: "done", 2: "done", 3: "done",
    }  # fmt: skip


@pytest.mark.slow
def test_a_failing_row_does_not_stop_the_others(library: Library, folder: Path) -> None:
    (folder / "broken.png").write_bytes(b"\x89PNG not a picture at all" * 50)
    path = folder / "mixed.json"
    path.write_text(json.dumps({
        "defaults": {"voice": "en-us", "resolution": "720p"},
        "rows": [
            {"script": "bees.txt"},
            {"script": "sun.txt", "template": "scroll", "background": "broken.png"},
            {"script": "rain.txt"},
        ],
    }))  # fmt: skip
    summary = _run(library, path)
    assert [r.status for r in summary.rows] == ["done", "failed", "done"]
    failed = summary.rows[1]
    assert failed.error and "broken.png" in failed.error and failed.video_path is None
    assert summary.finished and summary.counts()["failed"] == 1  # every row ended
    saved = json.loads(default_summary_path(path).read_text())
    assert saved["rows"][1]["status"] == "failed" and saved["counts"]["failed"] == 1


def test_a_bad_row_stops_the_batch_before_anything_is_made(library: Library, folder: Path) -> None:
    path = folder / "bad.csv"
    path.write_text("script,voice\nbees.txt,en-us\nsun.txt,nobody_at_all\n")
    with pytest.raises(InputError, match="Row 2: There is no voice called 'nobody_at_all'"):
        _run(library, path)
    assert library.projects() == [] and library.batches() == []
    assert not default_summary_path(path).exists()
    with pytest.raises(InputError, match="--jobs"):
        _run(library, _manifest(folder), jobs=0)


@pytest.mark.slow
def test_a_stopped_batch_is_finished_by_the_next_run(library: Library, folder: Path) -> None:
    """Row 1 done, row 2 stopped while rendering, row 3 never started; the next run keeps row
    1 (same project, no new render), resumes row 2 in its project and makes row 3."""
    path = _manifest(folder)
    cancel = CancelToken()

    def stop_in_row_2_render(kind: str, number: int, detail: str) -> None:
        if kind == "progress" and number == 2 and detail.startswith("Rendering scenes"):
            cancel.cancel()

    first = _run(library, path, listener=Recorder(stop_in_row_2_render), cancel=cancel)
    assert [r.status for r in first.rows] == ["done", "cancelled", "pending"]
    kept, stopped = first.rows[0], first.rows[1]
    assert stopped.project_id is not None and library.scenes(library.project(stopped.project_id))
    assert not first.finished
    renders_before = len(library.renders(library.project(kept.project_id or "")))

    second = _run(library, path)
    assert [r.status for r in second.rows] == ["done", "done", "done"]
    assert second.rows[0] == kept  # not redone: same project, same video
    assert len(library.renders(library.project(kept.project_id or ""))) == renders_before
    assert second.rows[1].project_id == stopped.project_id  # resumed, not started again
    assert len(library.projects()) == 3
    jobs = [j.kind for j in library.jobs(library.project(stopped.project_id))]
    assert "resume" in jobs


@pytest.mark.slow
def test_a_changed_row_is_made_again_as_a_new_project(library: Library, folder: Path) -> None:
    path = _manifest(folder, "bees.txt\nsun.txt\n")
    first = _run(library, path)
    (folder / "sun.txt").write_text("The sun is a rather ordinary star.\n")
    recorder = Recorder()
    second = _run(library, path, listener=recorder)
    assert second.rows[0] == first.rows[0]
    assert second.rows[1].status == "done"
    assert second.rows[1].project_id != first.rows[1].project_id
    assert {n for n, _ in recorder.stages} == {2}  # only the changed row was worked on
    assert len(library.projects()) == 3  # the old video's project stays in the library


def test_the_readme_example_manifest_passes_every_check(library: Library) -> None:
    from studio.pipeline.batch import check_rows
    from tests.conftest import REPO

    manifest = load_manifest(REPO / "resources" / "batch_example.csv")
    requests = check_rows(library, manifest, RunRequest())
    assert [r.script for r in requests] == [REPO / "resources" / "sample_script.txt"] * 3
    assert [r.template for r in requests] == ["explainer", "explainer", "scroll"]


# -- hostile runs (round 2) ---------------------------------------------------------------------
@pytest.mark.parametrize("target", ["videos.csv", "bees.txt"])
def test_a_summary_onto_the_manifest_or_a_script_is_refused_and_nothing_changes(
    library: Library, folder: Path, target: str
) -> None:
    manifest = _manifest(folder, "bees.txt\n")
    before = (folder / target).read_bytes()
    with pytest.raises(InputError, match="The summary would replace"):
        run_batch(library, load_manifest(manifest), run=RunRequest(encoder="x264"),
                  summary_path=folder / target)  # fmt: skip
    assert (folder / target).read_bytes() == before
    assert library.batches() == [] and library.projects() == []


def test_a_second_run_of_a_manifest_being_made_is_refused_at_once(
    library: Library, folder: Path
) -> None:
    from studio.errors import ProjectBusy
    from studio.locks import batch_lock

    manifest = _manifest(folder, "bees.txt\n")
    with batch_lock(library.home, str(manifest)), pytest.raises(ProjectBusy) as info:
        _run(library, manifest)  # the lock held here stands for another process's run
    assert info.value.exit_code == 75 and "already being made" in info.value.message
    assert library.batches() == [] and library.projects() == []


@pytest.mark.slow
def test_a_done_rows_deleted_project_or_video_is_made_again(
    library: Library, folder: Path
) -> None:
    manifest = _manifest(folder, "bees.txt\nsun.txt\n")
    first = _run(library, manifest)
    gone, kept = first.rows
    library.delete_project(library.project(gone.project_id or ""))
    assert kept.video_path is not None
    kept.video_path.unlink()

    again = _run(library, manifest)
    assert [r.status for r in again.rows] == ["done", "done"]
    assert again.rows[0].project_id != gone.project_id  # a new project for the deleted one
    assert again.rows[1].project_id == kept.project_id  # the same project, a new video
    assert all(r.video_path is not None and r.video_path.is_file() for r in again.rows)
    assert len(library.projects()) == 2
