"""One scene's segment: its visual (with gentle motion) over its voice, captions burned in.

Every segment of a render is encoded with identical parameters (codec, size, frame rate, GOP,
colour tags, audio format), so ``assemble`` joins them by stream copy and re-rendering after an
edit re-encodes only the scenes that changed (``segment_key`` names a segment by everything that
shapes it). A segment lasts exactly a whole number of frames, the first at or after the end of
its audio, and carries lossless audio of exactly the same length, so joins are sample-exact.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from PIL import Image, ImageOps

from studio.encoder_kinds import X264
from studio.errors import InputError
from studio.framing_kinds import FRAMINGS as FRAMINGS  # how a visual of another shape is framed
from studio.framing_kinds import MOTIONS as MOTIONS  # a picture's Ken Burns moves
from studio.media import settings as encoding
from studio.media.captions import ass_filter
from studio.media.encoders import recipe
from studio.media.ffmpeg import atomic_output, ffmpeg_exe, run_ffmpeg
from studio.media.framing import (
    CENTRE,
    DEFAULT_FIT_COLOUR,
    check_framing,
    clip_fit_filter,
    compose_picture,
    fill_filter,
    motion_expressions,
)
from studio.media.framing import KEN_BURNS_ZOOM as KEN_BURNS_ZOOM
from studio.media.probe import MediaInfo, probe
from studio.media.settings import RenderSettings
from studio.progress import CancelToken, ProgressFn, no_progress, run_concurrently

VISUAL_KINDS = ("image", "video")
#: Pictures are moved at this multiple of the frame size, then scaled down: zoompan moves in
#: whole pixels, so at 2x the stair-step jitter halves (0.28 -> 0.13 px RMS, measured).
KEN_BURNS_SUPERSAMPLE = 2
#: ...but never beyond this long side: at 1440p and 2160p a 2x picture would be 5120 or 7680
#: pixels wide (7680x4320 is 100 MB a frame in zoompan); at 4K the stair-steps are half as big
#: on screen anyway. 720p and 1080p keep the full 2x.
KEN_BURNS_MAX_SIDE = 3840
#: ffmpeg's decoder for each picture format Pillow reports (named, so a misnamed file works);
#: other pictures (GIF) go through Pillow first.
_IMAGE_DECODERS = {"jpeg": "mjpeg", "mpo": "mjpeg", "png": "png", "webp": "webp", "bmp": "bmp",
                   "tiff": "tiff"}
#: Every segment carries the same colour tags, so their H.264 headers match for the join.
_COLOUR_TAGS = "setparams=range=tv:colorspace=bt709:color_primaries=bt709:color_trc=bt709"
#: Bump when the encoding changes so old cached segments are not joined with new ones.
SEGMENT_FORMAT = "studio-segment-4"
#: Settings that never shape a segment's picture (music is mixed apart; transitions are pieces of
#: their own, and a segment's trimmed ends are part of its own name, ``Handles``).
_NOT_IN_SEGMENT = ("music_path", "music_volume", "transition", "transition_duration")
#: How a handle is kept: near-lossless x264 (CRF 12; its frames are encoded once more, at CRF 23,
#: into a transition). Measured on 15 frames of 1080p: encoding costs as lossless (0.26 s of CPU),
#: decoding 0.08 s instead of 0.14, and the file is a third of the size.
HANDLE_ENCODER = ("-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p")


@dataclass(frozen=True)
class Handles:
    """A segment's first and last frames, written to files of their own and left out of it.

    A transition between two scenes is made from the end of one and the start of the next
    (``studio.media.transitions``); these frames come from the same run as the segment, so
    nothing is rendered twice.

    Attributes:
        head: frames cut from the segment's start into ``head_path`` (0: none).
        tail: frames cut from its end into ``tail_path`` (0: none).
        head_path: where the head goes (near-lossless H.264 in MP4), when ``head``.
        tail_path: where the tail goes, when ``tail``.
    """

    head: int = 0
    tail: int = 0
    head_path: Path | None = None
    tail_path: Path | None = None

    def outputs(self) -> list[tuple[str, int, Path]]:
        """``(label, frames, path)`` of each handle to write."""
        sides = [("head", self.head, self.head_path), ("tail", self.tail, self.tail_path)]
        return [(label, n, path) for label, n, path in sides if n > 0 and path is not None]

    def body_frames(self, frame_count: int) -> int:
        """Frames left in the segment once the handles are cut off."""
        return frame_count - self.head - self.tail


@dataclass(frozen=True)
class Overlay:
    """A transparent picture laid over a segment's visual, still or scrolling upwards.

    Attributes:
        path: an RGBA picture (PNG) as wide as the frame (any height).
        scroll_from: the picture's row at the top of the frame when the segment starts.
        scroll_to: the picture's row at the top of the frame when it ends (the picture moves
            evenly in between; equal values hold it still).
    """

    path: Path
    scroll_from: float = 0.0
    scroll_to: float = 0.0


@dataclass(frozen=True)
class SegmentSpec:
    """Everything that shapes one segment.

    Attributes:
        visual_path: the picture or video clip shown.
        visual_kind: "image" or "video".
        audio_path: the scene's voice.
        duration: the voice's length in seconds; the segment lasts this (plus ``padding``),
            rounded up to a whole frame.
        ass_path: captions to burn in (scene-local times), or None.
        motion: Ken Burns move for pictures ("zoom-in", "zoom-out", "pan-left", "pan-right",
            "none"); video clips play as they are.
        in_point: where in the clip to start (seconds).
        out_point: where in the clip to stop (seconds), or None for its end. A trimmed clip
            shorter than the scene holds its last frame; an untrimmed one loops.
        settings: the render's frame size, frame rate and caption choices.
        padding: seconds of silence after the voice.
        overlay: a picture laid over the visual (chat bubbles, a scrolling page), or None.
        framing: "fill" (cover, crop around ``focal``), "fit-blur" (whole, over a blurred
            copy of itself) or "fit-colour" (whole, on ``fit_colour``).
        focal: the point (x, y from 0 to 1) a fill crop keeps in view.
        fit_colour: the colour around a "fit-colour" visual ("#rrggbb").
        motion_amount: how far the Ken Burns moves, 0 (still) to 1 (zoom 2x, or a picture
            twice the frame panned); None: ``KEN_BURNS_ZOOM``.
    """

    visual_path: Path
    visual_kind: str
    audio_path: Path
    duration: float
    ass_path: Path | None = None
    motion: str = "zoom-in"
    in_point: float = 0.0
    out_point: float | None = None
    settings: RenderSettings = field(default_factory=RenderSettings)
    padding: float = 0.0
    overlay: Overlay | None = None
    framing: str = "fill"
    focal: tuple[float, float] = CENTRE
    fit_colour: str = DEFAULT_FIT_COLOUR
    motion_amount: float | None = None

    def __post_init__(self) -> None:
        if self.visual_kind not in VISUAL_KINDS:
            raise InputError(f"A scene's visual must be an image or a video, "
                             f"not {self.visual_kind!r}")
        if self.motion not in MOTIONS:
            raise InputError(f"Studio doesn't know the motion {self.motion!r}",
                             fix="Choose one of " + ", ".join(MOTIONS))
        if not self.duration > 0 or not math.isfinite(self.duration):
            raise InputError(f"A scene must last longer than 0 s, not {self.duration!r}",
                             where=str(self.audio_path), fix="Generate the scene's voice again")
        if self.padding < 0 or self.in_point < 0:
            raise InputError("A scene's padding and clip start can't be negative")
        if self.out_point is not None and not self.out_point > self.in_point:
            raise InputError("A clip's end must come after its start",
                             where=str(self.visual_path), fix="Trim the clip again")
        check_framing(self.framing, self.focal, self.fit_colour, self.motion_amount)

    @property
    def length(self) -> float:
        """Seconds of the segment before rounding to frames (voice plus padding)."""
        return self.duration + self.padding

    @property
    def frame_count(self) -> int:
        """Frames in the segment: the first whole frame at or after the end of the audio."""
        return max(1, math.ceil(self.length * self.settings.fps - 1e-6))

    @property
    def exact_duration(self) -> float:
        """The segment's real length in seconds (``frame_count / fps``)."""
        return self.frame_count / self.settings.fps

    @property
    def sample_count(self) -> int:
        """48 kHz audio samples in the segment (exactly ``frame_count`` frames' worth)."""
        return self.frame_count * self.settings.samples_per_frame


