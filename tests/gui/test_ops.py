"""Operations: several jobs at once (one per project), each reporting into its own project,
failures as exception objects, and what an operation changed broadcast once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from studio.errors import Cancelled, InputError
from studio.gui.job_runner import JobRunner
from studio.gui.op import Op
from studio.gui.render_panel import RENDER_LIMIT
from studio.gui.workers import BUG_MESSAGE
from studio.pipeline.changes import Changes, Done
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]
WAIT_MS = 10_000


def held(
    release: threading.Event, stage: str, fraction: float = 0.5, changes: Changes | None = None
) -> Any:
    """An operation that reports ``stage`` then waits for ``release`` (or a cancel)."""

    def work(reporter: Any, cancel: Any) -> Done[str]:
        reporter.progress(fraction, stage, None)
        while not release.wait(0.01):
            cancel.raise_if_cancelled()
        return Done(stage, changes or Changes())

    return work


def test_two_projects_run_at_once_each_reporting_into_its_own_panel(
    qtbot: Any, window: Any, library: Any
) -> None:
    a, b = make_project(library, "Apples"), make_project(library, "Bees")
    window.workspace.set_current_project(a.id)
    panel = window.render_panel
    release_a, release_b = threading.Event(), threading.Event()
    seen_a: list[str] = []
    seen_b: list[str] = []
    try:
        job_a = (
            Op("Rendering “Apples”", held(release_a, "Render: apples", 0.25), project_id=a.id)
            .with_progress(lambda _f, s, _e: seen_a.append(s))
            .run_on(window.jobs)
        )
        job_b = (
            Op("Voicing scene 1", held(release_b, "Voice: bees", 0.75), project_id=b.id)
            .with_progress(lambda _f, s, _e: seen_b.append(s))
            .run_on(window.jobs)
        )
        qtbot.waitUntil(lambda: bool(seen_a and seen_b), timeout=WAIT_MS)
        assert job_a is not None and job_b is not None
        assert window.jobs.running() == [job_a, job_b], "both run at the same time"
        assert seen_a == ["Render: apples"] and seen_b == ["Voice: bees"]
        assert panel.stage.text() == "Render: apples" and panel.progress.value() == 250
        window.workspace.set_current_project(b.id)
        assert panel.stage.text() == "Voice: bees" and panel.progress.value() == 750
        with qtbot.waitSignal(window.jobs.jobFinished, timeout=WAIT_MS):
            release_b.set()
        assert panel.stage.text() == "Voicing scene 1: done"
        assert job_a.running, "A's job goes on"
        window.workspace.set_current_project(a.id)
        assert panel.stage.text() == "Render: apples" and panel.cancel_button.isEnabled()
    finally:
        release_a.set()
        release_b.set()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WAIT_MS)


def test_a_render_of_one_project_shows_nowhere_else(qtbot: Any, window: Any, library: Any) -> None:
    a, b = make_project(library, "Apples"), make_project(library, "Bees")
    window.workspace.set_current_project(a.id)
    panel = window.render_panel
    release = threading.Event()
    try:
        with qtbot.waitSignal(window.jobs.progress, timeout=WAIT_MS):
            render: Op[str] = Op(
                "Rendering “Apples”",
                held(release, "Render: apples"),
                project_id=a.id,
                kind="render",
            )
            assert render.one_at_a_time(RENDER_LIMIT).run_on(window.jobs)
        assert (not panel.progress.isHidden()) and panel.cancel_button.isEnabled()
        assert not panel.render_button.isEnabled()

        window.workspace.set_current_project(b.id)
        assert panel.progress.isHidden() and panel.stage.text() == ""
        assert not panel.cancel_button.isEnabled(), "B's panel can't cancel A's render"
        assert panel.render_button.isEnabled(), "B can render while A renders"
        assert not window.window_actions.cancel.isEnabled()

        window.workspace.set_current_project(a.id)
        assert (not panel.progress.isHidden()) and panel.progress.value() == 500
        assert panel.stage.text() == "Render: apples" and panel.cancel_button.isEnabled()
        with qtbot.waitSignal(window.jobs.jobFinished, timeout=WAIT_MS):
            panel.cancel_button.click()
        assert panel.stage.text() == "Rendering “Apples”: cancelled"
    finally:
        release.set()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WAIT_MS)


@pytest.mark.parametrize(
    "error", [InputError("The file is broken", fix="Choose another"), ValueError("internal detail")]
)
def test_a_failure_delivers_the_exception_object(
    qtbot: Any, library: Any, error: Exception
) -> None:
    runner = JobRunner(library)
    failures: list[BaseException] = []

    def work(reporter: Any, cancel: Any) -> None:
        raise error

    with (
        qtbot.waitSignal(runner.failed, timeout=WAIT_MS) as failed,
        qtbot.waitSignal(runner.jobFinished, timeout=WAIT_MS),
    ):
        runner.run(Op("Testing", work).failure(failures.append))
    assert failures == [error] and failures[0] is error
    shown = error.message if isinstance(error, InputError) else BUG_MESSAGE
    assert failed.args[1] == shown


def test_changes_are_broadcast_once_per_operation(qtbot: Any, window: Any, library: Any) -> None:
    project = make_project(library)
    scene = library.scenes(project)[0]
    ws = window.workspace
    heard: list[tuple[str, object]] = []
    ws.scenesChanged.connect(lambda pid: heard.append(("scenes", pid)))
    ws.sceneChanged.connect(lambda pid, sid: heard.append(("scene", (pid, sid))))
    ws.rendersChanged.connect(lambda pid: heard.append(("renders", pid)))
    ws.projectChanged.connect(lambda pid: heard.append(("project", pid)))
    ws.publishingChanged.connect(lambda pid: heard.append(("publishing", pid)))
    ws.settingsChanged.connect(lambda: heard.append(("settings", None)))
    changes = Changes.of(
        scenes=[project.id], scene_ids=[(project.id, scene.id)], renders=[project.id]
    )
    results: list[str] = []
    release = threading.Event()
    release.set()
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=WAIT_MS):
        Op("Voicing", held(release, "Voice", changes=changes), project_id=project.id).success(
            results.append
        ).run_on(window.jobs)
    assert results == ["Voice"], "the typed result, unwrapped"
    assert heard == [
        ("scenes", project.id),
        ("scene", (project.id, scene.id)),
        ("renders", project.id),
    ]


def test_a_stopped_operation_broadcasts_only_what_it_may_have_changed(
    qtbot: Any, library: Any
) -> None:
    broadcast: list[Changes] = []
    runner = JobRunner(library, apply_changes=broadcast.append)
    partial = Changes.of(scenes=["p1"])

    def work(reporter: Any, cancel: Any) -> None:
        raise Cancelled()

    with qtbot.waitSignal(runner.jobFinished, timeout=WAIT_MS):
        runner.run(Op("Rendering", work, project_id="p1").may_change_when_stopped(partial))
    assert broadcast == [partial]


def test_one_job_per_project_a_second_is_refused_or_queued(qtbot: Any, library: Any) -> None:
    runner = JobRunner(library)
    first, queued = threading.Event(), threading.Event()
    order: list[str] = []
    try:
        assert runner.run(Op("First", held(first, "1"), project_id="p1").success(order.append))
        assert runner.run(Op("Refused", held(first, "x"), project_id="p1")) is None
        waiting = runner.run(
            Op("Queued", held(queued, "2"), project_id="p1").success(order.append), queue=True
        )
        assert waiting is not None and not waiting.running and runner.queued() == [waiting]
        assert runner.busy_for("p1") and not runner.busy_for("p2")
        other = runner.run(
            Op("Other project", held(queued, "3"), project_id="p2").success(order.append)
        )
        assert other is not None and other.running
        with qtbot.waitSignal(runner.jobStarted, timeout=WAIT_MS) as started:
            first.set()
        assert started.args[0] is waiting and waiting.running
        queued.set()
        qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
        assert order[0] == "1" and sorted(order[1:]) == ["2", "3"]
    finally:
        first.set()
        queued.set()
        qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


def test_an_exclusive_operation_runs_alone(qtbot: Any, library: Any) -> None:
    runner = JobRunner(library)
    release = threading.Event()
    try:
        assert runner.run(Op("Rendering", held(release, "r"), project_id="p1"))
        assert runner.run(Op("Cleaning up", held(release, "c")).exclusive()) is None
        release.set()
        qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
        release.clear()
        assert runner.run(Op("Cleaning up", held(release, "c")).exclusive())
        assert runner.run(Op("Rendering", held(release, "r"), project_id="p1")) is None
    finally:
        release.set()
        qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
