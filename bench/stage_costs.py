"""How long each stage of a render takes, for the progress weights in studio/pipeline/produce.py.

Produces the demo script (or any script) into a fresh library with a reporter that records when
each stage starts, then prints each stage's seconds per unit of work (per word voiced, per second
of video encoded).

    .venv/bin/python bench/stage_costs.py SCRIPT.txt [--resolution 1080p] [--voice en-us]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from studio.pipeline.produce import ProduceRequest, produce
from studio.pipeline.request import RunRequest
from studio.store import Library


class StageClock:
    """Records the first and last report of each stage (the label before ':' or '(')."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.spans: dict[str, list[float]] = {}
        self.reports: list[tuple[float, float, str, float | None]] = []

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        now = time.monotonic() - self.started
        name = stage.split(":")[0].split("(")[0].strip()
        span = self.spans.setdefault(name, [now, now])
        span[1] = now
        self.reports.append((now, fraction, stage, eta_seconds))

    def message(self, text: str) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("script", type=Path)
    parser.add_argument("--resolution", default="1080p")
    parser.add_argument("--voice", default="en-us")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        library = Library.open(Path(tmp) / "home")
        clock = StageClock()
        request = ProduceRequest(
            run=RunRequest.from_library(library, groq_key=None),
            script=args.script,
            voice=args.voice,
            resolution=args.resolution,
        )
        result = produce(library, request, reporter=clock)
        total = time.monotonic() - clock.started
        scenes = library.scenes(result.project)
        words = sum(len(s.text.split()) for s in scenes)
        seconds = sum(float(s.duration or 0) for s in scenes)
    names = list(clock.spans)
    starts = [clock.spans[n][0] for n in names] + [total]
    print(f"total {total:.2f} s; {len(scenes)} scenes, {words} words, {seconds:.1f} s of video")
    for name, start, end in zip(names, starts, starts[1:], strict=False):
        print(f"  {name:30s} {end - start:6.2f} s  ({(end - start) / total:5.1%})")
    report_linearity(clock.reports, total)
    return 0


def report_linearity(reports: list[tuple[float, float, str, float | None]], total: float) -> None:
    """How far the bar strays from the share of time spent, and the ETAs' errors."""
    worst_bar = max(abs(fraction - t / total) for t, fraction, _, _ in reports)
    errors = [
        (eta - (total - t)) / (total - t)
        for t, _, _, eta in reports
        if eta is not None and t >= 0.2 * total and total - t > 0.5
    ]
    print(
        f"bar vs time share: worst {worst_bar:.1%}; ETA after 20 %: "
        + (f"{len(errors)} shown, worst {max(errors, key=abs):+.0%}" if errors else "none shown")
    )


if __name__ == "__main__":
    raise SystemExit(main())
