"""``--json`` and ``--progress jsonl`` as a wrapper uses them: real subprocesses of
``python -m studio`` on a real library, tiny real renders (720p, two short scenes, the draft
voice), and stdout read line by line as JSON."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from studio.cli_output import CliOutput, JsonlReporter
from studio.media.probe import probe
from studio.store import Library

REPO = Path(__file__).resolve().parents[2]
SCRIPT = "Bees dance for the flowers.\n\nThe hive hums all night long.\n"
#: Quotes, a backslash, a comma, accents and an emoji: JSON escapes what it must, nothing else.
ODD_NAME = 'Les "abeilles" \\ de l\'été, 🐝 {x}'
TINY = ("--resolution", "720p", "--voice", "en-us")


def _command(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "studio", "--home", str(home), *args]


def studio(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m studio --home HOME ARGS`` from this worktree, text out and err apart."""
    return subprocess.run(_command(home, *args), capture_output=True, text=True,
                          timeout=timeout, cwd=REPO, encoding="utf-8")  # fmt: skip


def json_lines(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line parsed as one JSON object (a line that isn't fails the test)."""
    lines = stdout.splitlines()
    assert lines, "nothing on stdout"
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(item, dict) for item in parsed)
    return parsed


def assert_progress_stream(events: list[dict[str, Any]]) -> None:
    """Progress events rise monotonically to 1, each with an ETA field (null or seconds)."""
    progress = [e for e in events if e["event"] == "progress"]
    assert len(progress) >= 3
    fractions = [e["fraction"] for e in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    for event in progress:
        assert isinstance(event["stage"], str) and event["stage"]
        eta = event["eta_seconds"]
        assert eta is None or (isinstance(eta, int | float) and eta >= 0)
    assert all(isinstance(e["time"], float) for e in events)


def assert_video_result(document: dict[str, Any], name: str) -> None:
    """A run's result: ok, the project, and a video whose probed duration is the one given."""
    assert document["ok"] is True and document["project"]["name"] == name
    video = Path(document["video"])
    assert video.is_absolute() and video.is_file() and video.suffix == ".mp4"
    assert probe(video).duration == pytest.approx(document["duration"], abs=0.1)
    assert Path(document["srt"]).is_file()
    assert document["render_id"] and document["size_bytes"] == video.stat().st_size


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    """One tiny video made with ``--progress jsonl``: the home and the parsed event stream."""
    folder = tmp_path_factory.mktemp("json-output")
    script = folder / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    home = folder / "home"
    done = studio(home, "produce", "--script", str(script), *TINY, "--project", "Bees",
                  "--progress", "jsonl")  # fmt: skip
    assert done.returncode == 0, done.stderr
    yield home, {"events": json_lines(done.stdout), "stderr": done.stderr}


def test_produce_progress_jsonl_streams_events_and_ends_with_the_result(
    produced: tuple[Path, dict[str, Any]],
) -> None:
    _home, run = produced
    events = run["events"]
    assert {e["event"] for e in events} <= {"progress", "message", "result"}
    assert_progress_stream(events)
    assert events[-1]["event"] == "result" and events[-1]["command"] == "produce"
    assert_video_result(events[-1], "Bees")
    assert "%]" not in run["stderr"]  # no text progress besides


def test_render_and_resume_json_print_one_document_and_progress_stays_on_stderr(
    produced: tuple[Path, dict[str, Any]],
) -> None:
    home, run = produced
    project_id = run["events"][-1]["project"]["id"]
    for command in ("render", "resume"):
        done = studio(home, command, project_id[:8], "--json")
        assert done.returncode == 0, done.stderr
        (document,) = json_lines(done.stdout)
        assert document["command"] == command and document["project"]["id"] == project_id
        assert_video_result(document, "Bees")
        assert "%]" in done.stderr  # the human progress, where people read it


def test_projects_json_lists_every_project_with_its_name_as_stored(
    produced: tuple[Path, dict[str, Any]],
) -> None:
    home, run = produced
    library = Library.open(home)
    odd = library.create_project(ODD_NAME)
    library.close()
    done = studio(home, "projects", "--json")
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()  # one document: a list
    listing = json.loads(line)
    by_id = {entry["id"]: entry for entry in listing}
    assert by_id[odd.id]["name"] == ODD_NAME
    assert by_id[odd.id]["video"] is None and by_id[odd.id]["last_render"] is None
    made = by_id[run["events"][-1]["project"]["id"]]
    assert made["name"] == "Bees" and made["scenes"] == 2 and made["language"] == "en-us"
    assert made["template"] == "explainer" and made["duration"] > 1.0
    assert Path(made["video"]).is_file() and Path(made["video"]).is_absolute()
    assert datetime.fromisoformat(made["last_render"]).utcoffset() is not None
    assert set(made) == {"id", "name", "language", "template", "step", "scenes", "duration",
                         "last_render", "video"}  # fmt: skip


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (["produce", "--script", "{missing}", "--json"], "input"),
        (["render", "no-such-project", "--json"], "input"),
        (["render", "no-such-project", "--progress", "jsonl"], "input"),
        (["produce", "--script", "{missing}", "--aspect", "5:4", "--json"], "usage"),
        (["produce", "--aspect", "5:4", "--progress=jsonl"], "usage"),
    ],
)
def test_bad_input_is_ok_false_with_exit_2_and_one_line_on_stderr(
    tmp_path: Path, args: list[str], kind: str
) -> None:
    args = [a.replace("{missing}", str(tmp_path / "missing.txt")) for a in args]
    done = studio(tmp_path / "home", *args)
    assert done.returncode == 2
    (document,) = json_lines(done.stdout)
    if any(a.startswith("--progress") for a in args):
        assert document["event"] == "error"
    error = document["error"]
    assert document["ok"] is False and error["exit_code"] == 2 and error["kind"] == kind
    assert error["message"] and "fix" in error and "where" in error
    said = [line for line in done.stderr.splitlines() if line.startswith("studio:")]
    assert len(said) == 1
    if kind == "input":
        assert said[0] == f"studio: {error['message']}"
        assert not (tmp_path / "home" / "projects").exists() or not any(
            (tmp_path / "home" / "projects").iterdir()
        )  # nothing was kept


