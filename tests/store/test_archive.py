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
from studio.store.models import Project
from tests.factories import make_project_with_files


def _project_with_files(library: Library) -> Project:
    return make_project_with_files(library, "Archived")


def test_round_trip_into_another_library(library: Library, tmp_path: Path) -> None:
    project = _project_with_files(library)
    target = export_project(library, project, tmp_path / "bees.studio.zip")
    other = Library.open(tmp_path / "other home")
    imported = import_project(other, target)
    assert imported.name == "Archived" and imported.target_duration == 30
    scenes = other.scenes(imported)
    assert [s.text for s in scenes] == ["One.", "Two."]
    assert scenes[0].audio_file_path
    assert other.home.abs(scenes[0].audio_file_path).read_bytes() == b"RIFFdata"
    selection = other.selection(scenes[0])
    assert selection is not None and selection.motion == "pan-left"
    assert other.home.abs(selection.asset_path).read_bytes() == b"png"
    assert scenes[0].word_timings[0]["word"] == "One"
    other.close()


def test_a_scene_not_written_yet_round_trips_empty(library: Library, tmp_path: Path) -> None:
    """The editor saves an emptied scene empty; its archive imports (and stays empty)."""
    project = _project_with_files(library)
    library.update_scene(library.scenes(project)[1], text="")
    target = export_project(library, project, tmp_path / "unfinished.studio.zip")
    other = Library.open(tmp_path / "other home")
    imported = import_project(other, target)
    assert [s.text for s in other.scenes(imported)] == ["One.", ""]
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


# -- files from outside the project travel inside the archive ---------------------------------
def _import_elsewhere(
    library: Library, project: Project, tmp_path: Path
) -> tuple[Library, Project]:
    target = export_project(library, project, tmp_path / "outside.studio.zip")
    other = Library.open(tmp_path / "other home")
    return other, import_project(other, target)


def test_outside_music_and_background_travel_inside_the_archive(
    library: Library, tmp_path: Path
) -> None:
    song = tmp_path / "elsewhere" / "song.mp3"
    song.parent.mkdir()
    song.write_bytes(b"ID3 song bytes")
    wall = tmp_path / "elsewhere" / "wall.png"
    wall.write_bytes(b"png wall")
    project = _project_with_files(library)
    # Outside files, as an older Studio stored them; one named like the project's own file.
    (library.home.project_dir(project.id) / "audio" / "outside.mp3").write_bytes(b"own")
    library.update_project(
        project,
        render_settings={"music_path": str(song), "music_volume": 0.5},
        template_options={"background": str(wall)},
    )
    other, imported = _import_elsewhere(library, project, tmp_path)
    folder = other.home.project_dir(imported.id).resolve()
    music = Path(imported.render_settings["music_path"])
    assert music.resolve().is_relative_to(folder) and music.read_bytes() == song.read_bytes()
    assert imported.render_settings["music_volume"] == 0.5
    background = other.home.abs(imported.template_options["background"])
    assert background.resolve().is_relative_to(folder)
    assert background.read_bytes() == wall.read_bytes()
    assert (folder / "audio" / "outside.mp3").read_bytes() == b"own"  # nothing overwritten
    other.close()


def test_a_music_video_round_trips_with_its_song(library: Library, tmp_path: Path) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.templates import create_project
    from tests.media.test_tempo import write_beats

    song = tmp_path / "click120.wav"
    write_beats(song, 120, seconds=4, start=0.0)
    project = create_project(
        library,
        "Song",
        template="music",
        options={"beats_per_cut": 2},
        settings=RenderSettings(music_path=song),
    )
    other, imported = _import_elsewhere(library, project, tmp_path)
    assert imported.template == "music"
    music = Path(imported.render_settings["music_path"])
    assert music.resolve().is_relative_to(other.home.project_dir(imported.id).resolve())
    assert music.read_bytes() == song.read_bytes()
    assert imported.render_settings["music_volume"] == 1.0
    other.close()


def test_missing_outside_music_is_left_out_with_a_warning(
    library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    project = _project_with_files(library)
    library.update_project(
        project,
        render_settings={"music_path": str(tmp_path / "gone.mp3"), "captions": False},
        template_options={"background": str(tmp_path / "gone.png")},
    )
    with caplog.at_level("WARNING", logger="studio.store.archive"):
        other, imported = _import_elsewhere(library, project, tmp_path)
    assert "music_path" not in imported.render_settings
    assert imported.render_settings["captions"] is False
    assert "background" not in imported.template_options
    assert "music file" in caplog.text and "background" in caplog.text
    other.close()
