"""Cancel during Kokoro voicing stops within a second, at any point, leaving nothing half-written.

Kokoro runs for real on the randomly initialised model of ``tests/engines/test_engines.py``
(the real code path and the real model's compute cost). A scene is one long sentence with no
punctuation: one chunk, one forward pass of seconds, the case that used to take 4-12 s to cancel.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import soundfile as sf
import torch

from studio.engines import find_kokoro_weights
from studio.engines.kokoro_engine import KokoroEngine
from studio.errors import Cancelled
from studio.progress import CancelToken
from studio.store import Library
from tests.test_cli import _wait_for_stage

_WORDS = (
    "the quick brown fox jumps over the lazy dog while seven curious children watch quietly "
    "from the old wooden bridge nearby and the river keeps running toward the distant sea under "
    "a pale morning sky "
)
#: 60 words, no punctuation: Kokoro speaks it in one chunk (one forward pass, ~15 s of audio).
LONG_SENTENCE = " ".join((_WORDS * 2).split()[:60])

#: What the creator is promised, with room for a busy 2-core machine (measured: see docs).
CANCEL_WITHIN_S = 1.5
#: The most work between two cancel checks, in CPU seconds of the whole process: less than a
#: second of wall time however the work is shared between cores, and unlike wall time it doesn't
#: grow when other programs crowd the machine (measured worst: see docs/reliability.md).
MAX_GAP_CPU_S = 1.0
#: On a machine so crowded that no wall-clock bound can hold (the 2-core test box shared by
#: several test runs speaks 5-10x slower), a cancel may take this share of the time one long
#: sentence takes to speak there, no more; checks only between chunks take all of it.
LOADED_SHARE = 0.05


class WatchedToken(CancelToken):
    """A token that notes when each check happens and says when the ``at``-th check is reached.

    The test cancels it from its own thread when ``reached`` fires, as the GUI's Cancel or a
    Ctrl-C would, while the synthesis carries on to its next check.
    """

    def __init__(self, at: int = 0) -> None:
        super().__init__()
        self.checks: list[float] = []
        self.cpu_at_checks: list[float] = []  # the process's CPU seconds (all its threads)
        self.reached = threading.Event()
        self.at = at

    def raise_if_cancelled(self) -> None:
        self.checks.append(time.perf_counter())
        self.cpu_at_checks.append(time.process_time())
        if len(self.checks) == self.at:
            self.reached.set()
        super().raise_if_cancelled()


@pytest.fixture(scope="module")
def kokoro(kokoro_dir: Path) -> KokoroEngine:
    """One engine for the module, its model built and warmed up (as after a first scene)."""
    torch.manual_seed(0)
    engine = KokoroEngine(weights=find_kokoro_weights(kokoro_dir), device="cpu")
    engine.synthesize("Warm up.", kokoro_dir / "warm-up.wav", voice="af_heart")
    return engine


@pytest.fixture(scope="module")
def allowed_seconds(kokoro: KokoroEngine, kokoro_dir: Path) -> float:
    """How long a cancel may take here: the promise, or a small share of one long sentence's
    synthesis on a machine too loaded for the promise (see LOADED_SHARE)."""
    started = time.perf_counter()
    kokoro.synthesize(LONG_SENTENCE, kokoro_dir / "pace.wav", voice="af_heart")
    return max(CANCEL_WITHIN_S, LOADED_SHARE * (time.perf_counter() - started))


def cancel_when_reached(
    speak: Callable[[CancelToken], object], token: WatchedToken
) -> tuple[float, BaseException | None]:
    """Run ``speak(token)`` on a thread, cancel when ``token.reached``; (seconds to stop, error)."""

    def speak_then_release() -> object:
        try:
            return speak(token)
        finally:
            token.reached.set()  # a call that never reached its cancel point fails, not hangs

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(speak_then_release)
        token.reached.wait()
        assert len(token.checks) >= token.at, "the synthesis ended before its cancel point"
        cancelled_at = time.perf_counter()
        token.cancel()
        error = future.exception(timeout=120)
        stopped_at = time.perf_counter()
    return stopped_at - cancelled_at, error


def worst_stretch_without_a_check(kokoro: KokoroEngine, out: Path) -> tuple[float, int]:
    """Speak LONG_SENTENCE; (most CPU seconds spent between two cancel checks, checks made)."""
    token = WatchedToken()
    started = time.process_time()
    result = kokoro.synthesize(LONG_SENTENCE, out, voice="af_heart", cancel=token)
    assert result.duration > 5.0 and len(result.words) == 60
    moments = [started, *token.cpu_at_checks, time.process_time()]
    return max(b - a for a, b in zip(moments, moments[1:], strict=False)), len(token.checks)


def test_long_sentence_checks_cancel_at_least_every_second(
    kokoro: KokoroEngine, tmp_path: Path
) -> None:
    """The worst stretch of work without a cancel check bounds how late Cancel can be heard.

    A gap the code makes shows in every run; a crowded machine's hiccup (a thread spinning while
    it waits for a core) seldom twice, so the quieter of two runs is judged if the first is over.
    """
    worst, checks = worst_stretch_without_a_check(kokoro, tmp_path / "long.wav")
    if worst >= MAX_GAP_CPU_S:
        worst = min(worst, worst_stretch_without_a_check(kokoro, tmp_path / "again.wav")[0])

    assert checks > 100, "checked inside the forward pass, not only between chunks"
    assert worst < MAX_GAP_CPU_S, f"{worst:.2f} CPU seconds without a cancel check"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cancel_mid_sentence_stops_within_a_second_and_keeps_the_old_take(
    kokoro: KokoroEngine, allowed_seconds: float, tmp_path: Path, seed: int
) -> None:
    """Cancelled from another thread at a random layer: Cancelled soon, the old WAV untouched."""
    out = tmp_path / "scene.wav"
    kokoro.synthesize("Old take.", out, voice="af_heart")
    before = out.read_bytes()
    token = WatchedToken(at=random.Random(seed).randrange(2, 590))  # of the pass's ~595 checks

    elapsed, error = cancel_when_reached(
        lambda cancel: kokoro.synthesize(LONG_SENTENCE, out, voice="af_heart", cancel=cancel),
        token,
    )

    assert isinstance(error, Cancelled), error
    assert elapsed < allowed_seconds, f"took {elapsed:.2f} s to stop"
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["scene.wav"]


def test_cancel_while_the_model_loads_is_heard_at_once(
    kokoro_dir: Path, allowed_seconds: float, tmp_path: Path
) -> None:
    """The first synthesis builds the model (seconds); Cancel doesn't wait for it."""
    engine = KokoroEngine(weights=find_kokoro_weights(kokoro_dir), device="cpu")
    token = WatchedToken(at=1)  # the check before anything is loaded

    elapsed, error = cancel_when_reached(
        lambda cancel: engine.synthesize("Hello.", tmp_path / "a.wav", voice="af_heart",
                                         cancel=cancel),
        token,
    )  # fmt: skip

    assert isinstance(error, Cancelled), error
    assert elapsed < allowed_seconds, f"took {elapsed:.2f} s to stop"
    assert list(tmp_path.iterdir()) == []
    # The abandoned build finishes in the background and serves the next call.
    assert engine.synthesize("Hello.", tmp_path / "b.wav", voice="af_heart").duration > 0.1


