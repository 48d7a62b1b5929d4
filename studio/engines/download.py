"""Download Kokoro's weight files from the Hugging Face hub, when the creator asks for them.

The only place Studio downloads model files. It asks the hub (``huggingface_hub``: URLs,
``HEAD`` metadata, its HTTP session and errors) what each file is, then fetches the bytes
itself so that a download

* resumes: bytes land in ``<file>.<etag>.part`` beside the target, kept when the transfer is cut
  or cancelled, and the next call asks only for the rest (``Range``). ``hf_hub_download`` since
  huggingface_hub 1.x deletes its partial file on any failure, so it cannot do this;
* reports progress every MiB and can be cancelled whenever bytes arrive;
* is checked: an LFS file's sha256 must equal the hub's ``X-Linked-Etag`` (its LFS oid) and
  every file must have the hub's size. A file that fails is deleted, with a clear error.

The files land in ``target_dir`` in the hub's layout (``config.json``, ``kokoro-v1_0.pth``,
``voices/<id>.pt``), which :func:`studio.engines.weights.find_kokoro_weights` reads.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.utils import get_session, hf_raise_for_status

from studio.engines.weights import (
    CONFIG_FILENAME,
    DEFAULT_VOICE,
    KOKORO_REPO_ID,
    MODEL_FILENAME,
    VOICES_DIRNAME,
    KokoroWeights,
    check_voice_id,
    find_kokoro_weights,
)
from studio.errors import Cancelled, InputError, ServiceError
from studio.inputfiles import sha256_of, size_or_zero
from studio.progress import CancelToken, ProgressFn, no_progress
from studio.text import byte_count

log = logging.getLogger(__name__)

#: The hub branch downloaded; every file is then fetched at the commit it resolved to.
KOKORO_REVISION = "main"
#: Progress is reported (and files are hashed) in steps of this many bytes.
CHUNK_SIZE = 1 << 20
#: Reconnections in a row, within one call, after cut transfers (a transfer that brought bytes
#: starts the count again, so a slow but moving download never gives up).
DEFAULT_RETRIES = 3
#: Seconds before the first reconnection; doubled after each one that brought nothing.
RETRY_WAIT = 0.5
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class RemoteFile:
    """What the hub says about one file of the repo.

    Attributes:
        name: the path in the repo (``voices/af_heart.pt``).
        url: where its bytes are (the CDN for LFS files).
        size: its size in bytes, if the hub said.
        etag: the hub's ETag: the sha256 for LFS files, a git blob id for small ones.
        commit: the commit the hub resolved the revision to.
    """

    name: str
    url: str
    size: int | None
    etag: str
    commit: str

    @property
    def sha256(self) -> str | None:
        """The expected sha256, known for LFS files (their ETag is their LFS oid)."""
        return self.etag if _SHA256.match(self.etag) else None


def kokoro_filenames(voices: Iterable[str]) -> list[str]:
    """The repo paths of the files Kokoro needs for ``voices`` (InputError on a bad id)."""
    voice_ids = list(dict.fromkeys(check_voice_id(voice) for voice in voices))
    if not voice_ids:
        raise InputError("No Kokoro voice was chosen to download", fix="Pick at least one voice")
    return [
        CONFIG_FILENAME,
        MODEL_FILENAME,
        *(f"{VOICES_DIRNAME}/{voice}.pt" for voice in voice_ids),
    ]


def download_kokoro_weights(
    target_dir: Path,
    voices: Iterable[str] = (DEFAULT_VOICE,),
    *,
    endpoint: str | None = None,
    revision: str = KOKORO_REVISION,
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    retries: int = DEFAULT_RETRIES,
) -> KokoroWeights:
    """Download Kokoro's config, model and ``voices`` into ``target_dir``; return them.

    Files already there and intact are kept. ``endpoint`` (else ``$HF_ENDPOINT``, else
    huggingface.co) is the hub to ask. Raises ServiceError when the hub cannot be reached,
    refuses, or sends a damaged file; Cancelled when ``cancel`` fires (the partial file is kept
    and the next call resumes it); InputError for a voice id that is not a Kokoro voice.
    """
    target = Path(target_dir).expanduser()
    names = kokoro_filenames(voices)
    cancel = cancel or CancelToken()
    hub = (endpoint or os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")

    progress(0.0, "Asking the Hugging Face hub for Kokoro's files")
    files: list[RemoteFile] = []
    for name in names:
        cancel.raise_if_cancelled()
        remote = _remote_file(hub, name, revision)
        revision = remote.commit  # the same commit for every file
        files.append(remote)

    total = sum(remote.size or 0 for remote in files) or 1
    done = 0
    for remote in files:
        cancel.raise_if_cancelled()
        offset = done

        def report(received: int, remote: RemoteFile = remote, offset: int = offset) -> None:
            of_size = f" of {byte_count(remote.size)}" if remote.size else ""
            progress(
                min(1.0, (offset + received) / total),
                f"Downloading {remote.name} ({byte_count(received)}{of_size})",
            )

        _fetch(remote, target / remote.name, report, cancel, retries)
        done += remote.size or 0
    progress(1.0, "Kokoro's files are ready")
    return find_kokoro_weights(target)


# --- Asking the hub ------------------------------------------------------------------------------


def _remote_file(endpoint: str, name: str, revision: str) -> RemoteFile:
    """The hub's metadata for ``name`` (a ``HEAD`` on its resolve URL)."""
    url = hf_hub_url(KOKORO_REPO_ID, name, revision=revision, endpoint=endpoint)
    try:
        metadata = get_hf_file_metadata(url, token=False, endpoint=endpoint)
    except OfflineModeIsEnabled as error:
        raise ServiceError(
            "Downloads are switched off (HF_HUB_OFFLINE is set)",
            fix="Unset HF_HUB_OFFLINE to download Kokoro's files",
        ) from error
    except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError) as error:
        raise ServiceError(
            f"The Hugging Face hub has no {name} in {KOKORO_REPO_ID} at {revision}",
            where=endpoint,
            fix="Check HF_ENDPOINT, or update Studio if the Kokoro repository changed",
        ) from error
    except HfHubHTTPError as error:
        raise _refused(error, endpoint) from error
    except httpx2.HTTPError as error:
        raise _unreachable(error, endpoint) from error
    if metadata.commit_hash is None or metadata.etag is None:
        raise ServiceError(
            f"{endpoint} did not answer like a Hugging Face hub (no commit or ETag for {name})",
            fix="Check HF_ENDPOINT and any proxy between you and the hub",
        )
    return RemoteFile(name, metadata.location, metadata.size, metadata.etag,
                      metadata.commit_hash)  # fmt: skip


