"""The projects room: creating, finding, listing, editing, copying and deleting projects."""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import peewee

from studio.errors import InputError
from studio.languages import check_language
from studio.store.models import (
    PROJECT_CONTENT_FIELDS,
    SCENE_CONTENT_FIELDS,
    SELECTION_FIELDS,
    STEPS,
    TEMPLATES,
    ClipSelection,
    Project,
    PublishingMetadata,
    RenderedVideo,
    Scene,
    VisualSuggestion,
    Voice,
    fields_of,
    new_id,
    utcnow,
)
from studio.store.rooms.base import Room
from studio.text import clean_text

if TYPE_CHECKING:
    from studio.store.connection import Connection
    from studio.store.rooms.publishing import PublishingRoom
    from studio.store.rooms.scenes import ScenesRoom

MAX_NAME = 200


@dataclass(frozen=True)
class ProjectSummary:
    """One row of ``studio projects`` / the project tree."""

    id: str
    name: str
    step: str
    status: str
    template: str
    scenes: int
    duration: float
    last_render: datetime | None
    last_active: datetime
    created_at: datetime | None = None
    #: The latest render's thumbnail (relative to the library folder), if it has one.
    thumbnail_path: str | None = None
    #: The project's language (a ``studio.languages`` code).
    language: str = "en-us"
    #: The latest render's video (relative to the library folder), if it has one.
    video_path: str | None = None


def clean_name(name: str) -> str:
    """A project's name on one line: controls removed, spaces collapsed, within MAX_NAME."""
    cleaned = " ".join(clean_text(name).split())
    if not cleaned:
        raise InputError("A project needs a name", fix="Type a name with at least one letter")
    if len(cleaned) > MAX_NAME:
        raise InputError(f"A project name can be at most {MAX_NAME} characters")
    return cleaned


def check_duration(seconds: float | None, *, what: str = "target duration") -> float | None:
    """Validate a duration in seconds (None means 'no target')."""
    if seconds is None:
        return None
    try:
        value = float(seconds)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The {what} must be a number of seconds, not {seconds!r}") from exc
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"The {what} must be more than 0 seconds (got {seconds})")
    if value > 3 * 3600:
        raise InputError(f"The {what} can be at most 3 hours (got {value:.0f} s)")
    return value


def touch_project(project_id: str) -> None:
    """Mark the project active now (inside the caller's transaction)."""
    Project.update(last_active=utcnow()).where(Project.id == project_id).execute()


def update_total(project_id: str) -> None:
    """Recount the project's narrated length from its scenes (inside the caller's transaction)."""
    total = (
        Scene.select(peewee.fn.COALESCE(peewee.fn.SUM(Scene.duration), 0))
        .where(Scene.project == project_id)
        .scalar()
    )
    Project.update(total_duration=float(total or 0), last_active=utcnow()).where(
        Project.id == project_id
    ).execute()


