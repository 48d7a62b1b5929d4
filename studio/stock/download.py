"""Download a stock candidate into a project: resumed, size-capped, type-checked, deduplicated.

The only place a stock library's file reaches the disk. A download

* resumes: bytes land in ``<folder>/.<provider>-<id>.part``, kept when the transfer is cut or
  cancelled, and the next call asks only for the rest (``Range``, with ``If-Range`` and the
  file's ETag or Last-Modified, so a file changed meanwhile comes whole); a server that ignores
  the range sends the whole file again, which then replaces the part (the approach of
  ``studio.engines.download``, which fetches Kokoro's weights);
  The part (and its validator) outlives the job that cut it: ``keep_for_resume`` tells the
  job-start sweep of leftovers to spare it for ``RESUMABLE_DAYS``;
* is capped: a ``Content-Length`` over ``max_bytes`` is refused before any byte is read, and a
  body growing past it is stopped (the part is deleted);
* is checked: the bytes must be a picture or a video Studio can read (``studio.media.probe``),
  so an HTML error page served as ``video/mp4`` is refused, and deleted, with a clear message;
* is named by content: the file is ``<folder>/<sha256[:16]>/<safe name>`` like
  ``pipeline.visuals.import_visual``'s, so the same file downloaded twice is one copy, with the
  candidate's ``Credit`` in ``credit.json`` beside it.

Rendering never calls this: it reads the files this leaves behind.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import httpx2

from studio.errors import Cancelled, InputError
from studio.inputfiles import sha256_of, size_or_zero
from studio.media.probe import MediaInfo, probe
from studio.progress import CancelToken, ProgressFn, no_progress
from studio.savefile import atomic_write
from studio.stock.base import Candidate, Credit, StockError
from studio.text import byte_count

log = logging.getLogger(__name__)

#: Largest file a stock download may be (a few minutes of 4K footage fits).
DEFAULT_MAX_BYTES = 400 * 1000 * 1000
#: Progress is reported in steps of this many bytes.
CHUNK_SIZE = 1 << 20
#: Reconnections in a row after cut transfers (bytes arriving start the count again).
DEFAULT_RETRIES = 3
#: Seconds before the first reconnection; doubled after each one that brought nothing.
RETRY_WAIT = 0.5
#: Seconds to wait for a server's first byte, and between bytes.
TIMEOUT_SECONDS = 30.0
#: Days a cut download's part file is kept to be resumed by a later job (then it is a leftover).
RESUMABLE_DAYS = 7.0
#: The name of the credit file written beside each downloaded file.
CREDIT_FILE = "credit.json"
#: Suffixes a download is named with when its URL says nothing usable.
DEFAULT_SUFFIX = {"image": ".jpg", "video": ".mp4"}
_KNOWN_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp",
     ".mp4", ".mov", ".m4v", ".webm", ".mkv", ".ogv", ".avi"}
)  # fmt: skip
_UNSAFE = re.compile(r"[^\w.-]+")


def download_candidate(
    candidate: Candidate,
    folder: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    retries: int = DEFAULT_RETRIES,
) -> Path:
    """Download ``candidate`` into ``folder``; return the checked file.

    The file is ``folder/<content hash16>/<name>`` with ``credit.json`` beside it; a file with
    the same content already there is reused.

    Raises:
        StockError: the library refused or broke off (after ``retries`` reconnections), the
            file is over ``max_bytes``, or it is not a picture or video Studio can read. Nothing
            is left at the target; only a cut transfer's part file stays, to be resumed.
        Cancelled: ``cancel`` fired (the part file is kept for the next call).
    """
    folder = Path(folder)
    cancel = cancel or CancelToken()
    report = progress or no_progress
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".{safe_name(candidate.key.replace(':', '-'), '')}.part"
    what = _describe(candidate)
    report(0.0, f"Downloading {what}")
    _fetch(candidate, part, max_bytes, _byte_reporter(report, what, candidate.size_bytes),
           cancel, retries)  # fmt: skip
    _validator_file(part).unlink(missing_ok=True)
    _check_media(candidate, part)
    target = _store(part, folder, file_name(candidate))
    write_credit(target, candidate.credit)
    report(1.0, f"Downloaded {what}")
    return target


def file_name(candidate: Candidate) -> str:
    """What the downloaded file is called: the title (else provider and id), the URL's suffix."""
    suffix = PurePosixPath(unquote(urlsplit(candidate.download_url).path)).suffix.lower()
    if suffix not in _KNOWN_SUFFIXES:
        suffix = DEFAULT_SUFFIX.get(candidate.kind, ".bin")
    stem = candidate.credit.title or f"{candidate.provider}-{candidate.id}"
    return safe_name(stem, suffix)


def safe_name(stem: str, suffix: str, *, limit: int = 80) -> str:
    """``stem`` as a file name any system keeps: letters, digits, ``-_.``, not hidden, short."""
    cleaned = _UNSAFE.sub("-", stem).strip("-.") or "stock"
    return cleaned.encode("utf-8")[:limit].decode("utf-8", "ignore").strip("-.") + suffix


