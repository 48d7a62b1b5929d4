"""Progress reporting and cooperative cancellation shared by every long job (no Qt here)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from studio.errors import Cancelled

_T = TypeVar("_T")

#: ``progress(fraction 0..1, stage label)``; fraction is for the whole job.
ProgressFn = Callable[[float, str], None]


def no_progress(fraction: float, stage: str) -> None:
    """A progress sink that ignores reports."""


class CancelToken:
    """A flag a job checks between steps; ``cancel()`` may be called from any thread.

    Attributes:
        on_cancel: callbacks run once when cancelled (e.g. kill a running ffmpeg).
    """

    def __init__(self) -> None:
        self._event = threading.Event()
        self._callbacks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def cancel(self) -> None:
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def add_callback(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` on cancel (at once if already cancelled)."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def remove_callback(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def wait(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking early on cancel; True if cancelled."""
        return self._event.wait(timeout)


def scaled(progress: ProgressFn, start: float, end: float) -> ProgressFn:
    """A progress function mapping a sub-step's 0..1 onto ``start..end`` of the whole."""

    def report(fraction: float, stage: str) -> None:
        progress(start + (end - start) * max(0.0, min(1.0, fraction)), stage)

    return report


class StagePlan:
    """Where each stage of a job sits on its progress bar, in proportion to its expected seconds.

    A stage's span is decided when it starts (:meth:`span`): the rest of the bar, from where the
    job is, shared among the stages still to run by their costs, so a stage whose cost became
    known late (how many segments a render must encode) takes its true share, and the bar moves
    in step with time. Costs are seconds (any unit works: only their ratios count).
    """

    def __init__(self, costs: Mapping[str, float]) -> None:
        self._costs = {name: max(0.0, cost) for name, cost in costs.items()}
        self._started: list[str] = []

    def span(self, stage: str, *, at: float, cost: float | None = None) -> tuple[float, float]:
        """Start ``stage`` at fraction ``at``: its (start, end) on the bar.

        ``cost`` replaces the stage's estimate (now better known). Stages planned before it
        that never started are dropped from what remains.
        """
        if cost is not None:
            self._costs[stage] = max(0.0, cost)
        names = list(self._costs)
        remaining = names[names.index(stage) :] if stage in names else [stage]
        at = max(0.0, min(1.0, at))
        total = sum(self._costs.get(name, 0.0) for name in remaining)
        share = self._costs.get(stage, 0.0) / total if total > 0 else 1.0 / len(remaining)
        self._started.append(stage)
        return at, at + (1.0 - at) * share


#: The ETA is not shown before this share of the job is done (too little to go on)...
ETA_MIN_FRACTION = 0.05
#: ...nor before this many seconds have passed.
ETA_MIN_ELAPSED_S = 2.0
#: How quickly the shown ETA follows the raw estimate (seconds for ~63 % of a change).
ETA_SMOOTHING_S = 1.0
#: The ETA is estimated again at most this often; between, it counts down.
ETA_INTERVAL_S = 0.5
#: Between two estimates the ETA may rise by at most this share of itself (plus one second):
#: a job that slowed down lengthens its ETA gradually, never in a jump.
ETA_MAX_RISE = 0.1
#: A new stage's pace is not read before it has run this long: until then the ETA shown counts
#: down (or, before the first, none is shown). Only its second half is read: a render's first
#: second is its scenes being read and ffmpeg starting up, whose frames come out late, and
#: ffmpeg reports every half second, so a shorter reading swings by a quarter.
ETA_STAGE_SETTLE_S = 2.0


class EtaEstimator:
    """Seconds left of a job, from its elapsed time and its (time-weighted) fraction done.

    Without stages the raw estimate is ``elapsed * (1 - f) / f``, right when the fraction moves
    in proportion to time. A job whose stages are planned (:class:`StagePlan`) says when each
    starts (:meth:`begin_stage`), and the rest is then estimated at the current stage's own
    pace, read over its second half once it has run ``ETA_STAGE_SETTLE_S``: on a shared
    2-core machine other work slows one stage and not the next (visuals 1 s in one run and 3 s
    in another, the render 8 s or 18 s), so neither the mean rate since the job's start nor the
    plan's seconds can be trusted across stages (tried with
    ``tests/pipeline/test_progress_eta.py``: up to 90 % off). The estimate is smoothed so one
    quick or slow step doesn't make it jump, counts down between estimates, is never shown
    before ``ETA_MIN_FRACTION`` or ``ETA_MIN_ELAPSED_S``, and rises by at most
    ``ETA_MAX_RISE`` each time.
    """

    def __init__(self, started: float) -> None:
        self._started = started
        self._eta: float | None = None
        self._at = started
        self._stage: list[tuple[float, float]] | None = None  # (time, fraction) since it began
        self._fresh = False

    def begin_stage(self, fraction: float, now: float) -> None:
        """A stage begins at ``now`` with ``fraction`` done: from here its own pace counts."""
        self._stage = [(now, fraction)]
        self._fresh = True  # its first reading replaces the last stage's ETA, not smoothed in

    def estimate(self, fraction: float, now: float) -> float | None:
        """The ETA to show at ``now`` with ``fraction`` done (None: not yet, or done)."""
        if self._stage is not None:
            self._stage.append((now, fraction))
        if fraction >= 1.0:
            return None
        if fraction < ETA_MIN_FRACTION or now - self._started < ETA_MIN_ELAPSED_S:
            return None
        step = max(0.0, now - self._at)
        counted_down = max(0.0, self._eta - step) if self._eta is not None else None
        if counted_down is not None and step < ETA_INTERVAL_S:
            return counted_down
        raw = self._raw(fraction, now)
        if raw is None:  # the stage's pace is not known yet
            return counted_down
        self._at = now
        if counted_down is None or self._eta is None:
            self._eta = raw
            return raw
        weight = 1.0 if self._fresh else 1.0 - math.exp(-step / ETA_SMOOTHING_S)
        self._fresh = False
        smoothed = counted_down + weight * (raw - counted_down)
        ceiling = counted_down * (1.0 + ETA_MAX_RISE) + 1.0
        self._eta = max(0.0, min(smoothed, ceiling))
        return self._eta

    def _raw(self, fraction: float, now: float) -> float | None:
        """The rest at the stage's pace (None: too soon to tell), or at the job's mean rate."""
        if self._stage is None:
            return (now - self._started) * (1.0 - fraction) / fraction
        began = self._stage[0][0]
        if now - began < ETA_STAGE_SETTLE_S:
            return None
        since = (began + now) / 2
        then, done = next((t, f) for t, f in self._stage if t >= since)
        if fraction <= done or now <= then:
            return None
        return (now - then) * (1.0 - fraction) / (fraction - done)


