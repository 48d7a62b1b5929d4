"""Where the time of a one-scene change goes (issue #6's open target), step by step.

    .venv/bin/python bench/profile_one_scene.py [--runs 3] [--transition crossfade]

Each run changes one scene's text of the 12-scene reference project (new voice, one segment,
the soundtrack, the join) and times every FFmpeg step from the start of the change, so steps
that run side by side (the changed segment and the soundtrack) show as overlapping. Prints the
full render and each run's change, the timeline of the median run (with ``--transition``, 0.5 s
transitions of that kind between all scenes, and the pieces' steps in it), then each scene's segment
and the soundtrack made alone and side by side (wall and FFmpeg CPU seconds), as Markdown.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.render_bench import SENTENCES, build_project, render_once  # noqa: E402
from studio.media import aac as aac_mod  # noqa: E402
from studio.media import assemble as assemble_mod  # noqa: E402
from studio.media import ffmpeg as ffmpeg_mod  # noqa: E402
from studio.media import segments as segments_mod  # noqa: E402
from studio.media import soundtrack as soundtrack_mod  # noqa: E402
from studio.media import transitions as transitions_mod  # noqa: E402
from studio.media.segment_cache import SegmentCache  # noqa: E402
from studio.pipeline import render as render_stage  # noqa: E402
from studio.pipeline import voiceover  # noqa: E402
from studio.pipeline.jobs import run_job  # noqa: E402
from studio.progress import CancelToken, ProgressFn, run_concurrently  # noqa: E402
from studio.store import Library  # noqa: E402

Step = tuple[str, float, float]  # label, start, end (seconds from the change's start)
steps: list[Step] = []
_lock = threading.Lock()
_origin = [0.0]


def timed(name: str, fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            label = kwargs.get("stage") or name
            where = str(kwargs.get("where") or "")
            if where.endswith(".aac"):  # one chunk of the sound
                label += f" (chunk {Path(where).name[4:12]})"
            elif args and isinstance(args[0], list) and "-bsf:a" in args[0]:
                label = "sound: the chunks joined into MP4"
            with _lock:
                steps.append((label, started - _origin[0], time.perf_counter() - _origin[0]))
    return wrapper


def instrument() -> None:
    run = timed("ffmpeg", ffmpeg_mod.run_ffmpeg)
    for module in (aac_mod, assemble_mod, segments_mod, soundtrack_mod, transitions_mod):
        module.run_ffmpeg = run  # type: ignore[attr-defined]
    assemble_mod.probe = timed("probe of the result", assemble_mod.probe)  # type: ignore[attr-defined]
    render_stage.segment_for = timed("recipes of the scenes", render_stage.segment_for)
    if hasattr(render_stage, "publish_render"):  # thumbnail variants, metadata (issue #9)
        render_stage.publish_render = timed("publishing: thumbnail variants, metadata",
                                            render_stage.publish_render)


def change_one_scene(library: Library, project, n: int) -> tuple[float, list[Step]]:  # type: ignore[no-untyped-def]
    scene = library.scenes(project)[(4 + n) % 12]
    library.update_scene(scene, text=f"{SENTENCES[(n + 5) % 12]} Version {n}.")
    steps.clear()
    _origin[0] = started = time.perf_counter()
    with run_job(library, project, "render") as ctx:
        t = time.perf_counter()
        voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=0.3)
        steps.append(("voice (one scene)", t - started, time.perf_counter() - started))
        render_stage.render_project_video(library, library.refresh(project), ctx,
                                          start=0.3, end=1)
    return time.perf_counter() - started, sorted(steps, key=lambda s: s[1])


def alone_and_side_by_side(library: Library, project, work: Path) -> list[str]:  # type: ignore[no-untyped-def]
    """Scenes 4-6's segments and the soundtrack, each alone, then each segment beside it."""
    settings = render_stage.settings_for(project)
    specs = [render_stage.segment_for(library, project, scene, settings,
                                       SegmentCache(work))[0]
             for scene in library.scenes(project)]
    parts = [soundtrack_mod.SoundPart(s.audio_path, s.sample_count) for s in specs]
    made = iter(range(1000))

    def segment(index: int, *, progress: ProgressFn, cancel: CancelToken) -> object:
        return segments_mod.render_segments([specs[index]], [work / f"{next(made)}.mp4"],
                                            progress=progress, cancel=cancel)

    def sound(*, progress: ProgressFn, cancel: CancelToken) -> object:
        return soundtrack_mod.build_soundtrack(
            parts, work / f"{next(made)}.m4a", settings=settings,
            duration=sum(s.exact_duration for s in specs), progress=progress, cancel=cancel)

    def measure(*steps) -> str:  # type: ignore[no-untyped-def]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        run_concurrently([(1.0, step) for step in steps], progress=lambda f, s: None,
                         cancel=CancelToken())
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return f"{time.perf_counter() - started:.2f} s ({cpu:.2f} CPU s)"

    rows = ["| scene | segment alone | soundtrack alone | both side by side |",
            "| --- | --- | --- | --- |"]
    for index in (4, 5, 6):
        seg = partial(segment, index)
        rows.append(f"| {index + 1} ({specs[index].visual_kind}) | {measure(seg)} | "
                    f"{measure(sound)} | {measure(seg, sound)} |")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--transition", choices=transitions_mod.TRANSITIONS, default="cut")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        library = Library.open(Path(tmp) / "home")
        assets = Path(tmp) / "assets"
        assets.mkdir()
        project = build_project(library, assets, 12, "16:9", "Profile")
        library.update_project(project, render_settings={
            **project.render_settings, "transition": args.transition, "transition_duration": 0.5})
        project = library.refresh(project)
        full = render_once(library, project)
        instrument()
        runs = [change_one_scene(library, project, n) for n in range(args.runs)]
        side_by_side = alone_and_side_by_side(library, library.refresh(project), Path(tmp))
    totals = [total for total, _ in runs]
    median = statistics.median(totals)
    total, timeline = min(runs, key=lambda r: abs(r[0] - median))
    print(f"full render {full:.2f} s; one-scene change, each run: "
          + ", ".join(f"{t:.2f} s" for t in totals)
          + f"; median {median:.2f} s ({median / full:.1%})\n")
    print(f"Timeline of the median run ({total:.2f} s):\n")
    print("| step | from | to | seconds |\n| --- | --- | --- | --- |")
    recipes = [(start, end) for name, start, end in timeline if name == "recipes of the scenes"]
    if recipes:  # one row for the twelve
        timeline = [s for s in timeline if s[0] != "recipes of the scenes"]
        timeline.append(("recipes of the scenes (12, summed)", recipes[0][0],
                         recipes[0][0] + sum(end - start for start, end in recipes)))
    for name, start, end in sorted(timeline, key=lambda s: s[1]):
        print(f"| {name} | {start:.2f} | {end:.2f} | {end - start:.2f} |")
    print(f"| total (the rest: Python, SQLite, captions, recording the render) | 0.00 | "
          f"{total:.2f} | {total:.2f} |")
    print("\nThe changed segment and the soundtrack, alone and side by side:\n")
    print("\n".join(side_by_side))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
