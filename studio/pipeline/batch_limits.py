"""How many videos a batch makes at once: the default, the bound and its check.

Apart from ``studio.pipeline.batch`` so the command line can show them in ``--help`` without
importing the pipeline (``studio projects`` starts without the templates' modules).
"""

from __future__ import annotations

from studio.errors import InputError

#: Rows made at once unless ``--jobs`` says otherwise. Measured with two rows of
#: ``resources/sample_script.txt`` (720p, draft voice) on this 2-core machine shared with
#: other work (load 9-12): one at a time 33.9 / 35.9 / 23.9 s, two at once 33.5 / 23.3 / 20.1 s.
#: A row alone keeps about 0.9 of a core busy (31 s of CPU in 34 s): its stages are mostly one
#: Python thread or one FFmpeg, so a second row fills the other core. Two rows in one process
#: share the voice engines (Kokoro's model is loaded once).
DEFAULT_JOBS = 2
#: The most rows made at once (each runs its own FFmpeg and holds its scenes in memory).
MAX_JOBS = 16


def check_jobs(jobs: int) -> int:
    """``jobs`` if it is 1..MAX_JOBS, else InputError."""
    if not 1 <= jobs <= MAX_JOBS:
        raise InputError(
            f"--jobs must be between 1 and {MAX_JOBS} (got {jobs})",
            fix=f"Give how many videos to make at once, e.g. {DEFAULT_JOBS}",
        )
    return jobs


__all__ = ["DEFAULT_JOBS", "MAX_JOBS", "check_jobs"]
