"""Batch throughput (issue #18, docs/scaling.md): a 12-row batch made sequentially, with local
parallel rows, and on a 2-worker Dask cluster on this machine; videos per hour for each.

    .venv/bin/python bench/cluster_bench.py [--rows 12] [--modes sequential,parallel,cluster]
        [--cluster tcp://HOST:8786]   # a real cluster instead of the LocalCluster

Each mode makes the same manifest (three-scene scripts of about 12 s, 16:9 at ``--resolution``
(1080p), crossfades, the draft voice)
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


def write_manifest(folder: Path, rows: int, resolution: str = "1080p") -> Path:
    """``rows`` rows, each a three-scene script of its own."""
    lines = ["script,project,resolution,transition"]
    for number in range(1, rows + 1):
        scenes = [
            f"{SENTENCES[(number + k) % 6]} {SENTENCES[(number + k + 3) % 6]}" for k in range(3)
        ]
        scenes[0] += f" This is video {number}."
        (folder / f"{number}.txt").write_text("\n\n".join(scenes), encoding="utf-8")
        lines.append(f"{number}.txt,Row {number},{resolution},crossfade")
    path = folder / "rows.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _cpu_of_this_process() -> float:
    """CPU seconds of the process this runs in and its finished children (FFmpeg)."""
    own, children = (resource.getrusage(resource.RUSAGE_SELF),
                     resource.getrusage(resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def workers_cpu(address: str | None) -> float:
    """CPU seconds the cluster's workers have used so far (all of them, FFmpeg included)."""
    if address is None:
        return 0.0
    from studio.cluster.connection import connect

    return float(sum(connect(address).run(_cpu_of_this_process).values()))


def run_mode(
    mode: str, rows: int, address: str | None, resolution: str
) -> tuple[float, float, int, float, float]:
    """Make the batch once in ``mode``; return (wall seconds, coordinator CPU seconds, rows
    done, seconds of video made, workers' CPU seconds)."""
    with tempfile.TemporaryDirectory(prefix=f"studio-bench-{mode}-") as folder:
        manifest = load_manifest(write_manifest(Path(folder), rows, resolution))
        library = Library.open(Path(folder) / "home")
        try:
            run = RunRequest(cluster=address if mode == "cluster" else None)
            jobs = 1 if mode == "sequential" else 2
            workers_before = workers_cpu(run.cluster)
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
            workers = workers_cpu(run.cluster) - workers_before
            done = [r for r in summary.rows if r.status == "done"]
            return wall, used, len(done), sum(r.duration or 0.0 for r in done), workers
        finally:
            library.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=12)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--resolution", default="1080p")
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
        print("| mode | rows done | video made (s) | wall (s) | videos/hour "
              "| coordinator CPU (s) | per video | workers' CPU (s) | per video |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for mode in modes:
            wall, cpu, done, video, workers = run_mode(mode, args.rows, address,
                                                       args.resolution)
            per = max(done, 1)
            print(f"| {mode} | {done}/{args.rows} | {video:.0f} | {wall:.1f} "
                  f"| {3600 * done / wall:.0f} | {cpu:.1f} | {cpu / per:.2f} "
                  f"| {workers:.1f} | {workers / per:.2f} |", flush=True)
    finally:
        if local is not None:
            local.close()


if __name__ == "__main__":
    main()
