"""Files the creator names (export, metadata --export, --screenshot) never land on the library.

Each refusal is checked from the outside: exit 2 with one line, the database and its WAL hash
the same as before, and ``studio projects`` still lists the project.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.cli import main
from studio.errors import InputError
from studio.home import Home
from studio.savefile import check_output_target, output_path, write_atomically
from studio.store import Library
from studio.store.backup import snapshot
from tests.conftest import REPO
from tests.support import read_only

PROJECT = "Precious"


def _fingerprint(home: Path) -> dict[str, str | None]:
    """SHA-256 of the database and its WAL (None when absent or empty: merely opening the
    library, as every command does, leaves an empty WAL behind)."""
    found: dict[str, str | None] = {}
    for suffix in ("", "-wal"):
        path = Path(f"{home / 'studio.db'}{suffix}")
        data = path.read_bytes() if path.exists() else b""
        found[suffix] = hashlib.sha256(data).hexdigest() if data else None
    return found


@pytest.fixture
def library_home(tmp_path: Path) -> Path:
    """A closed library with one rendered project and one backup."""
    home = tmp_path / "home"
    library = Library.open(home)
    project = library.create_project(PROJECT)
    library.replace_scenes(project, [("Bees make honey.", [])])
    video = library.home.project_dir(project.id, create=True) / "renders" / "bees.mp4"
    video.write_bytes(b"not really a video")
    library.record_render(
        project, file_path=video, duration=2.0, thumbnail=None, srt=None, settings={}, job=None
    )
    library.close()
    snapshot(home / "studio.db", home / "backups", "daily")
    return home


def _targets(home: Path, tmp_path: Path) -> dict[str, Path]:
    """Every place a written file must never go, by name."""
    (tmp_path / "a folder").mkdir()
    link = tmp_path / "innocent.zip"
    link.symlink_to(home / "studio.db")
    backup = next((home / "backups").glob("studio-*.db"))
    render = next((home / "projects").rglob("bees.mp4"))
    pipe = tmp_path / "a pipe"
    os.mkfifo(pipe)  # a special file of the test's own (never a system one like /dev/null)
    return {
        "database": home / "studio.db",
        "wal": Path(f"{home / 'studio.db'}-wal"),
        "shm": Path(f"{home / 'studio.db'}-shm"),
        "backup": backup,
        "project file": render,
        "dotdot to database": tmp_path / "a folder" / ".." / "home" / "studio.db",
        "symlink to database": link,
        "directory": tmp_path / "a folder",
        "missing folder": tmp_path / "no such folder" / "out.zip",
        "pipe": pipe,
    }


BAD = (
    "database",
    "wal",
    "shm",
    "backup",
    "project file",
    "dotdot to database",
    "symlink to database",
    "directory",
    "missing folder",
    "pipe",
)

COMMANDS: dict[str, Callable[[Path], list[str]]] = {
    "export": lambda target: ["export", PROJECT, str(target)],
    "metadata": lambda target: ["metadata", PROJECT, "--export", str(target)],
}


def _assert_refused_and_untouched(
    home: Path, before: dict[str, str | None], code: int, err: str
) -> None:
    assert code == 2, err
    assert err.startswith("studio: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    assert _fingerprint(home) == before
    assert main(["--home", str(home), "projects"]) == 0


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", BAD)
def test_bad_targets_are_refused_and_the_library_is_untouched(
    library_home: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    case: str,
) -> None:
    target = _targets(library_home, tmp_path)[case]
    kept = {p: p.read_bytes() for p in (library_home / "backups").glob("*.db")}
    before = _fingerprint(library_home)
    code = main(["--home", str(library_home), *COMMANDS[command](target)])
    _assert_refused_and_untouched(library_home, before, code, capsys.readouterr().err)
    assert PROJECT in capsys.readouterr().out
    assert {p: p.read_bytes() for p in (library_home / "backups").glob("*.db")} == kept
    assert not (tmp_path / "no such folder").exists()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unwritable_folder_is_refused(
    library_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    before = _fingerprint(library_home)
    with read_only(locked):
        code = main(["--home", str(library_home), *COMMANDS[command](locked / "out.file")])
        err = capsys.readouterr().err
        assert list(locked.iterdir()) == []
    _assert_refused_and_untouched(library_home, before, code, err)
    assert "cannot write" in err


def test_the_database_is_refused_by_a_real_subprocess(library_home: Path) -> None:
    before = _fingerprint(library_home)
    for command in COMMANDS.values():
        result = subprocess.run(
            [sys.executable, "-m", "studio", "--home", str(library_home),
             *command(library_home / "studio.db")],
            capture_output=True, text=True, cwd=REPO, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert "Studio's own database" in result.stderr and result.stderr.count("\n") == 1
        assert _fingerprint(library_home) == before


def test_good_targets_are_written_and_an_existing_file_is_replaced_whole(
    library_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "out" / "bees.studio.zip"
    archive.parent.mkdir()
    assert main(["--home", str(library_home), "export", PROJECT, str(archive)]) == 0
    assert zipfile.ZipFile(archive).testzip() is None
    old = tmp_path / "out" / "bees.json"
    old.write_text("an old file")
    inode = old.stat().st_ino
    assert main(["--home", str(library_home), "metadata", PROJECT, "--export", str(old)]) == 0
    assert (
        '"title"' in old.read_text() and old.stat().st_ino != inode
    )  # renamed over, not rewritten
    assert sorted(p.name for p in archive.parent.iterdir()) == ["bees.json", "bees.studio.zip"]
    capsys.readouterr()


# --- the domain helper ---------------------------------------------------------------------


def test_check_output_target_returns_the_resolved_path_outside_the_home(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    home.ensure()
    (tmp_path / "sub").mkdir()
    assert check_output_target(tmp_path / "sub" / ".." / "x.json", home) == tmp_path / "x.json"
    with pytest.raises(InputError, match="inside Studio's library"):
        check_output_target(home.root / "cache" / "new.json", home)  # not there yet: still refused
    with pytest.raises(InputError, match="inside Studio's library"):
        check_output_target(home.root, home)


def test_a_database_kept_outside_the_home_through_a_link_is_still_protected(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "disk" / "real.db"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"")
    home = Home(tmp_path / "home")
    home.ensure()
    home.db_path.symlink_to(elsewhere)
    for name in ("real.db", "real.db-wal", "real.db-journal"):
        with pytest.raises(InputError, match="own database"):
            check_output_target(elsewhere.parent / name, home)


def test_write_atomically_leaves_the_old_file_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "keep.json"
    target.write_text("precious")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), output_path(target) as partial:
        partial.write_text("half")
        raise Boom
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]
    write_atomically(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.json"]


def test_screenshot_refuses_the_database_before_opening_the_window(library_home: Path) -> None:
    before = _fingerprint(library_home)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(library_home),
         "--screenshot", str(library_home / "studio.db")],
        capture_output=True, text=True, cwd=REPO, timeout=60, env=env,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Studio's own database" in result.stderr and result.stderr.count("\n") == 1
    assert _fingerprint(library_home) == before