def write_credit(target: Path, credit: Credit) -> Path:
    """Write ``credit`` as ``credit.json`` beside ``target`` (the folder named by its content)."""
    path = target.parent / CREDIT_FILE
    atomic_write(path, json.dumps(credit.to_json(), indent=2, ensure_ascii=False), durable=False)
    return path


def read_credit(target: Path) -> Credit | None:
    """The credit written beside ``target``, or None (none written, or unreadable)."""
    try:
        data = json.loads((target.parent / CREDIT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Credit.from_json(data) if isinstance(data, dict) else None


def keep_for_resume(path: Path, *, now: float | None = None) -> bool:
    """Whether ``path`` is a cut download's part (or its validator) to keep for the next try.

    True for a ``.<provider>-<id>.part`` written by ``download_candidate`` (or its
    ``.validator.part``) whose part was written to within ``RESUMABLE_DAYS``; a validator
    whose part is gone is not kept. Older parts are leftovers like any other.
    """
    name = path.name
    if not (name.startswith(".") and name.endswith(".part")):
        return False
    validator = name.endswith(".validator.part")
    part = path.with_name(name.removesuffix(".validator.part") + ".part") if validator else path
    try:
        written = part.stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - written < RESUMABLE_DAYS * 86_400


# --- Fetching ------------------------------------------------------------------------------------


class _Interrupted(Exception):
    """The transfer broke off; what arrived is in the part file."""


def _fetch(
    candidate: Candidate,
    part: Path,
    max_bytes: int,
    report: Callable[[int], None],
    cancel: CancelToken,
    retries: int,
) -> None:
    """Make ``part`` hold the whole download, resuming it; reconnect after cuts."""
    failures = 0
    while True:
        cancel.raise_if_cancelled()
        before = size_or_zero(part)
        try:
            _transfer(candidate, part, max_bytes, report, cancel)
            return
        except _Interrupted as error:
            failures = 1 if size_or_zero(part) > before else failures + 1
            if failures > retries:
                log.warning("The download of %s was interrupted: %s", candidate.download_url,
                            error)  # fmt: skip
                raise StockError(
                    f"The download of {_describe(candidate)} was interrupted",
                    where=_host(candidate.download_url),
                    fix="Try again: the download resumes where it stopped",
                ) from error
            if cancel.wait(min(8.0, RETRY_WAIT * 2 ** (failures - 1))):
                raise Cancelled() from error


def _transfer(
    candidate: Candidate,
    part: Path,
    max_bytes: int,
    report: Callable[[int], None],
    cancel: CancelToken,
) -> None:
    """Append the rest of the download to ``part`` (``Range`` from its size; ``If-Range``
    with the file's validator, so a file changed since the part began comes whole)."""
    have = size_or_zero(part)
    headers = {"Accept-Encoding": "identity", "User-Agent": "Studio"}
    validator = _validator_file(part)
    if have:
        headers["Range"] = f"bytes={have}-"
        if known := _read_validator(validator):
            headers["If-Range"] = known
    url = candidate.download_url
    try:
        with httpx2.stream("GET", url, headers=headers, timeout=TIMEOUT_SECONDS,
                           follow_redirects=True) as response:  # fmt: skip
            if response.status_code == 416:
                if response.headers.get("content-range", "") == f"bytes */{have}":
                    return  # the part is already the whole file
                part.unlink(missing_ok=True)  # stale: start over
                raise _Interrupted("the server refused to resume; starting over")
            _check_status(candidate, response)
            if have and response.status_code != 206:  # Range ignored: the whole file comes
                have = 0
            _check_length(candidate, part, response, have, max_bytes)
            if not have:
                _write_validator(validator, response)
            with part.open("r+b" if have else "wb") as stream:
                stream.seek(have)
                stream.truncate()
                have = _copy(response, stream, have, max_bytes, report, cancel)
    except httpx2.TransportError as error:  # refused, cut, timed out
        raise _Interrupted(str(error)) from error
    except _OverCap:
        part.unlink(missing_ok=True)
        validator.unlink(missing_ok=True)
        raise _too_large(candidate, max_bytes) from None
    expected = _expected_total(response, have)
    if expected is not None and have < expected:
        raise _Interrupted(f"only {have} of {expected} bytes arrived")


def _validator_file(part: Path) -> Path:
    """Where the part's ``ETag`` (else ``Last-Modified``) is kept while it is resumable."""
    return part.with_name(part.name.removesuffix(".part") + ".validator.part")


def _read_validator(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _write_validator(path: Path, response: httpx2.Response) -> None:
    """Keep the response's strong ``ETag`` or its ``Last-Modified`` (nothing when it has
    neither: a resume then trusts the server's ``Range``)."""
    etag = response.headers.get("etag", "")
    value = etag if etag and not etag.startswith("W/") else response.headers.get("last-modified")
    if value and value.isascii() and len(value) < 200:
        path.write_text(value, encoding="ascii")
    else:
        path.unlink(missing_ok=True)


class _OverCap(Exception):
    """The body grew past the size cap."""


def _copy(
    response: httpx2.Response,
    stream: BinaryIO,
    have: int,
    max_bytes: int,
    report: Callable[[int], None],
    cancel: CancelToken,
) -> int:
    """Write the body to ``stream`` as it arrives (a cut loses nothing); return the size."""
    report(have)
    reported = have
    for data in response.iter_bytes():
        stream.write(data)
        have += len(data)
        if have > max_bytes:
            raise _OverCap()
        if have - reported >= CHUNK_SIZE:
            report(have)
            reported = have
        if cancel.cancelled:
            raise Cancelled()
    report(have)
    return have


def _check_status(candidate: Candidate, response: httpx2.Response) -> None:
    """A refusal is a StockError; a server error or 429 is a cut worth retrying."""
    status = response.status_code
    if status in (200, 206):
        return
    if status == 429 or status >= 500:
        raise _Interrupted(f"HTTP {status}")
    raise StockError(
        f"{_library(candidate)} refused the download of {_describe(candidate)} (HTTP {status})",
        where=_host(candidate.download_url),
        fix="Choose another result, or search again (the link may have expired)",
    )


def _check_length(
    candidate: Candidate,
    part: Path,
    response: httpx2.Response,
    have: int,
    max_bytes: int,
) -> None:
    """Refuse a download whose announced size is over the cap, before reading its body."""
    total = _expected_total(response, have)
    if total is not None and total > max_bytes:
        part.unlink(missing_ok=True)
        _validator_file(part).unlink(missing_ok=True)
        raise _too_large(candidate, max_bytes, total)


def _expected_total(response: httpx2.Response, have: int) -> int | None:
    """The whole file's size as the response announces it (None when it doesn't)."""
    content_range = response.headers.get("content-range", "")
    if response.status_code == 206 and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        return int(total) if total.isdigit() else None
    length = response.headers.get("content-length", "")
    if not length.isdigit():
        return None
    return int(length) + (have if response.status_code == 206 else 0)


def _too_large(candidate: Candidate, max_bytes: int, size: int | None = None) -> StockError:
    said = f" ({byte_count(size)})" if size is not None else ""
    return StockError(
        f"{_describe(candidate).capitalize()} is larger than Studio downloads{said}; "
        f"the limit is {byte_count(max_bytes)}",
        where=_host(candidate.download_url),
        fix="Choose a shorter clip or a smaller picture",
    )


# --- Checking and storing ------------------------------------------------------------------------


def _check_media(candidate: Candidate, part: Path) -> MediaInfo:
    """The part must be the picture or video the candidate promised; else it is deleted."""
    try:
        info = probe(part)
    except InputError as error:
        part.unlink(missing_ok=True)
        raise StockError(
            f"{_library(candidate)} sent something that isn't a picture or a video for "
            f"{_describe(candidate)}; it was deleted",
            where=_host(candidate.download_url),
            fix="Choose another result; if every download fails, a proxy or captive portal may "
            "be answering instead of the library",
        ) from error
    if candidate.kind == "video" and not info.has_video:
        part.unlink(missing_ok=True)
        raise StockError(
            f"{_library(candidate)} sent a file with no picture for {_describe(candidate)}; "
            "it was deleted",
            where=_host(candidate.download_url),
            fix="Choose another result",
        )
    return info


def _store(part: Path, folder: Path, name: str) -> Path:
    """Move ``part`` to ``folder/<sha256[:16]>/name``; an identical file there is kept instead."""
    digest = sha256_of(part)[:16]
    home = folder / digest
    existing = [p for p in home.iterdir() if p.is_file() and p.name != CREDIT_FILE] if (
        home.is_dir()
    ) else []  # fmt: skip
    if existing:  # the same content, downloaded before (maybe under another name)
        part.unlink(missing_ok=True)
        return existing[0]
    home.mkdir(parents=True, exist_ok=True)
    target = home / name
    os.replace(part, target)
    return target



# --- Words ---------------------------------------------------------------------------------------


def _byte_reporter(report: ProgressFn, what: str, size: int | None) -> Callable[[int], None]:
    def bytes_arrived(received: int) -> None:
        of_size = f" of {byte_count(size)}" if size else ""
        fraction = min(0.99, received / size) if size else 0.0
        report(fraction, f"Downloading {what} ({byte_count(received)}{of_size})")

    return bytes_arrived


def _describe(candidate: Candidate) -> str:
    """ "the clip "Ocean waves"" / "the picture from Pexels": the download, for the creator."""
    noun = "clip" if candidate.kind == "video" else "picture"
    if candidate.credit.title:
        return f'the {noun} "{candidate.credit.title[:60]}"'
    return f"the {noun} from {_library(candidate)}"


def _library(candidate: Candidate) -> str:
    return candidate.provider.capitalize() or "The library"


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


