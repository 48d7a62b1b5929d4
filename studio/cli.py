"""The ``studio`` command: the desktop window with no arguments, the pipeline headless.

Exit codes: 0 ok, 2 bad input (one-line reason), 1 unexpected failure, 130 cancelled (Ctrl-C),
141 the reader of stdout went away (``studio.cli_output.OutputClosed``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

from studio import __version__
from studio.cli_output import (
    PROGRESS_FORMATS,
    CliOutput,
    Failure,
    OutputClosed,
    output_closed_failure,
    project_entry,
    requested,
    stdout_closed,
)
from studio.encoder_kinds import ENCODER_CHOICES
from studio.errors import Cancelled, InputError, StudioError, known_os_error
from studio.home import resolve_home
from studio.languages import codes as language_codes
from studio.logs import setup_logging
from studio.media.caption_look import FONTS, POSITIONS
from studio.media.settings import ASPECTS, RESOLUTIONS
from studio.store.models import TEMPLATES
from studio.text import one_line
from studio.transition_kinds import DEFAULT_DURATION, TRANSITIONS

if TYPE_CHECKING:
    from studio.pipeline.produce import ProduceRequest
    from studio.pipeline.templates import Template, TemplateOption
    from studio.store import Library

log = logging.getLogger("studio")
LANGUAGE_CODES = language_codes()


class _Parser(argparse.ArgumentParser):
    """Studio's parser: usage errors in one line, and arguments added on first use.

    ``defer`` keeps a slow import off every other command: ``studio produce``'s template flags
    need every template's module (about 0.35 s), which ``studio projects`` never should pay.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deferred: list[Callable[[], None]] = []

    def defer(self, add: Callable[[], None]) -> None:
        """Run ``add`` (which adds arguments) before this parser first parses or shows help."""
        self._deferred.append(add)

    def _add_deferred(self) -> None:
        while self._deferred:
            self._deferred.pop(0)()

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:  # as argparse's (overloaded)
        self._add_deferred()
        return super().parse_known_args(*args, **kwargs)

    def format_help(self) -> str:
        self._add_deferred()
        return super().format_help()

    def error(self, message: str) -> NoReturn:  # argparse exits 2 as well, keep it one line
        self.print_usage(sys.stderr)
        print(f"studio: error: {one_line(message)}", file=sys.stderr)
        raise UsageError(message, self.prog)


