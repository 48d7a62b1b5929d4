"""The soundtrack: sample-exact against the segments, cached by what shapes it, joined by copy.

Also ``run_concurrently``, which makes it beside the segments, and the render pipeline's use of
both (the soundtrack reused after a picture-only change, rebuilt and pruned after a voice one).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest

from studio.errors import Cancelled, InputError, MediaError
from studio.media.assemble import assemble
from studio.media.ffmpeg import ffmpeg_exe
from studio.media.probe import probe
from studio.media.segments import SegmentSpec, render_segment
from studio.media.settings import RenderSettings
from studio.media.soundtrack import SoundPart, build_soundtrack, chunks_of, soundtrack_key
from studio.progress import CancelToken, ProgressFn, run_concurrently
from studio.store import Library
from tests.media.support import decode_audio, tone_level, video_packets, write_picture, write_tone

SETTINGS = RenderSettings(resolution="720p")
RATE = 48000
#: (segment seconds, tone Hz, the voice file's sample rate): odd rates, so resampling shows.
SCENES = [(1.1, 300.0, 24000), (0.7, 700.0, 22050), (1.35, 1100.0, 44100)]


@dataclass(frozen=True)
class Scenes:
    specs: list[SegmentSpec]
    segments: list[Path]

    @property
    def parts(self) -> list[SoundPart]:
        return [SoundPart(s.audio_path, s.sample_count) for s in self.specs]

    @property
    def duration(self) -> float:
        return sum(s.exact_duration for s in self.specs)

    @property
    def starts(self) -> list[int]:
        """Each segment's first sample in the joined video."""
        counts = [s.sample_count for s in self.specs]
        return [sum(counts[:i]) for i in range(len(counts))]


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Scenes:
    """Three scenes whose voice stops 0.2 s before the segment ends (silence, then a tone)."""
    folder = tmp_path_factory.mktemp("scenes")
    picture = write_picture(folder / "picture.png", (640, 480))
    specs, segments = [], []
    for i, (seconds, freq, rate) in enumerate(SCENES):
        voice = write_tone(folder / f"voice{i}.wav", seconds - 0.2, freq=freq, rate=rate)
        spec = SegmentSpec(picture, "image", voice, seconds, None, "none", settings=SETTINGS)
        specs.append(spec)
        segments.append(render_segment(spec, folder / f"segment{i}.mp4", threads=1))
    return Scenes(specs, segments)


