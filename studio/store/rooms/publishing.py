"""The publishing room: a project's title, description and tags, and who wrote them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studio.errors import InputError
from studio.store import metadata as publishing_rules
from studio.store.models import Project, PublishingMetadata, utcnow
from studio.store.rooms.base import Room
from studio.text import clean_text


class PublishingRoom(Room):
    """The ``publishing_metadata`` table (one row per project)."""

    def publishing(self, project: Project) -> PublishingMetadata | None:
        """The project's publishing title, description and tags (None until first written)."""
        with self._db.errors():
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
        with self._db.transaction():
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
