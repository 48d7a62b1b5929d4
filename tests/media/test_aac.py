"""AAC in cached chunks: exactly the sound's samples, seams a decoder can't hear, only changed
chunks encoded again."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from studio.errors import Cancelled, MediaError
from studio.media import aac
from studio.media.aac import (
    FRAME,
    MIN_CHUNK_SECONDS,
    adts_packets,
    encode_chunked,
    packet_count,
    plan_chunks,
)
from studio.media.ffmpeg import ffmpeg_exe
from studio.progress import CancelToken

RATE = 48000
SECONDS = 16.0
#: Where the test sound's "scenes" start (samples): chunks are cut before them.
BOUNDARIES = [int(4.1 * RATE), int(8.6 * RATE), int(12.3 * RATE)]


def music_like(seconds: float, seed: int) -> np.ndarray:
    """Stereo float samples with what makes an AAC encoder work: chords, sharp attacks (short
    windows), silence. Tonal throughout: noise would be coded as noise (PNS), not as samples."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    left = sum(0.05 * np.sin(2 * np.pi * f * t + p) for f, p in
               zip(rng.uniform(110, 3000, 8), rng.uniform(0, 6, 8), strict=True))
    right = 0.7 * left + 0.05 * np.sin(2 * np.pi * 440 * t)
    hits = np.zeros_like(t)
    decay = np.exp(-np.arange(4800) / 900)
    for start in rng.uniform(0, seconds - 0.2, int(seconds * 3)):
        i = int(start * RATE)
        tone = np.sin(2 * np.pi * rng.uniform(60, 2000) * np.arange(4800) / RATE)
        hits[i:i + 4800] += 0.3 * tone * decay
    sound = np.stack([left + hits, right + hits], axis=1)
    sound[int(6 * RATE):int(6.7 * RATE)] = 0.0  # a pause
    return sound.astype(np.float32)


def write_pcm(path: Path, sound: np.ndarray) -> Path:
    sound.astype("<f4").tofile(path)
    return path


def decode(path: Path, *, fmt: str | None = None) -> np.ndarray:
    """The file's sound as float stereo samples, as ffmpeg decodes it."""
    args = [ffmpeg_exe(), "-v", "error", *(["-f", fmt] if fmt else []), "-i", str(path),
            "-f", "f32le", "-"]
    raw = subprocess.run(args, capture_output=True, check=True, timeout=60).stdout
    return np.frombuffer(raw, dtype=np.float32).reshape(-1, 2)


def whole_encode(pcm: Path, out: Path) -> Path:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "2",
                    "-i", str(pcm), "-c:a", "aac", "-aac_coder", "fast", "-b:a", "192k",
                    str(out)], check=True, timeout=60)
    return out


def snr(reference: np.ndarray, decoded: np.ndarray) -> float:
    return float(10 * np.log10(np.sum(reference ** 2) / np.sum((reference - decoded) ** 2)))


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    samples = music_like(SECONDS, seed=7)[:int(SECONDS * RATE) - 333]  # not whole packets
    return write_pcm(tmp_path_factory.mktemp("pcm") / "sound.f32", samples), samples


