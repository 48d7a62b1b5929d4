"""Transitions between scenes, each its own small cached piece between two segments.

A transition takes no time out of the video: one of ``frames`` frames at the cut between scene
*i* and *i+1* covers the last ``before`` frames of scene *i* and the first ``after`` of scene
*i+1*. Those frames are left out of the two segments and written beside them as *handles* in
the same ffmpeg run (``segments.Handles``); the piece is made from the two handles alone, with
the segments' own encoder settings, so the video still joins by stream copy, its frame count
and its sound are those of the same video with cuts, and editing a scene re-encodes its
segment and the (at most two) pieces touching it. A cut is no piece at all: a project with
cuts everywhere keeps the segments (and names) it always had.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from studio.encoder_kinds import X264
from studio.errors import InputError
from studio.media import settings as encoding
from studio.media.encoders import recipe
from studio.media.ffmpeg import atomic_output, ffmpeg_exe, run_ffmpeg
from studio.media.segments import (
    _COLOUR_TAGS,
    HANDLE_ENCODER,
    SEGMENT_FORMAT,
    encoder_args,
    encoder_key,
)
from studio.media.settings import RenderSettings
from studio.progress import CancelToken, ProgressFn, no_progress, run_concurrently
from studio.transition_kinds import (
    MAX_DURATION,
    MIN_DURATION,
    TRANSITION_LABELS,
    TRANSITIONS,
    check_duration,
    check_kind,
)

#: A transition never lasts more than this share of the shorter of its two scenes (each scene
#: then keeps at least half of its own time on screen alone, even with transitions at both
#: ends); a longer one is shortened to fit, and the render says so.
MAX_SHARE = 0.5
#: The fewest frames a transition can be shown in; a shorter one is a cut.
MIN_FRAMES = 2
#: Bump when the way pieces or handles are made changes, so old ones are not reused.
TRANSITION_FORMAT = "studio-transition-1"
#: ffmpeg ``xfade`` transitions, by kind (both pictures over the whole piece).
_XFADE = {
    "crossfade": "fade",
    "slide-left": "slideleft",
    "slide-right": "slideright",
    "wipe-left": "wipeleft",
    "wipe-right": "wiperight",
}


@dataclass(frozen=True)
class Join:
    """How two neighbouring scenes meet.

    Attributes:
        kind: one of ``TRANSITIONS`` ("cut" when there is no piece).
        before: frames of the first scene the piece covers (its end).
        after: frames of the second scene it covers (its start).
        asked: the duration the creator chose, in seconds.
        shortened: the piece is shorter than asked (the scenes are too short for it).
    """

    kind: str
    before: int = 0
    after: int = 0
    asked: float = 0.0
    shortened: bool = False

    @property
    def frames(self) -> int:
        """The piece's length in frames (0 for a cut)."""
        return self.before + self.after


def plan_joins(
    frame_counts: Sequence[int], choices: Sequence[tuple[str, float]], fps: int
) -> list[Join]:
    """How each pair of neighbouring scenes meets, given each scene's ``(kind, seconds)`` into
    the next (one fewer choice than scenes).

    A transition is a whole number of frames, at most ``MAX_SHARE`` of the shorter scene; one
    that can't have ``MIN_FRAMES`` becomes a cut (``shortened``).

    Raises:
        InputError: an unknown kind or a duration out of range.
    """
    if len(choices) != max(len(frame_counts) - 1, 0):
        raise ValueError("plan_joins needs one choice per pair of neighbouring scenes")
    joins = []
    for index, (kind, seconds) in enumerate(choices):
        check_kind(kind)
        seconds = check_duration(seconds)
        if kind == "cut":
            joins.append(Join("cut", asked=seconds))
            continue
        wanted = max(MIN_FRAMES, round(seconds * fps))
        shorter = min(frame_counts[index], frame_counts[index + 1])
        frames = min(wanted, math.floor(shorter * MAX_SHARE))
        if frames < MIN_FRAMES:
            joins.append(Join("cut", asked=seconds, shortened=True))
            continue
        before = frames // 2
        joins.append(Join(kind, before, frames - before, seconds, frames < wanted))
    return joins


