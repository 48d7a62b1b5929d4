"""What every room shares: the library's connection (its only way to the database)."""

from __future__ import annotations

from studio.store.connection import Connection


class Room:
    """One cohesive part of the library's tables, behind the ``Library`` facade.

    A room reads and writes its tables only inside its connection's ``errors()``,
    ``snapshot()`` or ``transaction()``, so SQLite's failures reach the creator as StoreError
    and a library replaced by another one opened in the process refuses to be used.

    Attributes:
        home: the library's home folder (paths in rows are relative to ``home.root``).
    """

    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self.home = connection.home
