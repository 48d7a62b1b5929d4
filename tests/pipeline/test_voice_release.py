"""The voice engines are released when the last voice stage of the process ends, not under
another project's voice stage (a batch voices several rows at once)."""

from __future__ import annotations

import threading

import pytest

from studio.pipeline import produce, voiceover


@pytest.fixture
def releases(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each release of the engines, recorded (the stages' count at that moment)."""
    seen: list[int] = []
    monkeypatch.setattr(voiceover, "release_engines", lambda: seen.append(produce._voice_stages))
    return seen


def test_one_voice_stage_releases_the_engines_when_it_ends(releases: list[int]) -> None:
    with produce.engines_released_after():
        assert releases == []
    assert releases == [0]


def test_a_failing_stage_still_releases(releases: list[int]) -> None:
    with pytest.raises(RuntimeError), produce.engines_released_after():
        raise RuntimeError("the voice failed")
    assert releases == [0]


def test_overlapping_stages_release_once_when_the_last_ends(releases: list[int]) -> None:
    first_in, second_done = threading.Event(), threading.Event()

    def other_row() -> None:
        with produce.engines_released_after():
            first_in.set()
            second_done.wait(timeout=30)

    worker = threading.Thread(target=other_row)
    worker.start()
    assert first_in.wait(timeout=30)
    with produce.engines_released_after():
        pass  # this row's voice stage ends while the other row still speaks
    assert releases == [], "released under the other row's voice stage"
    second_done.set()
    worker.join(timeout=30)
    assert releases == [0] and produce._voice_stages == 0
