"""Scripts from Groq, through the real ``groq`` SDK against a fake server on 127.0.0.1.

Also the key store (``studio.secrets``), since both must keep the key out of sight.
"""

from __future__ import annotations

import json
import logging
import math
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator

import keyring
import keyring.backend
import pytest
from keyring.backends import fail, null

from studio import secrets
from studio.errors import Cancelled, InputError, ServiceError, StudioError
from studio.pipeline.groq_client import MAX_RETRY_WAIT, ScriptServiceError
from studio.pipeline.groq_script import (
    DEFAULT_MODEL,
    MAX_TOPIC_CHARS,
    ScriptResult,
    check_topic,
    generate_script,
)
from studio.progress import CancelToken
from tests.fakes.groq_server import (
    CHAT_PATH,
    Behaviour,
    FakeGroq,
    hang,
    invalid_json,
    json_validate_failed,
    rate_limited,
    reply,
    script_json,
    server_error,
    unauthorized,
    valid_script,
    wrong_shape,
)
from tests.fakes.memory_keyring import MemoryKeyring

KEY = "gsk_TESTKEY0do0not0leak0c0ffee0123456789"


class RecordingSleep:
    """Stands in for the backoff sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        yield server


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def generate(fake: FakeGroq, sleep: RecordingSleep) -> Callable[..., ScriptResult]:
    """``generate_script`` aimed at the fake, with test-friendly defaults."""

    def call(topic: str = "Why bees matter", target: float = 60, **overrides: object):
        options: dict[str, object] = {
            "api_key": KEY,
            "base_url": fake.base_url,
            "sleep": sleep,
            "timeout": 5,
        }
        options.update(overrides)
        return generate_script(topic, target, **options)  # type: ignore[arg-type]

    return call


# --- Success -------------------------------------------------------------------------------


def test_valid_reply_gives_scenes_and_usage(fake, generate, sleep) -> None:
    fake.enqueue(valid_script(scenes=3))
    result = generate()
    assert [s.text.split(".")[0] for s in result.scenes] == [
        f"Scene {n} narration" for n in (1, 2, 3)
    ]
    assert result.scenes[0].visual_keywords == ["keyword1", "bees"]
    assert all(s.estimated_duration > 0 for s in result.scenes)
    (call,) = result.calls
    assert call.model == DEFAULT_MODEL
    assert call.prompt_tokens > 0 and call.completion_tokens > 0
    assert call.total_tokens == call.prompt_tokens + call.completion_tokens
    assert result.total_tokens == call.total_tokens
    assert sleep.waits == []


def test_request_is_json_mode_and_sized_to_the_target(fake, generate) -> None:
    fake.enqueue(valid_script())
    generate("Why bees matter", 60, model="some-model")
    (request,) = fake.requests
    assert (request.method, request.path) == ("POST", CHAT_PATH)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "some-model"
    assert request.body["response_format"] == {"type": "json_object"}
    system, user = request.messages
    assert system["role"] == "system" and '"scenes"' in system["content"]
    assert user["role"] == "user" and "Why bees matter" in user["content"]
    assert "150 words" in user["content"] and "6 scenes" in user["content"]


def test_code_fenced_json_is_accepted_without_repair(fake, generate) -> None:
    fake.enqueue(reply(f"```json\n{script_json(2)}\n```"))
    assert len(generate().scenes) == 2
    assert len(fake.requests) == 1


def test_empty_keywords_are_filled_from_the_text(fake, generate) -> None:
    scene = {"text": "Farmers in California rent hives.", "visual_keywords": [],
             "estimated_duration": 2}  # fmt: skip
    fake.enqueue(reply(json.dumps({"scenes": [scene]})))
    assert "California" in generate().scenes[0].visual_keywords


# --- Repair --------------------------------------------------------------------------------


def test_invalid_json_then_valid_succeeds_after_one_repair(fake, generate) -> None:
    fake.enqueue(invalid_json(), valid_script(scenes=2))
    result = generate()
    assert len(result.scenes) == 2
    assert len(result.calls) == 2  # the failed reply's tokens are counted too
    first, repair = fake.requests
    assert repair.messages[:2] == first.messages
    bad_reply, correction = repair.messages[2:]
    assert bad_reply == {"role": "assistant", "content": invalid_json().content}
    assert correction["role"] == "user"
    assert "not valid JSON" in correction["content"] and '"scenes"' in correction["content"]


def test_invalid_json_twice_is_a_service_error(fake, generate) -> None:
    fake.enqueue(invalid_json(), invalid_json())
    with pytest.raises(ScriptServiceError, match="not valid JSON") as caught:
        generate()
    assert len(fake.requests) == 2
    assert len(caught.value.calls) == 2
    assert caught.value.fix


def test_wrong_shape_twice_says_what_was_wrong(fake, generate) -> None:
    fake.enqueue(wrong_shape(), wrong_shape())
    with pytest.raises(ServiceError, match='scene 1 has no "text"'):
        generate()
    assert len(fake.requests) == 2


BAD_SHAPES = {
    "a list": ([], "not an object"),
    "no scenes": ({"script": "hi"}, '"scenes" must be a non-empty list'),
    "empty scenes": ({"scenes": []}, '"scenes" must be a non-empty list'),
    "scene not object": ({"scenes": ["Bees."]}, "scene 1 is not an object"),
    "blank text": ({"scenes": [{"text": " ", "visual_keywords": [], "estimated_duration": 1}]},
                   'scene 1 has no "text"'),
    "keywords not list": ({"scenes": [{"text": "Hi.", "visual_keywords": "bee",
                                       "estimated_duration": 1}]}, '"visual_keywords"'),
    "keyword not str": ({"scenes": [{"text": "Hi.", "visual_keywords": [1],
                                     "estimated_duration": 1}]}, '"visual_keywords"'),
    "zero duration": ({"scenes": [{"text": "Hi.", "visual_keywords": [],
                                   "estimated_duration": 0}]}, '"estimated_duration"'),
    "text duration": ({"scenes": [{"text": "Hi.", "visual_keywords": [],
                                   "estimated_duration": "5"}]}, '"estimated_duration"'),
    "bool duration": ({"scenes": [{"text": "Hi.", "visual_keywords": [],
                                   "estimated_duration": True}]}, '"estimated_duration"'),
    "nan duration": ({"scenes": [{"text": "Hi.", "visual_keywords": [],
                                  "estimated_duration": math.nan}]}, '"estimated_duration"'),
}  # fmt: skip


@pytest.mark.parametrize(("data", "problem"), BAD_SHAPES.values(), ids=BAD_SHAPES.keys())
def test_each_wrong_shape_is_sent_back_for_repair(fake, generate, data, problem) -> None:
    fake.enqueue(reply(json.dumps(data)), valid_script())
    assert len(generate().scenes) == 2
    assert problem in fake.requests[1].messages[-1]["content"]


def test_groq_json_validation_failure_is_repaired(fake, generate) -> None:
    fake.enqueue(json_validate_failed('{"scenes": [{"text": "Bees'), valid_script())
    assert len(generate().scenes) == 2
    assert fake.requests[1].messages[2]["content"] == '{"scenes": [{"text": "Bees'


def test_cut_off_reply_says_so(fake, generate) -> None:
    fake.enqueue(reply('{"scenes": [', "length"), reply('{"scenes": [', "length"))
    with pytest.raises(ServiceError, match="cut off"):
        generate()


# --- Retries -------------------------------------------------------------------------------


def test_429_honours_retry_after(fake, generate, sleep) -> None:
    fake.enqueue(rate_limited(retry_after=1), valid_script())
    assert len(generate().scenes) == 2
    assert sleep.waits == [pytest.approx(1.0)]
    assert len(fake.requests) == 2


def test_429_without_retry_after_backs_off(fake, generate, sleep) -> None:
    fake.enqueue(rate_limited(retry_after=None), rate_limited(retry_after=None), valid_script())
    generate()
    assert sleep.waits == [1.0, 2.0]


def test_429_asking_for_a_long_wait_fails_at_once(fake, generate, sleep) -> None:
    fake.enqueue(rate_limited(retry_after=MAX_RETRY_WAIT * 20))
    with pytest.raises(ServiceError, match="rate limit") as caught:
        generate()
    assert "10 minutes" in (caught.value.fix or "")
    assert sleep.waits == [] and len(fake.requests) == 1


def test_429_every_time_gives_up(fake, generate, sleep) -> None:
    fake.enqueue(*[rate_limited(retry_after=2)] * 3)
    with pytest.raises(ServiceError, match="rate limit was still reached after 3 attempts"):
        generate(max_attempts=3)
    assert sleep.waits == [2.0, 2.0]


def test_server_errors_are_retried_with_exponential_backoff(fake, generate, sleep) -> None:
    fake.enqueue(server_error(500), server_error(502), server_error(503), server_error(500))
    with pytest.raises(ServiceError, match="HTTP 500, 4 attempts") as caught:
        generate()
    assert len(fake.requests) == 4
    assert sleep.waits == [1.0, 2.0, 4.0]
    assert caught.value.fix


def test_one_server_error_then_success(fake, generate, sleep) -> None:
    fake.enqueue(server_error(503), valid_script())
    assert len(generate().scenes) == 2
    assert sleep.waits == [1.0]


def test_timeouts_are_retried_then_fail(fake, generate, sleep) -> None:
    fake.enqueue(hang(), hang())
    started = time.monotonic()
    with pytest.raises(ServiceError, match="did not answer within 0.3 s"):
        generate(timeout=0.3, max_attempts=2)
    assert len(fake.requests) == 2
    assert sleep.waits == [1.0]
    assert time.monotonic() - started < 5


def test_timeout_then_success(fake, generate) -> None:
    fake.enqueue(hang(), valid_script())
    assert len(generate(timeout=0.3).scenes) == 2


def closed_port_url() -> str:
    """A 127.0.0.1 URL where nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_connection_errors_are_retried_then_fail(generate, sleep) -> None:
    with pytest.raises(ServiceError, match="Could not reach Groq"):
        generate(base_url=closed_port_url(), max_attempts=3)
    assert sleep.waits == [1.0, 2.0]


