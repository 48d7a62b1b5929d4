"""Input files the creator names: only regular files, bounded reads, never a traceback.

A FIFO would block a read (or FFmpeg) forever and ``/dev/zero`` never ends; random bytes and
texts given as a script are either scenes or an InputError; a voice sidecar altered to hold
NaN is a cache miss, never a stored duration.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import InputError
from studio.inputfiles import check_regular_file, read_regular_file
from studio.media.probe import probe
from studio.pipeline.splitter import MAX_SCRIPT_FILE_BYTES, parse_script_file, split_script
from studio.pipeline.voiceover import _load_cached

BOUNDED = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "script.txt"
    os.mkfifo(path)
    return path


def test_a_fifo_script_is_refused_at_once(fifo: Path) -> None:
    with pytest.raises(InputError, match="pipe") as caught:
        parse_script_file(fifo)
    assert str(fifo) in str(caught.value)


def test_dev_zero_is_refused_not_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="device"):
        parse_script_file("/dev/zero")
    with pytest.raises(InputError, match="device"):
        probe(Path("/dev/zero"))


def test_a_too_large_script_names_its_size_and_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (MAX_SCRIPT_FILE_BYTES // 5 + 1))
    with pytest.raises(InputError) as caught:
        parse_script_file(big)
    message = str(caught.value)
    assert f"{big.stat().st_size:,} bytes" in message
    assert f"{MAX_SCRIPT_FILE_BYTES:,}" in message


def test_a_file_larger_than_its_stat_size_is_bounded(tmp_path: Path) -> None:
    """``/proc`` files say 0 bytes but hold more: the read itself stops at the limit + 1."""
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    with pytest.raises(InputError, match="more than 11 bytes; the limit is 10"):
        read_regular_file(status, limit=10)
    path = tmp_path / "exact.txt"
    path.write_bytes(b"x" * 100)
    assert read_regular_file(path, limit=100) == b"x" * 100


def test_a_fifo_music_file_is_refused_before_ffmpeg(fifo: Path) -> None:
    with pytest.raises(InputError, match="pipe"):
        probe(fifo)
    with pytest.raises(InputError, match="pipe"):
        check_regular_file(fifo, what="music file")


def _studio(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("option", ["--script", "--music"])
def test_cli_refuses_a_fifo_with_exit_2(home: Path, fifo: Path, option: str) -> None:
    args = ["produce", option, str(fifo)]
    if option == "--music":
        args += ["--template", "music"]
    result = _studio(home, *args)
    assert result.returncode == 2, result.stderr
    assert "pipe" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_cli_refuses_dev_zero_as_a_script(home: Path) -> None:
    result = _studio(home, "produce", "--script", "/dev/zero")
    assert result.returncode == 2 and "device" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


@BOUNDED
@given(
    st.binary(max_size=4096)
    | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_random_script_files_give_scenes_or_input_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("script") / "script.txt"
    path.write_bytes(data)
    try:
        text = parse_script_file(path)
        scenes = split_script(text)
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert scenes and all(s.text.strip() for s in scenes)


@BOUNDED
@given(
    st.fixed_dictionaries(
        {
            "duration": st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5),
            "sample_rate": st.integers(-5, 10**6) | st.none(),
            "words": st.lists(
                st.fixed_dictionaries(
                    {"word": st.text(max_size=5), "start": st.floats(), "end": st.floats()}
                ),
                max_size=3,
            )
            | st.text(max_size=3),
            "engine": st.text(max_size=5),
            "voice": st.text(max_size=5),
        }
    )
)
def test_altered_voice_sidecars_are_misses_not_values(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, object]
) -> None:
    folder = tmp_path_factory.mktemp("audio")
    wav = folder / "a.wav"
    wav.write_bytes(b"RIFF")
    wav.with_suffix(".json").write_text(json.dumps(data, allow_nan=True), encoding="utf-8")
    result = _load_cached(wav)
    if result is not None:
        assert 0 < result.duration < 3 * 3600
        assert all(0 <= t < 3 * 3600 for w in result.words for t in (w.start, w.end))


def test_a_nan_sidecar_is_a_miss(tmp_path: Path) -> None:
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"RIFF")
    sidecar = {
        "duration": float("nan"),
        "sample_rate": 24000,
        "words": [],
        "engine": "draft",
        "voice": "x",
    }
    wav.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    assert _load_cached(wav) is None
    sidecar["duration"] = 1.5
    wav.with_suffix(".json").write_text(json.dumps(sidecar), encoding="utf-8")
    loaded = _load_cached(wav)
    assert loaded is not None and loaded.duration == 1.5
