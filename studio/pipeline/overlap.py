"""Encoding scenes' segments while later scenes are still being voiced.

A scene's segment (``render.segment_for`` + ``render_pieces.lay_out``) depends on its own voice
and visual and, through the transitions, on its neighbours' lengths: once a scene and both its
neighbours have their voices, its segment is exactly the one the render stage would make, so
it can be encoded then, beside the voicing. The render stage later finds it in the segment
cache (segments are named by their content) and encodes only what is left. Nothing here
changes what is made, only when.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from studio.errors import Cancelled, StudioError
from studio.media.segment_cache import SegmentCache
from studio.media.segments import SegmentSpec, render_segment
from studio.media.settings import RenderSettings
from studio.pipeline.render import segment_for
from studio.pipeline.render_pieces import BodyJob, choices_for, lay_out
from studio.progress import CancelToken
from studio.store import Library
from studio.store.models import Project, Scene

log = logging.getLogger(__name__)


def segment_threads() -> int:
    """ffmpeg's threads per segment, as ``render_segments`` gives them (two jobs sharing the
    cores): the same encoder settings, so the same bytes as the render stage's encode."""
    return max(1, (os.cpu_count() or 2) // 2)


class SegmentsAhead:
    """Encodes each scene's segment on one background thread as soon as it can be known.

    Call :meth:`scene_voiced` (on the voicing thread) after each scene in order has its voice,
    then :meth:`finish` before the render stage, or :meth:`abandon` if voicing failed.

    Attributes:
        encoded: how many segments were encoded ahead (the render stage reuses them).
    """

    def __init__(
        self,
        library: Library,
        project: Project,
        settings: RenderSettings,
        cancel: CancelToken,
    ) -> None:
        self.library = library
        self.project = project
        self.settings = settings
        self.cache = SegmentCache(
            library.home.project_dir(project.id, create=True) / "segments"
        ).ensure()
        self.encoded = 0
        self._scenes = library.scenes(project)
        self._choices = choices_for(self._scenes, settings)
        self._specs: dict[int, SegmentSpec] = {}
        self._voiced = 0
        self._next = 0  # the first scene whose segment is not yet queued
        self._cancel = CancelToken()  # its own, so abandoning stops only this work
        cancel.add_callback(self._cancel.cancel)
        self._outer = cancel
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="segments-ahead")
        self._futures: list[Future[None]] = []
        self._lock = threading.Lock()

    def scene_voiced(self, scene: Scene) -> None:
        """``scene`` has its voice: queue every segment that is now fully known."""
        self._voiced = max(self._voiced, _index_of(self._scenes, scene) + 1)
        last = len(self._scenes) - 1
        while self._next <= last and (self._next + 1 < self._voiced or self._voiced > last):
            self._queue(self._next)
            self._next += 1

    def _queue(self, index: int) -> None:
        try:
            job = self._body(index)
        except StudioError as exc:  # the render stage meets it again and says so
            log.info("scene %d's segment is left to the render: %s", index + 1, exc.message)
            return
        if not job.done():
            self._futures.append(self._pool.submit(self._encode, job))

    def _body(self, index: int) -> BodyJob:
        """Scene ``index``'s segment job, laid out with its neighbours as the full render does."""
        window = range(max(0, index - 1), min(len(self._scenes), index + 2))
        specs = [self._spec(i) for i in window]
        choices = self._choices[window.start : window.stop - 1]
        return lay_out(specs, choices, self.settings, self.cache).bodies[index - window.start]

    def _spec(self, index: int) -> SegmentSpec:
        if index not in self._specs:
            scene = self.library.scene(self._scenes[index].id)
            self._specs[index] = segment_for(
                self.library, self.project, scene, self.settings, self.cache
            )[0]
        return self._specs[index]

    def _encode(self, job: BodyJob) -> None:
        if self._cancel.cancelled:
            return
        try:
            render_segment(
                job.spec,
                job.out,
                cancel=self._cancel,
                threads=segment_threads(),
                handles=job.handles,
            )
        except Cancelled:
            return
        except StudioError as exc:  # encoded again by the render stage, which reports it
            log.warning("a segment encoded ahead failed: %s", exc.message)
            return
        with self._lock:
            self.encoded += 1

    def finish(self) -> None:
        """Wait for every queued segment (the render stage then reuses them)."""
        self._pool.shutdown(wait=True)
        self._outer.remove_callback(self._cancel.cancel)

    def abandon(self) -> None:
        """Stop the queued and running encodes (nothing half-written is left) and wait."""
        self._cancel.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._outer.remove_callback(self._cancel.cancel)


def _index_of(scenes: list[Scene], scene: Scene) -> int:
    for index, candidate in enumerate(scenes):
        if candidate.id == scene.id:
            return index
    raise ValueError(f"scene {scene.id} is not one of the project's")


__all__ = ["SegmentsAhead", "segment_threads"]
