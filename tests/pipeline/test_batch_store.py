"""Schema v6: the batches room (a manifest's batch found again by its path, rows saved and
updated), a v5 library upgraded with its data kept, and a deleted project leaving its batch row
(``project_id`` NULL) so the summary still tells that row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import peewee
import pytest

from studio.errors import InputError
from studio.store import SCHEMA_VERSION, Library
from studio.store.migrations import migrate


def test_a_manifest_finds_its_batch_again(library: Library) -> None:
    batch = library.batch_for("/videos/week.csv")
    assert library.batch_for("/videos/week.csv").id == batch.id
    assert library.batch_for("/videos/other.csv").id != batch.id
    project = library.create_project("Row one")
    library.save_batch_row(batch, 1, digest="d1", project=project.id, status="running")
    library.save_batch_row(batch, 2, digest="d2")
    library.save_batch_row(batch, 1, status="done", video_path="projects/x.mp4", duration=3.5)
    rows = library.batch_rows(batch)
    assert (rows[1].status, rows[1].digest, rows[1].project_id) == ("done", "d1", project.id)
    assert (rows[1].video_path, rows[1].duration) == ("projects/x.mp4", 3.5)
    assert (rows[2].status, rows[2].project_id) == ("pending", None)
    library.finish_batch(batch, finished=True)
    finished = {b.id: b.finished_at for b in library.batches()}
    assert finished[batch.id] is not None and len(finished) == 2


def test_a_deleted_project_leaves_its_row_without_a_project(library: Library) -> None:
    batch = library.batch_for("/m.csv")
    project = library.create_project("Gone soon")
    library.save_batch_row(batch, 1, digest="d", project=project.id, status="done")
    library.delete_project(project)
    row = library.batch_rows(batch)[1]
    assert row.project_id is None and row.status == "done"


def test_bad_rows_are_refused_by_the_room_and_by_sqlite(library: Library) -> None:
    batch = library.batch_for("/m.csv")
    with pytest.raises(InputError, match="can't be 'lost'"):
        library.save_batch_row(batch, 1, digest="d", status="lost")
    with pytest.raises(ValueError, match="no field"):
        library.save_batch_row(batch, 1, colour="red")
    conn = sqlite3.connect(library.home.db_path, isolation_level=None)
    for number, status in ((0, "pending"), (1, "lost")):
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute(
                "INSERT INTO batch_rows (id, batch_id, number, digest, status, updated_at) "
                "VALUES ('r', ?, ?, 'd', ?, '2026-01-01')",
                (batch.id, number, status),
            )
    conn.close()
    with pytest.raises(peewee.IntegrityError):  # one row per number
        from studio.store.models import BatchRowRecord

        with library.transaction():
            BatchRowRecord.create(batch=batch.id, number=1, digest="a")
            BatchRowRecord.create(batch=batch.id, number=1, digest="b")


def test_a_v5_library_is_upgraded_with_its_projects_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    conn = sqlite3.connect(home / "studio.db", isolation_level=None)
    migrate(conn, target=5)
    conn.execute(
        "INSERT INTO projects (id, name, language, created_at, last_active) "
        "VALUES ('p5', 'From v5', 'fr', '2026-01-01 10:00:00', '2026-01-01 10:00:00')"
    )
    conn.close()
    library = Library.open(home)
    assert SCHEMA_VERSION == 6
    check = sqlite3.connect(home / "studio.db")
    assert check.execute("PRAGMA user_version").fetchone()[0] == 6
    check.close()
    project = library.project("From v5")
    assert project.language == "fr"
    batch = library.batch_for("/m.csv")
    library.save_batch_row(batch, 1, digest="d", project=project.id, status="done")
    assert library.batch_rows(batch)[1].project_id == "p5"
    assert list((home / "backups").glob("studio-*before-v6*.db"))
    library.close()
