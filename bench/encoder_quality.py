"""Quality held, not only speed: VMAF of each encoder choice against a lossless render.

    .venv/bin/python bench/encoder_quality.py [--resolutions 720p,1080p] [--threads 2]

One run, no downloads. A small real project of three scenes (~10 s: a picture zooming in, a
busy video clip, a picture panning; captions burned into each) is rendered scene by scene
through Studio's own segment renderer (``render_segment``, the render stage's encode) at each
resolution: once losslessly (x264 ``-qp 0``, the reference: the same frames, unencoded in
effect), then with Studio's x264 settings at each preset considered (ultrafast, superfast -
Studio's default -, veryfast, faster) and with every hardware encoder that opens on this
machine (``studio.media.encoders``). For each it reports VMAF (FFmpeg's libvmaf filter, model
vmaf_v0.6.1, mean and worst frame over the whole video), the CPU seconds of the render's
FFmpeg processes (filters included, so the presets' differences are the encoder's) and the
size. The segments of a video are joined by stream copy, so the video's frames are exactly
its segments' frames: VMAF over the segments is VMAF of the finished picture.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.render_bench import make_clip, make_image  # noqa: E402
from studio.encoder_kinds import X264  # noqa: E402
from studio.media.captions import Cue, write_ass  # noqa: E402
from studio.media.encoders import available_encoders  # noqa: E402
from studio.media.quality import vmaf  # noqa: E402
from studio.media.segments import SegmentSpec, render_segment  # noqa: E402
from studio.media.settings import LOSSLESS_ENCODER, VIDEO_PRESET, RenderSettings  # noqa: E402
from tests.media.support import write_tone  # noqa: E402

#: x264 presets considered against Studio's default (``VIDEO_PRESET``).
PRESETS = ("ultrafast", "superfast", "veryfast", "faster")


@dataclass(frozen=True)
class Variant:
    """One way of encoding: an encoder, and x264's preset (None for other encoders)."""

    encoder: str
    preset: str | None = None

    @property
    def label(self) -> str:
        if self.encoder == X264:
            default = " (default)" if self.preset == VIDEO_PRESET else ""
            return f"x264 {self.preset}{default}"
        return self.encoder


def render_variant(specs: Sequence[SegmentSpec], variant: Variant, folder: Path,
                   threads: int) -> tuple[list[Path], float]:
    """Each scene's segment with ``variant``; returns the files and the CPU seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    outs = []
    for index, spec in enumerate(specs):
        settings = replace(spec.settings, encoder=variant.encoder)
        out = folder / f"scene-{index}.mp4"
        render_segment(replace(spec, settings=settings), out, threads=threads,
                       preset=variant.preset or VIDEO_PRESET)
        outs.append(out)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return outs, cpu


def scenes(assets: Path, settings: RenderSettings) -> list[SegmentSpec]:
    """The project: a picture zooming in, a busy clip, a picture panning; captions on each."""
    assets.mkdir(parents=True, exist_ok=True)
    plan = [
        ("image", make_image(assets / "one.jpg", 1), "zoom-in", 3.5,
         "Honeybees build their comb from wax."),
        ("video", make_clip(assets / "two.mp4", 4.0, 1), "none", 3.0,
         "A forager dances to show the way."),
        ("image", make_image(assets / "three.jpg", 2), "pan-left", 3.5,
         "Honey is nectar, dried and sealed."),
    ]
    specs = []
    for index, (kind, visual, motion, seconds, text) in enumerate(plan):
        voice = write_tone(assets / f"voice-{index}.wav", seconds)
        ass = write_ass([Cue(0.0, seconds, text)], settings,
                        assets / f"captions-{settings.resolution}-{index}.ass")
        specs.append(SegmentSpec(visual_path=visual, visual_kind=kind, audio_path=voice,
                                 duration=seconds, ass_path=ass, motion=motion,
                                 settings=settings))
    return specs


def measure(resolution: str, variants: Sequence[Variant], work: Path,
            threads: int) -> list[str]:
    """The Markdown rows for one resolution."""
    settings = RenderSettings(resolution=resolution)
    specs = scenes(work / "assets", settings)
    reference, _ = render_variant(specs, Variant(LOSSLESS_ENCODER), work / "lossless", threads)
    rows = []
    default_size = None
    for variant in variants:
        outs, cpu = render_variant(specs, variant, work / variant.label.replace(" ", "-"),
                                   threads)
        score = vmaf(outs, reference, work, threads)
        size = sum(p.stat().st_size for p in outs)
        if variant.preset == VIDEO_PRESET:
            default_size = size
        rows.append((variant, score, cpu, size))
        print(f"{resolution} {variant.label}: VMAF {score.mean:.2f} (worst {score.worst:.2f}), "
              f"{cpu:.1f} CPU s, {size / 1e6:.2f} MB", file=sys.stderr)
    lines = []
    for variant, score, cpu, size in rows:
        relative = f"{size / default_size:.2f}x" if default_size else "-"
        lines.append(f"| {resolution} | {variant.label} | {score.mean:.2f} | {score.worst:.2f} "
                     f"| {cpu:.1f} | {size / 1e6:.2f} MB | {relative} |")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--resolutions", default="720p,1080p")
    parser.add_argument("--threads", type=int, default=2, help="ffmpeg threads per encode")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="studio-encoder-quality-") as tmp:
        work = Path(tmp)
        found = [name for name in available_encoders(work / "cache") if name != X264]
        print(f"hardware encoders that open here: {', '.join(found) or 'none'}",
              file=sys.stderr)
        variants = [Variant(X264, preset) for preset in PRESETS]
        variants += [Variant(name) for name in found]
        lines = [
            "| Resolution | Encoder | VMAF mean | VMAF worst frame | Render CPU s | Size | "
            "Size vs default |",
            "|---|---|---|---|---|---|---|",
        ]
        for resolution in args.resolutions.split(","):
            lines += measure(resolution, variants, work / resolution, args.threads)
        print(f"Hardware encoders that open here: {', '.join(found) or 'none'}\n")
        print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
