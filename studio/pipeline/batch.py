"""``studio batch``: many videos from one manifest, a bounded number at a time, resumable.

A manifest (CSV or JSON) holds one row per video: a topic or a script file, the template and
its options, voice, language, aspect, media folder, music. Each row becomes a normal project
in the library (made by ``produce``); the batch's own rows in the store remember which project
each manifest row became and how it ended, so running the same manifest again after a crash or
Ctrl-C keeps the finished rows and continues the rest. The run ends with a summary (a JSON file
and a table): project, MP4, duration, status, error.

FOUNDATION SKELETON (session 8): the types and signatures below are the agreed interface; the
batch helper fills in the bodies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from studio.pipeline.request import RunRequest
from studio.progress import CancelToken
from studio.store import Library

#: A row's states: waiting its turn, being made, finished, failed (with an error), cancelled.
ROW_STATUSES = ("pending", "running", "done", "failed", "cancelled")


@dataclass(frozen=True)
class BatchRow:
    """One manifest row, checked (paths resolved against the manifest's folder).

    Attributes:
        number: the row's number in the manifest (1 = the first video), for messages.
        topic / script: the source (exactly one of them).
        template, duration, voice, language, speed, aspect, resolution, music, captions,
        caption_style, transition, project_name, media, template_options: as ``produce``'s.
    """

    number: int
    topic: str | None = None
    script: Path | None = None
    template: str | None = None
    duration: float | None = None
    voice: str | None = None
    language: str | None = None
    speed: float = 1.0
    aspect: str = "16:9"
    resolution: str = "1080p"
    music: Path | None = None
    captions: bool = True
    caption_style: str = "clean"
    transition: str = "cut"
    project_name: str | None = None
    media: tuple[Path, ...] = ()
    template_options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A hash of everything the row asks for (a changed row is a new video on resume)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Manifest:
    """A checked manifest: its file and its rows, in order."""

    path: Path
    rows: tuple[BatchRow, ...]


def load_manifest(path: Path) -> Manifest:
    """Read and check a CSV or JSON manifest (every row, before anything is made).

    Raises:
        InputError: unreadable file, unknown column, bad value: one line naming the row and
            column, and how to fix it.
    """
    raise NotImplementedError


@dataclass(frozen=True)
class RowOutcome:
    """How one row stands (the summary's line)."""

    number: int
    status: str
    project_id: str | None = None
    project_name: str | None = None
    video_path: Path | None = None
    duration: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class BatchSummary:
    """The end of a run: every row's outcome, and where the JSON summary was written."""

    manifest: Path
    rows: tuple[RowOutcome, ...]
    summary_path: Path | None = None


class BatchListener(Protocol):
    """What a batch run tells its caller (the CLI's table and JSON lines, the window's queue).
    Called from worker threads."""

    def row_changed(self, outcome: RowOutcome) -> None: ...

    def row_progress(
        self, number: int, fraction: float, stage: str, eta_seconds: float | None
    ) -> None: ...

    def row_message(self, number: int, text: str) -> None: ...


def run_batch(
    library: Library,
    manifest: Manifest,
    *,
    run: RunRequest,
    jobs: int = 1,
    listener: BatchListener | None = None,
    cancel: CancelToken | None = None,
    summary_path: Path | None = None,
) -> BatchSummary:
    """Make every row's video, ``jobs`` at a time; rows already done in an earlier run of this
    manifest are kept. Cancel stops the running rows (they are resumed next time)."""
    raise NotImplementedError


__all__ = [
    "ROW_STATUSES",
    "BatchListener",
    "BatchRow",
    "BatchSummary",
    "Manifest",
    "RowOutcome",
    "load_manifest",
    "run_batch",
]
