"""The one HTTP client of the stock libraries: timeouts, retries, cancellation and errors.

Every provider asks through a ``StockClient``, so one place decides

* how long to wait (connect and read timeouts) and who Studio says it is (User-Agent);
* when to try again: 429 waits the server's ``Retry-After`` (seconds or an HTTP date) up to
  ``MAX_RETRY_WAIT``, a longer wait fails at once saying when to try again; 5xx answers and
  cut, refused or timed-out connections retry a few times with a doubling backoff;
* that every wait can be cancelled (``CancelToken.wait``) and a request in flight is abandoned
  at once on cancel (``run_abandonable``);
* what the creator reads: ``StockError(what, where=<host>, fix=...)`` naming the library, never
  a traceback and never the API key (keys are masked out of URLs before they are logged).
"""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx2

from studio import APP_NAME, __version__
from studio.errors import Cancelled
from studio.progress import CancelToken, run_abandonable
from studio.secrets import mask
from studio.stock.base import StockError

log = logging.getLogger(__name__)

USER_AGENT = f"{APP_NAME}/{__version__} (narrated video maker; stock search)"
#: Seconds to connect and to wait for each read; a stock API answers a search in well under 5 s.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
#: Tries per request (the first one included) for 5xx, 429 and cut connections.
ATTEMPTS = 4
#: First backoff wait in seconds; doubled after each failed try.
FIRST_BACKOFF = 0.5
#: Longest ``Retry-After`` Studio waits for; a longer one fails at once, saying when to retry.
MAX_RETRY_WAIT = 60.0
#: Query parameters that carry a key (masked in logs and messages).
_SECRET_PARAMS = frozenset({"key", "api_key", "apikey", "token", "access_token"})
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF")

#: ``is_key_refusal(status, body_text)``: whether an error answer means the key was refused.
KeyRefusal = Callable[[int, str], bool]


_KEY_IN_TEXT = re.compile(r"(?i)\b(" + "|".join(sorted(_SECRET_PARAMS)) + r")=([^&\s\"']+)")


class _RedactKeys(logging.Filter):
    """Masks key-like query parameters in ``httpx2``'s own "HTTP Request: GET <url>" lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "=" in message:
            record.msg = _KEY_IN_TEXT.sub(lambda m: f"{m.group(1)}={mask(m.group(2))}", message)
            record.args = ()
        return True


logging.getLogger("httpx2").addFilter(_RedactKeys())


def refused_by_status(status: int, body: str) -> bool:
    """The usual sign of a refused key: 401 Unauthorized or 403 Forbidden."""
    return status in (401, 403)


def redact(url: str, secret: str | None = None) -> str:
    """``url`` safe to log: key-like query parameters and ``secret`` itself masked."""
    parts = urlsplit(url)
    query = urlencode(
        [
            (k, mask(v) if k.lower() in _SECRET_PARAMS else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
    )
    safe = urlunsplit(parts._replace(query=query, netloc=parts.netloc.rpartition("@")[2]))
    return safe.replace(secret, mask(secret)) if secret else safe


def host_of(url: str) -> str:
    """``https://api.pexels.com/v1/search`` -> ``api.pexels.com`` (what a message names)."""
    return urlsplit(url).netloc.rpartition("@")[2] or url


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds a 429/503 asks Studio to wait (``Retry-After``: seconds or an HTTP date)."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class KeyRefused(StockError):
    """The library refused the API key (401/403, or its own way of saying so)."""


class Unreachable(StockError):
    """The library could not be reached at all (offline, no DNS, refused connection)."""


