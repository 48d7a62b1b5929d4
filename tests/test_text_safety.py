"""Names, paths and text with control characters; messages that name what really happened.

Printing: every name or path from a creator or the file system is one escaped line.
Storing: NUL and other controls never reach the database. Messages: the Groq server really
used, and conditions the creator caused are never "a bug" nor "the project database failed".
Subprocess tests run ``python -m studio`` for real.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.cli import main
from studio.errors import InputError, ServiceError
from studio.pipeline.groq_client import groq_host
from studio.pipeline.groq_script import generate_script
from studio.store import Library
from studio.text import clean_text, one_line
from tests.fakes.groq_server import FakeGroq, server_error, unauthorized
from tests.support import read_only

HOSTILE_NAME = "\x1b[31mred\nline\x00"
#: What no printed line may hold: C0/C1 controls, DEL, line separators, lone surrogates.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
KEY = "gsk_" + "a" * 52
BUG_WORDS = ("unexpected failure", "a bug", "database failed", "Traceback")


def studio(home: Path, *args: str | bytes, env: dict[str, str] | None = None) -> Any:
    """Run ``python -m studio --home HOME ARGS`` and return the finished process (bytes out)."""
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def assert_not_a_bug(stderr: bytes) -> None:
    text = stderr.decode("utf-8", "replace")
    assert not any(word in text for word in BUG_WORDS), text


# -- the helpers --------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text())
def test_one_line_leaves_nothing_a_terminal_acts_on(text: str) -> None:
    shown = one_line(text)
    assert UNSAFE.search(shown) is None
    shown.encode("utf-8")  # printable on any UTF-8 terminal
    if UNSAFE.search(text) is None:
        assert shown == text  # ordinary text is untouched


@settings(max_examples=300, deadline=None)
@given(st.text(), st.booleans())
def test_clean_text_keeps_no_controls(text: str, multiline: bool) -> None:
    cleaned = clean_text(text, multiline=multiline)
    allowed = "\n\t" if multiline else ""
    assert not [c for c in cleaned if UNSAFE.match(c) and c not in allowed]
    cleaned.encode("utf-8")
    assert clean_text(cleaned, multiline=multiline) == cleaned


def test_clean_text_drops_escape_sequences_whole() -> None:
    assert clean_text(HOSTILE_NAME) == "red line"
    assert clean_text("a\r\nb\x00\tc\x1b]0;title\x07", multiline=True) == "a\nb\tc"


def test_an_error_message_is_one_escaped_line() -> None:
    error = InputError("No project called\nX", where="/tmp/\x1b[2Jbad\x00", fix="Rename\nit")
    assert "\n" not in error.message and "\x1b" not in error.message
    assert "/tmp/\\x1b[2Jbad\\x00" in error.message


# -- stored text --------------------------------------------------------------------------------
def _db_texts(home: Path, sql: str) -> list[str]:
    conn = sqlite3.connect(f"file:{home / 'studio.db'}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute(sql)]
    finally:
        conn.close()


def test_scene_text_and_names_are_stored_without_controls(library: Any, home: Path) -> None:
    project = library.create_project(HOSTILE_NAME, topic="bees\x00\x1b[1m")
    first, _second = library.replace_scenes(
        project, [("Bees\x00 make honey.\nLine two\x07.", ["hi\x00ve"]), ("Second.", [])]
    )
    library.update_scene(first, text="Edited\x00 text.\r\nNext line.", character="Ann\x1b[0m")
    library.add_scene(project, "Inserted \x00scene.", index=1)
    library.rename_project(project, "Renamed\x00\nproject")
    library.set_publishing(
        project, title="Title\x00", description="One\x00\nTwo\x1b[31m", tags=["ta\x00g"]
    )

    names = _db_texts(home, "SELECT name || '|' || topic FROM projects")
    assert names == ["Renamed project|bees"]
    texts = _db_texts(home, "SELECT text FROM scenes ORDER BY scene_number")
    assert texts == ["Edited text.\nNext line.", "Inserted scene.", "Second."]
    metadata = _db_texts(
        home, "SELECT title || '|' || description || '|' || tags FROM publishing_metadata"
    )
    assert metadata == ['Title|One\nTwo|["tag"]']
    assert library.scene(first.id).character == "Ann"


def test_split_and_merge_keep_stored_text_clean(library: Any, home: Path) -> None:
    project = library.create_project("Bees")
    library.replace_scenes(project, [("One two.", []), ("Three.", [])])
    conn = sqlite3.connect(home / "studio.db")  # a row an older Studio wrote with a NUL
    conn.execute("UPDATE scenes SET text = ? WHERE scene_number = 1", ("One\x00 two.",))
    conn.commit()
    conn.close()
    first, second = library.scenes(project)

    left, right = library.split_scene(first, 4)
    library.merge_scenes(right, second)

    assert all("\x00" not in t for t in _db_texts(home, "SELECT text FROM scenes"))


def test_a_project_found_by_its_name_typed_with_controls(library: Any) -> None:
    project = library.create_project(HOSTILE_NAME)
    assert library.project("\x1b[31mred\nline\x00").id == project.id
    assert library.project("red  line").id == project.id


# -- printed names ------------------------------------------------------------------------------
def test_projects_prints_each_hostile_name_escaped_on_one_line(home: Path) -> None:
    library = Library.open(home)
    library.create_project(HOSTILE_NAME)
    library.close()
    conn = sqlite3.connect(home / "studio.db")  # as an older Studio or an import stored it
    conn.execute(
        "INSERT INTO projects (id, name, created_at, last_active) "
        "SELECT 'raw', ?, created_at, last_active FROM projects",
        ("old\x1b[2Jrow\nsecond\x00",),
    )
    conn.commit()
    conn.close()

    done = studio(home, "projects")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.decode("utf-8").splitlines()
    assert len(lines) == 3  # the header and one line per project
    assert not any(UNSAFE.search(line) for line in lines)
    assert any(line.startswith("red line ") for line in lines)
    assert any(line.startswith("old\\x1b[2Jrow\\nsecond\\x00 ") for line in lines)


# -- Groq: the server really used ---------------------------------------------------------------
def test_groq_errors_name_the_server_from_groq_base_url(tmp_path: Path) -> None:
    with FakeGroq() as fake:
        fake.enqueue(unauthorized())
        done = studio(
            tmp_path / "home",
            "produce",
            "--topic",
            "Why bees matter",
            env={"GROQ_API_KEY": KEY, "GROQ_BASE_URL": fake.base_url},
        )
        assert len(fake.requests) == 1  # the request really went there
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 1, stderr
    host = fake.base_url.removeprefix("http://")
    assert f"at {host}" in stderr
    assert "api.groq.com" not in stderr
    assert_not_a_bug(done.stderr)


def test_groq_host_follows_the_clients_own_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_BASE_URL", raising=False)
    assert groq_host() == "api.groq.com"
    monkeypatch.setenv("GROQ_BASE_URL", "http://127.0.0.1:8123/proxy")
    assert groq_host() == "127.0.0.1:8123"
    assert groq_host("https://user:secret@groq.example.org") == "groq.example.org"


def test_a_failing_custom_server_is_not_sent_to_groqs_status_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakeGroq() as fake:
        monkeypatch.setenv("GROQ_BASE_URL", fake.base_url)
        fake.enqueue(server_error(), server_error())
        with pytest.raises(ServiceError) as caught:
            generate_script("bees", 30, api_key=KEY, max_attempts=2, sleep=lambda _s: None)
    assert fake.base_url.removeprefix("http://") in caught.value.message
    assert "groq" not in (caught.value.fix or "").lower()


# -- conditions the creator caused --------------------------------------------------------------
def test_a_database_path_that_is_a_folder_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "studio.db").mkdir(parents=True)
    (home / "studio.db" / "something").write_text("x")
    done = studio(home, "projects")
    assert done.returncode == 1
    assert b"The project database is a folder, not a file" in done.stderr
    assert_not_a_bug(done.stderr)


def test_an_unknown_project_typed_with_invalid_utf8_is_bad_input(home: Path) -> None:
    Library.open(home).close()
    done = studio(home, "render", b"bees\xff\x1b[2J")
    assert done.returncode == 2
    assert done.stderr.startswith(b"studio: No project called") and done.stderr.count(b"\n") == 1
    assert b"\x1b" not in done.stderr
    assert_not_a_bug(done.stderr)


def test_a_nul_in_an_argument_is_bad_input(tmp_path: Path, capsys: Any) -> None:
    """A NUL can't come through exec; a caller of main() (a script, the tests) can pass one."""
    assert main(["--home", str(tmp_path / "a\x00b"), "projects"]) == 2
    err = capsys.readouterr().err
    assert "NUL" in err and err.count("\n") == 1
    assert_not_a_bug(err.encode())


