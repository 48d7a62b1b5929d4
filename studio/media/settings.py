"""How a video is rendered: frame size, frame rate, captions, music; and the encoder constants.

The encoder constants were chosen by measurement on a 2-core machine (encode-only CPU seconds
for 150 frames of 1080p, one thread; see the render report): libx264 ``superfast`` with fixed
B-frames (``b-adapt=0``) at CRF 23 costs 1.7-2.4 s, about 30 % less than plain ``superfast``
at the same size and SSIM, and makes files 2-5x smaller than ``ultrafast`` (which saves only
another 10-20 %). ``veryfast`` costs 40 % more for files 30-60 % smaller.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.encoder_kinds import ENCODERS, X264
from studio.errors import InputError
from studio.media.caption_look import PRESETS, checked_overrides
from studio.transition_kinds import DEFAULT_DURATION, check_duration, check_kind

log = logging.getLogger(__name__)

ASPECTS = ("16:9", "9:16", "1:1")
RESOLUTIONS = ("720p", "1080p", "1440p", "2160p")
CAPTION_STYLES = tuple(PRESETS)  # ("clean", "bold", "boxed")
#: Frame rates whose frame holds a whole number of 48 kHz samples (segments join sample-exact).
FRAME_RATES = (24, 25, 30, 50, 60)

VIDEO_CODEC = "libx264"
VIDEO_PRESET = "superfast"
#: Fixed B-frames: superfast's adaptive B-frame decision cost 30 % of the encode for nothing.
VIDEO_X264_PARAMS = "b-adapt=0"
VIDEO_CRF = 23
#: Seconds between keyframes; fixed so every segment has the same structure.
GOP_SECONDS = 2
AUDIO_RATE = 48000
AUDIO_CODEC = "aac"
AUDIO_BITRATE = "192k"
#: FFmpeg's AAC encoder options. The default "twoloop" coder took 2.8 s for 60 s of voice +
#: music here, "fast" 1.3 s; at 192 kb/s the difference is not audible, and the soundtrack is
#: encoded whole whenever any scene's sound changes (the longest step of a one-scene change).
AUDIO_ENCODER_OPTIONS = ("-aac_coder", "fast")
#: Lossless audio inside segments: AAC can't be joined sample-exactly by stream copy (each
#: file brings its own encoder priming), so the finished sound is encoded once, whole
#: (``soundtrack``), from exactly the samples the segments carry.
SEGMENT_AUDIO_CODEC = "flac"
#: Loudness target of the finished video (EBU R128 integrated, LUFS) and its peak ceiling.
LOUDNESS_TARGET = -16.0
TRUE_PEAK = -1.5

#: A lossless x264 "encoder": the reference quality is measured against (bench, tests); never
#: a creator's choice (``studio.encoder_kinds`` doesn't list it).
LOSSLESS_ENCODER = "x264-lossless"

_SHORT_SIDE = {"720p": 720, "1080p": 1080, "1440p": 1440, "2160p": 2160}


@dataclass(frozen=True)
class RenderSettings:
    """The creator's render choices. Invalid values raise ``InputError`` on construction.

    Attributes:
        aspect: "16:9" (landscape), "9:16" (vertical, for shorts) or "1:1" (square).
        resolution: "720p", "1080p", "1440p" or "2160p" (4K): the frame's short side.
        fps: frames per second (24, 25, 30, 50 or 60).
        captions: burn captions into the picture.
        caption_style: "clean", "bold" or "boxed".
        music_path: background music, looped and ducked under the voice; None for none.
        music_volume: the music's level before ducking, 0..1.
        caption: the creator's changes to the caption style's look (``CaptionLook`` field
            names to values; ``studio.media.caption_look.look_of`` joins them).
        transition: the project's transition between scenes (``studio.transition_kinds``);
            a scene may choose its own.
        transition_duration: the project's transition length in seconds (0.1-2.0).
        encoder: the concrete H.264 encoder the render's pieces are made with
            (``studio.media.encoders``; "auto" is resolved before it gets here).
    """

    aspect: str = "16:9"
    resolution: str = "1080p"
    fps: int = 30
    captions: bool = True
    caption_style: str = "clean"
    music_path: Path | None = None
    music_volume: float = field(default=0.25)
    caption: dict[str, Any] = field(default_factory=dict)
    transition: str = "cut"
    transition_duration: float = DEFAULT_DURATION
    encoder: str = X264

    def __post_init__(self) -> None:
        _choice("aspect", self.aspect, ASPECTS)
        _choice("encoder", self.encoder, (*ENCODERS, LOSSLESS_ENCODER))
        _choice("resolution", self.resolution, RESOLUTIONS)
        _choice("caption style", self.caption_style, CAPTION_STYLES)
        if isinstance(self.fps, bool) or self.fps not in FRAME_RATES:
            raise InputError(
                f"Studio can't render at {self.fps!r} frames per second",
                fix="Choose one of " + ", ".join(map(str, FRAME_RATES)),
            )
        if not isinstance(self.captions, bool):
            raise InputError(f"Captions must be on or off, not {self.captions!r}")
        volume = self.music_volume
        if isinstance(volume, bool) or not isinstance(volume, int | float) or not 0 <= volume <= 1:
            raise InputError(
                f"The music volume must be between 0 and 1, not {volume!r}",
                fix="Pick a volume from 0 (silent) to 1 (full)",
            )
        check_kind(self.transition)
        object.__setattr__(self, "transition_duration", check_duration(self.transition_duration))
        if self.music_path is not None and not isinstance(self.music_path, Path):
            object.__setattr__(self, "music_path", Path(self.music_path))
        object.__setattr__(self, "caption", checked_overrides(self.caption))

    @property
    def width(self) -> int:
        """The frame width in pixels (e.g. 1920 for 1080p 16:9, 1080 for 1080p 9:16)."""
        return self._size()[0]

    @property
    def height(self) -> int:
        """The frame height in pixels."""
        return self._size()[1]

    def _size(self) -> tuple[int, int]:
        short = _SHORT_SIDE[self.resolution]
        long = short * 16 // 9
        return {"16:9": (long, short), "9:16": (short, long), "1:1": (short, short)}[self.aspect]

    @property
    def samples_per_frame(self) -> int:
        """48 kHz audio samples in one video frame (a whole number for every allowed fps)."""
        return AUDIO_RATE // self.fps

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``from_json`` reads it back)."""
        return {
            "aspect": self.aspect,
            "resolution": self.resolution,
            "fps": self.fps,
            "captions": self.captions,
            "caption_style": self.caption_style,
            "music_path": str(self.music_path) if self.music_path is not None else None,
            "music_volume": self.music_volume,
            # only when set: settings left at their defaults keep their old JSON (so projects
            # and renders made before these choices existed read the same)
            **({"caption": dict(self.caption)} if self.caption else {}),
            **({"transition": self.transition} if self.transition != "cut" else {}),
            **(
                {"transition_duration": self.transition_duration}
                if self.transition_duration != DEFAULT_DURATION
                else {}
            ),
            **({"encoder": self.encoder} if self.encoder != X264 else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> RenderSettings:
        """Settings from a dict; missing keys take their defaults, unknown keys are ignored.

        Raises:
            InputError: a value is of the wrong type or out of range.
        """
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise InputError(f"Render settings must be a mapping, not {type(data).__name__}")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        music = known.get("music_path")
        if music is not None:
            if not isinstance(music, str | Path) or not str(music):
                raise InputError(f"The music path must be text, not {music!r}")
            known["music_path"] = Path(music)
        if "fps" in known and isinstance(known["fps"], float) and known["fps"].is_integer():
            known["fps"] = int(known["fps"])
        return cls(**known)

    @classmethod
    def from_stored(cls, data: object) -> RenderSettings:
        """Settings read back from the database, never refused: each value that is missing,
        of the wrong type or out of range (NaN included) takes its default, with one warning.

        Another program or an old Studio may have written anything there; what the creator
        chose is kept wherever it can be used. A music path is kept as text (the render checks
        the file, ``studio.media.soundtrack``); one that is not a non-empty path is dropped.
        """
        if not isinstance(data, dict):
            if data is not None:
                _warn_stored("render settings", data)
            return cls()
        settings = cls()
        for name in cls.__dataclass_fields__:
            if name not in data:
                continue
            value = data[name]
            if name == "caption" and isinstance(value, dict):
                value = _usable_caption(value)
            if name == "music_path" and isinstance(value, str) and "\x00" in value:
                _warn_stored(name, value)
                continue
            try:
                settings = cls.from_json({**settings.to_json(), name: value})
            except (InputError, TypeError, ValueError):
                _warn_stored(name, value)
        return settings


def _usable_caption(stored: dict[Any, Any]) -> dict[str, Any]:
    """The stored caption overrides that are valid (each unusable one warned about once)."""
    usable = {}
    for key, value in stored.items():
        try:
            usable.update(checked_overrides({key: value}))
        except (InputError, TypeError):
            _warn_stored(f"caption.{key}", value)
    return usable


_warned: set[tuple[str, str]] = set()


def _warn_stored(name: str, value: object) -> None:
    """One warning for each unusable stored value (a panel reading it again says nothing)."""
    key = (name, repr(value)[:200])
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "stored render setting %s is unusable (%s); its default is used",
            name,
            type(value).__name__,
        )


def _choice(label: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise InputError(
            f"Studio doesn't know the {label} {value!r}", fix="Choose one of " + ", ".join(allowed)
        )
