"""Measuring what an encode kept: VMAF (FFmpeg's libvmaf filter, model vmaf_v0.6.1) of a video
against a reference of the same frames (a lossless render: ``settings.LOSSLESS_ENCODER``).

Used by ``bench/encoder_quality.py`` and by the test that holds Studio's default encode above
``VMAF_FLOOR``. VMAF of a video against itself is not 100 here (97-98 for a picture moving
slowly: its motion feature counts), so a floor is a floor, not a distance from 100.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studio.media.ffmpeg import filter_path, run_ffmpeg

#: The quality Studio's default encode must keep (issue #18).
VMAF_FLOOR = 93.0


@dataclass(frozen=True)
class Score:
    """VMAF of a whole video.

    Attributes:
        mean: the mean over its frames (libvmaf's pooled mean).
        worst: its worst frame's.
        frames: how many frames were compared.
    """

    mean: float
    worst: float
    frames: int


def vmaf(distorted: Sequence[Path], reference: Sequence[Path], work: Path,
         threads: int = 2) -> Score:
    """VMAF of ``distorted`` against ``reference``, file by file (the segments of a video),
    pooled over every frame. ``work`` holds libvmaf's logs.

    Raises:
        MediaError: FFmpeg failed (a file is missing or unreadable).
    """
    scores: list[float] = []
    for index, (dist, ref) in enumerate(zip(distorted, reference, strict=True)):
        log = Path(work) / f"vmaf-{index}.json"
        graph = (f"[0:v]setpts=PTS-STARTPTS[d];[1:v]setpts=PTS-STARTPTS[r];"
                 f"[d][r]libvmaf=log_path={filter_path(log)}:log_fmt=json:n_threads={threads}")
        run_ffmpeg(["-i", str(dist), "-i", str(ref), "-lavfi", graph, "-f", "null", "-"],
                   duration=None, progress=None, cancel=None, stage="Measuring VMAF",
                   where=str(dist))
        frames = json.loads(log.read_text(encoding="utf-8"))["frames"]
        scores += [float(frame["metrics"]["vmaf"]) for frame in frames]
    if not scores:
        raise ValueError("vmaf needs at least one pair of videos with frames")
    return Score(sum(scores) / len(scores), min(scores), len(scores))


__all__ = ["VMAF_FLOOR", "Score", "vmaf"]
