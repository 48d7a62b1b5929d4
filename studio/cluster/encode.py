"""The render's encodes on a cluster: ``render_segments`` and ``render_transitions``, remote.

Same signatures and same results as the local functions: each segment (or transition piece) is
one task, sent with its input files' bytes and the thread count the local path would use, so
the bytes that come back are the local encode's. Only here, on the coordinator, are they written
into the cache, each file atomically and only once its task has wholly finished: a worker lost
mid-task leaves nothing behind, and Dask runs the task again on another worker (up to the
scheduler's ``allowed-failures``, 3 by default). Progress moves as tasks finish, weighted by
frames; cancelling cancels the tasks still queued or running.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.cluster.connection import connect, require_distributed
from studio.cluster.tasks import (
    EncodedSegment,
    SegmentWork,
    encode_segment,
    encode_transition,
    segment_inputs,
    transition_inputs,
)
from studio.errors import Cancelled, InputError
from studio.media.segments import Handles, SegmentSpec
from studio.media.transitions import TransitionSpec
from studio.progress import CancelToken, ProgressFn, no_progress
from studio.savefile import atomic_write

if TYPE_CHECKING:
    from distributed import Future

#: How many encodes the local path runs at once (``render_segments``' and
#: ``render_transitions``' default): the thread count each task is given follows from it.
LOCAL_JOBS = 2


def local_threads(count: int, jobs: int = LOCAL_JOBS) -> int:
    """The ffmpeg threads the local path gives each of ``count`` encodes (x264's output depends
    on it, so the remote encode uses the same to give the same bytes)."""
    return max(1, (os.cpu_count() or 2) // max(1, min(jobs, count)))


def encode_segments(
    address: str,
    specs: Sequence[SegmentSpec],
    outs: Sequence[Path],
    *,
    handles: Sequence[Handles | None] | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """``render_segments`` on the cluster at ``address``: encode ``specs`` to ``outs``.

    Raises:
        InputError: no scheduler at ``address``, or an input file is missing.
        Cancelled, MediaError: as ``render_segments`` (a worker's error is raised here).
    """
    if len(specs) != len(outs) or (handles is not None and len(handles) != len(specs)):
        raise ValueError("encode_segments needs one output path (and handles) per spec")
    threads = local_threads(len(specs))
    works = [
        SegmentWork(spec, (h or Handles()).head, (h or Handles()).tail, threads)
        for spec, h in zip(specs, handles or [None] * len(specs), strict=True)
    ]

    def keep(index: int, encoded: EncodedSegment) -> None:
        _write(outs[index], encoded.segment)
        own = handles[index] if handles is not None else None
        for label, _frames, path in (own or Handles()).outputs():
            data = encoded.head if label == "head" else encoded.tail
            if data is None:
                raise InputError(f"A worker returned no {label} for a segment", where=str(path))
            _write(path, data)

    calls = [
        (float(spec.frame_count), encode_segment, (work, _read_inputs(segment_inputs(spec))))
        for spec, work in zip(specs, works, strict=True)
    ]
    _run(address, calls, keep, progress, cancel, "Rendering scenes")
    return [Path(o) for o in outs]


def encode_transitions(
    address: str,
    specs: Sequence[TransitionSpec],
    outs: Sequence[Path],
    *,
    progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> list[Path]:
    """``render_transitions`` on the cluster at ``address`` (their inputs are the handles the
    segments left in the cache)."""
    if len(specs) != len(outs):
        raise ValueError("encode_transitions needs one output path per spec")
    threads = local_threads(len(specs))
    calls = [
        (
            float(spec.frame_count),
            encode_transition,
            (spec, _read_inputs(transition_inputs(spec)), threads),
        )
        for spec in specs
    ]
    _run(address, calls, lambda i, data: _write(outs[i], data), progress, cancel,
         "Rendering the transitions")
    return [Path(o) for o in outs]


#: One task: its weight (frames), the function the worker runs, its arguments.
Call = tuple[float, Callable[..., Any], tuple[Any, ...]]


def _run(
    address: str,
    calls: Sequence[Call],
    keep: Callable[[int, Any], None],
    progress: ProgressFn | None,
    cancel: CancelToken | None,
    stage: str,
) -> None:
    """Submit every call, ``keep`` each result as it arrives; the first failure cancels the
    others and is raised; ``cancel`` cancels them all."""
    if not calls:
        return
    cancel = cancel or CancelToken()
    report = progress or no_progress
    cancel.raise_if_cancelled()
    client = connect(address)
    futures = [client.submit(fn, *args, pure=False) for _weight, fn, args in calls]
    index = {future.key: n for n, future in enumerate(futures)}
    total = sum(weight for weight, _fn, _args in calls) or 1.0
    done = 0.0
    finished = 0

    def stop() -> None:
        client.cancel(futures)

    cancel.add_callback(stop)
    try:
        report(0.0, f"{stage} (0 of {len(calls)} done)")
        for future in require_distributed().as_completed(futures, loop=client.loop):
            cancel.raise_if_cancelled()
            n = index[future.key]
            keep(n, _result(future, cancel))
            done += calls[n][0]
            finished += 1
            report(done / total, f"{stage} ({finished} of {len(calls)} done)")
    except BaseException:
        client.cancel(futures)
        raise
    finally:
        cancel.remove_callback(stop)


def _result(future: Future, cancel: CancelToken) -> Any:
    """The task's result (its error raised here); a cancelled task is ``Cancelled``."""
    try:
        return future.result()
    except CancelledError as exc:
        cancel.raise_if_cancelled()
        raise Cancelled("A task was cancelled on the cluster") from exc


def _read_inputs(paths: Sequence[Path]) -> dict[str, bytes]:
    """Each input file's bytes by its path (InputError naming a missing one)."""
    found: dict[str, bytes] = {}
    for path in paths:
        try:
            found[str(path)] = Path(path).read_bytes()
        except OSError as exc:
            raise InputError(
                "A scene's file is missing", where=str(path),
                fix="Choose the scene's visual or regenerate its voice",
            ) from exc
    return found


def _write(target: Path, data: bytes) -> None:
    """A returned file into the cache, whole or not at all (caches skip the disk flush)."""
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(Path(target), data, durable=False)


__all__ = ["LOCAL_JOBS", "encode_segments", "encode_transitions", "local_threads"]
