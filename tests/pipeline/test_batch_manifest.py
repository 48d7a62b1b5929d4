"""Batch manifests: CSV and JSON read into checked rows; every mistake and every hostile file
refused in one line naming the row and the column, before anything is made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import InputError
from studio.pipeline.batch import load_manifest
from studio.pipeline.batch_manifest import MAX_MANIFEST_BYTES, MAX_ROWS, known_columns


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A manifest's folder with two scripts and a media folder beside it."""
    (tmp_path / "a.txt").write_text("Bees visit flowers.\n")
    (tmp_path / "b.txt").write_text("The sun is a star.\n")
    (tmp_path / "pics").mkdir()
    (tmp_path / "clips").mkdir()
    return tmp_path


def _write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _refused(path: Path, *needles: str) -> str:
    with pytest.raises(InputError) as info:
        load_manifest(path)
    message = info.value.message
    assert "\n" not in message
    for needle in needles:
        assert needle in message, message
    return message


def test_a_csv_with_a_bom_and_crlf_reads_every_column(folder: Path) -> None:
    text = (
        "\ufeffScript,Template,Voice,Language,Speed,Aspect,Resolution,Media,Captions,"
        "Caption-Style,Transition,Project,Duration\r\n"
        "a.txt,explainer,en-us,en,1.2,9:16,720p,pics;clips,no,bold,crossfade,First,30\r\n"
        "\r\n"
        'b.txt,,,,,,,,yes,,,"Second, with a comma",\r\n'
    )
    manifest = load_manifest(_write(folder, "videos.csv", text))
    first, second = manifest.rows
    assert manifest.path == folder / "videos.csv"
    assert (first.number, first.script, first.template, first.voice) == (
        1, folder / "a.txt", "explainer", "en-us",
    )  # fmt: skip
    assert (first.speed, first.aspect, first.resolution, first.captions) == (
        1.2,
        "9:16",
        "720p",
        False,
    )
    assert (first.caption_style, first.transition, first.duration) == ("bold", "crossfade", 30.0)
    assert first.media == (folder / "pics", folder / "clips")
    assert first.language == "en-us" and first.project_name == "First"
    assert (second.number, second.speed, second.captions) == (2, 1.0, True)
    assert second.project_name == "Second, with a comma" and second.template is None


def test_json_rows_take_the_defaults_under_them(folder: Path) -> None:
    document = {
        "defaults": {"voice": "en-us", "resolution": "720p", "media": ["pics"]},
        "rows": [
            {"script": "a.txt"},
            {"script": "b.txt", "voice": "en-gb", "captions": False, "speed": 1.5},
            {"topic": "Why bees dance", "template": "chat", "chat_style": "light"},
        ],
    }
    rows = load_manifest(_write(folder, "videos.json", json.dumps(document))).rows
    assert [r.voice for r in rows] == ["en-us", "en-gb", "en-us"]
    assert rows[1].captions is False and rows[1].speed == 1.5
    assert rows[0].media == (folder / "pics",)
    assert rows[2].topic == "Why bees dance" and rows[2].template_options == {"chat_style": "light"}
    plain = load_manifest(_write(folder, "list.json", json.dumps([{"script": "a.txt"}])))
    assert plain.rows[0].script == folder / "a.txt"


def test_a_template_option_is_read_by_its_kind(folder: Path) -> None:
    _write(folder, "back.png", b"not really a png")
    text = "script,template,background\na.txt,scroll,back.png\nb.txt,scroll,#1D3557\n"
    rows = load_manifest(_write(folder, "m.csv", text)).rows
    assert rows[0].template_options == {"background": str(folder / "back.png")}
    assert rows[1].template_options == {"background": "#1D3557"}
    rows = load_manifest(_write(folder, "music.csv", "script,template,bpm,beats_per_cut\n"
                                "a.txt,music,120,4\n")).rows  # fmt: skip
    assert rows[0].template_options == {"bpm": 120.0, "beats_per_cut": 4}


