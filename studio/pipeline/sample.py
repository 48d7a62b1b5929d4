"""The bundled sample project: a creator's first video, fully offline."""

from __future__ import annotations

from pathlib import Path

from studio.pipeline.jobs import NullReporter, run_job
from studio.pipeline.script import script_from_text
from studio.store import Library
from studio.store.models import Project

SAMPLE_NAME = "Sample: How bees make honey"


def sample_script_path() -> Path:
    """The sample script shipped in ``resources/`` (beside the package, or in the bundle)."""
    from studio.media.resources import resource_path

    return resource_path("sample_script.txt")


def create_sample_project(library: Library) -> Project:
    """A new project holding the sample script split into scenes (no render yet)."""
    text = sample_script_path().read_text(encoding="utf-8")
    project = library.create_project(SAMPLE_NAME, topic="How bees make honey", target_duration=60)
    with run_job(library, project, "script", reporter=NullReporter()) as ctx:
        script_from_text(library, project, text, ctx)
    return library.refresh(project)


__all__ = ["SAMPLE_NAME", "create_sample_project", "sample_script_path"]
