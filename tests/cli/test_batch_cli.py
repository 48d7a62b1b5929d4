"""``studio batch`` as a real subprocess: CSV and JSON manifests, the table and ``--json`` on
stdout, ``--progress jsonl`` events, the exit codes (0, 2, 3, 130), and Ctrl-C mid-batch then
the same command again finishing it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from studio.cli_batch import EXIT_ROWS_FAILED
from tests.conftest import REPO


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "bees.txt").write_text("Bees visit flowers.\n")
    (tmp_path / "sun.txt").write_text("The sun is a star.\n")
    (tmp_path / "rain.txt").write_text("Rain falls from clouds.\n")
    return tmp_path


def _studio(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *map(str, args)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _csv(folder: Path, rows: tuple[str, ...] = ("bees.txt", "sun.txt")) -> Path:
    path = folder / "videos.csv"
    path.write_text("script,voice,resolution\n" + "".join(f"{r},en-us,720p\n" for r in rows))
    return path


@pytest.mark.slow
def test_a_csv_batch_prints_a_line_per_row_and_the_table(home: Path, folder: Path) -> None:
    result = _studio(home, "batch", _csv(folder), "--jobs", "2", "--encoder", "x264")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert sum(line.startswith(("row 1 done", "row 2 done")) for line in lines) == 2
    header = next(i for i, line in enumerate(lines) if line.startswith("ROW"))
    assert "PROJECT" in lines[header] and "MP4" in lines[header] and "ERROR" in lines[header]
    assert lines[header + 1].split()[:2] == ["1", "done"]
    assert "2 done" in lines[-1] and "videos.summary.json" in lines[-1]
    summary = json.loads((folder / "videos.summary.json").read_text())
    assert [Path(r["video"]).is_file() for r in summary["rows"]] == [True, True]
    assert "row 1:" in result.stderr  # progress goes to stderr


@pytest.mark.slow
def test_a_json_manifest_with_json_output_prints_one_document(home: Path, folder: Path) -> None:
    manifest = folder / "videos.json"
    manifest.write_text(json.dumps({
        "defaults": {"voice": "en-us", "resolution": "720p"},
        "rows": [{"script": "bees.txt", "project": "Bees"}],
    }))  # fmt: skip
    summary = folder / "out" / "summary.json"
    summary.parent.mkdir()
    result = _studio(home, "batch", manifest, "--json", "--summary", summary)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout is one document
    assert document["counts"]["done"] == 1 and document["finished"] is True
    assert document["rows"][0]["project"] == "Bees" and document["summary"] == str(summary)
    assert json.loads(summary.read_text()) == document


@pytest.mark.slow
def test_progress_jsonl_tags_every_event_with_its_row(home: Path, folder: Path) -> None:
    (folder / "broken.png").write_bytes(b"not a picture" * 100)
    manifest = folder / "mixed.csv"
    manifest.write_text(
        "script,template,background,voice,resolution\n"
        "bees.txt,,,en-us,720p\n"
        "sun.txt,scroll,broken.png,en-us,720p\n"
    )
    result = _studio(home, "batch", manifest, "--progress", "jsonl")
    assert result.returncode == EXIT_ROWS_FAILED, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["event"] == "result" and events[-1]["counts"]["failed"] == 1
    progress = [e for e in events if e["event"] == "progress"]
    assert progress and all(e["row"] in (1, 2) for e in progress)
    ends = {e["row"]: e["status"] for e in events if e["event"] == "row"}
    assert ends == {1: "done", 2: "failed"}


def test_a_bad_manifest_exits_2_in_one_line_and_makes_nothing(home: Path, folder: Path) -> None:
    manifest = folder / "bad.csv"
    manifest.write_text("script,voice\nbees.txt,en-us\nmissing.txt,en-us\n")
    result = _studio(home, "batch", manifest)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Row 2, column script" in result.stderr
    assert result.stdout == ""
    assert "No projects yet" in _studio(home, "projects").stdout
    assert not (folder / "bad.summary.json").exists()
    assert _studio(home, "batch", _csv(folder), "--jobs", "99").returncode == 2


def _events_until(process: subprocess.Popen[str], wanted: dict[str, Any]) -> list[dict[str, Any]]:
    """Read JSON lines from ``process`` until one holds every item of ``wanted``."""
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        event = json.loads(line)
        seen.append(event)
        if wanted.items() <= event.items():
            return seen
    raise AssertionError(f"the batch ended without {wanted}: {seen[-3:]}")


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child is POSIX")
def test_ctrl_c_mid_batch_keeps_done_rows_and_the_same_command_finishes(
    home: Path, folder: Path
) -> None:
    manifest = _csv(folder, ("bees.txt", "sun.txt", "rain.txt"))
    command = [sys.executable, "-m", "studio", "--home", str(home), "batch", str(manifest),
               "--jobs", "1", "--progress", "jsonl"]  # fmt: skip
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        events = _events_until(process, {"event": "row", "row": 1, "status": "done"})
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors
    assert "cancelled" in errors and "again" in errors
    first = [json.loads(line) for line in rest.splitlines()][-1]
    assert first["event"] == "result" and first["rows"][0]["status"] == "done"
    assert [r["status"] for r in first["rows"]][2] == "pending"
    done_id = next(e for e in events if e.get("status") == "done")["project_id"]

    again = _studio(home, "batch", manifest, "--json")
    assert again.returncode == 0, again.stderr
    rows = json.loads(again.stdout)["rows"]
    assert [r["status"] for r in rows] == ["done", "done", "done"]
    assert rows[0]["project_id"] == done_id
    assert "row 1:" not in again.stderr  # the finished row was not worked on again


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")
def test_a_batch_killed_mid_row_resumes_that_row_in_its_project(home: Path, folder: Path) -> None:
    """A crash (SIGKILL while row 2 renders) leaves row 2 "running" with its project; the same
    command keeps row 1 and finishes row 2 in that project (a "resume" job), not a new one."""
    manifest = _csv(folder)
    command = [sys.executable, "-m", "studio", "--home", str(home), "batch", str(manifest),
               "--jobs", "1", "--progress", "jsonl"]  # fmt: skip
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        events = _events_until(
            process, {"event": "progress", "row": 2, "stage": "Mixing the sound"}
        )
        process.kill()
    saved = json.loads((folder / "videos.summary.json").read_text())
    assert [r["status"] for r in saved["rows"]] == ["done", "running"]  # current at the crash
    crashed_id = next(e for e in events if e.get("row") == 2 and e.get("project_id"))["project_id"]

    again = _studio(home, "batch", manifest, "--json")
    assert again.returncode == 0, again.stderr
    rows = json.loads(again.stdout)["rows"]
    assert [r["status"] for r in rows] == ["done", "done"]
    assert rows[1]["project_id"] == crashed_id
    listing = _studio(home, "projects").stdout
    assert listing.count("\n") == 3  # the header and two projects: nothing made twice