class UsageError(SystemExit):
    """A command line argparse refused (exit 2), with its message for ``--json``."""

    def __init__(self, message: str, prog: str) -> None:
        super().__init__(2)
        self.message = message
        self.prog = prog

    def failure(self) -> Failure:
        fix = f"See {self.prog} --help for what it accepts"
        return Failure(self.message, None, fix, 2, "usage", f"error: {one_line(self.message)}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="studio", description="Turn a topic or a script into a narrated video.")
    parser.add_argument("--version", action="version", version=f"Studio {__version__}")
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="library folder (default: $STUDIO_HOME or your user data folder)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log more (-vv: Studio's own detail too, such as what each voice is given to say)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="FILE.png",
        help="open the window, save a screenshot of it, and exit",
    )
    parser.add_argument("--project", metavar="NAME", help="with --screenshot: open this project")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    projects = sub.add_parser("projects", help="list projects")
    add_output_flags(projects, progress=False)

    produce = sub.add_parser("produce", help="make a new video from a topic or a script")
    source = produce.add_mutually_exclusive_group()
    source.add_argument("--topic", help="write the script with AI (needs a Groq API key)")
    source.add_argument(
        "--script",
        type=Path,
        help="a text file with your own script (chat: 'Name: message' lines; "
        "music: optional slide captions, one per line)",
    )
    template = produce.add_argument("--template", choices=TEMPLATES, default="explainer")
    produce.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="target length (default: 60 for a topic, the script's own length)",
    )
    produce.add_argument(
        "--language",
        metavar="CODE",
        default=None,
        help="the script's language: " + ", ".join(LANGUAGE_CODES),
    )
    produce.add_argument(
        "--voice",
        help="voice id (e.g. af_heart for Kokoro, en-us for draft, "
        "blend:NAME for a saved blend; `studio voices` lists them)",
    )
    produce.add_argument("--speed", type=float, default=1.0, help="speech speed (0.5-2.0)")
    produce.add_argument("--aspect", choices=ASPECTS, default="16:9")
    produce.add_argument("--resolution", choices=RESOLUTIONS, default="1080p")
    produce.add_argument("--music", type=Path, help="background music file")
    produce.add_argument(
        "--media",
        type=Path,
        action="append",
        default=[],
        help="a folder of your own images/videos to use (repeatable)",
    )
    produce.add_argument(
        "--stock",
        metavar="NAMES",
        type=_names,
        default=None,
        help="stock libraries to fill scenes from, e.g. pexels,openverse (default: the "
        "library's setting; 'none' for none)",
    )
    produce.add_argument("--no-captions", action="store_true", help="don't burn in captions")
    produce.add_argument("--caption-style", choices=("clean", "bold", "boxed"), default="clean")
    _add_caption_look_flags(produce)
    produce.add_argument(
        "--transition",
        choices=TRANSITIONS,
        default="cut",
        help="how scenes pass to the next (default: cut)",
    )
    produce.add_argument(
        "--transition-duration",
        type=float,
        default=DEFAULT_DURATION,
        metavar="SECONDS",
        help="the transition's length (0.1-2.0 s)",
    )
    produce.add_argument("--project", dest="project_name", metavar="NAME", help="project name")
    produce.add_argument("--model", help="Groq model for --topic")
    add_run_flags(produce)
    add_output_flags(produce)
    produce.defer(lambda: _describe_templates(produce, template))

    render = sub.add_parser("render", help="re-render a project, reusing every unchanged scene")
    render.add_argument("project_ref", metavar="PROJECT")
    resume = sub.add_parser("resume", help="finish an interrupted project")
    resume.add_argument("project_ref", metavar="PROJECT")
    for command in (render, resume):
        add_run_flags(command)
        add_output_flags(command)

    export = sub.add_parser("export", help="save a project (script, voice, visuals) to a .zip")
    export.add_argument("project_ref", metavar="PROJECT")
    export.add_argument("file", type=Path, metavar="FILE.studio.zip")
    importer = sub.add_parser("import", help="add a project from an exported .zip")
    importer.add_argument("file", type=Path, metavar="FILE.studio.zip")

    sub.add_parser("backups", help="list the database backups Studio made")
    restore = sub.add_parser("restore", help="restore the database from a backup")
    restore.add_argument("backup", type=Path, metavar="BACKUP")
    for module in _command_modules():
        module.add_commands(sub)
    return parser


def _command_modules() -> tuple[ModuleType, ...]:
    from studio import (
        cli_batch,
        cli_cluster,
        cli_encoders,
        cli_publish,
        cli_usage,
        cli_visuals,
        cli_voices,
    )

    return (cli_batch, cli_cluster, cli_encoders, cli_publish, cli_usage, cli_visuals, cli_voices)


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """How a run is made, beside what it makes: the encoder and the cluster (``produce``,
    ``render``, ``resume``, ``batch``); unset, the library's settings decide."""
    parser.add_argument(
        "--encoder",
        type=str.lower,
        choices=ENCODER_CHOICES,
        default=None,
        help="H.264 encoder: auto probes this computer's hardware encoders and uses the "
        "fastest that works, else x264 (default: the library's setting, auto)",
    )
    parser.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="a Dask scheduler (tcp://host:8786) whose workers voice scenes and encode "
        "segments (needs studio[cluster]; default: the library's setting, none)",
    )