def test_the_digest_changes_with_what_the_row_asks_for(folder: Path) -> None:
    path = _write(folder, "m.csv", "script,voice\na.txt,en-us\nb.txt,en-us\n")
    before = [r.digest for r in load_manifest(path).rows]
    assert before == [r.digest for r in load_manifest(path).rows]  # stable
    assert before[0] != before[1]
    (folder / "a.txt").write_text("Bees dance instead.\n")
    after = [r.digest for r in load_manifest(path).rows]
    assert after[0] != before[0] and after[1] == before[1]  # the script's words count


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("script,voic\na.txt,x\n", ("Unknown column 'voic'", "Known columns: topic, script")),
        ("script,topic\na.txt,Bees\n", ("Row 1", "both a topic and a script")),
        ("voice\nen-us\n", ("Row 1", "neither a topic nor a script")),
        ("script\na.txt\nmissing.txt\n", ("Row 2, column script", "missing.txt")),
        ("script,speed\na.txt,3\n", ("Row 1, column speed", "0.5 and 2.0")),
        ("script,speed\na.txt,fast\n", ("Row 1, column speed", "not a number")),
        ("script,duration\na.txt,-5\n", ("Row 1, column duration", "more than 0")),
        ("script,duration\na.txt,nan\n", ("Row 1, column duration", "finite")),
        ("script,aspect\na.txt,4:3\n", ("Row 1, column aspect", "16:9")),
        ("script,resolution\na.txt,8k\n", ("Row 1, column resolution", "720p")),
        ("script,template\na.txt,vlog\n", ("Row 1, column template", "explainer")),
        ("script,language\na.txt,klingon\n", ("Row 1, column language",)),
        ("script,captions\na.txt,maybe\n", ("Row 1, column captions", "yes or no")),
        ("script,caption_style\na.txt,huge\n", ("Row 1, column caption_style", "clean")),
        ("script,transition\na.txt,spin\n", ("Row 1, column transition", "crossfade")),
        ("script,media\na.txt,pics;nowhere\n", ("Row 1, column media", "nowhere")),
        ("script,music\na.txt,song.mp3\n", ("Row 1, column music", "song.mp3")),
        ("script,chat_style\na.txt,dark\n", ("Row 1, column chat_style", "has no option")),
        ("script,template,chat_style\na.txt,chat,neon\n", ("Row 1, column chat_style",)),
        ("script,template,beats_per_cut\na.txt,music,2.5\n", ("whole number",)),
        ("script,voice\na.txt,en-us,extra\n", ("Row 1 has 3 cells", "header")),
        ("script,Script\na.txt,b.txt\n", ("named twice",)),
        (f"script,project\na.txt,{'x' * 300}\n", ("Row 1, column project", "longer")),
        ("script\n", ("no rows",)),
        ("\n\n  \n", ("empty",)),
    ],
)
def test_a_bad_csv_is_refused_naming_the_row_and_column(
    folder: Path, text: str, needles: tuple[str, ...]
) -> None:
    _refused(_write(folder, "m.csv", text), *needles)


@pytest.mark.parametrize(
    ("document", "needles"),
    [
        ("42", ("not a list of rows",)),
        ('"rows"', ("not a list of rows",)),
        ("{}", ("no rows",)),
        ('{"rows": [], "extra": 1}', ("'extra'",)),
        ('{"defaults": [], "rows": [{"script": "a.txt"}]}', ("defaults are not an object",)),
        ("[1, 2]", ("Row 1 is not an object",)),
        ("[]", ("no rows",)),
        ('[{"script": "a.txt", "speed": NaN}]', ("not valid JSON",)),
        ('[{"script": "a.txt", "speed": true}]', ("Row 1, column speed",)),
        ('[{"script": ["a.txt"]}]', ("Row 1, column script", "expected text")),
        ('[{"script": "a.txt", "captions": "sure"}]', ("Row 1, column captions",)),
        ('[{"script": "a.txt"}, {"topic": "x", "script": "b.txt"}]', ("Row 2", "both")),
        ("[" * 100_000, ("not valid JSON",)),
    ],
)
def test_a_bad_json_manifest_is_refused_in_one_line(
    folder: Path, document: str, needles: tuple[str, ...]
) -> None:
    _refused(_write(folder, "m.json", document), *needles)


@pytest.mark.parametrize(
    ("data", "needles"),
    [
        (b"", ("empty",)),
        (b"script\x00,voice\na.txt,en-us\n", ("not a text file",)),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("not a text file",)),
        ("script\ncaf\u00e9.txt\n".encode("latin-1"), ("not a text file",)),
        (b"x" * (MAX_MANIFEST_BYTES + 1), ("too large",)),
        (b"script\n" + b"a" * 200_000 + b"\n", ("not valid CSV", "field")),
    ],
)
def test_a_hostile_file_is_refused_in_one_line(
    folder: Path, data: bytes, needles: tuple[str, ...]
) -> None:
    _refused(_write(folder, "m.csv", data), *needles)


