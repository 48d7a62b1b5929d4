"""Jobs belong to their project: a render of A shows only in A's panel, B renders (or queues,
saying so) while A renders, each panel tells its own outcome; the jobs list cancels one job;
a job of no project (the New Project dialog's AI script) reports in its dialog, never in a
render panel."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu

from studio.gui.op import Op
from studio.gui.render_panel import RENDER_LIMIT
from studio.pipeline.changes import Done
from tests.factories import make_project
from tests.fakes.groq_server import FakeGroq, unauthorized
from tests.gui.support import MULTIMEDIA_NOISE

#: The offscreen platform can't raise a window; the jobs list asks it to when shown.
OFFSCREEN_RAISE = r"This plugin does not support raise\(\)"
pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore(*MULTIMEDIA_NOISE, OFFSCREEN_RAISE)]
WAIT_MS = 10_000
RENDER_WAIT_MS = 180_000


def held(release: threading.Event, stage: str) -> Any:
    """An operation that reports ``stage`` then waits for ``release`` (or a cancel)."""

    def work(reporter: Any, cancel: Any) -> Done[str]:
        reporter.progress(0.5, stage, None)
        while not release.wait(0.01):
            cancel.raise_if_cancelled()
        return Done(stage)

    return work


def ctrl_r(window: Any) -> None:
    """The creator presses Ctrl+R in the window."""
    window.activateWindow()
    window.editor.setFocus()
    window.window_actions.render.trigger()  # what the shortcut does, without a focus race


@pytest.mark.slow
def test_b_renders_after_a_while_a_renders_and_each_panel_tells_its_own_outcome(
    qtbot: Any, make_window: Any, library: Any
) -> None:
    a = make_project(library, "Apples", ["Apples are red.", "Apples grow on trees."])
    b = make_project(library, "Bees", ["Bees make honey.", "Bees dance."])
    window = make_window()
    panel = window.render_panel
    window.workspace.set_current_project(a.id)
    with qtbot.waitSignal(window.jobs.jobStarted, timeout=WAIT_MS):
        ctrl_r(window)
    assert window.jobs.job_for(a.id) is not None

    window.workspace.set_current_project(b.id)
    assert panel.progress.isHidden() and panel.stage.text() == ""
    assert panel.render_button.isEnabled(), "B can ask for its render while A renders"
    assert not panel.cancel_button.isEnabled(), "B's panel can't cancel A's render"

    ctrl_r(window)  # one render at a time (2 cores): B's waits, and says for what
    queued = [job for job in window.jobs.queued() if job.project_id == b.id]
    assert len(queued) == 1, "Ctrl+R in B was heard"
    assert panel.stage.text() == "Queued: starts when Rendering “Apples” finishes"
    assert panel.cancel_button.isEnabled() and not panel.render_button.isEnabled()
    ctrl_r(window)  # asked twice: refused, with the reason in B's panel
    assert "already being rendered" in panel.note.text()
    assert len(window.jobs.queued()) == 1

    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=RENDER_WAIT_MS)
    assert [job.state for job in window.jobs.ended()] == ["done", "done"]
    assert panel.stage.text() == "Render finished" and panel.progress.value() == 1000
    assert len(library.renders(b)) == 1
    window.workspace.set_current_project(a.id)
    assert panel.stage.text() == "Render finished" and len(library.renders(a)) == 1


def test_a_queued_render_starts_when_the_one_before_finishes(
    qtbot: Any, window: Any, library: Any
) -> None:
    a, b = make_project(library, "Apples"), make_project(library, "Bees")
    first, second, voiced = threading.Event(), threading.Event(), threading.Event()
    try:
        job_a = (
            Op("Rendering “Apples”", held(first, "Render: apples"), project_id=a.id)
            .one_at_a_time(RENDER_LIMIT)
            .run_on(window.jobs, queue=True)
        )
        voicing = Op("Voicing scene 1", held(voiced, "Voice: bees"), project_id=b.id).run_on(
            window.jobs
        )
        assert voicing is not None and voicing.running, "voicing B runs beside A's render"
        job_b = (
            Op("Rendering “Bees”", held(second, "Render: bees"), project_id=b.id)
            .one_at_a_time(RENDER_LIMIT)
            .run_on(window.jobs, queue=True)
        )
        assert job_a is not None and job_b is not None
        assert job_a.running and job_b.state == "queued"
        with qtbot.waitSignal(window.jobs.jobFinished, timeout=WAIT_MS):
            voiced.set()
        assert job_b.state == "queued", "it still waits for A's render"
        with qtbot.waitSignal(window.jobs.jobStarted, timeout=WAIT_MS) as started:
            first.set()
        assert started.args[0] is job_b and job_b.running
    finally:
        first.set()
        second.set()
        voiced.set()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WAIT_MS)
    assert [job.state for job in (job_a, job_b)] == ["done", "done"]


def test_the_jobs_list_cancels_only_the_job_asked(qtbot: Any, window: Any, library: Any) -> None:
    a, b = make_project(library, "Apples"), make_project(library, "Bees")
    release = threading.Event()
    try:
        job_a = Op("Rendering “Apples”", held(release, "Render: apples"), project_id=a.id).run_on(
            window.jobs
        )
        job_b = Op("Voicing scene 2", held(release, "Voice: bees"), project_id=b.id).run_on(
            window.jobs
        )
        assert job_a is not None and job_b is not None
        jobs = window.jobs_panel
        indicator = jobs.indicator
        assert indicator.isVisible() and indicator.text() == "2 jobs running"
        assert jobs.dock.isHidden()
        indicator.click()
        assert jobs.dock.isVisible()
        rows = jobs.jobs()
        assert rows == [job_a, job_b]
        assert jobs.table.item(0, 1).text() == "Apples"
        cancel_a = jobs.table.cellWidget(rows.index(job_a), 5)
        with qtbot.waitSignal(window.jobs.jobFinished, timeout=WAIT_MS) as finished:
            qtbot.mouseClick(cancel_a, Qt.MouseButton.LeftButton)
        assert finished.args[0] is job_a and job_a.state == "cancelled"
        assert job_b.running, "only the job asked was cancelled"
        assert indicator.text() == "1 job running"
        row_a = jobs.jobs().index(job_a)
        assert jobs.table.item(row_a, 2).text() == "Cancelled"
        assert jobs.table.cellWidget(row_a, 5) is None, "an ended job has no Cancel"
        jobs.clear_button.click()
        assert jobs.jobs() == [job_b]
    finally:
        release.set()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WAIT_MS)
    assert job_b.state == "done" and indicator.isHidden()


def test_ctrl_j_shows_the_jobs_list(qtbot: Any, window: Any) -> None:
    action = window.jobs_panel.action
    assert action.shortcut().toString() == "Ctrl+J"
    view = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == "&View")
    assert action in view.actions()
    action.trigger()
    assert window.jobs_panel.dock.isVisible()
    assert window.jobs_panel.empty.isVisible(), "no jobs yet: it says so"


def test_a_failed_ai_script_shows_in_its_dialog_and_never_in_a_render_panel(
    qtbot: Any, window: Any, library: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = make_project(library, "Apples")
    window.workspace.set_current_project(shown.id)
    panel = window.render_panel
    monkeypatch.setenv("GROQ_API_KEY", "gsk_test_key_1234")
    with FakeGroq() as fake:
        fake.enqueue(unauthorized())
        library.set_setting("groq_base_url", fake.base_url)
        dialog = window.projects.new_project()
        dialog.topic.setPlainText("How bees make honey")
        with qtbot.waitSignal(window.jobs.jobFinished, timeout=30_000):
            qtbot.mouseClick(dialog.ai_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.details_error.isVisible(), timeout=WAIT_MS)
    assert "Groq" in dialog.details_error.text()
    assert panel.progress.isHidden() and panel.stage.text() == "" and panel.note.text() == ""
    assert panel.render_button.isEnabled() and not panel.cancel_button.isEnabled()
    failed = window.jobs.ended()
    assert [job.state for job in failed] == ["failed"]
    window.jobs_panel.refresh()
    assert window.jobs_panel.table.item(0, 2).text() == "Failed"
    assert "Groq" in window.jobs_panel.table.item(0, 0).toolTip()
    dialog.reject()
