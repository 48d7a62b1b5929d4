"""Progress reporting and cooperative cancellation shared by every long job (no Qt here)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

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
