"""One render of a project at a time, across windows and processes.

Two renders of the same project share its segment cache, its soundtrack chunks and its
partial files: run together, one deletes what the other is writing. So every render (the CLI's
``render``/``resume``/``produce``, the window's Render button, the sample project) first takes
the project's lock and is refused at once if another process holds it. Renders of *other*
projects take other locks and run side by side.

The lock is the operating system's (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows)
on ``<home>/locks/<project-id>.lock``: the OS drops it when its process ends, even by SIGKILL,
so a crashed render never leaves its project locked. The file lives outside ``projects/`` on
purpose: a render sweeps its project folder of dot-files and partial files, and deleting a
held lock file would let the next render lock a fresh file beside the old one. The holder
writes its pid and the project's name into the file (after a one-byte pad, which is the byte
Windows locks) so a refused render can say which process has it.

A restore replaces the whole database under every render, so ``no_render_running`` takes every
project's lock for the length of the restore, and refuses at once if one is held.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from studio.errors import InputError, ProjectBusy
from studio.home import Home
from studio.text import one_line

#: The folder of the home that holds the lock files (owned by this module).
LOCKS_FOLDER = "locks"
#: The window's single-instance lock (``studio.gui.single_instance``), not a project's.
WINDOW_LOCK = "window.lock"
_PAD = b" "  # byte 0: the byte locked on Windows; the pid follows it


def lock_path(home: Home, project_id: str) -> Path:
    """The lock file of a project (the folder is created on demand)."""
    return home.root / LOCKS_FOLDER / f"{project_id}.lock"


def _try_lock(fd: int) -> bool:
    """Take the OS lock on ``fd`` without waiting; False if another holder has it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)


def _holder(path: Path) -> tuple[int | None, str | None]:
    """The pid and project name the holder wrote, if it has written them yet (else None)."""
    try:
        text = path.read_bytes()[len(_PAD) :].decode("utf-8", "replace")
    except OSError:
        return None, None
    pid, _, name = text.partition("\n")
    pid = pid.strip()
    return (int(pid) if pid.isdigit() else None), (name.rstrip("\n") or None)


def _holder_pid(path: Path) -> int | None:
    return _holder(path)[0]


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def busy_error(project_name: str, pid: int | None) -> ProjectBusy:
    """The one-line refusal: who holds the project, and what to do."""
    holder = f" (pid {pid})" if pid is not None else ""
    return ProjectBusy(
        f"{project_name!r} is already rendering in another window or process{holder}",
        fix="Wait for it to finish or cancel it there, then render again",
    )


@contextlib.contextmanager
def render_lock(home: Home, project_id: str, project_name: str) -> Iterator[None]:
    """Hold the project's render lock for the block; ``ProjectBusy`` at once if it is taken.

    Raised before the block runs, so a refused render writes nothing (no job row, no file).
    """
    with _held(lock_path(home, project_id), project_name,
               lambda pid: busy_error(project_name, pid)):  # fmt: skip
        yield


@contextlib.contextmanager
def _held(path: Path, name: str, refused: Callable[[int | None], ProjectBusy]) -> Iterator[None]:
    """Hold the lock file ``path`` for the block, writing this process's pid and ``name``
    into it (for whoever is refused meanwhile); ``refused(holder's pid)`` is raised at once
    if another holds it."""
    fd = _open(path)
    try:
        if not _try_lock(fd):
            raise refused(_holder_pid(path))
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, _PAD + f"{os.getpid()}\n{one_line(name)}\n".encode())
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


#: A batch's lock file starts so (its name is a hash of the manifest's path).
_BATCH_PREFIX = "batch-"


def batch_busy_error(manifest: str, pid: int | None) -> ProjectBusy:
    """The one-line refusal of a second run of a manifest that is being made."""
    holder = f" (pid {pid})" if pid is not None else ""
    return ProjectBusy(
        f"This manifest is already being made by another window or process{holder}",
        where=manifest,
        fix="Wait for that batch to finish or cancel it, then run it again to continue",
    )


@contextlib.contextmanager
def batch_lock(home: Home, manifest: str) -> Iterator[None]:
    """Hold the lock of the batch of ``manifest`` (its resolved path) for the block;
    ``ProjectBusy`` at once if another process (or window) is making it.

    Two runs of one manifest at once would both make every row (and race on its rows in the
    store). Taken before the batch's rows are read, so a refused run writes nothing. The
    lock's name is a hash of the path (any path fits in a file name); its holder writes the
    path, so a restore refused meanwhile names the manifest.
    """
    digest = hashlib.sha256(manifest.encode("utf-8", "surrogateescape")).hexdigest()[:24]
    with _held(lock_path(home, f"{_BATCH_PREFIX}{digest}"), manifest,
               lambda pid: batch_busy_error(manifest, pid)):  # fmt: skip
        yield


def render_running_error(project: str, *, batch: bool = False) -> InputError:
    """The refusal of a restore while ``project`` renders elsewhere (``batch``: while the
    batch of the manifest ``project`` is being made)."""
    what = f"A batch is running in another window or process (manifest {project})" if batch \
        else f"A render is running in another window or process (project {project})"
    return InputError(what, fix="Wait for it or cancel it, then restore")


@contextlib.contextmanager
def no_render_running(home: Home) -> Iterator[None]:
    """Hold every project's render lock for the block, so no render runs or starts meanwhile.

    Raises ``InputError`` before the block runs if any project's lock is held (by another
    process, or another render of this one); the locks taken so far are released.
    """
    folder = home.root / LOCKS_FOLDER
    paths = sorted(folder.glob("*.lock")) if folder.is_dir() else []
    paths = [path for path in paths if path.name != WINDOW_LOCK]
    with contextlib.ExitStack() as held:
        for path in paths:
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue
            held.callback(os.close, fd)
            if not _try_lock(fd):
                name = _holder(path)[1] or path.stem
                raise render_running_error(name, batch=path.stem.startswith(_BATCH_PREFIX))
            held.callback(_unlock, fd)
        yield


__all__ = [
    "LOCKS_FOLDER",
    "WINDOW_LOCK",
    "batch_busy_error",
    "batch_lock",
    "busy_error",
    "lock_path",
    "no_render_running",
    "render_lock",
    "render_running_error",
]
