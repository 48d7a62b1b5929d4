"""Errors split the qutebrowser way: *known* failures the creator can act on, and bugs.

A ``StudioError`` carries a message written for a person: what went wrong, where, and how to
fix it. Anything else that escapes is a bug and is reported as such.
"""

from __future__ import annotations


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
        parts = [self.what.rstrip(".") + "."]
        if self.where:
            parts.append(f"({self.where})")
        if self.fix:
            parts.append(self.fix.rstrip(".") + ".")
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