def add_output_flags(parser: argparse.ArgumentParser, *, progress: bool = True) -> None:
    """Machine-readable output (``studio.cli_output``): the result as JSON on stdout, and
    progress as JSON lines. While either is asked for, ``sys.stdout`` is stderr: a command
    writes its JSON with ``cli_output.print_json``/``JsonlReporter`` (``machine_stdout``)."""
    parser.set_defaults(machine_output_flags=True)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON document on stdout (messages stay on stderr)",
    )
    if progress:
        parser.add_argument(
            "--progress",
            choices=PROGRESS_FORMATS,
            default="text",
            help="text: a progress line on stderr; jsonl: one JSON event per line on stdout",
        )


def _names(text: str) -> tuple[str, ...]:
    """``pexels, openverse`` -> ("pexels", "openverse"); "none" -> () (checked by produce)."""
    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    return () if names == ("none",) else names


def _print_projects(library: Library, output: CliOutput | None = None) -> None:
    """``studio projects``: one aligned line per project (names escaped: one line each), or
    with ``--json`` a list of projects (names as stored)."""
    rows = library.projects()
    if output is not None and output.json:
        output.result([project_entry(row, library.home) for row in rows])
        return
    if not rows:
        print(
            "No projects yet. Make one with:  studio produce --script resources/sample_script.txt"
        )
        return
    header = ("NAME", "LANGUAGE", "STEP", "SCENES", "DURATION", "LAST RENDER")
    table = [
        (
            one_line(r.name),
            r.language,
            r.step,
            str(r.scenes),
            f"{int(r.duration // 60)}:{int(r.duration % 60):02d}",
            r.last_render.strftime("%Y-%m-%d %H:%M") if r.last_render else "never",
        )
        for r in rows
    ]
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    for row in (header, *table):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


def _restore(args: argparse.Namespace) -> int:
    from studio.home import Home
    from studio.store import backup

    home = Home(resolve_home(args.home))
    restored = backup.restore_library(home, backup.find_backup(home, args.backup))
    if restored.saved_as is not None:
        print(f"The current database was saved as {one_line(restored.saved_as)}")
    print(f"Restored {one_line(restored.source)}")
    return 0


def _run_command(args: argparse.Namespace, output: CliOutput) -> int:
    from studio.store import Library

    if args.command == "restore":
        return _restore(args)
    if args.command == "worker":  # a cluster's worker computes; the store stays on the coordinator
        from studio import cli_cluster

        return cli_cluster.run(None, args)
    library = Library.open(resolve_home(args.home))
    if args.command == "projects":
        _print_projects(library, output)
        return 0
    if args.command == "backups":
        from studio.store.backup import list_backups

        found = list_backups(library.home.backups_dir)
        print("\n".join(one_line(p) for p in found) if found else "No backups yet.")
        return 0
    for module in _command_modules():
        if args.command in module.COMMANDS:
            return int(module.run(library, args))
    if args.command in ("export", "import"):
        from studio.store import archive

        if args.command == "export":
            path = archive.export_project(library, library.project(args.project_ref), args.file)
            print(one_line(path))
        else:
            project = archive.import_project(library, args.file)
            print(f"Imported {one_line(repr(project.name))} ({project.id})")
        return 0
    return _run_pipeline(library, args, output)


def _run_pipeline(library: Library, args: argparse.Namespace, output: CliOutput) -> int:
    """``produce``, ``render`` and ``resume``: the run, its progress and its result."""
    from studio.cli_output import run_document
    from studio.pipeline import produce as pipeline
    from studio.pipeline.request import RunRequest

    reporter = output.reporter(pipeline.ConsoleReporter(sys.stderr))
    if args.command == "produce":
        result = pipeline.produce(library, _produce_request(library, args), reporter=reporter)
    elif args.command in ("render", "resume"):
        project = library.project(args.project_ref)
        run = RunRequest.from_library(
            library, groq_key=None, encoder=args.encoder, cluster=args.cluster
        )
        result = pipeline.render_project(
            library, project, run, reporter=reporter, kind=args.command
        )
    else:  # pragma: no cover - argparse guards this
        raise InputError(f"Unknown command {args.command!r}")
    # Read again: the thumbnails chosen after the render was recorded changed its row.
    render = next((r for r in library.renders(result.project) if r.id == result.render.id),
                  result.render)
    document = run_document(args.command, result.project, render, library.home)
    output.result(document, human=one_line(result.video_path))
    return 0


