"""Housekeeping: old failed jobs and media no row uses any more, listed first, then deleted.

``plan_cleanup`` only reads; it lists every file, folder and job ``run_cleanup`` would delete,
with its size, age and reason. ``run_cleanup`` deletes exactly the planned items that are still
orphaned when it runs: it takes the database's write lock (so no job can start and no row can
change meanwhile), checks each item again, and deletes only those.

What counts as orphaned, inside ``<home>/projects/`` only (the database, its backups and
anything outside the home are never looked at):

* a project folder whose project row is gone (or a failed import's staging folder);
* in a project's ``audio/``, ``visuals/``, ``renders/`` and ``thumbnails/`` folders, a file no
  row refers to: scene audio, chosen or suggested visuals, renders with their ``.jpg``,
  ``.srt`` and other siblings (``<stem>.*`` of a referenced file counts as referenced),
  thumbnail variants, and any path found in a row's JSON settings;
* anywhere in a project folder, a temporary file (``.name`` or ``*.partial*``) a killed job
  left behind;
* an empty ``visuals/<hash>/`` folder of an existing project (an imported visual's folder whose
  file was removed).

And in ``<home>/cache/scene-previews/``, the folder of a project that no longer exists.

The render's segment cache (``segments/``) is the render's own business: apart from temporary
files it is never touched. A project with a job running (``running``/``pending`` with a live
process) is skipped entirely. Every item must also be older than the chosen age (its last
modification; a folder's newest file).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from studio.errors import InputError
from studio.store.cleanup_items import (
    DAY_S,
    DEFAULT_OLDER_THAN_DAYS,
    KIND_EMPTY,
    KIND_FILE,
    KIND_PREVIEWS,
    KIND_PROJECT,
    MEDIA_FOLDERS,
    REASON_EMPTY_VISUALS,
    REASON_FOLDER,
    REASON_HARD_LINK,
    REASON_PREVIEWS,
    REASON_TEMP,
    REASONS,
    STALE_JOB_STATUSES,
    CleanupPlan,
    CleanupResult,
    OrphanFile,
    StaleJob,
    format_bytes,
)
from studio.store.models import (
    ClipSelection,
    Job,
    MediaAsset,
    Project,
    RenderedVideo,
    Scene,
    Setting,
    Thumbnail,
    VisualSuggestion,
    utcnow,
)
from studio.store.rooms.jobs import pid_alive

if TYPE_CHECKING:
    from studio.store.api import Library

log = logging.getLogger(__name__)


def check_age(days: float) -> float:
    """Validate ``--older-than``: a number of days, 0 or more."""
    if not isinstance(days, int | float) or days != days or days < 0:  # NaN != NaN
        raise InputError(f"The age must be 0 days or more (got {days})")
    return float(days)


# -- what rows refer to ------------------------------------------------------------------------
def _strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@dataclass(frozen=True)
class _References:
    """Every path the rows refer to, normalised, and each folder's referenced stems."""

    paths: frozenset[str]
    stems: frozenset[tuple[str, str]]  # (folder, stem) of each referenced file

    def names(self, path: Path) -> bool:
        """True if a row refers to ``path`` itself."""
        return os.path.normpath(path) in self.paths

    def has_sibling_of(self, path: Path) -> bool:
        """True if a row refers to a file ``path`` belongs with (``<stem>.*`` beside it)."""
        folder, stem = os.path.normpath(path.parent), path.name
        while stem:
            if (folder, stem) in self.stems:
                return True
            stem = stem.rpartition(".")[0]
        return False


