"""What a video's publishing title, description and tags may be (the limits video sites set).

The store refuses a creator's value past a limit (``InputError`` with what to change); text that
Studio writes itself (from the script, or by Groq) is fitted to the limits with ``fit_*`` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from studio.errors import InputError

#: YouTube's limits, the strictest of the common video sites.
MAX_TITLE = 100
MAX_DESCRIPTION = 5000
MAX_TAG = 60
MAX_TAGS_TOTAL = 500
#: Who wrote a project's metadata (the ``publishing_metadata.source`` column's values).
SOURCES = ("groq", "script", "creator")
_ANGLE_BRACKETS = re.compile(r"[<>]")  # YouTube refuses them in titles, descriptions, tags


def clean_title(title: str) -> str:
    """``title`` on one line with tidy spaces, or InputError if it is empty or too long."""
    cleaned = " ".join(str(title or "").split())
    if not cleaned:
        raise InputError("The video needs a title", fix="Type a title of a few words")
    if len(cleaned) > MAX_TITLE:
        raise InputError(
            f"The title is {len(cleaned)} characters long; video sites allow {MAX_TITLE}",
            fix="Shorten it",
        )
    _refuse_angle_brackets(cleaned, "title")
    return cleaned


def clean_description(description: str) -> str:
    """``description`` with its line breaks kept and its ends trimmed, or InputError."""
    lines = [line.rstrip() for line in str(description or "").strip().splitlines()]
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    if len(cleaned) > MAX_DESCRIPTION:
        raise InputError(
            f"The description is {len(cleaned):,} characters long; video sites allow "
            f"{MAX_DESCRIPTION:,}",
            fix="Shorten it",
        )
    _refuse_angle_brackets(cleaned, "description")
    return cleaned


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Tags trimmed, without duplicates (ignoring case) or empties, or InputError."""
    cleaned: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        text = " ".join(str(tag).split()).strip("#").strip()
        if not text or text.lower() in seen:
            continue
        if len(text) > MAX_TAG:
            raise InputError(
                f"The tag {text[:20]!r}… is longer than {MAX_TAG} characters",
                fix="Use short tags of one to three words",
            )
        _refuse_angle_brackets(text, "tags")
        seen.add(text.lower())
        cleaned.append(text)
    if _tags_length(cleaned) > MAX_TAGS_TOTAL:
        raise InputError(
            f"The tags add up to {_tags_length(cleaned)} characters; video sites allow "
            f"{MAX_TAGS_TOTAL}",
            fix="Remove some tags",
        )
    return cleaned


def parse_tags(text: str) -> list[str]:
    """Tags from comma-separated text ("bees, honey , hive" -> three tags)."""
    return [part.strip() for part in str(text or "").split(",") if part.strip()]


def fit_title(text: str) -> str:
    """``text`` shortened at a word to fit a title (with "…" when cut); may be empty."""
    return _shorten(" ".join(_ANGLE_BRACKETS.sub("", text).split()), MAX_TITLE)


def fit_description(text: str) -> str:
    """``text`` shortened to fit a description."""
    return _shorten(_ANGLE_BRACKETS.sub("", text).strip(), MAX_DESCRIPTION)


def fit_tags(tags: Iterable[str]) -> list[str]:
    """As many of ``tags`` (cleaned, in order) as fit the limits; overlong tags are dropped."""
    kept: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        text = " ".join(_ANGLE_BRACKETS.sub("", str(tag)).split()).strip("#").strip()
        if not text or len(text) > MAX_TAG or text.lower() in seen:
            continue
        if _tags_length([*kept, text]) > MAX_TAGS_TOTAL:
            break
        seen.add(text.lower())
        kept.append(text)
    return kept


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + "…"


def _tags_length(tags: list[str]) -> int:
    """Length as YouTube counts it: commas between tags, quotes around tags with spaces."""
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


def _refuse_angle_brackets(text: str, what: str) -> None:
    if _ANGLE_BRACKETS.search(text):
        raise InputError(f"The {what} can't contain < or >", fix="Remove them")
