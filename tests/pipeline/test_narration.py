"""A render never speaks what the creator did not type; templates keep the creator's text."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.media.settings import RenderSettings
from studio.pipeline.jobs import run_job
from studio.pipeline.produce import check_narration
from studio.pipeline.templates import create_project, get_template
from studio.store import Library
from tests.factories import make_project


def test_studio_render_refuses_a_scene_with_no_narration_naming_it(
    library: Library, home: Path
) -> None:
    project = make_project(library)
    second = library.scenes(project)[1]
    with sqlite3.connect(library.home.db_path) as connection:  # as the editor saves it
        connection.execute("UPDATE scenes SET text = '' WHERE id = ?", (second.id,))
    connection.close()
    done = subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), "render", project.name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "studio: Scene 2 has no narration. Type what the voice should say, or delete the scene."
    ]
    assert library.jobs(project) == [] and library.renders(project) == []


def test_a_template_with_no_narration_is_not_asked_for_any(library: Library) -> None:
    project = library.create_project("Beat", template="music")
    library.add_scene(project, "")
    check_narration(library, project)  # a music video's cut has nothing to say
    spoken = library.create_project("Talk")
    library.add_scene(spoken, "Hello.")
    library.add_scene(spoken, "   ")
    with pytest.raises(InputError, match="^Scene 2 has no narration"):
        check_narration(library, spoken)


def test_scroll_scenes_keep_the_creators_heading_levels(library: Library) -> None:
    script = (
        "# Sorting\n\nWe sort a list.\n\n## Bubble sort\n\nSwap neighbours.\n\n### Cost\n\nSlow."
    )
    project = create_project(
        library, "Sorting", template="scroll", options={}, settings=RenderSettings()
    )
    with run_job(library, project, "script") as ctx:
        get_template("scroll").script_from_text(library, project, script, ctx)
    assert [s.text for s in library.scenes(project)] == [
        "# Sorting\n\nWe sort a list.",
        "## Bubble sort\n\nSwap neighbours.",
        "### Cost\n\nSlow.",
    ]