def shortened_note(index: int, join: Join, fps: int) -> str:
    """What the creator is told when the transition after scene ``index`` (0-based) was
    shortened to fit its scenes."""
    name = TRANSITION_LABELS[join.kind] if join.kind != "cut" else "transition"
    scenes = f"scenes {index + 1} and {index + 2}"
    if join.kind == "cut":
        return f"The transition between {scenes} is a cut: the scenes are too short for it"
    return (
        f"The {name.lower()} between {scenes} lasts {join.frames / fps:.2f} s, not "
        f"{join.asked:.2f} s: it may take at most half of the shorter scene"
    )


def handle_key(segment_key: str, side: str, frames: int) -> str:
    """The name of a segment's ``side`` ("head" or "tail") handle of ``frames`` frames."""
    return _digest([TRANSITION_FORMAT, "handle", segment_key, side, frames, HANDLE_ENCODER])


def body_key(segment_key: str, head: int, tail: int) -> str:
    """The name of a segment without its handles (its own name when it has none, so caches
    made before transitions existed stay valid)."""
    if not head and not tail:
        return segment_key
    return _digest([TRANSITION_FORMAT, "body", segment_key, head, tail])


@dataclass(frozen=True)
class TransitionSpec:
    """Everything that shapes one transition piece.

    Attributes:
        kind: one of ``TRANSITIONS`` but "cut".
        before: frames of the first scene's end (``tail`` holds exactly these).
        after: frames of the second scene's start (``head`` holds exactly these).
        tail: the first scene's tail handle.
        head: the second scene's head handle.
        settings: the render's settings (size, frame rate).
    """

    kind: str
    before: int
    after: int
    tail: Path
    head: Path
    settings: RenderSettings

    def __post_init__(self) -> None:
        check_kind(self.kind)
        if self.kind == "cut" or self.before < 1 or self.after < 1:
            raise ValueError("a transition piece needs a kind and frames on both sides")

    @property
    def frame_count(self) -> int:
        """Frames in the piece."""
        return self.before + self.after

    @property
    def exact_duration(self) -> float:
        """The piece's length in seconds."""
        return self.frame_count / self.settings.fps


def transition_key(spec: TransitionSpec, tail_key: str, head_key: str) -> str:
    """A name for the piece that changes whenever anything shaping it changes: both handles'
    names (``handle_key``), its kind and frames, and the segments' encoder and settings."""
    render = {
        k: v
        for k, v in spec.settings.to_json().items()
        if k not in ("music_path", "music_volume", "transition", "transition_duration")
    }
    return _digest(
        [
            TRANSITION_FORMAT,
            SEGMENT_FORMAT,
            spec.kind,
            spec.before,
            spec.after,
            tail_key,
            head_key,
            render,
            Path(ffmpeg_exe()).name,
            encoding.VIDEO_PRESET,
            encoding.VIDEO_X264_PARAMS,
            encoding.VIDEO_CRF,
            encoding.GOP_SECONDS,
            # a hardware encoder's options; nothing for x264, so its pieces keep their names
            *([encoder_key(spec.settings)] if spec.settings.encoder != X264 else []),
        ]
    )


def _digest(parts: list[object]) -> str:
    text = json.dumps(parts, sort_keys=True, ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:32]


def _mixed(kind: str, spec: TransitionSpec) -> str:
    """Both pictures over the whole piece: each side held on its edge frame beyond its own
    frames (the first scene's last, the second's first), then ``xfade``."""
    n, fps = spec.frame_count, spec.settings.fps
    return (
        f"[0:v]tpad=stop={spec.after}:stop_mode=clone[a];"
        f"[1:v]tpad=start={spec.before}:start_mode=clone[b];"
        f"[a][b]xfade=transition={_XFADE[kind]}:duration={n / fps:.6f}:offset=0,"
        f"tpad=stop={n}:stop_mode=clone,trim=end_frame={n}"
    )


