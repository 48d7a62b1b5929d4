"""The finished sound: the scenes' voices end to end, music ducked under them, -16 LUFS, AAC.

It is made from each scene's own audio file, resampled and padded exactly as ``segments`` pads
a segment's audio, so every voice starts on the sample its segment starts and the final join
copies the sound as it copies the picture. Being independent of the segments, it is built
while they encode (the AAC encoder is single-threaded, so a core is free for it), and cached
under a name that changes with everything that shapes it (``soundtrack_key``): a change to a
scene's picture, or a re-render of an unchanged project, reuses it. A change to a scene's voice
makes a new soundtrack, but its AAC is encoded in chunks cached by their samples
(``studio.media.aac``), so only the sound from that scene on is encoded again.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studio.errors import InputError
from studio.inputfiles import check_regular_file
from studio.media import settings as encoding
from studio.media.aac import encode_chunked
from studio.media.ffmpeg import ffmpeg_exe, run_ffmpeg
from studio.media.probe import probe
from studio.media.segment_cache import SegmentCache
from studio.media.settings import RenderSettings
from studio.progress import CancelToken, ProgressFn, scaled

MIN_MUSIC_SECONDS = 1.0
#: Ducking: the music is compressed hard (ratio 8) whenever the voice is above the threshold.
DUCK = "threshold=0.02:ratio=8:attack=20:release=500:makeup=1"
#: Loudness is measured in a first pass (ebur128, cheap), then set by a static gain and a
#: peak limiter: half the cost of single-pass loudnorm (which resamples to 192 kHz) and no
#: pumping.
LIMITER = f"alimiter=limit={10 ** (encoding.TRUE_PEAK / 20):.4f}:level=0:latency=1"
#: Bump when the sound is made differently, so an old cached soundtrack is not reused.
SOUNDTRACK_FORMAT = "studio-soundtrack-2"
#: The loudness gain is rounded to this step: a change to one scene moves a video's loudness by
#: a few hundredths of a dB, so the gain, and with it every chunk of sound before the change,
#: usually stays as it was (see ``build_soundtrack``).
GAIN_STEP_DB = 0.5
#: A change to a scene may reach this many samples before its start (the limiter looks 5 ms
#: ahead); chunks of sound end before that.
_LOOK_AHEAD = 1024
_RAW_PCM = ("-f", "f32le", "-ar", str(encoding.AUDIO_RATE), "-ac", "2")
_INTEGRATED = re.compile(r"^\s*I:\s+(?P<lufs>-?\d+(?:\.\d+)?) LUFS")
#: Of the build's progress; the rest is the AAC encode (measured on a minute of voice and
#: music: mixing and measuring 0.33 s, encoding 1.33 s).
_MIX_SHARE = 0.2


@dataclass(frozen=True)
class SoundPart:
    """One scene's stretch of the soundtrack.

    Attributes:
        path: a file holding the scene's sound (its voice, or its rendered segment).
        sample_count: the 48 kHz samples it fills (its segment's ``sample_count``): the sound
            is padded with silence or cut to exactly that; None keeps the file's own length
            (a rendered segment's sound already has it).
    """

    path: Path
    sample_count: int | None = None


def soundtrack_key(parts: Sequence[SoundPart], settings: RenderSettings) -> str:
    """A name for the soundtrack that changes whenever anything shaping it changes.

    Covers each part's file (path, size, modification time) and length, the music file and its
    volume, the mixing and encoder settings and the ffmpeg build; nothing of the picture.

    Raises:
        InputError: a part's file is missing.
    """
    sounds = []
    for part in parts:
        identity = _identity(Path(part.path))
        if identity is None:
            raise InputError("A scene's audio file is missing", where=str(part.path),
                             fix="Regenerate the scene's voice")
        sounds.append([identity, part.sample_count])
    music = None
    if settings.music_path is not None and settings.music_volume > 0:
        music = [_identity(Path(settings.music_path)), round(settings.music_volume, 6)]
    payload = {
        "format": SOUNDTRACK_FORMAT,
        "encoder": [encoding.AUDIO_CODEC, *encoding.AUDIO_ENCODER_OPTIONS,
                    encoding.AUDIO_BITRATE, encoding.AUDIO_RATE, encoding.LOUDNESS_TARGET,
                    DUCK, LIMITER],
        "ffmpeg": Path(ffmpeg_exe()).name,
        "parts": sounds,
        "music": music,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


def _identity(path: Path) -> list[object] | None:
    """The file's absolute path, size and modification time; None if it is missing."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


def build_soundtrack(
    parts: Sequence[SoundPart],
    out_path: Path,
    *,
    settings: RenderSettings,
    duration: float,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    cache: Path | None = None,
) -> Path:
    """Make the finished sound of ``parts``, end to end, at ``out_path`` (AAC in M4A), atomically.

    The music (``settings.music_path``) is looped under the voice and ducked whenever it speaks;
    the mix is measured (EBU R128), then brought to -16 LUFS (within a quarter of a dB: the
    gain is rounded to ``GAIN_STEP_DB``) by a static gain and a peak limiter. ``duration`` is
    the expected length in seconds (for progress).

    The AAC is made in chunks cut where scenes start (``studio.media.aac``): with a ``cache``
    folder, chunks whose samples are unchanged since an earlier build are reused (so a change
    to one scene re-encodes the sound from that scene on, not the whole video's), and the
    chunks this soundtrack uses are listed beside it (``chunks_of``).

    Raises:
        InputError: there are no parts, a part's file is missing, or the music is unusable.
        Cancelled: ``cancel`` fired (nothing is left at ``out_path``).
        MediaError: ffmpeg failed.
    """
    out_path = Path(out_path)
    if not parts:
        raise InputError("There is nothing to render", fix="Add at least one scene")
    for part in parts:
        if not Path(part.path).is_file():
            raise InputError("A scene's audio file is missing", where=str(part.path),
                             fix="Regenerate the scene's voice")
    music = _music_input(settings)
    report = progress or (lambda _f, _s: None)
    inputs = [arg for part in parts for arg in ("-i", str(part.path))]
    chains = [_part_chain(i, part) for i, part in enumerate(parts)]
    labels = "".join(f"[part{i}]" for i in range(len(parts)))
    graph = ";".join([*chains, f"{labels}concat=n={len(parts)}:v=0:a=1[voice]"])
    music_label = None
    if music is not None:
        inputs += ["-stream_loop", "-1", "-i", str(music)]
        music_label = f"[{len(parts)}:a]"
    graph += (f";{audio_graph(settings, voice='[voice]', music=music_label)},"
              "asplit=2[mix][measure];[measure]ebur128=framelog=quiet,anullsink")
    with tempfile.TemporaryDirectory(prefix="studio-soundtrack-") as work:
        # Pass 1 mixes once, keeps the mix (float, so nothing clips) and measures it.
        mixed, final = Path(work) / "mix.f32", Path(work) / "final.f32"
        log_tail = run_ffmpeg(
            [*inputs, "-filter_complex", graph,
             "-map", "[mix]", "-c:a", "pcm_f32le", "-f", "f32le", str(mixed)],
            duration=duration, progress=scaled(report, 0.0, _MIX_SHARE), cancel=cancel,
            stage="Mixing the sound", where=str(out_path), loglevel="info",
            background=True,
        )
        gain = round(loudness_gain(log_tail) / GAIN_STEP_DB) * GAIN_STEP_DB
        # Pass 2: the mix at the target loudness, then encoded in chunks (only the chunks
        # whose samples changed since the last render, when a cache is given).
        run_ffmpeg(
            [*_RAW_PCM, "-i", str(mixed), "-af", f"volume={gain:.2f}dB,{LIMITER}",
             "-c:a", "pcm_f32le", "-f", "f32le", str(final)],
            duration=duration, progress=None, cancel=cancel,
            stage="Mixing the sound", where=str(out_path), background=True,
        )
        samples = final.stat().st_size // 8  # float stereo
        chunks = encode_chunked(final, samples, out_path, boundaries=_scene_starts(parts),
                                cache=cache, progress=scaled(report, _MIX_SHARE, 1.0),
                                cancel=cancel)
    if cache is not None:
        SegmentCache.write_chunk_list(out_path, chunks)
    return out_path


def chunks_of(soundtrack: Path) -> list[str]:
    """The names of the cached chunk files ``soundtrack`` was made from (beside it)."""
    return SegmentCache.chunks_of(soundtrack)


def _scene_starts(parts: Sequence[SoundPart]) -> list[int]:
    """Where each part after the first may start to change the sound (none if a part's length
    is unknown: the sound is then one chunk)."""
    if any(part.sample_count is None for part in parts):
        return []
    starts, position = [], 0
    for part in parts[:-1]:
        position += part.sample_count or 0
        starts.append(position - _LOOK_AHEAD)
    return starts


def _part_chain(index: int, part: SoundPart) -> str:
    """Input ``index`` as its segment carries it: 48 kHz 16-bit stereo, exactly its length.

    The same filters, in the same order, as a segment's audio (``segments._audio_chain``), so
    the samples are identical to the segment's and each part starts on its segment's first
    sample.
    """
    chain = (f"[{index}:a]asetpts=PTS-STARTPTS,aresample={encoding.AUDIO_RATE},"
             f"aformat=sample_fmts=s16:sample_rates={encoding.AUDIO_RATE}"
             ":channel_layouts=stereo")
    if part.sample_count is not None:
        samples = part.sample_count
        chain += f",apad=whole_len={samples},atrim=end_sample={samples}"
    return f"{chain}[part{index}]"


def audio_graph(settings: RenderSettings, *, voice: str, music: str | None) -> str:
    """The filtergraph mixing the ``voice`` stream with the ``music`` stream, output unlabelled.

    The music (looped by its input, when given) is lowered to ``settings.music_volume`` and
    compressed hard whenever the voice speaks (a sidechain keyed by the voice), then mixed
    under it. Without music, the voice alone as 48 kHz float stereo.
    """
    chain = (f"{voice}aformat=sample_fmts=fltp:sample_rates={encoding.AUDIO_RATE}"
             ":channel_layouts=stereo")
    if music is None:
        return chain
    return (
        f"{music}aresample={encoding.AUDIO_RATE},aformat=sample_fmts=fltp"
        f":sample_rates={encoding.AUDIO_RATE}:channel_layouts=stereo,"
        f"volume={settings.music_volume:.3f}[music];"
        f"{chain},asplit=2[voice][key];"
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
    """The music file to mix, checked; None when there is no music (or it is muted).

    Raises:
        InputError: the music file is missing or unusable.
    """
    if settings.music_path is None or settings.music_volume <= 0:
        return None
    music = Path(settings.music_path)
    try:
        check_regular_file(music, what="music file")
    except InputError as exc:  # stored settings: say which setting, not only which file
        raise InputError(
            f"The render setting music_path can't be used: {exc.what}",
            where=exc.where,
            fix="Choose the music again in the render settings, or remove it",
        ) from None
    return check_music(music)


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
