"""``studio restore`` checks a backup before it replaces anything, through the real command.

A refusal is exit 2 with one line naming the file, and the current database (and its WAL)
hash exactly as before; a real backup restores.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.store import SCHEMA_VERSION, Library
from studio.store import backup as backups
from tests.conftest import REPO


def _fingerprint(db: Path) -> tuple[str | None, ...]:
    """SHA-256 of the database, its WAL and its -shm (None when absent)."""
    return tuple(
        hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else None
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"))
    )


def _studio(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A library with project "Now" and a good backup (taken when only "Then" existed)."""
    root = tmp_path / "home"
    library = Library.open(root)
    library.create_project("Then")
    library.close()
    good = backups.snapshot(root / "studio.db", root / "backups", "daily")
    (tmp_path / "good.db").write_bytes(good.read_bytes())
    library = Library.open(root)
    library.create_project("Now")
    library.close()
    return root


def _text(path: Path, _good: Path) -> None:
    path.write_text("these are my notes, not a database\n" * 50)


def _truncated(path: Path, good: Path) -> None:
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _corrupt(path: Path, good: Path) -> None:
    """Valid header, the pages behind it scrambled (integrity_check fails)."""
    data = bytearray(good.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(page, len(data), 7):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def _newer(path: Path, good: Path) -> None:
    path.write_bytes(good.read_bytes())
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


def _foreign(path: Path, _good: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    conn.execute("INSERT INTO moz_places (url) VALUES ('https://example.org')")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def _blank(path: Path, _good: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE gone (x)")
    conn.execute("DROP TABLE gone")
    conn.close()


BAD: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "text file": (_text, "not an SQLite database"),
    "truncated copy": (_truncated, "damaged"),
    "corrupt copy": (_corrupt, "damaged"),
    "newer schema": (_newer, "newer Studio"),
    "another app's database": (_foreign, "not a Studio"),
    "blank database": (_blank, "not a Studio"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_backup_is_refused_and_the_library_is_untouched(
    home: Path, tmp_path: Path, case: str
) -> None:
    make, expected = BAD[case]
    candidate = tmp_path / "candidate.db"
    make(candidate, tmp_path / "good.db")
    before = _fingerprint(home / "studio.db")
    kept = sorted(p.name for p in (home / "backups").iterdir())
    result = _studio(home, "restore", str(candidate))
    assert result.returncode == 2, result.stderr
    err = result.stderr
    assert expected in err and str(candidate) in err and err.count("\n") == 1, err
    assert "studio backups" in err
    assert _fingerprint(home / "studio.db") == before
    assert sorted(p.name for p in (home / "backups").iterdir()) == kept  # no snapshot made
    listing = _studio(home, "projects")
    assert listing.returncode == 0 and "Now" in listing.stdout


def test_a_good_backup_restores_after_saving_the_current_database(
    home: Path, tmp_path: Path
) -> None:
    result = _studio(home, "restore", str(tmp_path / "good.db"))
    assert result.returncode == 0, result.stderr
    assert "before-restore" in result.stdout
    listing = _studio(home, "projects")
    assert "Then" in listing.stdout and "Now" not in listing.stdout


def test_the_domain_restore_refuses_on_its_own(home: Path, tmp_path: Path) -> None:
    candidate = tmp_path / "notes.db"
    _text(candidate, tmp_path / "good.db")
    before = _fingerprint(home / "studio.db")
    with pytest.raises(InputError, match="not an SQLite database"):
        backups.restore(candidate, home / "studio.db")
    assert _fingerprint(home / "studio.db") == before


#: Holds a project's render lock from another process until its stdin closes.
HOLD_LOCK = """
import sys
from pathlib import Path
from studio.home import Home
from studio.locks import render_lock
with render_lock(Home(Path(sys.argv[1])), sys.argv[2], sys.argv[3]):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _hold_render_lock(home: Path, project_id: str, name: str) -> subprocess.Popen[str]:
    """Another process rendering (holding the project's render lock) until its stdin closes."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(home), project_id, name],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_restore_is_refused_while_another_process_renders(home: Path, tmp_path: Path) -> None:
    library = Library.open(home)
    now = next(p for p in library.projects() if p.name == "Now")
    library.close()
    before = _fingerprint(home / "studio.db")
    kept = sorted(p.name for p in (home / "backups").iterdir())
    holder = _hold_render_lock(home, now.id, "Now")
    try:
        result = _studio(home, "restore", str(tmp_path / "good.db"))
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().endswith(
            "A render is running in another window or process (project Now). "
            "Wait for it or cancel it, then restore."
        ), result.stderr
        assert _fingerprint(home / "studio.db") == before
        assert sorted(p.name for p in (home / "backups").iterdir()) == kept  # no snapshot made
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)

    # The render ended: the same restore goes through.
    result = _studio(home, "restore", str(tmp_path / "good.db"))
    assert result.returncode == 0, result.stderr
    assert "Then" in _studio(home, "projects").stdout
