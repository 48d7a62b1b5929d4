"""Studio's render benchmarks (issue #6), side by side with MoviePy, in one run.

    .venv/bin/pip install "moviepy==2.2.1"       # only for --sections moviepy
    .venv/bin/python bench/render_bench.py [--runs 3] [--sections full,moviepy,...]

A reference project is made by the harness itself (no downloads): 12 scenes of about 5 s,
half still images, half video clips, captions on, background music on, at 1080p 16:9 and 9:16.
Per-scene audio (the draft voice) is made once, so render figures measure rendering.
Results print as Markdown for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.media.ffmpeg import ffmpeg_exe  # noqa: E402
from studio.media.probe import probe  # noqa: E402
from studio.pipeline import render as render_stage  # noqa: E402
from studio.pipeline import voiceover  # noqa: E402
from studio.pipeline.jobs import run_job  # noqa: E402
from studio.pipeline.visuals import choose_visual  # noqa: E402
from studio.store import Library  # noqa: E402
from studio.store.models import Project  # noqa: E402

SENTENCES = [
    "Honeybees are some of the busiest engineers on the whole planet today.",
    "Young bees start inside the hive, cleaning cells and feeding the larvae.",
    "They build wax comb in hexagons, the shape that stores the most honey.",
    "Older bees become foragers and fly up to five kilometres from home.",
    "A forager visits hundreds of flowers on a single trip out of the hive.",
    "She carries the nectar back home in a special stomach of her own.",
    "When she finds rich flowers, she tells her sisters with a waggle dance.",
    "The angle of the dance points the way toward the patch of flowers.",
    "Back in the hive, bees fan their wings to dry the nectar into honey.",
    "They seal the honey under a cap of wax to keep it for the winter.",
    "A strong colony can store more than twenty kilograms of honey a year.",
    "So remember the tiny engineers the next time you spread your toast.",
]

#: Appended to each sentence so a scene speaks for about five seconds with the draft voice.
TAILS = ["It is a busy life.", "Nobody is ever idle.", "Every bee helps.", "The hive hums."]


# --- the reference project ---------------------------------------------------------------
def make_image(path: Path, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (6, 9, 3), dtype=np.uint8)
    img = Image.fromarray(base).resize((2400, 1600), Image.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x, y, r = rng.integers(0, 2400), rng.integers(0, 1600), rng.integers(30, 200)
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    img.filter(ImageFilter.GaussianBlur(3)).save(path, quality=90)
    return path


def make_clip(path: Path, seconds: float, seed: int) -> Path:
    sources = ("testsrc2", "mandelbrot", "life=s=480x270:mold=10:r=30:ratio=0.1", "rgbtestsrc")
    source = sources[seed % 4]
    lavfi = f"{source}=size=1920x1080:rate=30" if "=" not in source else source
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    lavfi, "-t", str(seconds), "-vf", "scale=1920:1080", "-c:v", "libx264",
                    "-preset", "veryfast", "-pix_fmt", "yuv420p", str(path)], check=True)
    return path


def make_music(path: Path, seconds: float = 20.0) -> Path:
    rate = 48000
    t = np.arange(int(rate * seconds)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63)) / 3
    sf.write(path, 0.4 * chord * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * t)), rate)
    return path


def build_project(library: Library, assets: Path, scenes: int, aspect: str,
                  name: str) -> Project:
    music = assets / "music.wav"
    if not music.exists():
        make_music(music)
    project = library.create_project(name, render_settings={
        "aspect": aspect, "resolution": "1080p", "captions": True, "caption_style": "clean",
        "music_path": str(music)}, voice_id="en-us")
    library.replace_scenes(project, [(f"{SENTENCES[i % 12]} {TAILS[i % 4]}", ["bees"])
                                     for i in range(scenes)])
    with run_job(library, project, "voice") as ctx:
        voiceover.voice_project(library, project, ctx, start=0, end=1)
    for i, scene in enumerate(library.scenes(project)):
        if i % 2 == 0:
            visual = assets / f"image-{i % 12}.jpg"
            if not visual.exists():
                make_image(visual, i)
        else:
            visual = assets / f"clip-{i % 12}.mp4"
            if not visual.exists():
                make_clip(visual, 3.0 if i % 4 == 1 else 7.0, i)  # some loop, some trim
        choose_visual(library, project, scene, visual)
    return library.refresh(project)


def clear_segments(library: Library, project: Project) -> None:
    for path in (library.home.project_dir(project.id) / "segments").glob("*"):
        path.unlink()


def render_once(library: Library, project: Project) -> float:
    started = time.perf_counter()
    with run_job(library, project, "render") as ctx:
        render_stage.render_project_video(library, library.refresh(project), ctx, start=0, end=1)
    return time.perf_counter() - started


# --- measuring ---------------------------------------------------------------------------
def stats(values: list[float]) -> str:
    return (f"{statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f}, "
            f"n={len(values)})")


class TreeRss:
    """Peak resident memory of this process and all its children, sampled every 20 ms."""

    def __init__(self, root: int | None = None) -> None:
        self.root = root or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self, root: int) -> list[int]:
        children: dict[int, list[int]] = {}
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(pid))
        tree, todo = [], [root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(children.get(pid, []))
        return tree

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.02):
            total = 0
            for pid in self._tree(self.root):
                with contextlib.suppress(OSError, IndexError, ValueError):
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
            self.peak = max(self.peak, total)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the sections ------------------------------------------------------------------------
def section_full(library: Library, assets: Path, runs: int, out: list[str]) -> dict[str, float]:
    medians = {}
    out.append("### Full render (12 scenes, ~60 s, half images / half clips, captions, music)\n")
    out.append("| format | wall time | video | wall / video |\n| --- | --- | --- | --- |")
    for aspect in ("16:9", "9:16"):
        project = build_project(library, assets, 12, aspect, f"Full {aspect}")
        times = []
        for _ in range(runs):
            clear_segments(library, project)
            times.append(render_once(library, project))
        video = library.renders(project)[0]
        duration = probe(library.home.abs(video.file_path)).duration
        medians[aspect] = statistics.median(times)
        out.append(f"| 1080p {aspect} | {stats(times)} | {duration:.1f} s | "
                   f"{statistics.median(times) / duration:.2f} |")
    out.append("")
    return medians


def section_incremental(library: Library, assets: Path, runs: int, out: list[str]) -> None:
    """Each run: a full render from scratch, then one scene's text changed, then nothing.

    Paired, so each change is compared with a full render made under the same load (the
    machine may be shared); the fraction is the median of the runs' own fractions.
    """
    project = build_project(library, assets, 12, "16:9", "Incremental")
    full, one, none = [], [], []
    for n in range(runs):
        clear_segments(library, project)
        full.append(render_once(library, project))
        scene = library.scenes(project)[n % 12]
        library.update_scene(scene, text=f"{SENTENCES[(n + 5) % 12]} Version {n}.")
        started = time.perf_counter()
        with run_job(library, project, "render") as ctx:  # new voice + one segment + join
            voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=0.3)
            render_stage.render_project_video(library, library.refresh(project), ctx,
                                              start=0.3, end=1)
        one.append(time.perf_counter() - started)
        none.append(render_once(library, project))

    def fraction(times: list[float]) -> str:
        return f"{statistics.median(t / f for t, f in zip(times, full, strict=True)):.1%}"

    out.append("### Incremental re-render (1080p 16:9, 12 scenes)\n")
    out.append("| change | wall time | fraction of a full render (same run) |\n"
               "| --- | --- | --- |")
    out.append(f"| everything (full render from scratch) | {stats(full)} | 100% |")
    out.append(f"| one scene's text (new voice + one segment + soundtrack + join) | {stats(one)} | "
               f"{fraction(one)} |")
    out.append(f"| nothing | {stats(none)} | {fraction(none)} |\n")


def section_moviepy(library: Library, assets: Path, runs: int, out: list[str],
                    studio_16x9: float | None) -> None:
    from bench.moviepy_reference import render_with_moviepy

    project = library.project("Full 16:9") if studio_16x9 else build_project(
        library, assets, 12, "16:9", "Full 16:9")
    times = []
    for n in range(runs):
        started = time.perf_counter()
        render_with_moviepy(library, project, assets / f"moviepy-{n}.mp4")
        times.append(time.perf_counter() - started)
    studio_time = studio_16x9 or render_once(library, project)
    out.append("### The same video with MoviePy 2.2.1 (frame by frame in Python)\n")
    out.append("| renderer | wall time | MoviePy / Studio |\n| --- | --- | --- |")
    out.append(f"| MoviePy | {stats(times)} | {statistics.median(times) / studio_time:.1f}x |")
    out.append(f"| Studio full render | {studio_time:.2f} s | 1.0x |")
    out.append("| Studio, one scene changed | see the incremental table | MoviePy rebuilds "
               "everything |\n")


def section_voice(out: list[str]) -> None:
    from studio.engines.base import get_engine

    text = " ".join(SENTENCES[:3])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        draft = get_engine("draft")
        started = time.perf_counter()
        result = draft.synthesize(text, Path(tmp) / "d.wav", voice="en-us")
        rows.append(("Draft voice (espeak-ng)", result.duration, time.perf_counter() - started))
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from tests.engines.test_engines import write_kokoro_files

        weights = write_kokoro_files(Path(tmp) / "kokoro")
        kokoro = get_engine("kokoro", weights_dir=weights)
        kokoro.synthesize("Warm up.", Path(tmp) / "w.wav", voice="af_heart")
        started = time.perf_counter()
        result = kokoro.synthesize(text, Path(tmp) / "k.wav", voice="af_heart")
        rows.append(("Kokoro (random weights, real code path), one call for 3 sentences",
                     result.duration, time.perf_counter() - started))
        started = time.perf_counter()
        total = 0.0
        for i, sentence in enumerate(SENTENCES[:3]):
            total += kokoro.synthesize(sentence, Path(tmp) / f"s{i}.wav", voice="af_heart").duration
        rows.append(("Kokoro, per scene (3 calls)", total, time.perf_counter() - started))
    out.append("### Voice\n")
    out.append("| engine | speech | compute | speech s per compute s |\n| --- | --- | --- | --- |")
    for name, speech, compute in rows:
        out.append(f"| {name} | {speech:.1f} s | {compute:.2f} s | {speech / compute:.1f} |")
    out.append("\nThe random Kokoro model's duration head is biased to a human pace (see "
               "`tests/engines/test_engines.py`); its compute per second of speech is the real "
               "model's.\n")


def section_scale(library: Library, assets: Path, out: list[str]) -> None:
    out.append("### Scale (1080p 16:9, full render from scratch)\n")
    out.append("| scenes | video | wall time | s per video minute |\n| --- | --- | --- | --- |")
    for count in (6, 12, 24, 48):
        project = build_project(library, assets, count, "16:9", f"Scale {count}")
        clear_segments(library, project)
        wall = render_once(library, project)
        video = library.renders(project)[0].duration_seconds
        out.append(f"| {count} | {video:.0f} s | {wall:.1f} s | {wall / video * 60:.1f} |")
    out.append("")


def section_memory(library: Library, assets: Path, out: list[str]) -> None:
    """A fresh `studio render` process (not this one, which holds MoviePy's frames)."""
    project = build_project(library, assets, 120, "16:9", "Ten minutes")
    clear_segments(library, project)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "studio", "--home", str(library.home.root),
                             "render", project.id], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    with TreeRss(proc.pid) as rss:
        proc.wait()
    wall = time.perf_counter() - started
    video = library.renders(library.refresh(project))[0].duration_seconds
    out.append("### Memory (10-minute project)\n")
    out.append(f"120 scenes, {video / 60:.1f} min of 1080p video, rendered by `studio render` "
               f"in {wall:.0f} s: peak RSS of its whole process tree (Python + every ffmpeg) "
               f"**{rss.peak / 2**20:.0f} MiB**.\n")


