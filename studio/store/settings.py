"""The library's settings (the ``settings`` table), declared once: each key's kind and limits.

Another program, an old Studio or a hand edit may have written any JSON under a key. A value
read back that is not of the declared kind (a number for a folder, a folder list holding
numbers, text with control characters) is not used: the caller's default is, and one warning
is logged. Keys not declared here are returned as stored.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from studio.text import clean_text

log = logging.getLogger(__name__)

#: Longest text a setting may hold (a folder path, a URL, a model name).
MAX_SETTING_TEXT = 4096
#: Most entries a list setting may hold (media folders).
MAX_SETTING_ITEMS = 1000

Kind = Literal["text", "text list"]
#: Every setting Studio reads, by key (the constants naming them live where they are used).
DECLARED: dict[str, Kind] = {
    "groq_model": "text",
    "groq_base_url": "text",
    "kokoro_weights_dir": "text",
    "default_voice": "text",
    "media_folders": "text list",
}

_warned: set[tuple[str, str]] = set()


def _is_text(value: object) -> bool:
    """A non-empty string of at most MAX_SETTING_TEXT characters that needs no cleaning."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_SETTING_TEXT
        and value.strip() != ""
        and clean_text(value) == value
    )


def fits(kind: Kind, value: object) -> bool:
    """True if ``value`` is a usable value of ``kind`` (None, "not set", always is)."""
    if value is None:
        return True
    if kind == "text":
        return _is_text(value)
    return (
        isinstance(value, list)
        and len(value) <= MAX_SETTING_ITEMS
        and all(_is_text(item) for item in value)
    )


def checked(key: str, value: Any, default: Any) -> Any:
    """``value`` if it fits ``key``'s declared kind, else ``default`` (one warning per value)."""
    kind = DECLARED.get(key)
    if kind is None or fits(kind, value):
        return default if value is None else value
    seen = (key, repr(value)[:200])
    if seen not in _warned:
        _warned.add(seen)
        log.warning(
            "setting %s holds a %s, not %s; the default is used", key, type(value).__name__, kind
        )
    return default


__all__ = ["DECLARED", "checked", "fits"]
