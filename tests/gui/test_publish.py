"""The publish panel through its real widgets: thumbnail choices and their redraw, the form, Write
with AI.

The render is a small video FFmpeg generates; Groq is the fake server on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QTabWidget

from studio.media.ffmpeg import ffmpeg_exe
from studio.pipeline import publishing
from studio.pipeline.credits import CREDITS_HEADING, credits_block, project_credits, with_credits
from studio.stock.base import Credit
from studio.store.settings_registry import GROQ_BASE_URL as SETTING_GROQ_BASE_URL
from tests.factories import make_project
from tests.fakes.groq_server import FakeGroq, reply, unauthorized
from tests.gui.support import multimedia_noise
from tests.media.support import write_picture

pytestmark = [pytest.mark.gui, multimedia_noise]

KEY = "gsk_TESTKEY0do0not0leak0c0ffee0123456789"
AI_METADATA = json.dumps(
    {
        "title": "Inside the Hive: How Bees Make Honey",
        "description": "From flower to comb in three steps.",
        "tags": ["bees", "honey", "hive"],
    }
)


@pytest.fixture(scope="module")
def source_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("video") / "source.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=s=320x180:r=30:d=3",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture
def rendered_project(library: Any, source_video: Path) -> Any:
    """A project with a finished render offering the three thumbnail variants."""
    project = make_project(library)
    video = library.home.project_dir(project.id, create=True) / "renders" / "bees.mp4"
    shutil.copyfile(source_video, video)
    render = library.record_render(
        project,
        file_path=video,
        duration=3.0,
        thumbnail=None,
        srt=None,
        settings={"aspect": "16:9", "resolution": "720p"},
        job=None,
    )
    publishing.make_thumbnail_variants(library, project, render)
    return library.refresh(project)


@pytest.fixture
def panel(window: Any, rendered_project: Any, qtbot: Any) -> Any:
    window.workspace.set_current_project(rendered_project.id)
    publish = window.render_panel.publish
    tabs = window.render_panel.findChild(QTabWidget, "renderTabs")
    tabs.setCurrentWidget(publish)
    if window.thumbnails.pending:
        with qtbot.waitSignal(window.thumbnails.idle, timeout=10_000):
            pass
    return publish


@pytest.fixture
def fake(library: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        library.set_setting(SETTING_GROQ_BASE_URL, server.base_url)
        monkeypatch.setenv("GROQ_API_KEY", KEY)
        yield server


def selected(library: Any, project: Any) -> list[str]:
    render = library.renders(project)[0]
    return [t.variant for t in library.thumbnails(render) if t.is_selected]


def test_clicking_a_thumbnail_selects_and_saves_it(
    qtbot: Any, window: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    assert list(panel.choices) == list(publishing.VARIANTS)
    assert panel.choices["title"].isChecked() and not panel.no_choices.isVisible()
    assert not panel.choices["vivid"].icon().isNull()
    with qtbot.waitSignal(panel.publishingChanged, timeout=5000):
        qtbot.mouseClick(panel.choices["vivid"], Qt.MouseButton.LeftButton)
    assert panel.choices["vivid"].isChecked() and not panel.choices["title"].isChecked()
    assert selected(library, rendered_project) == ["vivid"]
    project = library.refresh(rendered_project)
    assert project.thumbnail_path.endswith("bees-thumb-vivid.jpg")
    video = library.home.abs(project.video_path)
    assert json.loads(video.with_suffix(".json").read_text())["thumbnail"] == "bees-thumb-vivid.jpg"
    assert "most colourful" in panel.note.text()
    asked = set(window.thumbnails.pending) | set(window.thumbnails._cache)
    assert any("bees-thumb-vivid.jpg|128x72" in key for key in asked), "the history follows"


def test_the_form_shows_the_suggestion_and_saves_the_creators_edit(
    qtbot: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    assert panel.title.text() == "Bees"
    assert panel.description.toPlainText().startswith("Bees visit flowers")
    assert "bees" in panel.tags.text()
    panel.title.clear()
    qtbot.keyClicks(panel.title, "How bees make honey")
    panel.tags.setText("bees, honey, , Bees")
    with qtbot.waitSignal(panel.publishingChanged, timeout=5000):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    saved = library.publishing(rendered_project)
    assert (saved.title, saved.tags, saved.source) == (
        "How bees make honey",
        ["bees", "honey"],
        "creator",
    )
    assert panel.tags.text() == "bees, honey" and "you" in panel.source.text()
    video = library.home.abs(library.refresh(rendered_project).video_path)
    assert json.loads(video.with_suffix(".json").read_text())["title"] == "How bees make honey"

    panel.title.clear()
    with qtbot.assertNotEmitted(panel.publishingChanged):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "needs a title" in panel.note.text() and "d64545" in panel.note.styleSheet()
    assert library.publishing(rendered_project).title == "How bees make honey"


def test_write_with_ai_fills_the_form_from_groq(
    qtbot: Any, fake: FakeGroq, panel: Any, library: Any, rendered_project: Any
) -> None:
    fake.enqueue(reply(AI_METADATA))
    with qtbot.waitSignal(panel.publishingChanged, timeout=20_000):
        qtbot.mouseClick(panel.write_button, Qt.MouseButton.LeftButton)
    assert panel.title.text() == "Inside the Hive: How Bees Make Honey"
    assert panel.tags.text() == "bees, honey, hive" and "Groq" in panel.source.text()
    assert library.publishing(rendered_project).source == "groq"
    assert [c.purpose for c in library.llm_calls(rendered_project)] == ["metadata"]
    assert panel.write_button.isEnabled()


def test_write_with_ai_failure_is_shown_and_changes_nothing(
    qtbot: Any, fake: FakeGroq, window: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    fake.enqueue(unauthorized(echo_key=True))
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=20_000):
        qtbot.mouseClick(panel.write_button, Qt.MouseButton.LeftButton)
    assert "rejected the API key" in panel.note.text() and KEY not in panel.note.text()
    assert panel.title.text() == "Bees"
    assert library.publishing(rendered_project) is None


def pictures(library: Any, project: Any) -> dict[str, str]:
    """The latest render's thumbnail files by variant, as a hash of their bytes."""
    render = library.renders(project)[0]
    paths = {t.variant: library.home.abs(t.image_path) for t in library.thumbnails(render)}
    assert all(path.is_file() for path in paths.values()), "every row points to a picture"
    return {
        variant: hashlib.sha256(path.read_bytes()).hexdigest() for variant, path in paths.items()
    }


