"""The pieces a render joins: each scene's segment and the transition pieces between them.

With cuts everywhere the pieces are the scenes' segments, named as they always were. A
transition between two scenes takes its frames from both (``studio.media.transitions``): the
segments lose them (kept beside as handles, made in the same run) and a small piece made from
the handles stands between. Every piece is named by what shapes it, so a one-scene change
re-encodes that scene's segment and the pieces touching it, and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studio.errors import InputError
from studio.media.segment_cache import SegmentCache
from studio.media.segments import Handles, SegmentSpec, segment_key
from studio.media.settings import RenderSettings
from studio.media.transitions import (
    Join,
    TransitionSpec,
    body_key,
    handle_key,
    plan_joins,
    shortened_note,
    transition_key,
)
from studio.store.models import Scene
from studio.transition_kinds import check_duration, check_kind


@dataclass(frozen=True)
class BodyJob:
    """A scene's segment to encode: its recipe, where it goes, and the handles it leaves."""

    spec: SegmentSpec
    out: Path
    handles: Handles

    @property
    def frame_count(self) -> int:
        """Frames the job writes (its segment and its handles)."""
        return self.spec.frame_count

    def files(self) -> list[Path]:
        """The segment and its handles."""
        return [self.out, *(path for _, _, path in self.handles.outputs())]

    def done(self) -> bool:
        """The segment and its handles are all in the cache."""
        return all(path.is_file() for path in self.files())


@dataclass(frozen=True)
class TransitionJob:
    """A transition piece to encode and where it goes."""

    spec: TransitionSpec
    out: Path


@dataclass(frozen=True)
class Layout:
    """Everything a render joins, in order, and how to make what is missing.

    Attributes:
        pieces: the files joined, in order (segments, with transition pieces between).
        seconds: each piece's length.
        bodies: one job per scene.
        transitions: one job per transition piece.
        notes: what the creator is told (transitions shortened to fit their scenes).
    """

    pieces: list[Path]
    seconds: list[float]
    bodies: list[BodyJob]
    transitions: list[TransitionJob]
    notes: list[str]

    def files(self) -> list[Path]:
        """Every file of the layout (what the cache prune keeps)."""
        return [*self.pieces, *(path for job in self.bodies for path in job.files())]


def choices_for(scenes: Sequence[Scene], settings: RenderSettings) -> list[tuple[str, float]]:
    """Each scene's transition into the next (its own, else the project's), the last scene's
    left out.

    Raises:
        InputError: a scene's stored choice is unusable (which scene, and how to mend it).
    """
    choices = []
    for scene in scenes[:-1]:
        kind = scene.transition if scene.transition is not None else settings.transition
        seconds = scene.transition_duration
        if seconds is None:
            seconds = settings.transition_duration
        try:
            choices.append((check_kind(kind), check_duration(seconds)))
        except InputError as exc:
            raise InputError(
                exc.what,
                where=f"scene {scene.scene_number}'s transition",
                fix="Choose its transition again",
            ) from exc
    return choices


def lay_out(
    specs: Sequence[SegmentSpec],
    choices: Sequence[tuple[str, float]],
    settings: RenderSettings,
    cache: SegmentCache,
) -> Layout:
    """The pieces of a render of the scenes ``specs`` meeting as ``choices`` say."""
    joins = plan_joins([spec.frame_count for spec in specs], choices, settings.fps)
    bodies: list[BodyJob] = []
    keys: list[tuple[str, str]] = []  # each scene's (head, tail) handle keys
    for index, spec in enumerate(specs):
        head = joins[index - 1].after if index > 0 else 0
        tail = joins[index].before if index < len(joins) else 0
        key = segment_key(spec)
        head_key, tail_key = handle_key(key, "head", head), handle_key(key, "tail", tail)
        handles = Handles(
            head=head,
            tail=tail,
            head_path=cache.handle(head_key) if head else None,
            tail_path=cache.handle(tail_key) if tail else None,
        )
        bodies.append(BodyJob(spec, cache.segment(body_key(key, head, tail)), handles))
        keys.append((head_key, tail_key))
    pieces, seconds = [bodies[0].out], [_seconds(bodies[0])]
    transitions: list[TransitionJob] = []
    for index, join in enumerate(joins):
        if join.kind != "cut":
            transitions.append(_piece(join, bodies[index], bodies[index + 1], keys, index, cache))
            pieces.append(transitions[-1].out)
            seconds.append(transitions[-1].spec.exact_duration)
        pieces.append(bodies[index + 1].out)
        seconds.append(_seconds(bodies[index + 1]))
    notes = [
        shortened_note(i, join, settings.fps) for i, join in enumerate(joins) if join.shortened
    ]
    return Layout(pieces, seconds, bodies, transitions, notes)


def _seconds(job: BodyJob) -> float:
    return job.handles.body_frames(job.spec.frame_count) / job.spec.settings.fps


def _piece(
    join: Join,
    first: BodyJob,
    second: BodyJob,
    keys: Sequence[tuple[str, str]],
    index: int,
    cache: SegmentCache,
) -> TransitionJob:
    """The transition piece after scene ``index`` (0-based), from the two scenes' handles."""
    tail, head = first.handles.tail_path, second.handles.head_path
    assert tail is not None and head is not None  # a join with frames cuts both
    spec = TransitionSpec(join.kind, join.before, join.after, tail, head, first.spec.settings)
    key = transition_key(spec, keys[index][1], keys[index + 1][0])
    return TransitionJob(spec, cache.transition(key))


__all__ = ["BodyJob", "Layout", "TransitionJob", "choices_for", "lay_out"]
