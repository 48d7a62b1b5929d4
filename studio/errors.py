"""Errors split the qutebrowser way: *known* failures the creator can act on, and bugs.

A ``StudioError`` carries a message written for a person: what went wrong, where, and how to
fix it. Anything else that escapes is a bug and is reported as such.
"""

from __future__ import annotations

import errno

from studio.text import one_line


class StudioError(Exception):
    """A known failure with a human message (what, where, how to fix)."""

    exit_code = 1

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """What, where and the fix as one line, safe to print (controls shown escaped).

        ``where`` is often a creator's path or name, which may hold anything; escaping it
        keeps one message on one line and stops it acting on the terminal.
        """
        parts = [one_line(self.what).rstrip(".") + "."]
        if self.where:
            parts.append(f"({one_line(self.where)})")
        if self.fix:
            parts.append(one_line(self.fix).rstrip(".") + ".")
        return " ".join(parts)


class InputError(StudioError):
    """The creator gave input Studio cannot use (bad file, bad value). CLI exit code 2."""

    exit_code = 2


class ProjectBusy(StudioError):
    """Another window or process is already rendering this project. CLI exit code 75.

    75 is ``EX_TEMPFAIL`` (sysexits.h): nothing was wrong with the request and nothing was
    written; trying again once the other render ends will work, which a script can tell apart
    from bad input (2).
    """

    exit_code = 75


class StoreError(StudioError):
    """The project store cannot be used (locked, corrupt, newer version, disk full)."""


class ServiceError(StudioError):
    """An outside service (Groq, stock site, model hub) failed or refused."""


class MediaError(StudioError):
    """FFmpeg or a media file failed."""


class MissingWeightsError(StudioError):
    """Kokoro voice files are not on this machine."""


class Cancelled(StudioError):
    """The creator cancelled a job."""

    def __init__(self, what: str = "Cancelled by the creator") -> None:
        super().__init__(what)


#: File-system failures the creator can fix, by errno: (what happened, how to fix it).
_KNOWN_OS_ERRORS = {
    errno.EACCES: ("Studio isn't allowed to use this file or folder", "Check its permissions"),
    errno.EPERM: (
        "Studio isn't allowed to change this file or folder",
        "Check its permissions and that it isn't locked (immutable)",
    ),
    errno.EROFS: ("The disk is read-only", "Choose a folder on a writable disk"),
    errno.ENOSPC: ("The disk is full", "Free some disk space and try again"),
    errno.EDQUOT: ("Your disk quota is used up", "Free some disk space and try again"),
}


def known_os_error(exc: OSError) -> StudioError | None:
    """The creator's message for a file-system failure they caused or can fix, else None.

    Permission denied, a locked or read-only file, a full disk: the creator's environment, not
    a bug in Studio, so they are reported as what happened, where, and what to do.
    """
    known = _KNOWN_OS_ERRORS.get(exc.errno or 0)
    if known is None:
        return None
    what, fix = known
    where = exc.filename if isinstance(exc.filename, str) else None
    return StudioError(what, where=where, fix=fix)