class ProjectsRoom(Room):
    """The ``projects`` table (a copy also copies the project's scenes, voices and metadata)."""

    def __init__(
        self, connection: Connection, scenes: ScenesRoom, publishing: PublishingRoom
    ) -> None:
        super().__init__(connection)
        self._scenes = scenes
        self._publishing = publishing

    def create_project(
        self,
        name: str,
        *,
        topic: str = "",
        target_duration: float | None = None,
        voice_id: str | None = None,
        voice_speed: float = 1.0,
        template: str = "explainer",
        template_options: dict[str, Any] | None = None,
        render_settings: dict[str, Any] | None = None,
        language: str | None = None,
    ) -> Project:
        language = check_language(language)
        if template not in TEMPLATES:
            raise InputError(
                f"Unknown template {template!r}", fix=f"Use one of {', '.join(TEMPLATES)}"
            )
        name = clean_name(name)
        project_id = new_id()
        self.home.project_dir(project_id, create=True)  # first: a locked disk leaves no row
        with self._db.transaction():
            project = Project.create(
                id=project_id,
                name=name,
                topic=clean_text(topic).strip(),
                target_duration=check_duration(target_duration),
                voice_id=voice_id,
                voice_speed=voice_speed,
                template=template,
                template_options=template_options or {},
                render_settings=render_settings or {},
                language=language,
            )
        return project

    def project(self, ref: str) -> Project:
        """Find a project by id, exact name, or unique id prefix / case-insensitive name."""
        ref = " ".join(clean_text(ref).split())  # as names are stored
        if not ref:
            raise InputError("Which project? Give its name or id", fix="See `studio projects`")
        with self._db.errors():
            found = Project.get_or_none(Project.id == ref)
            if found:
                return found
            matches = list(Project.select().where(Project.name == ref))
            if not matches:
                matches = list(
                    Project.select().where(
                        (peewee.fn.lower(Project.name) == ref.lower()) | Project.id.startswith(ref)
                    )
                )
            if not matches:  # a unique start of the name is enough
                matches = [p for p in Project.select() if p.name.lower().startswith(ref.lower())]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise InputError(f"No project called {ref!r}", fix="See `studio projects` for names")
        raise InputError(f"Several projects match {ref!r}", fix="Use the project's id instead")

    def projects(self) -> list[ProjectSummary]:
        with self._db.errors():
            # .tuples() yields (project id, value) rows; the stubs only know model rows.
            counts: dict[str, int] = dict(
                cast(
                    Iterable[tuple[str, int]],
                    Scene.select(Scene.project, peewee.fn.COUNT(Scene.id))
                    .group_by(Scene.project)
                    .tuples(),
                )
            )
            last_render: dict[str, Any] = dict(
                cast(
                    Iterable[tuple[str, Any]],
                    RenderedVideo.select(
                        RenderedVideo.project, peewee.fn.MAX(RenderedVideo.created_at)
                    )
                    .group_by(RenderedVideo.project)
                    .tuples(),
                )
            )
            rows = list(Project.select().order_by(Project.last_active.desc()))
        summaries = []
        for p in rows:
            lr = last_render.get(p.id)
            if isinstance(lr, str):
                lr = datetime.fromisoformat(lr)
            summaries.append(
                ProjectSummary(
                    id=p.id,
                    name=p.name,
                    step=p.current_step,
                    status=p.status,
                    template=p.template,
                    scenes=counts.get(p.id, 0),
                    duration=p.total_duration or 0.0,
                    last_render=lr,
                    last_active=p.last_active,
                    created_at=p.created_at,
                    thumbnail_path=p.thumbnail_path,
                    language=p.language,
                    video_path=p.video_path,
                )
            )
        return summaries

    def rename_project(self, project: Project, name: str) -> Project:
        with self._db.transaction():
            Project.update(name=clean_name(name), last_active=utcnow()).where(
                Project.id == project.id
            ).execute()
        return self.refresh(project)

    def update_project(self, project: Project, **fields: Any) -> Project:
        """Update simple project fields (topic, voice, settings, step, status ...)."""
        allowed = {
            "topic",
            "voice_id",
            "voice_speed",
            "render_settings",
            "current_step",
            "status",
            "target_duration",
            "template",
            "template_options",
            "language",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable here: {sorted(unknown)}")
        if "template" in fields and fields["template"] not in TEMPLATES:
            raise InputError(
                f"Unknown template {fields['template']!r}",
                fix=f"Use one of {', '.join(TEMPLATES)}",
            )
        if "current_step" in fields and fields["current_step"] not in STEPS:
            raise InputError(f"Unknown step {fields['current_step']!r}")
        if "language" in fields:
            fields["language"] = check_language(fields["language"])
        if "target_duration" in fields:
            fields["target_duration"] = check_duration(fields["target_duration"])
        if "topic" in fields:
            fields["topic"] = clean_text(fields["topic"]).strip()
        with self._db.transaction():
            Project.update(**fields, last_active=utcnow()).where(Project.id == project.id).execute()
        return self.refresh(project)

    def set_step(self, project: Project, step: str) -> None:
        """Move the project to ``step``; nothing is written when it is there already (so an
        unchanged re-render writes nothing)."""
        if self.refresh(project).current_step != step:
            self.update_project(project, current_step=step)

    def refresh(self, project: Project) -> Project:
        with self._db.errors():
            return Project.get_by_id(project.id)

    def duplicate_project(self, project: Project, name: str | None = None) -> Project:
        """Copy a project with its scenes, visuals, voice audio and choices (not renders)."""
        project = self.refresh(project)
        source_dir = self.home.project_dir(project.id)
        with self._db.transaction():
            copy = Project.create(
                **{
                    **fields_of(project, PROJECT_CONTENT_FIELDS),
                    "id": new_id(),
                    "name": clean_name(name or f"{project.name} (copy)"),
                    "status": "draft",
                }
            )
            target_dir = self.home.project_dir(copy.id, create=True)
            old_prefix = self.home.rel(source_dir) + "/"
            new_prefix = self.home.rel(target_dir) + "/"

            def moved(path: str | None) -> str | None:
                if path and path.startswith(old_prefix):
                    return new_prefix + path[len(old_prefix) :]
                return path

            copy.template_options = {
                k: moved(v) if isinstance(v, str) else v
                for k, v in (project.template_options or {}).items()
            }
            copy.save()
            published = self._publishing.publishing(project)
            if published is not None and published.source != "script":  # derived ones follow
                PublishingMetadata.create(
                    project=copy.id,
                    title=published.title,
                    description=published.description,
                    tags=published.tags,
                    source=published.source,
                )
            for voice in Voice.select().where(
                (Voice.project == project.id) & Voice.character.is_null(False)
            ):
                Voice.create(
                    id=new_id(),
                    engine=voice.engine,
                    voice_id=voice.voice_id,
                    display_name=voice.display_name,
                    project=copy.id,
                    character=voice.character,
                )

            for scene in self._scenes.scenes(project):
                new_scene = Scene.create(
                    **{
                        **fields_of(scene, SCENE_CONTENT_FIELDS),
                        "id": new_id(),
                        "project": copy,
                        "audio_file_path": moved(scene.audio_file_path),
                    }
                )
                for sel in ClipSelection.select().where(ClipSelection.scene == scene):
                    ClipSelection.create(
                        **{
                            **fields_of(sel, SELECTION_FIELDS),
                            "id": new_id(),
                            "scene": new_scene,
                            "asset_path": moved(sel.asset_path),
                        }
                    )
                for sug in VisualSuggestion.select().where(VisualSuggestion.scene == scene):
                    VisualSuggestion.create(
                        id=new_id(),
                        scene=new_scene,
                        query=sug.query,
                        source=sug.source,
                        candidates=[
                            {**c, "path": moved(c.get("path"))} for c in (sug.candidates or [])
                        ],
                    )
        for sub in ("audio", "visuals"):
            if (source_dir / sub).is_dir():
                shutil.copytree(source_dir / sub, target_dir / sub, dirs_exist_ok=True)
        return copy

    def delete_project(self, project: Project, *, keep_videos_in: Path | None = None) -> list[Path]:
        """Delete a project, its rows (cascade), its folder and its cached scene previews;
        return the videos kept.

        Given ``keep_videos_in``, the project's rendered MP4s are first moved into that folder
        (named after the project and the render's date) and survive the deletion. If one can't
        be moved, those already moved go back and nothing is deleted (InputError).
        """
        kept = self._keep_videos(project, keep_videos_in) if keep_videos_in is not None else []
        with self._db.transaction():
            Project.delete().where(Project.id == project.id).execute()
        shutil.rmtree(self.home.project_dir(project.id), ignore_errors=True)
        shutil.rmtree(self.home.scene_previews_dir / project.id, ignore_errors=True)
        return kept

    def _keep_videos(self, project: Project, folder: Path) -> list[Path]:
        """Move the project's rendered videos into ``folder``; all of them, or none."""
        with self._db.errors():
            renders = list(RenderedVideo.select().where(RenderedVideo.project == project.id))
        moved: list[tuple[Path, Path]] = []
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for render in renders:
                source = self.home.abs(render.file_path)
                if source.is_file():
                    target = _free_name(folder, _video_name(project.name, render.created_at))
                    shutil.move(source, target)
                    moved.append((source, target))
        except OSError as exc:
            for source, target in reversed(moved):
                shutil.move(target, source)
            raise InputError(
                f"Studio could not keep the videos: {exc.strerror or exc}",
                where=str(folder),
                fix="Free some disk space or make that folder writable, then delete again",
            ) from exc
        return [target for _source, target in moved]

    def touch(self, project: Project) -> None:
        with self._db.transaction():
            Project.update(last_active=utcnow()).where(Project.id == project.id).execute()


def _video_name(project_name: str, created: datetime) -> str:
    """A kept video's file name: the project's name (without path characters) and its date."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "-", project_name).strip(" .-")[:80] or "video"
    local = created.replace(tzinfo=UTC).astimezone() if created.tzinfo is None else created
    return f"{safe} {local:%Y-%m-%d %H%M}.mp4"


def _free_name(folder: Path, name: str) -> Path:
    """``folder / name``, or with " (2)", " (3)" ... before the suffix if that exists."""
    target = folder / name
    number = 2
    while target.exists():
        target = folder / f"{Path(name).stem} ({number}){Path(name).suffix}"
        number += 1
    return target
