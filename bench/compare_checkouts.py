"""Full renders of two checkouts of Studio, alternated in one run (A/B, same machine load).

    .venv/bin/python bench/compare_checkouts.py --before /path/to/old/checkout [--rounds 3]

Each round runs ``bench/render_bench.py --runs 1 --sections full`` of the ``--before`` checkout,
then of this one (the order flips every round, so neither always runs first), each in its own
process with its own library. The 12-scene reference project is rendered from scratch at
1080p 16:9 and 9:16. Prints a Markdown table of medians for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| 1080p (16:9|9:16) \| ([0-9.]+) s")


def render_times(checkout: Path) -> dict[str, float]:
    """One full render of each aspect with ``checkout``'s code: {aspect: wall seconds}."""
    done = subprocess.run(
        [sys.executable, str(checkout / "bench" / "render_bench.py"), "--runs", "1",
         "--sections", "full"],
        cwd=checkout, capture_output=True, text=True, check=True,
    )
    found = {m[1]: float(m[2]) for line in done.stdout.splitlines() if (m := ROW.match(line))}
    if len(found) != 2:
        raise SystemExit(f"no timings in the output of {checkout}:\n{done.stdout}")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sides = {"before": args.before.resolve(), "after": HERE}
    times: dict[str, dict[str, list[float]]] = {s: {"16:9": [], "9:16": []} for s in sides}
    for round_number in range(args.rounds):
        order = ["before", "after"] if round_number % 2 == 0 else ["after", "before"]
        for side in order:
            for aspect, seconds in render_times(sides[side]).items():
                times[side][aspect].append(seconds)
            print(f"round {round_number + 1}: {side} {times[side]}", file=sys.stderr)
    print(f"`{' '.join(sys.argv)}`\n")
    print("| format | before (median, runs) | after (median, runs) | change |")
    print("| --- | --- | --- | --- |")
    for aspect in ("16:9", "9:16"):
        before, after = times["before"][aspect], times["after"][aspect]
        change = statistics.median(after) / statistics.median(before) - 1
        print(f"| 1080p {aspect} | {statistics.median(before):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in before)}) | {statistics.median(after):.2f} s "
              f"({', '.join(f'{t:.2f}' for t in after)}) | {change:+.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
