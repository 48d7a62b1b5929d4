"""``studio`` subcommands: usage (``stats``) and housekeeping (``clean``), wired by ``studio.cli``.

``studio stats`` prints the library's numbers as aligned text (``--json`` for scripts).
``studio clean`` lists what it would delete (``--dry-run`` stops there), asks, then deletes
exactly that list; ``--yes`` skips the question, which a script without a terminal needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from studio.errors import InputError
from studio.store import Library
from studio.store.housekeeping import (
    DEFAULT_OLDER_THAN_DAYS,
    CleanupPlan,
    CleanupResult,
    format_bytes,
    plan_cleanup,
    run_cleanup,
)
from studio.store.usage import PRICES_AS_OF, UsageStats, format_usd, usage_stats
from studio.text import one_line

#: The subcommands this module handles.
COMMANDS: tuple[str, ...] = ("stats", "clean")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to ``sub``."""
    stats = sub.add_parser("stats", help="projects, renders, LLM tokens and estimated cost")
    stats.add_argument("--json", action="store_true", help="print JSON (for scripts)")
    clean = sub.add_parser(
        "clean", help="delete old failed jobs and media files no project uses any more"
    )
    clean.add_argument(
        "--older-than",
        type=float,
        default=DEFAULT_OLDER_THAN_DAYS,
        metavar="DAYS",
        help=f"only what is older than this (default: {DEFAULT_OLDER_THAN_DAYS} days)",
    )
    clean.add_argument("--dry-run", action="store_true", help="list what would go; delete nothing")
    clean.add_argument("--yes", action="store_true", help="delete without asking")
    clean.add_argument("--json", action="store_true", help="print JSON (for scripts)")


def run(library: Library, args: argparse.Namespace) -> int:
    """Run ``args.command`` (one of ``COMMANDS``); return the exit code."""
    if args.command == "stats":
        stats = usage_stats(library)
        print(json.dumps(stats.to_json(), indent=2) if args.json else render_stats(stats))
        return 0
    return _clean(library, args)


# -- stats ---------------------------------------------------------------------------------------
def table(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    """Rows as aligned text lines; columns in ``right`` (numbers) are right-aligned.

    Every cell is escaped to one line first (names and paths may hold controls).
    """
    rows = [[one_line(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines = []
    for row in (header, *rows):
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "none"


def _unknown_note(models: set[str]) -> str:
    return f"unknown price ({', '.join(sorted(models))})" if models else ""


def render_stats(stats: UsageStats) -> str:
    """``studio stats``'s text: totals, then one row per project."""
    tokens = stats.tokens
    cost = format_usd(tokens.cost_usd)
    if tokens.unpriced_models:
        cost += f", not counting calls of {_unknown_note(tokens.unpriced_models)}"
    summary = [
        ("Projects", str(stats.project_count)),
        ("  by status", _counts(stats.by_status)),
        ("  by step", _counts(stats.by_step)),
        ("Rendered", f"{stats.rendered_minutes:,.1f} min in {stats.renders} renders"),
        ("This month", f"{stats.renders_this_month} renders ({stats.month_label})"),
        (
            "LLM tokens",
            f"{tokens.total_tokens:,} ({tokens.prompt_tokens:,} in, "
            f"{tokens.completion_tokens:,} out) in {tokens.calls} calls",
        ),
        ("Estimated cost", cost),
    ]
    width = max(len(label) for label, _ in summary)
    lines = [f"{label.ljust(width)}  {value}" for label, value in summary]
    if stats.projects:
        header = ["PROJECT", "STATUS", "STEP", "RENDERS", "MINUTES", "TOKENS", "COST"]
        rows = [
            [
                p.name,
                p.status,
                p.step,
                str(p.renders),
                f"{p.rendered_seconds / 60:,.1f}",
                f"{p.tokens.total_tokens:,}",
                format_usd(p.tokens.cost_usd),
            ]
            for p in stats.projects
        ]
        if tokens.unpriced_models:  # a note column only when some price is unknown
            header.append("")
            for row, p in zip(rows, stats.projects, strict=True):
                row.append(_unknown_note(p.tokens.unpriced_models))
        lines += ["", *table(header, rows, right={3, 4, 5, 6})]
    else:
        lines += ["", "No projects yet."]
    lines += ["", f"Costs are estimates from Groq's prices as of {PRICES_AS_OF} (US$)."]
    return "\n".join(lines)


# -- clean ---------------------------------------------------------------------------------------
def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _age(days: float) -> str:
    return f"{days:.0f} d" if days >= 1 else f"{days * 24:.0f} h"


def render_plan(plan: CleanupPlan) -> str:
    """The list ``studio clean`` shows before deleting (and ``--dry-run`` stops at)."""
    if plan.is_empty:
        lines = [
            f"Nothing older than {plan.older_than_days:g} days to clean up in "
            f"{one_line(plan.root)}."
        ]
    else:
        lines = [
            f"In {one_line(plan.root)}, older than {plan.older_than_days:g} days: "
            f"{_plural(len(plan.files), 'item')} ({format_bytes(plan.total_bytes)}) "
            f"and {_plural(len(plan.jobs), 'job')}."
        ]
    if plan.files:
        lines.append("")
        lines += table(
            ("PATH", "SIZE", "AGE", "REASON"),
            [
                (
                    plan.relative(f.path) + ("/" if f.is_folder else ""),
                    format_bytes(f.size),
                    _age(f.age_days),
                    f.reason,
                )
                for f in plan.files
            ],
            right={1, 2},
        )
    if plan.jobs:
        lines.append("")
        lines += table(
            ("JOB", "KIND", "STATUS", "AGE", "PROJECT"),
            [
                (j.id[:8], j.kind, j.status, _age(j.age_days), j.project_name or "-")
                for j in plan.jobs
            ],
            right={3},
        )
    if not plan.is_empty:
        lines += ["", f"Total: {format_bytes(plan.total_bytes)}"]
    for name in plan.busy_projects:
        lines.append(f"Skipped {one_line(repr(name))}: one of its jobs is running.")
    return "\n".join(lines)


def render_result(result: CleanupResult) -> str:
    lines = [
        f"Deleted {_plural(len(result.files), 'item')} ({format_bytes(result.freed_bytes)}) "
        f"and {_plural(len(result.jobs), 'job')}."
    ]
    lines += [f"Kept {one_line(what)}: {one_line(why)}" for what, why in result.kept]
    return "\n".join(lines)


def _confirm(plan: CleanupPlan) -> bool:
    if not sys.stdin.isatty():
        raise InputError(
            "studio clean deletes files: it asks first, and there is no terminal to ask on",
            fix="Add --yes to delete without asking, or --dry-run to only see the list",
        )
    answer = input(f"Delete these ({format_bytes(plan.total_bytes)})? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def _clean(library: Library, args: argparse.Namespace) -> int:
    plan = plan_cleanup(library, args.older_than)
    if args.json and (args.dry_run or plan.is_empty):
        print(json.dumps({"dry_run": True, **plan.to_json()}, indent=2))
        return 0
    if not args.json:
        print(render_plan(plan))
    if plan.is_empty:
        return 0
    if args.dry_run:
        print("Dry run: nothing was deleted.")
        return 0
    if not args.yes and not _confirm(plan):
        print("Nothing was deleted.")
        return 0
    result = run_cleanup(library, plan)
    if args.json:
        print(json.dumps({"dry_run": False, **result.to_json()}, indent=2))
    else:
        print(render_result(result))
    return 0
