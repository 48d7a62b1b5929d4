"""Progress that moves with time and an ETA that can be trusted: against a real render (the real
draft voice, the real ffmpeg), and the estimator's rules on their own."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.pipeline.produce import render_project
from studio.progress import (
    ETA_MAX_RISE,
    ETA_MIN_ELAPSED_S,
    ETA_MIN_FRACTION,
    EtaEstimator,
    StagePlan,
)
from tests.factories import make_project

#: A paragraph of about 7 s spoken, about one subject; ten subjects at 720p render in ~10 s on
#: 2 cores (each scene its own keywords, so each gets its own visual, as in a real script).
PARAGRAPH = (
    "{0} travel many kilometres every day, visiting hundreds of places to gather what the "
    "colony of {0} needs."
)
SUBJECTS = (
    "Bees",
    "Ants",
    "Wasps",
    "Moths",
    "Beetles",
    "Crickets",
    "Spiders",
    "Snails",
    "Termites",
    "Dragonflies",
)
#: Shown ETAs must be within this share of the true time left...
ETA_TOLERANCE = 0.30
#: ...or within this many seconds of it (near the end a second is all the clock can tell).
ETA_SLACK_S = 1.0


class Recorder:
    """A reporter that keeps (seconds since start, fraction, stage, eta) of every report."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.reports: list[tuple[float, float, str, float | None]] = []

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        self.reports.append((time.monotonic() - self.started, fraction, stage, eta_seconds))

    def message(self, text: str) -> None:
        pass


@pytest.mark.slow
def test_a_real_renders_eta_is_within_30_percent_after_a_fifth_of_the_time(library: Any) -> None:
    script = "\n\n".join(PARAGRAPH.format(subject) for subject in SUBJECTS)
    project = make_project(library, "Eta", script=script)
    assert len(library.scenes(project)) == len(SUBJECTS)
    recorder = Recorder()
    render_project(library, project, reporter=recorder, install_sigint=False)
    total = time.monotonic() - recorder.started
    assert total > 4.0, f"the render took {total:.1f} s: too short to judge an ETA"

    shown = [(t, eta) for t, _f, _s, eta in recorder.reports if eta is not None]
    judged = [(t, eta, total - t) for t, eta in shown if t >= 0.2 * total]
    assert len(judged) >= 5, "ETAs are shown for most of the render"
    errors = [abs(eta - left) / max(left, 1e-9) for t, eta, left in judged if left > ETA_SLACK_S]
    bar = max(abs(f - t / total) for t, f, _s, _e in recorder.reports)
    print(f"\nrender {total:.1f} s: worst ETA error {max(errors, default=0.0):.0%}, bar {bar:.0%}")
    wrong = [
        f"at {t:.1f} s: {eta:.1f} s shown, {left:.1f} s left"
        for t, eta, left in judged
        if abs(eta - left) > max(ETA_TOLERANCE * left, ETA_SLACK_S)
    ]
    assert not wrong, f"render of {total:.1f} s; ETAs off by more than 30 %: {wrong[:5]}"
    # The bar moves with time: never more than 15 points from the share of time spent.
    worst = max(abs(f - t / total) for t, f, _s, _e in recorder.reports)
    assert worst < 0.15, f"the bar strays {worst:.0%} from the time spent"
    stages = [s for _t, _f, s, _e in recorder.reports if s.startswith("Rendering scenes (")]
    counts = [int(s.split("(")[1].split(" ")[0]) for s in stages]
    assert counts == sorted(counts), "the count of scenes done never goes back"


def test_no_eta_before_five_percent_or_two_seconds() -> None:
    eta = EtaEstimator(started=100.0)
    assert eta.estimate(0.5, now=100.0 + ETA_MIN_ELAPSED_S / 2) is None
    assert eta.estimate(ETA_MIN_FRACTION / 2, now=130.0) is None
    assert eta.estimate(0.5, now=110.0) == pytest.approx(10.0)
    assert eta.estimate(1.0, now=120.0) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 2.0), st.floats(0.0, 0.2)), min_size=2, max_size=40))
def test_the_eta_never_jumps_up(steps: list[tuple[float, float]]) -> None:
    """However unevenly the work goes, a shown ETA rises by at most ETA_MAX_RISE (+1 s)."""
    eta = EtaEstimator(started=0.0)
    now, fraction, last = ETA_MIN_ELAPSED_S, ETA_MIN_FRACTION, None
    for pause, advance in steps:
        now += pause
        fraction = min(0.99, fraction + advance)
        shown = eta.estimate(fraction, now)
        assert shown is not None and shown >= 0.0
        if last is not None:
            assert shown <= last * (1 + ETA_MAX_RISE) + 1.0 + 1e-9
        last = shown


def test_a_stage_plan_shares_the_rest_of_the_bar_by_cost() -> None:
    plan = StagePlan({"voice": 1.0, "visuals": 1.0, "render": 8.0})
    assert plan.span("voice", at=0.0) == (0.0, pytest.approx(0.1))
    assert plan.span("visuals", at=0.1) == (0.1, pytest.approx(0.2))
    start, end = plan.span("render", at=0.2, cost=2.0)  # it turned out cheaper: all the rest
    assert (start, end) == (0.2, pytest.approx(1.0))