def _describe_templates(produce: argparse.ArgumentParser, template: argparse.Action) -> None:
    """``--template``'s help and the template options group, from the templates' declarations
    (the choices are the store's names, which the templates' registry matches)."""
    from studio.pipeline.templates import all_templates

    templates = all_templates()
    template.help = ", ".join(f"{t.name} ({t.tagline})" for t in templates)
    _add_template_flags(produce.add_argument_group("template options"), templates)


def _options_by_key(templates: Sequence[Template]) -> dict[str, tuple[TemplateOption, list[str]]]:
    """Each option key the templates declare (``templates.options_by_key``)."""
    from studio.pipeline.templates import options_by_key

    return options_by_key(templates)


def _flag_value(option: TemplateOption) -> dict[str, Any]:
    """How argparse reads an option's value, from its declared kind."""
    how: dict[str, Any] = {"metavar": option.metavar} if option.metavar else {}
    if option.kind == "choice":
        how["choices"] = option.choices
    elif option.kind == "number":
        how["type"] = float
    elif option.kind == "whole":
        how["type"] = int
    return how


def _add_template_flags(group: argparse._ArgumentGroup, templates: Sequence[Template]) -> None:
    """One ``--flag`` per template option (``chat_style``: ``--chat-style``), built from the
    templates' declarations, so a new option touches only its template."""
    for key, (option, owners) in _options_by_key(templates).items():
        group.add_argument(
            option.flag,
            dest=key,
            help=f"{'/'.join(owners)}: {option.flag_help or option.help}",
            **_flag_value(option),
        )


def template_options_from_args(
    args: argparse.Namespace, templates: Sequence[Template]
) -> dict[str, Any]:
    """The template options given on the command line, keyed as the templates declare them."""
    return {
        key: getattr(args, key)
        for key in _options_by_key(templates)
        if getattr(args, key, None) is not None
    }


def _produce_request(library: Library, args: argparse.Namespace) -> ProduceRequest:
    """``studio produce``'s arguments as the pipeline's request; the key only for ``--topic``
    (reading the keyring can be slow, and a script needs no key)."""
    from studio.pipeline.produce import ProduceRequest
    from studio.pipeline.request import RunRequest
    from studio.pipeline.templates import all_templates
    from studio.secrets import get_groq_key

    run = RunRequest.from_library(
        library,
        groq_key=get_groq_key() if args.topic is not None else None,
        groq_model=args.model,
        media_folders=args.media,
        stock=args.stock,
        encoder=args.encoder,
        cluster=args.cluster,
    )
    return ProduceRequest(
        run=run,
        topic=args.topic,
        script=args.script,
        template=args.template,
        duration=args.duration,
        voice=args.voice,
        language=args.language,
        speed=args.speed,
        aspect=args.aspect,
        resolution=args.resolution,
        music=args.music,
        captions=not args.no_captions,
        caption_style=args.caption_style,
        caption=caption_overrides(args),
        transition=args.transition,
        transition_duration=args.transition_duration,
        project_name=args.project_name,
        media=tuple(args.media),
        template_options=template_options_from_args(args, all_templates()),
    )


#: ``produce``'s caption look flags: flag -> (``CaptionLook`` field, value type, help).
CAPTION_FLAGS: dict[str, tuple[str, type, str]] = {
    "--caption-font": ("font", str, "caption font: " + ", ".join(FONTS)),
    "--caption-size": ("size", float, "caption text size, in %% of the frame's short side"),
    "--caption-position": ("position", str, "where captions sit: " + ", ".join(POSITIONS)),
    "--caption-highlight": (
        "highlight",
        str,
        "highlight the spoken word: none, word (in colour), karaoke (a fill)",
    ),
    "--caption-lines": ("lines", int, "lines per caption: 1 or 2"),
}


