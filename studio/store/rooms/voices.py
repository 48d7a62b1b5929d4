"""The voices room: the voice catalogue and a chat story's voice per character."""

from __future__ import annotations

from collections.abc import Sequence

from studio.errors import InputError
from studio.store.models import Project, Voice, new_id
from studio.store.rooms.base import Room
from studio.store.rooms.projects import touch_project
from studio.text import clean_text


class VoicesRoom(Room):
    """The ``voices`` table: catalogue rows (no project) and character rows (a project's)."""

    def sync_voices(self, engine: str, voices: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Make the catalogue hold ``(voice_id, display_name, language, gender)`` for engine."""
        with self._db.transaction():
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
        with self._db.errors():
            return list(
                Voice.select()
                .where(Voice.project.is_null())
                .order_by(Voice.engine, Voice.display_name)
            )

    def character_voices(self, project: Project) -> dict[str, str]:
        """A chat story's ``{character: voice_id}`` mapping (``voices`` rows of the project)."""
        with self._db.errors():
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
        with self._db.transaction():
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
            touch_project(project.id)
