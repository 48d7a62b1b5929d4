"""Video templates: explainer (the default), scrolling script, chat story, music video."""

from __future__ import annotations

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


def _template_class(name: str) -> type[Template] | None:
    """The class of template ``name``, imported on first use (a project loads only its own).

    Plain import statements, not ``importlib``: the app bundler follows these.
    """
    if name == "explainer":
        return Template
    if name == "scroll":
        from studio.pipeline.templates.scroll import ScrollTemplate

        return ScrollTemplate
    if name == "chat":
        from studio.pipeline.templates.chat import ChatTemplate

        return ChatTemplate
    if name == "music":
        from studio.pipeline.templates.music import MusicTemplate

        return MusicTemplate
    return None


def get_template(name: str | None) -> Template:
    """The template called ``name`` (None: the explainer); InputError if there is none."""
    found = _template_class(name or "explainer")
    if found is None:
        raise InputError(
            f"There is no template called {name!r}", fix=f"Use one of {', '.join(TEMPLATES)}"
        )
    return found()


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
