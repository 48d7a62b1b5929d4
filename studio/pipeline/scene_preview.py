"""A scene's preview with picture: its segment, made exactly as a render makes it, but small.

The proxy is the scene's real ``SegmentSpec`` (``render.segment_for``: visual, motion,
captions, overlay, padding) with the render settings scaled down to ``PROXY_LONG_SIDE`` pixels
on the long side and encoded with x264's fastest preset, so what the creator sees is what the
render will show, ready about a second after an edit. Proxies live in the home's cache folder
(``cache/scene-previews/<project>/``), named by the segment's key, so asking again for an
unchanged scene runs no ffmpeg at all; an edited scene gets a new name. The folder has one
owner, a ``SegmentCache``; ``PROXY_KEEP`` proxies per project are kept, the oldest removed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from studio.media.segment_cache import SegmentCache
from studio.media.segments import render_segment, segment_key
from studio.media.settings import RenderSettings
from studio.pipeline import render as render_stage
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.pipeline.templates import get_template, settings_for
from studio.store import Library
from studio.store.models import Project, Scene

log = logging.getLogger(__name__)

#: Pixels on the proxy's long side: 9:16 captions stay readable in a popped-out player, and a
#: 5 s scene encodes in well under a second on two cores (docs/benchmarks.md).
PROXY_LONG_SIDE = 480
#: x264's preset for proxies: the fastest; their size doesn't matter, they never leave the cache.
PROXY_PRESET = "ultrafast"
#: Bump when the proxy recipe changes, so old proxies are not shown for new ones.
PROXY_FORMAT = "studio-scene-preview-1"
#: Proxies kept per project (the most recent); older ones are removed after each new one.
PROXY_KEEP = 24


@dataclass(frozen=True)
class ProxySettings(RenderSettings):
    """Render settings at the proxy's size: same aspect, frame rate and captions, fewer pixels.

    Attributes:
        long_side: the frame's long side in pixels (the short one keeps the aspect, even).
    """

    long_side: int = PROXY_LONG_SIDE

    def _size(self) -> tuple[int, int]:
        width, height = super()._size()
        scale = self.long_side / max(width, height)
        return _even(width * scale), _even(height * scale)


def _even(pixels: float) -> int:
    """``pixels`` rounded to an even whole number (H.264 with 4:2:0 needs even sizes)."""
    return max(2, round(pixels / 2) * 2)


def proxy_settings(settings: RenderSettings, long_side: int = PROXY_LONG_SIDE) -> ProxySettings:
    """``settings`` at the proxy's size (music is left out: a segment never carries it)."""
    fields = {k: v for k, v in settings.to_json().items() if k not in ("music_path",)}
    return ProxySettings.from_json({**fields, "long_side": long_side})  # type: ignore[return-value]


@dataclass(frozen=True)
class ScenePreview:
    """A scene's proxy, ready to play.

    Attributes:
        path: the proxy video (H.264 + FLAC in MP4).
        duration: its length in seconds (whole frames, as the render's segment).
        voiced: the scene's voice had to be made first.
        cached: the proxy was already there (no ffmpeg ran).
        chose_visual: the scene had no visual and got the one a render would give it.
    """

    path: Path
    duration: float
    voiced: bool
    cached: bool
    chose_visual: bool = False

    @property
    def changed_scene(self) -> bool:
        """Whether making it changed the saved scene (its voice or its visual)."""
        return self.voiced or self.chose_visual


def preview_cache(library: Library, project_id: str) -> SegmentCache:
    """The cache of a project's scene previews (inside the home's cache folder)."""
    return SegmentCache(library.home.scene_previews_dir / project_id)


def proxy_key(segment: str, settings: ProxySettings) -> str:
    """The proxy's name: the segment's key plus what makes a proxy differ from a segment."""
    payload = repr((PROXY_FORMAT, segment, PROXY_PRESET, settings.width, settings.height))
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def make_scene_preview(
    library: Library, project: Project, scene_id: str, ctx: JobContext
) -> ScenePreview:
    """The proxy of ``scene_id``: voiced first if its audio is missing or stale, given a
    visual the way a render gives one if it has none, then encoded (or found in the cache).

    Raises:
        InputError: the scene can't be shown (no narration, a missing file).
        Cancelled: ``ctx.cancel`` fired (no proxy is left at a finished name).
        MediaError: ffmpeg failed.
    """
    template = get_template(project.template)
    scene = library.scene(scene_id)
    voiced = False
    if not template.voice_is_current(library, project, scene):
        ctx.progress(0.05, f"Voice: scene {scene.scene_number}")
        voiced = template.voice_scene(library, project, scene, ctx)
        scene = library.scene(scene_id)
    ctx.check()
    chose_visual = _ensure_visual(library, project, scene, ctx)
    scene = library.scene(scene_id)
    settings = proxy_settings(settings_for(project))
    cache = preview_cache(library, project.id).ensure()
    spec, _cues = render_stage.segment_for(library, project, scene, settings, cache)
    out = cache.segment(proxy_key(segment_key(spec), settings))
    cached = out.is_file()
    if not cached:
        ctx.progress(0.5, f"Preview: scene {scene.scene_number}")
        render_segment(spec, out, cancel=ctx.cancel, preset=PROXY_PRESET)
        _prune(cache, keep=out)
    ctx.progress(1.0, "Preview: ready")
    return ScenePreview(out, spec.exact_duration, voiced, cached, chose_visual)


def _ensure_visual(library: Library, project: Project, scene: Scene, ctx: JobContext) -> bool:
    """A scene with no visual gets the one a render would give it (the same visuals stage,
    over the library's media folders), so a preview never chooses differently from a render.
    True if it chose one."""
    if get_template(project.template).scene_visual_note is not None:
        return False  # the template draws the scene itself
    if library.selection(scene) is not None:
        return False
    request = RunRequest.from_library(library, groq_key=None)
    get_template(project.template).visuals(
        library,
        project,
        settings_for(project),
        ctx,
        start=0.1,
        end=0.3,
        media_folders=request.media_folders,
    )
    return True


def _prune(cache: SegmentCache, *, keep: Path) -> None:
    """Keep the ``PROXY_KEEP`` newest proxies (and ``keep``); the rest of the folder goes
    (captions and drawings are written again on demand)."""
    proxies = sorted(cache.folder.glob("*.mp4"), key=_mtime, reverse=True)
    cache.prune(keep=[keep, *proxies[:PROXY_KEEP]])


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


__all__ = [
    "PROXY_LONG_SIDE",
    "PROXY_PRESET",
    "ProxySettings",
    "ScenePreview",
    "make_scene_preview",
    "preview_cache",
    "proxy_settings",
]
