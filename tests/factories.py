"""One factory per domain object the tests build: here, a project with its scenes.

Test modules that need a project of their own shape name it once with ``functools.partial``
(``scripted_project`` in ``tests/pipeline/test_pipeline.py``, ``honey_project`` in
``tests/pipeline/test_publishing.py``) rather than writing another factory.
"""

from __future__ import annotations

from collections.abc import Sequence

from studio.pipeline.jobs import run_job
from studio.pipeline.script import script_from_text
from studio.store import Library
from studio.store.models import Project

#: Three short scenes, enough for the tree, the scene cards and a quick render.
BEE_SCENES = (
    "Bees visit flowers to collect nectar.",
    "Back at the hive they pass it on.",
    "Fanning wings dry it into honey.",
)


def make_project(
    library: Library,
    name: str = "Bees",
    texts: Sequence[str] = BEE_SCENES,
    *,
    keywords: Sequence[str] = ("bees",),
    script: str | None = None,
    **render_settings: object,
) -> Project:
    """A project in ``library`` with scenes and 720p render settings (the smallest real render).

    By default each of ``texts`` becomes a scene with ``keywords`` as its visual search words,
    written straight to the store. Given ``script``, the scenes come from the real script step
    instead (split in a recorded "script" job), as ``studio produce --script`` would make them.
    ``render_settings`` are added to (or override) ``{"resolution": "720p"}``.
    """
    settings = {"resolution": "720p", **render_settings}
    project = library.create_project(name, render_settings=settings)
    if script is None:
        library.replace_scenes(project, [(text, list(keywords)) for text in texts])
    else:
        with run_job(library, project, "script") as ctx:
            script_from_text(library, project, script, ctx)
    return library.refresh(project)


def make_project_with_files(library: Library, name: str) -> Project:
    """A project with two scenes, the first with (fake) audio and a chosen picture: what an
    archive carries (the bytes are placeholders; archives never decode them)."""
    project = library.create_project(name, topic="Bees", target_duration=30)
    scenes = library.replace_scenes(project, [("One.", ["bee"]), ("Two.", [])])
    folder = library.home.project_dir(project.id)
    wav = folder / "audio" / "a.wav"
    wav.write_bytes(b"RIFFdata")
    library.set_scene_audio(
        scenes[0],
        audio_path=wav,
        audio_key="k",
        duration=1.25,
        sanitized_text="One.",
        word_timings=[{"word": "One", "start": 0, "end": 0.5}],
    )
    image = folder / "visuals" / "pic.png"
    image.write_bytes(b"png")
    library.select_clip(scenes[0], image, kind="image", source="file", motion="pan-left")
    return project
