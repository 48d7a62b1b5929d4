"""Indexing media folders never stops on what it can't read, and says so in one line.

Real folders with real broken links, link loops, FIFOs and (when not root) unreadable
folders; the CLI test runs ``python -m studio produce`` for real.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.pipeline.visuals import NAMED_SKIPS, index_media_folders

BROKEN_LINKS = 2000


def _picture(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), (200, 120, 30)).save(path)


def _hostile_folder(root: Path, broken_links: int = BROKEN_LINKS) -> int:
    """A media folder with one good picture and ``broken_links`` + 4 things it can't use."""
    _picture(root / "bees.png")
    os.symlink(root / "nowhere.png", root / "broken.png")
    os.symlink("loop-b.png", root / "loop-a.png")  # a.png -> b.png -> a.png
    os.symlink("loop-a.png", root / "loop-b.png")
    os.mkfifo(root / "pipe.mp4")  # probing a FIFO would block forever
    os.symlink(root, root / "folder-loop")  # a link to its own folder
    many = root / "many"
    many.mkdir()
    for number in range(broken_links):
        os.symlink(f"/nonexistent/{number}.jpg", many / f"gone{number:04d}.jpg")
    return broken_links + 4


def test_index_skips_what_it_cannot_read_and_counts_it(library: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    expected = _hostile_folder(media)

    report = index_media_folders(library, [media])

    assert report.added == 1
    assert [Path(a.path).name for a in library.media_assets()] == ["bees.png"]
    assert len(report.skipped) == expected
    reasons = dict(report.skipped)
    assert reasons[(media / "broken.png").as_posix()] == "a broken link"
    assert reasons[(media / "loop-a.png").as_posix()] == "a link that leads back to itself"
    assert reasons[(media / "pipe.mp4").as_posix()] == "not a regular file"
    summary = report.summary()
    assert summary is not None and "\n" not in summary
    assert summary.startswith(f"Skipped {expected:,} media files")
    assert f"and {expected - NAMED_SKIPS:,} more" in summary
    assert str(media) in summary


def test_a_second_index_drops_files_that_became_unreadable(library: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    _picture(media / "bees.png")
    _picture(media / "honey.png")
    assert index_media_folders(library, [media]).added == 2
    (media / "honey.png").unlink()
    os.symlink(media / "gone.png", media / "honey.png")  # now a broken link

    report = index_media_folders(library, [media])

    assert report.removed == 1
    assert [Path(a.path).name for a in library.media_assets()] == ["bees.png"]
    assert report.skipped == [((media / "honey.png").as_posix(), "a broken link")]


def test_a_missing_configured_folder_is_skipped_not_fatal(library: Any, tmp_path: Path) -> None:
    media, unplugged = tmp_path / "media", tmp_path / "usb drive"
    _picture(media / "bees.png")
    _picture(unplugged / "honey.png")
    index_media_folders(library, [media, unplugged])
    unplugged.joinpath("honey.png").unlink()
    unplugged.rmdir()

    report = index_media_folders(library, [media, unplugged])

    assert report.missing_folders == [str(unplugged)]
    assert report.removed == 1  # its file can't be used until the folder is back
    assert [Path(a.path).name for a in library.media_assets()] == ["bees.png"]
    assert report.summary() == f"Skipped the media folder that does not exist: {unplugged}."


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder whatever its permissions")
def test_an_unreadable_subfolder_is_skipped(library: Any, tmp_path: Path) -> None:
    media = tmp_path / "media"
    _picture(media / "bees.png")
    _picture(media / "private" / "honey.png")
    (media / "private").chmod(0)
    try:
        report = index_media_folders(library, [media])
    finally:
        (media / "private").chmod(0o755)
    assert report.added == 1
    assert report.skipped == [((media / "private").as_posix(), "folder: not allowed to read it")]


def test_produce_with_a_hostile_media_folder_says_it_once_and_makes_the_video(
    tmp_path: Path,
) -> None:
    media = tmp_path / "media"
    expected = _hostile_folder(media)
    script = tmp_path / "script.txt"
    script.write_text("Bees make honey from nectar.", encoding="utf-8")

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "studio",
            "--home",
            str(tmp_path / "home"),
            "produce",
            "--script",
            str(script),
            "--media",
            str(media),
            "--resolution",
            "720p",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    skipped_lines = [line for line in done.stderr.splitlines() if "Skipped" in line]
    assert len(skipped_lines) == 1, done.stderr
    assert skipped_lines[0].startswith(f"Skipped {expected:,} media files")
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) < 30  # not a line per file
    video = Path(done.stdout.strip())
    assert video.is_file() and video.suffix == ".mp4"
