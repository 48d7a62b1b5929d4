"""Studio's Groq client: one session with Studio's retry policy, cancellation and errors.

Uses the official ``groq`` SDK with its own retries switched off: this module decides when to
retry (rate limits, server errors, timeouts), how long to wait (honouring ``Retry-After``), and
lets the creator cancel at any moment, including mid-request. ``ask_json`` asks for a JSON reply
and makes exactly one repair request when the reply is not what was asked for. Used by the
script (``groq_script``) and the publishing metadata (``groq_metadata``).

The API key never appears in a message, a log line or a repr: errors are built from status
codes and Groq's own error text, with the key masked out if it was echoed.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

import groq

from studio.errors import Cancelled, InputError, ServiceError
from studio.progress import CancelToken, run_abandonable
from studio.secrets import GROQ_KEY_ENV, mask

if TYPE_CHECKING:
    from groq.types.chat import ChatCompletionMessageParam

log = logging.getLogger(__name__)
#: Longest wait between attempts; a longer ``Retry-After`` fails at once and says when to retry.
MAX_RETRY_WAIT = 30.0
#: First backoff wait; it doubles with every further attempt.
FIRST_RETRY_WAIT = 1.0
#: Where the ``groq`` client sends requests when given no ``base_url`` and no ``GROQ_BASE_URL``.
DEFAULT_GROQ_URL = "https://api.groq.com"
#: The environment variable the ``groq`` client itself reads for its server.
GROQ_BASE_URL_ENV = "GROQ_BASE_URL"
#: Statuses worth retrying besides 5xx: 408 request timeout, 409 conflict, 429 rate limit.
_RETRYABLE_4XX = frozenset({408, 409, 429})

SleepFn = Callable[[float], None]
_T = TypeVar("_T")


@dataclass(frozen=True)
class CallUsage:
    """Tokens one Groq call used, as Groq reported them (for cost and quota display)."""

    model: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ScriptServiceError(ServiceError):
    """Groq failed to produce a script; ``calls`` holds the usage already spent."""

    def __init__(
        self,
        what: str,
        *,
        where: str | None = None,
        fix: str | None = None,
        calls: list[CallUsage] | None = None,
    ) -> None:
        super().__init__(what, where=where, fix=fix)
        self.calls = list(calls or [])


# --- Input ---------------------------------------------------------------------------------


def groq_host(base_url: str | None = None) -> str:
    """The server (host, and port if given) a Groq client made with ``base_url`` talks to.

    The same choice the ``groq`` client makes: ``base_url``, else ``$GROQ_BASE_URL``, else
    api.groq.com; so a message names the server really used, not the default one.
    """
    url = base_url or os.environ.get(GROQ_BASE_URL_ENV) or DEFAULT_GROQ_URL
    netloc = urlsplit(url if "//" in url else f"//{url}").netloc
    return netloc.rpartition("@")[2] or url  # never a user:password@ part


def check_api_key(api_key: str) -> None:
    """Refuse a missing or malformed key before any request is sent with it."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise InputError(
            "No Groq API key is set",
            fix=f"Add your key in Settings, or set the {GROQ_KEY_ENV} environment variable "
            "(a free key is available at console.groq.com/keys)",
        )
    if not api_key.strip().isascii() or any(c.isspace() for c in api_key.strip()):
        raise InputError(
            "The Groq API key contains spaces or unusual characters",
            fix="Copy the key again from console.groq.com/keys and paste it in Settings",
        )


class BadReply(Exception):
    """The model's reply is not the JSON we asked for; the message says why."""


_FENCE_RE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


