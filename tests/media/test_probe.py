"""Probing real files, and clear InputErrors for files Studio can't use."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from studio.errors import InputError
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.probe import audio_duration, probe
from tests.media.support import write_clip, write_picture, write_tone


def test_probe_mp4_streams_duration_and_size(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", 2.0, size="320x240", fps=25, audio=True)
    info = probe(clip)
    assert info.kind == "video"
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (320, 240)
    assert info.fps == 25
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert info.duration == pytest.approx(2.0, abs=0.05)
    exact = probe(clip, exact=True)
    assert exact.duration == pytest.approx(2.0, abs=1 / 25)


def test_probe_video_without_audio(tmp_path: Path) -> None:
    info = probe(write_clip(tmp_path / "silent.mp4", 1.0))
    assert info.has_video and not info.has_audio and info.audio_codec is None


def test_probe_rotated_phone_video_reports_display_size(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "landscape.mp4", 0.5, size="320x240")
    rotated = tmp_path / "portrait.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-display_rotation", "90", "-i", str(clip),
                    "-c", "copy", str(rotated)], check=True, timeout=30)
    info = probe(rotated)
    assert (info.width, info.height) == (240, 320)


def test_probe_audio(tmp_path: Path) -> None:
    wav = write_tone(tmp_path / "voice.wav", 1.5)
    info = probe(wav)
    assert info.kind == "audio" and info.has_audio and not info.has_video
    assert info.duration == pytest.approx(1.5, abs=0.02)
    assert audio_duration(wav) == pytest.approx(1.5, abs=1e-6)


def test_audio_duration_of_compressed_audio(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "with_sound.mp4", 1.0, audio=True)
    assert audio_duration(clip) == pytest.approx(1.0, abs=0.05)


def test_probe_picture(tmp_path: Path) -> None:
    picture = write_picture(tmp_path / "p.png", (640, 360))
    info = probe(picture)
    assert info.kind == "image"
    assert (info.width, info.height) == (640, 360)
    assert info.duration == 0.0 and not info.has_audio


def test_probe_picture_applies_exif_rotation(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90 degrees
    path = tmp_path / "phone.jpg"
    Image.new("RGB", (400, 200), (200, 30, 30)).save(path, exif=exif.tobytes())
    info = probe(path)
    assert (info.width, info.height) == (200, 400)


@pytest.mark.parametrize("name", ["empty.mp4", "empty.png", "empty.wav"])
def test_zero_byte_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    with pytest.raises(InputError) as caught:
        probe(path)
    assert "empty" in caught.value.message and str(path) in caught.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        probe(tmp_path / "gone.mp4")
    assert "does not exist" in caught.value.message


def test_corrupt_video(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError) as caught:
        probe(path)
    assert "damaged" in caught.value.message and str(path) in caught.value.message


def test_wrong_type(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("these are my notes, not a picture\n" * 20)
    with pytest.raises(InputError) as caught:
        probe(path)
    assert str(path) in caught.value.message
    assert caught.value.fix


def test_truncated_picture(tmp_path: Path) -> None:
    whole = write_picture(tmp_path / "whole.jpg", (800, 600))
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    with pytest.raises(InputError) as caught:
        probe(cut)
    assert "damaged or incomplete" in caught.value.message


def test_truncated_video_is_detected(tmp_path: Path) -> None:
    clip = write_clip(tmp_path / "clip.mp4", 3.0, size="320x240")
    faststart = tmp_path / "faststart.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(clip), "-c", "copy",
                    "-movflags", "+faststart", str(faststart)], check=True, timeout=30)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(faststart.read_bytes()[: faststart.stat().st_size // 4])
    with pytest.raises(InputError) as caught:
        probe(cut, exact=True)
    assert "cut short" in caught.value.message
    # Without its index (moov at the end, cut off) a file can't be opened at all.
    no_index = tmp_path / "no_index.mp4"
    no_index.write_bytes(clip.read_bytes()[: clip.stat().st_size // 2])
    with pytest.raises(InputError):
        probe(no_index)


def test_decompression_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    picture = write_picture(tmp_path / "big.png", (400, 300))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(InputError) as caught:
        probe(picture)
    assert "too large" in caught.value.message


def test_audio_duration_of_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "voice.wav"
    path.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    with pytest.raises(InputError):
        audio_duration(path)
