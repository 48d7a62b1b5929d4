"""Imported visuals keep the creator's file name (inside a content-named folder), safely, and
through an archive; labels never show a content hash."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from studio.pipeline.visuals import (
    MAX_NAME_BYTES,
    choose_visual,
    import_visual,
    media_kind,
    stored_name,
    visual_label,
)
from studio.store import archive
from tests.factories import make_project
from tests.media.support import write_picture

HASH = re.compile(r"[0-9a-f]{16}")


def test_an_imported_file_keeps_its_name_and_the_same_content_is_stored_once(
    library: Any, tmp_path: Path
) -> None:
    project = make_project(library)
    source = write_picture(tmp_path / "Bees on Lavender.PNG")
    path, kind = import_visual(library, project, source)
    again, _kind = import_visual(library, project, source)

    assert (path.name, kind, again) == ("Bees on Lavender.png", "image", path)
    assert HASH.fullmatch(path.parent.name)
    assert visual_label(path, source="file", kind=kind) == "Bees on Lavender.png"


def test_labels_never_show_a_hash() -> None:
    assert visual_label(Path("visuals/0123456789abcdef.png")) == "Picture you chose"
    assert visual_label(Path("visuals/0123456789abcdef.mp4"), kind="video") == "Clip you chose"
    assert visual_label(Path("visuals/slide-0123456789abcdef.png")) == "Generated slide"
    assert visual_label(Path("/home/me/Pictures/hive.jpg"), source="library") == "hive.jpg"


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_any_name_becomes_a_safe_file_name(stem: str) -> None:
    source = Path(f"{stem.replace('/', '_')}.JPG")
    assume(media_kind(source) == "image")  # what import_visual lets through
    name = stored_name(source)
    assert name.endswith(".jpg")
    assert not re.search(r"[\x00-\x1f\x7f]", name)
    assert not name.startswith(".")
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES + 4
    assert "\ufffd" not in name


def test_names_survive_an_archive(library: Any, tmp_path: Path) -> None:
    project = make_project(library, name="Trip")
    scene = library.scenes(project)[0]
    choose_visual(library, project, scene, write_picture(tmp_path / "Beach at noon.png"))
    zipped = archive.export_project(library, project, tmp_path / "trip.studio.zip")

    copy = archive.import_project(library, zipped)

    selection = library.selection(library.scenes(copy)[0])
    path = library.home.abs(selection.asset_path)
    assert path.is_file() and visual_label(path) == "Beach at noon.png"