def test_utf16_with_a_bom_is_read(folder: Path) -> None:
    path = _write(folder, "m.csv", "script,voice\r\na.txt,en-us\r\n".encode("utf-16"))
    assert load_manifest(path).rows[0].voice == "en-us"


def test_thousands_of_rows_are_refused_before_any_is_checked(folder: Path) -> None:
    text = "script\n" + "a.txt\n" * (MAX_ROWS + 1)
    _refused(_write(folder, "m.csv", text), f"{MAX_ROWS + 1:,} rows", f"at most {MAX_ROWS:,}")
    rows = load_manifest(_write(folder, "ok.csv", "script\n" + "a.txt\n" * MAX_ROWS)).rows
    assert len(rows) == MAX_ROWS


def test_a_folder_or_a_missing_manifest_is_refused(folder: Path) -> None:
    _refused(folder / "pics", "manifest")
    _refused(folder / "nothing.csv", "nothing.csv")


def test_every_template_option_is_a_known_column() -> None:
    columns = known_columns()
    assert {"background", "chat_style", "me", "bpm", "beats_per_cut"} <= set(columns)
    assert len(columns) == len(set(columns))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_any_bytes_give_a_manifest_or_one_clear_line(folder: Path, data: bytes) -> None:
    for name in ("fuzz.csv", "fuzz.json"):
        path = _write(folder, name, data)
        try:
            load_manifest(path)
        except InputError as exc:
            assert "\n" not in exc.message


# -- hostile paths (round 2: each was a traceback or a wrong result before) ---------------------
def _loop(folder: Path, name: str = "loop") -> Path:
    """Two symbolic links that point at each other."""
    (folder / f"{name}-b").symlink_to(folder / name)
    (folder / name).symlink_to(folder / f"{name}-b")
    return folder / name


def test_a_manifest_that_is_a_loop_of_links_is_refused_in_one_line(folder: Path) -> None:
    _refused(_loop(folder), "loop of symbolic links", "loop")


@pytest.mark.parametrize(
    ("column", "needle"),
    [("media", "media folder"), ("script", "Too many levels"), ("music", "Too many levels"),
     ("background", "background")],
)  # fmt: skip
def test_a_cell_naming_a_loop_of_links_is_refused_naming_its_column(
    folder: Path, column: str, needle: str
) -> None:
    _loop(folder)
    cells = {"script": "a.txt", "voice": "en-us", column: "loop"}
    if column == "background":
        cells["template"] = "scroll"
    header = ",".join(cells)
    path = _write(folder, "videos.csv", header + "\n" + ",".join(cells.values()) + "\n")
    message = _refused(path, f"Row 1, column {column}", needle)
    assert message.count("(") <= 2, message  # the cell's file once, the manifest once


def test_a_row_naming_the_manifest_itself_as_its_script_is_refused(folder: Path) -> None:
    path = _write(folder, "videos.csv", "script,voice\nvideos.csv,en-us\n")
    _refused(path, "Row 1 names the manifest itself")


def test_a_missing_script_is_named_once_with_the_manifest_as_where(folder: Path) -> None:
    path = _write(folder, "videos.csv", "script,voice\n~/no-such-script.txt,en-us\n")
    message = _refused(path, "Row 1, column script", "does not exist: ", "no-such-script.txt")
    assert message.count(str(path)) == 1 and message.count("Check the name") == 0


def test_a_json_number_of_thousands_of_digits_is_refused_without_pythons_advice(
    folder: Path,
) -> None:
    path = _write(folder, "videos.json", '[{"script": "a.txt", "duration": ' + "9" * 5000 + "}]")
    message = _refused(path, "not valid JSON", "thousands of digits")
    assert "set_int_max_str_digits" not in message


def test_an_unknown_key_beside_rows_is_named_as_unknown(folder: Path) -> None:
    path = _write(folder, "videos.json", json.dumps({"rows": [{"script": "a.txt"}], "x": 1}))
    _refused(path, "an unknown key 'x'")
