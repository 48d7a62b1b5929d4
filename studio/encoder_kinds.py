"""The H.264 encoders a render may use, declared once.

Shared by the store (the ``encoder`` setting is checked against these names), the CLI
(``--encoder``) and the media layer (``studio.media.encoders`` knows each one's FFmpeg options
and probes which of them really open on this machine): the layers may not import each other,
so the vocabulary lives here.
"""

from __future__ import annotations

from studio.errors import InputError

#: "auto": the best encoder this machine really opens (probed, cached), else x264.
AUTO = "auto"
#: x264 (software): always there, and the one every other encoder falls back to.
X264 = "x264"
#: Every concrete encoder, best first for ``auto`` (hardware before software).
ENCODERS = ("nvenc", "qsv", "videotoolbox", "amf", "vaapi", X264)
#: What ``--encoder`` and the setting accept.
ENCODER_CHOICES = (AUTO, X264, "nvenc", "qsv", "vaapi", "videotoolbox", "amf")
#: Words for the creator, by name.
ENCODER_LABELS = {
    AUTO: "Automatic (the fastest this computer has)",
    X264: "x264 (software, every computer)",
    "nvenc": "NVIDIA NVENC",
    "qsv": "Intel Quick Sync",
    "vaapi": "VA-API (Linux, Intel/AMD)",
    "videotoolbox": "Apple VideoToolbox",
    "amf": "AMD AMF",
}


def check_encoder(name: str | None) -> str:
    """``name`` checked and normalised ("NVENC " -> "nvenc"); None means ``auto``.

    Raises:
        InputError: not an encoder Studio knows (the message lists them).
    """
    if name is None or not str(name).strip():
        return AUTO
    normal = str(name).strip().lower()
    if normal not in ENCODER_CHOICES:
        raise InputError(
            f"Studio doesn't know the encoder {str(name)[:40]!r}",
            fix="Choose one of " + ", ".join(ENCODER_CHOICES),
        )
    return normal


__all__ = ["AUTO", "ENCODERS", "ENCODER_CHOICES", "ENCODER_LABELS", "X264", "check_encoder"]
