"""Project archives carry the saved voice blends the project uses (real libraries and zips)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from studio.errors import InputError
from studio.store import Library
from studio.store.archive import MANIFEST, export_project, import_project
from studio.store.models import Project
from tests.factories import make_project
from tests.store.test_archive_hostile import _dump, _with_manifest

WARM = [("af_heart", 60), ("bf_emma", 40)]


def _blended_project(library: Library) -> Project:
    """A chat-like project naming blends three ways: project, one scene, one character."""
    library.save_blend("Warm narrator", WARM, gender="female")
    library.save_blend("Duo", [("jf_alpha", 1), ("jm_kumo", 1)], language="ja")
    library.save_blend("Unused", [("am_adam", 1), ("bm_george", 1)])
    project = make_project(library, texts=("One.", "Two."))
    library.update_project(project, voice_id="blend:warm-narrator")
    library.update_scene(library.scenes(project)[1], voice_id="blend:duo", character="Ana")
    library.set_character_voice(project, "Ana", "blend:warm-narrator", engine="kokoro")
    return library.refresh(project)


def _manifest(archive: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as src:
        return dict(json.loads(src.read(MANIFEST)))


def test_export_lists_each_blend_the_project_uses_once(library: Library, tmp_path: Path) -> None:
    archive = export_project(library, _blended_project(library), tmp_path / "p.studio.zip")
    blends = _manifest(archive)["voice_blends"]
    assert [b["voice_id"] for b in blends] == ["blend:warm-narrator", "blend:duo"]
    assert blends[0] == {
        "voice_id": "blend:warm-narrator", "display_name": "Warm narrator", "language": "en-us",
        "gender": "female",
        "components": [{"voice": "af_heart", "weight": 0.6}, {"voice": "bf_emma", "weight": 0.4}],
    }  # fmt: skip


def test_import_elsewhere_recreates_the_blends(library: Library, tmp_path: Path) -> None:
    archive = export_project(library, _blended_project(library), tmp_path / "p.studio.zip")
    other = Library.open(tmp_path / "other-home")
    try:
        project = import_project(other, archive)
        assert project.voice_id == "blend:warm-narrator"
        assert sorted(b.voice_id for b in other.blends()) == ["blend:duo", "blend:warm-narrator"]
        duo = other.blend("blend:duo")
        assert duo is not None and duo.language == "ja" and duo.display_name == "Duo"
        assert other.scenes(project)[1].voice_id == "blend:duo"
    finally:
        other.close()


def test_the_same_blend_here_is_reused(library: Library, tmp_path: Path) -> None:
    archive = export_project(library, _blended_project(library), tmp_path / "p.studio.zip")
    before = sorted((b.voice_id, b.id) for b in library.blends())
    project = import_project(library, archive)
    assert sorted((b.voice_id, b.id) for b in library.blends()) == before
    assert project.voice_id == "blend:warm-narrator"


def test_a_blend_of_the_same_name_but_another_mix_is_imported_beside_it(
    library: Library, tmp_path: Path
) -> None:
    archive = export_project(library, _blended_project(library), tmp_path / "p.studio.zip")
    library.save_blend("Warm narrator", [("af_heart", 10), ("bf_emma", 90)])  # edited since

    project = import_project(library, archive)
    assert project.voice_id == "blend:warm-narrator-imported"
    imported = library.blend("blend:warm-narrator-imported")
    assert imported is not None and imported.display_name == "Warm narrator (imported)"
    assert imported.components == [{"voice": "af_heart", "weight": 0.6},
                                   {"voice": "bf_emma", "weight": 0.4}]  # fmt: skip
    mine = library.blend("blend:warm-narrator")
    assert mine is not None and mine.components[0] == {"voice": "bf_emma", "weight": 0.9}
    assert library.character_voices(project) == {"Ana": "blend:warm-narrator-imported"}
    assert library.scenes(project)[1].voice_id == "blend:duo"  # unchanged: the same mix

    again = import_project(library, archive)  # a second import reuses the imported one
    assert again.voice_id == "blend:warm-narrator-imported"
    assert len(library.blends()) == 4


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("voice_id", "blend:../../etc"),
        ("voice_id", "af_heart"),
        ("language", "klingon"),
        ("gender", "robot"),
        ("display_name", "   "),
        ("components", [{"voice": "af_heart", "weight": 1.0}]),
        ("components", [{"voice": "af_heart", "weight": 0.5},
                        {"voice": "af_heart", "weight": 0.5}]),
        ("components", [{"voice": "af_heart", "weight": float("nan")},
                        {"voice": "bf_emma", "weight": 0.5}]),
        ("components", [{"voice": "af_heart", "weight": -1}, {"voice": "bf_emma", "weight": 0.5}]),
        ("components", [{"voice": "../x", "weight": 0.5}, {"voice": "bf_emma", "weight": 0.5}]),
        ("components", [{"voice": f"af_v{n}", "weight": 0.2} for n in range(5)]),
        ("components", "af_heart*0.5+bf_emma*0.5"),
    ],
)  # fmt: skip
def test_hostile_blends_are_refused_and_change_nothing(
    library: Library, tmp_path: Path, field: str, value: Any
) -> None:
    good = export_project(library, _blended_project(library), tmp_path / "good.studio.zip")
    manifest = _manifest(good)
    manifest["voice_blends"][0][field] = value
    hostile = _with_manifest(good, tmp_path / "bad.studio.zip", manifest)
    before = _dump(library)
    with pytest.raises(InputError, match=r"voice_blends\[0\]"):
        import_project(library, hostile)
    assert _dump(library) == before
