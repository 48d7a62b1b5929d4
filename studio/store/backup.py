"""Database snapshots with SQLite's online backup API: before a migration and once a day."""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path

from studio.errors import InputError
from studio.savefile import atomic_path
from studio.store import identity

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
