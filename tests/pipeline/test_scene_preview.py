"""A scene's preview with picture: the real segment recipe at proxy size, cached by its key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.media import ffmpeg as media_ffmpeg
from studio.media.probe import probe
from studio.media.settings import RenderSettings
from studio.pipeline.jobs import run_job
from studio.pipeline.scene_preview import (
    PROXY_LONG_SIDE,
    ScenePreview,
    make_scene_preview,
    preview_cache,
    proxy_settings,
)
from studio.store import Library
from studio.store.models import Project
from tests.factories import make_project


def preview(library: Library, project: Project, scene_id: str) -> ScenePreview:
    with run_job(library, project, "preview") as ctx:
        return make_scene_preview(library, library.refresh(project), scene_id, ctx)


def red_picture(library: Library, project: Project) -> Path:
    path = library.home.project_dir(project.id, create=True) / "visuals" / "red.png"
    Image.new("RGB", (640, 360), (220, 20, 20)).save(path)
    return path


def middle_frame(video: Path, at: float) -> np.ndarray:
    """One decoded RGB frame of ``video`` at ``at`` seconds (the real ffmpeg)."""
    import subprocess

    info = probe(video)
    raw = subprocess.run(
        [
            media_ffmpeg.ffmpeg_exe(),
            "-v",
            "error",
            "-ss",
            f"{at:.3f}",
            "-i",
            str(video),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-",
        ],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(info.height, info.width, 3)


@pytest.mark.parametrize(("aspect", "size"), [("16:9", (480, 270)), ("9:16", (270, 480))])
def test_proxy_settings_keep_the_aspect_at_the_proxy_size(
    aspect: str, size: tuple[int, int]
) -> None:
    settings = proxy_settings(RenderSettings(aspect=aspect, resolution="1080p", fps=25))
    assert (settings.width, settings.height) == size
    assert max(size) == PROXY_LONG_SIDE
    assert settings.fps == 25 and settings.aspect == aspect


def test_a_scene_preview_is_the_scene_with_its_visual_at_proxy_size(library: Library) -> None:
    project = make_project(
        library, "Proxy", ["Red is the colour of the preview."], aspect="9:16", captions=True
    )
    scene = library.scenes(project)[0]
    library.select_clip(
        scene, red_picture(library, project), kind="image", source="file", motion="none"
    )
    result = preview(library, project, scene.id)
    scene = library.scene(scene.id)
    assert result.voiced and not result.cached
    info = probe(result.path)
    assert (info.width, info.height) == (270, 480)
    assert scene.duration is not None
    assert info.duration == pytest.approx(scene.duration, abs=0.1)
    assert info.has_audio
    frame = middle_frame(result.path, 0.2)
    top = frame[: frame.shape[0] // 3].reshape(-1, 3).mean(axis=0)  # above the captions
    assert top[0] > 150 and top[1] < 80 and top[2] < 80  # the red picture, not a slide
    assert result.path.parent == library.home.cache_dir / "scene-previews" / project.id


def test_the_second_request_is_served_from_the_cache_without_ffmpeg(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(library, "Cached", ["A short scene to preview twice."])
    scene = library.scenes(project)[0]
    first = preview(library, project, scene.id)
    stamp = first.path.stat().st_mtime_ns

    def no_ffmpeg(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("ffmpeg ran for an unchanged scene")

    monkeypatch.setattr("studio.media.segments.run_ffmpeg", no_ffmpeg)
    second = preview(library, project, scene.id)
    assert second.cached and not second.voiced
    assert second.path == first.path and second.path.stat().st_mtime_ns == stamp


def test_changing_the_text_invalidates_the_preview(library: Library) -> None:
    project = make_project(library, "Edited", ["The first words of this scene."])
    scene = library.scenes(project)[0]
    first = preview(library, project, scene.id)
    library.update_scene(library.scene(scene.id), text="Quite different words are spoken now.")
    second = preview(library, project, scene.id)
    assert second.voiced and not second.cached
    assert second.path != first.path and second.path.is_file()


def test_old_proxies_are_pruned(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("studio.pipeline.scene_preview.PROXY_KEEP", 1)
    project = make_project(library, "Pruned", ["One scene.", "Another scene."])
    first, second = library.scenes(project)
    preview(library, project, first.id)
    kept = preview(library, project, second.id)
    assert sorted(p.name for p in preview_cache(library, project.id).folder.glob("*.mp4")) == [
        kept.path.name
    ]
