"""The finished video: segments and soundtrack joined by stream copy, thumbnail, captions.

Nothing is re-encoded here: the concat demuxer copies the picture of every segment and the
soundtrack (``soundtrack.build_soundtrack``, made beside the segments) is copied as it is, so
joining a minute of video takes a fraction of a second.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from studio.errors import Cancelled, InputError, MediaError
from studio.media.captions import Cue, write_srt
from studio.media.ffmpeg import atomic_output, run_ffmpeg
from studio.media.probe import probe
from studio.media.settings import RenderSettings
from studio.media.soundtrack import SoundPart, build_soundtrack
from studio.progress import CancelToken, ProgressFn, scaled

log = logging.getLogger(__name__)

THUMBNAIL_WIDTH = 640
_SOUND_SHARE = 0.8  # of assemble's progress, when it makes the soundtrack itself
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
    soundtrack: Path | None = None,
    thumbnail_frame: Image.Image | None = None,
) -> RenderOutput:
    """Join ``segments`` (from ``render_segment``, same settings) and their sound into ``out_mp4``.

    ``soundtrack`` is the finished sound of the same scenes (``build_soundtrack``); without it,
    one is made first from the segments' own audio (music from ``settings``, -16 LUFS).
    ``total_duration`` is the expected length (for progress and a sanity check). With ``cues``,
    ``<stem>.srt`` is written beside it. The thumbnail (``<stem>.jpg``) is ``thumbnail_frame``
    when the caller already has the frame a third of the way in, else read from the video.

    Raises:
        InputError: a segment, the soundtrack or the music file is missing or unusable.
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
    if soundtrack is not None and not Path(soundtrack).is_file():
        raise InputError("The video's sound is missing", where=str(soundtrack),
                         fix="Render again")
    report = progress or (lambda _f, _s: None)
    join_from = 0.0
    with tempfile.TemporaryDirectory(prefix="studio-assemble-") as work:
        if soundtrack is None:
            soundtrack = build_soundtrack(
                [SoundPart(Path(s)) for s in segments], Path(work) / "sound.m4a",
                settings=settings, duration=total_duration,
                progress=scaled(report, 0.0, _SOUND_SHARE), cancel=cancel,
            )
            join_from = _SOUND_SHARE
        listing = Path(work) / "segments.ffconcat"
        listing.write_text(concat_list(segments), encoding="utf-8")
        with atomic_output(out_mp4) as partial:
            args = [
                "-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(soundtrack),
                "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
                "-map_metadata", "-1", "-movflags", "+faststart",
                "-f", "mp4", str(partial),
            ]
            run_ffmpeg(args, duration=total_duration,
                       progress=scaled(report, join_from, _JOIN_SHARE),
                       cancel=cancel, stage="Joining the scenes", where=str(out_mp4))
    info = probe(out_mp4)
    if abs(info.duration - total_duration) > max(0.1, 2 / settings.fps):
        log.warning("assembled %s lasts %.3f s, expected %.3f s", out_mp4, info.duration,
                    total_duration)
    try:
        if thumbnail_frame is not None:  # already decoded (from the segments): just save it
            thumbnail = save_thumbnail(thumbnail_frame, out_mp4.with_suffix(".jpg"))
        else:
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


def save_thumbnail(frame: Image.Image, out: Path) -> Path:
    """``frame`` (the one a third of the way in) as the video's JPEG, 640 px wide."""
    height = max(2, round(frame.height * THUMBNAIL_WIDTH / frame.width / 2) * 2)
    with atomic_output(out) as partial:
        frame.resize((THUMBNAIL_WIDTH, height), Image.Resampling.LANCZOS).save(
            partial, format="JPEG", quality=88)
    return out


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
