"""Files the creator names as input: only regular files, and never more bytes than a limit.

A FIFO, a socket or a device such as ``/dev/zero`` given where Studio expects a file would
hang a read (or an FFmpeg run) forever or fill the memory. Every file the creator names goes
through ``check_regular_file`` (before a path is handed to FFmpeg or zipfile) or
``read_regular_file`` (when Studio reads the bytes itself, bounded).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from studio.errors import InputError

_CHUNK = 1 << 20


def _kind(mode: int) -> str:
    """What a non-regular file is, in the creator's words."""
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(mode: int, path: Path, what: str) -> InputError:
    if stat.S_ISDIR(mode):
        return InputError(
            f"That is a folder, not a {what}", where=str(path), fix=f"Choose the {what} itself"
        )
    return InputError(
        f"The {what} is {_kind(mode)}, not a regular file",
        where=str(path),
        fix=f"Choose a {what} saved on disk",
    )


def _os_error(exc: OSError, path: Path, what: str) -> InputError:
    if isinstance(exc, FileNotFoundError):
        return InputError(
            f"The {what} does not exist", where=str(path), fix="Check the name and folder"
        )
    if isinstance(exc, PermissionError):
        return InputError(
            f"Studio may not read the {what}", where=str(path), fix="Check its permissions"
        )
    return InputError(f"The {what} could not be read ({exc.strerror or exc})", where=str(path))


def resolve_path(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """``path`` made absolute with its links and ``..`` resolved, or InputError naming it.

    ``Path.resolve`` raises ``RuntimeError`` on a loop of symbolic links (Python 3.11); a
    creator's path may be one, which is their input to fix, not a bug.
    """
    file = Path(path).expanduser()
    try:
        return file.resolve()
    except (RuntimeError, OSError, ValueError):
        raise InputError(
            f"The {what}'s path is a loop of symbolic links",
            where=str(file),
            fix="Point the link at a real file or folder, or give the path itself",
        ) from None


def check_regular_file(path: str | os.PathLike[str], *, what: str = "file") -> Path:
    """``path`` if it is a regular file (links followed), else InputError naming it.

    Only ``stat`` is used: nothing is opened, so a FIFO can't block the check.
    """
    file = Path(path)
    try:
        mode = file.stat().st_mode
    except (OSError, ValueError) as exc:
        raise _os_error(
            exc if isinstance(exc, OSError) else OSError(str(exc)), file, what
        ) from None
    if not stat.S_ISREG(mode):
        raise _refuse(mode, file, what)
    return file


def read_regular_file(
    path: str | os.PathLike[str], *, limit: int, what: str = "file", fix: str | None = None
) -> bytes:
    """The bytes of the regular file ``path``: at most ``limit``, else InputError.

    Opened non-blocking and checked with ``fstat`` on the open descriptor (so a file swapped
    for a FIFO after a check is still refused), then read up to ``limit + 1`` bytes: a file
    that grows while it is read is bounded too. The "too large" message names both sizes.
    """
    file = Path(path)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(file, flags)
    except (OSError, ValueError) as exc:
        raise _os_error(
            exc if isinstance(exc, OSError) else OSError(str(exc)), file, what
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(info.st_mode, file, what)
        if info.st_size > limit:
            raise _too_large(file, what, info.st_size, limit, fix)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise _os_error(exc, file, what) from None
    finally:
        os.close(fd)
    if total > limit:
        raise _too_large(file, what, total, limit, fix)
    return b"".join(chunks)


def _too_large(file: Path, what: str, size: int, limit: int, fix: str | None) -> InputError:
    more = "more than " if size == limit + 1 else ""
    return InputError(
        f"The {what} is too large ({more}{size:,} bytes; the limit is {limit:,})",
        where=str(file),
        fix=fix,
    )


__all__ = ["check_regular_file", "read_regular_file", "resolve_path"]


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex), read a block at a time (names files by content)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as stream:
        while block := stream.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def size_or_zero(path: Path) -> int:
    """A file's size in bytes, 0 when it isn't there (e.g. a download's part not begun)."""
    try:
        return Path(path).stat().st_size
    except FileNotFoundError:
        return 0
