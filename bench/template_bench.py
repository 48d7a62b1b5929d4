"""Render time of each template's kind of video, through `studio produce` (issue #8).

    .venv/bin/python bench/template_bench.py [--runs 3] [--resolution 1080p]

Each run makes a fresh library and produces, with the draft voice: a 60 s scrolling script with
code blocks, a 12-message chat story over a colour background, and a 60 s music video cut every
4 beats from a generated 120 BPM song (generated slides). Wall time covers the whole `produce`
(script, voice, visuals, render, thumbnails); "render" is the share from the render stage on,
read from the job's own progress lines. Results print as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.media.ffmpeg import ffmpeg_exe  # noqa: E402
from studio.media.probe import probe  # noqa: E402

STUDIO = [sys.executable, "-m", "studio"]

SCROLL = "\n\n".join(
    [
        "# Sorting in Python",
        "Sorting puts things in order. Python gives you two tools for it, and both are fast.",
        "```python\nnumbers = [5, 2, 9, 1]\nprint(sorted(numbers))  # [1, 2, 5, 9]\n```",
        "The sorted function returns a new list and leaves the old one exactly as it was.",
        "If you want to change the list itself, call its sort method instead. It returns None.",
        "```python\nnumbers.sort(reverse=True)\nprint(numbers)  # [9, 5, 2, 1]\n```",
        "Both accept a key: a function that says what to compare. Here, words by their length.",
        "```python\nwords = ['kiwi', 'fig', 'banana']\nprint(sorted(words, key=len))\n```",
        "Python's sort is stable, so items that compare equal keep the order they came in.",
        "That makes it easy to sort by two things: first by the minor key, then by the major.",
        "And that is sorting: sorted for a new list, sort for the same list, key for the rule.",
    ]
)
CHAT = "\n".join(
    f"{'Alex' if i % 2 == 0 else 'Sam'}: {line}"
    for i, line in enumerate(
        [
            "Are you coming to the launch tomorrow?",
            "Which launch? There are three this week.",
            "The one with the reusable booster. Six in the morning.",
            "Six? That is a very early start for a rocket.",
            "They launch at dawn because the winds are calm.",
            "Fine. Will there be coffee at the viewing site?",
            "There is a food truck, and it opens at five.",
            "Then I am in. Should I bring binoculars?",
            "Bring them. The booster lands back on the pad.",
            "It lands by itself? Like in the videos?",
            "Exactly like that. Two sonic booms, then it touches down.",
            "Okay, now I am actually excited. See you at five.",
        ]
    )
)


def make_song(path: Path, seconds: float) -> Path:
    beat = "0.7*sin(2*PI*880*t)*exp(-30*mod(t\\,0.5))+0.3*sin(2*PI*110*t)*exp(-6*mod(t\\,1))"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         f"aevalsrc={beat}:s=44100:d={seconds}", "-c:a", "libmp3lame", "-q:a", "4", str(path)],
        check=True,
    )  # fmt: skip
    return path


def produce(home: Path, resolution: str, *args: str) -> tuple[float, float, Path]:
    """Run `studio produce`; return (wall seconds, seconds from the render stage on, video)."""
    start = time.perf_counter()
    render_at: float | None = None
    proc = subprocess.Popen(
        [*STUDIO, "--home", str(home), "produce", "--resolution", resolution, *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        if render_at is None and ("Rendering" in line or "Mixing" in line):
            render_at = time.perf_counter()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"studio produce failed ({proc.returncode}) for {args}")
    video = Path(out.strip().splitlines()[-1])
    return wall, wall - (render_at - start if render_at else 0.0), video


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--resolution", default="1080p", choices=("720p", "1080p"))
    parser.add_argument("--only", help="comma-separated templates to run (default: all)")
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="studio-template-bench-") as folder:
        work = Path(folder)
        (work / "scroll.md").write_text(SCROLL, encoding="utf-8")
        (work / "chat.txt").write_text(CHAT, encoding="utf-8")
        song = make_song(work / "song.mp3", 60)
        cases = {
            "scroll": ["--template", "scroll", "--script", str(work / "scroll.md")],
            "chat": ["--template", "chat", "--script", str(work / "chat.txt")],
            "music": ["--template", "music", "--music", str(song)],
        }
        if args.only:
            cases = {k: v for k, v in cases.items() if k in args.only.split(",")}
        for run in range(args.runs):
            home = work / f"home-{run}"
            for name, case in cases.items():
                wall, render, video = produce(home, args.resolution, *case)
                length = probe(video).duration
                results.setdefault(name, []).append((wall, render, length))
                print(f"run {run + 1} {name}: {wall:.1f} s for {length:.1f} s", file=sys.stderr)
    print(
        f"| template ({args.resolution}) | video | produce, median (min-max) | "
        "render stage, median | produce / video |"
    )
    print("| --- | --- | --- | --- | --- |")
    for name, rows in results.items():
        walls = [r[0] for r in rows]
        wall = statistics.median(walls)
        length = rows[0][2]
        print(
            f"| {name} | {length:.1f} s | {wall:.1f} s ({min(walls):.1f}-{max(walls):.1f}) | "
            f"{statistics.median(r[1] for r in rows):.1f} s | {wall / length:.2f}x |"
        )


if __name__ == "__main__":
    main()
