"""What a voice id can be, and the form of a voice blend, shared by every layer.

- A Kokoro voice: its file's name, ``<language letter><f|m>_<name>`` ("af_heart", "jf_alpha").
- A draft (espeak-ng) voice: a language code, optionally with a variant ("es", "es+f3").
- A saved blend: ``blend:<slug>`` ("blend:warm-narrator"), a row of the ``voices`` table whose
  ``components`` say which Kokoro voices it mixes.
- A blend spec: the mix itself, ``af_heart*0.6+bf_emma*0.4``. The pipeline turns a saved blend
  into its spec before speaking, so the spec (not the name) is in the audio's cache key and
  editing a blend re-voices the scenes that use it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from studio.errors import InputError

#: A saved blend's id starts with this.
BLEND_PREFIX = "blend:"
#: The most voices one blend mixes.
MAX_BLEND_PARTS = 4
KOKORO_VOICE_ID = re.compile(r"^[a-z][a-z]_[a-z0-9]+$")
_DASHES = re.compile(r"-{2,}")


@dataclass(frozen=True)
class BlendPart:
    """One Kokoro voice in a blend and its share (0 < weight <= 1; a blend's weights sum to 1)."""

    voice: str
    weight: float

    def to_json(self) -> dict[str, Any]:
        return {"voice": self.voice, "weight": self.weight}


def is_saved_blend(voice_id: str | None) -> bool:
    return bool(voice_id) and str(voice_id).startswith(BLEND_PREFIX)


def is_blend_spec(voice_id: str | None) -> bool:
    return bool(voice_id) and "*" in str(voice_id)


def blend_slug(name: str) -> str:
    """The id part of a blend named ``name`` ("Warm narrator" -> "warm-narrator"); letters of
    every script are kept ("桜の声", "हिंदी आवाज़"), so a name in the creator's language works."""
    kept = (c if unicodedata.category(c)[0] in "LMN" else "-" for c in name.strip().lower())
    slug = _DASHES.sub("-", "".join(kept)).strip("-")[:40]
    if not slug:
        raise InputError(
            f"{name!r} can't name a voice blend", fix="Give it a name with letters or digits"
        )
    return slug


def normalise_parts(parts: Iterable[BlendPart | tuple[str, float]]) -> tuple[BlendPart, ...]:
    """``parts`` checked (Kokoro ids, positive finite weights, 2..MAX_BLEND_PARTS voices, none
    twice), weights scaled to sum to 1 and rounded to 3 places, largest share first."""
    given = [part if isinstance(part, BlendPart) else BlendPart(*part) for part in parts]
    if not 2 <= len(given) <= MAX_BLEND_PARTS:
        raise InputError(
            f"A voice blend mixes 2 to {MAX_BLEND_PARTS} voices, not {len(given)}",
            fix="Choose at least two Kokoro voices and give each a share",
        )
    seen: set[str] = set()
    for part in given:
        if not KOKORO_VOICE_ID.match(part.voice):
            raise InputError(
                f"{part.voice!r} can't be blended",
                fix="Blend Kokoro voices (such as af_heart, bf_emma), not draft voices or blends",
            )
        if part.voice in seen:
            raise InputError(f"{part.voice} is in the blend twice", fix="Use each voice once")
        seen.add(part.voice)
        if not (math.isfinite(part.weight) and part.weight > 0):
            raise InputError(
                f"{part.voice}'s share {part.weight!r} is not a positive number",
                fix="Give every voice in the blend a share above 0",
            )
    largest = max(part.weight for part in given)  # scaled first: huge shares can't overflow
    total = sum(part.weight / largest for part in given)
    scaled = [BlendPart(part.voice, round(part.weight / largest / total, 3)) for part in given]
    for part in scaled:
        if part.weight <= 0:
            raise InputError(
                f"{part.voice}'s share is too small to hear (under 0.05 % of the blend)",
                fix="Give it a larger share, or leave it out of the blend",
            )
    return tuple(sorted(scaled, key=lambda part: (-part.weight, part.voice)))


def blend_spec(parts: Iterable[BlendPart | tuple[str, float]]) -> str:
    """The canonical spec of a mix: ``af_heart*0.6+bf_emma*0.4`` (see :func:`normalise_parts`)."""
    return "+".join(f"{part.voice}*{part.weight:g}" for part in normalise_parts(parts))


def parse_blend_spec(spec: str) -> tuple[BlendPart, ...]:
    """The parts of ``spec`` ("af_heart*0.6+bf_emma*0.4"), normalised; InputError if malformed."""
    parts: list[BlendPart] = []
    for piece in spec.split("+"):
        voice, _, weight = piece.strip().partition("*")
        try:
            parts.append(BlendPart(voice.strip(), float(weight)))
        except ValueError:
            raise InputError(
                f"{spec!r} is not a voice blend",
                fix="Write a blend as voice*share joined by +, e.g. af_heart*0.6+bf_emma*0.4",
            ) from None
    return normalise_parts(parts)


def parts_from_json(data: Sequence[Any]) -> tuple[BlendPart, ...]:
    """Parts stored as ``[{"voice": ..., "weight": ...}, ...]`` (InputError if damaged)."""
    try:
        return normalise_parts(
            BlendPart(str(item["voice"]), float(item["weight"])) for item in data
        )
    except (TypeError, KeyError, ValueError):
        raise InputError(
            "A stored voice blend is damaged", fix="Make the blend again in Voices → Blends"
        ) from None
