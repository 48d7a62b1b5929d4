"""Render cost by resolution, the cost of framing a clip, and the Ken Burns supersample cap.

    .venv/bin/python bench/resolution_bench.py [--scenes 6] [--frames docs/look]

One run, no downloads: the harness makes a project of ``--scenes`` scenes of about 5 s (half
pictures 2400x1600, half 1080p clips; captions and music on, draft voice made once) and renders
it from scratch at 720p, 1080p, 1440p and 2160p (16:9), reporting the render time per video
minute and the peak memory of Studio and its ffmpeg children. Then one 5 s 1080p clip framed
in a 9:16 1080p segment: fill (the plain cover) against fit over blur and fit on colour. Then
one picture segment at 2160p with the supersample capped (Studio) and uncapped (2x). With
``--frames DIR`` it also saves frames of each framing of a 16:9 picture in a 9:16 video there
(``framing-*.png``). Results print as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.render_bench import (  # noqa: E402
    TreeRss,
    build_project,
    clear_segments,
    make_clip,
    make_image,
    render_once,
)
from studio.media import segments  # noqa: E402
from studio.media.probe import probe  # noqa: E402
from studio.media.segments import SegmentSpec, render_segment  # noqa: E402
from studio.media.settings import RESOLUTIONS, RenderSettings  # noqa: E402
from studio.store import Library  # noqa: E402
from tests.media.support import decode_frame, write_tone  # noqa: E402


def measured(step: Callable[[], object]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of the ffmpeg children, and peak tree memory (MB) of ``step``.

    The CPU time is the fairer figure on a shared machine: other work slows the wall clock,
    not the work ffmpeg does.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with TreeRss() as rss:
        started = time.perf_counter()
        step()
        seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu, rss.peak / 1e6


def section_resolutions(library: Library, assets: Path, scenes: int, out: list[str]) -> None:
    project = build_project(library, assets, scenes, "16:9", "Resolutions")
    out.append(f"### Render by resolution ({scenes} scenes, half pictures / half clips, 16:9)\n")
    out.append(
        "| resolution | frame | render (wall) | ffmpeg CPU | video | wall per video minute "
        "| peak memory |"
    )
    out.append("| --- | --- | --- | --- | --- | --- | --- |")
    for resolution in RESOLUTIONS:
        settings = {**(project.render_settings or {}), "resolution": resolution}
        project = library.update_project(project, render_settings=settings)
        clear_segments(library, project)
        seconds, cpu, peak = measured(lambda p=project: render_once(library, p))
        video = library.renders(project)[0]
        info = probe(library.home.abs(video.file_path))
        per_minute = seconds / info.duration * 60
        out.append(
            f"| {resolution} | {info.width}x{info.height} | {seconds:.1f} s | "
            f"{info.duration:.1f} s | {per_minute:.0f} s | {peak:.0f} MB |"
        )
    out.append("")


def _segment(visual: Path, kind: str, voice: Path, settings: RenderSettings) -> SegmentSpec:
    return SegmentSpec(
        visual_path=visual, visual_kind=kind, audio_path=voice, duration=5.0, settings=settings
    )


def section_clip_framing(assets: Path, out: list[str], runs: int = 3) -> None:
    clip = make_clip(assets / "framing-clip.mp4", 6.0, 0)
    voice = write_tone(assets / "voice5.wav", 5.0)
    base = _segment(clip, "video", voice, RenderSettings(aspect="9:16", resolution="1080p"))
    framings = ("fill", "fit-blur", "fit-colour")
    cpu: dict[str, list[float]] = {f: [] for f in framings}
    wall: dict[str, list[float]] = {f: [] for f in framings}
    for _ in range(runs):  # in turn, so the machine's load falls on each alike
        for framing in framings:
            spec = replace(base, framing=framing)
            seconds, used, _peak = measured(lambda s=spec: render_segment(s, assets / "seg.mp4"))
            wall[framing].append(seconds)
            cpu[framing].append(used)
    out.append(f"### A 1080p 16:9 clip framed in a 9:16 1080p segment (5 s; best of {runs})\n")
    out.append("| framing | wall | ffmpeg CPU | CPU vs fill |\n| --- | --- | --- | --- |")
    for framing in framings:
        out.append(
            f"| {framing} | {min(wall[framing]):.2f} s | {min(cpu[framing]):.2f} s | "
            f"{min(cpu[framing]) / min(cpu['fill']):.2f}x |"
        )
    out.append("")


def section_supersample(assets: Path, out: list[str], runs: int = 2) -> None:
    picture = make_image(assets / "ss-picture.jpg", 3)
    voice = write_tone(assets / "voice5.wav", 5.0)
    spec = _segment(picture, "image", voice, RenderSettings(resolution="2160p"))
    capped = segments.KEN_BURNS_MAX_SIDE
    sides = {capped: "3840x2160 (capped, Studio)", 7680: "7680x4320 (plain 2x)"}
    found: dict[int, list[tuple[float, float, float]]] = {side: [] for side in sides}
    for _ in range(runs):
        for side in sides:
            segments.KEN_BURNS_MAX_SIDE = side
            try:
                found[side].append(measured(lambda: render_segment(spec, assets / "ss.mp4")))
            finally:
                segments.KEN_BURNS_MAX_SIDE = capped
    out.append(
        f"### A 5 s 2160p picture segment with Ken Burns: the supersample cap (best of {runs})\n"
    )
    out.append(
        "| supersampled frame | wall | ffmpeg CPU | peak memory |\n| --- | --- | --- | --- |"
    )
    for side, label in sides.items():
        wall, cpu, peak = (min(run[k] for run in found[side]) for k in range(3))
        out.append(f"| {label} | {wall:.1f} s | {cpu:.1f} s | {peak:.0f} MB |")
    out.append("")


def subject_picture(path: Path) -> Path:
    """A 16:9 scene with a 'subject' (a figure) at the left and a sun at the right."""
    image = (
        Image.open(make_image(path.with_suffix(".base.jpg"), 7)).convert("RGB").resize((1920, 1080))
    )
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 760, 1920, 1080), fill=(40, 90, 50))
    draw.ellipse((1600, 120, 1820, 340), fill=(255, 210, 60))
    draw.ellipse((250, 330, 450, 530), fill=(240, 200, 170))  # the figure's head
    draw.rectangle((280, 530, 420, 860), fill=(200, 40, 40))
    image.save(path, quality=92)
    return path


def save_frames(folder: Path, assets: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    picture = subject_picture(assets / "subject.jpg")
    voice = write_tone(assets / "voice1.wav", 0.5)
    settings = RenderSettings(aspect="9:16", resolution="720p", captions=False)
    base = replace(_segment(picture, "image", voice, settings), duration=0.5, motion="none")
    looks = {
        "fill-focal-left": replace(base, focal=(0.18, 0.5)),
        "fill-focal-right": replace(base, focal=(0.9, 0.5)),
        "fit-blur": replace(base, framing="fit-blur"),
        "fit-colour": replace(base, framing="fit-colour", fit_colour="#1d2b3a"),
    }
    saved = []
    for name, spec in looks.items():
        segment = render_segment(spec, assets / f"{name}.mp4")
        target = folder / f"framing-{name}.png"
        frame = Image.fromarray(decode_frame(segment, 0.1)).resize((360, 640))
        frame.save(target, optimize=True)
        saved.append(target)
    Image.open(picture).resize((640, 360)).save(folder / "framing-source.png", optimize=True)
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=6)
    parser.add_argument("--frames", type=Path, default=None)
    parser.add_argument("--skip-resolutions", action="store_true")
    args = parser.parse_args()
    out: list[str] = []
    with tempfile.TemporaryDirectory(prefix="studio-resolution-bench-") as work:
        root = Path(work)
        assets = root / "assets"
        assets.mkdir()
        if args.frames is not None:
            print("saved", *save_frames(args.frames, assets))
        section_clip_framing(assets, out)
        section_supersample(assets, out)
        if not args.skip_resolutions:
            library = Library.open(root / "home")
            try:
                section_resolutions(library, assets, args.scenes, out)
            finally:
                library.close()
    print("\n".join(out))


if __name__ == "__main__":
    main()
