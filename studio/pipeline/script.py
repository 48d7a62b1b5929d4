"""Stage 1: the script, as ``scenes`` rows, from a topic (Groq) or the creator's own text."""

from __future__ import annotations

import logging

from studio.errors import InputError
from studio.pipeline.drafts import SceneDraft
from studio.pipeline.jobs import JobContext
from studio.store import Library
from studio.store.models import Project, Scene

log = logging.getLogger(__name__)

SETTING_GROQ_MODEL = "groq_model"
SETTING_GROQ_BASE_URL = "groq_base_url"
DEFAULT_TOPIC_SECONDS = 60.0


def _store(library: Library, project: Project, drafts: list[SceneDraft]) -> list[Scene]:
    scenes = library.replace_scenes(project, [(d.text, d.visual_keywords) for d in drafts])
    library.set_step(project, "voice")
    return scenes


def script_from_text(library: Library, project: Project, text: str, ctx: JobContext) -> list[Scene]:
    """Split the creator's text into scenes toward the project's target duration (offline)."""
    from studio.pipeline.splitter import split_script

    library.set_step(project, "script-generation")
    ctx.progress(0.0, "Script: splitting your text into scenes")
    drafts = split_script(text, project.target_duration)
    return _store(library, project, drafts)


def script_from_topic(
    library: Library,
    project: Project,
    ctx: JobContext,
    *,
    api_key: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
) -> list[Scene]:
    """Ask Groq for a script about the project's topic; record tokens per call."""
    from studio.pipeline.groq_script import DEFAULT_MODEL, generate_script
    from studio.secrets import get_groq_key

    key = api_key or get_groq_key()
    if not key:
        raise InputError(
            "Writing a script from a topic needs a Groq API key, and none is set",
            fix="Add one in Settings or set GROQ_API_KEY, or write the script yourself "
            "with --script FILE",
        )
    library.set_step(project, "script-generation")
    ctx.progress(0.0, "Script: asking Groq")
    result = generate_script(
        project.topic,
        project.target_duration or DEFAULT_TOPIC_SECONDS,
        api_key=key,
        model=model or library.get_setting(SETTING_GROQ_MODEL) or DEFAULT_MODEL,
        base_url=base_url or library.get_setting(SETTING_GROQ_BASE_URL),
        cancel=ctx.cancel,
    )
    for call in result.calls:
        library.record_llm_call(
            project,
            ctx.job,
            model=call.model,
            prompt_tokens=call.prompt_tokens,
            completion_tokens=call.completion_tokens,
            total_tokens=call.total_tokens,
        )
    return _store(library, project, result.scenes)
