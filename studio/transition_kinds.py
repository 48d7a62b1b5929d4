"""The transitions between scenes Studio knows, and the durations it allows.

Shared by the store (which checks a scene's choice before saving it) and the media layer (which
renders it, ``studio.media.transitions``): the two layers may not import each other, so the
vocabulary lives here, declared once.
"""

from __future__ import annotations

import math

from studio.errors import InputError

#: Every kind, in the order the creator is offered them; "cut" is none at all.
TRANSITIONS = (
    "cut",
    "crossfade",
    "fade-black",
    "slide-left",
    "slide-right",
    "wipe-left",
    "wipe-right",
)
#: Words for the creator, by kind.
TRANSITION_LABELS = {
    "cut": "Cut",
    "crossfade": "Crossfade",
    "fade-black": "Fade through black",
    "slide-left": "Slide left",
    "slide-right": "Slide right",
    "wipe-left": "Wipe left",
    "wipe-right": "Wipe right",
}
#: The shortest and longest transition a creator may ask for, in seconds.
MIN_DURATION = 0.1
MAX_DURATION = 2.0
DEFAULT_DURATION = 0.5


def check_kind(kind: object) -> str:
    """``kind`` if Studio knows it.

    Raises:
        InputError: an unknown kind (the known ones listed).
    """
    if not isinstance(kind, str) or kind not in TRANSITIONS:
        raise InputError(
            f"Studio doesn't know the transition {kind!r}",
            fix="Choose one of " + ", ".join(TRANSITIONS),
        )
    return kind


def check_duration(seconds: object) -> float:
    """``seconds`` as a float if it is a usable transition length.

    Raises:
        InputError: not a number, or outside ``MIN_DURATION``..``MAX_DURATION``.
    """
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or not MIN_DURATION <= seconds <= MAX_DURATION
    ):
        raise InputError(
            f"A transition lasts {MIN_DURATION}-{MAX_DURATION} s, not {seconds!r}",
            fix=f"Pick a duration from {MIN_DURATION} to {MAX_DURATION} seconds",
        )
    return float(seconds)
