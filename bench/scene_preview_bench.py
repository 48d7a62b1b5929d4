"""Edit-to-ready time of a scene's preview with picture (a 5 s scene, 1080p project settings).

    .venv/bin/python bench/scene_preview_bench.py [--runs 5] [--aspect 16:9] [--clip]

Each run takes a fresh library and one scene of about 5 s of speech with a 1920x1080 picture
(``--clip``: a 1080p video clip) moving (zoom-in) and captions on, and times
``make_scene_preview`` (what the scene's ▶ runs on the job runner) for:

* cold: the text was just typed: voice + proxy;
* warm: nothing changed since (served from the cache);
* visual changed: another picture chosen: proxy only;
* motion changed: the same picture, another move: proxy only;
* for reference, the same scene encoded as the render encodes it (full size, its preset).

The voice is whatever the library has (the draft voice here: Kokoro adds its synthesis time,
about 0.28 s per second of speech on two cores, docs/benchmarks.md). Prints a Markdown table
of medians (and the worst run) for docs/benchmarks.md.
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

from PIL import Image  # noqa: E402

from studio.media.ffmpeg import ffmpeg_exe  # noqa: E402
from studio.media.segment_cache import SegmentCache  # noqa: E402
from studio.media.segments import render_segment  # noqa: E402
from studio.pipeline.jobs import run_job  # noqa: E402
from studio.pipeline.render import segment_for  # noqa: E402
from studio.pipeline.scene_preview import ScenePreview, make_scene_preview  # noqa: E402
from studio.pipeline.templates import settings_for  # noqa: E402
from studio.store import Library  # noqa: E402

TEXT = (
    "Bees dance in the dark hive to tell their sisters where the best flowers grow today, "
    "and how far."
)


def picture(path: Path, colour: tuple[int, int, int]) -> Path:
    image = Image.linear_gradient("L").resize((1920, 1080)).convert("RGB")
    Image.blend(image, Image.new("RGB", image.size, colour), 0.6).save(path, quality=90)
    return path


def clip(path: Path) -> Path:
    subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1920x1080:rate=30:duration=6",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path


def timed(library: Library, project_id: str, scene_id: str) -> tuple[float, ScenePreview]:
    project = library.project(project_id)
    started = time.perf_counter()
    with run_job(library, project, "preview") as ctx:
        result = make_scene_preview(library, project, scene_id, ctx)
    return time.perf_counter() - started, result


def full_segment(library: Library, project_id: str, scene_id: str) -> float:
    """Seconds to encode the same scene as the render does (full size, the render's preset)."""
    project = library.project(project_id)
    cache = SegmentCache(Path(tempfile.mkdtemp(prefix="studio-full-", dir=library.home.root)))
    spec, _cues = segment_for(
        library, project, library.scene(scene_id), settings_for(project), cache.ensure()
    )
    started = time.perf_counter()
    render_segment(spec, cache.segment("full"))
    return time.perf_counter() - started


def one_run(aspect: str, use_clip: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="studio-preview-bench-") as tmp:
        library = Library.open(Path(tmp) / "home")
        try:
            project = library.create_project(
                "Bench", render_settings={"resolution": "1080p", "aspect": aspect, "captions": True}
            )
            scene = library.replace_scenes(project, [(TEXT, ["bees"])])[0]
            visuals = library.home.project_dir(project.id, create=True) / "visuals"
            first = (
                clip(visuals / "clip.mp4")
                if use_clip
                else picture(visuals / "a.jpg", (200, 120, 20))
            )
            kind = "video" if use_clip else "image"
            library.select_clip(scene, first, kind=kind, source="file", motion="zoom-in")
            times: dict[str, float] = {}
            times["cold"], result = timed(library, project.id, scene.id)
            assert result.voiced and not result.cached
            times["warm"], result = timed(library, project.id, scene.id)
            assert result.cached
            other = picture(visuals / "b.jpg", (20, 80, 200))
            library.select_clip(
                library.scene(scene.id), other, kind="image", source="file", motion="zoom-in"
            )
            times["visual changed"], result = timed(library, project.id, scene.id)
            assert not result.cached and not result.voiced
            library.select_clip(
                library.scene(scene.id), other, kind="image", source="file", motion="pan-left"
            )
            times["motion changed"], result = timed(library, project.id, scene.id)
            times["scene seconds"] = result.duration
            times["the render's own segment (reference)"] = full_segment(
                library, project.id, scene.id
            )
            return times
        finally:
            library.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--aspect", default="16:9")
    parser.add_argument("--clip", action="store_true", help="the first visual is a video clip")
    args = parser.parse_args()
    runs = [one_run(args.aspect, args.clip) for _ in range(args.runs)]
    print(
        f"`{' '.join(sys.argv)}` ({args.runs} runs, scene "
        f"{statistics.median(r['scene seconds'] for r in runs):.2f} s)\n"
    )
    print("| edit | median | worst |\n| --- | --- | --- |")
    for case in (
        "cold",
        "warm",
        "visual changed",
        "motion changed",
        "the render's own segment (reference)",
    ):
        values = [r[case] for r in runs]
        print(f"| {case} | {statistics.median(values):.3f} s | {max(values):.3f} s |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
