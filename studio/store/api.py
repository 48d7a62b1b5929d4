"""The domain API over the store: what the CLI, the pipeline and the GUI all call.

No SQL strings outside this package. Every multi-row write runs in one ``IMMEDIATE``
transaction so concurrent writers (a GUI edit while a worker records progress) queue on SQLite's
busy timeout instead of failing.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import peewee

from studio.errors import InputError, StudioError
from studio.home import Home
from studio.store import db as dbmod
from studio.store import metadata as publishing_rules
from studio.store import settings_registry
from studio.store.models import (
    PROJECT_CONTENT_FIELDS,
    SCENE_CONTENT_FIELDS,
    SELECTION_FIELDS,
    STEPS,
    TEMPLATES,
    ClipSelection,
    Job,
    LlmCall,
    MediaAsset,
    Project,
    PublishingMetadata,
    RenderedVideo,
    Scene,
    Setting,
    Thumbnail,
    VisualSuggestion,
    Voice,
    database,
    fields_of,
    new_id,
    utcnow,
)
from studio.store.usage import estimate_cost
from studio.text import clean_text, one_line

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_NAME = 200
MAX_SCENE_TEXT = 20_000


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


def _clean_name(name: str) -> str:
    """A project's name on one line: controls removed, spaces collapsed, within MAX_NAME."""
    cleaned = " ".join(clean_text(name).split())
    if not cleaned:
        raise InputError("A project needs a name", fix="Type a name with at least one letter")
    if len(cleaned) > MAX_NAME:
        raise InputError(f"A project name can be at most {MAX_NAME} characters")
    return cleaned


def _clean_scene_text(text: str) -> str:
    """A scene's narration: controls removed (line breaks and tabs kept), ends trimmed."""
    cleaned = clean_text(text, multiline=True).strip()
    if not cleaned:
        raise InputError("A scene needs some narration text", fix="Type what the voice should say")
    if len(cleaned) > MAX_SCENE_TEXT:
        raise InputError(
            f"A scene's text can be at most {MAX_SCENE_TEXT:,} characters",
            fix="Split it into several scenes",
        )
    return cleaned


def _clean_keywords(keywords: Iterable[str]) -> list[str]:
    """Search words, each on one line without controls; empty ones dropped."""
    cleaned = (" ".join(clean_text(str(word)).split()) for word in keywords)
    return [word for word in cleaned if word]


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


