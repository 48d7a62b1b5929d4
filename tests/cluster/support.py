"""Helpers of the cluster tests: small real projects, the segment cache's hashes, waiting on a
cluster's state without sleeping blind."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image

from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.pipeline.request import RunRequest
from studio.store import Library
from studio.store.models import Project
from tests.factories import make_project

T = TypeVar("T")
TEXTS = ("Red is warm.", "Green grows.", "Blue is calm.")
COLOURS = ((200, 40, 40), (40, 180, 40), (40, 40, 200))


def coloured_project(library: Library, pictures: Path, **settings: str) -> Project:
    """Three short scenes on flat colours, moving (so each encode takes a moment), 720p square,
    crossfades between them (so transition pieces are made too)."""
    project = make_project(
        library, texts=TEXTS, aspect="1:1", transition="crossfade", **settings
    )
    pictures.mkdir(parents=True, exist_ok=True)
    for scene, colour in zip(library.scenes(project), COLOURS, strict=True):
        picture = pictures / f"{scene.scene_number}.png"
        Image.new("RGB", (64, 64), colour).save(picture)
        library.select_clip(scene, picture, kind="image", source="file", motion="zoom-in")
    return library.refresh(project)


def render(library: Library, project: Project, cluster: str | None = None) -> Path:
    """Render ``project`` (here, or on ``cluster``); return the video's path."""
    result = pipeline.render_project(
        library,
        library.refresh(project),
        RunRequest(cluster=cluster),
        reporter=NullReporter(),
        install_sigint=False,
    )
    return Path(result.video_path)


def segment_hashes(library: Library, project: Project) -> dict[str, str]:
    """Every file in the project's segment cache (segments, handles, transition pieces) by
    name: its sha256."""
    folder = library.home.project_dir(project.id) / "segments"
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.glob("*.mp4"))
    }


def audio_hashes(library: Library, project: Project) -> list[str]:
    """Each scene's WAV's sha256, in scene order."""
    return [
        hashlib.sha256(library.home.abs(str(scene.audio_file_path)).read_bytes()).hexdigest()
        for scene in library.scenes(project)
    ]


def wait_for(check: Callable[[], T | None], timeout: float = 30.0, what: str = "") -> T:
    """Ask ``check`` until it gives something (the way ``qtbot.waitUntil`` does); fail after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        pause.wait(0.01)
    raise AssertionError(f"timed out waiting for {what or check}")


def executing(client: Any, prefix: str) -> dict[str, list[str]]:
    """The tasks each worker is running now whose key starts with ``prefix``."""

    def running(dask_worker: Any) -> list[str]:
        return [str(ts.key) for ts in dask_worker.state.executing]

    found = client.run(running)
    return {addr: keys for addr, keys in found.items()
            if any(k.startswith(prefix) for k in keys)}