def section_gui(out: list[str]) -> None:
    result = subprocess.run([sys.executable, str(Path(__file__).with_name("gui_bench.py"))],
                            capture_output=True, text=True, timeout=900)
    out.append(result.stdout.strip() or f"GUI bench failed: {result.stderr[-500:]}")
    out.append("")


SECTIONS = ("full", "incremental", "moviepy", "voice", "scale", "memory", "gui")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sections", default=",".join(SECTIONS))
    args = parser.parse_args()
    chosen = args.sections.split(",")
    out = [f"Machine: {os.cpu_count()} cores; `{' '.join(sys.argv)}`\n"]
    with tempfile.TemporaryDirectory() as tmp:
        library = Library.open(Path(tmp) / "home")
        assets = Path(tmp) / "assets"
        assets.mkdir()
        full = section_full(library, assets, args.runs, out) if "full" in chosen else {}
        if "incremental" in chosen:
            section_incremental(library, assets, args.runs, out)
        if "moviepy" in chosen:
            section_moviepy(library, assets, max(1, args.runs - 1), out, full.get("16:9"))
        if "voice" in chosen:
            section_voice(out)
        if "scale" in chosen:
            section_scale(library, assets, out)
        if "memory" in chosen:
            section_memory(library, assets, out)
        if "gui" in chosen:
            section_gui(out)
        print("\n".join(out), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
