"""``studio visuals PROJECT --stock NAMES [--all]``: (re)fill a project's scenes with stock footage.

Scenes with no visual get the creator's matching media or the best stock result; ``--all``
re-picks every scene (what the window's "Fill all scenes" does). A library that fails is one
line and is skipped. Wired by ``studio.cli``.
"""

from __future__ import annotations

import argparse
import sys

from studio.errors import InputError
from studio.store import Library
from studio.text import one_line

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("visuals",)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``."""
    visuals = sub.add_parser("visuals", help="fill a project's scenes with stock footage")
    visuals.add_argument("project_ref", metavar="PROJECT")
    visuals.add_argument(
        "--stock",
        metavar="NAMES",
        default=None,
        help="stock libraries to search, e.g. pexels,openverse (default: the library's setting)",
    )
    visuals.add_argument(
        "--all", action="store_true", help="re-pick every scene, not only those with no visual"
    )


def run(library: Library, args: argparse.Namespace) -> int:
    """Fill the scenes; print how many were given a visual."""
    from studio.locks import render_lock
    from studio.pipeline.jobs import run_job
    from studio.pipeline.produce import ConsoleReporter
    from studio.pipeline.request import RunRequest
    from studio.pipeline.stock_sourcing import check_libraries, fill_scenes
    from studio.pipeline.templates.base import settings_for

    project = library.project(args.project_ref)
    names = None if args.stock is None else [n for n in args.stock.split(",") if n.strip()]
    stock = RunRequest.from_library(library, groq_key=None, stock=names).stock
    if not stock:
        raise InputError(
            "No stock library was named",
            fix="Give --stock NAMES (e.g. --stock openverse), or choose libraries in Settings",
        )
    check_libraries(stock)
    if not library.scenes(project):
        raise InputError(f"Project {project.name!r} has no scenes yet", fix="Write its script")
    reporter = ConsoleReporter(sys.stderr)
    with (
        render_lock(library.home, project.id, project.name),
        run_job(library, project, "visuals", reporter=reporter) as ctx,
    ):
        filled = fill_scenes(
            library, project, settings_for(project), ctx, stock, only_empty=not args.all
        )
    total = len(library.scenes(project))
    print(f"Gave {filled} of {total} scenes a visual in {one_line(project.name)}")
    return 0
