"""``studio`` subcommands: publish (parsers and handlers, wired in by ``studio.cli``)."""

from __future__ import annotations

import argparse

from studio.store import Library

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ()


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``."""


def run(library: Library, args: argparse.Namespace) -> int:
    """Run ``args.command`` (one of ``COMMANDS``); return the exit code."""
    raise NotImplementedError(args.command)
