"""The attribution block of a published description: each work once, within the site's limit."""

from __future__ import annotations

from pathlib import Path

from studio.pipeline.credits import CREDITS_HEADING, project_credits, with_credits
from studio.stock.base import Credit
from studio.store import Library
from studio.store.metadata import MAX_DESCRIPTION
from tests.factories import make_project
from tests.media.support import write_picture


def credit(n: int) -> Credit:
    return Credit("pexels", title=f"Clip {n}", author=f"Ann {n}", licence="Pexels License",
                  source_url=f"https://www.pexels.com/video/{n}/")  # fmt: skip


def test_each_work_is_credited_once_in_scene_order(library: Library, tmp_path: Path) -> None:
    project = make_project(library)
    picture = write_picture(tmp_path / "p.png", (320, 180))
    scenes = library.scenes(project)
    for scene, n in zip(scenes, (2, 1, 2), strict=True):
        library.select_clip(scene, picture, kind="image", source="stock",
                            credit={**credit(n).to_json(), "key": f"pexels:{n}"})  # fmt: skip
    assert project_credits(library, project) == [credit(2), credit(1)]


def test_the_block_follows_the_description() -> None:
    text = with_credits("Bees make honey.", [credit(1)])
    assert text == (
        "Bees make honey.\n\nFootage and pictures:\n"
        '- "Clip 1" by Ann 1 (Pexels License), https://www.pexels.com/video/1/'
    )
    assert with_credits("Bees make honey.", []) == "Bees make honey."


def test_a_long_description_is_shortened_not_the_credits() -> None:
    text = with_credits("word " * 2000, [credit(n) for n in range(3)])
    assert len(text) <= MAX_DESCRIPTION
    assert text.endswith("https://www.pexels.com/video/2/") and CREDITS_HEADING in text


def test_hundreds_of_credits_end_with_a_count() -> None:
    text = with_credits("Bees.", [credit(n) for n in range(400)])
    assert len(text) <= MAX_DESCRIPTION
    assert text.splitlines()[-1].startswith("- and ") and "video's JSON file" in text
