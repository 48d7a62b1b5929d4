"""Keeping Kokoro's memory down: its weights held once, and memory freed for good once the
voice is done.

Measured with ``bench/kokoro_memory.py`` (the random model saved at full size, 2 cores): the
built model held 1,039 MB resident with torch and kokoro imported, 725 MB once its weight
norms were folded; the process's peak over a synthesis fell from 1,480 to 1,258 MB, the audio
bit-identical.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


def fold_weight_norms(model: torch.nn.Module) -> int:
    """Fold every weight-normalised layer's ``weight_g``/``weight_v`` into one plain weight.

    Kokoro's decoder (89 convolutions) uses torch's old ``weight_norm``, which keeps the
    direction and the norm as parameters *and* the weight computed from them, recomputed
    before every forward: the weights twice over (~310 MB). The weights never change at
    inference, so computing them once gives the same numbers (the same operation) in one
    copy. Returns how many layers were folded.
    """
    from torch.nn.utils import remove_weight_norm

    folded = 0
    for layer in model.modules():
        if hasattr(layer, "weight_g") and hasattr(layer, "weight_v"):
            remove_weight_norm(layer)
            folded += 1
    return folded


@cache
def _libc_malloc_trim() -> Any | None:
    """glibc's ``malloc_trim``, or None on another C library (macOS, musl, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def return_freed_memory() -> bool:
    """Hand the C heap's free pages back to the system; True if it could be called.

    glibc keeps freed blocks for reuse, so a released model would still count in the
    process's resident memory; ``malloc_trim(0)`` returns them (ctypes lets go of the GIL
    meanwhile). No ``gc.collect()`` here: the model is freed by reference counting, and a full
    collection holds the GIL for as long as the whole heap takes to walk, which froze the
    window for up to a second after every voice stage (the render ran in its worker thread).
    """
    trim = _libc_malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


__all__ = ["fold_weight_norms", "return_freed_memory"]
