"""Hostile project archives: every one is imported cleanly or refused, the library untouched.

Archives are made by exporting a real project, then damaged: the manifest's values (wrong
types, NaN/Infinity, huge numbers, paths outside the project, missing and extra keys), the
members (colliding and over-long names, broken CRCs, encryption) or the zip's bytes. Each is
imported in-process through ``import_project`` (and a few through ``python -m studio import``).
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.cli import _print_projects
from studio.errors import InputError
from studio.store import Library
from studio.store.archive import FILES, MANIFEST, export_project, import_project
from studio.store.models import ALL_MODELS, BaseModel
from tests.factories import make_project_with_files

HOSTILE = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _good_archive(library: Library, target: Path) -> Path:
    """A real export: two scenes, audio, a chosen picture, a chat background, publishing."""
    project = make_project_with_files(library, "Hostile")
    image = library.home.project_dir(project.id) / "visuals" / "pic.png"
    library.update_project(
        project,
        template_options={"background": library.home.rel(image)},
        render_settings={"aspect": "9:16", "fps": 30, "music_volume": 0.5},
    )
    library.set_publishing(project, title="Bees", description="About bees.", tags=["bee"])
    return export_project(library, project, target)


def _members(archive: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(archive) as src:
        return [(info, src.read(info)) for info in src.infolist()]


def _manifest(archive: Path) -> dict[str, Any]:
    with zipfile.ZipFile(archive) as src:
        return dict(json.loads(src.read(MANIFEST)))


def _write(
    target: Path,
    members: list[tuple[zipfile.ZipInfo | str, bytes]],
) -> Path:
    with zipfile.ZipFile(target, "w") as dst:
        for info, data in members:
            dst.writestr(info, data)
    return target


def _with_manifest(good: Path, target: Path, manifest: Any) -> Path:
    """``good`` with its manifest replaced (NaN and Infinity written as JSON allows them)."""
    text = json.dumps(manifest, allow_nan=True)
    return _write(
        target,
        [(i, text.encode() if i.filename == MANIFEST else d) for i, d in _members(good)],
    )


def _rows(model: type[BaseModel]) -> list[dict[str, Any]]:
    """Every row of ``model``'s table as a dict (peewee-stubs type ``.dicts()`` as the query)."""
    return list(cast(Iterable[dict[str, Any]], model.select().dicts()))


def _dump(library: Library) -> tuple[Any, ...]:
    """Every row of every table and the projects folder's names: what a refusal must keep."""
    rows = tuple(
        sorted(json.dumps(r, default=str, sort_keys=True) for r in _rows(model))
        for model in ALL_MODELS
    )
    return rows, sorted(p.name for p in library.home.projects_dir.iterdir())


def _no_nan(library: Library) -> None:
    """``studio projects`` works and every stored number is finite."""
    _print_projects(library)
    for model in ALL_MODELS:
        for row in _rows(model):
            for value in row.values():
                assert not (isinstance(value, float) and not math.isfinite(value)), row


@pytest.fixture
def good(library: Library, tmp_path: Path) -> Path:
    return _good_archive(library, tmp_path / "good.studio.zip")


def _refused(library: Library, archive: Path, *, match: str | None = None) -> InputError:
    before = _dump(library)
    with pytest.raises(InputError) as caught:
        import_project(library, archive)
    assert "\n" not in str(caught.value)
    if match is not None:
        assert match in str(caught.value), str(caught.value)
    assert _dump(library) == before
    return caught.value


def test_the_good_archive_imports(library: Library, good: Path) -> None:
    project = import_project(library, good)
    assert project.template_options["background"].startswith(f"projects/{project.id}/")
    assert project.render_settings["aspect"] == "9:16"
    _no_nan(library)


