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
writes its pid into the file (after a one-byte pad, which is the byte Windows locks) so a
refused render can say which process has it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from studio.errors import ProjectBusy
from studio.home import Home

#: The folder of the home that holds the lock files (owned by this module).
LOCKS_FOLDER = "locks"
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


def _holder_pid(path: Path) -> int | None:
    """The pid the holder wrote, if it has written it yet (None otherwise)."""
    try:
        text = path.read_bytes()[len(_PAD) :].decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


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
    path = lock_path(home, project_id)
    fd = _open(path)
    try:
        if not _try_lock(fd):
            raise busy_error(project_name, _holder_pid(path))
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, _PAD + f"{os.getpid()}\n".encode("ascii"))
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


__all__ = ["LOCKS_FOLDER", "busy_error", "lock_path", "render_lock"]
