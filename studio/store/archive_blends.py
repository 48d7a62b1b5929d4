"""The saved voice blends a project archive carries, so an imported project speaks as it did.

Export lists every blend the project names (its voice, its scenes', its characters'). Import
recreates them: a blend already here with the same id and the same mix is reused; one with the
same id but another mix is kept as it is and the archive's is saved under a new name
("Warm narrator (imported)"), the project's references rewritten to it. The audio key holds a
blend's mix, not its name, so the imported audio stays current either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from studio.store.api import Library
from studio.store.archive_schema import VoiceBlendModel
from studio.store.models import Project, Voice
from studio.text import clean_text
from studio.voice_ids import BlendPart, blend_slug, is_saved_blend, normalise_parts, parts_from_json

#: Names tried for an imported blend whose name is taken by another mix.
MAX_RENAMES = 50


def blends_used(library: Library, project: Project) -> list[dict[str, Any]]:
    """The manifest's ``voice_blends``: each saved blend ``project`` names, once."""
    named = [project.voice_id, *(scene.voice_id for scene in library.scenes(project))]
    named += list(library.character_voices(project).values())
    found: list[dict[str, Any]] = []
    for voice_id in dict.fromkeys(v for v in named if v and is_saved_blend(v)):
        row = library.blend(voice_id)
        if row is not None:
            found.append(_blend_json(row))
    return found


def _blend_json(row: Voice) -> dict[str, Any]:
    return {
        "voice_id": row.voice_id,
        "display_name": row.display_name,
        "language": row.language,
        "gender": row.gender,
        "components": list(row.components or []),
    }


def _same_mix(row: Voice | None, parts: tuple[BlendPart, ...]) -> bool:
    return row is not None and parts_from_json(row.components or []) == parts


def import_blends(library: Library, blends: Iterable[VoiceBlendModel]) -> dict[str, str]:
    """Save the archive's blends (inside the caller's transaction); return the ids that
    changed (archive id -> id here)."""
    renamed: dict[str, str] = {}
    for blend in blends:
        parts = normalise_parts(BlendPart(p.voice, p.weight) for p in blend.components)
        name = " ".join(clean_text(blend.display_name).split()) or blend.voice_id
        here = library.blend(blend.voice_id)
        if _same_mix(here, parts):
            continue
        if here is not None or library.blend("blend:" + blend_slug(name)) is not None:
            name = _free_name(library, name, parts)
        row = library.blend("blend:" + blend_slug(name))
        if row is None:
            row = library.save_blend(name, parts, language=blend.language, gender=blend.gender)
        if row.voice_id != blend.voice_id:
            renamed[blend.voice_id] = row.voice_id
    return renamed


def _free_name(library: Library, name: str, parts: tuple[BlendPart, ...]) -> str:
    """``name (imported)``, ``name (imported 2)``...: the first not taken by another mix."""
    for number in range(1, MAX_RENAMES + 1):
        candidate = f"{name[:150]} (imported{'' if number == 1 else f' {number}'})"
        row = library.blend("blend:" + blend_slug(candidate))
        if row is None or _same_mix(row, parts):
            return candidate
    raise RuntimeError("no free name for an imported voice blend")  # 50 imports of one name


def rename_voices(
    renamed: dict[str, str],
    project: dict[str, Any],
    scenes: Iterable[dict[str, Any]],
    characters: Iterable[dict[str, Any]],
) -> None:
    """Point the import's rows (project, scenes, character voices) at the blends' ids here."""
    for row in (project, *scenes, *characters):
        voice = row.get("voice_id")
        if voice in renamed:
            row["voice_id"] = renamed[voice]
