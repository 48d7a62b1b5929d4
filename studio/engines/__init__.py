"""Text-to-speech engines: Kokoro (natural, needs its weight files) and a draft espeak-ng voice.

Importing this package is cheap: torch and kokoro load on the first Kokoro synthesis, and
libespeak-ng on the first draft synthesis. Nothing here downloads.
"""

from studio.engines.base import (
    DRAFT,
    ENGINE_NAMES,
    KOKORO,
    SAMPLE_RATE,
    SpeechResult,
    TTSEngine,
    VoiceInfo,
)
from studio.engines.registry import default_engine, get_engine
from studio.engines.weights import (
    KOKORO_REPO_ID,
    KOKORO_V1_VOICES,
    KOKORO_VOICES,
    KokoroWeights,
    find_kokoro_weights,
    hf_hub_cache_dir,
)

__all__ = [
    "DRAFT",
    "ENGINE_NAMES",
    "KOKORO",
    "KOKORO_REPO_ID",
    "KOKORO_V1_VOICES",
    "KOKORO_VOICES",
    "SAMPLE_RATE",
    "KokoroWeights",
    "SpeechResult",
    "TTSEngine",
    "VoiceInfo",
    "default_engine",
    "find_kokoro_weights",
    "get_engine",
    "hf_hub_cache_dir",
]
