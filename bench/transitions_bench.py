"""Transitions benchmark (issue #16): full render with cuts vs with crossfades, paired in one
run, and a one-scene change with each; and a frame from the middle of each kind.

    .venv/bin/python bench/transitions_bench.py [--runs 1] [--frames docs/look]

The project is render_bench's reference (no downloads) with one more sentence per scene: 10
scenes of about 6 s (~60 s), half still images, half video clips, captions and music on, 1080p
16:9, voiced by the draft voice (render figures measure rendering). Each run renders from an
empty cache with cuts and changes one scene's text (voice, render), then the same with 0.5 s
crossfades: paired, so both see the same load. Results print as Markdown for docs/benchmarks.md.
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

import resource  # noqa: E402

from bench.render_bench import build_project, clear_segments, make_image  # noqa: E402
from bench.render_bench import render_once as _render_once  # noqa: E402
from studio.media.ffmpeg import ffmpeg_exe  # noqa: E402
from studio.media.probe import probe  # noqa: E402
from studio.media.segments import Handles, SegmentSpec, render_segment  # noqa: E402
from studio.media.settings import RenderSettings  # noqa: E402
from studio.media.transitions import TRANSITIONS, TransitionSpec, render_transition  # noqa: E402
from studio.pipeline import voiceover  # noqa: E402
from studio.pipeline.jobs import run_job  # noqa: E402
from studio.store import Library  # noqa: E402
from studio.store.models import Project  # noqa: E402

SCENES = 10
#: The scene each run changes (0-based): the fifth, a picture with motion.
CHANGED = 4
#: CPU seconds (Studio and its ffmpeg processes) of each render_once, in order: on a machine
#: shared with other work the wall time varies with their load, the CPU time much less.
CPU: list[float] = []


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def render_once(library: Library, project: Project) -> float:
    """render_bench's render (wall seconds returned), its CPU seconds noted in ``CPU``."""
    before = _cpu()
    seconds = _render_once(library, project)
    CPU.append(_cpu() - before)
    return seconds


def _set_transition(library: Library, project: Project, kind: str) -> None:
    settings = {**library.refresh(project).render_settings, "transition": kind}
    library.update_project(project, render_settings={**settings, "transition_duration": 0.5})


def _cache(library: Library, project: Project) -> dict[str, int]:
    folder = library.home.project_dir(project.id) / "segments"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mp4")}


def _change_one(
    library: Library, project: Project, index: int, base: str, note: str
) -> tuple[float, float, int]:
    """Set scene ``index``'s text to ``base`` and ``note`` (replacing the last change's note, so
    the scene keeps its length from change to change), voice it, render: the voice's and the
    render's time, and the files written."""
    before = _cache(library, project)
    scene = library.scenes(project)[index]
    library.update_scene(scene, text=f"{base} {note}")
    started = time.perf_counter()
    with run_job(library, project, "voice") as ctx:
        voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=1)
    voice = time.perf_counter() - started
    seconds = render_once(library, project)
    after = _cache(library, project)
    return seconds, voice, sum(1 for name, mtime in after.items() if before.get(name) != mtime)


def one_run(library: Library, project: Project, run: int) -> dict[str, float]:
    """Cuts from scratch and scene 5 changed, then crossfades from scratch and scene 5 changed
    again (paired: the same load, the same scene, a picture with motion, for both). Each change
    replaces the note of the one before, so the changed scene stays as long as a typical one
    (a note appended each time made it twice as long by the second run, and its change cost
    twice a typical scene's)."""
    base = library.scenes(project)[CHANGED].text.split(" Change ")[0]
    _set_transition(library, project, "cut")
    clear_segments(library, project)
    cut = render_once(library, project)
    cut_change, _, _ = _change_one(
        library, project, CHANGED, base, f"Change {2 * run + 1} made this."
    )
    _set_transition(library, project, "crossfade")
    clear_segments(library, project)
    faded = render_once(library, project)
    change, voice, written = _change_one(
        library, project, CHANGED, base, f"Change {2 * run + 2} made this."
    )
    cpu = dict(zip(("cut", "cut_change", "faded", "change"), CPU[-4:], strict=True))
    return {
        "cut": cut,
        "faded": faded,
        "change": change,
        "cut_change": cut_change,
        "voice": voice,
        "written": written,
        **{f"cpu_{k}": v for k, v in cpu.items()},
    }


def lengthen(library: Library, project: Project) -> None:
    """One more sentence per scene (about 6 s each, ~60 s in all), voiced."""
    for scene in library.scenes(project):
        library.update_scene(scene, text=f"{scene.text} Bees work hard.")
    with run_job(library, project, "voice") as ctx:
        voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=1)


