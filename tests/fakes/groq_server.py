"""A fake Groq API on 127.0.0.1 that the real ``groq`` SDK talks to over real HTTP.

It speaks Groq's OpenAI-compatible chat-completions endpoint
(``POST /openai/v1/chat/completions``; the SDK appends that to ``base_url``) and its model
list (``GET /openai/v1/models``, which a key check asks for), and answers
each request with the next scripted ``Behaviour``: a valid script, broken JSON, the
wrong shape, 429 with ``Retry-After``, 5xx, 401, or a hang longer than the client's
timeout. Every request is recorded so tests can check headers and the repair prompt.

Usage::

    with FakeGroq() as fake:
        fake.enqueue(rate_limited(retry_after=1), valid_script())
        generate_script("bees", 30, api_key="gsk_test", base_url=fake.base_url)
        assert fake.requests[1].headers["authorization"] == "Bearer gsk_test"
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

CHAT_PATH = "/openai/v1/chat/completions"
MODELS_PATH = "/openai/v1/models"
#: The model ids a 200 from MODELS_PATH lists.
FAKE_MODELS = ("llama-3.3-70b-versatile", "llama-3.1-8b-instant")


@dataclass(frozen=True)
class Behaviour:
    """How the fake answers one request.

    Attributes:
        status: HTTP status code.
        content: for a 200, the assistant message text (any string, even broken JSON).
        body: for an error, the JSON body (``{"error": {...}}``) sent as is.
        headers: extra response headers (e.g. ``Retry-After``).
        hang: wait until the server closes (or ``release()``) before answering.
        echo_key: put the request's Authorization header into the error message, as a
            careless server might; the client must still never show the key.
        finish_reason: for a 200, the choice's finish reason.
    """

    status: int = 200
    content: str | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    echo_key: bool = False
    finish_reason: str = "stop"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received (header names are lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []


def script_json(scenes: int = 2, words_per_scene: int = 12) -> str:
    """A valid script reply's JSON text with ``scenes`` scenes."""
    return json.dumps(
        {
            "scenes": [
                {
                    "text": f"Scene {n} narration. " + " ".join(["word"] * (words_per_scene - 3)),
                    "visual_keywords": [f"keyword{n}", "bees"],
                    "estimated_duration": words_per_scene * 0.4,
                }
                for n in range(1, scenes + 1)
            ]
        }
    )


def valid_script(scenes: int = 2, words_per_scene: int = 12) -> Behaviour:
    """A 200 whose message is a well-formed script."""
    return Behaviour(content=script_json(scenes, words_per_scene))


def reply(content: str, finish_reason: str = "stop") -> Behaviour:
    """A 200 whose message is ``content`` verbatim (invalid JSON, wrong shape...)."""
    return Behaviour(content=content, finish_reason=finish_reason)


def invalid_json() -> Behaviour:
    """A 200 whose message is not JSON at all."""
    return reply('Sure! Here is your script: {"scenes": [ {"text": "Bees are')


def wrong_shape() -> Behaviour:
    """A 200 whose message is JSON but not a script (scenes missing their text)."""
    return reply(json.dumps({"scenes": [{"narration": "Bees.", "estimated_duration": -1}]}))


def _error(message: str, kind: str, code: str, **extra: Any) -> dict[str, Any]:
    """An error body shaped like Groq's."""
    return {"error": {"message": message, "type": kind, "code": code, **extra}}


def rate_limited(retry_after: float | str | None = 1) -> Behaviour:
    """A 429 with a ``Retry-After`` header in seconds (or none)."""
    headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
    body = _error("Rate limit reached. Please try again in 1s.", "tokens", "rate_limit_exceeded")
    return Behaviour(status=429, body=body, headers=headers)


def server_error(status: int = 500) -> Behaviour:
    """A 5xx with Groq's usual error body."""
    body = _error("Internal Server Error", "internal_server_error", "internal_server_error")
    return Behaviour(status=status, body=body)