def _set(manifest: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node: Any = manifest
    keys: list[Any] = [int(k) if k.isdigit() else k for k in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return manifest


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("scenes.1", "a scene as text", "scenes[1]"),
        ("scenes.0", None, "scenes[0]"),
        ("scenes.0.duration", {"seconds": 1}, "scenes[0].duration"),
        ("scenes.0.duration", float("nan"), "scenes[0].duration"),
        ("scenes.0.duration", float("inf"), "scenes[0].duration"),
        ("scenes.0.duration", 1e308, "scenes[0].duration"),
        ("scenes.0.duration", "1.5", "scenes[0].duration"),
        ("scenes.0.scene_number", True, "scenes[0].scene_number"),
        ("scenes.0.word_timings.0.end", float("-inf"), "scenes[0].word_timings[0].end"),
        ("project.total_duration", float("nan"), "project.total_duration"),
        ("project.voice_speed", 1000, "project.voice_speed"),
        ("project.template", "slideshow", "project.template"),
        ("project.render_settings.music_path", "/etc/passwd", "render_settings.music_path"),
        ("project.render_settings.music_path", "project:../../x.mp3", "music_path"),
        ("project.render_settings.fps", 31, "render_settings.fps"),
        ("project.template_options.background", "/home/me/secret.png", "background"),
        ("project.template_options.background", "project:visuals/../../x.png", "background"),
        ("project.template_options.background", "project:visuals/gone.png", "background"),
        ("project.template_options.bpm", float("inf"), "template_options.bpm"),
        ("project.template_options.evil", 1, "template_options.evil"),
        ("scenes.0.audio_file_path", "/etc/passwd", "scenes[0].audio_file_path"),
        ("scenes.0.selection.asset_path", "visuals/missing.png", "selection.asset_path"),
        ("scenes.1.scene_number", 1, "scene_number"),
        ("character_voices", [{"character": "A", "voice_id": "x", "engine": "evil"}], "engine"),
        ("publishing.tags", "not a list", "publishing.tags"),
        ("format", 2, "format"),
    ],
)
def test_bad_manifest_values_are_refused_naming_the_field(
    library: Library, good: Path, tmp_path: Path, path: str, value: Any, field: str
) -> None:
    bad = _with_manifest(good, tmp_path / "bad.zip", _set(_manifest(good), path, value))
    error = _refused(library, bad, match=field)
    assert MANIFEST in str(error)


def test_missing_keys_are_refused(library: Library, good: Path, tmp_path: Path) -> None:
    manifest = _manifest(good)
    del manifest["scenes"][0]["text"]
    _refused(library, _with_manifest(good, tmp_path / "b.zip", manifest), match="scenes[0].text")


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ([(f"{FILES}visuals/pic.png/inner.png", b"x")], "a file and a folder"),
        ([(f"{FILES}visuals/{'x' * 300}.png", b"x")], "too long"),
        ([(f"{FILES}visuals/{'d' * 200}/" * 6 + "x.png", b"x")], "too long"),
        ([(f"{FILES}visuals/pic.png", b"again")], "same name"),
        ([(f"{FILES}visuals/bad\x01name.png", b"x")], "control characters"),
        ([(f"{FILES}renders/x.mp4", b"x")], "outside its project folder"),
        ([(f"{FILES}./visuals/x.png", b"x")], "outside its project folder"),
    ],
)
def test_bad_members_are_refused(
    library: Library, good: Path, tmp_path: Path, extra: list[tuple[str, bytes]], match: str
) -> None:
    bad = tmp_path / "bad.zip"
    with pytest.warns(UserWarning) if "same name" in match else _nothing():
        _write(bad, [*_members(good), *extra])  # type: ignore[list-item]
    _refused(library, bad, match=match)


