"""Segments: exact lengths, sizes, motion, looping, captions, cache keys, errors, cancel."""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import Cancelled, InputError, MediaError
from studio.media.captions import Cue, write_ass
from studio.media.probe import probe
from studio.media.segments import SegmentSpec, render_segment, render_segments, segment_key
from studio.media.settings import RenderSettings
from studio.progress import CancelToken
from tests.media.support import (
    decode_audio,
    decode_frame,
    video_packets,
    write_clip,
    write_picture,
    write_tone,
)

SETTINGS = RenderSettings(resolution="720p")


def _spec(tmp_path: Path, **changes: object) -> SegmentSpec:
    picture = tmp_path / "picture.png"
    if not picture.exists():
        write_picture(picture, (800, 600))
    voice = tmp_path / "voice.wav"
    if not voice.exists():
        write_tone(voice, 1.23)
    base = SegmentSpec(visual_path=picture, visual_kind="image", audio_path=voice,
                       duration=1.23, ass_path=None, motion="zoom-in", settings=SETTINGS)
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("aspect", "size"),
                         [("16:9", (1280, 720)), ("9:16", (720, 1280)), ("1:1", (720, 720))])
def test_picture_segment_lasts_the_audio_to_the_frame(
    tmp_path: Path, aspect: str, size: tuple[int, int]
) -> None:
    settings = RenderSettings(aspect=aspect, resolution="720p")
    ass = write_ass([Cue(0.0, 1.2, "Bees make honey.")], settings, tmp_path / "c.ass")
    spec = _spec(tmp_path, settings=settings, ass_path=ass)
    out = render_segment(spec, tmp_path / "seg.mp4")
    info = probe(out, exact=True)
    assert (info.width, info.height) == size
    assert info.video_codec == "h264" and info.audio_codec == "flac" and info.fps == 30
    assert abs(info.duration - 1.23) < 1 / 30
    assert video_packets(out) == spec.frame_count == 37
    assert len(decode_audio(out)) == spec.sample_count == 37 * 1600
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "c.ass", "picture.png", "seg.mp4", "voice.wav"]


def test_padding_adds_silence(tmp_path: Path) -> None:
    spec = _spec(tmp_path, padding=0.5, motion="none")
    out = render_segment(spec, tmp_path / "seg.mp4")
    samples = decode_audio(out)
    assert len(samples) == spec.frame_count * 1600 == 52 * 1600
    assert np.abs(samples[: 48000]).max() > 0.1
    assert np.abs(samples[int(1.3 * 48000):]).max() < 1e-3


def test_picture_covers_the_frame(tmp_path: Path) -> None:
    settings = RenderSettings(aspect="9:16", resolution="720p")
    out = render_segment(_spec(tmp_path, settings=settings, motion="none"), tmp_path / "s.mp4")
    frame = decode_frame(out, 0.5).astype(np.float32)
    for edge in (frame[:8], frame[-8:], frame[:, :8], frame[:, -8:]):
        assert edge.mean() > 30  # picture to the edges: no black bars


def test_motion_moves_and_none_stays_still(tmp_path: Path) -> None:
    moving = render_segment(_spec(tmp_path, motion="zoom-in"), tmp_path / "zoom.mp4")
    still = render_segment(_spec(tmp_path, motion="none"), tmp_path / "still.mp4")
    for path, expect_motion in ((moving, True), (still, False)):
        first = decode_frame(path, 0.0).astype(np.float32)
        last = decode_frame(path, 1.2).astype(np.float32)
        assert (np.abs(first - last).mean() > 2) == expect_motion


@pytest.mark.parametrize("motion", ["zoom-out", "pan-left", "pan-right"])
def test_every_motion_renders(tmp_path: Path, motion: str) -> None:
    out = render_segment(_spec(tmp_path, motion=motion), tmp_path / "m.mp4")
    assert video_packets(out) == 37