class _Retry(Exception):
    """This try failed in a way worth another; ``wait`` is the server's asked-for pause."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class StockClient:
    """HTTP for one stock library, with Studio's timeouts, retries, cancellation and errors.

    Attributes:
        label: the library's name as the creator reads it ("Pexels").
        secret: the API key, if any: masked out of everything logged or shown.
        key_fix: what to do about a refused or missing key (where to set it).
    """

    def __init__(
        self,
        label: str,
        *,
        headers: Mapping[str, str] | None = None,
        secret: str | None = None,
        key_fix: str = "Check the key in Settings → Stock libraries",
        is_key_refusal: KeyRefusal = refused_by_status,
    ) -> None:
        self.label = label
        self.secret = secret
        self.key_fix = key_fix
        self._is_key_refusal = is_key_refusal
        self._client = httpx2.Client(
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=httpx2.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
            follow_redirects=True,
        )

    def close(self) -> None:
        self._client.close()

    # -- the three ways to ask ------------------------------------------------------------------
    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        cancel: CancelToken | None = None,
    ) -> Any:
        """The JSON ``url`` answers (after the retries that make sense).

        Raises:
            StockError: refused, unreachable, or the answer is not JSON.
            Cancelled: ``cancel`` fired (a request in flight is abandoned at once).
        """
        cancel = cancel or CancelToken()
        response = self._with_retries(
            lambda: self._client.get(url, params=_clean(params)), url, cancel
        )
        return self._json_of(response, url)

    @contextmanager
    def stream(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        cancel: CancelToken | None = None,
    ) -> Iterator[httpx2.Response]:
        """An open, successful (2xx) streamed answer from ``url``; its body is read by the caller.

        Retries 429/5xx/refused connections before the body starts; a cut *during* the body
        raises ``httpx2.TransportError`` to the caller (the downloader resumes it).
        """
        cancel = cancel or CancelToken()
        request = self._client.build_request("GET", url, headers=dict(headers or {}))
        response = self._with_retries(lambda: self._client.send(request, stream=True), url, cancel)
        try:
            yield response
        finally:
            response.close()

    def fetch_bytes(self, url: str, *, max_bytes: int, cancel: CancelToken | None = None) -> bytes:
        """A small file (a preview thumbnail), at most ``max_bytes``, checked to be a picture
        when the server says it is one."""
        cancel = cancel or CancelToken()

        def fetch() -> bytes:
            with self.stream(url, cancel=cancel) as response:
                declared = int(response.headers.get("content-length") or 0)
                if declared > max_bytes:
                    raise self._too_big(url, max_bytes)
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise self._too_big(url, max_bytes)
                    cancel.raise_if_cancelled()
                kind = response.headers.get("content-type", "")
            if kind.startswith("image/") and not bytes(data).startswith(_IMAGE_MAGIC):
                raise self.error(
                    f"{self.label} sent something that is not a picture for a preview",
                    url,
                    fix="Try again later",
                )
            return bytes(data)

        try:
            return run_abandonable(fetch, cancel, name="stock-preview")
        except httpx2.TransportError as error:
            raise self._unreachable(url, repr(error)) from None

    # -- errors ---------------------------------------------------------------------------------
    def error(self, what: str, url: str, *, fix: str | None = None) -> StockError:
        """A ``StockError`` about ``url``'s server, with no key anywhere in it."""
        what = what.replace(self.secret, mask(self.secret)) if self.secret else what
        return StockError(what, where=host_of(url), fix=fix)

    def bad_shape(self, detail: str, url: str) -> StockError:
        """The library answered JSON, but not in the shape its documentation gives."""
        log.warning(
            "%s answered an unexpected shape from %s: %s",
            self.label,
            redact(url, self.secret),
            detail,
        )
        return self.error(
            f"{self.label} answered in a form Studio does not understand ({detail})",
            url,
            fix="Try again later; if it keeps happening, update Studio",
        )

    # -- inside ---------------------------------------------------------------------------------
    def _with_retries(
        self, send: Callable[[], httpx2.Response], url: str, cancel: CancelToken
    ) -> httpx2.Response:
        for attempt in range(1, ATTEMPTS + 1):
            cancel.raise_if_cancelled()
            try:
                response = run_abandonable(send, cancel, name="stock-request")
                self._check(response, url)
                return response
            except _Retry as retry:
                self._pause(retry, url, attempt, cancel)
            except (httpx2.UnsupportedProtocol, httpx2.InvalidURL):
                raise self.error(
                    f"The address of {self.label} is not a web address",
                    url,
                    fix="Check the library's STUDIO_…_URL setting",
                ) from None
            except httpx2.TransportError as error:
                self._pause(_Retry(repr(error)), url, attempt, cancel, cut=True)
            except httpx2.HTTPError as error:  # e.g. endless redirects: retrying won't help
                raise self._unreachable(url, repr(error)) from None
        raise AssertionError("unreachable: _pause raises on the last attempt")

    def _check(self, response: httpx2.Response, url: str) -> None:
        """Return for a 2xx; ``_Retry`` for what may pass; a StockError for what won't."""
        status = response.status_code
        if 200 <= status < 300:
            return
        if status == 429 or status >= 500:
            response.close()
            raise _Retry(f"HTTP {status}", retry_after(response.headers))
        body = _text_of(response)
        response.close()
        if self._is_key_refusal(status, body):
            if self.secret is None:
                raise self.error(
                    f"{self.label} refused the request (HTTP {status})", url, fix="Try again later"
                )
            raise KeyRefused(
                f"{self.label} refused the API key", where=host_of(url), fix=self.key_fix
            )
        log.warning(
            "%s answered HTTP %s for %s: %s",
            self.label,
            status,
            redact(url, self.secret),
            redact(body[:200], self.secret),
        )
        raise self.error(
            f"{self.label} refused the request (HTTP {status})",
            url,
            fix="Try again later; if it keeps happening, update Studio",
        )

    def _pause(
        self, retry: _Retry, url: str, attempt: int, cancel: CancelToken, *, cut: bool = False
    ) -> None:
        """Wait before the next try, or raise the error that ends the tries."""
        log.info(
            "%s: try %d for %s failed (%s)",
            self.label,
            attempt,
            redact(url, self.secret),
            redact(retry.reason, self.secret),
        )
        if retry.wait is not None and retry.wait > MAX_RETRY_WAIT:
            minutes = max(1, round(retry.wait / 60))
            raise self.error(
                f"{self.label} is limiting requests for now",
                url,
                fix=f"Try again in {minutes} minute{'s' * (minutes > 1)}",
            )
        if attempt >= ATTEMPTS:
            if cut:
                raise self._unreachable(url, retry.reason)
            if retry.reason == "HTTP 429":
                raise self.error(
                    f"{self.label} is limiting requests for now", url, fix="Try again in a minute"
                )
            raise self.error(
                f"{self.label} is not answering properly ({retry.reason})",
                url,
                fix="Try again later",
            )
        wait = retry.wait if retry.wait is not None else FIRST_BACKOFF * 2 ** (attempt - 1)
        if cancel.wait(wait):
            raise Cancelled()

    def _unreachable(self, url: str, reason: str) -> StockError:
        """The error for a library that could not be reached; the cause goes to the log file
        only (INFO), since the caller shows the creator the error's one line."""
        log.info(
            "%s could not be reached at %s: %s",
            self.label,
            redact(url, self.secret),
            redact(reason, self.secret),
        )
        return Unreachable(
            f"Cannot reach {self.label}",
            where=host_of(url),
            fix="Check your internet connection (and proxy), then try again",
        )

    def _too_big(self, url: str, max_bytes: int) -> StockError:
        return self.error(
            f"{self.label} sent a preview larger than {max_bytes // 1000} KB",
            url,
            fix="Try another result",
        )

    def _json_of(self, response: httpx2.Response, url: str) -> Any:
        kind = response.headers.get("content-type", "")
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            detail = (
                "a web page"
                if "html" in kind or response.content.lstrip()[:1] == b"<"
                else "not JSON"
            )
            log.warning(
                "%s answered %s (%s) from %s", self.label, detail, kind, redact(url, self.secret)
            )
            raise self.error(
                f"{self.label} answered {detail} instead of search results",
                url,
                fix="Try again later; a proxy or captive portal may be in the way",
            ) from None


def _clean(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """``params`` without the None values (a filter not asked for is not sent)."""
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _text_of(response: httpx2.Response) -> str:
    try:
        response.read()
        return response.text
    except (UnicodeDecodeError, httpx2.HTTPError):
        return ""
