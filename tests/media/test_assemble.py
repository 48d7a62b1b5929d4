"""The join: exact length and sync, music ducked under the voice, thumbnail, SRT, odd paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import Cancelled, InputError
from studio.media.assemble import assemble, concat_list
from studio.media.captions import Cue, build_cues, write_ass
from studio.media.probe import probe
from studio.media.segments import SegmentSpec, render_segment
from studio.media.settings import RenderSettings
from studio.progress import CancelToken
from tests.media.support import (
    decode_audio,
    decode_frame,
    tone_level,
    video_packets,
    write_clip,
    write_picture,
    write_tone,
)

SETTINGS = RenderSettings(resolution="720p")


def _segment(tmp_path: Path, name: str, seconds: float, freq: float, *, kind: str = "image",
             threads: int | None = 1, settings: RenderSettings = SETTINGS,
             silent_from: float | None = None) -> tuple[Path, SegmentSpec]:
    voice = write_tone(tmp_path / f"{name}.wav", seconds, freq=freq, silent_from=silent_from)
    if kind == "image":
        visual = write_picture(tmp_path / f"{name}.png", (640, 480))
    else:
        visual = write_clip(tmp_path / f"{name}.mp4", 0.8, size="320x240", fps=25)
    spec = SegmentSpec(visual, kind, voice, seconds, None, "zoom-in", settings=settings)
    out = render_segment(spec, tmp_path / f"{name}-segment.mp4", threads=threads)
    return out, spec


def test_three_segments_join_exactly_and_stay_in_sync(tmp_path: Path) -> None:
    parts = [
        _segment(tmp_path, "one", 1.1, 300.0),
        _segment(tmp_path, "two", 0.7, 700.0, kind="video", threads=2),
        _segment(tmp_path, "three", 1.35, 1100.0),
    ]
    total = sum(spec.duration for _, spec in parts)
    cues = [Cue(0.0, 1.0, "First."), Cue(1.1, 1.8, "Second.")]
    result = assemble([p for p, _ in parts], tmp_path / "video.mp4", settings=SETTINGS,
                      total_duration=total, cues=cues)
    assert result.path == tmp_path / "video.mp4"
    assert abs(result.duration - total) < 1 / 30
    assert result.size_bytes == result.path.stat().st_size
    info = probe(result.path, exact=True)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert (info.width, info.height) == (1280, 720)
    assert abs(info.duration - total) < 1 / 30
    assert video_packets(result.path) == sum(spec.frame_count for _, spec in parts) == 95
    audio = decode_audio(result.path)
    assert abs(len(audio) / 48000 - total) < 1 / 30
    # Each voice starts exactly where its segment starts (1.1 s and 1.8 s): no drift.
    def dominant(start: float, end: float) -> float:
        window = audio[int(start * 48000):int(end * 48000)]
        return max((300.0, 700.0, 1100.0), key=lambda f: tone_level(window, f))

    assert dominant(0.90, 1.09) == 300.0
    assert dominant(1.11, 1.79) == 700.0
    assert dominant(1.81, 2.4) == 1100.0
    assert result.thumbnail == tmp_path / "video.jpg"
    with Image.open(result.thumbnail) as thumb:
        assert thumb.format == "JPEG" and thumb.width == 640
    assert result.srt == tmp_path / "video.srt"
    assert result.srt.read_text(encoding="utf-8").startswith("1\n00:00:00,000 --> 00:00:01,000")
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_music_is_ducked_under_the_voice(tmp_path: Path) -> None:
    # Two seconds of voice, then two of silence: the music must be quieter under the voice.
    segment, spec = _segment(tmp_path, "voice", 4.0, 220.0, silent_from=2.0)
    music = write_tone(tmp_path / "music.wav", 3.0, freq=1000.0, amplitude=0.5, rate=44100)
    settings = RenderSettings(resolution="720p", music_path=music, music_volume=0.5)
    result = assemble([segment], tmp_path / "mixed.mp4", settings=settings,
                      total_duration=spec.duration)
    audio = decode_audio(result.path)
    assert abs(len(audio) / 48000 - 4.0) < 1 / 30
    under_voice = tone_level(audio[int(0.5 * 48000):int(1.8 * 48000)], 1000.0)
    alone = tone_level(audio[int(3.0 * 48000):int(3.9 * 48000)], 1000.0)
    assert under_voice > 0.001  # the music plays under the voice ...
    assert alone > 2 * under_voice  # ... but ducked (measured: about 6x quieter)
    assert tone_level(audio[int(0.5 * 48000):int(1.8 * 48000)], 220.0) > under_voice


def test_music_must_be_usable(tmp_path: Path) -> None:
    segment, spec = _segment(tmp_path, "voice", 0.5, 220.0)
    short = write_tone(tmp_path / "short.wav", 0.5)
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\x00" * 1000)
    for music in (short, broken, tmp_path / "missing.mp3"):
        settings = RenderSettings(resolution="720p", music_path=music)
        with pytest.raises(InputError):
            assemble([segment], tmp_path / "out.mp4", settings=settings, total_duration=0.5)
        assert not (tmp_path / "out.mp4").exists()


def test_missing_segment(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        assemble([tmp_path / "gone.mp4"], tmp_path / "out.mp4", settings=SETTINGS,
                 total_duration=1.0)
    with pytest.raises(InputError):
        assemble([], tmp_path / "out.mp4", settings=SETTINGS, total_duration=1.0)


def test_cancelled_assemble_leaves_nothing(tmp_path: Path) -> None:
    segment, spec = _segment(tmp_path, "voice", 0.5, 220.0)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        assemble([segment], tmp_path / "out.mp4", settings=SETTINGS, total_duration=0.5,
                 cancel=token)
    assert not (tmp_path / "out.mp4").exists()
    assert not (tmp_path / "out.jpg").exists()


def test_concat_list_quotes_paths(tmp_path: Path) -> None:
    listing = concat_list([tmp_path / "it's here.mp4"])
    assert listing.splitlines()[1] == f"file '{tmp_path.as_posix()}/it'\\''s here.mp4'"
    with pytest.raises(InputError):
        concat_list([tmp_path / "line\nbreak.mp4"])


def test_odd_paths_work_end_to_end(tmp_path: Path) -> None:
    folder = tmp_path / "Ünïcode 名前 it's [a], b; c=d 100%"
    folder.mkdir()
    settings = RenderSettings(resolution="720p", caption_style="boxed")
    voice = write_tone(folder / "voice 'one'.wav", 1.0)
    picture = write_picture(folder / "picture, ü.png", (640, 480))
    cues = build_cues("Captions survive odd paths.", None, 1.0)
    ass = write_ass(cues, settings, folder / "caps: [1].ass")
    music = write_tone(folder / "müsic's.wav", 2.0, freq=1000.0, rate=44100)
    spec = SegmentSpec(picture, "image", voice, 1.0, ass, "none", settings=settings)
    plain = render_segment(SegmentSpec(picture, "image", voice, 1.0, None, "none",
                                       settings=settings), folder / "plain; seg.mp4")
    segment = render_segment(spec, folder / "seg 'a' [1].mp4")
    diff = np.abs(decode_frame(segment, 0.5).astype(np.float32)
                  - decode_frame(plain, 0.5).astype(np.float32))
    assert diff.max(axis=-1).mean() > 1  # the captions were found and drawn
    result = assemble([segment], folder / "finished, it's ü.mp4",
                      settings=RenderSettings(resolution="720p", music_path=music),
                      total_duration=1.0)
    assert abs(result.duration - 1.0) < 1 / 30
    assert result.thumbnail is not None and result.thumbnail.is_file()
