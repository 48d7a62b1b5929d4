"""Project archives: a project's rows and files in one ``.studio.zip``, and back again.

Import treats the archive as untrusted: every member must stay inside the new project's folder
(no absolute paths, no ``..``, no links), sizes are bounded, and nothing is written to the
library until the whole archive has been checked.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import peewee

from studio import __version__
from studio.errors import InputError
from studio.inputfiles import check_regular_file
from studio.savefile import check_output_target, output_path
from studio.store.api import Library
from studio.store.archive_blends import blends_used, import_blends, rename_voices
from studio.store.archive_schema import (
    COLOUR,
    FILE_FOLDERS,
    FORMAT,
    MANIFEST,
    PROJECT_FILE,
    Manifest,
    ProjectModel,
    SceneModel,
    parse_manifest,
)
from studio.store.metadata import clean_description, clean_tags, clean_title
from studio.store.models import (
    PROJECT_CONTENT_FIELDS,
    SCENE_CONTENT_FIELDS,
    SELECTION_FIELDS,
    ClipSelection,
    Project,
    PublishingMetadata,
    Scene,
    Voice,
    fields_of,
    new_id,
    utcnow,
)
from studio.store.rooms.projects import clean_name
from studio.store.rooms.scenes import clean_keywords, clean_scene_text
from studio.text import clean_text

log = logging.getLogger(__name__)

FILES = "files/"
MAX_TOTAL_BYTES = 20 * 1024**3
#: The archive carries a project's content plus its name and status.
PROJECT_FIELDS = ("name", "status", *PROJECT_CONTENT_FIELDS)
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


class _Outside:
    """Files a project uses from outside its folder (its music, a template's background).

    Each is copied into the archive under a fresh name (``files/audio/`` or
    ``files/visuals/``) so the manifest can name it as a ``project:`` path; one that is gone
    at export time is left out, with a warning, rather than failing the export.

    Attributes:
        copies: ``(source file, member name)`` of each file to add to the archive.
        names: every member name taken so far (the project's own files included).
    """

    def __init__(self, folder: Path, names: set[str]) -> None:
        self.folder = folder.resolve()
        self.names = names
        self.copies: list[tuple[Path, str]] = []

    def reference(self, path: Path, sub: str, setting: str) -> str | None:
        """``project:<sub>/<name>`` for ``path`` (copied in if outside), or None if unusable."""
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError, ValueError):
            resolved = path
        if resolved.is_relative_to(self.folder):
            relative = resolved.relative_to(self.folder).as_posix()
            if FILES + relative in self.names:
                return PROJECT_FILE + relative
        try:
            check_regular_file(resolved, what=setting)
        except InputError as exc:
            log.warning("export: %s left out: %s", setting, exc.message)
            return None
        name = self._fresh_name(sub, resolved)
        self.copies.append((resolved, name))
        return PROJECT_FILE + name.removeprefix(FILES)

    def _fresh_name(self, sub: str, source: Path) -> str:
        """A member name in ``files/<sub>/`` no other member has (the suffix kept, if plain)."""
        suffix = source.suffix.lower() if _PLAIN_SUFFIX.match(source.suffix) else ""
        digest = hashlib.sha256(str(source).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        for count in itertools.count():
            name = f"{FILES}{sub}/outside-{digest}{f'-{count}' if count else ''}{suffix}"
            if name not in self.names:
                self.names.add(name)
                return name
        raise AssertionError("unreachable")


#: A file suffix kept on an outside file's copy (``.mp3``); anything else is dropped.
_PLAIN_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def _project_files(folder: Path) -> list[tuple[Path, str]]:
    """The project's own audio and visuals as ``(file, member name)`` (hidden files skipped)."""
    return [
        (path, FILES + path.relative_to(folder).as_posix())
        for sub in ("audio", "visuals")
        for path in sorted((folder / sub).rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    ]


def _render_settings(
    library: Library, stored: dict[str, Any] | None, outside: _Outside
) -> dict[str, Any] | None:
    """The render settings with the music as a ``project:`` path (or left out if it is gone)."""
    if not isinstance(stored, dict):
        return None
    settings = dict(stored)
    music = settings.get("music_path")
    if isinstance(music, str) and music:
        reference = outside.reference(library.home.abs(music), "audio", "music file")
        if reference is None:
            settings.pop("music_path")
        else:
            settings["music_path"] = reference
    elif "music_path" in settings:
        settings["music_path"] = None
    return settings


def _template_options(
    library: Library, stored: dict[str, Any] | None, outside: _Outside
) -> dict[str, Any]:
    """The template options with a background file as a ``project:`` path (colours kept)."""
    options = dict(stored or {})
    background = options.get("background")
    if isinstance(background, str) and background and not COLOUR.match(background):
        reference = outside.reference(library.home.abs(background), "visuals", "background")
        if reference is None:
            options.pop("background")
        else:
            options["background"] = reference
    return options


def export_project(library: Library, project: Project, target: Path) -> Path:
    """Write ``project`` (rows, audio, visuals; not renders or caches) to ``target``.

    ``target`` is checked before anything else (never the library's own files, never a folder)
    and replaced atomically, so a failed export leaves any file already there untouched.
    Music or a background from outside the project folder is copied into the archive; one
    that no longer exists is left out (logged as a warning).
    """
    target = check_output_target(target, library.home)
    project = library.refresh(project)
    folder = library.home.project_dir(project.id)
    prefix = library.home.rel(folder) + "/"
    own_files = _project_files(folder)
    outside = _Outside(folder, {name for _path, name in own_files})
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
    fields["template_options"] = _template_options(library, project.template_options, outside)
    fields["render_settings"] = _render_settings(library, project.render_settings, outside)
    manifest = {
        "format": FORMAT,
        "app_version": __version__,
        "exported_at": datetime.now().isoformat(timespec="seconds"),
        "project": fields,
        "scenes": scenes,
        "publishing": _publishing(library, project),
        "voice_blends": blends_used(library, project),
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
        for path, name in own_files + outside.copies:
            archive.write(path, name)
    return target


#: Longest member name accepted, in UTF-8 bytes: per folder or file name (what common file
#: systems allow) and whole.
MAX_NAME_PART_BYTES = 255
MAX_NAME_BYTES = 1024
#: Most members an archive may hold (a project has a few files per scene).
MAX_MEMBERS = 100_000
#: Largest manifest read (a 20,000-scene project's manifest is a few MB).
MAX_MANIFEST_BYTES = 64 * 1024**2
#: What zipfile and zlib raise for a damaged member (bad CRC, truncated or corrupt data,
#: an unsupported compression method, encryption).
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)
_TRUST_FIX = "Only import archives exported by Studio, unchanged"


def _refuse_member(name: str, what: str, source: Path | None = None) -> InputError:
    """One line naming the member and what is wrong with it."""
    return InputError(
        f"{what} ({name[:120]!r})",
        where=str(source) if source else None,
        fix="Only import archives exported by Studio from a source you trust",
    )


def _safe_member(name: str) -> PurePosixPath:
    """The member's path inside ``files/``, or InputError if it would escape the project."""
    path = PurePosixPath(name)
    bad = (
        name.startswith(("/", "\\"))
        or "\\" in name
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("..", ".", "") for part in name.rstrip("/").split("/"))
        or not name.startswith(FILES)
        or len(path.parts) < 3
        or path.parts[1] not in FILE_FOLDERS
    )
    if bad:
        raise _refuse_member(name, "This archive tries to write outside its project folder")
    if any(ord(char) < 32 or char == "\x7f" for char in name):
        raise _refuse_member(name, "This archive holds a member whose name has control characters")
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES or any(
        len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_PART_BYTES for part in path.parts
    ):
        raise _refuse_member(
            name,
            f"This archive holds a member whose name is too long (over {MAX_NAME_PART_BYTES} "
            f"bytes a part or {MAX_NAME_BYTES} in all)",
        )
    return PurePosixPath(*path.parts[1:])


def _check_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's files, every name safe and unique, no links, no encryption, bounded."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InputError(f"This archive holds more than {MAX_MEMBERS:,} files")
    members: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if name in seen:
            raise _refuse_member(name, "This archive holds two members of the same name")
        seen.add(name)
        if name == MANIFEST:
            continue
        _safe_member(name)
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            raise InputError(
                f"This archive holds a link ({name!r}), which Studio never exports",
                fix="Only import archives exported by Studio",
            )
        if info.flag_bits & 0x1:
            raise _refuse_member(name, "This archive holds an encrypted member")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise InputError("This archive is larger than any Studio project should be")
        members.append(info)
    _check_collisions([m.filename for m in members])
    return members


def _check_collisions(names: list[str]) -> None:
    """Refuse a member that is both a file and a folder (``files/a`` and ``files/a/b``)."""
    folders = {str(parent) for name in names for parent in PurePosixPath(name).parents}
    for name in names:
        if name in folders:
            raise _refuse_member(name, "This archive holds a file and a folder of the same name")


def _read_manifest(archive: zipfile.ZipFile, source: Path) -> Manifest:
    """The manifest, decoded and checked whole against the schema (InputError naming a field)."""
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise InputError(
            "This is not a Studio project archive (no manifest)", where=str(source)
        ) from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise InputError(f"{MANIFEST} is too large to be a project's manifest", where=str(source))
    try:
        data = json.loads(archive.read(info).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(
            f"The archive's manifest is damaged ({MANIFEST}: {type(exc).__name__})",
            where=str(source),
        ) from None
    except _DAMAGED as exc:  # ValueError: e.g. an integer with thousands of digits
        raise InputError(
            f"The archive's manifest is damaged ({MANIFEST}: {_short(exc)})", where=str(source)
        ) from None
    return parse_manifest(data, where=str(source))


def _short(exc: BaseException) -> str:
    """An exception as a few words on one line."""
    return " ".join(str(exc).split())[:120] or type(exc).__name__


def _check_references(manifest: Manifest, members: list[zipfile.ZipInfo], source: Path) -> None:
    """Every file the manifest names must be one of the archive's own files."""
    names = {m.filename for m in members}
    for field, relative in manifest.project_files():
        if FILES + relative not in names:
            raise InputError(
                f"{MANIFEST}: {field}: {relative[:120]!r} is not among the archive's files",
                where=str(source),
                fix=_TRUST_FIX,
            )


def _extract(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], staging: Path, source: Path
) -> None:
    """Copy every member into ``staging``, each read through (its CRC checked on the way)."""
    for info in members:
        relative = _safe_member(info.filename)
        target = staging.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(info) as src, target.open("xb") as dst:
                shutil.copyfileobj(src, dst)
        except _DAMAGED as exc:
            raise InputError(
                f"The archive's member {info.filename[:120]!r} is damaged ({_short(exc)})",
                where=str(source),
                fix="Export the project again, or copy the archive again",
            ) from None


def _stage(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], final_dir: Path, source: Path
) -> None:
    """Unpack into a hidden staging folder, then move it to ``final_dir`` in one rename."""
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=final_dir.parent))
    try:
        _extract(archive, members, staging, source)
        for sub in ("audio", "visuals", "renders", "segments"):
            (staging / sub).mkdir(exist_ok=True)
        staging.rename(final_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _open_archive(source: Path) -> zipfile.ZipFile:
    """``source`` as a zip file, or InputError (checked to be a regular file first)."""
    check_regular_file(source, what="project archive")
    try:
        return zipfile.ZipFile(source)
    except (OSError, *_DAMAGED) as exc:
        raise InputError(
            "This file is not a readable Studio project archive",
            where=str(source),
            fix="Choose a .studio.zip exported by Studio",
        ) from exc


@dataclass(frozen=True)
class _Rows:
    """The rows an import creates, built (and cleaned) before anything is written."""

    project: dict[str, Any]
    scenes: list[tuple[dict[str, Any], dict[str, Any] | None]]
    publishing: dict[str, Any] | None
    voices: list[dict[str, str]]


def _line(text: str | None) -> str | None:
    """A short stored text (a key, a voice, a word) without controls, on one line."""
    return None if text is None else clean_text(text)


def _label(text: str | None) -> str | None:
    """A name shown to the creator (a character, the chat's "me"): one line, tidy spaces."""
    return None if text is None else " ".join(clean_text(text).split()) or None


def _project_fields(library: Library, project: ProjectModel, prefix: str) -> dict[str, Any]:
    """The project row's fields: text cleaned as typed text is, paths the new project's."""
    fields = project.model_dump(exclude_unset=True, exclude={"template_options", "render_settings"})
    fields["name"] = clean_name(project.name)
    fields["topic"] = clean_text(project.topic).strip()
    fields["voice_id"] = _line(project.voice_id)
    if project.template_options is not None:
        options = project.template_options.model_dump(exclude_unset=True)
        background = options.get("background")
        if isinstance(background, str) and background.startswith(PROJECT_FILE):
            options["background"] = prefix + background.removeprefix(PROJECT_FILE)
        if "me" in options:
            options["me"] = _label(options["me"])
        fields["template_options"] = options
    if project.render_settings is not None:
        settings = project.render_settings.model_dump(exclude_unset=True)
        if settings.get("music_path"):  # stored absolute, as `studio produce` stores it
            relative = str(settings["music_path"]).removeprefix(PROJECT_FILE)
            settings["music_path"] = str(library.home.abs(prefix + relative))
        fields["render_settings"] = settings
    return {k: v for k, v in fields.items() if v is not None}


def _scene_rows(scene: SceneModel, prefix: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One scene's row (text cleaned as the editor cleans it) and its selection, if any."""
    data = scene.model_dump(exclude_unset=True, exclude={"selection"})
    data["text"] = clean_scene_text(scene.text, allow_empty=True)
    data["sanitized_text"] = clean_text(scene.sanitized_text, multiline=True)
    data["visual_keywords"] = clean_keywords(scene.visual_keywords)
    data["character"] = _label(scene.character)
    data["voice_id"] = _line(scene.voice_id)
    data["audio_key"] = _line(scene.audio_key)
    if scene.word_timings is not None:
        data["word_timings"] = [
            {**timing.model_dump(), "word": clean_text(timing.word)}
            for timing in scene.word_timings
        ]
    if scene.audio_file_path:
        data["audio_file_path"] = prefix + scene.audio_file_path
    selection = None
    if scene.selection is not None:
        selection = scene.selection.model_dump(exclude_unset=True)
        selection["asset_path"] = prefix + scene.selection.asset_path
        selection["source"] = clean_text(scene.selection.source)
        if "fit_colour" in selection:
            selection["fit_colour"] = "#" + selection["fit_colour"].lstrip("#").lower()
        if isinstance(selection.get("credit"), dict):  # shown in descriptions: one-line text
            selection["credit"] = {k: clean_text(v) for k, v in selection["credit"].items()}
    return {k: v for k, v in data.items() if v is not None}, selection


def _rows(library: Library, manifest: Manifest, prefix: str) -> _Rows:
    """The manifest as rows; paths become the new project's (home-relative or absolute).

    Every text is cleaned as the creator's typing is (``studio.text.clean_text``): an archive
    can't store terminal escapes, NUL or other controls. A name or scene left empty by that
    is refused (InputError), before anything is written.
    """
    fields = _project_fields(library, manifest.project, prefix)
    scenes = [_scene_rows(scene, prefix) for scene in manifest.scenes]
    published = None
    if manifest.publishing is not None:
        published = {
            "title": clean_title(clean_text(manifest.publishing.title)),
            "description": clean_description(
                clean_text(manifest.publishing.description, multiline=True)
            ),
            "tags": clean_tags(clean_text(tag) for tag in manifest.publishing.tags),
            "source": manifest.publishing.source,
        }
    voices = [
        {
            "character": _label(v.character) or "?",
            "voice_id": clean_text(v.voice_id),
            "engine": v.engine,
        }
        for v in manifest.character_voices
    ]
    return _Rows(fields, scenes, published, voices)


def _checked_rows(library: Library, manifest: Manifest, prefix: str, source: Path) -> _Rows:
    """``_rows``, a refusal naming the manifest and the archive."""
    try:
        return _rows(library, manifest, prefix)
    except InputError as exc:
        raise InputError(
            f"{MANIFEST}: {exc.what}", where=str(source), fix=exc.fix or _TRUST_FIX
        ) from None


def _insert(project_id: str, rows: _Rows) -> Project:
    """Create the project's rows (inside the caller's transaction)."""
    project = Project.create(
        id=project_id, **rows.project, created_at=utcnow(), last_active=utcnow()
    )
    for scene_fields, selection in rows.scenes:
        scene = Scene.create(id=new_id(), project=project_id, **scene_fields)
        if selection is not None:
            ClipSelection.create(id=new_id(), scene=scene.id, **selection)
    if rows.publishing is not None:
        PublishingMetadata.create(project=project_id, **rows.publishing)
    for mapping in rows.voices:
        Voice.create(
            id=new_id(),
            engine=mapping["engine"],
            voice_id=mapping["voice_id"],
            display_name=f"{mapping['character']} ({mapping['voice_id']})",
            project=project_id,
            character=mapping["character"],
        )
    return project


def import_project(library: Library, source: Path) -> Project:
    """Add the project in ``source`` to the library as a new project; return it.

    Everything is checked before anything is written: the members (names, links, sizes,
    collisions), the manifest against its schema, and that every file it names is in the
    archive. Each member is read through (its CRC checked) into a hidden staging folder that
    becomes the project's folder in one rename; only then are rows created, in one
    transaction. A refusal (InputError, one line naming the member or field) leaves the
    library exactly as it was.
    """
    source = Path(source)
    with _open_archive(source) as archive:
        members = _check_members(archive)
        manifest = _read_manifest(archive, source)
        _check_references(manifest, members, source)
        project_id = new_id()
        final_dir = library.home.project_dir(project_id)
        prefix = library.home.rel(final_dir) + "/"
        rows = _checked_rows(library, manifest, prefix, source)
        _stage(archive, members, final_dir, source)
    try:
        with library.transaction():
            renamed = import_blends(library, manifest.voice_blends)
            rename_voices(renamed, rows.project, (s for s, _ in rows.scenes), rows.voices)
            project = _insert(project_id, rows)
    except peewee.IntegrityError as exc:
        shutil.rmtree(final_dir, ignore_errors=True)
        raise InputError(
            f"The archive's manifest has values Studio can't use ({_short(exc)})",
            where=str(source),
            fix=_TRUST_FIX,
        ) from None
    except BaseException:
        shutil.rmtree(final_dir, ignore_errors=True)
        raise
    return library.refresh(project)


__all__ = ["export_project", "import_project"]
