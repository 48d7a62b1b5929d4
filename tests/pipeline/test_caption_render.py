"""A project's caption look reaches its render: a new look re-renders its captioned segments
with the new captions (word highlight events, the chosen font); the same look renders nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.media.settings import RenderSettings
from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.store import Library
from studio.store.models import Project
from tests.factories import make_project

SCRIPT = "Honeybees build their comb from wax.\n\nA forager dances."


def _render(library: Library, project: Project) -> pipeline.ProduceResult:
    return pipeline.render_project(
        library, library.refresh(project), reporter=NullReporter(), install_sigint=False
    )


def _files(library: Library, project: Project, pattern: str) -> set[Path]:
    return set((library.home.project_dir(project.id) / "segments").glob(pattern))


@pytest.mark.slow
def test_a_new_caption_look_renders_new_captions_and_the_same_look_nothing(
    library: Library,
) -> None:
    project = make_project(library, script=SCRIPT, captions=True)
    first = _render(library, project)
    segments, captions = _files(library, project, "*.mp4"), _files(library, project, "*.ass")
    assert len(captions) == 2

    settings = RenderSettings.from_stored(library.refresh(project).render_settings)
    look = {"highlight": "word", "font": "Bebas Neue"}
    changed = RenderSettings.from_json({**settings.to_json(), "caption": look})
    library.update_project(project, render_settings=changed.to_json())
    second = _render(library, project)
    assert second.render.id != first.render.id
    new_captions = _files(library, project, "*.ass") - captions
    assert len(new_captions) == 2
    for path in new_captions:
        text = path.read_text(encoding="utf-8")
        assert "Style: Caption,Bebas Neue," in text and "{\\1c&H" in text
    new_segments = {
        p for p in _files(library, project, "*.mp4") - segments if not p.name.startswith("frame-")
    }
    assert len(new_segments) == 2  # both scenes carry captions: both re-rendered

    again = _render(library, project)
    assert again.render.id == second.render.id  # nothing changed: nothing rendered
