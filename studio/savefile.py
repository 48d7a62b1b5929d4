"""Writing a file whose name the creator chose: check the place first, then replace atomically.

Modelled on qutebrowser's ``savefile_open``: one owner for every file written at a path a
person typed or picked. ``check_output_target`` refuses, before any other work, a target that
would destroy the library (its database, the database's ``-wal``/``-shm``/``-journal``, a
backup, anything in the home folder) or that can't hold a file (a folder, a device, a missing
or unwritable folder). ``output_path`` and ``write_atomically`` write a temporary file beside
the target, flush it to disk and ``os.replace`` it, so the old file is never truncated and a
failure leaves it as it was; a refusal is an ``InputError``.

Studio's own files (caches, sidecars, backups) go through the same mechanism one level down,
``atomic_path`` and ``atomic_write``, which raise the ``OSError`` for the caller to word (a
``MediaError`` for ffmpeg's outputs: ``studio.media.ffmpeg.atomic_output``).
"""

from __future__ import annotations

import errno
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from studio.errors import InputError
from studio.home import Home
from studio.inputfiles import resolve_path

log = logging.getLogger(__name__)

#: Files SQLite keeps beside a database while it is open or mid-transaction.
DB_SIDECARS = ("", "-wal", "-shm", "-journal")
#: OSErrors that mean "this place can't take the file" rather than a bug.
WRITE_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}
)


def _library_paths(home: Home) -> tuple[Path, tuple[Path, ...]]:
    """The home folder and the database files, symlinks resolved (the db may live elsewhere)."""
    db = home.db_path.resolve()
    return home.root.resolve(), tuple(Path(f"{db}{suffix}") for suffix in DB_SIDECARS)


def _refuse(what: str, target: Path, fix: str) -> InputError:
    return InputError(what, where=str(target), fix=fix)


def check_output_target(target: str | os.PathLike[str], home: Home) -> Path:
    """The absolute path to write ``target`` at, or InputError saying why it can't be written.

    Symlinks and ``..`` are resolved first, so a link to ``studio.db`` is caught as the
    database itself. Nothing is written except a probe file that is removed at once.
    """
    given = Path(target).expanduser()
    resolved = resolve_path(given, what="output file")
    home_root, db_files = _library_paths(home)
    if resolved in db_files:
        raise _refuse(
            "That is Studio's own database; writing there would destroy your library",
            given,
            "Choose a file outside the library folder, e.g. in your Documents",
        )
    if resolved == home_root or resolved.is_relative_to(home_root):
        raise _refuse(
            "That place is inside Studio's library folder, which Studio manages itself",
            given,
            "Choose a file outside the library folder, e.g. in your Documents",
        )
    _check_not_special(given, resolved)
    _check_folder(given, resolved.parent)
    return resolved


def _check_not_special(given: Path, resolved: Path) -> None:
    """Refuse an existing folder or anything that is not a plain file (a device, a pipe)."""
    try:
        mode = resolved.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _refuse(
            f"Studio cannot look at that file: {exc.strerror or exc}",
            given,
            "Choose another place",
        ) from exc
    if stat.S_ISDIR(mode):
        raise _refuse(
            "That is a folder; Studio needs a file name",
            given,
            f"Add a file name, e.g. {given / 'video.json'}",
        )
    if not stat.S_ISREG(mode):
        raise _refuse("That is not an ordinary file", given, "Choose a file name in a folder")


def _check_folder(given: Path, folder: Path) -> None:
    """Refuse a missing folder or one where a file can't be created (probed, not guessed)."""
    if not folder.is_dir():
        raise _refuse(
            "The folder to write into does not exist",
            given.parent,
            "Create it, or choose another place",
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".studio-probe-", dir=folder)
    except OSError as exc:
        raise _refuse(
            f"Studio cannot write in that folder: {exc.strerror or exc}",
            given.parent,
            "Choose a folder you can write to, or fix its permissions",
        ) from exc
    os.close(fd)
    os.unlink(probe)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable where the platform allows it (not on Windows)."""
    with suppress(OSError):
        _fsync(folder)


@contextmanager
def atomic_path(
    target: Path, *, temp_name: str | None = None, durable: bool = True
) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    The one way Studio writes a file: the old file is never truncated, and a failure (or a
    kill) leaves it as it was, with at most a temporary file whose name starts with ``.`` and
    holds ``.partial`` (what ``housekeeping`` and ``produce`` sweep). The temporary file keeps
    ``target``'s suffix so tools that pick a format from it (ffmpeg, zip, Qt's and Pillow's
    image writers) still work, and is written in place: nothing is copied.

    Args:
        temp_name: a fixed name for the temporary file (a cache writer that wants a killed
            job's leftover overwritten by the next try); by default a fresh unique one, so
            writers racing for the same target never share a temporary file.
        durable: flush the file (and the rename) to disk; caches that can be made again skip
            it, files that can't (the library's database, a creator's export) keep it.

    Raises:
        OSError: the file system refused (low level on purpose: callers say it their way).
    """
    target = Path(target)
    if temp_name is None:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.stem}.", suffix=f".partial{target.suffix}", dir=target.parent
        )
        os.close(fd)
        partial = Path(name)
    else:
        partial = target.with_name(temp_name)
        partial.unlink(missing_ok=True)
    try:
        yield partial
        if durable:
            _fsync(partial)
        os.replace(partial, target)
        if durable:
            _fsync_folder(target.parent)
    finally:
        _remove(partial)


def atomic_write(target: Path, data: bytes | str, *, durable: bool = True) -> Path:
    """Write ``data`` (text as UTF-8) to ``target`` through ``atomic_path``; return ``target``.

    Raises:
        OSError: the file system refused.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(target, durable=durable) as partial:
        partial.write_bytes(payload)
    return Path(target)


def _remove(path: Path) -> None:
    """Delete ``path`` if it is there; retry briefly (Windows keeps a just-killed file locked)."""
    for attempt in range(5):
        try:
            path.unlink(missing_ok=True)
            return
        except PermissionError:
            time.sleep(0.1 * (attempt + 1))
        except OSError:
            break
    log.warning("could not remove the unfinished file %s", path)


@contextmanager
def output_path(target: Path) -> Iterator[Path]:
    """``atomic_path`` (a unique, durable temporary file) for a file the creator named.

    Raises:
        InputError: the disk, the folder or the file system refused the write.
    """
    target = Path(target)
    partial: Path | None = None
    try:
        with atomic_path(target) as partial:
            yield partial
    except OSError as exc:
        ours = exc.filename in (str(partial), str(target))
        if partial is None or exc.errno in WRITE_ERRNOS or ours:
            raise _write_error(exc, target) from exc
        raise


def write_atomically(target: Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``target`` through ``output_path``; return ``target``."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with output_path(target) as partial:
        partial.write_bytes(payload)
    return target


def _write_error(exc: OSError, target: Path) -> InputError:
    return InputError(
        f"Studio could not write the file: {exc.strerror or exc}",
        where=str(target),
        fix="Check the folder is writable and the disk has space, or choose another place",
    )


__all__ = [
    "atomic_path",
    "atomic_write",
    "check_output_target",
    "output_path",
    "write_atomically",
]