def shown(button: Any) -> QImage:
    return button.icon().pixmap(button.iconSize()).toImage()


def test_a_saved_new_title_offers_the_redraw_which_keeps_the_choice(
    qtbot: Any, window: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    with qtbot.waitSignal(panel.publishingChanged, timeout=5000):
        qtbot.mouseClick(panel.choices["vivid"], Qt.MouseButton.LeftButton)
    before, icon_before = pictures(library, rendered_project), shown(panel.choices["title"])
    panel.title.setText("Where honey comes from")
    with qtbot.waitSignal(panel.publishingChanged, timeout=5000):
        qtbot.mouseClick(panel.save_button, Qt.MouseButton.LeftButton)
    assert "still show the old title" in panel.note.text() and panel.redraw_button.isEnabled()

    with qtbot.waitSignal(panel.publishingChanged, timeout=20_000):
        qtbot.mouseClick(panel.redraw_button, Qt.MouseButton.LeftButton)
        assert not panel.redraw_button.isEnabled() and not panel.write_button.isEnabled()
        assert not panel.choices["vivid"].isEnabled(), "no choosing while the pictures change"
    qtbot.waitUntil(lambda: not window.thumbnails.pending, timeout=10_000)
    after = pictures(library, rendered_project)
    assert after["title"] != before["title"] and after["frame-title"] != before["frame-title"]
    assert selected(library, rendered_project) == ["vivid"] and panel.choices["vivid"].isChecked()
    assert shown(panel.choices["title"]) != icon_before, "the new picture, not the cached one"
    assert "now show “Where honey comes from”" in panel.note.text()
    assert panel.redraw_button.isEnabled() and panel.choices["vivid"].isEnabled()
    project = library.refresh(rendered_project)
    assert project.thumbnail_path.endswith("bees-thumb-vivid.jpg")


def test_redraw_saves_an_unsaved_title_first(
    qtbot: Any, window: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    before = pictures(library, rendered_project)
    panel.title.clear()
    qtbot.keyClicks(panel.title, "Bees, up close")
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=20_000):
        qtbot.mouseClick(panel.redraw_button, Qt.MouseButton.LeftButton)
        assert panel.note.text().startswith("✓ Saved. Redrawing the thumbnails with “Bees, up")
    saved = library.publishing(rendered_project)
    assert (saved.title, saved.source) == ("Bees, up close", "creator")
    assert pictures(library, rendered_project)["title"] != before["title"]
    assert selected(library, rendered_project) == ["title"] and not panel.has_unsaved_edits()

    panel.title.clear()  # a refused edit is not saved, and nothing is redrawn
    with qtbot.assertNotEmitted(window.jobs.jobStarted):
        qtbot.mouseClick(panel.redraw_button, Qt.MouseButton.LeftButton)
    assert "needs a title" in panel.note.text()


def test_a_failed_redraw_is_told_in_the_note(
    qtbot: Any, window: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    library.home.abs(library.renders(rendered_project)[0].file_path).unlink()
    with qtbot.waitSignal(window.jobs.jobFinished, timeout=20_000):
        qtbot.mouseClick(panel.redraw_button, Qt.MouseButton.LeftButton)
    assert "video is missing" in panel.note.text() and "d64545" in panel.note.styleSheet()
    assert panel.redraw_button.isEnabled() and panel.choices["title"].isChecked()


def test_a_project_without_renders_explains_where_thumbnails_come_from(
    qtbot: Any, window: Any, library: Any
) -> None:
    project = make_project(library, "Unrendered")
    window.workspace.set_current_project(project.id)
    publish = window.render_panel.publish
    window.render_panel.findChild(QTabWidget, "renderTabs").setCurrentWidget(publish)
    assert publish.choices == {}
    assert (
        publish.no_choices.isVisibleTo(publish) and "Render the video" in publish.no_choices.text()
    )
    assert publish.title.text() == "Unrendered" and "not saved" in publish.source.text()
    assert not publish.redraw_button.isEnabled() and "Render the video first" in (
        publish.redraw_button.toolTip()
    )


def stock_picture(library: Any, scene: Any, title: str, author: str) -> None:
    """Make a downloaded-looking picture the scene's visual, with its stock credit."""
    folder = library.home.project_dir(scene.project_id, create=True) / "visuals" / title
    folder.mkdir(parents=True, exist_ok=True)
    path = write_picture(folder / "p.png", (64, 36))
    credit = Credit("openverse", title=title, author=author, source_url=f"https://x/{title}",
                    licence="CC BY 4.0")  # fmt: skip
    library.select_clip(scene, path, kind="image", source="stock", credit=credit.to_json())


def test_the_credits_publishing_adds_are_shown_under_the_description(
    qtbot: Any, window: Any, panel: Any, library: Any, rendered_project: Any
) -> None:
    assert not panel.credits.isVisibleTo(panel)  # no stock visual yet: nothing is added
    first, second = library.scenes(rendered_project)[:2]
    stock_picture(library, first, "Hive", "Ann Lee")
    window.workspace.notify_scene(rendered_project.id, first.id)
    assert panel.credits.isVisibleTo(panel)
    assert '"Hive" by Ann Lee (CC BY 4.0), https://x/Hive' in panel.credits.text()

    stock_picture(library, second, "Comb", "Bo Chen")
    window.workspace.notify_scene(rendered_project.id, second.id)
    shown = panel.credits.text()
    block = credits_block(project_credits(library, rendered_project))
    assert shown.endswith(block) and block.startswith(CREDITS_HEADING)
    assert with_credits(panel.description.toPlainText(), project_credits(library, rendered_project)
                        ).endswith(shown.split("\n", 1)[1])  # fmt: skip
    assert "Bo Chen" in shown and "Footage" not in panel.description.toPlainText()
    assert not panel.has_unsaved_edits()  # shown beside the form, never in it
