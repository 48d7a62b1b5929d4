"""What a clean-up lists and reports: orphaned files and folders, stale jobs, and their reasons.

The data ``studio.store.housekeeping`` plans and deletes with, and what ``studio clean`` and the
Clean up dialog show; no database, no file system.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_OLDER_THAN_DAYS = 30
STALE_JOB_STATUSES = ("failed", "cancelled", "interrupted")
#: The project sub-folders whose files are media that rows refer to.
MEDIA_FOLDERS = ("audio", "visuals", "renders", "thumbnails")
DAY_S = 86_400.0

REASONS = {
    "audio": "scene audio no scene uses",
    "visuals": "visual no scene has chosen or been offered",
    "renders": "file of a render that is no longer in the library",
    "thumbnails": "thumbnail no render uses",
}
REASON_TEMP = "temporary file left by an unfinished job"
REASON_FOLDER = "folder of a project that no longer exists"
REASON_PREVIEWS = "scene previews of a project that no longer exists"
REASON_EMPTY_VISUALS = "empty folder of a visual that was removed"
#: What an ``OrphanFile`` is: a file, a whole project folder, a deleted project's scene
#: previews, or an empty ``visuals/<hash>/`` folder.
KIND_FILE, KIND_PROJECT, KIND_PREVIEWS, KIND_EMPTY = "file", "project", "previews", "empty"
REASON_HARD_LINK = " (a hard link: your original file stays)"


@dataclass(frozen=True)
class OrphanFile:
    """A file or folder the clean-up would delete.

    Attributes:
        path: its absolute path (inside the home's ``projects`` or scene-previews folder).
        size: bytes (a folder: everything in it).
        age_days: days since it (a folder: its newest file) was last modified.
        reason: why it can go, in words.
        kind: ``KIND_FILE``, ``KIND_PROJECT``, ``KIND_PREVIEWS`` or ``KIND_EMPTY``.
        project: the name of the project whose folder it is in (None: a folder with no project).
    """

    path: Path
    size: int
    age_days: float
    reason: str
    kind: str = KIND_FILE
    project: str | None = None

    @property
    def is_folder(self) -> bool:
        return self.kind != KIND_FILE

    def to_json(self, root: Path) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "relative_path": _relative(self.path, root),
            "kind": "folder" if self.is_folder else "file",
            "size_bytes": self.size,
            "age_days": round(self.age_days, 2),
            "reason": self.reason,
            "project": self.project,
        }


@dataclass(frozen=True)
class StaleJob:
    """A finished-badly job row the clean-up would delete."""

    id: str
    kind: str
    status: str
    project_name: str | None
    age_days: float
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "project": self.project_name,
            "age_days": round(self.age_days, 2),
            "error": self.error,
        }


@dataclass(frozen=True)
class CleanupPlan:
    """What a clean-up would delete.

    Attributes:
        root: the home folder (paths are shown relative to it).
        busy_projects: names of projects skipped because one of their jobs is running.
    """

    root: Path
    older_than_days: float
    files: tuple[OrphanFile, ...]
    jobs: tuple[StaleJob, ...]
    busy_projects: tuple[str, ...]

    @property
    def total_bytes(self) -> int:
        return sum(item.size for item in self.files)

    @property
    def is_empty(self) -> bool:
        return not self.files and not self.jobs

    def relative(self, path: Path) -> str:
        return _relative(path, self.root)

    def to_json(self) -> dict[str, Any]:
        return {
            "home": str(self.root),
            "older_than_days": self.older_than_days,
            "files": [item.to_json(self.root) for item in self.files],
            "jobs": [job.to_json() for job in self.jobs],
            "total_bytes": self.total_bytes,
            "skipped_busy_projects": list(self.busy_projects),
        }


@dataclass(frozen=True)
class CleanupResult:
    """What a clean-up deleted, and what it left (with why).

    Attributes:
        kept: ``(what, why)`` for planned items that were not deleted after all.
    """

    root: Path
    files: tuple[OrphanFile, ...]
    jobs: tuple[StaleJob, ...]
    kept: tuple[tuple[str, str], ...]

    @property
    def freed_bytes(self) -> int:
        return sum(item.size for item in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "home": str(self.root),
            "deleted_files": [item.to_json(self.root) for item in self.files],
            "deleted_jobs": [job.to_json() for job in self.jobs],
            "freed_bytes": self.freed_bytes,
            "kept": [{"item": what, "why": why} for what, why in self.kept],
        }


def format_bytes(size: float) -> str:
    """``1536`` -> ``"1.5 KB"`` (decimal units, as file managers show them)."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{int(size)} bytes" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
