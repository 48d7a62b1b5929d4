"""The home folder's write check holds when several Studios start at once (issue #13, class 6)."""

from __future__ import annotations

import threading
from pathlib import Path

from studio.errors import StudioError
from studio.home import Home


def test_many_starts_at_once_all_find_the_home_writable(tmp_path: Path) -> None:
    """Each start probes with a file of its own: one start can't remove another's probe (two
    `studio render` started together once failed with "cannot write to its home folder")."""
    home = Home(tmp_path / "home")
    home.ensure()
    failures: list[StudioError] = []
    start = threading.Barrier(8)

    def start_studio() -> None:
        start.wait()
        for _ in range(300):
            try:
                home.ensure()
            except StudioError as exc:
                failures.append(exc)
                return

    threads = [threading.Thread(target=start_studio) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert [p.name for p in home.root.iterdir() if p.name.startswith(".write-test")] == []
