"""The ``studio`` command as a creator runs it: Ctrl-C, backups and restore, archives."""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.cli import _add_template_flags, build_parser, main, template_options_from_args
from studio.media.probe import probe
from studio.pipeline.templates import Template, TemplateOption, all_templates
from studio.store import Library
from tests.reliability.crash import edit_before_kill, prepare_project

SCRIPT = "\n\n".join(
    f"Scene {n}: the bees fan their wings and dance for the flowers." for n in range(1, 4)
)


def _orphans(marker: str) -> list[str]:
    """Live processes whose command line mentions ``marker`` (e.g. a project's folder)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(cmdline)
    return found


def _wait_for_stage(db: Path, prefix: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            row = conn.execute(
                "SELECT stage FROM jobs WHERE status='running' ORDER BY created_at DESC"
            ).fetchone()
        except sqlite3.Error:
            row = None
        finally:
            conn.close()
        if row and row[0].startswith(prefix):
            return
        time.sleep(0.02)
    raise AssertionError(f"the job never reached {prefix!r}")


@pytest.mark.slow
def test_ctrl_c_cancels_within_a_second_and_keeps_the_previous_render(tmp_path: Path) -> None:
    home = tmp_path / "home"
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    project_id = prepare_project(home, script)
    assert main(["--home", str(home), "render", project_id]) == 0
    library = Library.open(home)
    previous = library.home.abs(library.renders(library.project(project_id))[0].file_path)
    library.close()
    edit_before_kill(home, project_id, __import__("random").Random(1))  # real work to do

    proc = subprocess.Popen(
        [sys.executable, "-m", "studio", "--home", str(home), "render", project_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    _wait_for_stage(home / "studio.db", "Rendering", proc)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    _out, err = proc.communicate(timeout=30)
    elapsed = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert b"cancelled" in err and b"Traceback" not in err
    assert elapsed < 1.5, f"took {elapsed:.2f} s to stop"
    assert _orphans(project_id) == []
    library = Library.open(home)
    project = library.project(project_id)
    assert library.jobs(project)[0].status == "cancelled"
    assert len(library.renders(project)) == 1
    library.close()
    assert probe(previous).duration > 1, "the previous render still plays"
    partials = [
        p for p in (home / "projects" / project_id).rglob("*.mp4") if p.name.startswith(".")
    ]
    assert partials == []


def test_backups_list_and_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from studio.store.backup import snapshot

    home = tmp_path / "home"
    library = Library.open(home)
    library.create_project("Before")
    library.close()
    saved = snapshot(home / "studio.db", home / "backups", "daily")
    library = Library.open(home)
    library.create_project("After")
    library.close()
    assert main(["--home", str(home), "backups"]) == 0
    assert saved.name in capsys.readouterr().out
    assert main(["--home", str(home), "restore", saved.name]) == 0
    assert "before-restore" in capsys.readouterr().out
    assert main(["--home", str(home), "projects"]) == 0
    listing = capsys.readouterr().out
    assert "Before" in listing and "After" not in listing
    assert main(["--home", str(home), "restore", "nope.db"]) == 2


def test_export_import_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    project = library.create_project("Shared")
    library.replace_scenes(project, [("Hello.", [])])
    library.close()
    archive = tmp_path / "shared.studio.zip"
    assert main(["--home", str(home), "export", "Shared", str(archive)]) == 0
    assert main(["--home", str(tmp_path / "friend"), "import", str(archive)]) == 0
    assert "Imported 'Shared'" in capsys.readouterr().out


def test_version_and_usage_errors(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    """(``home``: the library it opens is a fresh one, never the user's own.)"""
    from studio import __version__

    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["produce"]) == 2
    assert "template needs a script" in capsys.readouterr().err


def _produce_args(*flags: str) -> argparse.Namespace:
    return build_parser().parse_args(["produce", "--script", "s.txt", *flags])


def test_template_flags_are_built_from_the_templates_declarations() -> None:
    """Every declared option has its flag, read as its kind says; the options dict the
    pipeline gets is keyed as the templates declare them, holding only what was given."""
    templates = all_templates()
    declared = {option.key for template in templates for option in template.options}
    assert declared == {"background", "chat_style", "me", "bpm", "beats_per_cut"}
    args = _produce_args("--beats-per-cut", "2", "--bpm", "96.5", "--chat-style", "light")
    assert template_options_from_args(args, templates) == {
        "beats_per_cut": 2,
        "bpm": 96.5,
        "chat_style": "light",
    }
    assert template_options_from_args(_produce_args(), templates) == {}
    with pytest.raises(SystemExit):
        _produce_args("--chat-style", "neon")
    with pytest.raises(SystemExit):
        _produce_args("--beats-per-cut", "two")


def test_a_new_template_option_needs_no_cli_change() -> None:
    """An option declared only on a template becomes a flag and reaches the options dict."""

    class Grainy(Template):
        name = "grainy"
        options = (
            TemplateOption("film_grain", "Grain", "how much grain", kind="whole", metavar="N"),
        )

    parser = argparse.ArgumentParser()
    _add_template_flags(parser.add_argument_group("template options"), [Grainy()])
    assert "grainy: how much grain" in parser.format_help()
    args = parser.parse_args(["--film-grain", "3"])
    assert template_options_from_args(args, [Grainy()]) == {"film_grain": 3}


def test_options_shared_by_templates_agree_on_how_they_are_entered() -> None:
    """One flag serves every template declaring a key (``--background``), so they must agree."""
    seen: dict[str, TemplateOption] = {}
    for template in all_templates():
        for option in template.options:
            first = seen.setdefault(option.key, option)
            assert (first.kind, first.choices, first.metavar) == (
                option.kind,
                option.choices,
                option.metavar,
            ), option.key


def test_commands_other_than_produce_do_not_import_the_templates() -> None:
    """The template flags are added when ``produce`` parses, so ``studio projects`` (and
    ``--version``) start without importing every template's module."""
    probe_code = (
        "import sys; from studio.cli import build_parser; "
        "build_parser().parse_args(['projects']); "
        "print('studio.pipeline.templates' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe_code], capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "False", done.stderr
