"""The finished video: segments joined by stream copy, music ducked under the voice, thumbnail.

The picture is never re-encoded here (the concat demuxer copies it), so joining a minute of
video takes well under a second. The audio is encoded once, to AAC, from the segments' lossless
audio: joining AAC by stream copy would add each segment's encoder priming and drift the voice
away from the captions.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studio.errors import Cancelled, InputError, MediaError
from studio.media import settings as encoding
from studio.media.captions import Cue, write_srt
from studio.media.ffmpeg import atomic_output, run_ffmpeg
from studio.media.probe import probe
from studio.media.settings import RenderSettings
from studio.progress import CancelToken, ProgressFn, scaled

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 640
MIN_MUSIC_SECONDS = 1.0
#: Ducking: the music is compressed hard (ratio 8) whenever the voice is above the threshold.
DUCK = "threshold=0.02:ratio=8:attack=20:release=500:makeup=1"
#: Loudness is measured in a first pass (ebur128, cheap), then set by a static gain and a
#: peak limiter: half the cost of single-pass loudnorm (which resamples to 192 kHz) and no
#: pumping.
LIMITER = f"alimiter=limit={10 ** (encoding.TRUE_PEAK / 20):.4f}:level=0:latency=1"
_INTEGRATED = re.compile(r"^\s*I:\s+(?P<lufs>-?\d+(?:\.\d+)?) LUFS")
_MEASURE_SHARE = 0.2  # of assemble's progress
_JOIN_SHARE = 0.9  # the thumbnail is the rest


@dataclass(frozen=True)
class RenderOutput:
    """A finished video.

    Attributes:
        path: the MP4.
        duration: its length in seconds (measured).
        size_bytes: its size on disk.
        thumbnail: a JPEG beside it (``<stem>.jpg``), None if it could not be made.
        srt: the captions beside it (``<stem>.srt``), when cues were given.
    """

    path: Path
    duration: float
    size_bytes: int
    thumbnail: Path | None
    srt: Path | None = None


def assemble(
    segments: Sequence[Path],
    out_mp4: Path,
    *,
    settings: RenderSettings,
    total_duration: float,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    cues: Sequence[Cue] | None = None,
) -> RenderOutput:
    """Join ``segments`` (from ``render_segment``, same settings) into ``out_mp4``.

    The voice is mixed with ``settings.music_path`` (looped, ducked under the voice) when set,
    and the result is normalised to -16 LUFS (measured first, then a static gain).
    ``total_duration`` is the expected length (for progress and a sanity check). With ``cues``,
    ``<stem>.srt`` is written beside it.

    Raises:
        InputError: a segment or the music file is missing or unusable.
        Cancelled: ``cancel`` fired (nothing is left at ``out_mp4``).
        MediaError: ffmpeg failed.
    """
    out_mp4 = Path(out_mp4)
    if not segments:
        raise InputError("There is nothing to render", fix="Add at least one scene")
    for segment in segments:
        if not Path(segment).is_file():
            raise InputError("A rendered scene is missing", where=str(segment),
                             fix="Render again")
    music = _music_input(settings)
    report = progress or (lambda _f, _s: None)
    with tempfile.TemporaryDirectory(prefix="studio-assemble-") as work:
        listing = Path(work) / "segments.ffconcat"
        listing.write_text(concat_list(segments), encoding="utf-8")
        joined = ["-f", "concat", "-safe", "0", "-i", str(listing)]
        graph = audio_graph(settings, with_music=music is not None)
        if music is None:
            # Pass 1 measures the voice; pass 2 reads it again (decoding FLAC is cheap).
            mix_inputs, sound = joined, "[0:a]"
            graph += ",ebur128=framelog=quiet[mix]"
            mix_output = ["-map", "[mix]", "-f", "null", "-"]
        else:
            # Pass 1 mixes once, keeps the mix (float, so nothing clips) and measures it.
            mix_inputs = [*joined, "-stream_loop", "-1", "-i", str(music)]
            mixed = Path(work) / "mix.wav"
            graph += ",asplit=2[mix][measure];[measure]ebur128=framelog=quiet,anullsink"
            mix_output = ["-map", "[mix]", "-c:a", "pcm_f32le", "-f", "wav", str(mixed)]
            joined, sound = [*joined, "-i", str(mixed)], "[1:a]"
        log_tail = run_ffmpeg(
            [*mix_inputs, "-filter_complex", graph, *mix_output],
            duration=total_duration, progress=scaled(report, 0.0, _MEASURE_SHARE),
            cancel=cancel, stage="Mixing the sound", where=str(out_mp4), loglevel="info",
        )
        gain = loudness_gain(log_tail)
        # Pass 2: the picture by stream copy, the sound at the target loudness, encoded once.
        level = f"volume={gain:.2f}dB,{LIMITER}"
        if music is None:
            level = f"aformat=sample_fmts=fltp:channel_layouts=stereo,{level}"
        with atomic_output(out_mp4) as partial:
            args = [
                *joined,
                "-filter_complex", f"{sound}{level}[a]",
                "-map", "0:v:0", "-map", "[a]",
                "-c:v", "copy",
                "-c:a", encoding.AUDIO_CODEC, *encoding.AUDIO_ENCODER_OPTIONS,
                "-b:a", encoding.AUDIO_BITRATE,
                "-ar", str(encoding.AUDIO_RATE), "-ac", "2",
                "-map_metadata", "-1", "-movflags", "+faststart",
                "-f", "mp4", str(partial),
            ]
            run_ffmpeg(args, duration=total_duration,
                       progress=scaled(report, _MEASURE_SHARE, _JOIN_SHARE),
                       cancel=cancel, stage="Joining the scenes", where=str(out_mp4))
    info = probe(out_mp4)
    if abs(info.duration - total_duration) > max(0.1, 2 / settings.fps):
        log.warning("assembled %s lasts %.3f s, expected %.3f s", out_mp4, info.duration,
                    total_duration)
    try:
        thumbnail = make_thumbnail(out_mp4, info.duration, cancel=cancel)
    except Cancelled:
        out_mp4.unlink(missing_ok=True)
        raise
    except MediaError as exc:
        log.warning("no thumbnail for %s: %s", out_mp4, exc.message)
        thumbnail = None
    srt = write_srt(cues, out_mp4.with_suffix(".srt")) if cues is not None else None
    report(1.0, "Joining the scenes")
    return RenderOutput(out_mp4, info.duration, out_mp4.stat().st_size, thumbnail, srt)


def concat_list(paths: Sequence[Path]) -> str:
    """An ffconcat listing of ``paths`` (absolute, quoted so any file name works)."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        text = Path(path).resolve().as_posix()
        if "\n" in text or "\r" in text:
            raise InputError("A file name contains a line break", where=repr(text),
                             fix="Rename the project folder")
        lines.append("file '" + text.replace("'", "'\\''") + "'")
    return "\n".join(lines) + "\n"