def benchmark(runs: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="studio-transitions-bench-") as tmp:
        library = Library.open(Path(tmp) / "home")
        try:
            assets = Path(tmp) / "assets"
            assets.mkdir()
            project = build_project(library, assets, SCENES, "16:9", "Transitions")
            lengthen(library, project)
            results = [one_run(library, project, run) for run in range(runs)]
            video = probe(library.home.abs(library.renders(project)[0].file_path)).duration
        finally:
            library.close()
    out = [
        f"### Transitions (10 scenes, {video:.1f} s, 1080p 16:9, captions, music; "
        f"0.5 s crossfades)\n",
        "| run | full, cuts | full, crossfades | crossfades / cuts | one-scene change, cuts "
        "| one-scene change, crossfades | change / full (crossfades) | files written "
        "| its voice (apart) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i, r in enumerate(results, start=1):
        out.append(
            f"| {i} | {r['cut']:.2f} s | {r['faded']:.2f} s | {r['faded'] / r['cut']:.2f} | "
            f"{r['cut_change']:.2f} s ({100 * r['cut_change'] / r['cut']:.0f} %) | "
            f"{r['change']:.2f} s | {100 * r['change'] / r['faded']:.0f} % | {r['written']:.0f} | "
            f"{r['voice']:.2f} s |"
        )
    out += [
        "\nCPU seconds (Studio and its ffmpeg processes; steadier than wall time on a shared "
        "machine):\n",
        "| run | full, cuts | full, crossfades | crossfades / cuts | change, cuts "
        "| change, crossfades | change / full (crossfades) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for i, r in enumerate(results, start=1):
        out.append(
            f"| {i} | {r['cpu_cut']:.1f} | {r['cpu_faded']:.1f} | "
            f"{r['cpu_faded'] / r['cpu_cut']:.2f} | {r['cpu_cut_change']:.1f} | "
            f"{r['cpu_change']:.1f} | {100 * r['cpu_change'] / r['cpu_faded']:.0f} % |"
        )
    if runs > 1:
        ratio = statistics.median(r["change"] / r["faded"] for r in results)
        cpu_ratio = statistics.median(r["cpu_change"] / r["cpu_faded"] for r in results)
        out.append(
            f"\nMedian one-scene change: {100 * ratio:.0f} % of a full render "
            f"({100 * cpu_ratio:.0f} % in CPU time)."
        )
    return out


def save_frames(folder: Path) -> list[Path]:
    """The middle frame of a 1 s transition of each kind between two pictures (720p); for
    fade-black, whose middle is black, the frame a third of the way in."""
    folder.mkdir(parents=True, exist_ok=True)
    settings = RenderSettings(resolution="720p", captions=False)
    saved = []
    with tempfile.TemporaryDirectory(prefix="studio-transition-frames-") as tmp:
        work = Path(tmp)
        tone = work / "silence.wav"
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "anullsrc=r=24000",
                "-t",
                "3",
                str(tone),
            ],
            check=True,
        )
        tail, head = work / "tail.mp4", work / "head.mp4"
        for seed, handles in (
            (1, Handles(tail=15, tail_path=tail)),
            (6, Handles(head=15, head_path=head)),
        ):
            spec = SegmentSpec(
                visual_path=make_image(work / f"{seed}.jpg", seed),
                visual_kind="image",
                audio_path=tone,
                duration=3.0,
                motion="none",
                settings=settings,
            )
            render_segment(spec, work / f"{seed}.mp4", handles=handles)
        for kind in TRANSITIONS[1:]:
            piece = render_transition(
                TransitionSpec(kind, 15, 15, tail, head, settings), work / f"{kind}.mp4"
            )
            target = folder / f"transition-{kind}.png"
            subprocess.run(
                [
                    ffmpeg_exe(),
                    "-v",
                    "error",
                    "-y",
                    "-i",
                    str(piece),
                    "-vf",
                    f"select=eq(n\\,{10 if kind == 'fade-black' else 15}),scale=640:-2",
                    "-frames:v",
                    "1",
                    "-update",
                    "1",
                    str(target),
                ],
                check=True,
            )
            saved.append(target)
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--frames", type=Path, help="save a frame of each kind in this folder")
    parser.add_argument("--no-bench", action="store_true", help="only save the frames")
    args = parser.parse_args()
    if args.frames:
        for path in save_frames(args.frames):
            print(f"saved {path}")
    if not args.no_bench:
        print("\n".join(benchmark(args.runs)))


if __name__ == "__main__":
    main()
