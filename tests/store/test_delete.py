"""Deleting a project (keeping its videos or not) and deleting one render, on a real library."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import InputError
from studio.store import Library
from studio.store.models import Project, RenderedVideo
from tests.factories import make_project


def _render(library: Library, project: Project, name: str, data: bytes) -> RenderedVideo:
    """A recorded render whose "video" is ``data`` (the store never decodes it)."""
    folder = library.home.project_dir(project.id) / "renders"
    folder.mkdir(parents=True, exist_ok=True)
    video = folder / f"{name}.mp4"
    video.write_bytes(data)
    srt = video.with_suffix(".srt")
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    return library.record_render(
        project, file_path=video, duration=1.0, thumbnail=None, srt=srt, settings={}, job=None
    )


def test_delete_keeping_videos_moves_them_out_then_deletes(
    library: Library, tmp_path: Path
) -> None:
    project = make_project(library, "Bees / honey")
    _render(library, project, "first", b"one")
    _render(library, project, "second", b"two")
    keep = tmp_path / "Videos" / "Studio"

    kept = library.delete_project(project, keep_videos_in=keep)

    assert sorted(p.read_bytes() for p in kept) == [b"one", b"two"]
    assert all(p.parent == keep and p.name.startswith("Bees - honey ") for p in kept)
    assert not library.home.project_dir(project.id).exists()
    assert library.projects() == []


def test_delete_without_keeping_removes_the_videos(library: Library) -> None:
    project = make_project(library)
    video = library.home.abs(_render(library, project, "only", b"x").file_path)

    assert library.delete_project(project) == []
    assert not video.exists()


def test_videos_that_cannot_be_kept_stop_the_delete(library: Library, tmp_path: Path) -> None:
    project = make_project(library)
    video = library.home.abs(_render(library, project, "only", b"x").file_path)
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")

    with pytest.raises(InputError):
        library.delete_project(project, keep_videos_in=not_a_folder)

    assert video.read_bytes() == b"x"
    assert [p.id for p in library.projects()] == [project.id]


def test_delete_removes_the_projects_scene_preview_cache(library: Library) -> None:
    project = make_project(library, "Bees")
    other = make_project(library, "Wasps")
    previews = library.home.scene_previews_dir
    for owner in (project, other):
        (previews / owner.id).mkdir(parents=True)
        (previews / owner.id / "0123abcd.mp4").write_bytes(b"proxy")

    library.delete_project(project)

    assert not (previews / project.id).exists()
    assert (previews / other.id / "0123abcd.mp4").read_bytes() == b"proxy"


def test_delete_render_removes_row_and_files_and_project_follows(library: Library) -> None:
    project = make_project(library)
    older = _render(library, project, "older", b"1")
    newer = _render(library, project, "newer", b"2")
    newer_video = library.home.abs(newer.file_path)

    library.delete_render(newer)

    assert [r.id for r in library.renders(project)] == [older.id]
    assert not newer_video.exists() and not newer_video.with_suffix(".srt").exists()
    assert library.refresh(project).video_path == older.file_path
    library.delete_render(older)
    assert library.refresh(project).video_path is None
    assert library.projects()[0].last_render is None


def test_delete_render_twice_is_refused(library: Library) -> None:
    project = make_project(library)
    render = _render(library, project, "only", b"1")
    library.delete_render(render)
    with pytest.raises(InputError):
        library.delete_render(render)


def test_summary_carries_creation_time_and_thumbnail(library: Library) -> None:
    project = make_project(library)
    summary = library.projects()[0]
    assert summary.created_at == library.refresh(project).created_at
    assert summary.thumbnail_path is None
