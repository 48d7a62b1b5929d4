"""The full SIGKILL trial set (issue #7): N kills spread over every stage of ``studio render``.

    .venv/bin/python bench/crash_trials.py [--trials 24] [--seed 1]

Prints one line per trial and a summary; exits 1 if any trial lost something.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.reliability.crash import STAGES, prepare_project, run_trial  # noqa: E402

SCRIPT = Path(__file__).resolve().parent.parent / "resources" / "sample_script.txt"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    failures = 0
    stages = [s for s in STAGES if s != "Script"]  # `render` has no script stage
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        project_id = prepare_project(home, SCRIPT)
        for n in range(args.trials):
            stage = stages[n % len(stages)]
            if n and n % len(stages) == 0:  # a fresh project now and then: voice stage again
                project_id = prepare_project(home, SCRIPT)
            r = run_trial(home, project_id, stage, rng)
            ok = r.integrity == "ok" and r.edits_kept and not r.bad_files and r.resumed
            failures += not ok
            print(
                f"{n + 1:2d} target={stage:9s} killed_in={r.killed_at_stage[:32]:32s} "
                f"integrity={r.integrity} job={r.job_status:11s} edits={r.edits_kept} "
                f"bad_files={len(r.bad_files)} resumed={r.resumed} "
                f"reused_segments={r.reused_segments} resume={r.resume_seconds:.1f}s"
                + ("" if ok else "  <-- FAILED")
            )
    print(f"{args.trials - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
