"""Database snapshots with SQLite's online backup API: before a migration and once a day."""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from studio.errors import InputError
from studio.home import Home
from studio.locks import no_render_running
from studio.savefile import atomic_path
from studio.store import identity

log = logging.getLogger(__name__)

KEEP = 5
DAILY_SECONDS = 24 * 3600
CHOOSE_ANOTHER = "Choose one listed by `studio backups`"


def list_backups(backups_dir: Path) -> list[Path]:
    """Backups, newest first."""
    if not backups_dir.is_dir():
        return []
    return sorted(backups_dir.glob("studio-*.db"), key=lambda p: p.stat().st_mtime, reverse=True)


def _copy_database(source: Path, dest: Path) -> None:
    """A consistent copy of ``source`` (read-only, WAL included) at ``dest``: SQLite's backup
    API, so a database another connection is writing is copied whole."""
    reader = identity.connect_read_only(source)
    try:
        writer = sqlite3.connect(dest)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()


def snapshot(db_path: Path, backups_dir: Path, reason: str, *, keep: int = KEEP) -> Path:
    """Copy a consistent snapshot of ``db_path`` into ``backups_dir``; prune to ``keep``."""
    backups_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = backups_dir / f"studio-{stamp}-{reason}.db"
    with atomic_path(target) as partial:
        _copy_database(db_path, partial)
    for old in list_backups(backups_dir)[keep:]:
        old.unlink(missing_ok=True)
    return target


def daily_snapshot_due(backups_dir: Path) -> bool:
    backups = list_backups(backups_dir)
    return not backups or time.time() - backups[0].stat().st_mtime > DAILY_SECONDS


def _refuse(what: str, backup: Path, fix: str = CHOOSE_ANOTHER) -> InputError:
    return InputError(what, where=str(backup), fix=fix)


def check_backup(backup: Path) -> int:
    """The schema version of ``backup`` if it can safely replace the library; else InputError.

    A backup must be a real SQLite file that passes ``PRAGMA integrity_check``, hold Studio's
    tables, and have a schema this Studio reads (1 to ``SCHEMA_VERSION``). Read-only.
    """
    try:
        if not identity.has_sqlite_header(backup):
            raise _refuse("This is not a Studio backup (not an SQLite database)", backup)
        info = identity.inspect_database(backup, check_integrity=True)
    except OSError as exc:
        raise _refuse(f"Studio cannot read this backup: {exc.strerror or exc}", backup) from exc
    except sqlite3.Error as exc:
        raise _refuse(f"This backup is damaged ({exc})", backup) from exc
    if info.version > identity.SCHEMA_VERSION:
        raise _refuse(
            f"This backup was made by a newer Studio (schema {info.version}; "
            f"this Studio reads up to {identity.SCHEMA_VERSION})",
            backup,
            "Update Studio, or choose one listed by `studio backups`",
        )
    if not info.is_studio:
        raise _refuse("This is not a Studio backup (its tables are not Studio's)", backup)
    return info.version


def restore(backup: Path, db_path: Path) -> None:
    """Replace the database with ``backup`` after ``check_backup`` (the store must be closed).

    The copy is made (with SQLite's backup API, so a backup in WAL mode comes whole) and
    checked before the current database is touched.
    """
    check_backup(backup)
    with atomic_path(db_path) as partial:
        _copy_database(backup, partial)
        check_backup(partial)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)


@dataclass(frozen=True)
class Restored:
    """What ``restore_library`` did.

    Attributes:
        source: the backup now in place.
        saved_as: the snapshot of the database it replaced (None if there was none).
        set_aside: where a database too damaged to snapshot was moved instead (or None).
    """

    source: Path
    saved_as: Path | None = None
    set_aside: Path | None = None


def find_backup(home: Home, given: Path) -> Path:
    """``given`` as a file, or a name in the library's backups folder; else InputError."""
    source = given if given.is_file() else home.backups_dir / given
    if not source.is_file():
        raise InputError(
            "No such backup", where=str(given), fix="See `studio backups` for the list"
        )
    return source


def restore_library(home: Home, source: Path) -> Restored:
    """Replace ``home``'s database with the backup ``source`` (``studio restore``, Backups…).

    The backup is checked before anything is saved, moved or replaced; the current database
    is first saved as a "before-restore" snapshot (or, too damaged for that, moved aside as
    ``studio.db.damaged``). No connection may be writing the database meanwhile.
    """
    check_backup(source)
    with no_render_running(home):  # refused here, before anything changes
        saved: Path | None = None
        aside: Path | None = None
        if home.db_path.exists():
            try:
                saved = snapshot(home.db_path, home.backups_dir, "before-restore")
            except Exception as exc:  # a damaged database can't be snapshotted: keep its bytes
                aside = home.db_path.with_name(home.db_path.name + ".damaged")
                home.db_path.replace(aside)
                log.info("could not snapshot the current database (%s); moved to %s", exc, aside)
        restore(source, home.db_path)
    return Restored(source, saved, aside)