class Library:
    """A home folder's store: open it once per process, use it from any thread.

    Attributes:
        home: the home folder layout (paths in rows are relative to ``home.root``).
    """

    def __init__(self, home: Home) -> None:
        self.home = home

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path) -> Library:
        """Open (creating or upgrading) the library at ``root``."""
        home = Home(Path(root).resolve())
        home.ensure()
        dbmod.open_database(home.db_path)
        library = cls(home)
        with library.errors():
            interrupted = dbmod.interrupt_stale_jobs()
        if interrupted:
            log.warning(
                "%d job(s) were left running by a previous Studio: marked interrupted", interrupted
            )
        return library

    def close(self) -> None:
        dbmod.close_thread_connection()

    @staticmethod
    def close_thread_connection() -> None:
        dbmod.close_thread_connection()

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this thread's connection.

        It changes when *another* connection (another process, or another thread's
        connection) commits, so a window can notice edits made outside it by polling this.
        """
        with self.errors():
            row = dbmod.database.execute_sql("PRAGMA data_version").fetchone()
        return int(row[0])

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Turn known SQLite failures into StoreError with a human message.

        Text SQLite can't take (a path or argument whose bytes aren't UTF-8, which Python
        carries as lone surrogates) is the creator's input, not a bug: an InputError, and the
        transaction it was in is rolled back.
        """
        try:
            yield
        except StudioError:
            raise
        except UnicodeEncodeError as exc:
            raise InputError(
                "Studio can't store a name or path that isn't valid text (UTF-8)",
                where=one_line(exc.object) if isinstance(exc.object, str) else None,
                fix="Rename the file or folder (or retype the name) and try again",
            ) from exc
        except (peewee.OperationalError, peewee.DatabaseError, sqlite3.Error) as exc:
            if isinstance(exc, peewee.IntegrityError):
                raise
            raise dbmod._known_error(exc, self.home.db_path) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (IMMEDIATE: take the write lock up front)."""
        with self.errors(), database.atomic("IMMEDIATE"):
            yield

    # -- projects ----------------------------------------------------------------------------
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
    ) -> Project:
        if template not in TEMPLATES:
            raise InputError(
                f"Unknown template {template!r}", fix=f"Use one of {', '.join(TEMPLATES)}"
            )
        name = _clean_name(name)
        project_id = new_id()
        self.home.project_dir(project_id, create=True)  # first: a locked disk leaves no row
        with self.transaction():
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
            )
        return project

    def project(self, ref: str) -> Project:
        """Find a project by id, exact name, or unique id prefix / case-insensitive name."""
        ref = " ".join(clean_text(ref).split())  # as names are stored
        if not ref:
            raise InputError("Which project? Give its name or id", fix="See `studio projects`")
        with self.errors():
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
        with self.errors():
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
                )
            )
        return summaries

    def rename_project(self, project: Project, name: str) -> Project:
        with self.transaction():
            Project.update(name=_clean_name(name), last_active=utcnow()).where(
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
        if "target_duration" in fields:
            fields["target_duration"] = check_duration(fields["target_duration"])
        if "topic" in fields:
            fields["topic"] = clean_text(fields["topic"]).strip()
        with self.transaction():
            Project.update(**fields, last_active=utcnow()).where(Project.id == project.id).execute()
        return self.refresh(project)

    def set_step(self, project: Project, step: str) -> None:
        """Move the project to ``step``; nothing is written when it is there already (so an
        unchanged re-render writes nothing)."""
        if self.refresh(project).current_step != step:
            self.update_project(project, current_step=step)

    def refresh(self, project: Project) -> Project:
        with self.errors():
            return Project.get_by_id(project.id)

    def duplicate_project(self, project: Project, name: str | None = None) -> Project:
        """Copy a project with its scenes, visuals, voice audio and choices (not renders)."""
        project = self.refresh(project)
        source_dir = self.home.project_dir(project.id)
        with self.transaction():
            copy = Project.create(
                **{
                    **fields_of(project, PROJECT_CONTENT_FIELDS),
                    "id": new_id(),
                    "name": _clean_name(name or f"{project.name} (copy)"),
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
            published = self.publishing(project)
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

            for scene in self.scenes(project):
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

    def delete_project(self, project: Project) -> None:
        """Delete a project, its rows (cascade) and its folder."""
        with self.transaction():
            Project.delete().where(Project.id == project.id).execute()
        shutil.rmtree(self.home.project_dir(project.id), ignore_errors=True)

    def touch(self, project: Project) -> None:
        with self.transaction():
            Project.update(last_active=utcnow()).where(Project.id == project.id).execute()

    # -- scenes ------------------------------------------------------------------------------
    def scenes(self, project: Project) -> list[Scene]:
        with self.errors():
            return list(
                Scene.select().where(Scene.project == project.id).order_by(Scene.scene_number)
            )

    def scene(self, scene_id: str) -> Scene:
        with self.errors():
            scene = Scene.get_or_none(Scene.id == scene_id)
        if scene is None:
            raise InputError("That scene no longer exists", fix="Reload the project")
        return scene

    def _renumber(self, project_id: str, ordered_ids: Sequence[str]) -> None:
        # Two passes keep UNIQUE(project, scene_number) satisfied at every statement.
        for index, scene_id in enumerate(ordered_ids):
            Scene.update(scene_number=-(index + 1)).where(Scene.id == scene_id).execute()
        for index, scene_id in enumerate(ordered_ids):
            Scene.update(scene_number=index + 1).where(Scene.id == scene_id).execute()

    def _ordered_ids(self, project_id: str) -> list[str]:
        return [
            s.id
            for s in Scene.select(Scene.id)
            .where(Scene.project == project_id)
            .order_by(Scene.scene_number)
        ]

    def replace_scenes(
        self, project: Project, drafts: Sequence[tuple[str, list[str]]]
    ) -> list[Scene]:
        """Replace all scenes with ``(text, visual_keywords)`` drafts, in order."""
        if not drafts:
            raise InputError("The script has no scenes")
        cleaned = [(_clean_scene_text(text), _clean_keywords(kw)) for text, kw in drafts]
        with self.transaction():
            Scene.delete().where(Scene.project == project.id).execute()
            for number, (text, keywords) in enumerate(cleaned, start=1):
                Scene.create(
                    id=new_id(),
                    project=project.id,
                    scene_number=number,
                    text=text,
                    visual_keywords=keywords,
                )
            self._update_total(project.id)
        return self.scenes(project)

    def add_scene(
        self,
        project: Project,
        text: str,
        *,
        index: int | None = None,
        keywords: Sequence[str] = (),
        scene_id: str | None = None,
    ) -> Scene:
        """Insert a scene at ``index`` (0-based; default: at the end)."""
        text = _clean_scene_text(text)
        with self.transaction():
            ids = self._ordered_ids(project.id)
            position = len(ids) if index is None else max(0, min(index, len(ids)))
            scene = Scene.create(
                id=scene_id or new_id(),
                project=project.id,
                scene_number=len(ids) + 1000,
                text=text,
                visual_keywords=_clean_keywords(keywords),
            )
            ids.insert(position, scene.id)
            self._renumber(project.id, ids)
            self._touch_project(project.id)
        return self.scene(scene.id)

    def update_scene(self, scene: Scene, **fields: Any) -> Scene:
        """Update a scene's editable fields; changing text or voice invalidates its audio."""
        allowed = {"text", "voice_id", "visual_keywords", "character"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable here: {sorted(unknown)}")
        if "text" in fields:
            fields["text"] = _clean_scene_text(fields["text"])
        if fields.get("character") is not None:
            fields["character"] = " ".join(clean_text(fields["character"]).split()) or None
        if "visual_keywords" in fields:
            fields["visual_keywords"] = _clean_keywords(fields["visual_keywords"] or [])
        with self.transaction():
            Scene.update(**fields, updated_at=utcnow()).where(Scene.id == scene.id).execute()
            self._touch_project(scene.project_id)
        return self.scene(scene.id)

    def set_scene_audio(
        self,
        scene: Scene,
        *,
        audio_path: Path,
        audio_key: str,
        duration: float,
        sanitized_text: str,
        word_timings: list[dict[str, Any]] | None,
    ) -> Scene:
        with self.transaction():
            Scene.update(
                audio_file_path=self.home.rel(audio_path),
                audio_key=audio_key,
                duration=duration,
                sanitized_text=sanitized_text,
                word_timings=word_timings,
                updated_at=utcnow(),
            ).where(Scene.id == scene.id).execute()
            self._update_total(scene.project_id)
        return self.scene(scene.id)

    def move_scene(self, scene: Scene, new_index: int) -> None:
        """Move a scene to ``new_index`` (0-based) within its project."""
        with self.transaction():
            ids = self._ordered_ids(scene.project_id)
            ids.remove(scene.id)
            ids.insert(max(0, min(new_index, len(ids))), scene.id)
            self._renumber(scene.project_id, ids)
            self._touch_project(scene.project_id)

    def reorder_scenes(self, project: Project, ordered_ids: Sequence[str]) -> None:
        with self.transaction():
            if sorted(ordered_ids) != sorted(self._ordered_ids(project.id)):
                raise InputError("The new order must contain every scene exactly once")
            self._renumber(project.id, ordered_ids)
            self._touch_project(project.id)

    def split_scene(self, scene: Scene, at: int) -> tuple[Scene, Scene]:
        """Split a scene's text at character ``at``; the second half becomes a new scene."""
        first = clean_text(scene.text[:at], multiline=True).strip()
        second = clean_text(scene.text[at:], multiline=True).strip()
        if not first or not second:
            raise InputError(
                "Split inside the text, so both scenes keep some words",
                where=f"scene {scene.scene_number}",
            )
        with self.transaction():
            Scene.update(
                text=first,
                audio_file_path=None,
                audio_key=None,
                duration=None,
                word_timings=None,
                updated_at=utcnow(),
            ).where(Scene.id == scene.id).execute()
            ids = self._ordered_ids(scene.project_id)
            new = Scene.create(
                id=new_id(),
                project=scene.project_id,
                scene_number=len(ids) + 1000,
                text=second,
                visual_keywords=scene.visual_keywords,
                voice_id=scene.voice_id,
            )
            ids.insert(ids.index(scene.id) + 1, new.id)
            self._renumber(scene.project_id, ids)
            self._update_total(scene.project_id)
        return self.scene(scene.id), self.scene(new.id)

    def merge_scenes(self, first: Scene, second: Scene) -> Scene:
        """Append ``second``'s text to ``first`` and delete ``second``."""
        if first.project_id != second.project_id or first.id == second.id:
            raise InputError("Only two different scenes of one project can be merged")
        with self.transaction():
            keywords = list(dict.fromkeys([*first.visual_keywords, *second.visual_keywords]))
            Scene.update(
                text=_clean_scene_text(f"{first.text.rstrip()} {second.text.lstrip()}"),
                visual_keywords=keywords,
                audio_file_path=None,
                audio_key=None,
                duration=None,
                word_timings=None,
                updated_at=utcnow(),
            ).where(Scene.id == first.id).execute()
            Scene.delete().where(Scene.id == second.id).execute()
            self._renumber(first.project_id, self._ordered_ids(first.project_id))
            self._update_total(first.project_id)
        return self.scene(first.id)

    def delete_scene(self, scene: Scene) -> None:
        with self.transaction():
            Scene.delete().where(Scene.id == scene.id).execute()
            self._renumber(scene.project_id, self._ordered_ids(scene.project_id))
            self._update_total(scene.project_id)

    def restore_scene(self, snapshot: dict[str, Any], index: int) -> Scene:
        """Re-create a deleted scene from ``scene_snapshot`` (used by undo)."""
        with self.transaction():
            ids = self._ordered_ids(snapshot["project"])
            data = dict(snapshot)
            selection = data.pop("selection", None)
            Scene.insert(**{**data, "scene_number": len(ids) + 1000}).execute()
            if selection:
                ClipSelection.insert(**selection).execute()
            ids.insert(max(0, min(index, len(ids))), data["id"])
            self._renumber(data["project"], ids)
            self._update_total(data["project"])
        return self.scene(snapshot["id"])

    def scene_snapshot(self, scene: Scene) -> dict[str, Any]:
        """Everything needed to re-create ``scene`` exactly (see ``restore_scene``)."""
        data = fields_of(scene, ("id", *SCENE_CONTENT_FIELDS, "created_at", "updated_at"))
        data["project"] = scene.project_id
        selection = self.selection(scene)
        if selection is not None:
            data["selection"] = fields_of(selection, ("id", *SELECTION_FIELDS, "created_at")) | {
                "scene": scene.id
            }
        return data

    def _touch_project(self, project_id: str) -> None:
        Project.update(last_active=utcnow()).where(Project.id == project_id).execute()

    def _update_total(self, project_id: str) -> None:
        total = (
            Scene.select(peewee.fn.COALESCE(peewee.fn.SUM(Scene.duration), 0))
            .where(Scene.project == project_id)
            .scalar()
        )
        Project.update(total_duration=float(total or 0), last_active=utcnow()).where(
            Project.id == project_id
        ).execute()

    # -- visuals -----------------------------------------------------------------------------
    def set_suggestions(
        self, scene: Scene, source: str, query: str, candidates: list[dict[str, Any]]
    ) -> VisualSuggestion:
        with self.transaction():
            VisualSuggestion.delete().where(
                (VisualSuggestion.scene == scene.id) & (VisualSuggestion.source == source)
            ).execute()
            return VisualSuggestion.create(
                id=new_id(), scene=scene.id, source=source, query=query, candidates=candidates
            )

    def suggestions(self, scene: Scene) -> list[VisualSuggestion]:
        with self.errors():
            return list(
                VisualSuggestion.select()
                .where(VisualSuggestion.scene == scene.id)
                .order_by(VisualSuggestion.created_at)
            )

    def select_clip(
        self,
        scene: Scene,
        asset_path: Path,
        *,
        kind: str,
        source: str,
        in_point: float = 0.0,
        out_point: float | None = None,
        motion: str = "zoom-in",
    ) -> ClipSelection:
        if kind not in ("image", "video"):
            raise InputError(f"A scene's visual must be an image or a video, not {kind!r}")
        with self.transaction():
            ClipSelection.delete().where(ClipSelection.scene == scene.id).execute()
            selection = ClipSelection.create(
                id=new_id(),
                scene=scene.id,
                asset_path=self.home.rel(asset_path),
                kind=kind,
                source=source,
                in_point=max(0.0, in_point),
                out_point=out_point,
                motion=motion,
            )
            Scene.update(updated_at=utcnow()).where(Scene.id == scene.id).execute()
        return selection

    def clear_selection(self, scene: Scene) -> None:
        """Forget the scene's chosen visual (the render falls back to its slide)."""
        with self.transaction():
            ClipSelection.delete().where(ClipSelection.scene == scene.id).execute()
            Scene.update(updated_at=utcnow()).where(Scene.id == scene.id).execute()

    def selection(self, scene: Scene) -> ClipSelection | None:
        with self.errors():
            return ClipSelection.get_or_none(ClipSelection.scene == scene.id)

    # -- jobs --------------------------------------------------------------------------------
    def start_job(self, project: Project | None, kind: str) -> Job:
        with self.transaction():
            return Job.create(
                id=new_id(),
                project=project.id if project else None,
                kind=kind,
                status="running",
                started_at=utcnow(),
                pid=os.getpid(),
            )

    def update_job(self, job: Job, progress: float, stage: str) -> None:
        with self.transaction():
            Job.update(progress=max(0.0, min(1.0, progress)), stage=stage[:200]).where(
                Job.id == job.id
            ).execute()

    def finish_job(self, job: Job, status: str, error: str | None = None) -> None:
        fields: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error_message": error}
        if status == "completed":
            fields["progress"] = 1.0
        with self.transaction():
            Job.update(**fields).where(Job.id == job.id).execute()

    def job(self, job_id: str) -> Job:
        with self.errors():
            return Job.get_by_id(job_id)

    def jobs(self, project: Project | None = None) -> list[Job]:
        with self.errors():
            query = Job.select().order_by(Job.created_at.desc())
            if project is not None:
                query = query.where(Job.project == project.id)
            return list(query)

    # -- renders -----------------------------------------------------------------------------
    def record_render(
        self,
        project: Project,
        *,
        file_path: Path,
        duration: float,
        thumbnail: Path | None,
        srt: Path | None,
        settings: dict[str, Any],
        job: Job | None,
    ) -> RenderedVideo:
        """Record a finished render (size read from the file) and make it the latest video."""
        size = file_path.stat().st_size
        with self.transaction():
            render = RenderedVideo.create(
                id=new_id(),
                project=project.id,
                job=job.id if job else None,
                file_path=self.home.rel(file_path),
                thumbnail_path=self.home.rel(thumbnail) if thumbnail else None,
                srt_path=self.home.rel(srt) if srt else None,
                duration_seconds=duration,
                file_size_bytes=size,
                settings=settings,
            )
            Project.update(
                video_path=render.file_path,
                video_total_duration=duration,
                video_file_size=size,
                thumbnail_path=render.thumbnail_path,
                status="rendered",
                last_active=utcnow(),
            ).where(Project.id == project.id).execute()
        return render

    def renders(self, project: Project) -> list[RenderedVideo]:
        with self.errors():
            return list(
                RenderedVideo.select()
                .where(RenderedVideo.project == project.id)
                .order_by(RenderedVideo.created_at.desc())
            )

    def set_render_chapters(self, render: RenderedVideo, chapters: list[dict[str, Any]]) -> None:
        """Keep where each scene starts in ``render`` (``settings["chapters"]``), for exports."""
        with self.transaction():
            row = RenderedVideo.get_or_none(RenderedVideo.id == render.id)
            if row is None:
                raise InputError("That render no longer exists", fix="Render again")
            RenderedVideo.update(settings={**(row.settings or {}), "chapters": chapters}).where(
                RenderedVideo.id == render.id
            ).execute()

    # -- thumbnails and publishing metadata ---------------------------------------------------
    def record_thumbnails(
        self, render: RenderedVideo, variants: Sequence[tuple[str, Path]]
    ) -> list[Thumbnail]:
        """Offer ``(variant, image)`` thumbnails for ``render`` (replacing any it had).

        The first is selected, and the render's thumbnail (and the project's, when this render
        is the project's video) becomes that image.
        """
        if not variants:
            raise ValueError("record_thumbnails needs at least one variant")
        with self.transaction():
            Thumbnail.delete().where(Thumbnail.render == render.id).execute()
            rows = [
                Thumbnail.create(
                    id=new_id(),
                    render=render.id,
                    variant=variant,
                    image_path=self.home.rel(image),
                    is_selected=index == 0,
                )
                for index, (variant, image) in enumerate(variants)
            ]
            self._thumbnail_follows(render.id, rows[0].image_path)
        return rows

    def thumbnails(self, render: RenderedVideo) -> list[Thumbnail]:
        """The thumbnail variants offered for ``render``, in the order they were made."""
        with self.errors():
            return list(
                Thumbnail.select()
                .where(Thumbnail.render == render.id)
                .order_by(peewee.SQL("rowid"))
            )

    def select_thumbnail(self, thumbnail: Thumbnail) -> Thumbnail:
        """Make ``thumbnail`` its render's chosen one (the render's and project's thumbnail)."""
        with self.transaction():
            row = Thumbnail.get_or_none(Thumbnail.id == thumbnail.id)
            if row is None:
                raise InputError("That thumbnail no longer exists", fix="Render again")
            # Unselect first: the partial unique index allows one selected row per render.
            Thumbnail.update(is_selected=False).where(
                (Thumbnail.render == row.render_id) & (Thumbnail.is_selected == True)  # noqa: E712
            ).execute()
            Thumbnail.update(is_selected=True).where(Thumbnail.id == row.id).execute()
            self._thumbnail_follows(row.render_id, row.image_path)
        with self.errors():
            return Thumbnail.get_by_id(row.id)

    def _thumbnail_follows(self, render_id: str, image_path: str) -> None:
        render = RenderedVideo.get_by_id(render_id)
        RenderedVideo.update(thumbnail_path=image_path).where(
            RenderedVideo.id == render_id
        ).execute()
        Project.update(thumbnail_path=image_path).where(
            (Project.id == render.project_id) & (Project.video_path == render.file_path)
        ).execute()

    def publishing(self, project: Project) -> PublishingMetadata | None:
        """The project's publishing title, description and tags (None until first written)."""
        with self.errors():
            return PublishingMetadata.get_or_none(PublishingMetadata.project == project.id)

    def set_publishing(
        self,
        project: Project,
        *,
        title: str | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
        source: str = "creator",
        keep_sources: Sequence[str] = (),
    ) -> PublishingMetadata:
        """Save the project's publishing metadata; a field left None keeps its value.

        ``source`` says who wrote it ("creator" by default). Metadata already written by one of
        ``keep_sources`` is left as it is (and returned), checked inside the transaction so a
        derived text never overwrites what the creator or Groq wrote meanwhile.

        Raises:
            InputError: a value past its limit, or no title for a project that has none yet.
        """
        if source not in publishing_rules.SOURCES:
            raise ValueError(f"unknown metadata source {source!r}")
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = publishing_rules.clean_title(clean_text(title))
        if description is not None:
            values["description"] = publishing_rules.clean_description(
                clean_text(description, multiline=True)
            )
        if tags is not None:
            values["tags"] = publishing_rules.clean_tags(clean_text(tag) for tag in tags)
        with self.transaction():
            existing = PublishingMetadata.get_or_none(PublishingMetadata.project == project.id)
            if existing is not None and existing.source in keep_sources:
                return existing
            if existing is None:
                if "title" not in values:
                    raise InputError("The video needs a title first", fix="Give it a title")
                PublishingMetadata.create(
                    project=project.id, **values, source=source, updated_at=utcnow()
                )
            else:
                PublishingMetadata.update(**values, source=source, updated_at=utcnow()).where(
                    PublishingMetadata.project == project.id
                ).execute()
            return PublishingMetadata.get(PublishingMetadata.project == project.id)

    # -- usage, voices, settings, media ------------------------------------------------------
    def record_llm_call(
        self,
        project: Project | None,
        job: Job | None,
        *,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        total_tokens: int,
        purpose: str = "script",
    ) -> None:
        with self.transaction():
            LlmCall.create(
                id=new_id(),
                project=project.id if project else None,
                job=job.id if job else None,
                model=model,
                purpose=purpose,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=total_tokens,
                # Unknown model: 0 here, and reports name it as having an unknown price.
                cost_usd=estimate_cost(model, prompt_tokens, completion_tokens) or 0.0,
            )

    def llm_calls(self, project: Project | None = None) -> list[LlmCall]:
        with self.errors():
            query = LlmCall.select().order_by(LlmCall.created_at)
            if project is not None:
                query = query.where(LlmCall.project == project.id)
            return list(query)

    def sync_voices(self, engine: str, voices: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Make the catalogue hold ``(voice_id, display_name, language, gender)`` for engine."""
        with self.transaction():
            for voice_id, name, language, gender in voices:
                existing = Voice.get_or_none(
                    (Voice.engine == engine)
                    & (Voice.voice_id == voice_id)
                    & Voice.project.is_null()
                    & Voice.character.is_null()
                )
                if existing is None:
                    Voice.create(
                        id=new_id(),
                        engine=engine,
                        voice_id=voice_id,
                        display_name=name,
                        language=language,
                        gender=gender,
                    )

    def voices(self) -> list[Voice]:
        with self.errors():
            return list(
                Voice.select()
                .where(Voice.project.is_null())
                .order_by(Voice.engine, Voice.display_name)
            )

    def character_voices(self, project: Project) -> dict[str, str]:
        """A chat story's ``{character: voice_id}`` mapping (``voices`` rows of the project)."""
        with self.errors():
            rows = Voice.select().where(
                (Voice.project == project.id) & Voice.character.is_null(False)
            )
            return {str(row.character): row.voice_id for row in rows}

    def set_character_voice(
        self, project: Project, character: str, voice_id: str, *, engine: str
    ) -> None:
        """Map ``character`` to ``voice_id`` in ``project`` (replacing its previous voice)."""
        character = " ".join(clean_text(character).split())
        if not character:
            raise InputError("A character needs a name")
        with self.transaction():
            Voice.delete().where(
                (Voice.project == project.id) & (Voice.character == character)
            ).execute()
            Voice.create(
                id=new_id(),
                engine=engine,
                voice_id=voice_id,
                display_name=f"{character} ({voice_id})",
                project=project.id,
                character=character,
            )
            self._touch_project(project.id)

    def get_setting(self, key: str | settings_registry.SettingSpec[T]) -> T:
        """A declared setting's typed value (its default if unset or stored invalid)."""
        spec = settings_registry.spec_of(key)
        with self.errors():
            row = Setting.get_or_none(Setting.key == spec.key)
        return cast(T, settings_registry.read(spec, None if row is None else row.value))

    def set_setting(self, key: str | settings_registry.SettingSpec[T], value: T | None) -> None:
        """Store a declared setting (None unsets it); a value it refuses raises InputError."""
        spec = settings_registry.spec_of(key)
        stored = settings_registry.to_store(spec, value)
        with self.errors():
            row = Setting.get_or_none(Setting.key == spec.key)
        if row is not None and row.value == stored:
            return  # unchanged: no write
        with self.transaction():
            Setting.insert(key=spec.key, value=stored).on_conflict_replace().execute()

    def upsert_media_asset(self, path: Path, **fields: Any) -> MediaAsset:
        stored = path.resolve().as_posix()
        with self.transaction():
            MediaAsset.insert(id=new_id(), path=stored, **fields).on_conflict(
                conflict_target=[MediaAsset.path], update=fields
            ).execute()
        with self.errors():
            return MediaAsset.get(MediaAsset.path == stored)

    def media_assets(self) -> list[MediaAsset]:
        with self.errors():
            return list(MediaAsset.select().order_by(MediaAsset.path))

    def remove_media_assets(self, paths: Sequence[str]) -> None:
        with self.transaction():
            MediaAsset.delete().where(MediaAsset.path.in_(list(paths))).execute()
