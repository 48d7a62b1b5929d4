"""``studio produce --stock`` end to end: real subprocesses of ``python -m studio`` against the
fake stock libraries on 127.0.0.1, a real MP4 whose scenes use the downloaded files, the credits
in the store, the description and the JSON; then a render with the libraries gone (offline)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.media.probe import probe
from studio.store import Library
from studio.store.settings_registry import STOCK_LIBRARIES
from tests.factories import make_project
from tests.fakes.groq_server import FakeGroq, valid_script
from tests.media.support import write_picture
from tests.stock.fake_servers import StockServers

SCRIPT = "\n\n".join(
    [
        "Honey bees dance to tell the hive where the flowers are.",
        "The ocean waves roll onto the sandy beach at sunset.",
        "Mountain goats climb the rocky cliffs with ease.",
    ]
)


def studio(home: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def produce(home: Path, script: Path, stock: str) -> subprocess.CompletedProcess[str]:
    return studio(home, "produce", "--script", str(script), "--stock", stock,
                  "--resolution", "720p", "--voice", "en-us", "--no-captions")  # fmt: skip


def test_produce_with_stock_then_render_offline(
    stock_servers: StockServers, tmp_path: Path
) -> None:
    home, script = tmp_path / "home", tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    made = produce(home, script, "openverse,pexels")
    assert made.returncode == 0, made.stderr
    video = Path(made.stdout.strip().splitlines()[-1])
    assert probe(video).has_video and probe(video).duration > 3

    library = Library.open(home)
    (summary,) = library.projects()
    project = library.project(summary.id)
    selections = [library.selection(s) for s in library.scenes(project)]
    assert all(s is not None and s.source == "stock" for s in selections)
    files = [library.home.abs(s.asset_path) for s in selections if s]
    assert len({f.parent.name for f in files}) == 3  # three different downloads
    assert all(
        f.is_file() and f.is_relative_to(library.home.project_dir(project.id)) for f in files
    )
    credits = library.credits(project)
    assert len(credits) == 3 and all(c["provider"] in ("openverse", "pexels") for c in credits)
    assert all(c["author"].startswith("Author ") for c in credits)
    rows = [r for s in library.scenes(project) for r in library.suggestions(s)]
    assert {r.source for r in rows} >= {"openverse", "pexels"}
    assert all(r.candidates for r in rows if r.source == "pexels")
    library.close()

    sidecar = json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))
    assert len(sidecar["credits"]) == 3
    assert "Footage and pictures:" in sidecar["description"]
    for credit in credits:
        assert credit["author"] in sidecar["description"]

    for name in ("openverse", "pexels"):
        stock_servers[name].stop()  # nothing answers any more: the render must not need them
    library = Library.open(home)
    scene = library.scenes(project)[1]
    library.update_scene(scene, text="The ocean waves roll onto the beach at dawn.")
    library.close()
    again = studio(home, "render", project.id)
    assert again.returncode == 0, again.stderr
    assert probe(Path(again.stdout.strip().splitlines()[-1])).has_video


def test_an_unknown_library_is_refused_with_the_list(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    refused = produce(tmp_path / "home", script, "openverse,shutterstock")
    assert refused.returncode == 2
    assert "shutterstock" in refused.stderr and "pexels" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    library = Library.open(tmp_path / "home")
    assert library.projects() == []  # nothing was made
    library.close()


def test_a_library_that_fails_leaves_slides_and_one_message(
    stock_servers: StockServers, tmp_path: Path
) -> None:
    script = tmp_path / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    down = stock_servers["pexels"].base_url
    stock_servers["pexels"].stop()
    made = produce(tmp_path / "home", script, "pexels")
    assert made.returncode == 0, made.stderr
    said = [line for line in made.stderr.splitlines() if "pexels" in line.lower()]
    assert len(said) == 1, made.stderr  # the sourcing message only, not the log's line too
    assert said[0].startswith("Stock footage from Pexels is skipped for this video: Cannot reach")
    log_file = Path(os.environ["STUDIO_LOG_DIR"]) / "studio.log"
    assert f"Pexels could not be reached at {down}" in log_file.read_text(encoding="utf-8")
    library = Library.open(tmp_path / "home")
    (summary,) = library.projects()
    project = library.project(summary.id)
    assert [library.selection(s).source for s in library.scenes(project)] == ["slide"] * 3  # type: ignore[union-attr]
    library.close()


def test_studio_visuals_fills_empty_scenes_then_all_with_all(
    stock_servers: StockServers, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    project = make_project(library, "Seaside", keywords=("ocean",))
    first = library.scenes(project)[0]
    library.select_clip(first, write_picture(tmp_path / "mine.png", (320, 180)), kind="image",
                        source="file")  # fmt: skip
    library.close()
    filled = studio(home, "visuals", "Seaside", "--stock", "openverse")
    assert filled.returncode == 0, filled.stderr
    assert filled.stdout.strip() == "Gave 2 of 3 scenes a visual in Seaside"
    again = studio(home, "visuals", "Seaside", "--stock", "openverse", "--all")
    assert again.stdout.strip() == "Gave 3 of 3 scenes a visual in Seaside", again.stderr
    library = Library.open(home)
    sources = [library.selection(s).source for s in library.scenes(project)]  # type: ignore[union-attr]
    assert sources == ["stock"] * 3
    library.close()
    nothing = studio(home, "visuals", "Seaside")
    assert nothing.returncode == 2 and "No stock library was named" in nothing.stderr


def test_a_render_naming_no_library_uses_the_chosen_ones(
    stock_servers: StockServers, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    library = Library.open(home)
    project = make_project(library, "Seaside", keywords=("ocean",))
    library.set_setting(STOCK_LIBRARIES, ["openverse"])  # what Settings saves
    library.close()
    made = studio(home, "render", project.id)
    assert made.returncode == 0, made.stderr
    library = Library.open(home)
    selections = [library.selection(s) for s in library.scenes(project)]
    assert [s.source if s else None for s in selections] == ["stock"] * 3
    assert {c["provider"] for c in library.credits(project)} == {"openverse"}
    library.close()
    assert stock_servers["openverse"].api_requests() and not stock_servers["pexels"].api_requests()


def test_produce_from_a_topic_searches_the_keywords_the_ai_wrote(
    stock_servers: StockServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    with FakeGroq() as groq:
        groq.enqueue(valid_script(scenes=2))
        library = Library.open(home)
        library.set_setting("groq_base_url", groq.base_url)
        library.close()
        monkeypatch.setenv("GROQ_API_KEY", "gsk_test")
        made = studio(home, "produce", "--topic", "bees", "--duration", "10", "--stock",
                      "pexels,openverse", "--resolution", "720p", "--voice", "en-us",
                      "--no-captions")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert probe(Path(made.stdout.strip().splitlines()[-1])).has_video
    library = Library.open(home)
    (summary,) = library.projects()
    project = library.project(summary.id)
    scenes = library.scenes(project)
    for number, scene in enumerate(scenes, start=1):
        selection = library.selection(scene)
        assert selection is not None and selection.source == "stock" and selection.credit
        queries = {row.query for row in library.suggestions(scene) if row.source == "pexels"}
        assert queries == {f"keyword{number} bees"}  # the AI's keywords, not the narration
    library.close()