def unauthorized(status: int = 401, echo_key: bool = False) -> Behaviour:
    """A 401 (or 403) refusing the key; ``echo_key`` repeats the key in the message."""
    body = _error("Invalid API Key", "invalid_request_error", "invalid_api_key")
    return Behaviour(status=status, body=body, echo_key=echo_key)


def json_validate_failed(failed_generation: str = '{"scenes": [') -> Behaviour:
    """Groq's own 400 when the model's output in JSON mode did not parse."""
    body = _error(
        "Failed to generate JSON. See 'failed_generation' for more details.",
        "invalid_request_error",
        "json_validate_failed",
        failed_generation=failed_generation,
    )
    return Behaviour(status=400, body=body)


def hang() -> Behaviour:
    """No answer until the test ends (longer than any client timeout used in tests)."""
    return Behaviour(hang=True)


class FakeGroq:
    """A running fake Groq server; use as a context manager.

    Attributes:
        base_url: pass to ``groq.Groq(base_url=...)`` (``http://127.0.0.1:<port>``).
        requests: every request received, in order.
    """

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="fake-groq", daemon=True
        )  # a short poll interval makes shutdown() quick
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def enqueue(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with ``behaviours``, in order."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def pending(self) -> int:
        """Behaviours not used yet."""
        with self._lock:
            return len(self._queue)

    def release(self) -> None:
        """Let hanging requests finish (done automatically on exit)."""
        self._release.set()

    def __enter__(self) -> FakeGroq:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release hangs, stop serving and free the port."""
        self.release()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()

    # Called from handler threads.

    def _next(self, request: RecordedRequest) -> Behaviour | None:
        with self._lock:
            self.requests.append(request)
            return self._queue.popleft() if self._queue else None

    def _wait_released(self) -> None:
        self._release.wait()


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that stays quiet when a client hangs up (timeouts)."""

    daemon_threads = True
    fake: FakeGroq

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out close the socket; nothing to report


class _Handler(BaseHTTPRequestHandler):
    """Answers one HTTP request from the fake's queue."""

    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._answer(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self._answer(body)

    def _answer(self, body: Any) -> None:
        fake = self.server.fake
        headers = {name.lower(): value for name, value in self.headers.items()}
        recorded = RecordedRequest(self.command, self.path, headers, body)
        path = self.path.split("?")[0]
        if path not in (CHAT_PATH, MODELS_PATH):
            self._send_json(404, _error(f"Unknown path {self.path}", "not_found", "x"))
            return
        behaviour = fake._next(recorded)
        if behaviour is None:
            # 400 is not retried, so a test missing a behaviour fails at once and says why.
            message = "FakeGroq: no behaviour queued for this request"
            self._send_json(400, _error(message, "invalid_request_error", "fake_empty"))
            return
        if behaviour.hang:
            fake._wait_released()
        if behaviour.status != 200:
            error_body = behaviour.body or _error("error", "x", "x")
            if behaviour.echo_key:
                error_body = _error(
                    f"Invalid API Key: {headers.get('authorization', '')}",
                    "invalid_request_error",
                    "invalid_api_key",
                )
            self._send_json(behaviour.status, error_body, behaviour.headers)
            return
        payload = _model_list() if path == MODELS_PATH else _completion(body, behaviour)
        self._send_json(200, payload, behaviour.headers)

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout) before we answered


def _model_list() -> dict[str, Any]:
    """A models.list body like Groq's."""
    return {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "Fake",
             "active": True, "context_window": 131_072}
            for model in FAKE_MODELS
        ],
    }


def _completion(request: Any, behaviour: Behaviour) -> dict[str, Any]:
    """A chat.completion body like Groq's, with token usage derived from the text sizes."""
    request = request if isinstance(request, dict) else {}
    content = behaviour.content if behaviour.content is not None else script_json()
    prompt_chars = sum(len(str(m.get("content", ""))) for m in request.get("messages", []))
    prompt_tokens, completion_tokens = max(1, prompt_chars // 4), max(1, len(content) // 4)
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": None,
                "finish_reason": behaviour.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "system_fingerprint": "fp_fake",
        "x_groq": {"id": "req_fake"},
    }
