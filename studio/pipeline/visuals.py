"""Stage 3: visuals. Suggestions per scene from the creator's media library and a generated
slide; the chosen one becomes the scene's clip selection.

Chosen files are copied into the project's ``visuals/`` folder (named by content hash), so a
project keeps working when the creator's media folders move, and its paths stay relative.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from studio.errors import InputError, StudioError
from studio.inputfiles import sha256_of
from studio.media.probe import probe
from studio.media.settings import RenderSettings
from studio.pipeline.jobs import JobContext
from studio.pipeline.slide_stage import MAX_CJK_TITLE_CHARS, ensure_slide, slide_title
from studio.progress import scaled
from studio.savefile import atomic_path
from studio.store import Library
from studio.store.models import ClipSelection, MediaAsset, Project, Scene
from studio.text import one_line

log = logging.getLogger(__name__)
__all__ = ["MAX_CJK_TITLE_CHARS", "ensure_slide", "slide_title"]  # re-exported: their old home

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp"})
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi"})
MOTIONS = ("zoom-in", "pan-right", "zoom-out", "pan-left")
MAX_SUGGESTIONS = 6
#: How many skipped files the one summary line names; the log lists up to LOGGED_SKIPS.
NAMED_SKIPS = 8
LOGGED_SKIPS = 500
_TAG_SPLIT = re.compile(r"[^\w]+|_")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_IGNORED_TAGS = frozenset(
    {
        "img",
        "image",
        "video",
        "clip",
        "photo",
        "dsc",
        "final",
        "copy",
        "the",
        "and",
        "of",
        "a",
        "an",
        "stock",
        "edit",
        "new",
    }
)


@dataclass
class IndexReport:
    """What indexing the media folders found.

    Attributes:
        added: files indexed for the first time.
        updated: files indexed again because they changed.
        removed: index entries dropped because their file is gone (or its folder is).
        skipped: ``(path, reason)`` of every file or folder that could not be read or used.
        missing_folders: media folders that do not exist (any more).
    """

    added: int = 0
    updated: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    missing_folders: list[str] = field(default_factory=list)

    def summary(self) -> str | None:
        """One line for the creator about what was skipped (None when nothing was).

        A folder of thousands of unreadable files gives one line naming the first few, not a
        line per file: the count, where, and the first ``NAMED_SKIPS`` with their reasons.
        """
        parts = []
        if self.missing_folders:
            missing = ", ".join(self.missing_folders)
            parts.append(f"Skipped the media folder that does not exist: {missing}.")
        if self.skipped:
            count = len(self.skipped)
            base = _common_folder([path for path, _reason in self.skipped])
            named = "; ".join(
                f"{_relative(path, base)}: {reason}" for path, reason in self.skipped[:NAMED_SKIPS]
            )
            more = f"; and {count - NAMED_SKIPS:,} more" if count > NAMED_SKIPS else ""
            plural = "s" if count != 1 else ""
            parts.append(
                f"Skipped {count:,} media file{plural} Studio could not read or use in "
                f"{base}: {named}{more}."
            )
        return one_line(" ".join(parts)) if parts else None


def _common_folder(paths: Sequence[str]) -> str:
    """The deepest folder holding every one of ``paths``."""
    common = os.path.commonpath(paths)
    return os.path.dirname(common) if len(paths) == 1 or common in paths else common


def _relative(path: str, base: str) -> str:
    return os.path.relpath(path, base) if base else path


def media_kind(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    if suffix in VIDEO_EXTENSIONS:
        return "video"
    return None


def tags_for(path: Path, root: Path) -> list[str]:
    """Search words for a file: its name and the folders between it and the library root."""
    try:
        parts = list(path.relative_to(root).with_suffix("").parts)
    except ValueError:
        parts = [path.stem]
    words: list[str] = []
    for part in parts:
        for token in _TAG_SPLIT.split(_CAMEL.sub(" ", part)):
            token = token.lower()
            if len(token) > 1 and not token.isdigit() and token not in _IGNORED_TAGS:
                words.append(token)
    return list(dict.fromkeys(words))


def index_media_folders(library: Library, folders: Sequence[Path]) -> IndexReport:
    """Index images and videos under ``folders`` into ``media_assets`` (unchanged files skipped).

    Nothing in a folder stops the index: broken links, link loops, files that can't be read
    or vanish while it runs, unreadable subfolders, FIFOs and corrupt files are skipped and
    listed in the report (see ``IndexReport.summary``); a folder that does not exist is
    skipped too (the creator may have unplugged it), and its files leave the index.
    """
    report = IndexReport()
    known = {a.path: a for a in library.media_assets()}
    seen: set[str] = set()
    roots = []
    for folder in folders:
        root = _existing_folder(Path(folder))
        if root is None:
            report.missing_folders.append(os.path.realpath(Path(folder).expanduser()))
            continue
        if not _storable(root.as_posix()):
            report.skipped.append((root.as_posix(), f"folder: {_NOT_TEXT}"))
            continue
        roots.append(root)
        for path in _media_files(root, report):
            stored = _index_file(library, root, path, known, report)
            if stored is not None:
                seen.add(stored)
    prefixes = [root.as_posix() + "/" for root in roots]
    prefixes += [Path(folder).as_posix() + "/" for folder in report.missing_folders]
    gone = [p for p in known if p not in seen and any(p.startswith(f) for f in prefixes)]
    if gone:
        library.remove_media_assets(gone)
        report.removed = len(gone)
    if report.skipped:
        _log_skipped(report.skipped)
    return report


def _existing_folder(folder: Path) -> Path | None:
    """``folder`` resolved, or None if it is not a folder (missing, a file, a link loop)."""
    try:
        root = folder.expanduser().resolve()
        return root if root.is_dir() else None
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11's resolve)
        return None


def _media_files(root: Path, report: IndexReport) -> Iterator[Path]:
    """Every picture or video file name under ``root``; unreadable folders go in the report.

    Links to folders are not followed (so a link loop can't trap the walk).
    """

    def unreadable_folder(error: OSError) -> None:
        report.skipped.append((str(error.filename or root), f"folder: {_os_reason(error)}"))

    for dirpath, dirs, files in os.walk(root, onerror=unreadable_folder):
        dirs.sort()
        for name in sorted(files):
            if not name.startswith(".") and media_kind(Path(name)) is not None:
                yield Path(dirpath) / name


def _index_file(
    library: Library,
    root: Path,
    path: Path,
    known: dict[str, MediaAsset],
    report: IndexReport,
) -> str | None:
    """Index one file; return its stored path, or None if it was skipped (and why, in report)."""
    usable = _usable_file(path, report)
    if usable is None:
        return None
    stored, stat = usable
    old = known.get(stored)
    if old is not None and old.mtime_ns == stat.st_mtime_ns and old.size_bytes == stat.st_size:
        return stored
    kind = media_kind(path) or "image"
    try:
        info = probe(path)
    except StudioError as exc:
        report.skipped.append((stored, _lower_first(exc.what)))
        return None
    except OSError as exc:  # vanished or changed under the probe
        report.skipped.append((stored, _os_reason(exc, path)))
        return None
    if kind == "video" and not info.has_video:
        report.skipped.append((stored, "it has no video stream"))
        return None
    library.upsert_media_asset(
        path,
        folder=root.as_posix(),
        kind=kind,
        duration=info.duration if kind == "video" else None,
        width=info.width,
        height=info.height,
        size_bytes=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        tags=tags_for(path, root),
    )
    if old is None:
        report.added += 1
    else:
        report.updated += 1
    return stored


def _usable_file(path: Path, report: IndexReport) -> tuple[str, os.stat_result] | None:
    """``(resolved path, stat)`` of a regular file whose path the database can hold; anything
    else (a broken link, a link loop, a FIFO or device, a name that isn't text) goes in the
    report and gives None. Opens nothing, so a FIFO can't block."""
    try:
        stat = path.stat()
        if not S_ISREG(stat.st_mode):  # a FIFO or device would block or never end
            report.skipped.append((path.as_posix(), "not a regular file"))
            return None
        stored = path.resolve().as_posix()
    except (OSError, RuntimeError) as exc:
        report.skipped.append((path.as_posix(), _os_reason(exc, path)))
        return None
    if not _storable(stored):
        report.skipped.append((path.as_posix(), _NOT_TEXT))
        return None
    return stored, stat


@dataclass(frozen=True)
class MediaFile:
    """A picture or clip found in a media folder (not probed: listing must stay fast).

    Attributes:
        path: the file, resolved. folder: the media folder it was found in.
        kind: "image" or "video". size, mtime_ns: from its ``stat``.
    """

    path: Path
    folder: Path
    kind: str
    size: int
    mtime_ns: int


def list_media_files(
    folders: Sequence[Path], *, stop: Callable[[], bool] = lambda: False
) -> Iterator[MediaFile]:
    """The pictures and clips under ``folders``, by the index's rules, without probing them.

    What the index would skip is skipped here too (broken links, link loops, FIFOs, unreadable
    folders, names that aren't text), and so are files this process may not read; missing
    folders give nothing. ``stop()`` is asked between files, so a browser can abandon a walk of
    a huge folder when the creator asks for another.
    """
    report = IndexReport()  # what was skipped is not shown in a listing
    for folder in folders:
        root = _existing_folder(Path(folder))
        if root is None or not _storable(root.as_posix()):
            continue
        for path in _media_files(root, report):
            if stop():
                return
            usable = _usable_file(path, report)
            if usable is None or not os.access(usable[0], os.R_OK):
                continue
            stored, stat = usable
            yield MediaFile(
                Path(stored), root, media_kind(path) or "image", stat.st_size, stat.st_mtime_ns
            )


def _os_reason(exc: BaseException, path: Path | None = None) -> str:
    """Why a file could not be read, in a few words."""
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "a link that leads back to itself"
    if isinstance(exc, FileNotFoundError):
        return "a broken link" if path is not None and path.is_symlink() else "it vanished"
    if isinstance(exc, PermissionError):
        return "not allowed to read it"
    return str(getattr(exc, "strerror", None) or exc)


_NOT_TEXT = "its name isn't valid UTF-8 text (rename it)"


def _storable(path: str) -> bool:
    """Whether the database can hold ``path`` (a name of non-UTF-8 bytes it can't)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _log_skipped(skipped: Sequence[tuple[str, str]]) -> None:
    """One log record listing the skipped files (the first ``LOGGED_SKIPS`` of them)."""
    listed = "\n".join(f"  {one_line(path)}: {reason}" for path, reason in skipped[:LOGGED_SKIPS])
    more = f"\n  and {len(skipped) - LOGGED_SKIPS:,} more" if len(skipped) > LOGGED_SKIPS else ""
    log.info("media library: skipped %d files:\n%s%s", len(skipped), listed, more)


def _words(keywords: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for keyword in keywords:
        for token in _TAG_SPLIT.split(keyword.lower()):
            if len(token) > 1:
                found.add(token)
                if token.endswith("s") and len(token) > 3:
                    found.add(token[:-1])
    return found


def match_assets(
    assets: Sequence[MediaAsset], keywords: Sequence[str], limit: int = MAX_SUGGESTIONS
) -> list[tuple[MediaAsset, float]]:
    """Library assets whose tags share words with ``keywords``, best first."""
    wanted = _words(keywords)
    if not wanted:
        return []
    scored = []
    for asset in assets:
        tags = _words(asset.tags or [])
        overlap = wanted & tags
        if overlap:
            score = len(overlap) / len(wanted) + (0.05 if asset.kind == "video" else 0.0)
            scored.append((asset, round(score, 4)))
    scored.sort(key=lambda pair: (-pair[1], pair[0].path))
    return scored[:limit]


def import_visual(library: Library, project: Project, source: Path) -> tuple[Path, str]:
    """Copy a creator's file into the project; return (path, kind).

    The copy is ``visuals/<content hash>/<the creator's file name>``: named by content (the
    same file imported twice is one folder), yet its name is the one the creator knows, which
    every label shows.
    """
    source = Path(source)
    kind = media_kind(source)
    if kind is None:
        raise InputError(
            f"Studio can't use {source.suffix or 'this kind of'} files as a visual",
            where=str(source),
            fix="Choose an image (JPG, PNG, WebP) or a video (MP4, MOV, MKV, WebM)",
        )
    info = probe(source)  # raises a clear InputError for broken files
    if kind == "video" and not info.has_video:
        raise InputError(
            "This video file has no picture",
            where=str(source),
            fix="Choose a video with a video stream",
        )
    visuals = library.home.project_dir(project.id, create=True) / "visuals"
    target = visuals / sha256_of(source)[:16] / stored_name(source)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target, temp_name=f".{target.name}.partial", durable=False) as partial:
            try:
                os.link(source, partial)
            except OSError:
                shutil.copyfile(source, partial)
    return target, kind


#: Most bytes kept of a creator's file name's stem (file systems allow 255 bytes a name, and
#: archives refuse long ones).
MAX_NAME_BYTES = 120
_CONTENT_NAME = re.compile(r"^[0-9a-f]{16}$")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")


def stored_name(source: Path) -> str:
    """The creator's file name made safe to keep inside the project: no control characters,
    valid UTF-8, not hidden, a short stem, the suffix in lower case."""
    stem = _CONTROLS.sub("", source.stem)
    stem = stem.encode("utf-8", "replace").decode("utf-8").replace("\ufffd", "_")
    stem = stem.lstrip(".").strip()
    stem = stem.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore").strip() or "visual"
    return stem + _CONTROLS.sub("", source.suffix.lower())


def visual_label(path: Path, *, source: str = "file", kind: str = "image") -> str:
    """What the creator calls a visual: their file's name, or "Generated slide".

    Never a content hash: a file imported before names were kept (``visuals/<hash>.png``) is
    "Picture you chose" or "Clip you chose".
    """
    if source in ("slide", "generated") or path.name.startswith("slide-"):
        return "Generated slide"
    if _CONTENT_NAME.match(path.stem):
        return "Clip you chose" if kind == "video" else "Picture you chose"
    return path.name


def choose_visual(
    library: Library,
    project: Project,
    scene: Scene,
    source: Path,
    *,
    origin: str = "file",
    in_point: float = 0.0,
    motion: str | None = None,
) -> ClipSelection:
    """Make ``source`` (a creator's file or library asset) the scene's visual."""
    path, kind = import_visual(library, project, source)
    return library.select_clip(
        scene,
        path,
        kind=kind,
        source=origin,
        in_point=in_point,
        motion=motion or MOTIONS[(scene.scene_number - 1) % len(MOTIONS)],
    )


def choose_slide(
    library: Library, project: Project, scene: Scene, settings: RenderSettings
) -> ClipSelection:
    slide = ensure_slide(library, project, scene, settings)
    return library.select_clip(
        scene,
        slide,
        kind="image",
        source="slide",
        motion=MOTIONS[(scene.scene_number - 1) % len(MOTIONS)],
    )


def suggest(
    library: Library,
    project: Project,
    scene: Scene,
    settings: RenderSettings,
    assets: Sequence[MediaAsset],
) -> list[dict[str, Any]]:
    """Store and return the scene's candidates: library matches, then its slide."""
    keywords = list(scene.visual_keywords or [])
    matches = match_assets(assets, keywords)
    library_candidates = [
        {
            "path": a.path,
            "kind": a.kind,
            "score": score,
            "title": Path(a.path).name,
            "duration": a.duration,
        }
        for a, score in matches
    ]
    library.set_suggestions(scene, "library", " ".join(keywords), library_candidates)
    slide = ensure_slide(library, project, scene, settings)
    slide_candidate = {
        "path": library.home.rel(slide),
        "kind": "image",
        "score": 0.0,
        "title": "Generated slide",
    }
    library.set_suggestions(scene, "slide", slide_title(scene.text), [slide_candidate])
    return [*library_candidates, slide_candidate]


def source_visuals(
    library: Library,
    project: Project,
    settings: RenderSettings,
    ctx: JobContext,
    *,
    start: float,
    end: float,
    media_folders: Sequence[Path] = (),
    stock: Sequence[str] = (),
) -> None:
    """Suggest visuals for every scene and pick one where the creator hasn't chosen yet.

    ``media_folders`` are every folder to index (the run request's: settings and command line).
    ``stock`` libraries fill the scenes with no visual first (``stock_sourcing.fill_scenes``:
    the creator's matching media, else footage); the rest get a library match or their slide.
    A scene that already has a visual keeps it, and its suggestions once it has some (they
    are not rewritten, so an unchanged re-render writes nothing here).
    """
    report = scaled(ctx.progress, start, end)
    folders = [Path(f) for f in media_folders]
    if folders:
        report(0.0, "Visuals: indexing your media")
        summary = index_media_folders(library, folders).summary()
        if summary:
            ctx.message(summary)
    sourcing = bool(stock) and any(library.selection(s) is None for s in library.scenes(project))
    if sourcing:
        from studio.pipeline.stock_sourcing import fill_scenes  # it builds on this module

        library.set_step(project, "visual-sourcing")
        span = end - start
        fill_scenes(library, project, settings, ctx, stock, start=start + 0.05 * span,
                    end=start + 0.9 * span)  # fmt: skip
    assets = library.media_assets()
    scenes = []
    for scene in library.scenes(project):
        if library.selection(scene) is None:
            scenes.append(scene)
        elif not any(r.source == "slide" for r in library.suggestions(scene)):
            # chosen by hand or from stock: the picker still offers the media and the slide
            suggest(library, project, scene, settings, assets)
    if scenes:
        library.set_step(project, "visual-sourcing")
    used: set[str] = set()
    for index, scene in enumerate(scenes):
        ctx.check()
        report(index / max(1, len(scenes)), f"Visuals: scene {index + 1} of {len(scenes)}")
        candidates = suggest(library, project, scene, settings, assets)
        fresh = [c for c in candidates if c["path"] not in used and c["score"] > 0]
        if fresh:
            used.add(fresh[0]["path"])
            try:
                choose_visual(library, project, scene, Path(fresh[0]["path"]), origin="library")
                continue
            except StudioError as exc:
                ctx.message(f"Skipped {fresh[0]['path']}: {exc.message}")
        choose_slide(library, project, scene, settings)
    if scenes or sourcing:
        library.set_step(project, "visual-curation")
    report(1.0, "Visuals: done")
