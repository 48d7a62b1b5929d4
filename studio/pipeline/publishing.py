"""Publishing a finished video: thumbnail variants, its title/description/tags, the JSON beside it.

After every render (``publish_render``) Studio samples a handful of frames in one FFmpeg call and
draws the thumbnail variants with Pillow, keeps the project's metadata in step with its script
(unless Groq or the creator wrote it), and writes ``<video>.json`` for upload tools. None of it
can fail the render: the video is already made and recorded.

Metadata comes from Groq when a key is set and the creator asks (``write_metadata``); otherwise
it is derived from the script offline (``derive_metadata``).
"""

from __future__ import annotations

import bisect
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from studio import __version__
from studio.errors import Cancelled, InputError, StudioError
from studio.media import thumbnails as pictures
from studio.media.ffmpeg import atomic_output
from studio.media.segment_cache import SegmentCache
from studio.media.settings import RenderSettings
from studio.pipeline.credits import project_credits, with_credits
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.pipeline.splitter import split_sentences, visual_keywords
from studio.progress import CancelToken
from studio.savefile import check_output_target, write_atomically
from studio.store import Library
from studio.store import metadata as rules
from studio.store.models import (
    Project,
    PublishingMetadata,
    RenderedVideo,
    Scene,
    Thumbnail,
)

log = logging.getLogger(__name__)

#: The variants every render offers, in order; the first is selected by default.
VARIANTS = ("title", "vivid", "frame-title")
VARIANT_LABELS = {
    "title": "Title card",
    "vivid": "Most colourful frame",
    "frame-title": "Frame with title",
}
#: Frames sampled to find the most colourful one (one per scene, spread over the video).
MAX_SAMPLES = 8
#: A derived description stops after the sentence that passes this many characters.
DESCRIPTION_GOAL = 280
MAX_DERIVED_TAGS = 12
MIN_DERIVED_TAGS = 5
CHAPTER_TITLE_CHARS = 60
SOURCE_LABELS = {"groq": "Groq (AI)", "script": "your script (offline)", "creator": "you"}
_GENERIC_NAME = re.compile(
    r"^(untitled|new project|project|sample|my video|video)( \d+)?( \(copy\))*$", re.IGNORECASE
)


# --- After a render ------------------------------------------------------------------------


def publish_render(
    library: Library,
    project: Project,
    render: RenderedVideo,
    scenes: Sequence[Scene],
    scene_seconds: Sequence[float],
    ctx: JobContext,
    *,
    frames: Sequence[Image.Image] = (),
) -> None:
    """Chapters, metadata, thumbnail variants and the sidecar JSON of a just-recorded render.

    ``scenes`` and ``scene_seconds`` are what was rendered (each scene's exact length in the
    video); ``frames`` its sampled frames if already read (``segment_frames``). Failures are
    logged and told to the creator; the render stands either way.
    """
    try:
        library.set_render_chapters(render, chapters_for(scenes, scene_seconds))
        ensure_metadata(library, project)
    except StudioError as exc:
        log.warning("no chapters or metadata for %s: %s", render.file_path, exc.message)
    render = _reloaded(library, project, render)
    try:
        make_thumbnail_variants(library, project, render, cancel=ctx.cancel, frames=frames)
    except Cancelled:
        log.info("thumbnail variants skipped: the render was cancelled after it finished")
    except StudioError as exc:
        log.warning("no thumbnail variants for %s: %s", render.file_path, exc.message)
        ctx.message(f"The video is fine, but its thumbnail choices could not be made: {exc.what}")
    except Exception:  # a bug here must not lose a finished render
        log.exception("making thumbnail variants failed")
    try:
        export_publishing(library, project, render=_reloaded(library, project, render))
    except StudioError as exc:
        log.warning("no publishing JSON for %s: %s", render.file_path, exc.message)
        ctx.message(f"The video is fine, but its publishing file could not be written: {exc.what}")


def _reloaded(library: Library, project: Project, render: RenderedVideo) -> RenderedVideo:
    """``render`` as the store has it now (its chapters and thumbnail written since)."""
    return next((r for r in library.renders(project) if r.id == render.id), render)