def test_media_with_invalid_utf8_names_is_skipped_in_one_line(tmp_path: Path) -> None:
    from PIL import Image

    media = tmp_path / "media"
    media.mkdir()
    Image.new("RGB", (64, 48), (10, 90, 200)).save(media / "bees.png")
    Image.new("RGB", (64, 48), (10, 90, 200)).save(os.fsdecode(bytes(media) + b"/hon\xffey.png"))
    script = tmp_path / "script.txt"
    script.write_text("Bees make honey.", encoding="utf-8")

    done = studio(
        tmp_path / "home", "produce", "--script", str(script), "--media", str(media),
        "--resolution", "720p",
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    skipped = [line for line in done.stderr.splitlines() if line.startswith(b"Skipped")]
    assert skipped == [
        f"Skipped 1 media file Studio could not read or use in {media}: hon\\xffey.png: "
        "its name isn't valid UTF-8 text (rename it).".encode()
    ]
    assert_not_a_bug(done.stderr)


def _project_names(home: Path) -> Sequence[str]:
    return _db_texts(home, "SELECT name FROM projects ORDER BY name")


def test_a_locked_projects_folder_is_reported_and_leaves_no_project(tmp_path: Path) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    library.create_project("Precious")
    library.close()
    script = tmp_path / "script.txt"
    script.write_text("Bees make honey.", encoding="utf-8")

    with read_only(home / "projects"):
        done = studio(home, "produce", "--script", str(script), "--resolution", "720p")

    assert done.returncode == 1
    assert done.stderr.startswith(b"studio: Studio isn't allowed to change this file or folder.")
    assert_not_a_bug(done.stderr)
    assert _project_names(home) == ["Precious"]


def test_a_locked_audio_folder_fails_the_job_with_a_known_message(tmp_path: Path) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    project = library.create_project("Bees")
    library.replace_scenes(project, [("Bees make honey.", [])])
    library.close()

    with read_only(home / "projects" / project.id / "audio"):
        done = studio(home, "render", "Bees")

    assert done.returncode == 1
    assert b"isn't allowed to change" in done.stderr
    assert_not_a_bug(done.stderr)
    status = _db_texts(home, "SELECT status || ': ' || error_message FROM jobs")
    assert status and status[0].startswith("failed: Studio isn't allowed")
