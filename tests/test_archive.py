"""Project archives: a round trip keeps everything; hostile archives are refused untouched."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.store import Library
from studio.store.archive import FILES, MANIFEST, export_project, import_project


def _project_with_files(library: Library) -> object:
    project = library.create_project("Archived", topic="Bees", target_duration=30)
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


def test_round_trip_into_another_library(library: Library, tmp_path: Path) -> None:
    project = _project_with_files(library)
    target = export_project(library, project, tmp_path / "bees.studio.zip")
    other = Library.open(tmp_path / "other home")
    imported = import_project(other, target)
    assert imported.name == "Archived" and imported.target_duration == 30
    scenes = other.scenes(imported)
    assert [s.text for s in scenes] == ["One.", "Two."]
    assert other.home.abs(scenes[0].audio_file_path).read_bytes() == b"RIFFdata"
    selection = other.selection(scenes[0])
    assert selection is not None and selection.motion == "pan-left"
    assert other.home.abs(selection.asset_path).read_bytes() == b"png"
    assert scenes[0].word_timings[0]["word"] == "One"
    other.close()


def _hostile(tmp_path: Path, library: Library, member: str, *, link: bool = False) -> Path:
    good = export_project(library, _project_with_files(library), tmp_path / "good.zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        info = zipfile.ZipInfo(member)
        if link:
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
        dst.writestr(info, "/etc/passwd" if link else "owned")
    return bad


@pytest.mark.parametrize(
    "member",
    [
        f"{FILES}../../escape.txt",
        "/abs/escape.txt",
        f"{FILES}audio/../../../x",
        "C:/windows/escape.txt",
        f"{FILES}a\\..\\..\\x",
        "elsewhere/file.txt",
    ],
)
def test_paths_escaping_the_project_are_refused(
    library: Library, tmp_path: Path, member: str
) -> None:
    bad = _hostile(tmp_path, library, member)
    before = {p.name for p in library.home.projects_dir.iterdir()}
    count = len(library.projects())
    with pytest.raises(InputError, match="outside its project folder"):
        import_project(library, bad)
    assert {p.name for p in library.home.projects_dir.iterdir()} == before
    assert len(library.projects()) == count
    assert not (tmp_path / "escape.txt").exists()
    assert not (library.home.root.parent / "escape.txt").exists()


def test_links_are_refused(library: Library, tmp_path: Path) -> None:
    bad = _hostile(tmp_path, library, f"{FILES}visuals/link.png", link=True)
    with pytest.raises(InputError, match="link"):
        import_project(library, bad)


def test_manifest_paths_escaping_are_refused(library: Library, tmp_path: Path) -> None:
    good = export_project(library, _project_with_files(library), tmp_path / "good.zip")
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == MANIFEST:
                manifest = json.loads(data)
                manifest["scenes"][0]["audio_file_path"] = "../../../../etc/passwd"
                data = json.dumps(manifest).encode()
            dst.writestr(info, data)
    count = len(library.projects())
    with pytest.raises(InputError):
        import_project(library, bad)
    assert len(library.projects()) == count


def test_not_an_archive(library: Library, tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a readable"):
        import_project(library, junk)