def _kokoro_home(home: Path, weights: Path) -> str:
    """A library whose project speaks a short scene, then the long sentence, with Kokoro."""
    from studio.pipeline.jobs import run_job
    from studio.pipeline.script import script_from_text
    from studio.store.settings_registry import DEFAULT_VOICE, KOKORO_DIR

    library = Library.open(home)
    library.set_setting(KOKORO_DIR, str(weights))
    library.set_setting(DEFAULT_VOICE, "af_heart")
    project = library.create_project("Kokoro cancel", render_settings={"resolution": "720p"})
    with run_job(library, project, "script") as ctx:
        script_from_text(library, project, f"Bees dance.\n\n{LONG_SENTENCE}.", ctx)
    library.close()
    return project.id


@pytest.mark.slow
def test_ctrl_c_during_kokoro_voicing_exits_130_within_a_second(
    kokoro_dir: Path, allowed_seconds: float, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    project_id = _kokoro_home(home, kokoro_dir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "--home", str(home), "render", project_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _wait_for_stage(home / "studio.db", "Voice: scene 2", proc)  # the model is loaded
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - sent

    assert proc.returncode == 130, err
    assert b"cancelled" in err and b"Traceback" not in err
    assert elapsed < allowed_seconds, f"took {elapsed:.2f} s to stop"
    audio = home / "projects" / project_id / "audio"
    wavs = sorted(audio.glob("*.wav"))
    assert len(wavs) == 1, "only the first scene was voiced"
    assert [p.name for p in audio.iterdir() if p.name.startswith(".")] == []
    assert sf.info(wavs[0]).frames > 0
