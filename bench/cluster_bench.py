"""Batch throughput (issue #18, docs/scaling.md): a 12-row batch made sequentially, with local
parallel rows, and on a 2-worker Dask cluster on this machine; videos per hour for each.

    .venv/bin/python bench/cluster_bench.py [--rows 12] [--modes sequential,parallel,cluster]
        [--cluster tcp://HOST:8786]   # a real cluster instead of the LocalCluster

Each mode makes the same manifest (two-scene scripts, 720p 16:9, crossfades, the draft voice)
in a fresh library, so nothing is reused between modes. Printed per mode: wall seconds, videos
per hour, and the coordinator's own CPU seconds (what bounds it as workers are added: the
script, visuals, soundtrack, the join and SQLite stay on it). Results print as Markdown.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.pipeline.batch import load_manifest, run_batch  # noqa: E402
from studio.pipeline.request import RunRequest  # noqa: E402
from studio.store import Library  # noqa: E402

MODES = ("sequential", "parallel", "cluster")
SENTENCES = ("Bees visit flowers at dawn.", "They carry nectar home.", "Honey takes weeks.",
             "Rain keeps them inside.", "The queen lays eggs.", "Summer ends the season.")


def write_manifest(folder: Path, rows: int) -> Path:
    """``rows`` rows, each a two-scene script of its own."""
    lines = ["script,project,resolution,transition"]
    for number in range(1, rows + 1):
        a, b = SENTENCES[number % 6], SENTENCES[(number + 2) % 6]
        (folder / f"{number}.txt").write_text(f"{a} Video {number}.\n\n{b}", encoding="utf-8")
        lines.append(f"{number}.txt,Row {number},720p,crossfade")
    path = folder / "rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_mode(mode: str, rows: int, address: str | None) -> tuple[float, float, int]:
    """Make the batch once in ``mode``; return (wall seconds, coordinator CPU seconds, done)."""
    with tempfile.TemporaryDirectory(prefix=f"studio-bench-{mode}-") as folder:
        manifest = load_manifest(write_manifest(Path(folder), rows))
        library = Library.open(Path(folder) / "home")
        try:
            run = RunRequest(cluster=address if mode == "cluster" else None)
            jobs = 1 if mode == "sequential" else 2
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            summary = run_batch(library, manifest, run=run, jobs=jobs)
            wall = time.perf_counter() - started
            after, after_children = (resource.getrusage(resource.RUSAGE_SELF),
                                     resource.getrusage(resource.RUSAGE_CHILDREN))
            used = (after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime
                    + after_children.ru_utime + after_children.ru_stime
                    - children.ru_utime - children.ru_stime)
            return wall, used, sum(r.status == "done" for r in summary.rows)
        finally:
            library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--cluster", default=None, help="a running scheduler (default: a "
                        "LocalCluster of 2 worker processes, 1 thread each, on loopback)")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    local = None
    address = args.cluster
    if "cluster" in modes and address is None:
        from distributed import LocalCluster

        local = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                             host="127.0.0.1", dashboard_address=":0")
        address = str(local.scheduler_address)
    try:
        print("| mode | rows done | wall (s) | videos/hour | coordinator CPU (s) |")
        print("| --- | --- | --- | --- | --- |")
        for mode in modes:
            wall, cpu, done = run_mode(mode, args.rows, address)
            print(f"| {mode} | {done}/{args.rows} | {wall:.1f} | {3600 * done / wall:.0f} "
                  f"| {cpu:.1f} |", flush=True)
    finally:
        if local is not None:
            local.close()


if __name__ == "__main__":
    main()
