"""Which engine a name means: the one place that imports the engine implementations.

``base`` holds what every engine promises and the engines import it; building an engine by
name lives here so ``base`` never imports its own implementations (no import circle).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.engines.base import DRAFT, ENGINE_NAMES, KOKORO, TTSEngine
from studio.engines.weights import KokoroWeights, find_kokoro_weights
from studio.errors import InputError, MissingWeightsError


def get_engine(name: str, **config: Any) -> TTSEngine:
    """The engine called ``name`` ("kokoro" or "draft"), built with ``config``.

    Kokoro accepts ``weights`` (a KokoroWeights) or ``weights_dir`` (a folder to search before
    the Hugging Face cache) and ``device``; the draft engine takes no options.
    Raises InputError for an unknown name, MissingWeightsError if Kokoro's files are absent.
    """
    # Imported on first use: Kokoro pulls in torch (seconds), the draft voice libespeak-ng.
    if name == KOKORO:
        from studio.engines.kokoro_engine import KokoroEngine

        return KokoroEngine(**config)
    if name == DRAFT:
        from studio.engines.draft import DraftEngine

        return DraftEngine(**config)
    raise InputError(
        f"Unknown voice engine {name!r}",
        fix=f"Use one of: {', '.join(ENGINE_NAMES)}",
    )


def default_engine(weights_dir: Path | None = None) -> TTSEngine:
    """Kokoro if its weights are here (``weights_dir`` or the HF cache), else the draft voice."""
    weights: KokoroWeights
    try:
        weights = find_kokoro_weights(weights_dir)
    except MissingWeightsError:
        return get_engine(DRAFT)
    return get_engine(KOKORO, weights=weights)
