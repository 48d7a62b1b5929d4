"""Archives carry schema v4: a visual's framing, focal point, fit colour, motion amount and
stock credit, and a scene's transition; archives written before v4 still import."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.store import Library
from studio.store.archive import MANIFEST, export_project, import_project
from studio.store.models import ClipSelection, Project, Scene
from tests.factories import make_project_with_files

CREDIT = {"provider": "pexels", "title": "Hive", "author": "Ann", "licence": "Pexels License",
          "source_url": "https://www.pexels.com/video/1/", "key": "pexels:1"}  # fmt: skip


def _v4_project(library: Library) -> Project:
    project = make_project_with_files(library, "Framed")
    scene = library.scenes(project)[0]
    ClipSelection.update(
        framing="fit-colour", focal_x=0.2, focal_y=0.9, fit_colour="#112233",
        motion_amount=0.4, credit=CREDIT,
    ).where(ClipSelection.scene == scene.id).execute()  # fmt: skip
    Scene.update(transition="crossfade", transition_duration=0.75).where(
        Scene.id == scene.id
    ).execute()
    return project


def test_every_v4_column_round_trips(library: Library, tmp_path: Path) -> None:
    target = export_project(library, _v4_project(library), tmp_path / "framed.studio.zip")
    other = Library.open(tmp_path / "other home")
    imported = import_project(other, target)
    scene = other.scenes(imported)[0]
    selection = other.selection(scene)
    assert selection is not None
    assert (selection.framing, selection.focal_x, selection.focal_y) == ("fit-colour", 0.2, 0.9)
    assert (selection.fit_colour, selection.motion_amount) == ("#112233", 0.4)
    assert selection.credit == CREDIT
    assert (scene.transition, scene.transition_duration) == ("crossfade", 0.75)
    assert other.credits(imported) == [CREDIT]
    other.close()


def test_an_archive_from_before_v4_imports_with_the_defaults(
    library: Library, tmp_path: Path
) -> None:
    project = make_project_with_files(library, "Old")
    target = export_project(library, project, tmp_path / "old.studio.zip")
    old = tmp_path / "older.studio.zip"
    with zipfile.ZipFile(target) as src, zipfile.ZipFile(old, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == MANIFEST:  # as Studio wrote it before v4
                manifest = json.loads(data)
                for scene in manifest["scenes"]:
                    scene.pop("transition", None)
                    scene.pop("transition_duration", None)
                    for key in ("framing", "focal_x", "focal_y", "fit_colour",
                                "motion_amount", "credit"):  # fmt: skip
                        (scene.get("selection") or {}).pop(key, None)
                data = json.dumps(manifest).encode()
            dst.writestr(info, data)
    other = Library.open(tmp_path / "other home")
    imported = import_project(other, old)
    scene = other.scenes(imported)[0]
    selection = other.selection(scene)
    assert selection is not None and selection.framing == "fill" and selection.credit is None
    assert scene.transition is None and selection.focal_x == 0.5
    other.close()


@pytest.mark.parametrize(
    ("field", "value"),
    [("framing", "stretch"), ("focal_x", 1.5), ("fit_colour", "red; x"), ("motion_amount", -1)],
)
def test_bad_v4_values_are_refused(
    library: Library, tmp_path: Path, field: str, value: object
) -> None:
    project = make_project_with_files(library, "Bad")
    target = export_project(library, project, tmp_path / "bad.studio.zip")
    bad = tmp_path / "worse.studio.zip"
    with zipfile.ZipFile(target) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == MANIFEST:
                manifest = json.loads(data)
                manifest["scenes"][0]["selection"][field] = value
                data = json.dumps(manifest).encode()
            dst.writestr(info, data)
    other = Library.open(tmp_path / "other home")
    with pytest.raises(InputError, match=field):
        import_project(other, bad)
    assert other.projects() == []
    other.close()