def audio_graph(settings: RenderSettings, *, with_music: bool) -> str:
    """The filtergraph mixing the voice (input 0) with the music (input 1), output unlabelled.

    The music is looped by the input, lowered to ``settings.music_volume`` and compressed hard
    whenever the voice speaks (a sidechain keyed by the voice), then mixed under it.
    """
    voice = (f"[0:a]aformat=sample_fmts=fltp:sample_rates={encoding.AUDIO_RATE}"
             ":channel_layouts=stereo")
    if not with_music:
        return voice
    return (
        f"[1:a]aresample={encoding.AUDIO_RATE},aformat=sample_fmts=fltp"
        f":sample_rates={encoding.AUDIO_RATE}:channel_layouts=stereo,"
        f"volume={settings.music_volume:.3f}[music];"
        f"{voice},asplit=2[voice][key];"
        f"[music][key]sidechaincompress={DUCK}[ducked];"
        f"[voice][ducked]amix=inputs=2:duration=first:dropout_transition=0:normalize=0"
    )


def loudness_gain(log_lines: Sequence[str]) -> float:
    """The gain (dB) bringing the measured integrated loudness to the target, within +-20 dB.

    Reads the summary ffmpeg's ``ebur128`` filter logs; silence (or no summary) gets 0 dB.
    """
    measured = None
    for line in log_lines:
        match = _INTEGRATED.search(line)
        if match:
            measured = float(match["lufs"])
    if measured is None or measured < -69:
        return 0.0
    return max(-20.0, min(20.0, encoding.LOUDNESS_TARGET - measured))


def _music_input(settings: RenderSettings) -> Path | None:
    """The music file to mix, checked; None when there is no music (or it is muted)."""
    if settings.music_path is None or settings.music_volume <= 0:
        return None
    return check_music(Path(settings.music_path))


def check_music(music: Path) -> Path:
    """``music`` if it is a readable audio file long enough to loop, else InputError."""
    info = probe(music)  # InputError for missing, empty or damaged files
    if not info.has_audio:
        raise InputError("The music file has no sound", where=str(music),
                         fix="Choose an audio file (MP3, M4A, WAV, OGG, FLAC)")
    if info.duration < MIN_MUSIC_SECONDS:
        raise InputError(f"The music is too short ({info.duration:.2f} s) to loop",
                         where=str(music), fix="Choose music at least a few seconds long")
    return music


def make_thumbnail(
    video: Path, duration: float, *, cancel: CancelToken | None = None
) -> Path:
    """A JPEG of the frame a third of the way in, 640 px wide, beside ``video`` (``.jpg``)."""
    out = Path(video).with_suffix(".jpg")
    with atomic_output(out) as partial:
        run_ffmpeg(
            ["-ss", f"{max(0.0, duration / 3):.3f}", "-i", str(video), "-frames:v", "1",
             "-vf", f"scale={THUMBNAIL_WIDTH}:-2", "-q:v", "3", "-update", "1",
             "-f", "image2", str(partial)],
            duration=None, progress=None, cancel=cancel, stage="Making the thumbnail",
            where=str(out),
        )
    return out
