"""The H.264 encoders a render may use: their FFmpeg options, and which of them open here.

Every encoder is given options that make the same stream structure, so all the pieces of one
video (encoded with one encoder) join by stream copy: 8-bit 4:2:0, High profile, a keyframe
every ``GOP_SECONDS`` and never at a scene cut, a fixed B-frame pattern without pyramids, BT.709
tags. Their quality targets are the hardware encoders' constant-quality modes at the number
x264 uses (CRF 23); only x264's were measured here (docs/benchmarks.md, "Encoders and quality").

Whether a hardware encoder works depends on the machine (a GPU, its driver, a device node), not
on the FFmpeg build, which has most of them compiled in. ``encoder_status`` finds out with a
tiny real encode per encoder, once per machine and FFmpeg binary: the answer is kept in the
library's cache folder (``PROBE_FILE``), keyed by the binary's path, size and modification time
and ``PROBE_FORMAT``. A render that fails mid-way with a hardware encoder records it
(``mark_failed``), so ``auto`` doesn't choose it again.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from studio.encoder_kinds import AUTO, ENCODER_LABELS, ENCODERS, X264, check_encoder
from studio.errors import InputError, MediaError
from studio.inputfiles import read_regular_file
from studio.media import settings as encoding
from studio.media.ffmpeg import capture_ffmpeg, ffmpeg_exe
from studio.savefile import atomic_write

log = logging.getLogger(__name__)

#: The probe's answers, in the library's cache folder.
PROBE_FILE = "encoders.json"
#: The largest probe file read (it holds a few lines per encoder; more is not Studio's).
PROBE_FILE_LIMIT = 64 * 1024
#: Bump when the probe or an encoder's options change, so every machine probes again.
PROBE_FORMAT = "studio-encoder-probe-1"
#: The test encode: a few frames of a small test picture, thrown away (``-f null``).
PROBE_SIZE = "256x144"
PROBE_FPS = 30
PROBE_FRAMES = 5
#: Seconds a test encode may take (a driver that hangs must not hang the render).
PROBE_TIMEOUT = 20.0
#: The render node VA-API encodes on (the first GPU on Linux).
VAAPI_DEVICE = "/dev/dri/renderD128"
#: The constant quality every encoder aims at (x264's CRF; the others' QP/CQ scale alike).
QUALITY = encoding.VIDEO_CRF


@dataclass(frozen=True)
class EncoderRecipe:
    """One encoder's FFmpeg options.

    Attributes:
        name: Studio's name (``studio.encoder_kinds.ENCODERS``).
        codec: FFmpeg's encoder (``-c:v``).
        options: rate control, profile and B-frame options (no GOP: it depends on the fps).
        gop_options: the options that fix the GOP, with ``{gop}`` for its length in frames.
        pix_fmt: the software picture format it takes (None: it takes hardware frames).
        device: global options that open its device (VA-API's render node).
        filter_tail: filters the picture passes through last (VA-API's upload to the GPU).
    """

    name: str
    codec: str
    options: tuple[str, ...]
    gop_options: tuple[str, ...]
    pix_fmt: str | None = "yuv420p"
    device: tuple[str, ...] = ()
    filter_tail: str = ""

    @property
    def chain_tail(self) -> str:
        """``filter_tail`` ready to append to a filter chain ("," and the filters, or "")."""
        return f",{self.filter_tail}" if self.filter_tail else ""

    def video_args(self, fps: int, *, preset: str | None = None) -> list[str]:
        """The output's video options at ``fps`` (``preset``: x264's, for scene previews)."""
        gop = str(encoding.GOP_SECONDS * fps)
        options = list(self.options)
        if preset is not None and self.name == X264:
            options[options.index("-preset") + 1] = preset
        return [
            *self.device,
            "-c:v", self.codec,
            *options,
            *([] if self.pix_fmt is None else ["-pix_fmt", self.pix_fmt]),
            *(part.format(gop=gop) for part in self.gop_options),
        ]


_Q = str(QUALITY)
#: Every encoder, by Studio's name. Two B-frames without pyramids (or none where the encoder
#: can't promise that) and no scene-cut keyframes, so each encoder's pieces share one structure.
RECIPES: Mapping[str, EncoderRecipe] = {
    X264: EncoderRecipe(
        X264,
        encoding.VIDEO_CODEC,
        ("-preset", encoding.VIDEO_PRESET, "-x264-params", encoding.VIDEO_X264_PARAMS,
         "-crf", _Q, "-profile:v", "high"),
        ("-g", "{gop}", "-keyint_min", "{gop}", "-sc_threshold", "0"),
    ),
    "nvenc": EncoderRecipe(
        "nvenc",
        "h264_nvenc",
        ("-preset", "p4", "-tune", "hq", "-rc", "vbr", "-cq", _Q, "-b:v", "0",
         "-profile:v", "high", "-bf", "2", "-b_ref_mode", "disabled"),
        ("-g", "{gop}", "-no-scenecut", "1", "-strict_gop", "1", "-forced-idr", "1"),
    ),
    "qsv": EncoderRecipe(
        "qsv",
        "h264_qsv",
        ("-preset", "veryfast", "-global_quality", _Q, "-look_ahead", "0",
         "-profile:v", "high", "-bf", "2", "-b_strategy", "0", "-adaptive_b", "0"),
        ("-g", "{gop}", "-adaptive_i", "0", "-idr_interval", "0"),
        pix_fmt="nv12",
    ),
    "videotoolbox": EncoderRecipe(
        "videotoolbox",
        "h264_videotoolbox",
        ("-q:v", "65", "-allow_sw", "0", "-realtime", "0", "-profile:v", "high", "-bf", "0"),
        ("-g", "{gop}",),
        pix_fmt="nv12",
    ),
    "amf": EncoderRecipe(
        "amf",
        "h264_amf",
        ("-usage", "transcoding", "-quality", "balanced", "-rc", "cqp",
         "-qp_i", _Q, "-qp_p", _Q, "-qp_b", _Q, "-profile:v", "high", "-bf", "0"),
        ("-g", "{gop}", "-pa_scene_change_detection_enable", "0"),
        pix_fmt="nv12",
    ),
    "vaapi": EncoderRecipe(
        "vaapi",
        "h264_vaapi",
        ("-rc_mode", "CQP", "-qp", _Q, "-profile:v", "high", "-bf", "0"),
        ("-g", "{gop}", "-idr_interval", "0"),
        pix_fmt=None,
        device=("-vaapi_device", VAAPI_DEVICE),
        filter_tail="format=nv12,hwupload",
    ),
    encoding.LOSSLESS_ENCODER: EncoderRecipe(
        encoding.LOSSLESS_ENCODER,
        encoding.VIDEO_CODEC,
        ("-preset", "ultrafast", "-qp", "0"),
        ("-g", "{gop}", "-keyint_min", "{gop}", "-sc_threshold", "0"),
    ),
}


def recipe(name: str) -> EncoderRecipe:
    """The recipe of the concrete encoder ``name`` ("auto" is not one: ``resolve`` it first)."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(f"{name!r} is not a concrete encoder (resolve 'auto' first)") from None


@dataclass(frozen=True)
class EncoderStatus:
    """Whether an encoder opened on this machine.

    Attributes:
        name: Studio's name for it.
        works: the test encode succeeded (and no render has failed with it since).
        reason: why it doesn't work (FFmpeg's own words), "" when it does.
    """

    name: str
    works: bool
    reason: str = ""

    def to_json(self) -> dict[str, object]:
        return {"works": self.works, "reason": self.reason}


@dataclass(frozen=True)
class Choice:
    """The encoder a render uses, and what the creator is told about it.

    Attributes:
        encoder: a concrete encoder (never "auto").
        asked: what was asked for ("auto", "x264", "nvenc"...).
        note: why the asked encoder isn't used, None when it is (or "auto" chose).
    """

    encoder: str
    asked: str
    note: str | None = None

    @property
    def message(self) -> str:
        """One line for the render's log: the encoder used, and why if not the asked one."""
        used = f"encoder: {ENCODER_LABELS[self.encoder]}"
        if self.note:
            return f"{self.note}; {used}"
        if self.asked == AUTO:
            return f"Encoder: {ENCODER_LABELS[self.encoder]}, the best that works here"
        return f"Encoder: {ENCODER_LABELS[self.encoder]}"


_lock = threading.Lock()


def ffmpeg_identity() -> list[object]:
    """What the probe's answers hold for: the FFmpeg binary's path, size and modification time."""
    exe = Path(ffmpeg_exe())
    try:
        stat = exe.stat()
    except OSError:
        return [str(exe), None, None]
    return [str(exe), stat.st_size, stat.st_mtime_ns]


def encoder_status(cache_dir: Path) -> dict[str, EncoderStatus]:
    """Every encoder's status on this machine, best first: read from the cache, or probed
    (only the encoders the cache doesn't answer for) and saved."""
    with _lock:
        known = _load(cache_dir)
        missing = [name for name in ENCODERS if name not in known]
        for name in missing:
            known[name] = probe_encoder(name)
        if missing:
            _save(cache_dir, known)
    return {name: known[name] for name in ENCODERS}


def cached_status(cache_dir: Path) -> dict[str, EncoderStatus] | None:
    """Every encoder's status if the cache already answers for all of them (no probe: quick
    enough for a window to ask), else None."""
    with _lock:
        known = _load(cache_dir)
    if any(name not in known for name in ENCODERS):
        return None
    return {name: known[name] for name in ENCODERS}


def available_encoders(cache_dir: Path) -> tuple[str, ...]:
    """The encoders that open on this machine, best first (``encoder_status``)."""
    return tuple(name for name, status in encoder_status(cache_dir).items() if status.works)


def choose(asked: str | None, cache_dir: Path) -> Choice:
    """The encoder to use for ``asked`` ("auto", None = auto, or a name): "auto" is the best
    that works here, else x264; a named encoder that doesn't open here is x264, with a note.

    Raises:
        InputError: ``asked`` is not an encoder Studio knows.
    """
    asked = check_encoder(asked)
    if asked == X264:
        return Choice(X264, asked)
    status = encoder_status(cache_dir)
    if asked == AUTO:
        best = next(name for name, s in status.items() if s.works or name == X264)
        return Choice(best, asked)
    if status[asked].works:
        return Choice(asked, asked)
    reason = status[asked].reason or "it failed its test"
    return Choice(X264, asked, f"{ENCODER_LABELS[asked]} doesn't work on this computer ({reason})")


def resolve(asked: str | None, cache_dir: Path) -> str:
    """The concrete encoder ``choose`` picks for ``asked``."""
    return choose(asked, cache_dir).encoder


def mark_failed(name: str, reason: str, cache_dir: Path) -> None:
    """Record that ``name`` failed during a render, so ``auto`` passes it by from now on."""
    record_result(name, works=False, reason=f"failed during a render: {reason}",
                  cache_dir=cache_dir)


def record_result(name: str, *, works: bool, reason: str, cache_dir: Path) -> None:
    """Keep ``name``'s status in the cache (the others are probed if not known yet)."""
    recipe(name)
    with _lock:
        known = _load(cache_dir)
        known[name] = EncoderStatus(name, works, reason)
        _save(cache_dir, known)


def forget(cache_dir: Path) -> None:
    """Drop the cached answers (after installing a GPU driver): the next question probes."""
    path = Path(cache_dir) / PROBE_FILE
    with _lock:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:  # a folder or an unwritable cache: the next answer says so
            log.warning("could not forget the encoder probe %s: %s", path, exc)


def probe_encoder(name: str) -> EncoderStatus:
    """A tiny real encode with ``name`` and Studio's options for it (never cached)."""
    chosen = recipe(name)
    if chosen.codec not in codecs_in_build():
        return EncoderStatus(name, False, f"this FFmpeg build has no {chosen.codec}")
    picture = ["-vf", chosen.filter_tail] if chosen.filter_tail else []
    args = [
        "-loglevel", "error",
        "-f", "lavfi", "-i", f"testsrc=size={PROBE_SIZE}:rate={PROBE_FPS}",
        "-frames:v", str(PROBE_FRAMES), *picture, *chosen.video_args(PROBE_FPS),
        "-f", "null", "-",
    ]
    try:
        code, err, _out = capture_ffmpeg(args, timeout=PROBE_TIMEOUT)
    except MediaError as exc:
        return EncoderStatus(name, False, exc.message)
    if code == 0:
        return EncoderStatus(name, True)
    log.info("encoder %s doesn't open here: %s", name, err.strip()[-400:])
    return EncoderStatus(name, False, _first_reason(err) or f"exit code {code}")


@functools.cache
def codecs_in_build() -> frozenset[str]:
    """The video encoders this FFmpeg binary has compiled in (``ffmpeg -encoders``)."""
    code, _err, out = capture_ffmpeg(["-encoders"], timeout=PROBE_TIMEOUT)
    names = (line.split()[1] for line in out.decode("utf-8", "replace").splitlines()
             if len(line.split()) > 1 and line.split()[0].startswith("V"))
    return frozenset(names) if code == 0 else frozenset(r.codec for r in RECIPES.values())


def _first_reason(stderr: str) -> str:
    """FFmpeg's first complaint (the cause; the lines after it say only that the encode
    stopped), without its ``[codec @ 0x...]`` prefix."""
    for line in stderr.splitlines():
        text = line.split("] ")[-1].strip() if line.startswith("[") else line.strip()
        if text:
            return text[:200]
    return ""


def _load(cache_dir: Path) -> dict[str, EncoderStatus]:
    """The cached statuses, if they were made by this FFmpeg and this probe format."""
    path = Path(cache_dir) / PROBE_FILE
    if not path.exists():
        return {}
    try:  # bounded, and never a FIFO (whose read would hang every render)
        data = json.loads(read_regular_file(path, limit=PROBE_FILE_LIMIT, what="encoder cache"))
    except (InputError, ValueError, RecursionError) as exc:
        log.warning("the encoder probe cache %s is unreadable (%s); probing again", path, exc)
        return {}
    if (
        not isinstance(data, dict)
        or data.get("format") != PROBE_FORMAT
        or data.get("ffmpeg") != ffmpeg_identity()
        or not isinstance(data.get("encoders"), dict)
    ):
        return {}
    known = {}
    for name, entry in data["encoders"].items():
        if name in ENCODERS and isinstance(entry, dict) and isinstance(entry.get("works"), bool):
            known[name] = EncoderStatus(name, entry["works"], str(entry.get("reason") or ""))
    return known


def _save(cache_dir: Path, known: Mapping[str, EncoderStatus]) -> None:
    """Write the statuses (a cache folder that can't be written only means probing again)."""
    document = {
        "format": PROBE_FORMAT,
        "ffmpeg": ffmpeg_identity(),
        "encoders": {name: status.to_json() for name, status in known.items()},
    }
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        atomic_write(Path(cache_dir) / PROBE_FILE, json.dumps(document, indent=1), durable=False)
    except OSError as exc:
        log.warning("could not keep the encoder probe in %s: %s", cache_dir, exc)


__all__ = [
    "PROBE_FILE",
    "PROBE_FORMAT",
    "RECIPES",
    "Choice",
    "EncoderRecipe",
    "EncoderStatus",
    "available_encoders",
    "cached_status",
    "codecs_in_build",
    "choose",
    "encoder_status",
    "ffmpeg_identity",
    "forget",
    "mark_failed",
    "probe_encoder",
    "record_result",
    "recipe",
    "resolve",
]