def parse_json_object(content: str, *, expected: str) -> dict[str, Any]:
    """The JSON object a model replied (a ```json fence allowed), or ``BadReply``.

    ``expected`` names what the object should hold, for the message (e.g. '"scenes"').
    """
    fenced = _FENCE_RE.match(content)
    try:
        data = json.loads(fenced.group(1) if fenced else content)
    except json.JSONDecodeError as exc:
        raise BadReply(
            f"it is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise BadReply(f"it is a JSON {type(data).__name__}, not an object with {expected}")
    return data


# --- Talking to Groq -----------------------------------------------------------------------


@dataclass
class _Reply:
    """One answered call's message text, and whether it hit the model's length limit."""

    content: str
    cut_off: bool = False


def _run_cancellable(call: Callable[[], _T], cancel: CancelToken) -> _T:
    """``call()`` on a helper thread, abandoned at once if ``cancel`` fires.

    The SDK blocks until its timeout; this keeps Cancel responsive. An abandoned request
    ends on its own when the client is closed or times out.
    """
    return run_abandonable(call, cancel, name="groq-request")


def _retry_after(response: Any) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms`` or ``Retry-After``), if any."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        if milliseconds := headers.get("retry-after-ms"):
            return max(0.0, float(milliseconds) / 1000)
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            moment = email.utils.parsedate_to_datetime(value)
            return max(0.0, moment.timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _groq_detail(exc: groq.APIStatusError) -> str:
    """Groq's own short explanation of an error response, if it sent one."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"][:300]
    return ""


def _error_code(exc: groq.APIStatusError) -> str:
    body = exc.body
    error = body.get("error") if isinstance(body, dict) else None
    return str(error.get("code", "")) if isinstance(error, dict) else ""


@dataclass
class _Session:
    """One script request's connection, retry policy and cancellation."""

    client: groq.Groq
    model: str
    api_key: str
    where: str
    timeout: float
    max_attempts: int
    cancel: CancelToken
    sleep: SleepFn
    calls: list[CallUsage] = field(default_factory=list)

    def error(self, what: str, fix: str) -> ScriptServiceError:
        """A ServiceError whose text cannot contain the key, carrying the usage so far."""
        return ScriptServiceError(
            self.redact(what), where=self.redact(self.where), fix=fix, calls=self.calls
        )

    @property
    def attempts(self) -> str:
        """The attempt count for messages: "4 attempts" or "1 attempt"."""
        return f"{self.max_attempts} attempt{'s' if self.max_attempts != 1 else ''}"

    def redact(self, text: str) -> str:
        return text.replace(self.api_key, mask(self.api_key)) if self.api_key else text

    def complete(self, messages: list[dict[str, str]]) -> _Reply:
        """One chat completion, retried on rate limits, server errors and timeouts."""
        for attempt in range(1, self.max_attempts + 1):
            self.cancel.raise_if_cancelled()
            try:
                return self._request(messages)
            except groq.APIStatusError as exc:
                if _error_code(exc) == "json_validate_failed":  # Groq checked the JSON for us
                    return self._failed_generation(exc)
                self._raise_unless_retryable(exc)
                reason, wait = f"HTTP {exc.status_code}", _retry_after(exc.response)
                last_error = self._exhausted_status(exc)
            except groq.APITimeoutError:
                reason, wait = f"no answer within {self.timeout:g} s", None
                last_error = self.error(
                    f"Groq did not answer within {self.timeout:g} s ({self.attempts})",
                    "Check the internet connection and try again",
                )
            except groq.APIConnectionError:
                reason, wait = "connection failed", None
                last_error = self.error(
                    f"Could not reach Groq ({self.attempts})",
                    "Check the internet connection (and any proxy or firewall) and try again",
                )
            except groq.GroqError as exc:
                raise self.error(
                    f"Groq's reply could not be read ({type(exc).__name__})",
                    "Try again; if it keeps failing, choose another model in Settings",
                ) from None
            if attempt == self.max_attempts:
                raise last_error from None
            self._wait_before_retry(attempt, reason, wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _request(self, messages: list[dict[str, str]]) -> _Reply:
        completion = _run_cancellable(
            lambda: self.client.chat.completions.create(
                model=self.model,
                messages=cast("list[ChatCompletionMessageParam]", messages),
                response_format={"type": "json_object"},
                temperature=0.7,
            ),
            self.cancel,
        )
        choice = completion.choices[0] if completion.choices else None
        if completion.usage is not None:
            usage = CallUsage(
                completion.model or self.model,
                completion.usage.prompt_tokens,
                completion.usage.completion_tokens,
                completion.usage.total_tokens,
            )
            self.calls.append(usage)
            log.info("Groq call used %d tokens", usage.total_tokens)
        content = (choice.message.content or "") if choice else ""
        return _Reply(content, cut_off=bool(choice and choice.finish_reason == "length"))

    def _failed_generation(self, exc: groq.APIStatusError) -> _Reply:
        """Groq's 400 "json_validate_failed": the model's bad JSON, treated as a bad reply."""
        error = exc.body.get("error", {}) if isinstance(exc.body, dict) else {}
        failed = error.get("failed_generation") if isinstance(error, dict) else None
        return _Reply(failed if isinstance(failed, str) else "")

    def _raise_unless_retryable(self, exc: groq.APIStatusError) -> None:
        """Fail at once on errors another attempt cannot fix (bad key, bad request)."""
        status, detail = exc.status_code, _groq_detail(exc)
        if status in (401, 403):
            raise self.error(
                f"Groq rejected the API key (HTTP {status}{': ' + detail if detail else ''})",
                f"Check the key in Settings (or the {GROQ_KEY_ENV} environment variable); "
                "create a new one at console.groq.com/keys if needed",
            ) from None
        if status >= 500 or status in _RETRYABLE_4XX:
            return
        if status == 404:
            raise self.error(
                f"Groq does not offer the model '{self.model}' (HTTP 404)",
                "Choose another model in Settings",
            ) from None
        raise self.error(
            f"Groq refused the request (HTTP {status}{': ' + detail if detail else ''})",
            "Try a shorter topic or video; if it keeps failing, choose another model in Settings",
        ) from None

    def _exhausted_status(self, exc: groq.APIStatusError) -> ScriptServiceError:
        """The error to raise if this retryable status is the last attempt's."""
        if exc.status_code == 429:
            return self.error(
                f"Groq's rate limit was still reached after {self.attempts}",
                "Wait a minute and try again, or choose a smaller model in Settings",
            )
        status_page = " (status: groqstatus.com)" if self.where.endswith(" at api.groq.com") else ""
        return self.error(
            f"Groq's service failed (HTTP {exc.status_code}, {self.attempts})",
            f"Try again in a few minutes{status_page}",
        )

    def _wait_before_retry(self, attempt: int, reason: str, retry_after: float | None) -> None:
        """Sleep before the next attempt: ``Retry-After`` if given, else exponential backoff."""
        if retry_after is not None and retry_after > MAX_RETRY_WAIT:
            minutes = max(1, math.ceil(retry_after / 60))
            raise self.error(
                f"Groq's rate limit was reached and asks to wait {retry_after:.0f} s",
                f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}",
            )
        if retry_after is not None:
            delay = retry_after
        else:
            delay = min(MAX_RETRY_WAIT, FIRST_RETRY_WAIT * 2 ** (attempt - 1))
        log.warning(
            "Groq call failed (%s); retrying in %.1f s (attempt %d of %d)",
            reason,
            delay,
            attempt + 1,
            self.max_attempts,
        )
        self.sleep(delay)
        self.cancel.raise_if_cancelled()


def _cancellable_sleep(cancel: CancelToken) -> SleepFn:
    """A sleep that ends early, raising Cancelled, when ``cancel`` fires."""

    def sleep(seconds: float) -> None:
        if cancel.wait(seconds):
            raise Cancelled()

    return sleep


@contextmanager
def open_session(
    api_key: str,
    *,
    model: str,
    base_url: str | None,
    timeout: float,
    max_attempts: int,
    cancel: CancelToken | None,
    sleep: SleepFn | None,
) -> Iterator[_Session]:
    """A Groq client with Studio's retry policy and cancellation, closed on exit.

    The key must have passed ``check_api_key``.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    cancel = cancel or CancelToken()
    host = groq_host(base_url)
    with groq.Groq(
        api_key=api_key.strip(), base_url=base_url, max_retries=0, timeout=timeout
    ) as client:
        yield _Session(
            client=client,
            model=model,
            api_key=api_key.strip(),
            where=f"Groq model {model} at {host}",
            timeout=timeout,
            max_attempts=max_attempts,
            cancel=cancel,
            sleep=sleep or _cancellable_sleep(cancel),
        )


def ask_json(
    session: _Session,
    messages: list[dict[str, str]],
    parse: Callable[[str], _T],
    repair: Callable[[str], dict[str, str]],
    *,
    what: str,
    fix: str,
) -> _T:
    """``parse(reply)`` of the model's answer to ``messages``; one repair request if needed.

    ``parse`` raises ``BadReply`` saying what is wrong; ``repair(problem)`` is the follow-up
    message asking for a corrected reply. A second bad reply raises the session's error
    ("Groq's reply was not ``what``, even after one correction").
    """
    problem = ""
    for round_number in (1, 2):
        reply = session.complete(messages)
        try:
            return parse(reply.content)
        except BadReply as bad:
            problem = str(bad) + (" (the reply was cut off)" if reply.cut_off else "")
        if round_number == 1:
            log.warning("Groq's reply was unusable (%s); asking once for a fix", problem)
            assistant = {"role": "assistant", "content": reply.content or "(empty reply)"}
            messages = [*messages, assistant, repair(problem)]
    raise session.error(
        f"Groq's reply was not {what}, even after one correction: {problem}",
        fix,
    )
