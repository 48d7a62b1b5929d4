"""The project store against real SQLite files."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import peewee
import pytest

from studio.errors import InputError, StoreError
from studio.store import SCHEMA_VERSION, Library
from studio.store.migrations import migrate
from studio.store.models import ALL_MODELS, ClipSelection, Job, Project, Scene, database
from studio.store.rooms.scenes import MAX_SCENE_TEXT
from tests.conftest import REPO


def test_fresh_database_has_schema_pragmas_and_every_table(library: Library) -> None:
    conn = sqlite3.connect(library.home.db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {m._meta.table_name for m in ALL_MODELS} <= tables
    # the models map onto the migrated schema column for column
    for model in ALL_MODELS:
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({model._meta.table_name})")}
        assert {f.column_name for f in model._meta.sorted_fields} == columns, model
    assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_project_folder_layout(library: Library) -> None:
    project = library.create_project("Layout")
    folder = library.home.project_dir(project.id)
    assert {p.name for p in folder.iterdir()} >= {"audio", "visuals", "renders"}


def test_step_and_status_constraints_are_enforced_by_sqlite(library: Library) -> None:
    project = library.create_project("Steps")
    with pytest.raises(peewee.IntegrityError):
        Project.update(current_step="dancing").where(Project.id == project.id).execute()
    job = library.start_job(project, "render")
    with pytest.raises(peewee.IntegrityError):
        Job.update(status="exploded").where(Job.id == job.id).execute()
    with pytest.raises(InputError):
        library.update_project(project, current_step="dancing")


def test_scene_number_is_unique_per_project(library: Library) -> None:
    a = library.create_project("A")
    b = library.create_project("B")
    library.replace_scenes(a, [("One.", []), ("Two.", [])])
    library.replace_scenes(b, [("One.", [])])  # same numbers in another project are fine
    with pytest.raises(peewee.IntegrityError):
        Scene.create(project=a.id, scene_number=1, text="duplicate number")


def test_deleting_a_project_cascades_to_every_child_row(library: Library, tmp_path: Path) -> None:
    project = library.create_project("Cascade")
    scenes = library.replace_scenes(project, [("One.", ["x"]), ("Two.", [])])
    image = tmp_path / "a.png"
    image.write_bytes(b"png")
    library.select_clip(scenes[0], image, kind="image", source="library")
    library.set_suggestions(scenes[0], "library", "x", [{"path": str(image)}])
    library.start_job(project, "produce")
    library.delete_project(project)
    for model in (Scene, ClipSelection, Job):
        assert model.select().count() == 0, model
    assert not library.home.project_dir(project.id).exists()


def test_scene_editing_split_merge_reorder_delete(library: Library) -> None:
    project = library.create_project("Edit")
    library.replace_scenes(project, [("Alpha beta.", []), ("Gamma.", []), ("Delta.", [])])
    first = library.scenes(project)[0]
    library.split_scene(first, first.text.index("beta"))
    assert [s.text for s in library.scenes(project)] == ["Alpha", "beta.", "Gamma.", "Delta."]
    scenes = library.scenes(project)
    library.merge_scenes(scenes[0], scenes[1])
    assert [s.text for s in library.scenes(project)] == ["Alpha beta.", "Gamma.", "Delta."]
    library.move_scene(library.scenes(project)[2], 0)
    assert [s.text for s in library.scenes(project)] == ["Delta.", "Alpha beta.", "Gamma."]
    library.add_scene(project, "Inserted.", index=1)
    library.delete_scene(library.scenes(project)[0])
    scenes = library.scenes(project)
    assert [s.text for s in scenes] == ["Inserted.", "Alpha beta.", "Gamma."]
    assert [s.scene_number for s in scenes] == [1, 2, 3]
    with pytest.raises(InputError):
        library.split_scene(scenes[0], 0)
    with pytest.raises(InputError):
        library.update_scene(scenes[0], text="x" * (MAX_SCENE_TEXT + 1))
    assert library.scenes(project)[0].text == "Inserted."  # bad input changed nothing
    # An emptied scene is kept empty, as the editor shows it (a render refuses it by name).
    assert library.update_scene(scenes[0], text=" \x00 ").text == ""


def test_delete_then_restore_scene_snapshot(library: Library, tmp_path: Path) -> None:
    project = library.create_project("Undo")
    scenes = library.replace_scenes(project, [("One.", []), ("Two.", []), ("Three.", [])])
    image = tmp_path / "v.png"
    image.write_bytes(b"x")
    library.select_clip(scenes[1], image, kind="image", source="file")
    snapshot = library.scene_snapshot(scenes[1])
    library.delete_scene(scenes[1])
    restored = library.restore_scene(snapshot, 1)
    assert [s.text for s in library.scenes(project)] == ["One.", "Two.", "Three."]
    assert library.selection(restored) is not None


def test_paths_are_relative_and_survive_moving_the_home(tmp_path: Path) -> None:
    home = tmp_path / "old home"
    library = Library.open(home)
    project = library.create_project("Portable")
    scene = library.replace_scenes(project, [("Hi there.", [])])[0]
    wav = library.home.project_dir(project.id) / "audio" / "s1.wav"
    wav.write_bytes(b"RIFF")
    library.set_scene_audio(
        scene,
        audio_path=wav,
        audio_key="k",
        duration=1.5,
        sanitized_text="Hi there.",
        word_timings=None,
    )
    stored = library.scene(scene.id).audio_file_path
    assert stored == f"projects/{project.id}/audio/s1.wav"
    library.close()
    moved = tmp_path / "elsewhere" / "new home"
    moved.parent.mkdir()
    shutil.move(str(home), str(moved))
    library = Library.open(moved)
    again = library.scene(scene.id)
    assert again.audio_file_path
    assert library.home.abs(again.audio_file_path).read_bytes() == b"RIFF"
    assert library.projects()[0].duration == pytest.approx(1.5)
    library.close()


def test_v1_database_is_upgraded_with_data_kept_and_backed_up(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db_path = home / "studio.db"
    conn = sqlite3.connect(db_path, isolation_level=None)
    migrate(conn, target=1)
    conn.execute(
        "INSERT INTO projects (id, name, created_at, last_active) "
        "VALUES ('p1', 'Old project', '2025-01-01 10:00:00', '2025-01-01 10:00:00')"
    )
    conn.execute(
        "INSERT INTO scenes (id, project_id, scene_number, text, created_at, updated_at) "
        "VALUES ('s1', 'p1', 1, 'Kept text.', '2025-01-01', '2025-01-01')"
    )
    conn.close()
    library = Library.open(home)
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    project = library.project("Old project")
    scene = library.scenes(project)[0]
    assert scene.text == "Kept text." and scene.word_timings is None
    library.record_llm_call(
        project, None, model="m", prompt_tokens=1, completion_tokens=2, total_tokens=3
    )
    backups = list((home / "backups").glob("studio-*before-v*.db"))
    assert len(backups) == 1
    assert sqlite3.connect(backups[0]).execute("PRAGMA user_version").fetchone()[0] == 1
    library.close()


def test_newer_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db_path = home / "studio.db"
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="newer Studio"):
        Library.open(home)
    assert db_path.read_bytes() == before
    assert not Path(str(db_path) + "-wal").exists()


def test_corrupt_database_is_refused_with_backup_path(tmp_path: Path) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    library.create_project("Precious")
    library.close()
    # a second open makes the daily backup
    from studio.store import backup

    snap = backup.snapshot(home / "studio.db", home / "backups", "daily")
    (home / "studio.db").write_bytes(b"this is not sqlite" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(home / "studio.db") + suffix).unlink(missing_ok=True)
    with pytest.raises(StoreError) as info:
        Library.open(home)
    assert "damaged" in info.value.message and str(snap) in info.value.message
    backup.restore(snap, home / "studio.db")
    assert [p.name for p in Library.open(home).projects()] == ["Precious"]


def test_running_jobs_become_interrupted_on_reopen(tmp_path: Path) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    project = library.create_project("Crashy")
    running = library.start_job(project, "render")
    done = library.start_job(project, "voice")
    library.finish_job(done, "completed")
    Job.update(pid=2**22 + 12345).where(Job.id == running.id).execute()  # a dead process
    library.close()
    library = Library.open(home)
    assert library.job(running.id).status == "interrupted"
    assert library.job(running.id).finished_at is not None
    assert library.job(done.id).status == "completed"
    library.close()


def test_concurrent_writes_from_two_threads(library: Library) -> None:
    project = library.create_project("Busy")
    scenes = library.replace_scenes(project, [(f"Scene {i}.", []) for i in range(4)])
    job = library.start_job(project, "render")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def progress_writer() -> None:
        try:
            barrier.wait()
            for i in range(150):
                library.update_job(job, i / 150, f"step {i}")
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            library.close_thread_connection()

    def editor() -> None:
        try:
            barrier.wait()
            for i in range(150):
                library.update_scene(scenes[i % 4], text=f"Edit {i}.")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            library.close_thread_connection()

    threads = [threading.Thread(target=progress_writer), threading.Thread(target=editor)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert library.job(job.id).stage == "step 149"
    assert {s.text for s in library.scenes(project)} == {f"Edit {i}." for i in range(146, 150)}


def test_project_lookup_rename_duplicate(library: Library) -> None:
    project = library.create_project("My Video", topic="Bees")
    library.replace_scenes(project, [("Bees dance.", ["bees"])])
    assert library.project("my video").id == project.id
    assert library.project(project.id[:8]).id == project.id
    library.rename_project(project, "  Renamed   video ")
    assert library.project(project.id).name == "Renamed video"
    copy = library.duplicate_project(project)
    assert copy.name == "Renamed video (copy)" and copy.id != project.id
    assert [s.text for s in library.scenes(copy)] == ["Bees dance."]
    with pytest.raises(InputError, match="No project"):
        library.project("nothing like it")
    with pytest.raises(InputError):
        library.create_project("   ")
    with pytest.raises(InputError):
        library.create_project("x", target_duration=-5)


def test_settings_roundtrip(library: Library) -> None:
    library.set_setting("media_folders", ["/a", "/b"])
    assert library.get_setting("media_folders") == ["/a", "/b"]
    assert library.get_setting("groq_base_url") is None  # unset: the declared default


def _another_programs_database(db_path: Path, version: int) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("version", [0, 2])
def test_another_programs_database_is_refused_and_left_untouched(
    tmp_path: Path, version: int
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db_path = home / "studio.db"
    _another_programs_database(db_path, version)
    before = db_path.read_bytes()
    with pytest.raises(InputError, match="not a Studio library") as info:
        Library.open(home)
    assert str(db_path) in info.value.message and "--home" in info.value.message
    assert db_path.read_bytes() == before
    assert not Path(str(db_path) + "-wal").exists()
    assert not (home / "backups").exists()  # not even a snapshot of it


def test_an_empty_sqlite_file_becomes_a_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    conn = sqlite3.connect(home / "studio.db", isolation_level=None)
    conn.execute("CREATE TABLE gone (x)")
    conn.execute("DROP TABLE gone")
    conn.close()
    library = Library.open(home)
    library.create_project("Fresh")
    assert [p.name for p in library.projects()] == ["Fresh"]
    library.close()


def test_the_cli_names_another_programs_database_in_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _another_programs_database(home / "studio.db", 0)
    before = (home / "studio.db").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), "projects"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    err = result.stderr
    assert "not a Studio library" in err and str(home / "studio.db") in err, err
    assert err.count("\n") == 1 and "--home" in err
    assert (home / "studio.db").read_bytes() == before


def test_opening_another_library_makes_the_first_refuse_instead_of_re_pointing(
    tmp_path: Path,
) -> None:
    first = Library.open(tmp_path / "first")
    mine = first.create_project("Mine")
    second = Library.open(tmp_path / "second")
    for call in (
        first.projects,
        lambda: first.create_project("Lost"),
        lambda: first.rooms.scenes.scenes(mine),
        lambda: first.get_setting("groq_model"),
    ):
        with pytest.raises(StoreError, match="another library was opened") as refused:
            call()
        assert refused.value.where == str(first.home.db_path)
    assert second.projects() == []  # nothing of the first's reached the second's file
    again = Library.open(tmp_path / "first")
    assert [p.name for p in again.projects()] == ["Mine"]
    assert [p.name for p in first.projects()] == ["Mine"]  # its file is the bound one again
    with pytest.raises(StoreError, match="another library was opened"):
        second.projects()
    again.close()


def test_reopening_the_same_library_leaves_the_first_usable(home: Path) -> None:
    first = Library.open(home)
    first.create_project("Kept")
    Library.open(home).create_project("Also")
    assert sorted(p.name for p in first.projects()) == ["Also", "Kept"]
    first.close()


def test_a_thread_connection_opened_before_another_library_follows_the_new_one(
    tmp_path: Path,
) -> None:
    first = Library.open(tmp_path / "first")
    first.create_project("Of the first")
    opened, rebound = threading.Event(), threading.Event()
    seen: list[list[str]] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            first.projects()  # this thread's own connection, to the first file
            opened.set()
            assert rebound.wait(30)
            seen.append([p.name for p in second.projects()])
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)
        finally:
            Library.close_thread_connection()

    thread = threading.Thread(target=worker)
    thread.start()
    assert opened.wait(30)
    second = Library.open(tmp_path / "second")
    second.create_project("Of the second")
    rebound.set()
    thread.join(30)
    assert errors == [] and seen == [["Of the second"]]
    second.close()