def _through_black(_kind: str, spec: TransitionSpec) -> str:
    """The first scene fades out to black at the cut, the second fades in from it."""
    return (
        f"[0:v]fade=t=out:s=0:n={spec.before}[a];"
        f"[1:v]fade=t=in:s=0:n={spec.after}[b];"
        f"[a][b]concat=n=2:v=1:a=0"
    )


#: How each kind's picture is made (a strategy per kind, not a test of names elsewhere).
_RECIPES: dict[str, Callable[[str, TransitionSpec], str]] = {
    "fade-black": _through_black,
    **dict.fromkeys(_XFADE, _mixed),
}


def render_transition(
    spec: TransitionSpec,
    out_path: Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    threads: int | None = None,
) -> Path:
    """Encode the piece ``spec`` to ``out_path`` atomically, as a segment is encoded (H.264 +
    FLAC, the same settings, so it joins by stream copy); its sound is silence (the video's
    sound is made whole, apart from the pictures). Returns the path.

    Raises:
        InputError: a handle is missing (render the scenes again).
        Cancelled: ``cancel`` fired (nothing is left at ``out_path``).
        MediaError: ffmpeg failed.
    """
    for handle in (spec.tail, spec.head):
        if not Path(handle).is_file():
            raise InputError(
                "A scene's edge for a transition is missing", where=str(handle), fix="Render again"
            )
    samples = spec.frame_count * spec.settings.samples_per_frame
    picture = _RECIPES[spec.kind](spec.kind, spec)
    tail = recipe(spec.settings.encoder).chain_tail  # the encoder's own (VA-API's upload)
    graph = (
        f"{picture},format=yuv420p,setpts=PTS-STARTPTS,{_COLOUR_TAGS}{tail}[v];"
        f"[2:a]aformat=sample_fmts=s16:sample_rates={encoding.AUDIO_RATE}:"
        f"channel_layouts=stereo,atrim=end_sample={samples}[a]"
    )
    with atomic_output(Path(out_path)) as partial_path:
        args = [
            "-i",
            str(spec.tail),
            "-i",
            str(spec.head),
            "-f",
            "lavfi",
            "-i",
            f"anullsrc=r={encoding.AUDIO_RATE}:cl=stereo",
            "-filter_complex",
            graph,
            "-map",
            "[v]",
            "-map",
            "[a]",
            *encoder_args(spec.settings, threads),
            "-frames:v",
            str(spec.frame_count),
            "-f",
            "mp4",
            str(partial_path),
        ]
        run_ffmpeg(
            args,
            duration=spec.exact_duration,
            progress=progress,
            cancel=cancel,
            stage="Rendering a transition",
            where=str(out_path),
        )
    return Path(out_path)


def render_transitions(
    specs: Sequence[TransitionSpec],
    outs: Sequence[Path],
    *,
    jobs: int = 2,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """Render ``specs`` to ``outs``, ``jobs`` at a time (progress weighted by frames).

    Raises:
        Cancelled, InputError, MediaError: as ``render_transition``.
    """
    if len(specs) != len(outs):
        raise ValueError("render_transitions needs one output path per spec")
    if not specs:
        return []
    jobs = max(1, min(jobs, len(specs)))
    threads = max(1, (os.cpu_count() or 2) // jobs)

    def step(index: int, *, progress: ProgressFn, cancel: CancelToken) -> Path:
        cancel.raise_if_cancelled()
        return render_transition(
            specs[index], outs[index], progress=progress, cancel=cancel, threads=threads
        )

    outer = progress or no_progress
    run_concurrently(
        [(float(spec.frame_count), partial(step, i)) for i, spec in enumerate(specs)],
        progress=lambda fraction, _stage: outer(fraction, "Rendering the transitions"),
        cancel=cancel or CancelToken(),
        max_workers=jobs,
    )
    return [Path(o) for o in outs]


__all__ = [
    "MAX_DURATION",
    "MAX_SHARE",
    "MIN_DURATION",
    "TRANSITIONS",
    "TRANSITION_LABELS",
    "Join",
    "TransitionSpec",
    "body_key",
    "handle_key",
    "plan_joins",
    "render_transition",
    "render_transitions",
    "shortened_note",
    "transition_key",
]
