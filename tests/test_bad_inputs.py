"""The bad-input corpus (``tests/data/bad_inputs.json``): each case gets a clear message, a
fitting exit code, no traceback, and leaves what was saved exactly as it was."""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from studio.cli import main
from studio.media.ffmpeg import ffmpeg_exe
from studio.store import SCHEMA_VERSION, Library
from studio.store.backup import snapshot
from tests.support import read_only

CASES = json.loads((Path(__file__).parent / "data" / "bad_inputs.json").read_text("utf-8"))
GOOD_SCRIPT = "Bees make honey from nectar."
PRECIOUS = ["The creator's first scene, edited by hand.", "A second scene that must survive."]


def _png_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    from io import BytesIO

    buffer = BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _huge_png() -> bytes:
    """A tiny file whose header claims 60000 x 60000 pixels (a decompression bomb)."""
    data = bytearray(_png_bytes())
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", 60000, 60000)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


def make_file(path: Path, spec: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    kind, _, arg = spec.partition(":")
    if kind == "text":
        path.write_text(arg, encoding="utf-8")
    elif kind == "latin1":
        path.write_bytes(arg.encode("latin-1"))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 64 + b"\x00\xff" * 500)
    elif kind == "png":
        path.write_bytes(_png_bytes())
    elif kind == "png-truncated":
        path.write_bytes(_png_bytes((640, 480))[:200])
    elif kind == "huge-png":
        path.write_bytes(_huge_png())
    elif kind == "sine":
        t = np.arange(int(48000 * float(arg))) / 48000
        sf.write(path, 0.3 * np.sin(2 * np.pi * 440 * t), 48000)
    elif kind == "audio-mp4":
        subprocess.run(
            [
                ffmpeg_exe(),
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:duration=2",
                "-c:a",
                "aac",
                "-f",
                "mp4",
                str(path),
            ],
            check=True,
        )
    else:  # pragma: no cover - a typo in the corpus
        raise ValueError(spec)


@pytest.fixture(scope="module")
def precious_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A library with a hand-edited project, copied into every case."""
    home = tmp_path_factory.mktemp("template") / "home"
    library = Library.open(home)
    project = library.create_project("Precious")
    library.replace_scenes(project, [(text, []) for text in PRECIOUS])
    library.close()
    return home


def saved_state(home: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{home / 'studio.db'}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT p.name, s.scene_number, s.text FROM projects p JOIN scenes s "
            "ON s.project_id = p.id WHERE p.name = 'Precious' ORDER BY s.scene_number"
        ).fetchall()
    finally:
        conn.close()


def expand(value: str, names: dict[str, str]) -> str:
    for key, replacement in names.items():
        value = value.replace("{" + key + "}", replacement)
    return value


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(
    case: dict[str, Any], tmp_path: Path, precious_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / case.get("home", "home")
    shutil.copytree(precious_home, home)
    names = {"tmp": str(tmp_path), "long_topic": "bees " * 2000, "long_name": "n" * 500}
    good = tmp_path / "good script.txt"
    good.write_text(GOOD_SCRIPT, encoding="utf-8")
    names["good_script"] = str(good)
    for relative, spec in case.get("files", {}).items():
        make_file(tmp_path / relative, spec)
        names[relative] = str(tmp_path / relative)
        names[relative.split("/")[0]] = str(tmp_path / relative.split("/")[0])
    if case.get("database") == "newer":
        conn = sqlite3.connect(home / "studio.db")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        conn.commit()
        conn.close()
    if case.get("database") == "corrupt":
        snapshot(home / "studio.db", home / "backups", "daily")
        (home / "studio.db").write_bytes(b"\x00garbage" * 512)
    before = None if case.get("database") else saved_state(home)
    args = ["--home", str(home), *[expand(a, names) for a in case["args"]]]

    if case.get("home_mode") == "read-only":
        with read_only(home):
            code = main(args)
    else:
        code = main(args)
    captured = capsys.readouterr()
    out, err = captured.out, captured.err

    assert code == case["exit"], (out, err)
    assert "Traceback" not in err
    for fragment in case["expect"]:
        assert fragment in out + err, (fragment, err)
    if code != 0:
        lines = [line for line in err.splitlines() if line.startswith("studio:")]
        assert lines, err
    else:
        video = Path(out.strip().splitlines()[-1])
        assert video.is_file() and video.suffix == ".mp4"
    if before is not None:
        assert saved_state(home) == before, "bad input changed what was saved"