def _references(library: Library) -> _References:
    """Read every column (and JSON value) that can hold a path; call inside a transaction."""
    stored: list[str | None] = []
    stored += [s.audio_file_path for s in Scene.select(Scene.audio_file_path)]
    stored += [c.asset_path for c in ClipSelection.select(ClipSelection.asset_path)]
    for render in RenderedVideo.select(
        RenderedVideo.file_path,
        RenderedVideo.thumbnail_path,
        RenderedVideo.srt_path,
        RenderedVideo.settings,
    ):
        stored += [render.file_path, render.thumbnail_path, render.srt_path]
        stored += [s for s in _strings(render.settings) if "/" in s or "\\" in s]
    for project in Project.select(
        Project.video_path,
        Project.thumbnail_path,
        Project.render_settings,
        Project.template_options,
    ):
        stored += [project.video_path, project.thumbnail_path]
        for options in (project.render_settings, project.template_options):
            stored += [s for s in _strings(options) if "/" in s or "\\" in s]
    stored += [t.image_path for t in Thumbnail.select(Thumbnail.image_path)]
    stored += [m.path for m in MediaAsset.select(MediaAsset.path)]
    for suggestion in VisualSuggestion.select(VisualSuggestion.candidates):
        stored += [s for s in _strings(suggestion.candidates) if "/" in s or "\\" in s]
    for setting in Setting.select(Setting.value):
        stored += [s for s in _strings(setting.value) if "/" in s or "\\" in s]
    paths: set[str] = set()
    stems: set[tuple[str, str]] = set()
    for value in stored:
        if not value:
            continue
        try:
            real = Path(os.path.normpath(library.home.abs(value)))
        except (InputError, ValueError, OSError):
            continue
        paths.add(str(real))
        stems.add((str(real.parent), real.name.rpartition(".")[0] or real.name))
    return _References(frozenset(paths), frozenset(stems))


def _busy_project_ids() -> set[str]:
    """Projects with a job that is running in a live process (this one included)."""
    rows = cast(
        Iterable[tuple[str | None, int | None]],
        Job.select(Job.project, Job.pid).where(Job.status.in_(("pending", "running"))).tuples(),
    )
    return {project_id for project_id, pid in rows if project_id and pid_alive(pid)}


# -- finding orphans ---------------------------------------------------------------------------
def _is_temporary(name: str) -> bool:
    return name.startswith(".") or ".partial" in name


