"""Is this file a Studio database, and of which schema? Answered without writing a byte.

Used before a library is opened (another program's SQLite file at the database path must not
be taken over) and before a backup is restored (a text file, a damaged copy or a backup from a
newer Studio must not replace the library). Every read goes through a ``mode=ro`` connection.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from studio.store.migrations import MIGRATIONS, migrate

#: The first 16 bytes of every SQLite 3 database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class DatabaseInfo:
    """What a database file says about itself.

    Attributes:
        version: its ``PRAGMA user_version`` (Studio's schema version; 0 for a new file).
        tables: the names of its tables (SQLite's own ``sqlite_*`` tables left out).
    """

    version: int
    tables: frozenset[str]

    @property
    def is_blank(self) -> bool:
        """A valid SQLite file nobody has put anything in yet (safe to make a library of)."""
        return self.version == 0 and not self.tables

    @property
    def is_studio(self) -> bool:
        """Has every table Studio's schema has at this version (a newer schema can't be known)."""
        if self.version <= 0:
            return False
        if self.version > SCHEMA_VERSION:
            return True
        return tables_at(self.version) <= self.tables


@cache
def tables_at(version: int) -> frozenset[str]:
    """The tables a Studio database at schema ``version`` has (the migrations, run in memory)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(conn, target=version)
        return _tables(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> frozenset[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' "
        "ESCAPE '\\'"
    )
    return frozenset(name for (name,) in rows)


def has_sqlite_header(path: Path) -> bool:
    """True when ``path`` starts like an SQLite 3 database."""
    with path.open("rb") as stream:
        return stream.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that can't write to ``path`` (a URI, so any file name is safe)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def inspect_database(path: Path, *, check_integrity: bool = False) -> DatabaseInfo:
    """Read ``path``'s schema version and tables; with ``check_integrity`` run SQLite's check.

    Raises:
        sqlite3.DatabaseError: not a database, unreadable, or (checked) damaged; the message of
            a failed integrity check starts with "integrity_check".
    """
    conn = connect_read_only(path)
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        tables = _tables(conn)
        if check_integrity:
            verdict = [row[0] for row in conn.execute("PRAGMA integrity_check(5)")]
            if verdict != ["ok"]:
                raise sqlite3.DatabaseError("integrity_check: " + "; ".join(verdict))
        return DatabaseInfo(version, tables)
    finally:
        conn.close()


__all__ = [
    "SQLITE_MAGIC",
    "DatabaseInfo",
    "connect_read_only",
    "has_sqlite_header",
    "inspect_database",
    "tables_at",
]