class Step(Protocol):
    """A step for ``run_concurrently``: does its work, reporting to ``progress`` and stopping
    (raising ``Cancelled``) when ``cancel`` fires."""

    def __call__(self, *, progress: ProgressFn, cancel: CancelToken) -> object: ...


def run_concurrently(
    steps: Sequence[tuple[float, Step]],
    *,
    progress: ProgressFn,
    cancel: CancelToken,
    finish_others: bool = False,
    max_workers: int | None = None,
) -> None:
    """Run ``steps`` side by side, one thread each (at most ``max_workers`` at a time); return
    when every one has finished.

    Each step comes with a weight (its expected cost): progress is the steps' weighted mean,
    never going backwards, labelled with the stage of the first step still running (a step's
    last report with its own). The first step to fail cancels the others, and its error is
    raised once they have all stopped. With ``finish_others`` the others run to their end
    instead (what they make is kept for the next try), and the error is raised after them.

    Raises:
        Cancelled: ``cancel`` fired (every step was stopped). Otherwise the first error a step
            raised that was not its own cancellation.
    """
    cancel.raise_if_cancelled()
    inner = CancelToken()
    total = sum(weight for weight, _ in steps) or 1.0
    fractions = [0.0] * len(steps)
    stages = [""] * len(steps)
    lock = threading.Lock()

    def reporter(index: int) -> ProgressFn:
        def report(fraction: float, stage: str) -> None:
            with lock:
                fractions[index] = max(fractions[index], min(1.0, fraction))
                stages[index] = stage
                shown = (
                    index
                    if fractions[index] >= 1.0
                    else next((i for i, f in enumerate(fractions) if f < 1.0 and stages[i]), index)
                )
                done = sum(weight * f for (weight, _), f in zip(steps, fractions, strict=True))
                progress(done / total, stages[shown])

        return report

    def run(index: int, step: Step) -> None:
        try:
            step(progress=reporter(index), cancel=inner)
        except BaseException:
            if not finish_others:
                inner.cancel()  # the others stop too
            raise

    cancel.add_callback(inner.cancel)
    try:
        with ThreadPoolExecutor(
            max_workers=max(1, min(len(steps), max_workers or len(steps))),
            thread_name_prefix="concurrent-step",
        ) as pool:
            futures = [pool.submit(run, i, step) for i, (_, step) in enumerate(steps)]
    finally:
        cancel.remove_callback(inner.cancel)
    errors = [error for future in futures if (error := future.exception()) is not None]
    cancel.raise_if_cancelled()
    real = [error for error in errors if not isinstance(error, Cancelled)]
    if errors:
        raise (real or errors)[0]


def install_sigint_as_cancel(cancel: CancelToken) -> None:
    """Ctrl-C cancels the running job (ffmpeg/TTS stop cleanly) instead of killing mid-write.

    Only from the main thread (where Python delivers signals); elsewhere it does nothing.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        return

    def handler(signum: int, frame: object) -> None:
        cancel.cancel()

    signal.signal(signal.SIGINT, handler)


def run_abandonable(
    call: Callable[[], _T], cancel: CancelToken, *, name: str = "abandonable"
) -> _T:
    """``call()`` on a helper thread, abandoned at once if ``cancel`` fires.

    For blocking calls that can't be interrupted (an HTTP SDK waiting for its timeout): Cancel
    stays responsive, and the abandoned call ends on its own later.

    Raises:
        Cancelled: ``cancel`` fired first. Otherwise whatever ``call`` raised.
    """
    outcome: dict[str, Any] = {}
    finished = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            finished.set()

    cancel.add_callback(finished.set)
    try:
        threading.Thread(target=run, name=name, daemon=True).start()
        finished.wait()
    finally:
        cancel.remove_callback(finished.set)
    cancel.raise_if_cancelled()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
