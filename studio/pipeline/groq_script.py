"""A narration script written by a Groq-hosted model from the creator's topic.

The prompt, the topic and length checks, and the reply's shape (scenes with narration and
visual keywords); talking to Groq (retries, cancellation, errors, one repair request for a
reply that is not the JSON asked for) is ``studio.pipeline.groq_client``'s.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from studio.errors import InputError
from studio.languages import DEFAULT_LANGUAGE, get_language
from studio.pipeline.drafts import (
    CHARS_PER_MINUTE,
    WORDS_PER_MINUTE,
    SceneDraft,
    estimate_seconds,
    scene_seconds_for,
)
from studio.pipeline.splitter import visual_keywords
from studio.progress import CancelToken
from studio.store.usage import DEFAULT_GROQ_MODEL

if TYPE_CHECKING:
    pass

from studio.pipeline.groq_client import (
    BadReply,
    CallUsage,
    SleepFn,
    ask_json,
    check_api_key,
    open_session,
    parse_json_object,
)

log = logging.getLogger(__name__)

DEFAULT_MODEL = DEFAULT_GROQ_MODEL
#: Longest topic accepted; a topic is a sentence or two, not a script.
MAX_TOPIC_CHARS = 2000
#: Longest video one request may ask for (about 4,500 words fits a model's output limit).
MAX_TARGET_SECONDS = 30 * 60.0

_SCHEMA_TEXT = (
    '{"scenes": [{"text": "<what the narrator says>", '
    '"visual_keywords": ["<2 to 4 words to search stock footage>"], '
    '"estimated_duration": <seconds of speech, a number>}]}'
)
_SYSTEM_PROMPT = (
    "You write narration scripts for short explainer videos. Reply with one JSON object "
    f"and nothing else, exactly in this shape: {_SCHEMA_TEXT}. "
    "Each scene's text is spoken aloud: plain sentences, no markdown, no lists, no emoji, "
    "no stage directions, no URLs. Write in the language of the topic. visual_keywords are "
    "concrete things a camera could film. Facts must be accurate; do not invent statistics."
)
#: For a project in another language than American English: the script in that language,
#: the keywords in English (stock libraries search best in English).
_LANGUAGE_RULE = (
    "Write every scene's text in {language}, whatever the topic's language. Write "
    "visual_keywords in English (they search English stock footage libraries)."
)


def system_prompt(language: str = DEFAULT_LANGUAGE) -> str:
    """The system message for a script in ``language`` (a ``studio.languages`` code)."""
    lang = get_language(language)
    if lang.code == DEFAULT_LANGUAGE:
        return _SYSTEM_PROMPT
    rule = _LANGUAGE_RULE.format(language=lang.prompt_name)
    return _SYSTEM_PROMPT.replace("Write in the language of the topic.", rule)


@dataclass
class ScriptResult:
    """A generated script and what it cost.

    Attributes:
        scenes: the narration, one draft per scene.
        calls: usage of every call made, including a reply that had to be repaired.
    """

    scenes: list[SceneDraft]
    calls: list[CallUsage] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        return sum(call.total_tokens for call in self.calls)


def check_topic(topic: str) -> str:
    """``topic`` with its whitespace tidied, or InputError if it is empty or too long.

    Public so the CLI and GUI can refuse a bad topic before starting any work.
    """
    if not isinstance(topic, str) or not topic.strip():
        raise InputError("The topic is empty", fix="Describe what the video should be about")
    topic = " ".join(topic.split())
    if len(topic) > MAX_TOPIC_CHARS:
        raise InputError(
            f"The topic is too long ({len(topic):,} characters; the limit is {MAX_TOPIC_CHARS:,})",
            fix="Shorten it to a few sentences, or paste your text as your own script instead",
        )
    return topic


def _check_request(target_seconds: float, api_key: str, max_attempts: int) -> None:
    """Refuse a length or key no request should be sent with."""
    if (
        isinstance(target_seconds, bool)
        or not isinstance(target_seconds, int | float)
        or not 0 < target_seconds <= MAX_TARGET_SECONDS  # also refuses NaN
    ):
        raise InputError(
            f"The video length {target_seconds!r} s is not usable",
            fix=f"Choose more than 0 and at most {MAX_TARGET_SECONDS / 60:.0f} minutes",
        )
    check_api_key(api_key)
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")


# --- Prompt and reply ----------------------------------------------------------------------


def _messages(
    topic: str, target_seconds: float, language: str = DEFAULT_LANGUAGE
) -> list[dict[str, str]]:
    """System and user messages asking for a script of ``target_seconds`` in ``language``
    (its length in characters for Japanese and Chinese, in words otherwise)."""
    lang = get_language(language)
    per_minute = CHARS_PER_MINUTE.get(lang.code, WORDS_PER_MINUTE)
    unit = "characters" if lang.code in CHARS_PER_MINUTE else "words"
    words = max(10, round(target_seconds * per_minute / 60))
    scenes = max(1, round(target_seconds / scene_seconds_for(target_seconds)))
    user = (
        f"Topic: {topic}\n\n"
        f"Write a narration of about {target_seconds:.0f} seconds, which is about {words} "
        f"{unit} in total at {per_minute:.0f} {unit} per minute. Split it into {scenes} "
        f"scene{'s' if scenes != 1 else ''} of about {words / scenes:.0f} {unit} each, "
        "in the order they are narrated."
        + (f" Write it in {lang.prompt_name}." if lang.code != DEFAULT_LANGUAGE else "")
        + " Reply with the JSON object only."
    )
    log.info("Asking Groq for %d scenes, about %d %s", scenes, words, unit)
    return [
        {"role": "system", "content": system_prompt(lang.code)},
        {"role": "user", "content": user},
    ]


def _repair_message(problem: str) -> dict[str, str]:
    """The follow-up asking the model to fix its own reply."""
    return {
        "role": "user",
        "content": (
            f"Your reply could not be used: {problem}. Reply again with only the corrected "
            f"JSON object, exactly in this shape: {_SCHEMA_TEXT}. Keep the narration that "
            "was fine."
        ),
    }


def _scene_problem(number: int, scene: object) -> str | None:
    """What is wrong with one scene object, or None if it is usable."""
    if not isinstance(scene, dict):
        return f"scene {number} is not an object"
    text = scene.get("text")
    if not isinstance(text, str) or not text.strip():
        return f'scene {number} has no "text" string'
    keywords = scene.get("visual_keywords")
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        return f'scene {number}: "visual_keywords" must be a list of strings'
    duration = scene.get("estimated_duration")
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not math.isfinite(duration)
        or duration <= 0
    ):
        return f'scene {number}: "estimated_duration" must be a positive number of seconds'
    return None


def _scene_parser(language: str) -> Callable[[str], list[SceneDraft]]:
    """``_parse_scenes`` for a script in ``language`` (its durations by that language's pace)."""
    return lambda content: _parse_scenes(content, language)


def _parse_scenes(content: str, language: str = DEFAULT_LANGUAGE) -> list[SceneDraft]:
    """Scene drafts from the model's reply, or ``BadReply`` saying what is wrong.

    Durations are re-estimated from the text (``estimate_seconds``) so generated and
    hand-written scenes are measured alike; the model's own figure is only validated.
    """
    scenes = parse_json_object(content, expected='"scenes"').get("scenes")
    if not isinstance(scenes, list) or not scenes:
        raise BadReply('"scenes" must be a non-empty list of scene objects')
    problems = [p for n, s in enumerate(scenes, 1) if (p := _scene_problem(n, s)) is not None]
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise BadReply("; ".join(problems[:3]) + more)
    drafts = []
    for scene in scenes:
        text = " ".join(scene["text"].split())
        keywords = list(dict.fromkeys(k.strip() for k in scene["visual_keywords"] if k.strip()))
        drafts.append(
            SceneDraft(
                text, keywords[:6] or visual_keywords(text), estimate_seconds(text, language)
            )
        )
    return drafts


def generate_script(
    topic: str,
    target_seconds: float,
    *,
    api_key: str,
    model: str = DEFAULT_MODEL,
    base_url: str | None = None,
    timeout: float = 60.0,
    max_attempts: int = 4,
    cancel: CancelToken | None = None,
    sleep: SleepFn | None = None,
    language: str = DEFAULT_LANGUAGE,
) -> ScriptResult:
    """Scenes narrating ``topic`` in about ``target_seconds`` (the whole video), from Groq.

    Each HTTP request is tried up to ``max_attempts`` times on rate limits, server errors,
    timeouts and connection failures. A reply that is not valid JSON of the right shape
    is sent back once with what was wrong; a second bad reply fails. ``sleep`` waits
    between attempts (injectable for tests; by default it is ``cancel.wait``). The script is
    written in ``language`` (a ``studio.languages`` code), its visual keywords in English.

    Raises:
        InputError: empty or overlong topic, unusable length, missing or malformed key.
        ServiceError: Groq refused, failed or kept replying unusably (a
            ``ScriptServiceError`` whose ``calls`` lists the usage already spent).
        Cancelled: ``cancel`` fired.
    """
    topic = check_topic(topic)
    language = get_language(language).code
    _check_request(target_seconds, api_key, max_attempts)
    with open_session(
        api_key,
        model=model,
        base_url=base_url,
        timeout=timeout,
        max_attempts=max_attempts,
        cancel=cancel,
        sleep=sleep,
    ) as session:
        scenes = ask_json(
            session,
            _messages(topic, target_seconds, language),
            _scene_parser(language),
            _repair_message,
            what="a usable script",
            fix="Try again, rephrase the topic, or choose another model in Settings",
        )
        return ScriptResult(scenes, list(session.calls))