@pytest.mark.parametrize("status", [401, 403])
def test_rejected_key_is_not_retried(fake, generate, sleep, status) -> None:
    fake.enqueue(unauthorized(status))
    with pytest.raises(ServiceError, match="Groq rejected the API key") as caught:
        generate()
    assert "Settings" in (caught.value.fix or "") and "GROQ_API_KEY" in (caught.value.fix or "")
    assert len(fake.requests) == 1 and sleep.waits == []


def test_unknown_model_is_not_retried(fake, generate) -> None:
    fake.enqueue(Behaviour(status=404, body={"error": {"message": "model not found"}}))
    with pytest.raises(ServiceError, match="does not offer the model 'gone-model'"):
        generate(model="gone-model")
    assert len(fake.requests) == 1


def test_other_client_errors_are_not_retried(fake, generate) -> None:
    fake.enqueue(Behaviour(status=413, body={"error": {"message": "Request too large"}}))
    with pytest.raises(ServiceError, match="HTTP 413: Request too large"):
        generate()
    assert len(fake.requests) == 1


# --- Cancellation --------------------------------------------------------------------------


def cancel_soon(cancel: CancelToken) -> threading.Timer:
    timer = threading.Timer(0.2, cancel.cancel)
    timer.start()
    return timer


def test_cancel_during_backoff(fake) -> None:
    fake.enqueue(rate_limited(retry_after=20))
    cancel = CancelToken()
    timer = cancel_soon(cancel)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        generate_script("Bees", 60, api_key=KEY, base_url=fake.base_url, cancel=cancel)
    timer.join()
    assert time.monotonic() - started < 10  # the 20 s wait was cut short
    assert len(fake.requests) == 1


