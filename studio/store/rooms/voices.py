"""The voices room: the voice catalogue and a chat story's voice per character."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from studio.errors import InputError
from studio.languages import check_language, language_of_kokoro_voice
from studio.store.models import Project, Voice, new_id
from studio.store.rooms.base import Room
from studio.store.rooms.projects import touch_project
from studio.text import clean_text
from studio.voice_ids import BLEND_PREFIX, BlendPart, blend_slug, normalise_parts

#: The engine a saved blend is spoken by (its ``voices.engine``).
BLEND_ENGINE = "kokoro"
#: Longest name of a saved blend (it is shown in every voice list).
MAX_BLEND_NAME = 60


def _saved_blend() -> Any:
    """Rows of the library's saved blends: a mix, in no project's character mapping."""
    return Voice.components.is_null(False) & Voice.project.is_null() & Voice.character.is_null()


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

    # -- blends ---------------------------------------------------------------------------------
    def save_blend(
        self,
        name: str,
        parts: Sequence[BlendPart | tuple[str, float]],
        *,
        language: str | None = None,
        gender: str | None = None,
    ) -> Voice:
        """Save (or replace) the blend called ``name``; its id is ``blend:<slug of name>``.

        ``language`` defaults to that of the largest share's voice. Raises InputError for a
        bad mix or name (nothing is saved).
        """
        display = " ".join(clean_text(name).split())
        if len(display) > MAX_BLEND_NAME:
            raise InputError(
                f"A blend's name is at most {MAX_BLEND_NAME} characters, not {len(display)}",
                fix="Give the blend a shorter name",
            )
        voice_id = BLEND_PREFIX + blend_slug(display)
        mix = normalise_parts(parts)
        if language is None:
            found = language_of_kokoro_voice(mix[0].voice)
            language = found.code if found is not None else None
        language = check_language(language)
        if gender not in (None, "female", "male"):
            raise InputError(f"Unknown gender {gender!r}", fix="Use female, male or none")
        with self._db.transaction():
            Voice.delete().where(
                (Voice.voice_id == voice_id) & Voice.project.is_null() & Voice.character.is_null()
            ).execute()
            return Voice.create(
                id=new_id(),
                engine=BLEND_ENGINE,
                voice_id=voice_id,
                display_name=display,
                language=language,
                gender=gender,
                components=[part.to_json() for part in mix],
            )

    def blends(self) -> list[Voice]:
        """The saved blends, by name."""
        with self._db.errors():
            return list(Voice.select().where(_saved_blend()).order_by(Voice.display_name))

    def blend(self, voice_id: str) -> Voice | None:
        """The saved blend ``voice_id`` ("blend:warm-narrator"), or None."""
        with self._db.errors():
            return Voice.get_or_none((Voice.voice_id == voice_id) & _saved_blend())

    def delete_blend(self, voice_id: str) -> bool:
        """Forget the blend ``voice_id``; False if there was none. Projects that used it keep
        the id and are told to choose another voice when they are next spoken."""
        with self._db.transaction():
            return bool(
                Voice.delete().where((Voice.voice_id == voice_id) & _saved_blend()).execute()
            )