def segment_key(spec: SegmentSpec) -> str:
    """A name for the segment that changes whenever anything shaping it changes.

    Covers every parameter, the encoder settings, the ffmpeg build, each input file's size and
    modification time, and the captions file's content. Music is not part of a segment.

    Raises:
        InputError: an input file is missing.
    """
    render = {k: v for k, v in spec.settings.to_json().items()
              if k not in _NOT_IN_SEGMENT}
    payload = {
        "format": SEGMENT_FORMAT,
        "encoder": [encoding.VIDEO_CODEC, encoding.VIDEO_PRESET, encoding.VIDEO_X264_PARAMS,
                    encoding.VIDEO_CRF,
                    encoding.GOP_SECONDS, encoding.SEGMENT_AUDIO_CODEC, KEN_BURNS_ZOOM,
                    KEN_BURNS_SUPERSAMPLE],
        "ffmpeg": Path(ffmpeg_exe()).name,
        "visual": _file_identity(spec.visual_path),
        "visual_kind": spec.visual_kind,
        "audio": _file_identity(spec.audio_path),
        "duration": round(spec.duration, 6),
        "padding": round(spec.padding, 6),
        "motion": spec.motion if spec.visual_kind == "image" else None,  # clips don't move
        "in_point": round(spec.in_point, 6),
        "settings": render,
        "captions": _content_hash(spec.ass_path) if spec.ass_path is not None else None,
        "overlay": None if spec.overlay is None else [
            _file_identity(spec.overlay.path),
            round(spec.overlay.scroll_from, 3),
            round(spec.overlay.scroll_to, 3),
        ],
    }
    if spec.out_point is not None:  # only when trimmed: untrimmed segments keep their names
        payload["out_point"] = round(spec.out_point, 6)
    if spec.settings.encoder != X264:  # x264's segments keep the names they always had
        payload["encoder_options"] = encoder_key(spec.settings)
    payload.update(_framing_key(spec))
    text = json.dumps(payload, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


def encoder_key(settings: RenderSettings) -> list[str]:
    """What names the pieces of a video made with a hardware encoder: its options (the
    encoder's name is in the settings), so changing them re-encodes its pieces."""
    return recipe(settings.encoder).video_args(settings.fps)


def _framing_key(spec: SegmentSpec) -> dict[str, object]:
    """The framing's part of the key: only values that differ from Studio's defaults, so
    segments made before framings existed keep their names."""
    extra: dict[str, object] = {}
    if spec.framing != "fill":
        extra["framing"] = spec.framing
        if spec.framing == "fit-colour":
            extra["fit_colour"] = spec.fit_colour.lower()
    elif tuple(spec.focal) != CENTRE:
        extra["focal"] = [round(v, 4) for v in spec.focal]
    if spec.visual_kind == "image":
        if spec.motion_amount is not None and spec.motion_amount != KEN_BURNS_ZOOM:
            extra["motion_amount"] = round(spec.motion_amount, 4)  # the default's value: same
        if _supersample(spec.settings) != KEN_BURNS_SUPERSAMPLE:
            extra["supersample"] = [_supersample(spec.settings), KEN_BURNS_MAX_SIDE]
    return extra


def _file_identity(path: Path) -> list[object]:
    try:
        stat = Path(path).stat()
    except OSError as exc:
        raise InputError("A scene's file is missing", where=str(path),
                         fix="Choose the scene's visual or regenerate its voice") from exc
    return [str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns]


def _content_hash(path: Path) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise InputError("A scene's captions file is missing", where=str(path),
                         fix="Render again to rewrite it") from exc


def render_segment(
    spec: SegmentSpec,
    out_path: Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    threads: int | None = None,
    preset: str = encoding.VIDEO_PRESET,
    handles: Handles | None = None,
) -> Path:
    """Encode ``spec`` to ``out_path`` (an MP4: H.264 + FLAC), atomically; return the path.

    ``threads`` caps ffmpeg's threads (``render_segments`` shares the cores between jobs);
    ``preset`` is x264's (a scene preview's proxy trades size for speed; renders keep the
    default so their segments join). ``handles``: frames of the start and end written to their
    own files in the same run and left out of ``out_path`` (its sound is cut to match).

    Raises:
        InputError: an input file is missing or unusable.
        Cancelled: ``cancel`` fired (nothing is left at ``out_path``).
        MediaError: ffmpeg failed.
    """
    overlay_path = spec.overlay.path if spec.overlay is not None else None
    for path in (spec.visual_path, spec.audio_path, spec.ass_path, overlay_path):
        if path is not None and not Path(path).is_file():
            raise InputError("A scene's file is missing", where=str(path),
                             fix="Choose the scene's visual or regenerate its voice")
    handles = handles or Handles()
    if handles.body_frames(spec.frame_count) < 1:
        raise ValueError("a segment's handles must leave it at least one frame")
    info = probe(spec.visual_path)  # a clear InputError for broken files, before ffmpeg runs
    with tempfile.TemporaryDirectory(prefix="studio-segment-") as work, ExitStack() as stack:
        partial = stack.enter_context(atomic_output(Path(out_path)))
        handle_parts = [(label, n, stack.enter_context(atomic_output(Path(path))))
                        for label, n, path in handles.outputs()]
        if info.kind == "image":  # what the file is wins over what the scene says
            visual_input, video_chain = _image_input(spec, info, Path(work))
        elif not info.has_video:
            raise InputError("This file has no picture", where=str(spec.visual_path),
                             fix="Choose a picture or a video for the scene")
        else:
            visual_input, video_chain = _video_input(spec, info, threads)
        overlay_input: list[str] = []
        if spec.overlay is not None:
            overlay_input = ["-f", "image2", "-pattern_type", "none", "-c:v", "png",
                             "-i", str(spec.overlay.path)]
        args = [
            *visual_input,
            "-i", str(spec.audio_path),
            *overlay_input,
            "-filter_complex", _graph(video_chain, spec, handles),
            "-map", "[v]", "-map", "[a]",
            *encoder_args(spec.settings, threads, preset=preset),
            "-f", "mp4", str(partial),
        ]
        for label, _frames, path in handle_parts:
            args += ["-map", f"[{label}]", *HANDLE_ENCODER, *_threads(threads), "-an",
                     "-map_metadata", "-1", "-f", "mp4", str(path)]
        body_seconds = handles.body_frames(spec.frame_count) / spec.settings.fps
        run_ffmpeg(args, duration=body_seconds, progress=progress, cancel=cancel,
                   stage="Rendering a scene", where=str(spec.visual_path))
    return Path(out_path)


def encoder_args(
    settings: RenderSettings, threads: int | None = None, *, preset: str = encoding.VIDEO_PRESET
) -> list[str]:
    """The output options every segment shares (so segments join by stream copy), with the
    video encoder ``settings.encoder`` (``preset`` is x264's; other encoders have their own)."""
    args = [
        *recipe(settings.encoder).video_args(settings.fps, preset=preset),
        "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709",
        "-color_range", "tv",
        "-c:a", encoding.SEGMENT_AUDIO_CODEC, "-ar", str(encoding.AUDIO_RATE), "-ac", "2",
        "-map_metadata", "-1", "-map_chapters", "-1",
    ]
    if threads:
        args += ["-threads", str(threads), "-filter_complex_threads", str(threads)]
    return args


def _threads(threads: int | None) -> list[str]:
    return ["-threads", str(threads)] if threads else []


def _graph(video_chain: str, spec: SegmentSpec, handles: Handles) -> str:
    """The whole filter graph: picture ``[v]`` and sound ``[a]``, and with ``handles`` the
    frames they cut off the start and end as ``[head]`` and ``[tail]``.

    The handles are cut after the captions are burned in, so a transition shows them as the
    scene does; the sound is cut to the same frames. The encoder's filter tail (VA-API's upload
    to the GPU) ends ``[v]`` alone: handles are always x264.
    """
    if not video_chain.endswith("[v]"):
        raise ValueError("a segment's video chain must end in [v]")
    tail = recipe(spec.settings.encoder).chain_tail  # the encoder's own (VA-API's upload)
    outputs = handles.outputs()
    if not outputs:
        return f"{video_chain.removesuffix('[v]')}{tail}[v];{_audio_chain(spec)}"
    n, first, last = spec.frame_count, handles.head, spec.frame_count - handles.tail
    per_frame = spec.settings.samples_per_frame
    labels = "".join(f"[{label}in]" for label, _, _ in outputs)
    graph = [
        f"{video_chain.removesuffix('[v]')}[vfull]",
        _audio_chain(spec, label="afull"),
        f"[vfull]split={len(outputs) + 1}[bodyin]{labels}",
        f"[bodyin]trim=start_frame={first}:end_frame={last},setpts=PTS-STARTPTS{tail}[v]",
        f"[afull]atrim=start_sample={first * per_frame}:end_sample={last * per_frame},"
        f"asetpts=PTS-STARTPTS[a]",
    ]
    for label, _, _ in outputs:
        start, end = (0, first) if label == "head" else (last, n)
        graph.append(f"[{label}in]trim=start_frame={start}:end_frame={end},"
                     f"setpts=PTS-STARTPTS[{label}]")
    return ";".join(graph)


def _cover(
    width: int, height: int, in_matrix: str | None = None, focal: tuple[float, float] = CENTRE
) -> str:
    """Scale to cover ``width`` x ``height`` and crop around ``focal`` (``framing.fill_filter``)."""
    return fill_filter(width, height, in_matrix, focal)


def _supersample(settings: RenderSettings) -> float:
    """The Ken Burns supersampling factor at these settings (2, capped by the long side)."""
    long_side = max(settings.width, settings.height)
    return min(float(KEN_BURNS_SUPERSAMPLE), KEN_BURNS_MAX_SIDE / long_side)


def _image_input(spec: SegmentSpec, info: MediaInfo, work: Path) -> tuple[list[str], str]:
    """ffmpeg input options and the video filter chain for a picture with Ken Burns motion.

    A fitted picture ("fit-blur", "fit-colour") is composed once at the size the motion works
    at, then moves like any other.
    """
    source = Path(spec.visual_path)
    decoder = _IMAGE_DECODERS.get(info.video_codec or "")
    settings = spec.settings
    w, h, fps, n = settings.width, settings.height, settings.fps, spec.frame_count
    still = spec.motion == "none" or spec.motion_amount == 0
    scale = 1.0 if still else _supersample(settings)
    big_w, big_h = _even(w * scale), _even(h * scale)
    if spec.framing != "fill":
        framed = work / "framed.png"
        source = compose_picture(source, big_w, big_h, spec.framing, spec.fit_colour, framed)
        decoder = "png"
    elif decoder is None:
        source, decoder = _as_png(source, work / "visual.png"), "png"
    options = ["-f", "image2", "-pattern_type", "none", "-framerate", str(fps),
               "-c:v", decoder, "-i", str(source)]
    cover = _cover(big_w, big_h, None, spec.focal)
    if still:
        chain = (f"[0:v]{cover},loop=loop={n - 1}:size=1,setpts=N/({fps}*TB),"
                 f"trim=end_frame={n}")
    else:
        zoom, x, y = motion_expressions(spec.motion, n, spec.motion_amount)
        chain = (
            f"[0:v]{cover},"
            f"zoompan=z='{zoom}':x='{x}':y='{y}':d={n}:s={w}x{h}:fps={fps},"
            f"trim=end_frame={n},setpts=PTS-STARTPTS"
        )
    return options, _finish(chain, spec)


def _even(pixels: float) -> int:
    """``pixels`` rounded to an even whole number (yuv420p needs even sizes)."""
    return max(2, round(pixels / 2) * 2)


def _as_png(source: Path, target: Path) -> Path:
    """A picture ffmpeg can't read directly (GIF, MPO...), as PNG (first frame, upright)."""
    try:
        with Image.open(source) as img:
            ImageOps.exif_transpose(img).convert("RGB").save(target, format="PNG",
                                                             compress_level=1)
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError("This picture is damaged or can't be used", where=str(source),
                         fix="Choose another picture") from exc
    return target


def _video_input(
    spec: SegmentSpec, info: MediaInfo, threads: int | None
) -> tuple[list[str], str]:
    """ffmpeg input options and the video filter chain for a clip: trimmed, looped, covered."""
    settings = spec.settings
    clip_duration = info.duration
    # Untagged clips: HD is BT.709 by convention (ffmpeg would assume BT.601 and convert).
    matrix = info.color_matrix or ("bt709" if max(info.width, info.height) >= 1280 else "bt470bg")
    in_point = spec.in_point if spec.in_point < clip_duration - 0.1 else 0.0
    options: list[str] = []
    if threads:
        options += ["-threads", str(threads)]
    hold = ""
    if spec.out_point is not None:  # trimmed: play in..out once, then hold the last frame
        options += ["-t", f"{max(min(spec.out_point, clip_duration) - in_point, 0.05):.3f}"]
        hold = "tpad=stop=-1:stop_mode=clone,"
    elif clip_duration - in_point < spec.exact_duration:
        options += ["-stream_loop", "-1"]  # later passes restart from the clip's beginning
    if in_point > 0:
        options += ["-ss", f"{in_point:.3f}"]
    options += ["-i", str(spec.visual_path)]
    if spec.framing == "fill":
        frame = _cover(settings.width, settings.height, matrix, spec.focal)
    else:
        frame = clip_fit_filter(settings.width, settings.height, spec.framing,
                                spec.fit_colour, matrix)
    chain = (
        f"[0:v]fps={settings.fps},{frame},{hold}"
        f"trim=end_frame={spec.frame_count},setpts=PTS-STARTPTS"
    )
    return options, _finish(chain, spec)


def _finish(chain: str, spec: SegmentSpec) -> str:
    """Lay the overlay and burn the captions (if any), tag the colours, label it ``[v]``."""
    if spec.overlay is not None:
        chain = f"{chain}[base];{_overlay_chain(spec)}"
    if spec.ass_path is not None:
        chain = f"{chain},{ass_filter(Path(spec.ass_path))}"
    return f"{chain},{_COLOUR_TAGS}[v]"


def _overlay_chain(spec: SegmentSpec) -> str:
    """Input 2 (the overlay picture) over ``[base]``, moving from its start row to its end row.

    The picture is decoded once (a single frame, repeated by ``overlay``); only the rows on
    screen are blended, so a page many frames tall costs no more than one frame.
    """
    overlay = spec.overlay
    assert overlay is not None
    start, end = overlay.scroll_from, overlay.scroll_to
    if abs(end - start) < 0.5:
        y = f"{-round(start)}"
    else:
        span = max(spec.exact_duration - 1 / spec.settings.fps, 1e-3)
        y = f"-({start:.3f}+({end - start:.3f})*min(t/{span:.6f}\\,1))"
    return (f"[2:v]format=rgba[overlay];"
            f"[base][overlay]overlay=x=(W-w)/2:y='{y}':eval=frame:format=yuv420,"
            f"format=yuv420p")


def _audio_chain(spec: SegmentSpec, label: str = "a") -> str:
    """The voice as 48 kHz stereo, padded with silence (or cut) to exactly the segment."""
    samples = spec.sample_count
    return (
        f"[1:a]asetpts=PTS-STARTPTS,aresample={encoding.AUDIO_RATE},"
        f"aformat=sample_fmts=s16:sample_rates={encoding.AUDIO_RATE}:channel_layouts=stereo,"
        f"apad=whole_len={samples},atrim=end_sample={samples}[{label}]"
    )


def render_segments(
    specs: Sequence[SegmentSpec],
    outs: Sequence[Path],
    *,
    jobs: int = 2,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    handles: Sequence[Handles | None] | None = None,
) -> list[Path]:
    """Render ``specs`` to ``outs``, ``jobs`` at a time, sharing the CPU cores between them.

    ``handles``: each segment's handles (``render_segment``), when any has some.

    Progress is reported for the whole batch (weighted by frames). The first failure stops the
    other jobs and is raised; cancelling stops all of them (``progress.run_concurrently``).

    Raises:
        Cancelled, InputError, MediaError: as ``render_segment``.
    """
    if len(specs) != len(outs) or (handles is not None and len(handles) != len(specs)):
        raise ValueError("render_segments needs one output path (and handles) per spec")
    if not specs:
        return []
    jobs = max(1, min(jobs, len(specs)))
    threads = max(1, (os.cpu_count() or 2) // jobs)
    finished: set[int] = set()
    lock = threading.Lock()

    def stage() -> str:
        return f"Rendering scenes ({len(finished)} of {len(specs)} done)"

    def step(index: int, *, progress: ProgressFn, cancel: CancelToken) -> Path:
        cancel.raise_if_cancelled()  # a job still queued when another failed
        out = render_segment(
            specs[index],
            outs[index],
            progress=lambda fraction, _stage: progress(fraction, ""),
            cancel=cancel,
            threads=threads,
            handles=handles[index] if handles is not None else None,
        )
        with lock:
            finished.add(index)
        progress(1.0, "")
        return out

    outer = progress or no_progress
    run_concurrently(  # the count is read as each report goes out, so it is never stale
        [(float(spec.frame_count), partial(step, i)) for i, spec in enumerate(specs)],
        progress=lambda fraction, _stage: outer(fraction, stage()),
        cancel=cancel or CancelToken(),
        max_workers=jobs,
    )
    return [Path(o) for o in outs]