def test_cancel_during_a_hanging_request(fake) -> None:
    fake.enqueue(hang())
    cancel = CancelToken()
    timer = cancel_soon(cancel)
    started = time.monotonic()
    with pytest.raises(Cancelled):
        generate_script("Bees", 60, api_key=KEY, base_url=fake.base_url, cancel=cancel)
    timer.join()
    assert time.monotonic() - started < 10  # not the 60 s timeout


def test_cancelled_before_starting_sends_nothing(fake) -> None:
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled):
        generate_script("Bees", 60, api_key=KEY, base_url=fake.base_url, cancel=cancel)
    assert fake.requests == []


def test_injected_sleep_that_cancels_stops_the_retries(fake) -> None:
    cancel = CancelToken()
    fake.enqueue(server_error(), valid_script())
    with pytest.raises(Cancelled):
        generate_script(
            "Bees", 60, api_key=KEY, base_url=fake.base_url, cancel=cancel,
            sleep=lambda seconds: cancel.cancel(),
        )  # fmt: skip
    assert len(fake.requests) == 1


# --- The key stays secret ------------------------------------------------------------------

FAILURES: dict[str, tuple[list[Behaviour], dict[str, object]]] = {
    "invalid twice": ([invalid_json(), invalid_json()], {}),
    "wrong shape twice": ([wrong_shape(), wrong_shape()], {}),
    "429 exhausted": ([rate_limited(1)] * 2, {"max_attempts": 2}),
    "429 long wait": ([rate_limited(3600)], {}),
    "500 exhausted": ([server_error()] * 2, {"max_attempts": 2}),
    "timeout": ([hang()], {"max_attempts": 1, "timeout": 0.3}),
    "401 echoing the key": ([unauthorized(401, echo_key=True)], {}),
    "403 echoing the key": ([unauthorized(403, echo_key=True)], {}),
    "400 echoing the key": ([Behaviour(status=400, echo_key=True)], {}),
    "500 echoing the key": ([Behaviour(status=500, echo_key=True)], {"max_attempts": 1}),
    "connection refused": ([], {"max_attempts": 2, "base_url": "closed"}),
}


