"""``studio encoders``: which H.264 encoders open on this computer, and what "auto" uses.

The answer comes from ``studio.media.encoders`` (a tiny real encode per encoder, cached in the
library); ``--again`` forgets the cached answer first (after installing a GPU driver).
"""

from __future__ import annotations

import argparse
from typing import Any

from studio.cli_output import print_json
from studio.encoder_kinds import AUTO, ENCODER_LABELS
from studio.media import encoders
from studio.store import Library

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("encoders",)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``."""
    command = sub.add_parser(
        "encoders", help="which H.264 encoders work on this computer (and what auto uses)"
    )
    command.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    command.add_argument(
        "--again", action="store_true", help="test every encoder again (forget the cached answer)"
    )


def run(library: Library, args: argparse.Namespace) -> int:
    """List the encoders; return the exit code (0: the list was made)."""
    cache_dir = library.home.cache_dir
    if args.again:
        encoders.forget(cache_dir)
    document = encoders_document(cache_dir)
    if args.json:
        print_json(document)
    else:
        print(render_encoders(document))
    return 0


def encoders_document(cache_dir: Any) -> dict[str, Any]:
    """``{"auto": name, "encoders": [{name, label, codec, works, reason}, ...]}``, best first."""
    status = encoders.encoder_status(cache_dir)
    return {
        AUTO: encoders.resolve(AUTO, cache_dir),
        "encoders": [
            {
                "name": name,
                "label": ENCODER_LABELS[name],
                "codec": encoders.recipe(name).codec,
                "works": item.works,
                "reason": item.reason,
            }
            for name, item in status.items()
        ],
    }


def render_encoders(document: dict[str, Any]) -> str:
    """The document as aligned text for a person."""
    rows = [(e["name"], "yes" if e["works"] else "no", e["reason"]) for e in document["encoders"]]
    width = max(len(name) for name, _, _ in rows)
    lines = [f"{'Encoder':<{width}}  Works  Why not", *(
        f"{name:<{width}}  {works:<5}  {reason}".rstrip() for name, works, reason in rows
    )]
    lines.append(f"auto uses: {ENCODER_LABELS[document[AUTO]]}")
    return "\n".join(lines)
