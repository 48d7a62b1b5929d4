"""Project archives: a project's rows and files in one ``.studio.zip``, and back again.

Import treats the archive as untrusted: every member must stay inside the new project's folder
(no absolute paths, no ``..``, no links), sizes are bounded, and nothing is written to the
library until the whole archive has been checked.
"""

from __future__ import annotations

import json
import shutil
import stat
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import peewee

from studio import __version__
from studio.errors import InputError
from studio.savefile import check_output_target, output_path
from studio.store.api import Library
from studio.store.metadata import clean_description, clean_tags, clean_title
from studio.store.models import (
    PROJECT_CONTENT_FIELDS,
    SCENE_CONTENT_FIELDS,
    SELECTION_FIELDS,
    TEMPLATES,
    ClipSelection,
    Project,
    PublishingMetadata,
    Scene,
    Voice,
    fields_of,
    new_id,
    utcnow,
)

FORMAT = 1
MANIFEST = "studio-project.json"
FILES = "files/"
MAX_TOTAL_BYTES = 20 * 1024**3
#: The archive carries a project's content plus its name and status.
PROJECT_FIELDS = ("name", "status", *PROJECT_CONTENT_FIELDS)
#: Marks a template option that names a file inside the project (``project:visuals/x.png``).
PROJECT_FILE = "project:"
SCENE_FIELDS = SCENE_CONTENT_FIELDS


def _inside(project_prefix: str, stored: str | None) -> str | None:
    """A stored home-relative path as a path inside the project folder (or None)."""
    if stored and stored.startswith(project_prefix):
        return stored[len(project_prefix) :]
    return None


def _publishing(library: Library, project: Project) -> dict[str, Any] | None:
    """The title/description/tags the creator or Groq wrote (derived ones are re-derived)."""
    published = library.publishing(project)
    if published is None or published.source == "script":
        return None
    return fields_of(published, ("title", "description", "tags", "source"))


