"""Settings read back from the database are never trusted: garbage gives defaults, not tracebacks.

Another program, an old Studio or a hand edit can leave any text in the ``settings`` table or a
project's ``render_settings`` column. Values are written here with raw SQL (no model code
between) and read back through the readers Studio uses.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from studio.cli import _print_projects
from studio.errors import InputError
from studio.media.settings import ASPECTS, CAPTION_STYLES, FRAME_RATES, RESOLUTIONS
from studio.media.soundtrack import SoundPart, build_soundtrack
from studio.pipeline.render import settings_for
from studio.store import Library
from studio.store.settings_registry import REGISTRY

GARBAGE = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=4),
    max_leaves=12,
)
#: What ends up in the column: JSON (NaN and Infinity spelt as Python writes them) or any text.
stored_text = (
    json_values.map(lambda v: json.dumps(v, allow_nan=True))
    | st.text(max_size=40)
    | st.sampled_from(["1e999", '{"music_volume": 1e999}', '{"fps": -1e999}', "[1e999]"])
)
render_fields = st.sampled_from(
    ["aspect", "resolution", "fps", "captions", "caption_style", "music_path", "music_volume"]
)


def _execute(library: Library, sql: str, *args: object) -> bool:
    """Run ``sql``; False when the database's own CHECK (``json_valid``) refused the value."""
    connection = sqlite3.connect(library.home.db_path)
    try:
        with connection:
            connection.execute(sql, args)
    except sqlite3.IntegrityError:
        return False
    finally:
        connection.close()
    return True


@GARBAGE
@given(key=st.sampled_from(sorted(REGISTRY)), text=stored_text)
def test_library_settings_are_defaults_or_of_their_kind(
    library: Library, key: str, text: str
) -> None:
    assume(_execute(library, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", key,
                    text))
    spec = REGISTRY[key]
    value = library.get_setting(spec)
    assert value == spec.default or spec.convert(value) == value, value


@GARBAGE
@given(
    whole=stored_text,
    fields=st.dictionaries(render_fields, json_values, max_size=4),
)
def test_stored_render_settings_give_usable_settings(
    library: Library, whole: str, fields: dict[str, object]
) -> None:
    project = library.create_project("Garbage") if not library.projects() else None
    project_id = project.id if project else library.projects()[0].id
    for text in (whole, json.dumps(fields, allow_nan=True)):
        if not _execute(library, "UPDATE projects SET render_settings = ? WHERE id = ?", text,
                        project_id):
            continue
        chosen = settings_for(library.project(project_id))
        assert chosen.aspect in ASPECTS and chosen.resolution in RESOLUTIONS
        assert chosen.fps in FRAME_RATES and chosen.caption_style in CAPTION_STYLES
        assert isinstance(chosen.captions, bool)
        assert math.isfinite(chosen.music_volume) and 0 <= chosen.music_volume <= 1
        assert chosen.music_path is None or isinstance(chosen.music_path, Path)
        _print_projects(library)


def test_the_cli_reads_garbage_without_a_traceback(library: Library, tmp_path: Path) -> None:
    project = library.create_project("Garbage")
    assert _execute(library, "UPDATE projects SET render_settings = ?, template_options = ? "
                    "WHERE id = ?", '{"fps": 1e999, "music_volume": -1e999}', "[1e999]",
                    project.id)
    for key, text in (("media_folders", "7"), ("groq_model", '["x"]'), ("default_voice", "1e999")):
        assert _execute(library, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
                        key, text)
    env = {**os.environ, "STUDIO_HOME": str(library.home.root)}
    done = subprocess.run([sys.executable, "-m", "studio", "projects"], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Garbage" in done.stdout and "Traceback" not in done.stderr


@pytest.mark.parametrize("kind", ["folder", "missing", "fifo"])
def test_stored_music_that_is_not_a_regular_file_is_refused_naming_the_setting(
    library: Library, tmp_path: Path, kind: str
) -> None:
    music = tmp_path / "music"
    if kind == "folder":
        music.mkdir()
    elif kind == "fifo":
        os.mkfifo(music)
    project = library.create_project("Song")
    assert _execute(library, "UPDATE projects SET render_settings = ? WHERE id = ?",
                    json.dumps({"music_path": str(music)}), project.id)
    chosen = settings_for(library.project(project.id))
    voice = tmp_path / "voice.wav"
    voice.write_bytes(b"RIFF")  # never read: the music is refused first
    with pytest.raises(InputError, match="music_path") as caught:
        build_soundtrack([SoundPart(voice, None)], tmp_path / "out.m4a", settings=chosen,
                         duration=1.0)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "out.m4a").exists()
