"""Video templates: explainer (the default), scrolling script, chat story, music video.

Each template is a strategy (``Template``): code elsewhere asks it what it can do (narrated,
needs a song, has characters, its options) and never compares its name. Adding a template
touches this package (and the store's list of names, which the database checks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from studio.errors import InputError
from studio.media.settings import RenderSettings
from studio.pipeline.templates.base import SceneLook, Template, TemplateOption, settings_for
from studio.store import Library
from studio.store.models import Project

__all__ = [
    "SceneLook",
    "Template",
    "TemplateOption",
    "all_templates",
    "create_project",
    "get_template",
    "options_by_key",
    "settings_for",
    "template_names",
]


def _scroll() -> type[Template]:
    from studio.pipeline.templates.scroll import ScrollTemplate

    return ScrollTemplate


def _chat() -> type[Template]:
    from studio.pipeline.templates.chat import ChatTemplate

    return ChatTemplate


def _music() -> type[Template]:
    from studio.pipeline.templates.music import MusicTemplate

    return MusicTemplate


#: The registry: each template's name and its class, imported on first use (a project loads
#: only its own). Plain import statements, not ``importlib``: the app bundler follows these.
#: In the order the creator is offered them; the store keeps the same names (``TEMPLATES``).
_REGISTRY: dict[str, Callable[[], type[Template]]] = {
    "explainer": lambda: Template,
    "scroll": _scroll,
    "chat": _chat,
    "music": _music,
}


def template_names() -> tuple[str, ...]:
    """Every template's name, in the order the creator is offered them."""
    return tuple(_REGISTRY)


def get_template(name: str | None) -> Template:
    """The template called ``name`` (None: the explainer); InputError if there is none."""
    found = _REGISTRY.get(name or "explainer")
    if found is None:
        raise InputError(
            f"There is no template called {name!r}",
            fix=f"Use one of {', '.join(template_names())}",
        )
    return found()()


def all_templates() -> list[Template]:
    """One instance of each template, in the order the creator is offered them."""
    return [get_template(name) for name in template_names()]


def options_by_key(
    templates: Sequence[Template],
) -> dict[str, tuple[TemplateOption, list[str]]]:
    """Each option key the templates declare, with its first declaration and the templates
    that share it (``background``: scroll and chat), in the order the creator is offered them
    (the command line's flags and a batch manifest's columns)."""
    found: dict[str, tuple[TemplateOption, list[str]]] = {}
    for template in templates:
        for option in template.options:
            found.setdefault(option.key, (option, []))[1].append(template.name)
    return found


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
