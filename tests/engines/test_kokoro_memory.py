"""Kokoro's memory: its weights held once, and all of it let go by ``release``."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
import torch

from studio.engines.kokoro_engine import KokoroEngine
from studio.engines.memory import fold_weight_norms, return_freed_memory
from studio.engines.weights import find_kokoro_weights


@pytest.fixture
def kokoro(kokoro_dir: Path) -> KokoroEngine:
    """An engine of its own: this module releases its model."""
    return KokoroEngine(weights=find_kokoro_weights(kokoro_dir), device="cpu")


def test_folding_weight_norms_keeps_the_numbers_and_drops_a_copy() -> None:
    torch.manual_seed(0)
    layer = torch.nn.utils.weight_norm(torch.nn.Conv1d(8, 16, 5))
    model = torch.nn.Sequential(layer, torch.nn.ReLU()).eval()
    signal = torch.randn(1, 8, 100)
    with torch.no_grad():
        before = model(signal)
    parameters = sum(p.numel() for p in model.parameters())
    assert fold_weight_norms(model) == 1
    with torch.no_grad():
        after = model(signal)
    assert torch.equal(before, after), "bit for bit the same output"
    assert not hasattr(layer, "weight_g") and not hasattr(layer, "weight_v")
    assert sum(p.numel() for p in model.parameters()) == parameters - 16, "one norm per channel"
    assert fold_weight_norms(model) == 0, "nothing left to fold"


def test_release_lets_the_model_go_and_the_next_synthesis_builds_it_again(
    kokoro: KokoroEngine, tmp_path: Path
) -> None:
    kokoro.synthesize("A short line.", tmp_path / "one.wav", voice="af_heart")
    model = weakref.ref(kokoro._model)  # type: ignore[arg-type]
    pipeline = weakref.ref(next(iter(kokoro._pipelines.values())))
    assert model() is not None
    assert not any(hasattr(m, "weight_g") for m in model().modules()), "built folded"  # type: ignore[union-attr]
    kokoro.release()
    gc.collect()
    assert model() is None, "nothing holds the model once released"
    assert pipeline() is None, "nor the G2P pipeline (spaCy)"
    result = kokoro.synthesize("A short line.", tmp_path / "two.wav", voice="af_heart")
    assert result.duration > 0 and kokoro._model is not None


def test_freed_memory_goes_back_to_the_system_on_glibc() -> None:
    assert return_freed_memory() is True  # Linux (glibc): malloc_trim is there
