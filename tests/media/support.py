"""Real media for the media tests: tones, pictures and clips made on the spot, and decoders.

Not a test module itself (it holds no tests); the ``test_media_*`` modules import it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image, ImageDraw

from studio.media.ffmpeg import ffmpeg_exe

VOICE_RATE = 24000


def write_tone(
    path: Path,
    seconds: float,
    *,
    freq: float = 220.0,
    amplitude: float = 0.3,
    rate: int = VOICE_RATE,
    silent_from: float | None = None,
) -> Path:
    """A mono 16-bit WAV sine (silent from ``silent_from`` seconds on, if given)."""
    t = np.arange(round(seconds * rate)) / rate
    signal = amplitude * np.sin(2 * np.pi * freq * t)
    if silent_from is not None:
        signal[t >= silent_from] = 0.0
    sf.write(path, signal.astype(np.float32), rate, subtype="PCM_16")
    return path


def write_picture(path: Path, size: tuple[int, int] = (800, 600)) -> Path:
    """A picture with structure (gradient, shapes) so motion and crops are visible."""
    width, height = size
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    rgb = np.dstack([x, y, 255 - x]).astype(np.uint8)
    img = Image.fromarray(rgb)
    draw = ImageDraw.Draw(img)
    for i in range(6):
        cx, cy = width * (i + 1) / 7, height / 2
        draw.ellipse((cx - 20, cy - 20, cx + 20, cy + 20), fill=(255, 255, 255))
    img.save(path)
    return path


def write_clip(path: Path, seconds: float, *, size: str = "320x240", fps: int = 25,
               audio: bool = False, pattern: str = "testsrc2") -> Path:
    """A short H.264 test clip (a lavfi ``pattern``: testsrc2, or testsrc whose counter
    changes every frame), optionally with a tone."""
    args = [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
            "-i", f"{pattern}=size={size}:rate={fps}"]
    if audio:
        args += ["-f", "lavfi", "-i", "sine=frequency=880:sample_rate=44100"]
    args += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac"]
    subprocess.run([*args, str(path)], check=True, timeout=60)
    return path


def video_packets(path: Path) -> int:
    """How many video frames the file holds (counted by stream copy, no decoding)."""
    out = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy",
         "-f", "framecrc", "-"], capture_output=True, check=True, timeout=60).stdout.decode()
    return sum(1 for line in out.splitlines() if line.startswith("0,"))


def decode_audio(path: Path, rate: int = 48000) -> np.ndarray:
    """The file's audio as mono float32 samples at ``rate``."""
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0", "-ac", "1",
         "-ar", str(rate), "-f", "f32le", "-"], capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(raw, dtype=np.float32)


def decode_frame(path: Path, seconds: float) -> np.ndarray:
    """The frame shown at ``seconds``, as an RGB array (height, width, 3)."""
    from studio.media.probe import probe

    info = probe(path)
    raw = subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(path), "-ss", f"{seconds:.3f}",
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(info.height, info.width, 3)


def tone_level(samples: np.ndarray, freq: float, rate: int = 48000) -> float:
    """The amplitude of the ``freq`` component of ``samples`` (windowed FFT)."""
    window = np.hanning(len(samples))
    spectrum = np.abs(np.fft.rfft(samples * window))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = (freqs > freq * 0.97) & (freqs < freq * 1.03)
    return float(spectrum[band].max() * 2 / window.sum())