def _add_caption_look_flags(parser: argparse.ArgumentParser) -> None:
    """Flags that change the caption style's look (checked with the render settings, so a bad
    value is one line naming the allowed ones, exit 2)."""
    for flag, (name, kind, text) in CAPTION_FLAGS.items():
        parser.add_argument(
            flag, dest=f"caption_{name}", type=kind, metavar=name.upper(), help=text
        )


def caption_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The caption look flags given on the command line, as ``CaptionLook`` overrides."""
    given = {name: getattr(args, f"caption_{name}", None) for name, _, _ in CAPTION_FLAGS.values()}
    return {name: value for name, value in given.items() if value is not None}


#: Options before the command that take a value (skipped when looking for an archive to open).
_VALUE_OPTIONS = ("--home", "--screenshot", "--project")
ARCHIVE_SUFFIX = ".studio.zip"


def split_archive_to_open(argv: Sequence[str]) -> tuple[list[str], Path | None]:
    """``studio FILE.studio.zip`` (how the desktop opens an archive): the other arguments and
    the archive, which the window imports; (argv, None) for every other command line."""
    rest = list(argv)
    index = 0
    while index < len(rest):
        token = rest[index]
        if token in _VALUE_OPTIONS:
            index += 2
            continue
        if token.startswith("-"):
            index += 1
            continue
        if token.lower().endswith(ARCHIVE_SUFFIX):
            del rest[index]
            return rest, Path(token)
        break  # the first positional is a command
    return rest, None


def main(argv: Sequence[str] | None = None) -> int:
    argv, archive = split_archive_to_open(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as exc:
        wants_json, progress = requested(argv)
        CliOutput(json=wants_json, progress=progress).failure(exc.failure())
        return 2
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    log_file = setup_logging(args.verbose)
    if args.command is None:
        # Before Qt loads: Qt Multimedia narrates every file it opens on stderr.
        os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia*=false;qt.multimedia.*=false")
        from studio.gui.app import run_gui

        return run_gui(
            home=args.home, screenshot=args.screenshot, project=args.project, open_archive=archive
        )
    output = CliOutput.from_args(args)
    with output.claim_stdout():
        try:
            _refuse_nul(args)
            return _run_command(args, output)
        except OutputClosed:
            failure = output_closed_failure()
        except BrokenPipeError:  # a plain print() to a closed stdout, or a bug's own pipe
            failure = output_closed_failure() if stdout_closed() else _report_bug(log_file)
        except (Cancelled, KeyboardInterrupt):
            failure = Failure("Cancelled by the creator", None, None, 130, "cancelled", "cancelled")
        except StudioError as exc:
            failure = Failure.of(exc)
        except OSError as exc:
            known = known_os_error(exc)
            if known is None:
                failure = _report_bug(log_file)
            else:
                log.info("%s", exc, exc_info=True)
                failure = Failure.of(known)
        except Exception:
            failure = _report_bug(log_file)
        print(f"studio: {failure.line}", file=sys.stderr)
        output.failure(failure)
        return failure.exit_code


def _report_bug(log_file: Path) -> Failure:
    """Log the exception being handled with its traceback; say it is a bug (exit 1)."""
    log.exception("unexpected failure")
    return Failure(
        "Unexpected failure (a bug)",
        str(log_file),
        "The details are above and in this log; please report them",
        1,
        "bug",
        "unexpected failure (a bug); details above",
    )


def _refuse_nul(args: argparse.Namespace) -> None:
    """Refuse an argument holding a NUL character (no path or text can; the OS would raise)."""
    for name, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, str | os.PathLike) and "\x00" in os.fspath(v) for v in values):
            raise InputError(
                f"An argument ({name.replace('_', '-')}) holds a NUL character, "
                "which no name or path can",
                fix="Remove it and try again",
            )
