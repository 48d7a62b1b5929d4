"""What a media file holds (streams, size, length), read without ffprobe.

imageio-ffmpeg ships ffmpeg alone, so videos and audio are probed by parsing the stream summary
``ffmpeg -i`` prints; images are opened (and fully decoded, cheaply) with Pillow, which also
catches truncated files and decompression bombs. Every unusable file raises ``InputError``
naming the file and what to do about it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from studio.errors import InputError, MediaError
from studio.inputfiles import check_regular_file
from studio.media.ffmpeg import capture_ffmpeg, last_meaningful_line

#: Pillow formats Studio uses as pictures (and ffmpeg can decode for the render).
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF", "TIFF"})

_INPUT = re.compile(r"^Input #0, (?P<format>.+?), from ", re.MULTILINE)
_DURATION = re.compile(r"Duration: (?:(?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)|N/A)")
_STREAM = re.compile(
    r"^\s*Stream #0:(?P<index>\d+)\S*: (?P<type>Video|Audio|Subtitle|Data|Attachment): "
    r"(?P<codec>[\w-]+)(?P<rest>.*)$",
    re.MULTILINE,
)
_SIZE = re.compile(r"[ ,](?P<w>\d{1,5})x(?P<h>\d{1,5})(?=[ ,\[]|$)")
_FPS = re.compile(r"(?P<fps>\d+(?:\.\d+)?)(?P<k>k?) (?:fps|tbr)")
_MATRIX = re.compile(r"\((?:tv|pc)?(?:, )?(?P<matrix>bt709|bt470bg|smpte170m|bt2020nc|bt2020c|"
                     r"smpte240m|fcc|ycgco|gbr)\b")
_ROTATION = re.compile(r"rotation of (?P<deg>-?\d+(?:\.\d+)?) degrees")
_FRAMECRC_TB = re.compile(r"^#tb (?P<stream>\d+): (?P<num>\d+)/(?P<den>\d+)", re.MULTILINE)


@dataclass(frozen=True)
class MediaInfo:
    """A media file's shape.

    Attributes:
        duration: seconds (0.0 for a still image).
        width, height: the picture's displayed size (rotation applied); 0 without a picture.
        fps: frames per second of the video stream (0.0 for images and audio).
        has_video: a moving-picture stream (cover art in music files doesn't count).
        has_audio: an audio stream.
        video_codec, audio_codec: codec names as ffmpeg spells them (Pillow's for images).
        kind: "image", "video" (a picture stream, maybe with audio) or "audio".
        color_matrix: the video's YCbCr matrix tag ("bt709", "bt470bg", ...), None if untagged.
    """

    duration: float
    width: int
    height: int
    fps: float
    has_video: bool
    has_audio: bool
    video_codec: str | None
    audio_codec: str | None
    kind: str
    color_matrix: str | None = None


def probe(path: Path, *, exact: bool = False) -> MediaInfo:
    """Probe ``path``. ``exact=True`` measures a video's length from its packets.

    The container's "Duration" is given to 10 ms, which is within a frame; ``exact`` reads every
    packet's timestamp by stream copy (about 30 ms for a 5 s 1080p clip) and also detects files
    cut short after their header.

    Raises:
        InputError: the file is missing, empty, damaged, truncated, too large to decode, or not
            a picture, video or audio file.
    """
    path = Path(path)
    _check_readable(path)
    image = _probe_image(path)
    if image is not None:
        return image
    return _probe_av(path, exact=exact)


def audio_duration(path: Path) -> float:
    """The length in seconds of an audio file (WAV/FLAC/OGG via soundfile, others via ffmpeg).

    Raises:
        InputError: the file is missing, damaged, or holds no audio.
    """
    path = Path(path)
    _check_readable(path)
    import soundfile

    try:
        info = soundfile.info(str(path))
    except (RuntimeError, OSError, TypeError):
        info = None
    if info is not None and info.samplerate > 0:
        seconds = info.frames / info.samplerate
    else:
        media = _probe_av(path, exact=False)
        if not media.has_audio:
            raise InputError("This file has no sound", where=str(path),
                             fix="Choose an audio file (WAV, MP3, M4A, OGG, FLAC)")
        seconds = media.duration
    if seconds <= 0:
        raise InputError("This audio file is empty", where=str(path),
                         fix="Record or generate the audio again")
    return seconds


def _check_readable(path: Path) -> None:
    check_regular_file(path)  # a FIFO or a device would block FFmpeg (or this open) forever
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except PermissionError as exc:
        raise InputError("Studio isn't allowed to read this file", where=str(path),
                         fix="Check the file's permissions") from exc
    except OSError as exc:
        raise InputError(f"Studio can't read this file: {exc.strerror or exc}",
                         where=str(path)) from exc
    if size == 0:
        raise InputError("The file is empty (0 bytes)", where=str(path),
                         fix="It was probably not downloaded or saved completely; get it again")


def _probe_image(path: Path) -> MediaInfo | None:
    """Pillow's view of ``path``; None if it is not a picture (then ffmpeg decides)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as img:
                fmt = img.format or ""
                if fmt not in IMAGE_FORMATS:
                    return None
                img.verify()
            with Image.open(path) as img:
                width, height = img.size
                if _rotated(img):
                    width, height = height, width
                img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
                img.load()  # decodes everything (JPEG at 1/8 scale): truncation fails here
        except UnidentifiedImageError:
            return None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InputError(
                "This picture is too large for Studio to use",
                where=str(path),
                fix=f"Resize it below {(Image.MAX_IMAGE_PIXELS or 0) // 1_000_000} megapixels",
            ) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(
                "This picture is damaged or incomplete",
                where=str(path),
                fix="Download or export it again",
            ) from exc
    return MediaInfo(0.0, width, height, 0.0, False, False, fmt.lower(), None, "image")


def _rotated(img: Image.Image) -> bool:
    orientation = img.getexif().get(0x0112, 1)
    return orientation in (5, 6, 7, 8)


def _probe_av(path: Path, *, exact: bool) -> MediaInfo:
    _code, text, _out = capture_ffmpeg(["-i", str(path)])
    if _INPUT.search(text) is None:
        raise _unreadable(path, text)
    duration = _parse_duration(text)
    video: tuple[str, int, int, float, str | None] | None = None
    audio_codec: str | None = None
    lines = text.splitlines()
    for match in _STREAM.finditer(text):
        kind, codec, rest = match["type"], match["codec"], match["rest"]
        if kind == "Audio" and audio_codec is None:
            audio_codec = codec
        elif kind == "Video" and video is None and "(attached pic)" not in rest:
            size = _SIZE.search(rest)
            if size is None:
                continue
            width, height = int(size["w"]), int(size["h"])
            if _stream_rotation(lines, match.group(0)) in (90, 270):
                width, height = height, width
            matrix = _MATRIX.search(rest)
            video = (codec, width, height, _parse_fps(rest), matrix["matrix"] if matrix else None)
    if video is None and audio_codec is None:
        raise InputError("This file has no picture or sound Studio can use", where=str(path),
                         fix="Choose a video, picture or audio file")
    if exact or duration <= 0:
        measured = _packet_duration(path)
        if duration > 0 and measured < duration - 0.5:
            raise InputError(
                f"This file is cut short: it should last {duration:.1f} s but only "
                f"{measured:.1f} s of it is there",
                where=str(path),
                fix="Download or export it again",
            )
        duration = measured
    if duration <= 0:
        raise InputError("This file has no length", where=str(path),
                         fix="Download or export it again")
    if video is not None:
        codec, width, height, fps, matrix_tag = video
        return MediaInfo(duration, width, height, fps, True, audio_codec is not None, codec,
                         audio_codec, "video", matrix_tag)
    return MediaInfo(duration, 0, 0, 0.0, False, True, None, audio_codec, "audio")


def _parse_duration(text: str) -> float:
    match = _DURATION.search(text)
    if match is None or match["h"] is None:
        return 0.0
    return int(match["h"]) * 3600 + int(match["m"]) * 60 + float(match["s"])


def _parse_fps(rest: str) -> float:
    match = _FPS.search(rest)
    if match is None:
        return 0.0
    value = float(match["fps"])
    return value * 1000 if match["k"] else value


def _stream_rotation(lines: list[str], stream_line: str) -> int:
    """The display rotation (0/90/180/270) from the side data printed under a stream line."""
    try:
        start = lines.index(stream_line)
    except ValueError:
        return 0
    for line in lines[start + 1:]:
        if "Stream #" in line:
            break
        match = _ROTATION.search(line)
        if match:
            return round(abs(float(match["deg"]))) % 360
    return 0


def _packet_duration(path: Path) -> float:
    """The span of the file's packets (first video/audio stream), by stream copy."""
    args = ["-loglevel", "error", "-i", str(path), "-map", "0:v:0?", "-map", "0:a:0?",
            "-c", "copy", "-f", "framecrc", "-"]
    _code, _err, out = capture_ffmpeg(args, timeout=120)
    text = out.decode("ascii", "replace")
    bases = {int(m["stream"]): int(m["num"]) / int(m["den"]) for m in _FRAMECRC_TB.finditer(text)}
    spans: dict[int, list[float]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")]
        try:
            stream, pts, dur = int(fields[0]), int(fields[2]), int(fields[3])
        except (IndexError, ValueError):
            continue
        base = bases.get(stream)
        if base is None:
            continue
        start, end = pts * base, (pts + dur) * base
        span = spans.setdefault(stream, [start, end])
        span[0], span[1] = min(span[0], start), max(span[1], end)
    if not spans:
        return 0.0
    # Encoder priming (AAC's first packet starts before 0) is not played: count from 0.
    start = max(0.0, min(first for first, _ in spans.values()))
    return max(end for _, end in spans.values()) - start


def _unreadable(path: Path, text: str) -> InputError | MediaError:
    reason = last_meaningful_line(text.splitlines())
    if "Permission denied" in text:
        return InputError("Studio isn't allowed to read this file", where=str(path),
                          fix="Check the file's permissions")
    if "Invalid data found" in text or "moov atom not found" in text or not reason:
        return InputError(
            "Studio can't read this file: it is damaged, incomplete, or not a picture, video "
            "or audio file",
            where=str(path),
            fix="Open it in a media player to check it, or download or export it again",
        )
    return InputError(f"Studio can't read this file: {reason}", where=str(path),
                      fix="Open it in a media player to check it, or choose another file")
