"""How a scene's visual may be framed and moved, declared once.

Shared by the store (which checks a creator's choice before saving it, and archives on import)
and the media layer (which renders it, ``studio.media.framing`` and ``segments``): the two layers
may not import each other, so the vocabulary lives here, like ``studio.transition_kinds``.
"""

from __future__ import annotations

import math
import re

#: How a visual of another shape fills the frame.
FRAMINGS = ("fill", "fit-blur", "fit-colour")
#: A picture's Ken Burns moves ("none" holds it still; clips play as they are).
MOTIONS = ("zoom-in", "zoom-out", "pan-left", "pan-right", "none", "pan-up", "pan-down")
#: A fit colour as it is stored: "#rrggbb".
FIT_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def is_unit(value: object) -> bool:
    """Whether ``value`` is a finite number from 0 to 1 (a bool is not a number here)."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 1
    )
