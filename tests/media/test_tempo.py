"""Beat tracking on real audio with a known tempo (click tracks and drum patterns made here),
the tempo's octave, the refusals (silence, too short, no sound, unreadable), and cut points on
the beats."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.errors import Cancelled, InputError
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.tempo import Tempo, cut_points, detect_tempo
from studio.progress import CancelToken
from tests.media.support import write_clip

RATE = 22050
BEAT_TOLERANCE = 0.030  # seconds


def burst(seconds: float, decay: float, rng: np.random.Generator, freq: float = 0.0) -> np.ndarray:
    """A decaying noise burst (or tone, with ``freq``): one drum hit or click."""
    t = np.arange(round(seconds * RATE)) / RATE
    body = np.sin(2 * np.pi * freq * t) if freq else rng.standard_normal(t.size)
    return body * np.exp(-t / decay)


#: Drum patterns for ``write_beats``: each instrument's hits in one bar, in beats from its start.
#: Kicks and snares are what a listener counts; hats only fill the eighths (or sixteenths).
DRUM_PATTERNS: dict[str, dict[str, tuple[float, ...]]] = {
    # Kick on every beat, hi-hat on every eighth: a slow groove the hats must not double.
    "kick-hats": {"kick": (0, 1, 2, 3), "hat": tuple(np.arange(0, 4, 0.5))},
    # House: kick on every beat, clap (snare) on 2 and 4, hats on the eighths, open on the "and"s.
    "four-on-the-floor": {
        "kick": (0, 1, 2, 3),
        "snare": (1, 3),
        "hat": tuple(np.arange(0, 4, 0.5)),
        "open hat": (0.5, 1.5, 2.5, 3.5),
    },
    # Boom bap: kick on 1 and the "and" of 3 (and a pickup before it), snare on 2 and 4.
    "hip-hop": {
        "kick": (0, 2.25, 2.5),
        "snare": (1, 3),
        "hat": tuple(np.arange(0, 4, 0.5)),
    },
    # Drum and bass two-step: kick on 1 and the "and" of 2, snare on 2 and 4, busy hats.
    "dnb": {"kick": (0, 1.5), "snare": (1, 3), "hat": tuple(np.arange(0, 4, 0.25))},
    # The other common two-step: the second kick on the "and" of 3.
    "dnb-and-of-3": {"kick": (0, 2.5), "snare": (1, 3), "hat": tuple(np.arange(0, 4, 0.25))},
}


def hi_hat(rng: np.random.Generator, decay: float = 0.015) -> np.ndarray:
    """A hi-hat: noise with nothing below 2 kHz, decaying fast."""
    noise = burst(4 * decay + 0.01, decay, rng)
    spectrum = np.fft.rfft(noise)
    spectrum[np.fft.rfftfreq(noise.size, 1 / RATE) < 2000] = 0
    return np.fft.irfft(spectrum, noise.size)


def write_beats(
    path: Path,
    bpm: float,
    *,
    seconds: float = 12.0,
    start: float = 0.31,
    pattern: str = "click",
    noise: float = 0.05,
    seed: int = 0,
) -> np.ndarray:
    """A 16-bit WAV with a hit on every beat (plus background noise); returns the beat times.

    ``pattern="click"``: the same click on every beat. ``"drums"``: kick on 1 and 3, snare on 2
    and 4, hi-hat on every eighth note, a pulsing bass tone (a backbeat, as in pop music). Any
    name in ``DRUM_PATTERNS``: that bar of kick, snare and hi-hats, repeated.
    """
    rng = np.random.default_rng(seed)
    total = round(seconds * RATE)
    audio = noise * rng.standard_normal(total)
    period = 60.0 / bpm
    beats = np.arange(start, seconds - 0.1, period)

    def add(at: float, sound: np.ndarray, gain: float) -> None:
        i = round(at * RATE)
        if i < total:
            end = min(total, i + sound.size)
            audio[i:end] += gain * sound[: end - i]

    click = burst(0.02, 0.004, rng, freq=2000)
    kick = burst(0.25, 0.1, rng, freq=60)
    snare = burst(0.2, 0.05, rng)
    hat = burst(0.03, 0.006, rng)
    if pattern in DRUM_PATTERNS:
        sounds = {
            "kick": (kick, 1.0),
            "snare": (snare + 0.5 * burst(0.2, 0.04, rng, freq=190), 0.8),
            "hat": (hi_hat(rng), 0.5),
            "open hat": (hi_hat(rng, decay=0.06), 0.3),
        }
        for bar in beats[::4]:
            for name, offsets in DRUM_PATTERNS[pattern].items():
                sound, gain = sounds[name]
                for offset in offsets:
                    add(bar + offset * period, sound, gain)
    for n, beat in enumerate(beats):
        if pattern == "click":
            add(beat, click, 1.0)
        elif pattern == "drums":
            add(beat, kick if n % 2 == 0 else snare, 0.9)
            add(beat, hat, 0.3)
            add(beat + period / 2, hat, 0.3)
    if pattern == "drums":
        t = np.arange(total) / RATE
        audio += 0.2 * np.sin(2 * np.pi * 55 * t) * (np.sin(2 * np.pi * t / (2 * period)) > 0)
    sf.write(path, (0.5 * audio / np.abs(audio).max()).astype(np.float32), RATE, subtype="PCM_16")
    return beats


def assert_on_the_beats(found: list[float], truth: np.ndarray) -> None:
    """Every detected beat is within 30 ms of a true one, and 95 % of true beats are found."""
    detected = np.asarray(found)
    assert detected.size > 0 and np.all(np.diff(detected) > 0)
    misses = [t for t in detected if np.min(np.abs(truth - t)) > BEAT_TOLERANCE]
    assert not misses, f"beats off the grid: {misses[:5]}"
    found_share = np.mean([np.min(np.abs(detected - t)) <= BEAT_TOLERANCE for t in truth])
    assert found_share >= 0.95


@pytest.mark.parametrize("bpm", [90.0, 120.0, 150.0])
@pytest.mark.parametrize("pattern", ["click", "drums"])
def test_tempo_and_beats_of_a_known_track(tmp_path: Path, bpm: float, pattern: str) -> None:
    path = tmp_path / "beat.wav"
    truth = write_beats(path, bpm, pattern=pattern, seed=int(bpm))
    tempo = detect_tempo(path)
    assert tempo.bpm == pytest.approx(bpm, rel=0.02)
    assert tempo.duration == pytest.approx(12.0, abs=0.01)
    assert tempo.confidence > 0.5
    assert_on_the_beats(tempo.beats, truth)


@pytest.mark.parametrize(
    ("pattern", "bpm"),
    [
        ("dnb", 174.0),  # the snare on 2 and 4 makes the half tempo repeat best
        ("dnb-and-of-3", 174.0),
        ("kick-hats", 60.0),  # the eighth-note hats make the double tempo repeat well
        ("four-on-the-floor", 120.0),
        ("hip-hop", 90.0),
        ("hip-hop", 84.0),  # twice 84 is nearer 120 BPM: the metre must outweigh that
    ],
)
def test_the_octave_follows_the_kick_and_snare(tmp_path: Path, pattern: str, bpm: float) -> None:
    """The beat is what the kick and snare count, not the half-time feel or the hi-hats."""
    path = tmp_path / "groove.wav"
    truth = write_beats(path, bpm, pattern=pattern, seed=3)
    tempo = detect_tempo(path)
    assert tempo.bpm == pytest.approx(bpm, rel=0.01)
    assert_on_the_beats(tempo.beats, truth)


def test_the_octave_survives_lossy_compression(tmp_path: Path) -> None:
    wav = tmp_path / "dnb.wav"
    truth = write_beats(wav, 174.0, pattern="dnb", start=0.05)
    opus = tmp_path / "dnb.opus"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "libopus", "-b:a", "64k", str(opus)],
        check=True,
        timeout=60,
    )
    tempo = detect_tempo(opus)
    assert tempo.bpm == pytest.approx(174.0, rel=0.01)
    assert_on_the_beats(tempo.beats, truth)


def test_compressed_audio_in_a_video_container(tmp_path: Path) -> None:
    wav = tmp_path / "beat.wav"
    truth = write_beats(wav, 120.0, pattern="drums", start=0.05)
    m4a = tmp_path / "beat.m4a"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-i", str(wav), "-c:a", "aac", "-b:a", "96k", str(m4a)],
        check=True,
        timeout=60,
    )
    tempo = detect_tempo(m4a)
    assert tempo.bpm == pytest.approx(120.0, rel=0.02)
    assert_on_the_beats(tempo.beats, truth)


def test_a_given_bpm_only_finds_the_phase(tmp_path: Path) -> None:
    path = tmp_path / "beat.wav"
    truth = write_beats(path, 100.0, start=0.44)
    tempo = detect_tempo(path, bpm=100.0)
    assert tempo.bpm == 100.0
    assert np.allclose(np.diff(tempo.beats), 0.6, atol=1e-3)  # an exact grid
    assert_on_the_beats(tempo.beats, truth)


def test_tempo_drift_is_followed(tmp_path: Path) -> None:
    """A live-played feel: the tempo rises from 114 to 126 BPM; beats still land on hits."""
    rng = np.random.default_rng(7)
    beats = [0.3]
    while beats[-1] < 19.5:
        beats.append(beats[-1] + 60 / (114 + 12 * beats[-1] / 20))
    truth = np.array(beats[:-1])
    audio = 0.05 * rng.standard_normal(20 * RATE)
    click = burst(0.02, 0.004, rng, freq=1500)
    for beat in truth:
        i = round(beat * RATE)
        audio[i : i + click.size] += click[: audio.size - i]
    path = tmp_path / "drift.wav"
    sf.write(path, (0.5 * audio).astype(np.float32), RATE)
    tempo = detect_tempo(path)
    assert 114 < tempo.bpm < 126
    assert_on_the_beats(tempo.beats, truth)


def test_white_noise_has_low_confidence(tmp_path: Path) -> None:
    path = tmp_path / "noise.wav"
    sf.write(
        path, (0.3 * np.random.default_rng(1).standard_normal(10 * RATE)).astype(np.float32), RATE
    )
    tempo = detect_tempo(path)
    assert 60 <= tempo.bpm <= 200
    assert tempo.confidence < 0.3


def test_refusals(tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    sf.write(silence, np.zeros(5 * RATE, dtype=np.float32), RATE)
    with pytest.raises(InputError, match="silent") as caught:
        detect_tempo(silence)
    assert caught.value.where == str(silence) and caught.value.fix

    short = tmp_path / "short.wav"
    write_beats(short, 120.0, seconds=1.5)
    with pytest.raises(InputError, match="too short"):
        detect_tempo(short)

    video = write_clip(tmp_path / "mute.mp4", 3.0)
    with pytest.raises(InputError, match="no sound"):
        detect_tempo(video)

    garbage = tmp_path / "song.mp3"
    garbage.write_bytes(b"this is not music" * 100)
    with pytest.raises(InputError) as caught:
        detect_tempo(garbage)
    assert caught.value.where == str(garbage)

    with pytest.raises(InputError, match="does not exist"):
        detect_tempo(tmp_path / "missing.wav")
    with pytest.raises(InputError, match="not a usable tempo"):
        detect_tempo(silence, bpm=1000.0)


def test_cancel_stops_the_analysis(tmp_path: Path) -> None:
    path = tmp_path / "beat.wav"
    write_beats(path, 120.0)
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        detect_tempo(path, cancel=cancel)


def test_cut_points_every_fourth_beat() -> None:
    tempo = Tempo(
        bpm=120.0, beats=[0.25 + 0.5 * i for i in range(20)], duration=10.0, confidence=0.9
    )
    # The beat at 0.25 s would leave a 0.25 s first shot: it merges into the next one.
    assert cut_points(tempo) == [0.0, 2.25, 4.25, 6.25, 8.25, 10.0]
    assert cut_points(tempo, beats_per_cut=8) == [0.0, 4.25, 8.25, 10.0]


def test_cut_points_merge_short_shots() -> None:
    tempo = Tempo(bpm=120.0, beats=[0.5 * i for i in range(1, 20)], duration=9.9, confidence=0.9)
    points = cut_points(tempo, beats_per_cut=1, min_seconds=1.2)
    assert points[0] == 0.0 and points[-1] == 9.9
    assert all(b - a >= 1.2 for a, b in zip(points, points[1:], strict=False))
    assert set(points[1:-1]) <= set(tempo.beats)
    assert points == [0.0, 1.5, 3.0, 4.5, 6.0, 7.5, 9.9]  # 9.0 would leave a 0.9 s last shot
    assert cut_points(Tempo(120.0, [], 3.0, 0.0)) == [0.0, 3.0]
    assert cut_points(Tempo(120.0, [0.5], 0.8, 0.0)) == [0.0, 0.8]
    with pytest.raises(InputError):
        cut_points(tempo, beats_per_cut=0)
