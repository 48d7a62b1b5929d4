"""``Library.set_framing``: only the given values change, bad values change nothing, and the
framing reaches the render's recipe (``segment_for``) and survives an archive round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.errors import InputError
from studio.media.segment_cache import SegmentCache
from studio.media.settings import RenderSettings
from studio.pipeline.render import segment_for
from studio.pipeline.visuals import choose_visual
from tests.factories import make_project
from tests.media.support import write_picture, write_tone


@pytest.fixture
def framed_scene(library: Any, tmp_path: Path) -> tuple[Any, Any]:
    """A voiced scene whose visual is a picture."""
    project = make_project(library, texts=["A wide view."], captions=False)
    scene = library.scenes(project)[0]
    audio = library.home.project_dir(project.id, create=True) / "audio"
    audio.mkdir(exist_ok=True)
    voice = write_tone(audio / "voice.wav", 0.5)
    library.set_scene_audio(
        scene,
        audio_path=voice,
        audio_key="k",
        duration=0.5,
        sanitized_text=scene.text,
        word_timings=[],
    )
    choose_visual(library, project, library.scene(scene.id), write_picture(tmp_path / "p.png"))
    return project, library.scene(scene.id)


def _values(selection: Any) -> tuple[Any, ...]:
    return (
        selection.framing,
        selection.focal_x,
        selection.focal_y,
        selection.fit_colour,
        selection.motion,
        selection.motion_amount,
    )


def test_only_the_given_values_change(library: Any, framed_scene: tuple[Any, Any]) -> None:
    _project, scene = framed_scene
    before = library.selection(scene)
    assert (before.framing, before.focal_x, before.motion_amount) == ("fill", 0.5, None)
    library.set_framing(scene, focal=(0.2, 0.7))
    library.set_framing(scene, fit_colour="#A0B0C0", motion="pan-up")
    after = library.selection(scene)
    assert _values(after) == ("fill", 0.2, 0.7, "#a0b0c0", "pan-up", None)
    library.set_framing(scene, framing="fit-blur", motion_amount=0.25)
    assert _values(library.selection(scene)) == ("fit-blur", 0.2, 0.7, "#a0b0c0", "pan-up", 0.25)


@pytest.mark.parametrize(
    "change",
    [
        {"framing": "stretch"},
        {"focal": (0.5, 1.01)},
        {"focal": (-0.1, 0.5)},
        {"focal": (float("nan"), 0.5)},
        {"focal": (0.5,)},
        {"fit_colour": "blue"},
        {"fit_colour": "#1234567"},
        {"motion": "spin"},
        {"motion_amount": 1.2},
        {"motion_amount": float("inf")},
        {"motion_amount": True},
    ],
)
def test_bad_values_are_refused_and_nothing_is_saved(
    library: Any, framed_scene: tuple[Any, Any], change: dict[str, Any]
) -> None:
    _project, scene = framed_scene
    before = _values(library.selection(scene))
    with pytest.raises(InputError):
        library.set_framing(scene, **{"motion": "pan-left", **change})  # a good value beside it
    assert _values(library.selection(scene)) == before


def test_a_scene_without_a_visual_has_nothing_to_frame(library: Any) -> None:
    project = make_project(library, texts=["No picture yet."])
    scene = library.scenes(project)[0]
    with pytest.raises(InputError, match="no visual"):
        library.set_framing(scene, framing="fit-blur")
    assert library.selection(scene) is None


def test_the_framing_reaches_the_render_recipe(
    library: Any, framed_scene: tuple[Any, Any], tmp_path: Path
) -> None:
    project, scene = framed_scene
    settings = RenderSettings(aspect="9:16", resolution="720p", captions=False)
    cache = SegmentCache(tmp_path / "segments").ensure()
    plain, _ = segment_for(library, project, scene, settings, cache)
    library.set_framing(
        scene,
        framing="fit-colour",
        fit_colour="#112233",
        motion="pan-down",
        motion_amount=0.4,
        focal=(0.1, 0.9),
    )
    spec, _ = segment_for(library, project, library.scene(scene.id), settings, cache)
    assert (spec.framing, spec.fit_colour, spec.motion, spec.motion_amount, spec.focal) == (
        "fit-colour",
        "#112233",
        "pan-down",
        0.4,
        (0.1, 0.9),
    )
    assert (plain.framing, plain.focal, plain.motion_amount) == ("fill", (0.5, 0.5), None)


def test_framing_survives_an_archive_round_trip(
    library: Any, framed_scene: tuple[Any, Any], tmp_path: Path
) -> None:
    from studio.store.archive import export_project, import_project

    project, scene = framed_scene
    library.set_framing(
        scene, framing="fit-blur", focal=(0.3, 0.6), motion="pan-up", motion_amount=0.5
    )
    archive = export_project(library, project, tmp_path / "bees.studio")
    copy = import_project(library, archive)
    copied = library.selection(library.scenes(copy)[0])
    assert _values(copied) == ("fit-blur", 0.3, 0.6, "#000000", "pan-up", 0.5)
