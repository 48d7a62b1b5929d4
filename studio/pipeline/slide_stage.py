"""A scene's generated slide: its title, and the picture drawn at the project's size.

Split from ``visuals`` (which re-exports both names): the slide is what a scene shows when
nothing else is chosen, and the title is also a project's name when it has none.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from studio.languages import unless_default
from studio.media.settings import RenderSettings
from studio.media.slides import make_slide
from studio.pipeline.drafts import has_cjk
from studio.store import Library
from studio.store.models import Project, Scene

#: Longest slide title in Japanese or Chinese, in characters (about nine words' worth).
MAX_CJK_TITLE_CHARS = 18


def slide_title(text: str, max_words: int = 9) -> str:
    """A short title for a slide: the scene's first sentence, trimmed (by characters for
    Japanese and Chinese, whose sentences have no spaces to cut at)."""
    first = re.split(r"(?<=[.!?。！？।॥])\s+", text.strip(), maxsplit=1)[0]
    if has_cjk(first):
        first = re.split(r"(?<=[。！？｡])", first, maxsplit=1)[0].rstrip("。｡、，")
        cut = first[:MAX_CJK_TITLE_CHARS]
        return cut + ("…" if len(first) > MAX_CJK_TITLE_CHARS else "")
    words = first.split()
    title = " ".join(words[:max_words])
    return title.rstrip(".,;:") + ("…" if len(words) > max_words else "")


def ensure_slide(
    library: Library, project: Project, scene: Scene, settings: RenderSettings
) -> Path:
    """The scene's generated slide at the project's current size (made if missing)."""
    title = slide_title(scene.text)
    keywords = list(scene.visual_keywords or [])[:4]
    inputs: tuple[object, ...] = (title, keywords, settings.width, settings.height, project.id)
    language = unless_default(project.language)
    if language is not None:  # English slides keep their names (and their caches)
        inputs += (language,)
    digest = hashlib.sha256(repr(inputs).encode()).hexdigest()[:16]
    out = library.home.project_dir(project.id, create=True) / "visuals" / f"slide-{digest}.png"
    if not out.is_file():
        make_slide(
            title,
            keywords,
            (settings.width, settings.height),
            out,
            seed=project.id,
            language=language,
        )
    return out