# --- the plan ----------------------------------------------------------------------------
def test_chunks_cover_every_packet_and_never_read_past_the_next_scene() -> None:
    samples = 20 * RATE + 123
    boundaries = [2 * RATE, 4 * RATE + 500, 5 * RATE, 9 * RATE, 19 * RATE]
    chunks = plan_chunks(samples, boundaries)
    assert chunks[0].first == 0 and chunks[-1].end == packet_count(samples)
    assert all(a.end == b.first for a, b in zip(chunks, chunks[1:], strict=False))
    assert chunks[-1].input_end == samples
    minimum = MIN_CHUNK_SECONDS * RATE / FRAME
    for chunk in chunks[:-1]:
        assert chunk.end - chunk.first >= minimum
        # A change from the next boundary on leaves this chunk's input as it was.
        following = min(b for b in boundaries if b // FRAME >= chunk.end)
        assert chunk.input_end <= following
        assert chunk.input_start % FRAME == 0
        assert chunk.input_start <= max(0, chunk.first - 2) * FRAME  # a run-up
    # 2 s is too close to the start, 5 s to the chunk cut before 4 s: four chunks remain.
    assert len(chunks) == 4


def test_a_short_sound_is_one_chunk() -> None:
    chunks = plan_chunks(RATE // 2, [RATE // 4])
    assert len(chunks) == 1
    assert (chunks[0].first, chunks[0].end) == (0, packet_count(RATE // 2))
    assert (chunks[0].input_start, chunks[0].input_end) == (0, RATE // 2)


# --- encoding and joining ----------------------------------------------------------------
def test_chunked_sound_is_exactly_as_long_and_as_good_as_a_whole_encode(
    sound: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    pcm, samples = sound
    out = tmp_path / "sound.m4a"
    used = encode_chunked(pcm, len(samples), out, boundaries=BOUNDARIES, cache=tmp_path / "c")
    ours = decode(out)
    whole = decode(whole_encode(pcm, tmp_path / "whole.m4a"))
    assert len(ours) == len(whole) == len(samples)  # priming and end padding cut exactly
    assert len(used) == len(plan_chunks(len(samples), BOUNDARIES)) == 4
    assert snr(samples, ours) > snr(samples, whole) - 0.5
    # No frame anywhere, seams included, much worse than the same frame of a whole encode.
    frames = len(samples) // FRAME
    def frame_errors(decoded: np.ndarray) -> np.ndarray:
        diff = (decoded[:frames * FRAME] - samples[:frames * FRAME]) ** 2
        return diff.reshape(frames, -1).sum(axis=1) + 1e-9
    excess = 10 * np.log10(frame_errors(ours) / frame_errors(whole))
    assert excess.max() < 15.0, f"frame {int(excess.argmax())} is {excess.max():.1f} dB worse"
    assert np.abs(ours - samples).max() < 2 * np.abs(whole - samples).max()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "sound.m4a", "whole.m4a"]


def test_chunks_pass_on_a_packet_both_encoders_made_the_same(
    sound: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    """Where the stream passes from one chunk's encoder to the next, the joined sound decodes
    as each chunk decodes on its own: the seam is not there for a decoder."""
    pcm, samples = sound
    out = tmp_path / "sound.m4a"
    files = encode_chunked(pcm, len(samples), out, boundaries=BOUNDARIES, cache=tmp_path / "c")
    chunks = plan_chunks(len(samples), BOUNDARIES)
    packets = [adts_packets(f.read_bytes()) for f in files]
    joined = decode(out)
    matched = 0
    for index in range(1, len(chunks)):
        before, after = chunks[index - 1], chunks[index]
        switch = aac.switch_point(before, packets[index - 1], after, packets[index])
        if packets[index - 1][switch - before.offset] != packets[index][switch - after.offset]:
            continue  # joined at the seam itself (checked by the test above)
        matched += 1
        at = switch * FRAME  # the stream's first sample decoded from the after-encoder's packets
        own = [decode(f, fmt="aac")[FRAME:] for f in (files[index - 1], files[index])]
        window = slice(at - 4 * FRAME, at + 4 * FRAME)
        expected = np.concatenate([own[0][at - 4 * FRAME - before.input_start:
                                          at - before.input_start],
                                   own[1][at - after.input_start:
                                          at + 4 * FRAME - after.input_start]])
        assert np.abs(joined[window] - expected).max() < 1e-4
    assert matched >= 2


def test_only_chunks_whose_samples_changed_are_encoded_again(
    sound: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    pcm, samples = sound
    cache = tmp_path / "cache"
    first = encode_chunked(pcm, len(samples), tmp_path / "a.m4a", boundaries=BOUNDARIES,
                           cache=cache)
    made = {f.name: f.stat().st_mtime_ns for f in first}
    # The third "scene" on changes (and is longer): the chunks before it stay as they were.
    changed = np.concatenate([samples[:BOUNDARIES[1]],
                              music_like(SECONDS - 8.0, seed=8)])
    second = encode_chunked(write_pcm(tmp_path / "changed.f32", changed), len(changed),
                            tmp_path / "b.m4a", boundaries=BOUNDARIES, cache=cache)
    assert [f.name for f in second[:2]] == [f.name for f in first[:2]]
    assert all(f.stat().st_mtime_ns == made[f.name] for f in second[:2])  # not rewritten
    assert not {f.name for f in second[2:]} & set(made)
    ours = decode(tmp_path / "b.m4a")
    assert len(ours) == len(changed)
    assert snr(changed, ours) > 40.0


def test_a_damaged_cached_chunk_is_encoded_again(
    sound: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    pcm, samples = sound
    cache = tmp_path / "cache"
    files = encode_chunked(pcm, len(samples), tmp_path / "a.m4a", boundaries=BOUNDARIES,
                           cache=cache)
    files[1].write_bytes(files[1].read_bytes()[:5000])  # cut off, as a full disk might leave it
    encode_chunked(pcm, len(samples), tmp_path / "b.m4a", boundaries=BOUNDARIES, cache=cache)
    assert len(adts_packets(files[1].read_bytes())) == packet_count(
        plan_chunks(len(samples), BOUNDARIES)[1].input_end
        - plan_chunks(len(samples), BOUNDARIES)[1].input_start)
    assert np.array_equal(decode(tmp_path / "a.m4a"), decode(tmp_path / "b.m4a"))


def test_cancelling_leaves_no_result_and_no_partial_chunks(
    sound: tuple[Path, np.ndarray], tmp_path: Path
) -> None:
    pcm, samples = sound
    cancel = CancelToken()

    def cancel_at_first_report(fraction: float, stage: str) -> None:
        cancel.cancel()

    with pytest.raises(Cancelled):
        encode_chunked(pcm, len(samples), tmp_path / "sound.m4a", boundaries=BOUNDARIES,
                       cache=tmp_path / "cache", progress=cancel_at_first_report, cancel=cancel)
    assert not (tmp_path / "sound.m4a").exists()
    assert not [p for p in (tmp_path / "cache").iterdir() if "partial" in p.name]


def test_adts_packets_refuses_what_is_not_a_whole_adts_stream(tmp_path: Path) -> None:
    pcm = write_pcm(tmp_path / "s.f32", music_like(1.0, seed=1))
    stream = tmp_path / "s.aac"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "2",
                    "-i", str(pcm), "-c:a", "aac", "-f", "adts", str(stream)], check=True)
    data = stream.read_bytes()
    assert len(adts_packets(data)) == packet_count(RATE)
    with pytest.raises(MediaError, match="cut-off"):
        adts_packets(data[:-3])
    with pytest.raises(MediaError, match="Not an AAC"):
        adts_packets(b"RIFF" + data)