def test_soundtrack_is_sample_exact_against_the_segments_own_audio(
    scenes: Scenes, tmp_path: Path
) -> None:
    from_voices = build_soundtrack(scenes.parts, tmp_path / "voices.m4a", settings=SETTINGS,
                                   duration=scenes.duration)
    from_segments = build_soundtrack([SoundPart(p) for p in scenes.segments],
                                     tmp_path / "segments.m4a", settings=SETTINGS,
                                     duration=scenes.duration)
    expected = sum(s.sample_count for s in scenes.specs)
    ours, theirs = decode_audio(from_voices), decode_audio(from_segments)
    assert len(ours) == len(theirs) == expected == 152000
    # The same samples went into the encoder: a part shifted or resampled differently by a
    # single sample would differ by about the tone's amplitude here.
    assert np.array_equal(ours, theirs)
    assert probe(from_voices, exact=True).duration == pytest.approx(scenes.duration, abs=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["segments.m4a", "voices.m4a"]


def test_each_voice_starts_on_its_segments_first_sample(scenes: Scenes, tmp_path: Path) -> None:
    sound = decode_audio(build_soundtrack(scenes.parts, tmp_path / "sound.m4a",
                                          settings=SETTINGS, duration=scenes.duration))
    margin = RATE // 20  # look 50 ms either side of each segment's start
    padded = np.concatenate([np.zeros(margin, np.float32), sound])
    for start, (_, freq, _) in zip(scenes.starts, SCENES, strict=True):
        window = np.abs(padded[start:start + 2 * margin])
        onset = int(np.argmax(window > 0.05)) - margin  # samples from the segment's start
        assert window.max() > 0.05 and abs(onset) <= RATE * 0.002, f"voice at {start}: {onset}"
        assert tone_level(sound[start + 480:start + 4800], freq) > 0.1  # the right voice


def test_join_copies_the_soundtrack_and_the_picture(scenes: Scenes, tmp_path: Path) -> None:
    sound = build_soundtrack(scenes.parts, tmp_path / "sound.m4a", settings=SETTINGS,
                             duration=scenes.duration)
    result = assemble(scenes.segments, tmp_path / "video.mp4", settings=SETTINGS,
                      total_duration=scenes.duration, soundtrack=sound)
    assert np.array_equal(decode_audio(result.path), decode_audio(sound))  # copied, not encoded
    frames = sum(s.frame_count for s in scenes.specs)
    assert video_packets(result.path) == frames == 95
    assert len(decode_audio(result.path)) == frames * SETTINGS.samples_per_frame
    info = probe(result.path, exact=True)
    assert info.audio_codec == "aac" and info.video_codec == "h264"
    assert info.duration == pytest.approx(frames / SETTINGS.fps, abs=1e-3)
    assert _moov_before_mdat(result.path), "faststart"
    assert result.thumbnail is not None and result.thumbnail.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sound.m4a", "video.jpg", "video.mp4"]


def test_missing_soundtrack_is_an_input_error(scenes: Scenes, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="sound is missing"):
        assemble(scenes.segments, tmp_path / "video.mp4", settings=SETTINGS,
                 total_duration=scenes.duration, soundtrack=tmp_path / "gone.m4a")
    assert list(tmp_path.iterdir()) == []


def test_music_is_ducked_and_the_mix_is_at_minus_16_lufs(tmp_path: Path) -> None:
    # Two seconds of voice, then two of silence: the music must be quieter under the voice.
    voice = write_tone(tmp_path / "voice.wav", 4.0, freq=220.0, silent_from=2.0)
    music = write_tone(tmp_path / "music.wav", 1.5, freq=2000.0, amplitude=0.5, rate=44100)
    settings = replace(SETTINGS, music_path=music, music_volume=0.5)
    sound = build_soundtrack([SoundPart(voice, 4 * RATE)], tmp_path / "sound.m4a",
                             settings=settings, duration=4.0)
    audio = decode_audio(sound)
    assert len(audio) == 4 * RATE
    under_voice = tone_level(audio[int(0.5 * RATE):int(1.8 * RATE)], 2000.0)
    alone = tone_level(audio[int(3.0 * RATE):int(3.9 * RATE)], 2000.0)
    assert under_voice > 0.001  # the music is looped under the voice ...
    assert alone > 2 * under_voice  # ... and ducked by it
    assert abs(_integrated_loudness(sound) + 16.0) < 1.0


def test_a_changed_voice_encodes_the_sound_again_only_from_its_scene_on(tmp_path: Path) -> None:
    music = write_tone(tmp_path / "music.wav", 2.5, freq=150.0, amplitude=0.4, rate=44100)
    settings = replace(SETTINGS, music_path=music, music_volume=0.3)
    voices = [write_tone(tmp_path / f"voice{i}.wav", 3.6, freq=f, silent_from=3.3)
              for i, f in enumerate((220.0, 330.0, 440.0, 550.0))]
    parts = [SoundPart(v, 4 * RATE) for v in voices]
    cache = tmp_path / "cache"
    first = build_soundtrack(parts, tmp_path / "a.m4a", settings=settings, duration=16.0,
                             cache=cache)
    chunks = chunks_of(first)
    assert len(chunks) == 4 and all((cache / name).is_file() for name in chunks)
    made = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    # The third scene's voice changes (and is longer): the music under the scenes after it
    # moves, so the sound is encoded again from the third scene on, and only from there.
    voices[2] = write_tone(tmp_path / "voice2b.wav", 4.4, freq=445.0, silent_from=4.1)
    parts[2] = SoundPart(voices[2], round(4.6 * RATE))
    second = build_soundtrack(parts, tmp_path / "b.m4a", settings=settings, duration=16.6,
                              cache=cache)
    again = chunks_of(second)
    assert again[:2] == chunks[:2] and not set(again[2:]) & set(chunks)
    assert all((cache / name).stat().st_mtime_ns == made[name] for name in again[:2])
    audio = decode_audio(second)
    assert len(audio) == sum(part.sample_count or 0 for part in parts)
    start = 8 * RATE  # the changed voice starts on its first sample
    assert tone_level(audio[start + 480:start + 4800], 445.0) > 0.1
    assert abs(_integrated_loudness(second) + 16.0) < 1.0


def test_soundtrack_key_follows_the_sound_not_the_picture(scenes: Scenes, tmp_path: Path) -> None:
    music = write_tone(tmp_path / "music.wav", 2.0, rate=44100)
    settings = replace(SETTINGS, music_path=music)
    key = soundtrack_key(scenes.parts, settings)
    assert key == soundtrack_key(list(scenes.parts), settings)
    for picture_only in (replace(settings, resolution="1080p"), replace(settings, aspect="9:16"),
                         replace(settings, captions=False, caption_style="boxed")):
        assert soundtrack_key(scenes.parts, picture_only) == key
    longer = [*scenes.parts[:2], replace(scenes.parts[2], sample_count=1600 * 42)]
    assert soundtrack_key(longer, settings) != key
    assert soundtrack_key(scenes.parts, replace(settings, music_volume=0.5)) != key
    assert soundtrack_key(scenes.parts, replace(settings, music_path=None)) != key
    assert soundtrack_key(scenes.parts, replace(settings, music_volume=0.0)) == \
        soundtrack_key(scenes.parts, replace(settings, music_path=None))
    os.utime(music, ns=(0, 1_000_000_000))  # the music file replaced
    assert soundtrack_key(scenes.parts, settings) != key
    with pytest.raises(InputError, match="audio file is missing"):
        soundtrack_key([SoundPart(tmp_path / "gone.wav", 1600)], settings)


def test_cancelled_build_leaves_nothing(scenes: Scenes, tmp_path: Path) -> None:
    cancel = CancelToken()
    stages: list[str] = []

    def cancel_when_encoding(fraction: float, stage: str) -> None:
        stages.append(stage)
        if stage == "Encoding the sound":
            cancel.cancel()

    with pytest.raises(Cancelled):
        build_soundtrack(scenes.parts, tmp_path / "sound.m4a", settings=SETTINGS,
                         duration=scenes.duration, progress=cancel_when_encoding, cancel=cancel)
    assert "Mixing the sound" in stages
    assert list(tmp_path.iterdir()) == []


def test_unusable_music_fails_before_anything_is_written(scenes: Scenes, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\x00" * 1000)
    with pytest.raises(InputError):
        build_soundtrack(scenes.parts, tmp_path / "sound.m4a",
                         settings=replace(SETTINGS, music_path=broken),
                         duration=scenes.duration)
    assert list(tmp_path.iterdir()) == [broken]


# --- run_concurrently --------------------------------------------------------------------
def test_steps_share_progress_by_weight_under_the_first_running_stage() -> None:
    seen: list[tuple[float, str]] = []
    rendered, mixed, rendering_done = threading.Event(), threading.Event(), threading.Event()

    def render(*, progress: ProgressFn, cancel: CancelToken) -> None:
        progress(0.5, "Rendering")
        rendered.set()
        assert mixed.wait(10)
        progress(1.0, "Rendering")
        rendering_done.set()

    def sound(*, progress: ProgressFn, cancel: CancelToken) -> None:
        assert rendered.wait(10)
        progress(0.5, "Mixing")
        mixed.set()
        assert rendering_done.wait(10)
        progress(0.8, "Encoding")
        progress(0.7, "Encoding")  # a step going backwards doesn't move the whole
        progress(1.0, "Encoding")

    run_concurrently([(3.0, render), (1.0, sound)], progress=lambda f, s: seen.append((f, s)),
                     cancel=CancelToken())
    assert [stage for _, stage in seen] == ["Rendering", "Rendering", "Rendering", "Encoding",
                                            "Encoding", "Encoding"]
    assert [f for f, _ in seen] == pytest.approx([0.375, 0.5, 0.875, 0.95, 0.95, 1.0])


def test_a_failing_step_cancels_the_other_and_its_error_is_raised() -> None:
    waited: list[bool] = []

    def long_step(*, progress: ProgressFn, cancel: CancelToken) -> None:
        waited.append(cancel.wait(30))  # True: woken by the cancel
        cancel.raise_if_cancelled()

    def failing_step(*, progress: ProgressFn, cancel: CancelToken) -> None:
        raise MediaError("FFmpeg could not finish encoding the sound")

    for steps in ([(1.0, long_step), (1.0, failing_step)],
                  [(1.0, failing_step), (1.0, long_step)]):
        waited.clear()
        with pytest.raises(MediaError, match="encoding the sound"):
            run_concurrently(steps, progress=lambda f, s: None, cancel=CancelToken())
        assert waited == [True]


def test_finish_others_lets_the_other_steps_end_then_raises_the_failure() -> None:
    finished: list[str] = []

    def short_step(*, progress: ProgressFn, cancel: CancelToken) -> None:
        assert not cancel.wait(0.2)  # not woken: nothing cancels it
        finished.append("scene")

    def failing_step(*, progress: ProgressFn, cancel: CancelToken) -> None:
        raise MediaError("The disk is full")

    with pytest.raises(MediaError, match="disk is full"):
        run_concurrently([(1.0, failing_step), (1.0, short_step)],
                         progress=lambda f, s: None, cancel=CancelToken(), finish_others=True)
    assert finished == ["scene"]


def test_cancel_stops_every_step() -> None:
    cancel = CancelToken()
    started = threading.Barrier(3)
    woken: list[bool] = []

    def step(*, progress: ProgressFn, cancel: CancelToken) -> None:
        started.wait(10)
        woken.append(cancel.wait(30))
        cancel.raise_if_cancelled()

    def cancel_when_both_run() -> None:
        started.wait(10)
        cancel.cancel()

    canceller = threading.Thread(target=cancel_when_both_run)
    canceller.start()
    with pytest.raises(Cancelled):
        run_concurrently([(1.0, step), (1.0, step)], progress=lambda f, s: None, cancel=cancel)
    canceller.join()
    assert woken == [True, True]


# --- in the render pipeline --------------------------------------------------------------
@pytest.mark.slow
def test_render_reuses_the_soundtrack_until_the_sound_changes(
    library: Library, tmp_path: Path
) -> None:
    from tests.pipeline.test_pipeline import render, scripted_project

    music = write_tone(tmp_path / "music.wav", 3.0, freq=150.0, rate=44100)
    project = scripted_project(library, music_path=str(music))
    segdir = library.home.project_dir(project.id) / "segments"  # type: ignore[attr-defined]

    def soundtracks() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in segdir.glob("*.m4a")}

    first = render(library, project)
    made = soundtracks()
    assert len(made) == 1
    frames = video_packets(first.video_path)
    assert len(decode_audio(first.video_path)) == frames * SETTINGS.samples_per_frame
    # A new picture for a scene: one new segment, the same soundtrack, untouched.
    scene = library.scenes(project)[1]
    picture = write_picture(tmp_path / "new picture.png", (800, 600))
    library.select_clip(scene, picture, kind="image", source="file")
    render(library, project)
    assert soundtracks() == made
    # New words for a scene: a new voice, so a new soundtrack; the old one is pruned.
    library.update_scene(scene, text="A forager waggles to point her sisters at the clover.")
    last = render(library, project)
    assert len(soundtracks()) == 1 and soundtracks().keys() != made.keys()
    assert not [p for p in segdir.iterdir() if "partial" in p.name]
    # Its chunks of sound are kept, the old soundtrack's other chunks pruned with it.
    [soundtrack] = segdir.glob("*.m4a")
    assert {p.name for p in segdir.glob("*.aac")} == set(chunks_of(soundtrack)) != set()
    assert [p.name for p in segdir.glob("*.chunks")] == [soundtrack.with_suffix(".chunks").name]
    frames = video_packets(last.video_path)
    assert len(decode_audio(last.video_path)) == frames * SETTINGS.samples_per_frame
    assert probe(last.video_path, exact=True).duration == pytest.approx(frames / 30, abs=1e-3)


@pytest.mark.slow
def test_unusable_music_fails_the_render_and_leaves_no_partial_files(
    library: Library, tmp_path: Path
) -> None:
    from tests.pipeline.test_pipeline import render, scripted_project

    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\x00" * 1000)
    project = scripted_project(library, music_path=str(broken))
    with pytest.raises(InputError):
        render(library, project)
    segdir = library.home.project_dir(project.id) / "segments"  # type: ignore[attr-defined]
    assert not list(segdir.glob("*.m4a"))
    assert not [p for p in segdir.iterdir() if "partial" in p.name]
    assert library.renders(project) == []
    assert library.jobs(project)[0].status == "failed"


# --- helpers -----------------------------------------------------------------------------
def _integrated_loudness(path: Path) -> float:
    log = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostats", "-i", str(path), "-af",
         "ebur128=framelog=quiet", "-f", "null", "-"],
        capture_output=True, text=True, check=True, timeout=60).stderr
    return float(re.findall(r"I:\s+(-?\d+(?:\.\d+)?) LUFS", log)[-1])


def _moov_before_mdat(path: Path) -> bool:
    data = path.read_bytes()
    return 0 <= data.find(b"moov") < data.find(b"mdat")