def _refused(error: HfHubHTTPError, where: str) -> ServiceError:
    status = error.response.status_code if error.response is not None else "?"
    return ServiceError(
        f"The Hugging Face hub refused the download (HTTP {status})",
        where=where,
        fix="Try again later",
    )


def _unreachable(error: Exception, where: str) -> ServiceError:
    """The hub could not be reached: said in the creator's words (the server's name); the
    exception itself goes to the log, not on screen."""
    log.warning("The Hugging Face hub at %s could not be reached: %r", where, error)
    return ServiceError(
        f"Cannot reach the Hugging Face hub ({_host(where)})",
        fix="Check your internet connection (and proxy), then try again",
    )


def _host(url: str) -> str:
    """``https://huggingface.co/x`` -> ``huggingface.co`` (the server a creator can check)."""
    return urlsplit(url).netloc or url


# --- Fetching one file ---------------------------------------------------------------------------


class _Interrupted(Exception):
    """The transfer broke off; what arrived is in the part file."""


def _fetch(
    remote: RemoteFile,
    dest: Path,
    report: Callable[[int], None],
    cancel: CancelToken,
    retries: int,
) -> None:
    """Make ``dest`` hold ``remote``'s verified bytes, resuming a part file if there is one."""
    if dest.is_file() and _intact(dest, remote):
        report(dest.stat().st_size)
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f"{dest.name}.{remote.etag[:16]}.part")
    for stale in dest.parent.glob(f"{dest.name}.*.part"):
        if stale != part:  # a part of an older version of the file
            stale.unlink(missing_ok=True)

    failures = 0
    while True:
        before = size_or_zero(part)
        try:
            _transfer(remote, part, report, cancel)
            break
        except _Interrupted as error:
            cause = error.__cause__ or error
            failures = 1 if size_or_zero(part) > before else failures + 1
            if failures > retries:
                log.warning("The download of %s was interrupted: %r", remote.url, cause)
                raise ServiceError(
                    f"The download of {remote.name} was interrupted",
                    where=_host(remote.url),
                    fix="Try again: the download resumes where it stopped",
                ) from error
            if cancel.wait(min(8.0, RETRY_WAIT * 2 ** (failures - 1))):
                raise Cancelled() from error

    problem = _problem(part, remote)
    if problem is not None:
        part.unlink(missing_ok=True)
        raise ServiceError(
            f"The downloaded {remote.name} is damaged: {problem}; it was deleted",
            where=remote.url.split("?")[0],
            fix="Try the download again; if it fails again, a proxy or antivirus may be "
            "altering downloads",
        )
    # Not savefile.atomic_path: that deletes its temporary file on any failure, and this part
    # file must outlive a cut or cancelled run so the next one resumes it. The end is the same:
    # the whole, verified file is renamed over ``dest``.
    os.replace(part, dest)