class _nothing:  # noqa: N801 - a do-nothing context manager for the parametrised warning
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _flip_member_byte(good: Path, target: Path, member: str) -> Path:
    """``good`` with one byte of ``member``'s stored data changed (its CRC no longer holds)."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as src:
        info = src.getinfo(member)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("member", [f"{FILES}audio/a.wav", MANIFEST])
def test_a_member_failing_its_crc_is_refused(
    library: Library, good: Path, tmp_path: Path, member: str
) -> None:
    bad = _flip_member_byte(good, tmp_path / "crc.zip", member)
    error = _refused(library, bad)
    assert member in str(error) or "damaged" in str(error)
    assert not list(library.home.projects_dir.glob(".import-*"))


def test_an_encrypted_member_is_refused(library: Library, good: Path, tmp_path: Path) -> None:
    data = bytearray(good.read_bytes())
    name = f"{FILES}audio/a.wav".encode()
    at = data.index(b"PK\x01\x02")
    while data[at + 46 : at + 46 + len(name)] != name:  # the member's central directory entry
        at = data.index(b"PK\x01\x02", at + 4)
    data[at + 8] |= 0x1  # "encrypted" flag
    bad = tmp_path / "enc.zip"
    bad.write_bytes(bytes(data))
    _refused(library, bad, match="encrypted")


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"format": 1, "project": ' + "9" * 5000 + "}", "\ud800"],
)
def test_pathological_json_is_refused(
    library: Library, good: Path, tmp_path: Path, text: str
) -> None:
    members = [
        (i, text.encode("utf-8", "surrogatepass") if i.filename == MANIFEST else d)
        for i, d in _members(good)
    ]
    _refused(library, _write(tmp_path / "deep.zip", members))  # type: ignore[arg-type]


def test_fifo_and_device_are_refused_without_blocking(library: Library, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.studio.zip"
    os.mkfifo(fifo)
    _refused(library, fifo, match="pipe")
    _refused(library, Path("/dev/zero"), match="device")


# -- property-based: mutated manifests, mutated bytes, random bytes ----------------------------

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "/etc/passwd",
            "../../x",
            "project:visuals/pic.png",
            "project:/abs",
            "project:visuals/../../../x",
            "visuals/pic.png",
            "C:\\x",
            "#00ff00",
            "🐝" * 5,
            "",
        ]
    ),
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside the manifest."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutated_manifests(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    manifest = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(manifest) if p]
        shallow = [p for p in paths if len(p) <= 3]  # whole scenes, fields, settings, options
        path = draw(st.sampled_from(shallow) | st.sampled_from(paths))
        parent: Any = manifest
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(max_size=12))] = draw(JSON_VALUES)
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return manifest


def _import_or_refuse(library: Library, archive: Path) -> None:
    """Exactly two outcomes: a clean import (``studio projects`` still works), or a refusal."""
    before = _dump(library)
    try:
        import_project(library, archive)
    except InputError as exc:
        assert "\n" not in str(exc)
        assert _dump(library) == before
    else:
        _no_nan(library)


def test_mutated_manifests_import_cleanly_or_are_refused(
    library: Library, good: Path, tmp_path: Path
) -> None:
    base = _manifest(good)

    @HOSTILE
    @given(mutated_manifests(base))
    def check(manifest: dict[str, Any]) -> None:
        _import_or_refuse(library, _with_manifest(good, tmp_path / "m.zip", manifest))

    check()


def test_mutated_zip_bytes_import_cleanly_or_are_refused(
    library: Library, good: Path, tmp_path: Path
) -> None:
    original = good.read_bytes()

    @HOSTILE
    @given(
        st.lists(
            st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)),
            min_size=1,
            max_size=8,
        ),
        st.integers(0, len(original)),
    )
    def check(flips: list[tuple[int, int]], cut: int) -> None:
        data = bytearray(original)
        for at, value in flips:
            data[at] = value
        target = tmp_path / "flipped.zip"
        target.write_bytes(bytes(data[: max(cut, len(data) // 2)]))
        _import_or_refuse(library, target)

    check()


def test_random_bytes_are_refused(library: Library, tmp_path: Path) -> None:
    @HOSTILE
    @given(st.binary(max_size=2048) | st.builds(lambda b: b"PK\x03\x04" + b, st.binary()))
    def check(data: bytes) -> None:
        target = tmp_path / "random.zip"
        target.write_bytes(data)
        before = _dump(library)
        with pytest.raises(InputError):
            import_project(library, target)
        assert _dump(library) == before

    check()


# -- the real command ------------------------------------------------------------------------


def _studio(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _cases(good: Path, tmp_path: Path) -> dict[str, Callable[[], Path]]:
    manifest = _manifest(good)
    return {
        "nan": lambda: _with_manifest(
            good,
            tmp_path / "nan.zip",
            _set(json.loads(json.dumps(manifest)), "project.total_duration", float("nan")),
        ),
        "music outside": lambda: _with_manifest(
            good,
            tmp_path / "music.zip",
            _set(
                json.loads(json.dumps(manifest)),
                "project.render_settings.music_path",
                "/etc/passwd",
            ),
        ),
        "crc": lambda: _flip_member_byte(good, tmp_path / "crc.zip", f"{FILES}audio/a.wav"),
        "collision": lambda: _write(
            tmp_path / "collide.zip",
            [*_members(good), (f"{FILES}audio/a.wav/x", b"x")],  # type: ignore[list-item]
        ),
    }


def test_cli_refuses_hostile_archives_with_one_line(
    library: Library, good: Path, tmp_path: Path, home: Path
) -> None:
    library.close()
    for name, make in _cases(good, tmp_path).items():
        before = sorted(p.name for p in (home / "projects").iterdir())
        result = _studio(home, "import", str(make()))
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr, name
        assert len(result.stderr.strip().splitlines()) == 1, (name, result.stderr)
        assert sorted(p.name for p in (home / "projects").iterdir()) == before, name
    listing = _studio(home, "projects")
    assert listing.returncode == 0 and "Hostile" in listing.stdout


def test_cli_import_of_a_fifo_does_not_hang(home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.zip"
    os.mkfifo(fifo)
    result = _studio(home, "import", str(fifo))
    assert result.returncode == 2 and "pipe" in result.stderr
    assert "Traceback" not in result.stderr


# -- text from an archive is stored clean -----------------------------------------------------
DIRTY = "\x1b[31mRed\x00 \x07bell\x1b]0;title\x07\u202eevil\x9b"


def _stored_text(library: Library) -> list[str]:
    """Every text value of every row, read with raw SQL through a connection of its own."""
    connection = sqlite3.connect(library.home.db_path)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite%'"
            )
        ]
        return [
            value
            for table in tables
            for row in connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            for value in row
            if isinstance(value, str)
        ]
    finally:
        connection.close()


def test_controls_in_imported_text_are_removed(
    library: Library, good: Path, tmp_path: Path
) -> None:
    manifest = _manifest(good)
    manifest["project"]["name"] = f"Bees{DIRTY}\nline"
    manifest["project"]["topic"] = f"Topic{DIRTY}"
    manifest["project"]["voice_id"] = f"af{DIRTY}"
    manifest["project"]["template_options"]["me"] = f"Me{DIRTY}"
    scene = manifest["scenes"][0]
    scene.update(
        text=f"One{DIRTY}\nsecond line",
        sanitized_text=f"One{DIRTY}",
        character=f"Al{DIRTY}",
        visual_keywords=[f"bee{DIRTY}"],
        audio_key=f"k{DIRTY}",
        voice_id=f"v{DIRTY}",
    )
    scene["word_timings"][0]["word"] = f"One{DIRTY}"
    manifest["publishing"].update(
        title=f"Title{DIRTY}", description=f"About{DIRTY}\nbees", tags=[f"tag{DIRTY}"]
    )
    manifest["character_voices"] = [
        {"character": f"Al{DIRTY}", "voice_id": f"bm{DIRTY}", "engine": "kokoro"}
    ]
    project = import_project(library, _with_manifest(good, tmp_path / "dirty.zip", manifest))
    texts = _stored_text(library)
    assert texts and not [t for t in texts if any(c < " " and c not in "\n\t" for c in t)]
    assert not [t for t in texts if any("\x7f" <= c <= "\x9f" for c in t)]
    assert project.name == "BeesRed bell\u202eevil line"  # bidi marks kept (one_line escapes)
    assert library.scenes(project)[0].text == "OneRed bell\u202eevil\nsecond line"


def test_a_name_of_only_controls_is_refused(library: Library, good: Path, tmp_path: Path) -> None:
    manifest = _manifest(good)
    manifest["project"]["name"] = "\x1b[2J\x00\x07"
    error = _refused(library, _with_manifest(good, tmp_path / "blank.zip", manifest))
    assert "studio-project.json" in str(error) and "name" in str(error)
