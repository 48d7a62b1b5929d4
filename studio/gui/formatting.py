"""Small text formatters shared by the panels (durations, times, ETAs)."""

from __future__ import annotations

from datetime import UTC, datetime


def format_duration(seconds: float | None) -> str:
    """``65.2`` -> ``"1:05"``; ``None`` -> ``"–"``."""
    if seconds is None:
        return "–"
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_eta(seconds: float | None) -> str:
    """A human ETA: ``"about 40 s left"``, ``"about 3 min left"``, or ``""`` when unknown."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, int(round(seconds)))} s left"
    return f"about {int(round(seconds / 60))} min left"


def local_time(stored: datetime) -> datetime:
    """A stored (naive UTC) timestamp in the machine's local time zone."""
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=UTC)
    return stored.astimezone()


def relative_time(stored: datetime | None, now: datetime | None = None) -> str:
    """``"just now"``, ``"5 min ago"``, ``"3 h ago"``, or a date for older times."""
    if stored is None:
        return "never"
    when = local_time(stored)
    now = now or datetime.now(UTC).astimezone()
    delta = (now - when).total_seconds()
    if delta < 60:
        return "just now"
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    if delta < 24 * 3600:
        return f"{int(delta // 3600)} h ago"
    return when.strftime("%d %b %Y")


STEP_LABELS = {
    "topic": "New",
    "voice": "Script written",
    "script-generation": "Writing script",
    "voiceover": "Voicing",
    "visual-sourcing": "Choosing visuals",
    "visual-curation": "Visuals chosen",
    "editing": "Editing",
    "export": "Exported",
}


def step_label(step: str) -> str:
    return STEP_LABELS.get(step, step.replace("-", " ").capitalize())
