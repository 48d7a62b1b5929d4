"""Studio's default encode keeps VMAF >= 93 against a lossless render of the same frames
(``bench/encoder_quality.py`` measures the presets and resolutions; this holds the floor).
A real twin: the same segment rendered with the lossless reference "encoder"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from studio.media.captions import Cue, write_ass
from studio.media.quality import VMAF_FLOOR, vmaf
from studio.media.segments import SegmentSpec, render_segment
from studio.media.settings import LOSSLESS_ENCODER, RenderSettings
from tests.media.support import write_picture, write_tone


def test_the_default_encode_keeps_vmaf_93(tmp_path: Path) -> None:
    settings = RenderSettings(resolution="720p")
    seconds = 1.5
    ass = write_ass([Cue(0.0, seconds, "Honeybees build their comb.")], settings,
                    tmp_path / "c.ass")
    picture = write_picture(tmp_path / "p.png", (2400, 1600))
    spec = SegmentSpec(visual_path=picture, visual_kind="image",
                       audio_path=write_tone(tmp_path / "v.wav", seconds), duration=seconds,
                       ass_path=ass, motion="zoom-in", settings=settings)
    default = render_segment(spec, tmp_path / "default.mp4")
    lossless = render_segment(
        replace(spec, settings=replace(settings, encoder=LOSSLESS_ENCODER)),
        tmp_path / "lossless.mp4",
    )
    assert lossless.stat().st_size > 3 * default.stat().st_size, "a real lossless twin"
    score = vmaf([default], [lossless], tmp_path)
    assert score.frames == spec.frame_count
    assert score.mean >= VMAF_FLOOR, score
    same = vmaf([lossless], [lossless], tmp_path)
    assert score.mean < same.mean, (score, same)  # VMAF of identical frames is ~98 here
