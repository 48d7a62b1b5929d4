"""``studio encoders``: the list of encoders and what auto uses, as text and as JSON, from a
real subprocess (stdout parseable, the probe kept in the library's cache)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from studio.encoder_kinds import ENCODERS
from studio.media.encoders import PROBE_FILE
from tests.conftest import REPO


def _studio(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studio", "--home", str(home), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)


def test_encoders_lists_each_encoder_and_what_auto_uses(home: Path) -> None:
    done = _studio(home, "encoders", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["auto"] == "x264"
    assert [e["name"] for e in document["encoders"]] == list(ENCODERS)
    nvenc = document["encoders"][0]
    assert (nvenc["codec"], nvenc["works"]) == ("h264_nvenc", False) and nvenc["reason"]
    assert (home / "cache" / PROBE_FILE).is_file()
    text = _studio(home, "encoders", "--again")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].split() == ["Encoder", "Works", "Why", "not"]
    assert lines[-1] == "auto uses: x264 (software, every computer)"
    assert any(line.split()[:2] == ["x264", "yes"] for line in lines)
