"""Preparing the database file: version check, backup, migrations; SQLite errors by code.

Modelled on qutebrowser's ``misc/sql.py``: the schema version lives in ``PRAGMA user_version``,
a database from a newer app is refused untouched, and errors are split into known ones (locked,
corrupt, disk full: tell the creator) and bugs. Binding the models to the prepared file is
``connection.Connection.bind``'s (the only module that touches Peewee's ``database``).
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from studio.errors import InputError, StoreError
from studio.store import backup, identity
from studio.store.migrations import MIGRATIONS, migrate

log = logging.getLogger(__name__)

SCHEMA_VERSION = len(MIGRATIONS)
BUSY_TIMEOUT_S = 10.0
PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": int(BUSY_TIMEOUT_S * 1000),
}


#: SQLite's primary result codes, grouped by what the creator can do about them.
_DAMAGED = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_UNWRITABLE = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM})


def _sqlite_code(exc: BaseException) -> int | None:
    """The primary SQLite result code behind ``exc`` (peewee keeps sqlite3's as the context)."""
    for error in (exc, exc.__cause__, exc.__context__):
        code = getattr(error, "sqlite_errorcode", None)
        if isinstance(code, int):
            return code & 0xFF
    return None


def known_error(exc: sqlite3.Error | Exception, db_path: Path) -> StoreError:
    """The creator's message for a failed database call: by SQLite's error code, then its text.

    As qutebrowser's ``misc/sql.py`` does: damaged, busy, full, unwritable and disk errors are
    known conditions the creator can act on; only an error none of these explains is reported
    as one Studio does not know.
    """
    code, text = _sqlite_code(exc), str(exc).lower()
    latest = backup.list_backups(db_path.parent / "backups")
    restore_hint = (
        f"Restore the backup Studio made at {latest[0]}"
        if latest
        else "Restore it from your own backup or move it aside to start a new library"
    )
    if db_path.is_dir():
        return StoreError(
            "The project database is a folder, not a file",
            where=str(db_path),
            fix="Move that folder aside, or choose another home with --home",
        )
    if code in _DAMAGED or "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError("The project database is damaged", where=str(db_path), fix=restore_hint)
    if code in _BUSY or "locked" in text or "busy" in text:
        return StoreError(
            "The project database is busy (another Studio may be writing to it)",
            where=str(db_path),
            fix="Wait for the other job to finish, then try again",
        )
    if code == sqlite3.SQLITE_FULL or ("disk" in text and "full" in text):
        return StoreError("The disk is full", where=str(db_path), fix="Free some space and retry")
    if code in _UNWRITABLE or "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreError(
            "The project database cannot be written",
            where=str(db_path),
            fix="Check the folder's permissions or choose another home with --home",
        )
    if code == sqlite3.SQLITE_IOERR or "disk i/o" in text:
        return StoreError(
            "The disk failed to read or write the project database",
            where=str(db_path),
            fix="Check that the disk is still connected and not full, then try again",
        )
    return StoreError(
        f"SQLite reported an error Studio does not recognise: {exc}",
        where=str(db_path),
        fix="Try again; if it happens again, report it with Studio's log file",
    )


def read_version(db_path: Path) -> int:
    """The schema version of an existing Studio database file, read without changing it.

    Raises:
        StoreError: the file is damaged, unreadable, or from a newer Studio.
        InputError: it is another program's database (tables that are not Studio's).
    """
    try:
        info = identity.inspect_database(db_path)
    except sqlite3.Error as exc:
        raise known_error(exc, db_path) from exc
    if info.version > SCHEMA_VERSION:
        raise StoreError(
            f"This library was written by a newer Studio (schema {info.version}; "
            f"this Studio reads up to {SCHEMA_VERSION})",
            where=str(db_path),
            fix="Update Studio, or open another library with --home",
        )
    if not (info.is_blank or info.is_studio):
        raise InputError(
            "This file is not a Studio library (another program's database is there)",
            where=str(db_path),
            fix="Choose another --home (or STUDIO_HOME), or move the file aside",
        )
    return info.version


def prepare(db_path: Path) -> tuple[int, int]:
    """Check, back up and migrate the database; return (version before, version now).

    Every check (damaged, newer, not Studio's) happens before the first write or pragma.
    """
    existed = db_path.exists() and db_path.stat().st_size > 0
    version = read_version(db_path) if existed else 0
    backups_dir = db_path.parent / "backups"
    try:
        if existed and version < SCHEMA_VERSION:
            backup.snapshot(db_path, backups_dir, f"before-v{SCHEMA_VERSION}")
        elif existed and backup.daily_snapshot_due(backups_dir):
            backup.snapshot(db_path, backups_dir, "daily")
        conn = sqlite3.connect(db_path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        try:
            conn.execute("PRAGMA journal_mode=wal")
            conn.execute("PRAGMA foreign_keys=ON")
            result = migrate(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise known_error(exc, db_path) from exc
    except OSError as exc:
        raise StoreError(
            f"Studio could not prepare its database: {exc.strerror or exc}", where=str(db_path)
        ) from exc
    if result[0] != result[1]:
        log.info("migrated %s from schema %d to %d", db_path, *result)
    return result


__all__ = [
    "BUSY_TIMEOUT_S",
    "PRAGMAS",
    "SCHEMA_VERSION",
    "known_error",
    "prepare",
    "read_version",
]
