"""The one way to the database: a library's connection, its transactions and its errors.

Peewee's models are bound to one process-wide ``database``; this module is the only one that
binds, opens, closes or starts transactions on it (the rooms and the statistics go through a
``Connection``). A process has one bound library at a time: opening another re-binds the
models, and every ``Connection`` to a different file refuses to be used (a StoreError saying
so) instead of silently reading or writing the other library's database. Opening the same
library again (the CLI run in-process, a second window's check) leaves the first usable.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee

from studio.errors import InputError, StoreError, StudioError
from studio.home import Home
from studio.store.db import BUSY_TIMEOUT_S, PRAGMAS, known_error
from studio.store.models import database
from studio.text import one_line

_binding_lock = threading.Lock()
#: The database file the models are bound to, and how many times a library was bound (a
#: thread's connection opened under an earlier binding is closed before its next use).
_bound_path: Path | None = None
_generation = 0
#: The binding each thread's Peewee connection was opened under.
_thread = threading.local()


class Connection:
    """A library's access to its database file (one per ``Library``; safe from any thread).

    Attributes:
        home: the library's home folder.
    """

    def __init__(self, home: Home) -> None:
        self.home = home

    @classmethod
    def bind(cls, home: Home) -> Connection:
        """Bind the models to ``home``'s (checked, migrated) database; earlier ones go stale."""
        global _bound_path, _generation
        with _binding_lock:
            if not database.is_closed():
                database.close()
            database.init(str(home.db_path), pragmas=PRAGMAS, timeout=int(BUSY_TIMEOUT_S))
            _generation += 1
            _bound_path = home.db_path
            return cls(home)

    @property
    def is_current(self) -> bool:
        """True while the models are bound to this library's file (no other opened since)."""
        return _bound_path == self.home.db_path

    def _check_current(self) -> None:
        """Refuse a library another ``Library.open`` in this process has replaced."""
        if not self.is_current:
            raise StoreError(
                "This library is no longer open: another library was opened in this process "
                f"({_bound_path})",
                where=str(self.home.db_path),
                fix="Open this library again (Studio works with one library per process)",
            )
        if getattr(_thread, "generation", None) != _generation:
            # This thread's connection (if any) predates the latest binding: drop it.
            if not database.is_closed():
                database.close()
            _thread.generation = _generation

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Run database calls, turning SQLite failures into the creator's StoreError.

        Known SQLite errors (damaged, busy, full, read-only ...) get a message by their code
        (``db.known_error``). Text SQLite can't take (a path or argument whose bytes aren't
        UTF-8, which Python carries as lone surrogates) is the creator's input, not a bug: an
        InputError, and the transaction it was in is rolled back. IntegrityError passes
        through: a broken constraint is the caller's to explain or a bug.
        """
        self._check_current()
        try:
            yield
        except StudioError:
            raise
        except UnicodeEncodeError as exc:
            raise InputError(
                "Studio can't store a name or path that isn't valid text (UTF-8)",
                where=one_line(exc.object) if isinstance(exc.object, str) else None,
                fix="Rename the file or folder (or retype the name) and try again",
            ) from exc
        except (peewee.OperationalError, peewee.DatabaseError, sqlite3.Error) as exc:
            if isinstance(exc, peewee.IntegrityError):
                raise
            raise known_error(exc, self.home.db_path) from exc

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (IMMEDIATE: take the write lock up front)."""
        with self.errors(), database.atomic("IMMEDIATE"):
            yield

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same state of the database."""
        with self.errors(), database.atomic():
            yield

    def data_version(self) -> int:
        """SQLite's ``PRAGMA data_version`` on this thread's connection (see ``Library``)."""
        with self.errors():
            row = database.execute_sql("PRAGMA data_version").fetchone()
        return int(row[0])

    @staticmethod
    def close_thread() -> None:
        """Close this thread's connection (each thread gets its own; call when a worker ends)."""
        if not database.is_closed():
            database.close()


__all__ = ["Connection"]
