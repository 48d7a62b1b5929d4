"""Kill the real ``studio render`` with SIGKILL mid-stage; nothing committed may be lost.

A bounded sample runs here (one kill per stage that lasts long enough to hit); the full set of
trials is ``bench/crash_trials.py``.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.reliability.crash import STAGES, prepare_project, run_trial

SCRIPT = "\n\n".join(
    f"Scene {n}: honeybees fan their wings to dry the nectar, and a forager dances to show "
    f"her sisters where the flowers are."
    for n in range(1, 5)
)


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["Voice", "Visuals", "Rendering", "Mixing", "Joining"])
def test_sigkill_at_stage_loses_nothing_and_resume_finishes(tmp_path: Path, stage: str) -> None:
    assert stage in STAGES
    home = tmp_path / "home"
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    project_id = prepare_project(home, script)
    result = run_trial(home, project_id, stage, random.Random(stage))
    assert result.integrity == "ok"
    assert result.edits_kept
    assert result.bad_files == []
    assert result.job_status in ("interrupted", "completed")  # a fast stage may finish first
    assert result.resumed
    renders = list((home / "projects" / project_id / "renders").glob("*.mp4"))
    assert renders, "resume produced the video"
