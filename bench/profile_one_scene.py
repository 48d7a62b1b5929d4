"""Where the time of a one-scene change goes (issue #6's open target), step by step.

    .venv/bin/python bench/profile_one_scene.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.render_bench import build_project, render_once  # noqa: E402
from studio.media import assemble as assemble_mod  # noqa: E402
from studio.media import ffmpeg as ffmpeg_mod  # noqa: E402
from studio.pipeline import render as render_stage  # noqa: E402
from studio.pipeline import voiceover  # noqa: E402
from studio.pipeline.jobs import run_job  # noqa: E402
from studio.store import Library  # noqa: E402

steps: list[tuple[str, float]] = []


def timed(name: str, fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            label = kwargs.get("stage") or name
            steps.append((label, time.perf_counter() - started))
    return wrapper


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        library = Library.open(Path(tmp) / "home")
        assets = Path(tmp) / "assets"
        assets.mkdir()
        project = build_project(library, assets, 12, "16:9", "Profile")
        full = render_once(library, project)
        ffmpeg_mod.run_ffmpeg = timed("ffmpeg", ffmpeg_mod.run_ffmpeg)
        assemble_mod.run_ffmpeg = ffmpeg_mod.run_ffmpeg
        import studio.media.segments as segments_mod

        segments_mod.run_ffmpeg = ffmpeg_mod.run_ffmpeg
        assemble_mod.probe = timed("probe of the result", assemble_mod.probe)
        scene = library.scenes(project)[4]
        library.update_scene(scene, text="A forager waggles to point her sisters at clover.")
        started = time.perf_counter()
        with run_job(library, project, "render") as ctx:
            t = time.perf_counter()
            voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=0.3)
            steps.insert(0, ("voice (one scene)", time.perf_counter() - t))
            render_stage.render_project_video(library, library.refresh(project), ctx,
                                              start=0.3, end=1)
        total = time.perf_counter() - started
    print(f"full render {full:.2f} s; one-scene change {total:.2f} s ({total / full:.1%})\n")
    print("| step | seconds |\n| --- | --- |")
    for name, seconds in steps:
        print(f"| {name} | {seconds:.2f} |")
    accounted = sum(s for _, s in steps if s)
    print(f"| everything else (Python, SQLite, captions, slides) | {total - accounted:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
