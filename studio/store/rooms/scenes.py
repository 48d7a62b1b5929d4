"""The scenes room: a project's scenes in order, their text, audio, splits and merges."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import InputError
from studio.languages import check_language
from studio.store.models import (
    SCENE_CONTENT_FIELDS,
    SELECTION_FIELDS,
    ClipSelection,
    Project,
    Scene,
    fields_of,
    new_id,
    utcnow,
)
from studio.store.rooms.base import Room
from studio.store.rooms.projects import touch_project, update_total
from studio.text import clean_text
from studio.transition_kinds import check_duration, check_kind

if TYPE_CHECKING:
    from studio.store.connection import Connection
    from studio.store.rooms.visuals import VisualsRoom

MAX_SCENE_TEXT = 20_000


def clean_scene_text(text: str, *, allow_empty: bool = False) -> str:
    """A scene's narration: controls removed (line breaks and tabs kept), ends trimmed.

    ``allow_empty``: the editor keeps a scene the creator emptied (what they see is what is
    saved); a render refuses it by name (``voiceover.check_narration``). A script never makes
    an empty scene.
    """
    cleaned = clean_text(text, multiline=True).strip()
    if not cleaned and not allow_empty:
        raise InputError("A scene needs some narration text", fix="Type what the voice should say")
    if len(cleaned) > MAX_SCENE_TEXT:
        raise InputError(
            f"A scene's text can be at most {MAX_SCENE_TEXT:,} characters",
            fix="Split it into several scenes",
        )
    return cleaned


def clean_keywords(keywords: Iterable[str]) -> list[str]:
    """Search words, each on one line without controls; empty ones dropped."""
    cleaned = (" ".join(clean_text(str(word)).split()) for word in keywords)
    return [word for word in cleaned if word]


class ScenesRoom(Room):
    """The ``scenes`` table: numbered 1..n per project, renumbered on every reorder."""

    def __init__(self, connection: Connection, visuals: VisualsRoom) -> None:
        super().__init__(connection)
        self._visuals = visuals

    def scenes(self, project: Project) -> list[Scene]:
        with self._db.errors():
            return list(
                Scene.select().where(Scene.project == project.id).order_by(Scene.scene_number)
            )

    def scene(self, scene_id: str) -> Scene:
        with self._db.errors():
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
        cleaned = [(clean_scene_text(text), clean_keywords(kw)) for text, kw in drafts]
        with self._db.transaction():
            Scene.delete().where(Scene.project == project.id).execute()
            for number, (text, keywords) in enumerate(cleaned, start=1):
                Scene.create(
                    id=new_id(),
                    project=project.id,
                    scene_number=number,
                    text=text,
                    visual_keywords=keywords,
                )
            update_total(project.id)
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
        """Insert a scene at ``index`` (0-based; default: at the end); it may be empty."""
        text = clean_scene_text(text, allow_empty=True)
        with self._db.transaction():
            ids = self._ordered_ids(project.id)
            position = len(ids) if index is None else max(0, min(index, len(ids)))
            scene = Scene.create(
                id=scene_id or new_id(),
                project=project.id,
                scene_number=len(ids) + 1000,
                text=text,
                visual_keywords=clean_keywords(keywords),
            )
            ids.insert(position, scene.id)
            self._renumber(project.id, ids)
            touch_project(project.id)
        return self.scene(scene.id)

    def update_scene(self, scene: Scene, **fields: Any) -> Scene:
        """Update a scene's editable fields; changing text or voice invalidates its audio."""
        allowed = {"text", "voice_id", "visual_keywords", "character", "language"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"not updatable here: {sorted(unknown)}")
        if "text" in fields:
            fields["text"] = clean_scene_text(fields["text"], allow_empty=True)
        if fields.get("character") is not None:
            fields["character"] = " ".join(clean_text(fields["character"]).split()) or None
        if fields.get("language") is not None:
            fields["language"] = check_language(fields["language"])
        if "visual_keywords" in fields:
            fields["visual_keywords"] = clean_keywords(fields["visual_keywords"] or [])
        with self._db.transaction():
            Scene.update(**fields, updated_at=utcnow()).where(Scene.id == scene.id).execute()
            touch_project(scene.project_id)
        return self.scene(scene.id)

    def set_transition(self, scene: Scene, kind: str | None, duration: float | None) -> Scene:
        """Set how ``scene`` passes to the next: a kind of ``transition_kinds.TRANSITIONS``
        and its seconds, each None for the project's default.

        Raises:
            InputError: an unknown kind or a duration out of range (nothing is saved).
        """
        where = f"scene {scene.scene_number}"
        try:
            kind = check_kind(kind) if kind is not None else None
            duration = check_duration(duration) if duration is not None else None
        except InputError as exc:
            raise InputError(exc.what, where=where, fix=exc.fix) from exc
        with self._db.transaction():
            Scene.update(transition=kind, transition_duration=duration, updated_at=utcnow()).where(
                Scene.id == scene.id
            ).execute()
            touch_project(scene.project_id)
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
        with self._db.transaction():
            Scene.update(
                audio_file_path=self.home.rel(audio_path),
                audio_key=audio_key,
                duration=duration,
                sanitized_text=sanitized_text,
                word_timings=word_timings,
                updated_at=utcnow(),
            ).where(Scene.id == scene.id).execute()
            update_total(scene.project_id)
        return self.scene(scene.id)

    def move_scene(self, scene: Scene, new_index: int) -> None:
        """Move a scene to ``new_index`` (0-based) within its project."""
        with self._db.transaction():
            ids = self._ordered_ids(scene.project_id)
            ids.remove(scene.id)
            ids.insert(max(0, min(new_index, len(ids))), scene.id)
            self._renumber(scene.project_id, ids)
            touch_project(scene.project_id)

    def reorder_scenes(self, project: Project, ordered_ids: Sequence[str]) -> None:
        with self._db.transaction():
            if sorted(ordered_ids) != sorted(self._ordered_ids(project.id)):
                raise InputError("The new order must contain every scene exactly once")
            self._renumber(project.id, ordered_ids)
            touch_project(project.id)

    def split_scene(self, scene: Scene, at: int) -> tuple[Scene, Scene]:
        """Split a scene's text at character ``at``; the second half becomes a new scene."""
        first = clean_text(scene.text[:at], multiline=True).strip()
        second = clean_text(scene.text[at:], multiline=True).strip()
        if not first or not second:
            raise InputError(
                "Split inside the text, so both scenes keep some words",
                where=f"scene {scene.scene_number}",
            )
        with self._db.transaction():
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
            update_total(scene.project_id)
        return self.scene(scene.id), self.scene(new.id)

    def merge_scenes(self, first: Scene, second: Scene) -> Scene:
        """Append ``second``'s text to ``first`` and delete ``second``."""
        if first.project_id != second.project_id or first.id == second.id:
            raise InputError("Only two different scenes of one project can be merged")
        with self._db.transaction():
            keywords = list(dict.fromkeys([*first.visual_keywords, *second.visual_keywords]))
            Scene.update(
                text=clean_scene_text(f"{first.text.rstrip()} {second.text.lstrip()}"),
                visual_keywords=keywords,
                audio_file_path=None,
                audio_key=None,
                duration=None,
                word_timings=None,
                updated_at=utcnow(),
            ).where(Scene.id == first.id).execute()
            Scene.delete().where(Scene.id == second.id).execute()
            self._renumber(first.project_id, self._ordered_ids(first.project_id))
            update_total(first.project_id)
        return self.scene(first.id)

    def delete_scene(self, scene: Scene) -> None:
        with self._db.transaction():
            Scene.delete().where(Scene.id == scene.id).execute()
            self._renumber(scene.project_id, self._ordered_ids(scene.project_id))
            update_total(scene.project_id)

    def restore_scene(self, snapshot: dict[str, Any], index: int) -> Scene:
        """Re-create a deleted scene from ``scene_snapshot`` (used by undo)."""
        with self._db.transaction():
            ids = self._ordered_ids(snapshot["project"])
            data = dict(snapshot)
            selection = data.pop("selection", None)
            Scene.insert(**{**data, "scene_number": len(ids) + 1000}).execute()
            if selection:
                ClipSelection.insert(**selection).execute()
            ids.insert(max(0, min(index, len(ids))), data["id"])
            self._renumber(data["project"], ids)
            update_total(data["project"])
        return self.scene(snapshot["id"])

    def scene_snapshot(self, scene: Scene) -> dict[str, Any]:
        """Everything needed to re-create ``scene`` exactly (see ``restore_scene``)."""
        data = fields_of(scene, ("id", *SCENE_CONTENT_FIELDS, "created_at", "updated_at"))
        data["project"] = scene.project_id
        selection = self._visuals.selection(scene)
        if selection is not None:
            data["selection"] = fields_of(selection, ("id", *SELECTION_FIELDS, "created_at")) | {
                "scene": scene.id
            }
        return data
