"""The renders room: finished videos, their chapters and their thumbnail variants."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import peewee

from studio.errors import InputError
from studio.store.models import Job, Project, RenderedVideo, Thumbnail, new_id, utcnow
from studio.store.rooms.base import Room


class RendersRoom(Room):
    """The ``rendered_videos`` and ``thumbnails`` tables (the project follows its latest)."""

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
        with self._db.transaction():
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
        with self._db.errors():
            return list(
                RenderedVideo.select()
                .where(RenderedVideo.project == project.id)
                .order_by(RenderedVideo.created_at.desc())
            )

    def delete_render(self, render: RenderedVideo) -> None:
        """Delete ``render``'s row (its thumbnail rows cascade), then its video and captions.

        When it was the project's video, the project's video becomes its newest remaining
        render (or none). Thumbnail images are left to Clean up: a cached frame may be shared.
        """
        with self._db.transaction():
            row = RenderedVideo.get_or_none(RenderedVideo.id == render.id)
            if row is None:
                raise InputError("That render no longer exists", fix="Choose another render")
            RenderedVideo.delete().where(RenderedVideo.id == row.id).execute()
            self._project_follows_latest(row)
        for stored in (row.file_path, row.srt_path):
            if stored:
                self.home.abs(stored).unlink(missing_ok=True)

    def _project_follows_latest(self, deleted: RenderedVideo) -> None:
        """After ``deleted`` went: point its project at the newest render left, if it was its."""
        project = Project.get_or_none(Project.id == deleted.project_id)
        if project is None or project.video_path != deleted.file_path:
            return
        latest = (
            RenderedVideo.select()
            .where(RenderedVideo.project == project.id)
            .order_by(RenderedVideo.created_at.desc())
            .first()
        )
        Project.update(
            video_path=latest.file_path if latest else None,
            video_total_duration=latest.duration_seconds if latest else None,
            video_file_size=latest.file_size_bytes if latest else None,
            thumbnail_path=latest.thumbnail_path if latest else None,
            status="rendered" if latest else "draft",
        ).where(Project.id == project.id).execute()

    def set_render_chapters(self, render: RenderedVideo, chapters: list[dict[str, Any]]) -> None:
        """Keep where each scene starts in ``render`` (``settings["chapters"]``), for exports."""
        with self._db.transaction():
            row = RenderedVideo.get_or_none(RenderedVideo.id == render.id)
            if row is None:
                raise InputError("That render no longer exists", fix="Render again")
            RenderedVideo.update(settings={**(row.settings or {}), "chapters": chapters}).where(
                RenderedVideo.id == render.id
            ).execute()

    def record_thumbnails(
        self, render: RenderedVideo, variants: Sequence[tuple[str, Path]]
    ) -> list[Thumbnail]:
        """Offer ``(variant, image)`` thumbnails for ``render`` (replacing any it had).

        The first is selected, and the render's thumbnail (and the project's, when this render
        is the project's video) becomes that image.
        """
        if not variants:
            raise ValueError("record_thumbnails needs at least one variant")
        with self._db.transaction():
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
        with self._db.errors():
            return list(
                Thumbnail.select()
                .where(Thumbnail.render == render.id)
                .order_by(peewee.SQL("rowid"))
            )

    def select_thumbnail(self, thumbnail: Thumbnail) -> Thumbnail:
        """Make ``thumbnail`` its render's chosen one (the render's and project's thumbnail)."""
        with self._db.transaction():
            row = Thumbnail.get_or_none(Thumbnail.id == thumbnail.id)
            if row is None:
                raise InputError("That thumbnail no longer exists", fix="Render again")
            # Unselect first: the partial unique index allows one selected row per render.
            Thumbnail.update(is_selected=False).where(
                (Thumbnail.render == row.render_id) & (Thumbnail.is_selected == True)  # noqa: E712
            ).execute()
            Thumbnail.update(is_selected=True).where(Thumbnail.id == row.id).execute()
            self._thumbnail_follows(row.render_id, row.image_path)
        with self._db.errors():
            return Thumbnail.get_by_id(row.id)

    def _thumbnail_follows(self, render_id: str, image_path: str) -> None:
        render = RenderedVideo.get_by_id(render_id)
        RenderedVideo.update(thumbnail_path=image_path).where(
            RenderedVideo.id == render_id
        ).execute()
        Project.update(thumbnail_path=image_path).where(
            (Project.id == render.project_id) & (Project.video_path == render.file_path)
        ).execute()