def _walk_files(folder: Path) -> Iterator[Path]:
    """Every regular file under ``folder``; symbolic links are neither followed nor listed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
        for name in files:
            path = Path(root, name)
            if not path.is_symlink() and path.is_file():
                yield path


def _folder_size_and_newest(folder: Path) -> tuple[int, float]:
    """Bytes of the files in ``folder`` and the newest modification time of anything in it."""
    size, newest = 0, folder.lstat().st_mtime
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs:
            newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
        for name in files:
            stat = os.lstat(os.path.join(root, name))
            newest = max(newest, stat.st_mtime)
            size += stat.st_size
    return size, newest


def _file_reason(project_dir: Path, path: Path, refs: _References) -> str | None:
    """Why ``path`` (in an existing project's folder) can go, or None if it must stay."""
    if refs.names(path):
        return None
    if _is_temporary(path.name):  # even beside a referenced file: a killed job's leftover
        return REASON_TEMP
    if refs.has_sibling_of(path):
        return None
    parts = path.relative_to(project_dir).parts
    if len(parts) >= 2 and parts[0] in MEDIA_FOLDERS:
        is_thumbnail = parts[0] == "renders" and "-thumb-" in path.name  # publishing's variants
        return REASONS["thumbnails" if is_thumbnail else parts[0]]
    return None  # the segment cache, and anything Studio doesn't know, stays


def _orphan_file(path: Path, reason: str, now: float) -> OrphanFile:
    stat = path.lstat()
    if stat.st_nlink > 1:
        reason += REASON_HARD_LINK
    return OrphanFile(path, stat.st_size, (now - stat.st_mtime) / DAY_S, reason)


def _orphan_folder(path: Path, now: float, kind: str = KIND_PROJECT) -> OrphanFile:
    size, newest = _folder_size_and_newest(path)
    reason = REASON_PREVIEWS if kind == KIND_PREVIEWS else REASON_FOLDER
    return OrphanFile(path, size, (now - newest) / DAY_S, reason, kind=kind)


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _empty_visual_folders(project_dir: Path) -> Iterator[Path]:
    """The empty ``visuals/<hash>/`` folders of a project."""
    visuals = project_dir / "visuals"
    if visuals.is_dir() and not visuals.is_symlink():
        for entry in sorted(visuals.iterdir()):
            if _is_empty_folder(entry):
                yield entry


def _orphan_empty(path: Path, now: float) -> OrphanFile:
    age = (now - path.lstat().st_mtime) / DAY_S
    return OrphanFile(path, 0, age, REASON_EMPTY_VISUALS, kind=KIND_EMPTY)


def _subfolders(folder: Path) -> Iterator[Path]:
    if folder.is_dir() and not folder.is_symlink():
        for entry in sorted(folder.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                yield entry


def _project_folders(library: Library) -> Iterator[Path]:
    yield from _subfolders(library.home.projects_dir)


def _find_previews(library: Library, now: float, names: dict[str, str]) -> list[OrphanFile]:
    """The scene-preview folders of projects that no longer exist."""
    found: list[OrphanFile] = []
    for folder in _subfolders(library.home.scene_previews_dir):
        if folder.name not in names:
            with _unless_vanished(folder):
                found.append(_orphan_folder(folder, now, KIND_PREVIEWS))
    return found


def _find_files(
    library: Library,
    days: float,
    now: float,
    names: dict[str, str],
    busy: set[str],
    refs: _References,
) -> list[OrphanFile]:
    found: list[OrphanFile] = []
    for folder in _project_folders(library):
        if folder.name in busy:
            continue
        if folder.name not in names:
            with _unless_vanished(folder):
                found.append(_orphan_folder(folder, now))
            continue
        for path in _walk_files(folder):
            reason = _file_reason(folder, path, refs)
            if reason is not None:
                with _unless_vanished(path):
                    item = _orphan_file(path, reason, now)
                    found.append(replace(item, project=names[folder.name]))
        for empty in _empty_visual_folders(folder):
            with _unless_vanished(empty):
                found.append(replace(_orphan_empty(empty, now), project=names[folder.name]))
    found += _find_previews(library, now, names)
    return [item for item in found if item.age_days >= days]


@contextmanager
def _unless_vanished(path: Path) -> Iterator[None]:
    """Skip ``path`` if another process removes it while it is looked at."""
    try:
        yield
    except FileNotFoundError:
        log.debug("%s vanished while looking for orphans", path)


def _stale_jobs(days: float) -> list[StaleJob]:
    """Failed, cancelled and interrupted jobs older than ``days``.

    A project's latest job is kept whatever its age: it is how the project's last work ended
    (the render panel reads it to offer "Resume render").
    """
    latest: dict[str, tuple[datetime, str]] = {}
    for job_id, project_id, created in cast(
        Iterable[tuple[str, str, datetime]],
        Job.select(Job.id, Job.project, Job.created_at).where(Job.project.is_null(False)).tuples(),
    ):
        latest[project_id] = max(latest.get(project_id, (created, job_id)), (created, job_id))
    keep = {job_id for _, job_id in latest.values()}
    names = {p.id: p.name for p in Project.select(Project.id, Project.name)}
    now = utcnow()
    found = []
    for job in Job.select().where(Job.status.in_(STALE_JOB_STATUSES)).order_by(Job.created_at):
        owner = cast("str | None", job.__data__.get("project"))
        when: datetime = job.finished_at or job.started_at or job.created_at
        age = (now - when).total_seconds() / DAY_S
        if job.id not in keep and age >= days:
            found.append(
                StaleJob(
                    job.id,
                    job.kind,
                    job.status,
                    names.get(owner or ""),
                    age,
                    job.error_message,
                )
            )
    return found


def plan_cleanup(
    library: Library, older_than_days: float = DEFAULT_OLDER_THAN_DAYS, *, now: float | None = None
) -> CleanupPlan:
    """List what a clean-up would delete (nothing is changed)."""
    days = check_age(older_than_days)
    now = time.time() if now is None else now
    with library.snapshot():  # one consistent read
        names = {p.id: p.name for p in Project.select(Project.id, Project.name)}
        busy = _busy_project_ids()
        refs = _references(library)
        jobs = _stale_jobs(days)
    files = _find_files(library, days, now, names, busy, refs)
    return CleanupPlan(
        root=library.home.root,
        older_than_days=days,
        files=tuple(sorted(files, key=lambda item: item.path)),
        jobs=tuple(jobs),
        busy_projects=tuple(sorted(names[p] for p in busy if p in names)),
    )


# -- deleting ----------------------------------------------------------------------------------
def _still_orphaned(
    library: Library,
    item: OrphanFile,
    plan: CleanupPlan,
    project_ids: set[str],
    busy: set[str],
    refs: _References,
    now: float,
) -> str | None:
    """None if ``item`` can still go, else why it stays."""
    if item.kind == KIND_PREVIEWS:
        return _previews_still_orphaned(library, item, plan, project_ids, now)
    projects_dir = library.home.projects_dir
    try:
        inside = item.path.relative_to(projects_dir).parts
    except ValueError:
        return "it is not inside the library's projects folder"
    if not inside or ".." in inside:
        return "it is not inside the library's projects folder"
    if os.path.realpath(item.path.parent) != os.path.normpath(item.path.parent):
        return "its folder is reached through a link"
    if not os.path.lexists(item.path):
        return "it is already gone"
    if item.path.is_symlink():
        return "it is a link"
    project_id = inside[0]
    if item.kind == KIND_PROJECT:
        if len(inside) != 1 or project_id in project_ids:
            return "its project exists again"
        fresh = _orphan_folder(item.path, now)
    elif item.kind == KIND_EMPTY:
        if len(inside) != 3 or inside[1] != "visuals":
            return "it is not a visual's folder"
        if project_id in busy:
            return "a job of its project is running"
        if project_id not in project_ids:
            return "its project folder is being removed as a whole"
        if not _is_empty_folder(item.path):
            return "a file is in it now"
        fresh = _orphan_empty(item.path, now)
    else:
        if project_id in busy:
            return "a job of its project is running"
        if project_id not in project_ids:
            return "its project folder is being removed as a whole"
        reason = _file_reason(projects_dir / project_id, item.path, refs)
        if reason is None:
            return "a row refers to it now"
        fresh = _orphan_file(item.path, reason, now)
    if fresh.age_days < plan.older_than_days:
        return "it was changed since the list was made"
    return None


def _previews_still_orphaned(
    library: Library, item: OrphanFile, plan: CleanupPlan, project_ids: set[str], now: float
) -> str | None:
    """None if a deleted project's scene-preview folder can still go, else why it stays."""
    previews_dir = library.home.scene_previews_dir
    if item.path.parent != previews_dir or item.path.name in ("", ".", ".."):
        return "it is not inside the library's scene-previews folder"
    if os.path.realpath(item.path.parent) != os.path.normpath(item.path.parent):
        return "its folder is reached through a link"
    if not os.path.lexists(item.path):
        return "it is already gone"
    if item.path.is_symlink():
        return "it is a link"
    if item.path.name in project_ids:
        return "its project exists again"
    if _orphan_folder(item.path, now, KIND_PREVIEWS).age_days < plan.older_than_days:
        return "it was changed since the list was made"
    return None


def _delete(item: OrphanFile) -> None:
    if item.kind == KIND_EMPTY:
        item.path.rmdir()  # refuses if a file arrived meanwhile
    elif item.is_folder:
        shutil.rmtree(item.path)
    else:
        item.path.unlink()


def run_cleanup(library: Library, plan: CleanupPlan) -> CleanupResult:
    """Delete the items of ``plan`` that are still orphaned; report what went and what stayed.

    Holds the database's write lock throughout, so no job starts and no row starts referring
    to a file between the final check and the deletion.
    """
    now = time.time()
    deleted: list[OrphanFile] = []
    kept: list[tuple[str, str]] = []
    with library.transaction():
        project_ids = {p.id for p in Project.select(Project.id)}
        busy = _busy_project_ids()
        refs = _references(library)
        for item in plan.files:
            try:
                why = _still_orphaned(library, item, plan, project_ids, busy, refs, now)
                if why is None:
                    _delete(item)
            except OSError as exc:
                why = f"it could not be checked or deleted: {exc.strerror or exc}"
            if why is None:
                deleted.append(item)
                log.info("clean-up deleted %s (%s)", item.path, item.reason)
            else:
                kept.append((plan.relative(item.path), why))
        stale = {job.id: job for job in _stale_jobs(plan.older_than_days)}
        gone = [job for job in plan.jobs if job.id in stale]
        kept += [
            (f"job {job.id[:8]}", "it is no longer old or failed")
            for job in plan.jobs
            if job.id not in stale
        ]
        if gone:
            Job.delete().where(Job.id.in_([job.id for job in gone])).execute()
    return CleanupResult(library.home.root, tuple(deleted), tuple(gone), tuple(kept))


__all__ = [
    "DEFAULT_OLDER_THAN_DAYS",
    "KIND_EMPTY",
    "KIND_FILE",
    "KIND_PREVIEWS",
    "KIND_PROJECT",
    "CleanupPlan",
    "CleanupResult",
    "OrphanFile",
    "StaleJob",
    "check_age",
    "format_bytes",
    "plan_cleanup",
    "run_cleanup",
]
