"""A video's title, description and tags written by a Groq-hosted model from its script.

The client machinery (key checks, retries, cancellation, JSON validation with one repair
request, error messages that never show the key) is ``groq_script``'s; this module only knows
the prompt and what a usable answer looks like.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from studio.errors import InputError
from studio.pipeline.groq_client import (
    BadReply,
    CallUsage,
    SleepFn,
    ask_json,
    check_api_key,
    open_session,
    parse_json_object,
)
from studio.pipeline.groq_script import DEFAULT_MODEL
from studio.progress import CancelToken
from studio.store import metadata as rules

log = logging.getLogger(__name__)

#: The script sent is cut here: enough for a summary, and a bounded prompt whatever its length.
MAX_SCRIPT_CHARS = 12_000
MAX_TAGS = 15

_SCHEMA_TEXT = (
    '{"title": "<at most 70 characters>", '
    '"description": "<2 to 4 sentences, at most 700 characters>", '
    '"tags": ["<8 to 15 tags of 1 to 3 words>"]}'
)
_SYSTEM_PROMPT = (
    "You write the publishing title, description and tags of a short narrated video from its "
    "script. Reply with one JSON object and nothing else, exactly in this shape: "
    f"{_SCHEMA_TEXT}. The title is specific and inviting, never clickbait, with no emoji, "
    "quotes or hashtags. The description says what the viewer learns, in plain sentences "
    "without markdown or hashtags or links. Tags are lower-case search terms. Use only facts "
    "from the script, and write in the script's language. Never use < or >."
)


@dataclass(frozen=True)
class MetadataDraft:
    """A title, description and tags, fitted to the limits video sites set."""

    title: str
    description: str
    tags: list[str]


@dataclass
class MetadataResult:
    """Groq's metadata and what it cost (every call, a repaired reply included)."""

    draft: MetadataDraft
    calls: list[CallUsage] = field(default_factory=list)


def _messages(project_name: str, scene_texts: Sequence[str]) -> list[dict[str, str]]:
    script = "\n\n".join(" ".join(text.split()) for text in scene_texts)
    if len(script) > MAX_SCRIPT_CHARS:
        script = script[:MAX_SCRIPT_CHARS].rsplit(" ", 1)[0] + " …"
    user = f"Working title: {project_name}\n\nScript:\n{script}\n\nReply with the JSON object only."
    return [{"role": "system", "content": _SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _repair_message(problem: str) -> dict[str, str]:
    return {
        "role": "user",
        "content": (
            f"Your reply could not be used: {problem}. Reply again with only the corrected "
            f"JSON object, exactly in this shape: {_SCHEMA_TEXT}."
        ),
    }


def parse_metadata(content: str) -> MetadataDraft:
    """The metadata in the model's reply, fitted to the limits, or ``BadReply`` saying why."""
    data = parse_json_object(content, expected='"title", "description" and "tags"')
    problems = []
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append('"title" must be a non-empty string')
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        problems.append('"description" must be a non-empty string')
    tags = data.get("tags")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.append('"tags" must be a list of strings')
    if problems:
        raise BadReply("; ".join(problems))
    assert isinstance(title, str) and isinstance(description, str) and isinstance(tags, list)
    fitted_title = rules.fit_title(title.strip().strip("\"'“”"))
    if not fitted_title:
        raise BadReply('"title" has no usable words')
    return MetadataDraft(
        fitted_title,
        rules.fit_description(description),
        rules.fit_tags(tag.lower() for tag in tags)[:MAX_TAGS],
    )


def generate_metadata(
    project_name: str,
    scene_texts: Sequence[str],
    *,
    api_key: str,
    model: str = DEFAULT_MODEL,
    base_url: str | None = None,
    timeout: float = 60.0,
    max_attempts: int = 4,
    cancel: CancelToken | None = None,
    sleep: SleepFn | None = None,
) -> MetadataResult:
    """Title, description and tags for the video narrating ``scene_texts``, from Groq.

    Retries, cancellation and the one repair request work as in ``generate_script``.

    Raises:
        InputError: no script, or a missing or malformed key.
        ServiceError: Groq refused, failed or kept replying unusably (a
            ``ScriptServiceError`` whose ``calls`` lists the usage already spent).
        Cancelled: ``cancel`` fired.
    """
    texts = [text for text in scene_texts if text.strip()]
    if not texts:
        raise InputError("The project has no script to describe", fix="Write the script first")
    check_api_key(api_key)
    with open_session(
        api_key,
        model=model,
        base_url=base_url,
        timeout=timeout,
        max_attempts=max_attempts,
        cancel=cancel,
        sleep=sleep,
    ) as session:
        draft = ask_json(
            session,
            _messages(project_name, texts),
            parse_metadata,
            _repair_message,
            what="a usable title, description and tags",
            fix="Try again, or write them yourself",
        )
        log.info("Groq wrote a title and %d tags", len(draft.tags))
        return MetadataResult(draft, list(session.calls))
