"""Opening a ``.studio.zip`` in the window: File → Import project…, and ``studio FILE.studio.zip``
(the desktop's "Open with Studio", issue #19)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from studio.cli import split_archive_to_open
from studio.store import Library
from studio.store.archive import export_project
from tests.factories import make_project
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A real archive exported from another library.

    Requested before ``window``/``library``, so it is made before the window's library opens:
    one library is bound per process, and the window's must be the one bound while it runs.
    """
    other = Library.open(tmp_path / "other-home")
    try:
        return export_project(other, make_project(other, "Imported bees"),
                              tmp_path / "bees.studio.zip")
    finally:
        other.close()


def test_import_adds_the_project_and_selects_it(
        archive: Path, qtbot: Any, window: Any, library: Library) -> None:
    with qtbot.waitSignal(window.projects.projectCreated, timeout=30_000) as created:
        assert window.projects.import_archive(archive)
    imported = library.project(created.args[0])
    assert imported.name == "Imported bees"
    assert [s.text for s in library.scenes(imported)][0].startswith("Bees visit flowers")
    qtbot.waitUntil(lambda: window.workspace.current_project_id == imported.id, timeout=5000)


def test_a_bad_archive_is_reported_and_adds_nothing(
        qtbot: Any, window: Any, library: Library, tmp_path: Path) -> None:
    bad = tmp_path / "broken.studio.zip"
    bad.write_text("not a zip")
    with qtbot.waitSignal(window.jobs.failed, timeout=30_000):
        window.projects.import_archive(bad)
    box = window.projects.import_failure
    assert box is not None and box.isVisible()
    assert "not a readable Studio project archive" in box.text()
    assert library.projects() == []
    box.accept()


@pytest.mark.parametrize(("argv", "rest", "archive"), [
    (["a.studio.zip"], [], "a.studio.zip"),
    (["--home", "/lib", "/tmp/B.Studio.ZIP"], ["--home", "/lib"], "/tmp/B.Studio.ZIP"),
    (["-v", "x.studio.zip"], ["-v"], "x.studio.zip"),
    (["import", "x.studio.zip"], ["import", "x.studio.zip"], None),
    (["--home", "y.studio.zip"], ["--home", "y.studio.zip"], None),
    (["produce", "--script", "s.txt"], ["produce", "--script", "s.txt"], None),
    ([], [], None),
])
def test_only_an_archive_in_the_command_position_opens_the_window(
        argv: list[str], rest: list[str], archive: str | None) -> None:
    got_rest, got_archive = split_archive_to_open(argv)
    assert got_rest == rest
    assert got_archive == (Path(archive) if archive else None)
