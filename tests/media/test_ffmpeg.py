"""Running ffmpeg: progress, readable errors, cancellation that leaves nothing behind."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest

from studio.errors import Cancelled, MediaError
from studio.media import ffmpeg
from studio.media.ffmpeg import (
    atomic_output,
    filter_value,
    last_meaningful_line,
    run_ffmpeg,
)
from studio.progress import CancelToken


def test_ffmpeg_exe_runs() -> None:
    out = subprocess.run([ffmpeg.ffmpeg_exe(), "-version"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    assert out.startswith("ffmpeg version")


def test_progress_is_reported(tmp_path: Path) -> None:
    reports: list[tuple[float, str]] = []
    out = tmp_path / "tone.wav"
    run_ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440:duration=3", str(out)],
               duration=3.0, progress=lambda f, s: reports.append((f, s)), cancel=None,
               stage="Testing")
    assert out.is_file()
    fractions = [f for f, _ in reports]
    assert fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert {s for _, s in reports} == {"Testing"}


def test_missing_input_is_a_readable_media_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.mp4"
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["-i", str(missing), str(tmp_path / "out.mp4")], duration=None,
                   progress=None, cancel=None, stage="Converting")
    message = caught.value.message
    assert "No such file or directory" in message
    assert "converting" in message
    assert str(tmp_path / "out.mp4") in message


def test_bad_filter_names_the_reason(tmp_path: Path) -> None:
    with pytest.raises(MediaError) as caught:
        run_ffmpeg(["-f", "lavfi", "-i", "color=size=64x64", "-vf", "nosuchfilter",
                    "-frames:v", "1", str(tmp_path / "x.png")],
                   duration=None, progress=None, cancel=None, stage="Filtering")
    assert "nosuchfilter" in caught.value.message


def test_cancel_stops_ffmpeg_and_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[subprocess.Popen[bytes]] = []
    real_popen = ffmpeg._popen

    def recording_popen(args, **kwargs):  # type: ignore[no-untyped-def]
        proc = real_popen(args, **kwargs)
        started.append(proc)
        return proc

    monkeypatch.setattr(ffmpeg, "_popen", recording_popen)
    token = CancelToken()
    out = tmp_path / "long.mp4"
    cancelled_at: list[float] = []

    def progress(fraction: float, stage: str) -> None:
        if fraction > 0 and not token.cancelled:
            cancelled_at.append(time.monotonic())
            threading.Thread(target=token.cancel).start()

    with pytest.raises(Cancelled), atomic_output(out) as partial:
        run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-t", "120",
                    "-c:v", "libx264", "-preset", "medium", str(partial)],
                   duration=120, progress=progress, cancel=token, stage="Rendering")
    assert cancelled_at and time.monotonic() - cancelled_at[0] < 2.0
    assert len(started) == 1 and started[0].poll() is not None
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_cancelled_token_refuses_to_start(tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_ffmpeg(["-f", "lavfi", "-i", "sine", "-t", "1", str(tmp_path / "a.wav")],
                   duration=1, progress=None, cancel=token, stage="Testing")
    assert not (tmp_path / "a.wav").exists()


def test_atomic_output_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "video.mp4"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_output(target) as partial:
        assert partial.parent == tmp_path and partial.suffix == ".mp4"
        assert partial.name == ".video.partial.mp4"
        partial.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]
    with atomic_output(target) as partial:
        partial.write_text("new")
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["video.mp4"]


def test_atomic_output_without_a_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(MediaError), atomic_output(tmp_path / "x.mp4"):
        pass
    assert not (tmp_path / "x.mp4").exists()


def test_filter_value_escapes_both_levels() -> None:
    assert filter_value("/a/b.ass") == "/a/b.ass"
    assert filter_value("C:/x.ass") == "C\\\\:/x.ass"
    assert filter_value("it's") == "it\\\\\\'s"
    assert filter_value("a,b;c[d]") == "a\\,b\\;c\\[d\\]"
    assert filter_value("back\\slash") == "back\\\\\\\\slash"


def test_last_meaningful_line_skips_generic_endings() -> None:
    lines = [
        "[in#0 @ 0x1] Error opening input: No such file or directory",
        "Error opening input file x.mp4.",
        "Error opening input files: No such file or directory",
    ]
    assert last_meaningful_line(lines) == "Error opening input: No such file or directory (x.mp4)"
    assert last_meaningful_line(["Conversion failed!"]) == "Conversion failed!"
    assert last_meaningful_line([]) == ""