@pytest.mark.parametrize(("behaviours", "options"), FAILURES.values(), ids=FAILURES.keys())
def test_key_never_appears_in_errors_or_logs(fake, generate, caplog, behaviours, options):
    caplog.set_level(logging.DEBUG)  # everything: ours, groq's, httpx's, httpcore's
    fake.enqueue(*behaviours)
    if options.get("base_url") == "closed":
        options = {**options, "base_url": closed_port_url()}
    with pytest.raises(ServiceError) as caught:
        generate(**options)
    error = caught.value
    shown = [str(error), repr(error), error.what, error.where or "", error.fix or ""]
    shown.append("".join(traceback.format_exception(error)))  # includes any chained cause
    for text in shown:
        assert KEY not in text
    assert KEY not in caplog.text
    assert all(KEY not in str(record.args) for record in caplog.records)


def test_key_not_in_result_or_logs_on_success(fake, generate, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    fake.enqueue(invalid_json(), valid_script())
    result = generate()
    assert KEY not in repr(result)
    assert KEY not in caplog.text


# --- Input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "target", "key", "message"),
    [
        ("", 60, KEY, "topic is empty"),
        (" \n\t ", 60, KEY, "topic is empty"),
        ("x" * (MAX_TOPIC_CHARS + 1), 60, KEY, "topic is too long"),
        ("Bees", 0, KEY, "video length"),
        ("Bees", -1, KEY, "video length"),
        ("Bees", math.nan, KEY, "video length"),
        ("Bees", 31 * 60, KEY, "video length"),
        ("Bees", 60, "", "No Groq API key"),
        ("Bees", 60, None, "No Groq API key"),
        ("Bees", 60, "gsk_abc def", "spaces or unusual characters"),
        ("Bees", 60, "gsk_abc\ndef", "spaces or unusual characters"),
    ],
)
def test_bad_input_is_refused_before_any_request(fake, topic, target, key, message) -> None:
    with pytest.raises(InputError, match=message) as caught:
        generate_script(topic, target, api_key=key, base_url=fake.base_url)  # type: ignore[arg-type]
    assert fake.requests == []
    assert caught.value.fix


