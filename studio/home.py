"""The library's home folder: where ``studio.db`` and every project's media live.

Paths stored in the database are relative to the home folder with forward slashes, so a home
folder can be moved or copied to another machine and still open.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import platformdirs

from studio import APP_NAME
from studio.errors import InputError
from studio.inputfiles import resolve_path

HOME_ENV = "STUDIO_HOME"
PROJECT_SUBDIRS = ("audio", "visuals", "renders", "segments")


def resolve_home(cli_home: str | os.PathLike[str] | None = None) -> Path:
    """``--home`` wins, then ``$STUDIO_HOME``, then the platform's user data folder."""
    chosen = cli_home or os.environ.get(HOME_ENV) or platformdirs.user_data_dir(APP_NAME, False)
    return resolve_path(chosen, what="library folder")


@dataclass(frozen=True)
class Home:
    """A home folder and the layout inside it.

    Attributes:
        root: absolute path of the home folder.
    """

    root: Path

    @property
    def db_path(self) -> Path:
        return self.root / "studio.db"

    @property
    def projects_dir(self) -> Path:
        return self.root / "projects"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def scene_previews_dir(self) -> Path:
        """Where each project's scene previews are cached (``<project id>/`` inside)."""
        return self.cache_dir / "scene-previews"

    def ensure(self) -> None:
        """Create the home folder, telling the creator plainly when it can't be written."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.projects_dir.mkdir(exist_ok=True)
            # A name of its own: two Studios starting together must not remove each other's.
            fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise InputError(
                f"Studio cannot write to its home folder: {exc.strerror or exc}",
                where=str(self.root),
                fix="Choose a writable folder with --home or STUDIO_HOME, or fix its permissions",
            ) from exc

    def project_dir(self, project_id: str, *, create: bool = False) -> Path:
        path = self.projects_dir / project_id
        if create:
            for sub in PROJECT_SUBDIRS:
                (path / sub).mkdir(parents=True, exist_ok=True)
        return path

    def rel(self, path: str | os.PathLike[str]) -> str:
        """The database form of ``path``: relative to the home, forward slashes.

        Paths outside the home (a creator's media library) stay absolute.
        """
        absolute = Path(path).resolve()
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.as_posix()

    def abs(self, stored: str) -> Path:
        """The real path of a database path (relative ones resolve against this home)."""
        if not stored:
            raise InputError("An empty path was stored in the database")
        pure = PurePosixPath(stored)
        if pure.is_absolute() or Path(stored).is_absolute():
            return Path(stored)
        return self.root.joinpath(*pure.parts)
