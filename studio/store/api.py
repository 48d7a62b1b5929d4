"""The library: the one facade the CLI, the pipeline and the GUI call, over rooms of tables.

``Library`` owns the connection (``studio.store.connection``) and builds the rooms
(``studio.store.rooms``: projects, scenes, visuals, renders, publishing, jobs, voices, settings,
usage, batches); each public method below hands the call to its room, so callers keep one object.
No SQL strings outside this package. Every multi-row write runs in one ``IMMEDIATE``
transaction so concurrent writers (a GUI edit while a worker records progress) queue on SQLite's
busy timeout instead of failing.

One library is bound per process (Peewee's models share one database): opening another makes
the earlier ``Library`` refuse every call with a StoreError, never read the other database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, TypeVar

from studio.home import Home
from studio.store import db, settings_registry
from studio.store.connection import Connection
from studio.store.models import (
    Batch,
    BatchRowRecord,
    ClipSelection,
    Job,
    LlmCall,
    MediaAsset,
    Project,
    PublishingMetadata,
    RenderedVideo,
    Scene,
    Thumbnail,
    VisualSuggestion,
    Voice,
)
from studio.store.rooms import Rooms
from studio.store.rooms.projects import MAX_NAME, ProjectSummary, check_duration
from studio.store.rooms.scenes import MAX_SCENE_TEXT
from studio.voice_ids import BlendPart

log = logging.getLogger(__name__)
T = TypeVar("T")


class Library:
    """A home folder's store: open it once per process, use it from any thread.

    Attributes:
        home: the home folder layout (paths in rows are relative to ``home.root``).
        rooms: the tables, grouped (``rooms.scenes``, ``rooms.renders`` ...).
    """

    def __init__(self, connection: Connection) -> None:
        self.home = connection.home
        self.connection = connection
        self.rooms = Rooms.on(connection)

    # -- lifecycle ---------------------------------------------------------------------------
    @classmethod
    def open(cls, root: Path) -> Library:
        """Open (creating or upgrading) the library at ``root``.

        A ``Library`` opened earlier in this process on another home stops working (each call
        raises StoreError): the models can be bound to one database at a time.
        """
        home = Home(Path(root).resolve())
        home.ensure()
        db.prepare(home.db_path)
        library = cls(Connection.bind(home))
        interrupted = library.rooms.jobs.interrupt_stale_jobs()
        if interrupted:
            log.warning(
                "%d job(s) were left running by a previous Studio: marked interrupted", interrupted
            )
        return library

    def close(self) -> None:
        """Close this thread's connection (the library can be used again: it reconnects)."""
        Connection.close_thread()

    @staticmethod
    def close_thread_connection() -> None:
        """Close this thread's connection (each thread gets its own; call when a worker ends)."""
        Connection.close_thread()

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this thread's connection.

        It changes when *another* connection (another process, or another thread's
        connection) commits, so a window can notice edits made outside it by polling this.
        """
        return self.connection.data_version()

    def errors(self) -> AbstractContextManager[None]:
        """Turn known SQLite failures into StoreError with a human message (see Connection)."""
        return self.connection.errors()

    def transaction(self) -> AbstractContextManager[None]:
        """One write transaction (IMMEDIATE: take the write lock up front)."""
        return self.connection.transaction()

    def snapshot(self) -> AbstractContextManager[None]:
        """One read transaction: every query inside sees the same state of the database."""
        return self.connection.snapshot()

    # -- projects ----------------------------------------------------------------------------------
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
        return self.rooms.projects.create_project(
            name,
            topic=topic,
            target_duration=target_duration,
            voice_id=voice_id,
            voice_speed=voice_speed,
            template=template,
            template_options=template_options,
            render_settings=render_settings,
            language=language,
        )

    def project(self, ref: str) -> Project:
        """Find a project by id, exact name, or unique id prefix / case-insensitive name."""
        return self.rooms.projects.project(ref)

    def projects(self) -> list[ProjectSummary]:
        return self.rooms.projects.projects()

    def rename_project(self, project: Project, name: str) -> Project:
        return self.rooms.projects.rename_project(project, name)

    def update_project(self, project: Project, **fields: Any) -> Project:
        """Update simple project fields (topic, voice, settings, step, status ...)."""
        return self.rooms.projects.update_project(project, **fields)

    def set_step(self, project: Project, step: str) -> None:
        self.rooms.projects.set_step(project, step)

    def refresh(self, project: Project) -> Project:
        return self.rooms.projects.refresh(project)

    def duplicate_project(self, project: Project, name: str | None = None) -> Project:
        """Copy a project with its scenes, visuals, voice audio and choices (not renders)."""
        return self.rooms.projects.duplicate_project(project, name)

    def delete_project(self, project: Project, *, keep_videos_in: Path | None = None) -> list[Path]:
        """Delete a project, its rows (cascade) and its folder; with ``keep_videos_in``, its
        rendered MP4s are moved there first (returned)."""
        return self.rooms.projects.delete_project(project, keep_videos_in=keep_videos_in)

    def touch(self, project: Project) -> None:
        self.rooms.projects.touch(project)

    # -- scenes ------------------------------------------------------------------------------------
    def scenes(self, project: Project) -> list[Scene]:
        return self.rooms.scenes.scenes(project)

    def scene(self, scene_id: str) -> Scene:
        return self.rooms.scenes.scene(scene_id)

    def replace_scenes(
        self, project: Project, drafts: Sequence[tuple[str, list[str]]]
    ) -> list[Scene]:
        """Replace all scenes with ``(text, visual_keywords)`` drafts, in order."""
        return self.rooms.scenes.replace_scenes(project, drafts)

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
        return self.rooms.scenes.add_scene(
            project, text, index=index, keywords=keywords, scene_id=scene_id
        )

    def update_scene(self, scene: Scene, **fields: Any) -> Scene:
        """Update a scene's editable fields; changing text or voice invalidates its audio."""
        return self.rooms.scenes.update_scene(scene, **fields)

    def set_transition(self, scene: Scene, kind: str | None, duration: float | None) -> Scene:
        """How ``scene`` passes to the next (None: the project's default); see the room."""
        return self.rooms.scenes.set_transition(scene, kind, duration)

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
        return self.rooms.scenes.set_scene_audio(
            scene,
            audio_path=audio_path,
            audio_key=audio_key,
            duration=duration,
            sanitized_text=sanitized_text,
            word_timings=word_timings,
        )

    def move_scene(self, scene: Scene, new_index: int) -> None:
        """Move a scene to ``new_index`` (0-based) within its project."""
        self.rooms.scenes.move_scene(scene, new_index)

    def reorder_scenes(self, project: Project, ordered_ids: Sequence[str]) -> None:
        self.rooms.scenes.reorder_scenes(project, ordered_ids)

    def split_scene(self, scene: Scene, at: int) -> tuple[Scene, Scene]:
        """Split a scene's text at character ``at``; the second half becomes a new scene."""
        return self.rooms.scenes.split_scene(scene, at)

    def merge_scenes(self, first: Scene, second: Scene) -> Scene:
        """Append ``second``'s text to ``first`` and delete ``second``."""
        return self.rooms.scenes.merge_scenes(first, second)

    def delete_scene(self, scene: Scene) -> None:
        self.rooms.scenes.delete_scene(scene)

    def restore_scene(self, snapshot: dict[str, Any], index: int) -> Scene:
        """Re-create a deleted scene from ``scene_snapshot`` (used by undo)."""
        return self.rooms.scenes.restore_scene(snapshot, index)

    def scene_snapshot(self, scene: Scene) -> dict[str, Any]:
        """Everything needed to re-create ``scene`` exactly (see ``restore_scene``)."""
        return self.rooms.scenes.scene_snapshot(scene)

    # -- visuals and media -------------------------------------------------------------------------
    def set_suggestions(
        self, scene: Scene, source: str, query: str, candidates: list[dict[str, Any]]
    ) -> VisualSuggestion:
        return self.rooms.visuals.set_suggestions(scene, source, query, candidates)

    def suggestions(self, scene: Scene) -> list[VisualSuggestion]:
        return self.rooms.visuals.suggestions(scene)

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
        credit: dict[str, Any] | None = None,
    ) -> ClipSelection:
        """Make ``asset_path`` the scene's visual; ``credit``: a stock visual's ``Credit``."""
        return self.rooms.visuals.select_clip(
            scene,
            asset_path,
            kind=kind,
            source=source,
            in_point=in_point,
            out_point=out_point,
            motion=motion,
            credit=credit,
        )

    def credits(self, project: Project) -> list[dict[str, Any]]:
        """The credits of the project's stock visuals, in scene order (one per scene)."""
        return self.rooms.visuals.credits(project)

    def set_trim(self, scene: Scene, in_point: float, out_point: float | None) -> ClipSelection:
        """Play only ``in_point``..``out_point`` of the scene's clip (None: to its end)."""
        return self.rooms.visuals.set_trim(scene, in_point, out_point)

    def set_framing(
        self,
        scene: Scene,
        *,
        framing: str | None = None,
        focal: tuple[float, float] | None = None,
        fit_colour: str | None = None,
        motion: str | None = None,
        motion_amount: float | None = None,
    ) -> ClipSelection:
        """Change how the scene's visual is framed and moved ("fill", "fit-blur",
        "fit-colour"; focal point; fit colour; Ken Burns move and amount); only the given
        values change. InputError for a bad value (nothing saved) or a scene with no visual."""
        return self.rooms.visuals.set_framing(
            scene,
            framing=framing,
            focal=focal,
            fit_colour=fit_colour,
            motion=motion,
            motion_amount=motion_amount,
        )

    def clear_selection(self, scene: Scene) -> None:
        """Forget the scene's chosen visual (the render falls back to its slide)."""
        self.rooms.visuals.clear_selection(scene)

    def selection(self, scene: Scene) -> ClipSelection | None:
        return self.rooms.visuals.selection(scene)

    def upsert_media_asset(self, path: Path, **fields: Any) -> MediaAsset:
        return self.rooms.visuals.upsert_media_asset(path, **fields)

    def media_assets(self) -> list[MediaAsset]:
        return self.rooms.visuals.media_assets()

    def remove_media_assets(self, paths: Sequence[str]) -> None:
        self.rooms.visuals.remove_media_assets(paths)

    # -- jobs --------------------------------------------------------------------------------------
    def start_job(self, project: Project | None, kind: str) -> Job:
        return self.rooms.jobs.start_job(project, kind)

    def update_job(self, job: Job, progress: float, stage: str) -> None:
        self.rooms.jobs.update_job(job, progress, stage)

    def finish_job(self, job: Job, status: str, error: str | None = None) -> None:
        self.rooms.jobs.finish_job(job, status, error)

    def job(self, job_id: str) -> Job:
        return self.rooms.jobs.job(job_id)

    def jobs(self, project: Project | None = None) -> list[Job]:
        return self.rooms.jobs.jobs(project)

    # -- renders and thumbnails --------------------------------------------------------------------
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
        return self.rooms.renders.record_render(
            project,
            file_path=file_path,
            duration=duration,
            thumbnail=thumbnail,
            srt=srt,
            settings=settings,
            job=job,
        )

    def renders(self, project: Project) -> list[RenderedVideo]:
        return self.rooms.renders.renders(project)

    def delete_render(self, render: RenderedVideo) -> None:
        """Forget a render and delete its video and captions (the project follows its latest)."""
        self.rooms.renders.delete_render(render)

    def set_render_chapters(self, render: RenderedVideo, chapters: list[dict[str, Any]]) -> None:
        """Keep where each scene starts in ``render`` (``settings["chapters"]``), for exports."""
        self.rooms.renders.set_render_chapters(render, chapters)

    def record_thumbnails(
        self, render: RenderedVideo, variants: Sequence[tuple[str, Path]]
    ) -> list[Thumbnail]:
        """Offer ``(variant, image)`` thumbnails for ``render`` (replacing any it had)."""
        return self.rooms.renders.record_thumbnails(render, variants)

    def thumbnails(self, render: RenderedVideo) -> list[Thumbnail]:
        """The thumbnail variants offered for ``render``, in the order they were made."""
        return self.rooms.renders.thumbnails(render)

    def select_thumbnail(self, thumbnail: Thumbnail) -> Thumbnail:
        """Make ``thumbnail`` its render's chosen one (the render's and project's thumbnail)."""
        return self.rooms.renders.select_thumbnail(thumbnail)

    # -- publishing metadata -----------------------------------------------------------------------
    def publishing(self, project: Project) -> PublishingMetadata | None:
        """The project's publishing title, description and tags (None until first written)."""
        return self.rooms.publishing.publishing(project)

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
        """Save the project's publishing metadata; a field left None keeps its value."""
        return self.rooms.publishing.set_publishing(
            project,
            title=title,
            description=description,
            tags=tags,
            source=source,
            keep_sources=keep_sources,
        )

    # -- LLM usage ---------------------------------------------------------------------------------
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
        self.rooms.usage.record_llm_call(
            project,
            job,
            model=model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=total_tokens,
            purpose=purpose,
        )

    def llm_calls(self, project: Project | None = None) -> list[LlmCall]:
        return self.rooms.usage.llm_calls(project)

    # -- voices ------------------------------------------------------------------------------------
    def sync_voices(self, engine: str, voices: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Make the catalogue hold ``(voice_id, display_name, language, gender)`` for engine."""
        self.rooms.voices.sync_voices(engine, voices)

    def voices(self) -> list[Voice]:
        return self.rooms.voices.voices()

    def save_blend(
        self,
        name: str,
        parts: Sequence[BlendPart | tuple[str, float]],
        *,
        language: str | None = None,
        gender: str | None = None,
    ) -> Voice:
        """Save (or replace) the voice blend ``name`` (id ``blend:<slug>``); see VoicesRoom."""
        return self.rooms.voices.save_blend(name, parts, language=language, gender=gender)

    def blends(self) -> list[Voice]:
        return self.rooms.voices.blends()

    def blend(self, voice_id: str) -> Voice | None:
        return self.rooms.voices.blend(voice_id)

    def delete_blend(self, voice_id: str) -> bool:
        return self.rooms.voices.delete_blend(voice_id)

    def character_voices(self, project: Project) -> dict[str, str]:
        """A chat story's ``{character: voice_id}`` mapping (``voices`` rows of the project)."""
        return self.rooms.voices.character_voices(project)

    def set_character_voice(
        self, project: Project, character: str, voice_id: str, *, engine: str
    ) -> None:
        """Map ``character`` to ``voice_id`` in ``project`` (replacing its previous voice)."""
        self.rooms.voices.set_character_voice(project, character, voice_id, engine=engine)

    # -- settings ----------------------------------------------------------------------------------
    def get_setting(self, key: str | settings_registry.SettingSpec[T]) -> T:
        """A declared setting's typed value (its default if unset or stored invalid)."""
        return self.rooms.settings.get_setting(key)

    def set_setting(self, key: str | settings_registry.SettingSpec[T], value: T | None) -> None:
        """Store a declared setting (None unsets it); a value it refuses raises InputError."""
        self.rooms.settings.set_setting(key, value)

    # -- batches -----------------------------------------------------------------------------------
    def batch_for(self, manifest_path: str) -> Batch:
        """The latest batch of a manifest (its resolved path), made if there is none."""
        return self.rooms.batches.batch_for(manifest_path)

    def batches(self) -> list[Batch]:
        return self.rooms.batches.batches()

    def batch_rows(self, batch: Batch) -> dict[int, BatchRowRecord]:
        """``batch``'s rows by their number in the manifest."""
        return self.rooms.batches.batch_rows(batch)

    def save_batch_row(self, batch: Batch, number: int, **fields: Any) -> BatchRowRecord:
        """Create or update one row of ``batch`` (digest, project, status, video, error ...)."""
        return self.rooms.batches.save_batch_row(batch, number, **fields)

    def finish_batch(self, batch: Batch, *, finished: bool) -> None:
        """Record whether every row of ``batch`` has ended."""
        self.rooms.batches.finish_batch(batch, finished=finished)


__all__ = ["MAX_NAME", "MAX_SCENE_TEXT", "Library", "ProjectSummary", "check_duration"]
