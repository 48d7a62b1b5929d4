"""The new commands given hostile input from the terminal, as real subprocesses: a reader that
closes stdout early, links that loop, a damaged encoder cache. Each is one line on stderr, the
documented exit code, and no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli_output import EXIT_OUTPUT_CLOSED
from tests.conftest import REPO


def _studio(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *map(str, args)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _one_line(result: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert result.returncode == code, result.stderr
    assert result.stderr.count("\n") == 1 and needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and "unexpected failure" not in result.stderr


@pytest.mark.slow
def test_a_batch_whose_reader_closes_stdout_stops_and_the_next_run_finishes(
    home: Path, tmp_path: Path
) -> None:
    for name in ("bees", "sun"):
        (tmp_path / f"{name}.txt").write_text(f"The {name} is here.\n")
    manifest = tmp_path / "videos.csv"
    manifest.write_text("script,voice,resolution\nbees.txt,en-us,720p\nsun.txt,en-us,720p\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "studio", "--home", str(home), "batch", str(manifest),
         "--progress", "jsonl", "--encoder", "x264"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    first = json.loads(process.stdout.readline())  # `| head -1`: one line, then gone
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=300) == EXIT_OUTPUT_CLOSED, err
    assert first["event"] == "row" and first["row"] == 1
    assert "output closed it" in err and "Traceback" not in err and "bug" not in err

    again = _studio(home, "batch", manifest, "--json", "--encoder", "x264")
    assert again.returncode == 0, again.stderr
    document = json.loads(again.stdout)
    assert document["counts"]["done"] == 2
    listed = json.loads(_studio(home, "projects", "--json").stdout)
    assert len(listed) == 2  # the stopped rows were finished, not made twice


def test_links_that_loop_are_one_line_with_exit_2(home: Path, tmp_path: Path) -> None:
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "bees.txt").write_text("Bees.\n")
    manifest = tmp_path / "videos.csv"
    manifest.write_text("script,voice\nbees.txt,en-us\n")
    _one_line(_studio(home, "batch", tmp_path / "a"), 2, "loop of symbolic links")
    _one_line(_studio(home, "batch", manifest, "--summary", tmp_path / "a"), 2, "loop")
    _one_line(_studio(tmp_path / "a", "projects"), 2, "library folder's path is a loop")
    assert not (tmp_path / "videos.summary.json").exists()


def test_encoders_again_with_a_cache_that_is_a_folder_still_answers(home: Path) -> None:
    (home / "cache" / "encoders.json").mkdir(parents=True)
    result = _studio(home, "encoders", "--again", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["auto"] == "x264"
