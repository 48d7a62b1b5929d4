"""The backdrop of the scroll and chat templates: a colour, a picture, or a clip that plays on.

A clip runs continuously under the whole video: each scene starts where the previous one
stopped (wrapping at the clip's end), so cuts between scenes are invisible.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image, ImageDraw

from studio.errors import InputError
from studio.media.ffmpeg import atomic_output
from studio.media.probe import probe
from studio.media.segment_cache import SegmentCache
from studio.media.settings import RenderSettings
from studio.pipeline import visuals as visuals_stage
from studio.pipeline.jobs import JobContext
from studio.pipeline.templates.base import Template, options_of
from studio.store import Library
from studio.store.models import STEPS, Project, Scene

_COLOUR = re.compile(r"^#?(?P<hex>[0-9a-fA-F]{6})$")


def is_colour(value: str) -> bool:
    """True for ``#RRGGBB`` (the leading ``#`` optional)."""
    return bool(_COLOUR.match(value.strip()))


def check_background(value: Any, what: str = "background") -> str:
    """A colour (``#RRGGBB``) or an existing picture/clip path, else InputError."""
    text = str(value or "").strip()
    if not text:
        raise InputError(f"The {what} is empty", fix="Give a colour like #1d3557 or a file")
    if is_colour(text):
        return "#" + text.lstrip("#").lower()
    path = Path(text).expanduser()
    if not path.is_file():
        raise InputError(
            f"The {what} is neither a colour nor a file",
            where=text,
            fix="Give a colour like #1d3557, or the path of a picture or video",
        )
    if visuals_stage.media_kind(path) is None:
        raise InputError(
            f"Studio can't use this file as a {what}",
            where=text,
            fix="Choose a picture (JPG, PNG, WebP) or a video (MP4, MOV, MKV, WebM)",
        )
    return str(path.resolve())


def adopt_background(library: Library, project: Project, value: str) -> str:
    """Copy a background file into the project; return what to store (colour or home path)."""
    if is_colour(value):
        return value
    target, _kind = visuals_stage.import_visual(library, project, Path(value))
    return library.home.rel(target)


def colour_card(colour: str, settings: RenderSettings, folder: Path) -> Path:
    """A full-frame PNG of ``colour`` with a soft vertical gradient (made once, by content)."""
    hex_value = colour.lstrip("#").lower()
    size = (settings.width, settings.height)
    out = SegmentCache(folder).colour_card(colour, size)
    if out.is_file():
        return out
    r, g, b = (int(hex_value[i : i + 2], 16) for i in (0, 2, 4))
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(size[1]):
        shade = 1.0 - 0.35 * y / max(1, size[1] - 1)  # lighter at the top
        draw.line([(0, y), (size[0], y)], fill=(int(r * shade), int(g * shade), int(b * shade)))
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_output(out) as partial:
        image.save(partial, format="PNG")
    return out


def scene_starts(scenes: list[Scene], settings: RenderSettings, padding: float) -> list[float]:
    """Where each scene starts in the video (seconds; segments are whole frames long)."""
    starts, at = [], 0
    for scene in scenes:
        starts.append(at / settings.fps)
        length = float(scene.duration or 0.0) + padding
        at += max(1, math.ceil(length * settings.fps - 1e-6))  # as SegmentSpec.frame_count
    return starts


def background_for(
    library: Library,
    project: Project,
    scene: Scene,
    settings: RenderSettings,
    *,
    value: str,
    padding: float,
    workdir: Path,
) -> tuple[Path, str, float]:
    """The scene's backdrop: (path, "image"|"video", in-point into the clip).

    A colour becomes a card in ``workdir`` (the render's cache, which the render prunes).
    """
    if is_colour(value):
        return colour_card(value, settings, workdir), "image", 0.0
    path = library.home.abs(value)
    kind = visuals_stage.media_kind(path) or "image"
    if kind != "video":
        return path, "image", 0.0
    clip = probe(path).duration
    scenes = library.scenes(project)
    index = next(i for i, s in enumerate(scenes) if s.id == scene.id)
    start = scene_starts(scenes, settings, padding)[index]
    return path, "video", start % clip if clip > 0.5 else 0.0


def content_name(prefix: str, *parts: object) -> str:
    """A file name that changes whenever ``parts`` do."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    return f"{prefix}-{digest}.png"


class BackdropTemplate(Template):
    """A template that draws every scene itself over one backdrop (scroll, chat).

    Shares the ``background`` option (checked, copied into the project), captions off (the
    words are already on screen), no per-scene visuals to pick, and the scene's backdrop.

    Attributes:
        default_background: the colour used when the creator gives none.
    """

    default_background: ClassVar[str] = "#1b2a41"
    render_settings = Template.render_settings - {"captions", "caption_style"}
    render_settings_note = "The words are already on screen, so there are no captions to burn in."

    def background(self, project: Project) -> str:
        return str(options_of(project).get("background", self.default_background))

    def check_options(self, library: Library, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = super().check_options(library, options)
        cleaned["background"] = check_background(cleaned.get("background", self.default_background))
        return cleaned

    def default_render_settings(self, settings: RenderSettings) -> RenderSettings:
        return replace(settings, captions=False)  # the words are already on screen

    def adopt_files(self, library: Library, project: Project) -> None:
        stored = adopt_background(library, project, self.background(project))
        options = options_of(project)
        library.update_project(project, template_options={**options, "background": stored})

    def visuals(
        self,
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
        if STEPS.index(library.refresh(project).current_step) < STEPS.index("visual-curation"):
            library.set_step(project, "visual-curation")  # the template draws: nothing to pick
        ctx.progress(end, "Visuals: done")

    def backdrop(
        self,
        library: Library,
        project: Project,
        scene: Scene,
        settings: RenderSettings,
        workdir: Path,
        *,
        padding: float = 0.0,
    ) -> tuple[Path, str, float]:
        """The scene's backdrop: (path, "image"|"video", in-point), see ``background_for``."""
        return background_for(
            library,
            project,
            scene,
            settings,
            value=self.background(project),
            padding=padding,
            workdir=workdir,
        )