def export_project(library: Library, project: Project, target: Path) -> Path:
    """Write ``project`` (rows, audio, visuals; not renders or caches) to ``target``.

    ``target`` is checked before anything else (never the library's own files, never a folder)
    and replaced atomically, so a failed export leaves any file already there untouched.
    """
    target = check_output_target(target, library.home)
    project = library.refresh(project)
    folder = library.home.project_dir(project.id)
    prefix = library.home.rel(folder) + "/"
    scenes = []
    for scene in library.scenes(project):
        data: dict[str, Any] = fields_of(scene, SCENE_FIELDS)
        data["audio_file_path"] = _inside(prefix, scene.audio_file_path)
        selection = library.selection(scene)
        if selection is not None and _inside(prefix, selection.asset_path):
            data["selection"] = fields_of(selection, SELECTION_FIELDS)
            data["selection"]["asset_path"] = _inside(prefix, selection.asset_path)
        scenes.append(data)
    fields = fields_of(project, PROJECT_FIELDS)
    fields["template_options"] = {  # files the template uses travel inside the project
        k: (
            f"{PROJECT_FILE}{_inside(prefix, v)}"
            if isinstance(v, str) and _inside(prefix, v)
            else v
        )
        for k, v in (project.template_options or {}).items()
    }
    manifest = {
        "format": FORMAT,
        "app_version": __version__,
        "exported_at": datetime.now().isoformat(timespec="seconds"),
        "project": fields,
        "scenes": scenes,
        "publishing": _publishing(library, project),
        "character_voices": [
            {"character": v.character, "voice_id": v.voice_id, "engine": v.engine}
            for v in Voice.select().where(
                (Voice.project == project.id) & Voice.character.is_null(False)
            )
        ],
    }
    with (
        output_path(target) as partial,
        zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        for sub in ("audio", "visuals"):
            for path in sorted((folder / sub).rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    archive.write(path, FILES + path.relative_to(folder).as_posix())
    return target


def _safe_member(name: str) -> PurePosixPath:
    """The member's path inside ``files/``, or InputError if it would escape the project."""
    path = PurePosixPath(name)
    bad = (
        name.startswith(("/", "\\"))
        or "\\" in name
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", "") for part in path.parts)
        or not name.startswith(FILES)
    )
    if bad:
        raise InputError(
            f"This archive tries to write outside its project folder ({name!r})",
            fix="Only import archives exported by Studio from a source you trust",
        )
    return PurePosixPath(*path.parts[1:])


def _check_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    members = []
    total = 0
    for info in archive.infolist():
        if info.filename == MANIFEST or info.is_dir():
            continue
        _safe_member(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(
                f"This archive holds a link ({info.filename!r}), which Studio never exports",
                fix="Only import archives exported by Studio",
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise InputError("This archive is larger than any Studio project should be")
        members.append(info)
    return members


def _read_manifest(archive: zipfile.ZipFile, source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except KeyError as exc:
        raise InputError(
            "This is not a Studio project archive (no manifest)", where=str(source)
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError("The archive's manifest is damaged", where=str(source)) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(
            "This archive was made by another version of Studio's archive format",
            where=str(source),
            fix="Update Studio and try again",
        )
    project = manifest.get("project")
    scenes = manifest.get("scenes")
    if not isinstance(project, dict) or not isinstance(scenes, list):
        raise InputError("The archive's manifest is incomplete", where=str(source))
    if project.get("template") not in TEMPLATES:
        raise InputError("The archive's project has an unknown template", where=str(source))
    return manifest


def import_project(library: Library, source: Path) -> Project:
    """Add the project in ``source`` to the library as a new project; return it."""
    source = Path(source)
    try:
        archive = zipfile.ZipFile(source)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(
            "This file is not a readable Studio project archive",
            where=str(source),
            fix="Choose a .studio.zip exported by Studio",
        ) from exc
    with archive:
        manifest = _read_manifest(archive, source)
        members = _check_members(archive)
        project_id = new_id()
        final_dir = library.home.project_dir(project_id)
        staging = Path(tempfile.mkdtemp(prefix=".import-", dir=library.home.projects_dir))
        try:
            for info in members:
                relative = _safe_member(info.filename)
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst)
            for sub in ("audio", "visuals", "renders", "segments"):
                (staging / sub).mkdir(exist_ok=True)
            staging.rename(final_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    prefix = library.home.rel(final_dir) + "/"

    def stored(relative: Any) -> str | None:
        if not relative:
            return None
        _safe_member(FILES + str(relative))
        return prefix + str(relative)

    fields = {f: manifest["project"].get(f) for f in PROJECT_FIELDS}
    if isinstance(fields.get("template_options"), dict):
        fields["template_options"] = {
            k: stored(v[len(PROJECT_FILE) :])
            if isinstance(v, str) and v.startswith(PROJECT_FILE)
            else v
            for k, v in fields["template_options"].items()
        }
    try:
        with library.transaction():
            project = Project.create(
                id=project_id,
                **{k: v for k, v in fields.items() if v is not None},
                created_at=utcnow(),
                last_active=utcnow(),
            )
            for data in manifest["scenes"]:
                scene_fields = {f: data.get(f) for f in SCENE_FIELDS}
                scene_fields["audio_file_path"] = stored(scene_fields["audio_file_path"])
                scene = Scene.create(
                    id=new_id(),
                    project=project_id,
                    **{k: v for k, v in scene_fields.items() if v is not None},
                )
                selection = data.get("selection")
                if isinstance(selection, dict):
                    ClipSelection.create(
                        id=new_id(),
                        scene=scene.id,
                        **{
                            **{
                                f: selection.get(f)
                                for f in SELECTION_FIELDS
                                if selection.get(f) is not None
                            },
                            "asset_path": stored(selection.get("asset_path")),
                        },
                    )
            published = manifest.get("publishing")
            if isinstance(published, dict):
                PublishingMetadata.create(
                    project=project_id,
                    title=clean_title(str(published["title"])),
                    description=clean_description(str(published["description"])),
                    tags=clean_tags([str(t) for t in published["tags"]]),
                    source=str(published["source"]),
                )
            for mapping in manifest.get("character_voices") or []:
                voice_id = str(mapping["voice_id"])
                Voice.create(
                    id=new_id(),
                    engine=str(mapping["engine"]),
                    voice_id=voice_id,
                    display_name=f"{mapping['character']} ({voice_id})",
                    project=project_id,
                    character=str(mapping["character"]),
                )
    except (TypeError, ValueError, KeyError, peewee.IntegrityError) as exc:
        shutil.rmtree(final_dir, ignore_errors=True)
        raise InputError(
            "The archive's manifest has values Studio can't use", where=str(source)
        ) from exc
    except BaseException:
        shutil.rmtree(final_dir, ignore_errors=True)
        raise
    return library.refresh(project)


__all__ = ["export_project", "import_project"]
