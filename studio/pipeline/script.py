"""Stage 1: the script, as ``scenes`` rows, from a topic (Groq) or the creator's own text."""

from __future__ import annotations

import logging

from studio.errors import InputError
from studio.pipeline.drafts import SceneDraft
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.store import Library
from studio.store.models import Project, Scene

log = logging.getLogger(__name__)

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
    drafts = split_script(text, project.target_duration, language=project.language)
    return _store(library, project, drafts)


def script_from_topic(
    library: Library,
    project: Project,
    ctx: JobContext,
    request: RunRequest,
) -> list[Scene]:
    """Ask Groq (key, model and address from ``request``) for a script about the project's
    topic; record tokens per call."""
    from studio.pipeline.groq_script import generate_script

    key = request.groq_key
    if not key:
        raise InputError(
            "Writing a script from a topic needs a Groq API key, and none is set",
            fix="Add one in Settings (or set GROQ_API_KEY), or write the script yourself",
        )
    library.set_step(project, "script-generation")
    ctx.progress(0.0, "Script: asking Groq")
    result = generate_script(
        project.topic,
        project.target_duration or DEFAULT_TOPIC_SECONDS,
        api_key=key,
        model=request.groq_model,
        base_url=request.groq_base_url,
        cancel=ctx.cancel,
        language=project.language,
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
