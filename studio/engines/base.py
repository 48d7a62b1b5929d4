"""What every text-to-speech engine promises, and the WAV writing they share.

An engine turns one scene's text into a mono 24 kHz WAV plus word timings (for captions).
Both engines write the same format so the rest of Studio never cares which one spoke.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import soundfile as sf

from studio.errors import InputError
from studio.progress import CancelToken
from studio.savefile import atomic_path
from studio.timing import WordTiming

#: Every engine writes mono WAVs at this rate (Kokoro's native rate).
SAMPLE_RATE = 24000

#: Engine names accepted by :func:`studio.engines.registry.get_engine`.
KOKORO = "kokoro"
DRAFT = "draft"
ENGINE_NAMES = (KOKORO, DRAFT)

AudioArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers, as the voice picker shows it."""

    id: str
    display_name: str
    language: str  # a studio.languages code: "en-us", "ja" (older callers: "en-US")
    gender: str  # "female" / "male"


@dataclass(frozen=True)
class SpeechResult:
    """What one ``synthesize`` call wrote: the WAV's real duration and when each word is heard."""

    duration: float
    sample_rate: int
    words: list[WordTiming]
    engine: str
    voice: str


@runtime_checkable
class TTSEngine(Protocol):
    """A text-to-speech engine.

    Attributes:
        name: stable id stored in projects ("kokoro", "draft").
        label: what the creator reads ("Kokoro", "Draft voice (espeak-ng)").
        is_draft: True for the quick robotic voice meant for previews only.
    """

    name: str
    label: str
    is_draft: bool

    def voices(self) -> list[VoiceInfo]:
        """The voices this engine can speak with on this machine."""
        ...

    def synthesize(
        self,
        text: str,
        out_wav: Path,
        *,
        voice: str,
        speed: float = 1.0,
        language: str | None = None,
        cancel: CancelToken | None = None,
    ) -> SpeechResult:
        """Speak ``text`` into ``out_wav`` (replaced whole, never half-written).

        ``language`` is the text's ``studio.languages`` code (it picks the G2P); None: the
        voice's own language. A voice may speak another language's text.

        Raises InputError for empty text or an unknown voice, Cancelled if ``cancel`` fires.
        """
        ...


def require_text(text: str) -> str:
    """``text`` stripped, or InputError if there is nothing to say."""
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped:
        raise InputError(
            "There is no text to speak",
            fix="Write the scene's narration before generating its voice",
        )
    return stripped


def require_speed(speed: float) -> float:
    """``speed`` as a float, or InputError if it is not a sensible speaking-rate factor."""
    if not 0.25 <= float(speed) <= 4.0:
        raise InputError(
            f"Voice speed {speed} is out of range",
            fix="Choose a speed between 0.25 and 4.0 (1.0 is normal)",
        )
    return float(speed)


def resample(samples: AudioArray, from_rate: int, to_rate: int) -> AudioArray:
    """Linear-interpolation resampling; good enough for speech moving 22.05 -> 24 kHz (upward)."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    count = round(samples.size * to_rate / from_rate)
    source_times = np.arange(samples.size, dtype=np.float64) / from_rate
    target_times = np.arange(count, dtype=np.float64) / to_rate
    return np.interp(target_times, source_times, samples).astype(np.float32)


def write_wav_atomically(
    out_wav: Path,
    samples: AudioArray,
    sample_rate: int = SAMPLE_RATE,
    cancel: CancelToken | None = None,
) -> float:
    """Write mono 16-bit PCM to ``out_wav`` through ``savefile.atomic_path``; return its duration.

    Readers (the preview player, the renderer) therefore see the old file or the new one, never
    a half-written WAV. The duration is measured from the written file, not assumed. Not synced
    to disk: a voice can be made again.
    """
    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_wav, durable=False) as partial:
        sf.write(partial, np.clip(samples, -1.0, 1.0), sample_rate, subtype="PCM_16")
        info = sf.info(partial)
        duration = info.frames / info.samplerate
        if cancel is not None:
            cancel.raise_if_cancelled()
    return duration