def test_too_short_video_loops(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", 1.0, size="320x240", fps=30)
    voice = write_tone(tmp_path / "long.wav", 2.5)
    spec = _spec(tmp_path, visual_path=clip, visual_kind="video", audio_path=voice,
                 duration=2.5)
    out = render_segment(spec, tmp_path / "loop.mp4")
    assert video_packets(out) == 75
    assert len(decode_audio(out)) == 75 * 1600
    first_pass = decode_frame(out, 0.2).astype(np.float32)
    second_pass = decode_frame(out, 1.2).astype(np.float32)
    later = decode_frame(out, 0.6).astype(np.float32)
    assert np.abs(first_pass - second_pass).mean() < np.abs(first_pass - later).mean() / 3


def test_video_starts_at_in_point_and_drops_its_sound(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", 3.0, size="320x240", fps=30, audio=True)
    voice = write_tone(tmp_path / "short.wav", 0.5, amplitude=0.0)
    spec = _spec(tmp_path, visual_path=clip, visual_kind="video", audio_path=voice,
                 duration=0.5, in_point=2.0)
    out = render_segment(spec, tmp_path / "cut.mp4")
    assert video_packets(out) == 15
    assert np.abs(decode_audio(out)).max() < 1e-3  # the clip's 880 Hz tone is gone
    reference = render_segment(replace(spec, in_point=0.0), tmp_path / "ref.mp4")
    start = decode_frame(out, 0.0).astype(np.float32)
    assert np.abs(start - decode_frame(reference, 0.0)).mean() > 5


def test_captions_are_burned_in(tmp_path: Path) -> None:
    ass = write_ass([Cue(0.0, 1.23, "Captions are here")], SETTINGS, tmp_path / "c.ass")
    plain = render_segment(_spec(tmp_path, motion="none"), tmp_path / "plain.mp4")
    captioned = render_segment(_spec(tmp_path, motion="none", ass_path=ass),
                               tmp_path / "captioned.mp4")
    diff = np.abs(decode_frame(plain, 0.6).astype(np.float32)
                  - decode_frame(captioned, 0.6).astype(np.float32))
    changed = diff.max(axis=-1) > 40
    height = changed.shape[0]
    assert changed[2 * height // 3:].mean() > 0.02  # text in the lower third
    assert changed[: height // 2].mean() < 0.001  # nothing above it


def test_gif_pictures_work(tmp_path: Path) -> None:
    gif = tmp_path / "anim.gif"
    Image.open(write_picture(tmp_path / "p.png", (400, 300))).convert("P").save(gif)
    out = render_segment(_spec(tmp_path, visual_path=gif), tmp_path / "gif.mp4")
    assert video_packets(out) == 37


def test_what_the_file_is_wins_over_its_name_and_kind(tmp_path: Path) -> None:
    misnamed = tmp_path / "really_a_png.jpg"
    write_picture(misnamed, (400, 300))  # Pillow writes by suffix: make it PNG content
    Image.open(misnamed).save(misnamed, format="PNG")
    out = render_segment(_spec(tmp_path, visual_path=misnamed, visual_kind="video"),
                         tmp_path / "m.mp4")
    assert video_packets(out) == 37
    voice_as_visual = write_tone(tmp_path / "sound.wav", 1.0)
    with pytest.raises(InputError):
        render_segment(_spec(tmp_path, visual_path=voice_as_visual), tmp_path / "x.mp4")


def test_segment_key_tracks_everything_that_shapes_the_segment(tmp_path: Path) -> None:
    ass = write_ass([Cue(0, 1, "one")], SETTINGS, tmp_path / "c.ass")
    spec = _spec(tmp_path, ass_path=ass)
    key = segment_key(spec)
    assert key == segment_key(_spec(tmp_path, ass_path=ass))
    assert segment_key(replace(spec, motion="pan-left")) != key
    assert segment_key(replace(spec, duration=1.5)) != key
    assert segment_key(replace(spec, settings=replace(SETTINGS, caption_style="bold"))) != key
    # Music is mixed at the join, so it doesn't touch the segments.
    assert segment_key(replace(spec, settings=replace(
        SETTINGS, music_path=tmp_path / "m.mp3", music_volume=0.5))) == key
    write_ass([Cue(0, 1, "two")], SETTINGS, ass)
    assert segment_key(spec) != key
    key = segment_key(spec)
    stat = spec.audio_path.stat()
    os.utime(spec.audio_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert segment_key(spec) != key


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    spec = _spec(tmp_path, visual_path=tmp_path / "gone.png")
    with pytest.raises(InputError):
        render_segment(spec, tmp_path / "s.mp4")
    with pytest.raises(InputError):
        segment_key(spec)


def test_bad_values_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        _spec(tmp_path, motion="spin")
    with pytest.raises(InputError):
        _spec(tmp_path, visual_kind="audio")
    with pytest.raises(InputError):
        _spec(tmp_path, duration=0.0)


def test_broken_audio_is_a_readable_media_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(200))
    spec = _spec(tmp_path, audio_path=broken)
    with pytest.raises(MediaError) as caught:
        render_segment(spec, tmp_path / "s.mp4")
    message = caught.value.message
    assert "FFmpeg could not finish rendering a scene" in message
    assert "broken.wav" in message
    assert not (tmp_path / "s.mp4").exists()


def test_render_segments_in_parallel(tmp_path: Path) -> None:
    specs = [_spec(tmp_path, motion=m) for m in ("zoom-in", "pan-left", "none")]
    outs = [tmp_path / f"s{i}.mp4" for i in range(3)]
    reports: list[float] = []
    lock = threading.Lock()

    def progress(fraction: float, stage: str) -> None:
        with lock:
            reports.append(fraction)

    assert render_segments(specs, outs, jobs=2, progress=progress) == outs
    assert all(video_packets(o) == 37 for o in outs)
    assert reports[-1] == pytest.approx(1.0)
    assert all(0.0 <= f <= 1.0 for f in reports)


def test_cancel_stops_every_job_and_leaves_nothing(tmp_path: Path) -> None:
    voice = write_tone(tmp_path / "long.wav", 30.0)
    specs = [_spec(tmp_path, audio_path=voice, duration=30.0,
                   settings=RenderSettings(resolution="1080p")) for _ in range(3)]
    outs = [tmp_path / f"s{i}.mp4" for i in range(3)]
    token = CancelToken()

    def progress(fraction: float, stage: str) -> None:
        if fraction > 0.01:
            threading.Thread(target=token.cancel).start()

    with pytest.raises(Cancelled):
        render_segments(specs, outs, jobs=2, progress=progress, cancel=token)
    assert not any(o.exists() for o in outs)
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]