def test_ctrl_c_mid_run_exits_130_with_a_cancelled_error_event(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.Popen(
        _command(tmp_path / "home", "produce", "--script", str(script), *TINY,
                 "--progress", "jsonl"),  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        cwd=REPO,
        start_new_session=True,
    )
    assert proc.stdout is not None
    first = json.loads(proc.stdout.readline())  # the run has started: synchronised on it
    assert first["event"] == "progress"
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    rest, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    events = [first, *json_lines(rest)]
    last = events[-1]
    assert last["event"] == "error" and last["ok"] is False
    assert last["error"]["kind"] == "cancelled" and last["error"]["exit_code"] == 130
    assert all(e["event"] in ("progress", "message") for e in events[:-1])
    assert "studio: cancelled" in stderr


def test_nothing_but_json_reaches_stdout_not_even_a_child_process(tmp_path: Path) -> None:
    """While a machine-readable command runs, stray prints (Studio's, a library's, FFmpeg's
    or any child's, which inherit the descriptor) land on stderr."""
    code = textwrap.dedent(
        """
        import os, subprocess, sys
        from studio.cli_output import CliOutput, JsonlReporter, print_json
        output = CliOutput(json=True)
        with output.claim_stdout():
            print("a stray print")
            sys.stdout.flush()
            os.write(1, b"a C library writing to fd 1\\n")
            subprocess.run([sys.executable, "-c", "print('a child process')"], check=True)
            output.result({"ok": True, "name": "\\u00e9t\\u00e9 \\"x\\""})
            print_json({"a command's": "own document"})  # as batch writes its own
            JsonlReporter().event("row", row=1)
        print("after: stdout is stdout again")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", cwd=REPO, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert json.loads(lines[0]) == {"ok": True, "name": 'été "x"'}
    assert json.loads(lines[1]) == {"a command's": "own document"}
    assert json.loads(lines[2])["row"] == 1
    assert lines[3:] == ["after: stdout is stdout again"]
    for stray in ("a stray print", "a C library writing to fd 1", "a child process"):
        assert stray in done.stderr


def test_jsonl_reporter_never_reports_a_fraction_going_down_and_always_shows_the_end() -> None:
    stream = io.StringIO()
    reporter = JsonlReporter(stream, min_interval=60.0)
    reporter.progress(0.5, "Rendering scenes", 3.0)
    reporter.progress(0.4, "Joining", None)  # a late report from another thread
    reporter.progress(0.9, "Joining", None)  # throttled: same stage, too soon
    reporter.progress(1.0, "Joining", None)  # the end is never throttled
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["fraction"] for e in events] == [0.5, 0.5, 1.0]
    assert events[0]["eta_seconds"] == 3.0 and events[1]["eta_seconds"] is None


def test_text_mode_prints_the_human_line_and_json_mode_nothing_else(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for output, expected in ((CliOutput(), "/v.mp4\n"), (CliOutput(json=True), '{"a": 1}\n')):
        with output.claim_stdout():
            print("stray")
            output.result({"a": 1}, human="/v.mp4")
        captured = capsys.readouterr()
        assert captured.out == (expected if output.json else "stray\n" + expected)
        assert ("stray" in captured.err) is output.json


def test_only_commands_declaring_the_output_flags_hold_stdout() -> None:
    """``studio stats --json`` has a ``--json`` of its own and prints with ``print()``."""
    from studio.cli import build_parser

    parser = build_parser()
    for argv, machine in ((["stats", "--json"], False), (["projects", "--json"], True),
                          (["render", "p", "--progress", "jsonl"], True), (["render", "p"], False)):
        assert CliOutput.from_args(parser.parse_args(argv)).machine is machine, argv
