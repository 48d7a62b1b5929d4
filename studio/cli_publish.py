"""``studio`` subcommands: publish (parsers and handlers, wired in by ``studio.cli``).

``studio thumbnails PROJECT [--select VARIANT] [--remake]`` lists or chooses the latest render's
thumbnail; ``studio metadata PROJECT [...]`` shows, edits, regenerates or exports its title,
description and tags.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from studio.errors import InputError
from studio.savefile import check_output_target
from studio.store import Library
from studio.store.metadata import parse_tags
from studio.store.models import Project
from studio.text import one_line

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("thumbnails", "metadata")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``."""
    thumbs = sub.add_parser(
        "thumbnails", help="list the latest render's thumbnail choices, or choose one"
    )
    thumbs.add_argument("project_ref", metavar="PROJECT")
    thumbs.add_argument("--select", metavar="VARIANT", help="use this variant (e.g. vivid)")
    thumbs.add_argument(
        "--remake", action="store_true", help="draw the variants again (e.g. after a new title)"
    )

    meta = sub.add_parser("metadata", help="show or edit the title, description and tags")
    meta.add_argument("project_ref", metavar="PROJECT")
    meta.add_argument("--title", help="set the title")
    meta.add_argument("--description", help="set the description")
    meta.add_argument("--tags", metavar="a,b,c", help="set the tags (comma-separated)")
    meta.add_argument(
        "--generate",
        action="store_true",
        help="write them again: by AI with a Groq key, else from the script",
    )
    meta.add_argument(
        "--export", type=Path, metavar="FILE.json", help="also save them (and chapters) as JSON"
    )


def run(library: Library, args: argparse.Namespace) -> int:
    """Run ``args.command`` (one of ``COMMANDS``); return the exit code."""
    project = library.project(args.project_ref)
    if args.command == "thumbnails":
        return _thumbnails(library, project, args)
    return _metadata(library, project, args)


def _thumbnails(library: Library, project: Project, args: argparse.Namespace) -> int:
    from studio.pipeline import publishing

    render = publishing.latest_render(library, project)
    if args.remake or not library.thumbnails(render):
        print("Drawing the thumbnail choices…", file=sys.stderr)
        publishing.make_thumbnail_variants(library, project, render)
        publishing.refresh_sidecar(library, project)
    if args.select is not None:
        variant = args.select.strip().lower()
        offered = [t.variant for t in library.thumbnails(render)]
        if variant not in offered:
            raise InputError(
                f"There is no thumbnail called {args.select!r}",
                fix=f"Choose one of: {', '.join(offered)}",
            )
        chosen = publishing.choose_thumbnail(library, project, variant)
        print(f"Selected {chosen.variant}: {one_line(library.home.abs(chosen.image_path))}")
        return 0
    when = render.created_at.strftime("%Y-%m-%d %H:%M")
    print(f"Thumbnails of the render of {when} ({one_line(Path(render.file_path).name)}):")
    rows = library.thumbnails(render)
    width = max(len(t.variant) for t in rows)
    for thumb in rows:
        mark = "*" if thumb.is_selected else " "
        label = publishing.VARIANT_LABELS.get(thumb.variant, "")
        print(
            f"{mark} {thumb.variant.ljust(width)}  {label:<21}  "
            f"{one_line(library.home.abs(thumb.image_path))}"
        )
    print(f"(* = selected; to choose: studio thumbnails {_quoted(project)} --select NAME)")
    return 0


def _metadata(library: Library, project: Project, args: argparse.Namespace) -> int:
    from studio.pipeline import publishing

    edits = {
        "title": args.title,
        "description": args.description,
        "tags": parse_tags(args.tags) if args.tags is not None else None,
    }
    editing = any(value is not None for value in edits.values())
    if args.generate and editing:
        raise InputError(
            "--generate rewrites the title, description and tags, so it can't be combined "
            "with --title, --description or --tags",
            fix="Generate first, then edit in a second command",
        )
    if args.export is not None:  # refuse a bad export before any network call or edit
        args.export = check_output_target(args.export, library.home)
        publishing.latest_render(library, project)
    if args.generate:
        print("Writing the title, description and tags…", file=sys.stderr)
        from studio.pipeline.request import RunRequest
        from studio.secrets import get_groq_key

        request = RunRequest.from_library(library, groq_key=get_groq_key())
        written = publishing.write_metadata(library, project, request)
        print(one_line(written.note), file=sys.stderr)
    elif editing:
        publishing.save_metadata(library, project, **edits)
    metadata = library.publishing(project) or publishing.ensure_metadata(library, project)
    if args.export is not None:
        target = publishing.export_publishing(library, project, args.export)
        print(f"Exported to {one_line(target)}")
        return 0
    tags = ", ".join(one_line(tag) for tag in metadata.tags or [])
    print(f"Title:        {one_line(metadata.title)}")
    print("Description:  " + _indented(metadata.description or "(none)"))
    from studio.pipeline.credits import credits_block, project_credits

    block = credits_block(project_credits(library, project))
    if block:  # added to the description when it is published
        print("              " + _indented(block).lstrip())
    print(f"Tags:         {tags or '(none)'}")
    print(f"Written by:   {publishing.SOURCE_LABELS.get(metadata.source, metadata.source)}")
    sidecar = _sidecar(library, project)
    if sidecar is not None:
        print(f"Saved beside the video as {one_line(sidecar)}")
    return 0


def _sidecar(library: Library, project: Project) -> Path | None:
    renders = library.renders(project)
    if not renders:
        return None
    path = library.home.abs(renders[0].file_path).with_suffix(".json")
    return path if path.is_file() else None


def _indented(text: str) -> str:
    """A description wrapped at 80 columns, its own line breaks kept, each line escaped."""
    lines = []
    for paragraph in text.split("\n") or [""]:
        lines.extend(textwrap.wrap(one_line(paragraph), 80) or [""])
    return "\n              ".join(lines)


def _quoted(project: Project) -> str:
    name = one_line(project.name)
    return f'"{name}"' if " " in name else name
