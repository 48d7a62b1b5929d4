"""Word timings shared by the voice engines (which produce them) and captions (which use them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class WordTiming:
    """One spoken word and when it is heard, in seconds from the start of its scene's audio."""

    word: str
    start: float
    end: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WordTiming:
        return cls(str(data["word"]), float(data["start"]), float(data["end"]))
