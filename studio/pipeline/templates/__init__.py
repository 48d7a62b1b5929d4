"""Video templates: explainer (the default), scrolling script, chat story, music video."""

from __future__ import annotations

import importlib
from typing import Any

from studio.errors import InputError
from studio.media.settings import RenderSettings
from studio.pipeline.templates.base import SceneLook, Template, TemplateOption
from studio.store import Library
from studio.store.models import TEMPLATES, Project

__all__ = [
    "SceneLook",
    "Template",
    "TemplateOption",
    "all_templates",
    "create_project",
    "get_template",
]

#: Where each template lives (imported on first use: a project only loads its own).
_CLASSES = {
    "explainer": ("studio.pipeline.templates.base", "Template"),
    "scroll": ("studio.pipeline.templates.scroll", "ScrollTemplate"),
    "chat": ("studio.pipeline.templates.chat", "ChatTemplate"),
    "music": ("studio.pipeline.templates.music", "MusicTemplate"),
}
assert tuple(_CLASSES) == TEMPLATES


def get_template(name: str | None) -> Template:
    """The template called ``name`` (None: the explainer); InputError if there is none."""
    key = name or "explainer"
    if key not in _CLASSES:
        raise InputError(
            f"There is no template called {name!r}", fix=f"Use one of {', '.join(TEMPLATES)}"
        )
    module, cls = _CLASSES[key]
    template: Template = getattr(importlib.import_module(module), cls)()
    return template


def all_templates() -> list[Template]:
    """One instance of each template, in the order the creator is offered them."""
    return [get_template(name) for name in TEMPLATES]


def create_project(
    library: Library,
    name: str,
    *,
    template: str | None,
    options: dict[str, Any],
    settings: RenderSettings,
    **fields: Any,
) -> Project:
    """A new project of ``template``: options checked first, its files copied into it.

    Nothing is created when an option is wrong (InputError names the fix).
    """
    chosen = get_template(template)
    options = chosen.check_options(library, options)
    settings = chosen.default_render_settings(settings)
    project = library.create_project(
        name,
        template=chosen.name,
        template_options=options,
        render_settings=settings.to_json(),
        **fields,
    )
    try:
        chosen.adopt_files(library, project)
    except BaseException:
        library.delete_project(project)
        raise
    return library.refresh(project)
