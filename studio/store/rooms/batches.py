"""The batches room: ``studio batch``'s manifests and how each of their rows stands.

A batch is found again by its manifest's path, so running the same manifest after a crash or
Ctrl-C continues it: each row remembers the digest of what it asked for, the project it became,
its status, its video and its error. Only the coordinator (the process running the batch)
writes here.
"""

from __future__ import annotations

from typing import Any

from studio.errors import InputError
from studio.store.models import BATCH_ROW_STATUSES, Batch, BatchRowRecord, utcnow
from studio.store.rooms.base import Room

#: The fields of a row a run may change (``save_batch_row``).
ROW_FIELDS = ("digest", "project", "status", "video_path", "duration", "error")


class BatchesRoom(Room):
    """The ``batches`` and ``batch_rows`` tables."""

    def batch_for(self, manifest_path: str) -> Batch:
        """The latest batch of the manifest at ``manifest_path`` (resolved), made if none."""
        with self._db.transaction():
            found = (
                Batch.select()
                .where(Batch.manifest_path == manifest_path)
                .order_by(Batch.created_at.desc())
                .first()
            )
            return found or Batch.create(manifest_path=manifest_path)

    def batches(self) -> list[Batch]:
        """Every batch, the newest first."""
        with self._db.errors():
            return list(Batch.select().order_by(Batch.created_at.desc()))

    def batch_rows(self, batch: Batch) -> dict[int, BatchRowRecord]:
        """``batch``'s rows by their number in the manifest."""
        with self._db.errors():
            query = BatchRowRecord.select().where(BatchRowRecord.batch == batch.id)
            return {row.number: row for row in query}

    def save_batch_row(self, batch: Batch, number: int, **fields: Any) -> BatchRowRecord:
        """Create or update row ``number`` of ``batch`` with ``fields`` (``ROW_FIELDS``)."""
        unknown = sorted(set(fields) - set(ROW_FIELDS))
        if unknown:
            raise ValueError(f"batch rows have no field {unknown[0]!r}")
        status = fields.get("status")
        if status is not None and status not in BATCH_ROW_STATUSES:
            raise InputError(
                f"A batch row can't be {status!r}", fix=f"Use one of {BATCH_ROW_STATUSES}"
            )
        with self._db.transaction():
            row = (
                BatchRowRecord.select()
                .where((BatchRowRecord.batch == batch.id) & (BatchRowRecord.number == number))
                .first()
            )
            if row is None:
                return BatchRowRecord.create(
                    batch=batch.id, number=number, **{"digest": "", **fields}
                )
            BatchRowRecord.update(updated_at=utcnow(), **fields).where(
                BatchRowRecord.id == row.id
            ).execute()
            return BatchRowRecord.get_by_id(row.id)

    def finish_batch(self, batch: Batch, *, finished: bool) -> None:
        """Record whether every row of ``batch`` has ended (done or failed) or not."""
        with self._db.transaction():
            Batch.update(finished_at=utcnow() if finished else None).where(
                Batch.id == batch.id
            ).execute()