def _transfer(
    remote: RemoteFile, part: Path, report: Callable[[int], None], cancel: CancelToken
) -> None:
    """Append the rest of ``remote`` to ``part`` (``Range`` from its size); _Interrupted if cut."""
    have = size_or_zero(part)
    if remote.size is not None and have > remote.size:
        part.unlink()
        have = 0
    if remote.size is not None and have == remote.size:
        return
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    timeout = httpx2.Timeout(constants.HF_HUB_DOWNLOAD_TIMEOUT)
    try:
        with get_session().stream("GET", remote.url, headers=headers, timeout=timeout) as response:
            if response.status_code == 416:  # the part is as long as the file, or longer
                part.unlink(missing_ok=True)
                raise _Interrupted("the server refused to resume; starting over")
            hf_raise_for_status(response)
            if have and response.status_code != 206:  # Range ignored: the whole file comes
                have = 0
            with part.open("r+b" if have else "wb") as stream:
                stream.seek(have)
                stream.truncate()
                report(have)
                reported = have
                for data in response.iter_bytes():  # as it arrives: a cut loses nothing
                    stream.write(data)
                    have += len(data)
                    if have - reported >= CHUNK_SIZE:
                        report(have)
                        reported = have
                    if cancel.cancelled:
                        raise Cancelled()
                report(have)
    except HfHubHTTPError as error:
        raise _refused(error, remote.url.split("?")[0]) from error
    except OfflineModeIsEnabled as error:
        raise ServiceError("Downloads are switched off (HF_HUB_OFFLINE is set)") from error
    except httpx2.TransportError as error:  # refused, cut, timed out
        raise _Interrupted(str(error)) from error
    if remote.size is not None and have < remote.size:
        raise _Interrupted(f"only {have} of {remote.size} bytes arrived")


def _problem(path: Path, remote: RemoteFile) -> str | None:
    """Why ``path`` is not ``remote``'s content (size, then sha256 when known), or None."""
    size = size_or_zero(path)
    if remote.size is not None and size != remote.size:
        return f"it has {size} bytes, the hub says {remote.size}"
    if remote.sha256 is not None and sha256_of(path) != remote.sha256:
        return "its SHA-256 checksum does not match the hub's"
    return None


def _intact(path: Path, remote: RemoteFile) -> bool:
    return _problem(path, remote) is None