def test_check_topic_tidies_whitespace() -> None:
    assert check_topic("  Why\n bees   matter ") == "Why bees matter"
    assert check_topic("x" * MAX_TOPIC_CHARS) == "x" * MAX_TOPIC_CHARS


def test_key_surrounding_whitespace_is_ignored(fake, generate) -> None:
    fake.enqueue(valid_script())
    generate(api_key=f"  {KEY}\n")
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"


# --- The key store -------------------------------------------------------------------------




class BrokenKeyring(MemoryKeyring):
    """A keyring whose service is down (a locked or crashed secret service)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("D-Bus said no")


@pytest.fixture
def use_keyring(monkeypatch) -> Iterator[Callable[[keyring.backend.KeyringBackend], None]]:
    """Swap the keyring backend for the test; the env var is cleared meanwhile."""
    monkeypatch.delenv(secrets.GROQ_KEY_ENV, raising=False)
    previous = keyring.get_keyring()
    yield keyring.set_keyring
    keyring.set_keyring(previous)


def test_env_var_comes_first(use_keyring, monkeypatch) -> None:
    memory = MemoryKeyring()
    memory.set_password("studio", "groq_api_key", "gsk_from_keyring")
    use_keyring(memory)
    monkeypatch.setenv("GROQ_API_KEY", " gsk_from_env ")
    assert secrets.get_groq_key() == "gsk_from_env"


def test_keyring_round_trip(use_keyring, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    memory = MemoryKeyring()
    use_keyring(memory)
    assert secrets.get_groq_key() is None
    secrets.set_groq_key(f" {KEY} ")
    assert memory.passwords == {("studio", "groq_api_key"): KEY}
    assert secrets.get_groq_key() == KEY
    secrets.delete_groq_key()
    assert secrets.get_groq_key() is None
    secrets.delete_groq_key()  # deleting twice is fine
    assert KEY not in caplog.text


@pytest.mark.parametrize("backend", [fail.Keyring, BrokenKeyring])
def test_missing_or_broken_keyring_reads_as_no_key(use_keyring, backend) -> None:
    use_keyring(backend())
    assert secrets.get_groq_key() is None


def test_no_keyring_backend_refuses_to_store_clearly(use_keyring) -> None:
    use_keyring(fail.Keyring())
    with pytest.raises(StudioError, match="keyring could not save") as caught:
        secrets.set_groq_key(KEY)
    assert KEY not in str(caught.value)
    assert "GROQ_API_KEY" in (caught.value.fix or "")
    with pytest.raises(StudioError, match="keyring could not delete"):
        secrets.delete_groq_key()


def test_keyring_that_keeps_nothing_is_reported(use_keyring) -> None:
    use_keyring(null.Keyring())
    with pytest.raises(StudioError, match="did not keep") as caught:
        secrets.set_groq_key(KEY)
    assert KEY not in str(caught.value)


def test_empty_key_is_refused(use_keyring) -> None:
    use_keyring(MemoryKeyring())
    with pytest.raises(InputError):
        secrets.set_groq_key("   ")


@pytest.mark.parametrize(
    ("key", "masked"),
    [(KEY, "gsk_…6789"), ("abcdefghijklmnop", "…mnop"), ("gsk_short", "gsk_…"), ("", "")],
)
def test_mask(key: str, masked: str) -> None:
    assert secrets.mask(key) == masked
