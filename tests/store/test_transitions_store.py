"""A scene's transition and the project's default travel with the project: archives, copies,
undoing a deletion."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.store import Library
from studio.store.archive import MANIFEST, export_project, import_project
from studio.store.models import Project
from tests.factories import make_project_with_files


def _project(library: Library) -> Project:
    project = make_project_with_files(library, "Faded")
    settings = {"resolution": "720p", "transition": "wipe-left", "transition_duration": 0.8}
    library.update_project(project, render_settings=settings)
    library.set_transition(library.scenes(project)[0], "fade-black", 1.5)
    return library.refresh(project)


def test_an_archive_round_trip_keeps_the_transitions(library: Library, tmp_path: Path) -> None:
    target = export_project(library, _project(library), tmp_path / "faded.studio.zip")
    other = Library.open(tmp_path / "other home")
    try:
        imported = import_project(other, target)
        first, second = other.scenes(imported)
        assert (first.transition, first.transition_duration) == ("fade-black", 1.5)
        assert (second.transition, second.transition_duration) == (None, None)
        stored = imported.render_settings
        assert (stored["transition"], stored["transition_duration"]) == ("wipe-left", 0.8)
    finally:
        other.close()


def test_an_unknown_transition_in_an_archive_is_refused(library: Library, tmp_path: Path) -> None:
    good = export_project(library, _project(library), tmp_path / "good.studio.zip")
    bad = tmp_path / "bad.studio.zip"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == MANIFEST:
                manifest = json.loads(data)
                manifest["scenes"][0]["transition"] = "spin"
                data = json.dumps(manifest).encode()
            target.writestr(item, data)
    projects = len(library.projects())
    with pytest.raises(InputError) as refused:
        import_project(library, bad)
    assert "transition" in str(refused.value)
    assert len(library.projects()) == projects, "nothing imported"


def test_a_copy_and_an_undone_deletion_keep_the_scene_transition(library: Library) -> None:
    project = _project(library)
    copy = library.duplicate_project(project)
    assert library.scenes(copy)[0].transition == "fade-black"
    scene = library.scenes(project)[0]
    snapshot = library.scene_snapshot(scene)
    library.delete_scene(scene)
    restored = library.restore_scene(snapshot, 0)
    assert (restored.transition, restored.transition_duration) == ("fade-black", 1.5)