def chapters_for(scenes: Sequence[Scene], scene_seconds: Sequence[float]) -> list[dict[str, Any]]:
    """One chapter per scene: where it starts in the video (seconds) and a short title."""
    chapters = []
    offset = 0.0
    for scene, seconds in zip(scenes, scene_seconds, strict=True):
        chapters.append({"start": round(offset, 3), "title": chapter_title(scene.text)})
        offset += seconds
    return chapters


def chapter_title(text: str) -> str:
    """A scene's chapter title: its first sentence, shortened at a word."""
    sentences = split_sentences(text) or [text]
    first = " ".join(sentences[0].split()).rstrip(".!?…。！？ ")
    if len(first) <= CHAPTER_TITLE_CHARS:
        return first
    cut = first[: CHAPTER_TITLE_CHARS - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


# --- Thumbnails ----------------------------------------------------------------------------


def make_thumbnail_variants(
    library: Library,
    project: Project,
    render: RenderedVideo,
    *,
    cancel: CancelToken | None = None,
    frames: Sequence[Image.Image] = (),
) -> list[Thumbnail]:
    """Draw ``VARIANTS`` for ``render`` beside its video and record them (the first selected).

    ``frames`` are the sampled frames when the render already has them (``segment_frames``);
    otherwise they are read from the video.

    Raises:
        InputError: the video file is missing.
        MediaError: FFmpeg could not read the video, or a picture could not be saved.
        Cancelled: ``cancel`` fired.
    """
    video = library.home.abs(render.file_path)
    if not video.is_file():
        raise InputError("The rendered video is missing", where=str(video), fix="Render again")
    if not frames:
        settings = RenderSettings.from_stored(render.settings)
        size = pictures.thumbnail_size(settings.width, settings.height)
        duration = float(render.duration_seconds)
        times = sample_times(render, duration)
        frames = pictures.sample_frames(video, times, size, cancel=cancel)
    vivid = frames[pictures.most_colourful(frames)]
    title = _thumbnail_title(library, project)
    drawn = {
        "title": pictures.title_card(vivid, title),
        "vivid": vivid,
        "frame-title": pictures.title_band(frames[0], title),
    }
    saved = [
        (variant, pictures.save_jpeg(drawn[variant], _variant_path(video, variant)))
        for variant in VARIANTS
    ]
    return library.record_thumbnails(render, saved)


@dataclass(frozen=True)
class RedrawnThumbnails:
    """The outcome of ``redraw_thumbnails``.

    Attributes:
        title: the title the pictures now show.
        thumbnails: the latest render's variants, the creator's choice still selected.
    """

    title: str
    thumbnails: list[Thumbnail]


def redraw_thumbnails(
    library: Library, project: Project, *, cancel: CancelToken | None = None
) -> RedrawnThumbnails:
    """Draw the latest render's variants again with the saved title (after the title changed),
    keeping the variant the creator chose; the JSON beside the video follows.

    Raises:
        InputError: no render yet, or its video is missing.
        MediaError: FFmpeg could not read the video, or a picture could not be saved.
        Cancelled: ``cancel`` fired (the pictures are left as they were).
    """
    render = latest_render(library, project)
    chosen = next((t.variant for t in library.thumbnails(render) if t.is_selected), None)
    ensure_metadata(library, project)  # what the render would draw: the form's suggestion too
    title = _thumbnail_title(library, project)
    rows = make_thumbnail_variants(library, project, render, cancel=cancel)
    again = next((row for row in rows if row.variant == chosen and not row.is_selected), None)
    if again is not None:
        library.select_thumbnail(again)
    refresh_sidecar(library, project)
    return RedrawnThumbnails(title, library.thumbnails(render))


def sample_times(render: RenderedVideo, duration: float) -> list[float]:
    """A third of the way in first (the frame-with-title variant), then the middle of each
    scene (at most ``MAX_SAMPLES`` - 1, spread evenly), else points spread over the video."""
    chapters = (render.settings or {}).get("chapters") or []
    return times_for([float(c["start"]) for c in chapters], duration)


def times_for(scene_starts: Sequence[float], duration: float) -> list[float]:
    """``sample_times`` from the scenes' start times (seconds) and the video's length."""
    last = max(0.0, duration - 0.1)
    starts = [*scene_starts, duration]
    middles = [(a + b) / 2 for a, b in zip(starts, starts[1:], strict=False)]
    if len(middles) < 3:
        middles = [duration * f for f in (0.15, 0.5, 0.85)]
    elif len(middles) > MAX_SAMPLES - 1:
        step = len(middles) / (MAX_SAMPLES - 1)
        middles = [middles[int(i * step)] for i in range(MAX_SAMPLES - 1)]
    return [min(last, max(0.0, t)) for t in (duration / 3, *middles)]


def segment_frames(
    segments: Sequence[Path],
    scene_seconds: Sequence[float],
    settings: RenderSettings,
    *,
    cancel: CancelToken | None = None,
) -> list[Image.Image]:
    """The frames ``make_thumbnail_variants`` samples, read from a render's segments before
    they are joined, and cached beside them (``SegmentCache.frame``).

    A segment is named by its content, so after a one-scene change only that scene's frame is
    decoded again; the others come from the cache. Frames are the same as in the joined video.
    """
    size = pictures.thumbnail_size(settings.width, settings.height)
    starts = [sum(scene_seconds[:i]) for i in range(len(scene_seconds))]
    wanted: list[tuple[Path, float, Path]] = []
    for moment in times_for(starts, sum(scene_seconds)):
        index = max(0, bisect.bisect_right(starts, moment) - 1)
        local = max(0.0, min(moment - starts[index], scene_seconds[index] - 0.05))
        segment = Path(segments[index])
        cached = SegmentCache(segment.parent).frame(segment, local)
        wanted.append((segment, local, cached))
    missing = list({c: (seg, t) for seg, t, c in wanted if not c.is_file()}.items())
    if missing:
        fresh = pictures.sample_frames_at([source for _, source in missing], size, cancel=cancel)
        for (cached, _), frame in zip(missing, fresh, strict=True):
            with atomic_output(cached) as partial:
                frame.save(partial, format="JPEG", quality=95)
    frames = []
    for _, _, cached in wanted:
        with Image.open(cached) as image:
            frames.append(image.convert("RGB"))
    return frames


def _variant_path(video: Path, variant: str) -> Path:
    return video.with_name(f"{video.stem}-thumb-{variant}.jpg")


def _thumbnail_title(library: Library, project: Project) -> str:
    metadata = library.publishing(project)
    return metadata.title if metadata is not None and metadata.title else project.name


def choose_thumbnail(library: Library, project: Project, variant: str) -> Thumbnail:
    """Select ``variant`` among the latest render's thumbnails; the JSON beside it follows.

    Raises:
        InputError: no render yet, or no such variant.
    """
    render = latest_render(library, project)
    offered = library.thumbnails(render)
    found = next((t for t in offered if t.variant == variant), None)
    if found is None:
        names = ", ".join(t.variant for t in offered) or "none yet"
        raise InputError(
            f"The latest render of {project.name!r} has no thumbnail {variant!r}",
            fix=f"Choose one of: {names}",
        )
    chosen = library.select_thumbnail(found)
    refresh_sidecar(library, project)
    return chosen


# --- Metadata ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DerivedMetadata:
    """A title, description and tags derived from a script, fitted to the limits."""

    title: str
    description: str
    tags: list[str]


@dataclass(frozen=True)
class WrittenMetadata:
    """The outcome of ``write_metadata``.

    Attributes:
        metadata: the saved row.
        by_ai: Groq wrote it (False: derived from the script, as no key is set).
        note: one sentence for the creator about what happened.
    """

    metadata: PublishingMetadata
    by_ai: bool
    note: str


def derive_metadata(project_name: str, scenes: Sequence[Scene]) -> DerivedMetadata:
    """Metadata from the script alone: the project's name as title (or the first sentence
    when the name is a placeholder), the opening sentences as description, and the most
    frequent meaningful words and scene keywords as tags."""
    # A music video's slide captions repeat cut after cut: each text counts once.
    text = "\n\n".join(dict.fromkeys(scene.text for scene in scenes))
    sentences = [" ".join(s.split()) for s in split_sentences(text)] if text.strip() else []
    name = " ".join(project_name.split())
    if name and not name.endswith("…") and not _GENERIC_NAME.match(name):
        title = rules.fit_title(name)
    else:
        title = rules.fit_title(sentences[0].rstrip(".") if sentences else name)
    description = ""
    for sentence in sentences:
        description = f"{description} {sentence}".strip()
        if len(description) >= DESCRIPTION_GOAL:
            break
    tags = _derived_tags(text, scenes)
    return DerivedMetadata(
        title or "Untitled video",
        rules.fit_description(description),
        rules.fit_tags(tags)[:MAX_DERIVED_TAGS],
    )


def _derived_tags(text: str, scenes: Sequence[Scene]) -> list[str]:
    """Words the script keeps coming back to: how often each meaningful word is said, plus
    half a point for each scene listing it as a keyword. Words said once make up the numbers
    only when fewer than ``MIN_DERIVED_TAGS`` come back."""
    if not text.strip():
        return []
    lowered = text.lower()
    scores: dict[str, float] = {}
    for word in visual_keywords(text, limit=40):
        key = word.lower()
        scores[key] = float(len(re.findall(rf"\b{re.escape(key)}\b", lowered)))
    for scene in scenes:
        for keyword in {k.strip().lower() for k in scene.visual_keywords or [] if k.strip()}:
            scores[keyword] = scores.get(keyword, 0.0) + 0.5
    ranked = sorted(scores, key=lambda tag: -scores[tag])  # stable: the more telling first
    repeated = [tag for tag in ranked if scores[tag] >= 2]
    if len(repeated) < MIN_DERIVED_TAGS:
        repeated += [tag for tag in ranked if scores[tag] < 2][: MIN_DERIVED_TAGS - len(repeated)]
    return repeated


def ensure_metadata(library: Library, project: Project) -> PublishingMetadata:
    """The project's metadata, derived from the script when it has none; while it is still the
    derived one, it is derived again, so it follows the script's edits. What Groq or the
    creator wrote is kept."""
    derived = derive_metadata(project.name, library.scenes(project))
    return library.set_publishing(
        project,
        title=derived.title,
        description=derived.description,
        tags=derived.tags,
        source="script",
        keep_sources=("groq", "creator"),
    )


def write_metadata(
    library: Library,
    project: Project,
    request: RunRequest,
    *,
    timeout: float = 60.0,
    cancel: CancelToken | None = None,
    sleep: Any = None,
) -> WrittenMetadata:
    """(Re)write the project's metadata: by Groq when ``request`` has a key, else from the
    script.

    Groq's calls are recorded (purpose "metadata"), failed ones included. The JSON beside the
    latest video follows.

    Raises:
        InputError: the project has no script yet.
        ServiceError: Groq failed (the metadata is left as it was).
        Cancelled: ``cancel`` fired.
    """
    from studio.pipeline.groq_client import ScriptServiceError
    from studio.pipeline.groq_metadata import generate_metadata

    scenes = library.scenes(project)
    if not scenes:
        raise InputError(
            f"{project.name!r} has no script yet, so there is nothing to describe",
            fix="Write or paste the script first",
        )
    key = request.groq_key
    if not key:
        derived = derive_metadata(project.name, scenes)
        row = library.set_publishing(
            project,
            title=derived.title,
            description=derived.description,
            tags=derived.tags,
            source="script",
        )
        refresh_sidecar(library, project)
        return WrittenMetadata(
            row,
            False,
            "No Groq API key is set, so Studio wrote these from your script. Add a key in "
            "Settings (or set GROQ_API_KEY) to have AI write them.",
        )
    try:
        result = generate_metadata(
            project.name,
            [scene.text for scene in scenes],
            api_key=key,
            model=request.groq_model,
            base_url=request.groq_base_url,
            timeout=timeout,
            cancel=cancel,
            sleep=sleep,
        )
    except ScriptServiceError as exc:
        _record_calls(library, project, exc.calls)
        raise
    _record_calls(library, project, result.calls)
    draft = result.draft
    row = library.set_publishing(
        project, title=draft.title, description=draft.description, tags=draft.tags, source="groq"
    )
    refresh_sidecar(library, project)
    return WrittenMetadata(row, True, "Written by AI (Groq) from your script.")


def _record_calls(library: Library, project: Project, calls: Sequence[Any]) -> None:
    for call in calls:
        library.record_llm_call(
            project,
            None,
            model=call.model,
            prompt_tokens=call.prompt_tokens,
            completion_tokens=call.completion_tokens,
            total_tokens=call.total_tokens,
            purpose="metadata",
        )


def save_metadata(
    library: Library,
    project: Project,
    *,
    title: str | None = None,
    description: str | None = None,
    tags: Sequence[str] | None = None,
) -> PublishingMetadata:
    """The creator's edit (fields left None are kept); the JSON beside the video follows.

    Raises:
        InputError: a value past its limit, or an empty title.
    """
    ensure_metadata(library, project)
    row = library.set_publishing(project, title=title, description=description, tags=tags)
    refresh_sidecar(library, project)
    return row


# --- The JSON beside the video -------------------------------------------------------------


def latest_render(library: Library, project: Project) -> RenderedVideo:
    """The project's newest render, or InputError saying how to make one."""
    renders = library.renders(project)
    if not renders:
        raise InputError(
            f"{project.name!r} has no render yet",
            fix=f'Render it first (the Render button, or: studio render "{project.name}")',
        )
    return renders[0]


def publishing_document(
    library: Library, project: Project, render: RenderedVideo
) -> dict[str, Any]:
    """What upload tools need about ``render``: metadata, chapters, the files beside it."""
    metadata = library.publishing(project) or ensure_metadata(library, project)
    settings = RenderSettings.from_stored(render.settings)
    video = library.home.abs(render.file_path)
    chapters = (render.settings or {}).get("chapters")
    if chapters is None:  # a render made before chapters were kept: the scenes as they are now
        scenes = library.scenes(project)
        chapters = chapters_for(scenes, [float(s.duration or 0.0) for s in scenes])
    thumbnails = library.thumbnails(render)
    credits = project_credits(library, project)
    return {
        "title": metadata.title,
        "description": with_credits(metadata.description, credits),
        "tags": list(metadata.tags or []),
        "metadata_written_by": metadata.source,
        "video": video.name,
        "folder": str(video.parent),
        "duration": round(float(render.duration_seconds), 3),
        "resolution": f"{settings.width}x{settings.height}",
        "aspect": settings.aspect,
        "fps": settings.fps,
        "chapters": [
            {"start": c["start"], "timestamp": timestamp(c["start"]), "title": c["title"]}
            for c in chapters
        ],
        "thumbnail": Path(render.thumbnail_path).name if render.thumbnail_path else None,
        "thumbnails": [
            {"variant": t.variant, "file": Path(t.image_path).name, "selected": t.is_selected}
            for t in thumbnails
        ],
        "captions": Path(render.srt_path).name if render.srt_path else None,
        "credits": [credit.to_json() for credit in credits],
        "rendered_at": render.created_at.isoformat(timespec="seconds"),
        "studio_version": __version__,
    }


def timestamp(seconds: float) -> str:
    """``seconds`` as a chapter timestamp: "0:00", "1:05", "1:02:03"."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def export_publishing(
    library: Library,
    project: Project,
    target: Path | None = None,
    *,
    render: RenderedVideo | None = None,
) -> Path:
    """Write the publishing JSON of ``render`` (default: the latest) to ``target`` (default:
    ``<video stem>.json`` beside the video); return its path.

    A ``target`` the creator chose is checked first (``savefile.check_output_target``: never
    the library's own files, a folder or an unwritable place); the file is replaced atomically.

    Raises:
        InputError: no render yet, ``target`` can't be written, or the write failed.
    """
    if target is not None:
        target = check_output_target(target, library.home)
    render = render or latest_render(library, project)
    video = library.home.abs(render.file_path)
    target = target if target is not None else video.with_suffix(".json")
    text = json.dumps(publishing_document(library, project, render), indent=2, ensure_ascii=False)
    return write_atomically(target, text + "\n")


def refresh_sidecar(library: Library, project: Project) -> Path | None:
    """Rewrite the JSON beside the latest video (after an edit); None when there is no video."""
    renders = library.renders(project)
    if not renders or not library.home.abs(renders[0].file_path).is_file():
        return None
    return export_publishing(library, project, render=renders[0])
