"""The scrolling script: the whole script on a tall page that scrolls with the narration.

Each scene is a paragraph of narration (plus any code blocks that follow it, shown but not
read). The page moves evenly during a scene, so the paragraph being read passes the reading
line while it is spoken and the next one arrives as the next scene starts: one continuous,
smooth scroll across the cuts.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from studio.errors import InputError
from studio.languages import unless_default
from studio.media.scroll import ScrollBlock, ScrollPage, parse_blocks, render_scroll_page
from studio.media.segment_cache import SegmentCache
from studio.media.segments import Overlay
from studio.media.settings import RenderSettings
from studio.pipeline.jobs import JobContext
from studio.pipeline.templates.background import BackdropTemplate
from studio.pipeline.templates.base import SceneLook, TemplateOption
from studio.store import Library
from studio.store.models import Project, Scene

DEFAULT_BACKGROUND = "#14213d"
#: Pages drawn in this process, by their content-named file (their block positions with them).
_PAGES: dict[Path, ScrollPage] = {}
_PAGES_KEPT = 8
#: Where the line being read sits, as a fraction of the frame's height from the top.
READING_LINE = 0.3


def group_into_scenes(blocks: list[ScrollBlock]) -> list[str]:
    """Scene texts: each paragraph (with a heading just before it) starts a scene; code
    blocks join the scene before them (or the first one, when the script opens with code)."""
    scenes: list[list[ScrollBlock]] = []
    pending: list[ScrollBlock] = []  # headings and leading code waiting for their paragraph
    for block in blocks:
        if block.kind == "text":
            scenes.append([*pending, block])
            pending = []
        elif block.kind == "code" and scenes and not pending:
            scenes[-1].append(block)
        else:
            pending.append(block)
    if pending:
        if scenes:
            scenes[-1].extend(pending)
        elif any(b.kind == "heading" for b in pending):
            scenes.append(pending)  # only headings and code: the headings are read
    return [blocks_to_text(group) for group in scenes]


def blocks_to_text(blocks: list[ScrollBlock]) -> str:
    """The scene text (markdown-ish) that ``parse_blocks`` reads back as ``blocks``."""
    parts = []
    for block in blocks:
        if block.kind == "code":
            parts.append(f"```\n{block.text}\n```")
        elif block.kind == "heading":
            parts.append(f"{'#' * block.level} {block.text}")
        else:
            parts.append(block.text)
    return "\n\n".join(parts)


class ScrollTemplate(BackdropTemplate):
    name: ClassVar[str] = "scroll"
    label: ClassVar[str] = "Scrolling script"
    tagline: ClassVar[str] = "scrolling script"
    summary: ClassVar[str] = (
        "Your script scrolls over a background in step with the narration; code is shown "
        "in a monospaced panel."
    )
    default_background: ClassVar[str] = DEFAULT_BACKGROUND
    scene_visual_note: ClassVar[str | None] = "Part of the page\nscrolling over the background"
    script_hint: ClassVar[str] = (
        "Paste your script. Each paragraph is a scene; code between ``` fences is shown "
        "in a monospaced panel and not read aloud."
    )
    options: ClassVar[tuple[TemplateOption, ...]] = (
        TemplateOption(
            "background",
            "Background",
            "a colour (#RRGGBB), a picture or a video to scroll over",
            DEFAULT_BACKGROUND,
            kind="backdrop",
            empty_text="a colour like #1d3557, or a picture or video",
            flag_help="#RRGGBB, a picture or a video",
            metavar="COLOUR|FILE",
        ),
    )

    def script_from_text(
        self, library: Library, project: Project, text: str, ctx: JobContext
    ) -> list[Scene]:
        library.set_step(project, "script-generation")
        ctx.progress(0.0, "Script: laying out your script")
        scene_texts = group_into_scenes(parse_blocks(text))
        if not scene_texts:
            raise InputError(
                "The script has nothing to narrate",
                fix="Write at least one paragraph of text (code blocks alone are not read)",
            )
        scenes = library.replace_scenes(project, [(t, []) for t in scene_texts])
        library.set_step(project, "voice")
        return scenes

    def page(
        self, library: Library, project: Project, settings: RenderSettings, workdir: Path
    ) -> tuple[ScrollPage, list[tuple[int, int]]]:
        """The project's page and, per scene, the index range of its blocks."""
        blocks: list[ScrollBlock] = []
        ranges = []
        for scene in library.scenes(project):
            mine = parse_blocks(scene.text)
            ranges.append((len(blocks), len(blocks) + len(mine)))
            blocks.extend(mine)
        language = unless_default(project.language)  # English pages keep their names
        extra = () if language is None else (language,)
        out = SegmentCache(workdir).drawing(
            "scroll-page",
            [(b.kind, b.text) for b in blocks],
            settings.width,
            settings.height,
            *extra,
        )
        page = _PAGES.get(out)
        if page is None or not out.is_file():  # drawn once per render, not once per scene
            page = render_scroll_page(
                blocks,
                width=settings.width,
                frame_height=settings.height,
                out=out,
                language=language,
            )
            if len(_PAGES) >= _PAGES_KEPT:
                _PAGES.clear()
            _PAGES[out] = page
        return page, ranges

    def look(
        self,
        library: Library,
        project: Project,
        scene: Scene,
        settings: RenderSettings,
        workdir: Path,
    ) -> SceneLook:
        page, ranges = self.page(library, project, settings, workdir)
        scenes = library.scenes(project)
        index = next(i for i, s in enumerate(scenes) if s.id == scene.id)
        reading = settings.height * READING_LINE

        def top_of(i: int) -> float:
            first = ranges[i][0]
            return page.block_tops[first] - reading

        start = top_of(index)
        if index + 1 < len(scenes):
            end = top_of(index + 1)
        else:  # the last scene: its last block ends up at the reading line
            end = max(start, page.block_bottoms[ranges[index][1] - 1] - reading)
        path, kind, in_point = self.backdrop(library, project, scene, settings, workdir)
        return SceneLook(
            visual_path=path,
            visual_kind=kind,
            motion="none",
            in_point=in_point,
            overlay=Overlay(page.path, scroll_from=start, scroll_to=end),
            captions=False,
        )
