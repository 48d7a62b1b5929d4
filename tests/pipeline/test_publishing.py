"""Publishing: thumbnail variants, title/description/tags, the JSON beside the video, the CLI.

Real SQLite, real FFmpeg on small generated videos, and the real ``groq`` SDK against the fake
server on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import peewee
import pytest
from PIL import Image

from studio import __version__
from studio.cli import main
from studio.errors import InputError, ServiceError
from studio.media import thumbnails as pictures
from studio.media.ffmpeg import ffmpeg_exe
from studio.pipeline import publishing
from studio.pipeline.jobs import JobContext, NullReporter, run_job
from studio.pipeline.request import RunRequest
from studio.progress import CancelToken
from studio.store import Library
from studio.store.models import Project, RenderedVideo, Thumbnail
from studio.store.settings_registry import GROQ_BASE_URL as SETTING_GROQ_BASE_URL
from tests.factories import make_project
from tests.fakes.groq_server import (
    FakeGroq,
    invalid_json,
    rate_limited,
    reply,
    unauthorized,
)

KEY = "gsk_TESTKEY0do0not0leak0c0ffee0123456789"
SCENES = (
    "Honeybees build their comb from wax. The comb holds honey and young bees.",
    "A forager dances to tell her sisters where the flowers are.",
    "Honey is nectar that the bees have dried with their wings.",
)
GOOD_METADATA = json.dumps(
    {
        "title": "How Honeybees Make Honey",
        "description": "Follow the nectar from flower to comb.",
        "tags": ["Honeybees", "honey", "bees", "honey"],
    }
)


@pytest.fixture(scope="module")
def grey_then_colour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s 640x360 video: 3 s of flat grey, then 3 s of colour bars (a keyframe a second)."""
    out = tmp_path_factory.mktemp("video") / "source.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "color=c=0x808080:s=640x360:r=30:d=3",
         "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=3",
         "-filter_complex", "[0:v][1:v]concat=n=2:v=1:a=0,format=yuv420p[v]", "-map", "[v]",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", str(out)],
        check=True,
    )  # fmt: skip
    return out


#: The publishing tests' project: SCENES, each searched with two keywords.
honey_project = partial(
    make_project, name="How bees make honey", texts=SCENES, keywords=("bees", "honeycomb")
)


def record_video(library: Library, project: Project, source: Path) -> RenderedVideo:
    """``source`` copied into the project's renders as a finished render with captions."""
    folder = library.home.project_dir(project.id, create=True) / "renders"
    count = len(library.renders(project))
    video = folder / f"bees-{count}.mp4"
    shutil.copyfile(source, video)
    srt = video.with_suffix(".srt")
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\nHoneybees\n", encoding="utf-8")
    single = video.with_suffix(".jpg")
    Image.new("RGB", (64, 36), "black").save(single)
    render = library.record_render(
        project,
        file_path=video,
        duration=6.0,
        thumbnail=single,
        srt=srt,
        settings={"aspect": "16:9", "resolution": "720p"},
        job=None,
    )
    library.set_render_chapters(
        render, publishing.chapters_for(library.scenes(project), [2.0, 2.0, 2.0])
    )
    return library.renders(project)[0]


@pytest.fixture
def rendered(library: Library, grey_then_colour: Path) -> tuple[Project, RenderedVideo]:
    project = honey_project(library)
    return project, record_video(library, project, grey_then_colour)


@pytest.fixture
def fake() -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        yield server


def no_wait(_seconds: float) -> None:
    pass


# --- pictures ------------------------------------------------------------------------------


def test_thumbnail_size_is_1280x720_for_landscape_and_keeps_other_aspects() -> None:
    assert pictures.thumbnail_size(1920, 1080) == (1280, 720)
    assert pictures.thumbnail_size(1280, 720) == (1280, 720)
    assert pictures.thumbnail_size(1080, 1920) == (720, 1280)
    assert pictures.thumbnail_size(1080, 1080) == (720, 720)


def test_frames_are_sampled_in_one_call_and_ranked_by_colourfulness(
    grey_then_colour: Path,
) -> None:
    frames = pictures.sample_frames(grey_then_colour, [1.0, 4.0, 2.5, 5.5], (1280, 720))
    assert [frame.size for frame in frames] == [(1280, 720)] * 4
    scores = [pictures.colourfulness(frame) for frame in frames]
    assert scores[0] < 2 and scores[2] < 2, "flat grey has no colour"
    assert scores[1] > 50 and scores[3] > 50, "colour bars are vivid"
    assert pictures.most_colourful(frames) in (1, 3)


# --- thumbnail variants --------------------------------------------------------------------


def test_every_variant_is_a_jpeg_beside_the_video_and_the_first_is_selected(
    library: Library, rendered: tuple[Project, RenderedVideo]
) -> None:
    project, render = rendered
    rows = publishing.make_thumbnail_variants(library, project, render)
    assert [row.variant for row in rows] == list(publishing.VARIANTS)
    assert [row.is_selected for row in library.thumbnails(render)] == [True, False, False]
    video = library.home.abs(render.file_path)
    for row in rows:
        assert not row.image_path.startswith("/"), "stored relative to the home"
        path = library.home.abs(row.image_path)
        assert path.parent == video.parent and path.name.startswith(video.stem)
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.size == (1280, 720)
    with Image.open(library.home.abs(rows[1].image_path)) as vivid:
        assert pictures.colourfulness(vivid) > 50, "the colour bars, not the grey"
    title = library.home.abs(rows[0].image_path)
    assert library.renders(project)[0].thumbnail_path == rows[0].image_path
    assert library.refresh(project).thumbnail_path == rows[0].image_path
    assert title.stat().st_size > 10_000


def test_selecting_a_variant_moves_the_selection_and_the_thumbnails(
    library: Library, rendered: tuple[Project, RenderedVideo], grey_then_colour: Path
) -> None:
    project, first = rendered
    publishing.make_thumbnail_variants(library, project, first)
    vivid = next(t for t in library.thumbnails(first) if t.variant == "vivid")
    chosen = library.select_thumbnail(vivid)
    assert chosen.is_selected
    assert [t.variant for t in library.thumbnails(first) if t.is_selected] == ["vivid"]
    assert library.refresh(project).thumbnail_path == vivid.image_path
    newer = record_video(library, project, grey_then_colour)
    publishing.make_thumbnail_variants(library, project, newer)
    frame = next(t for t in library.thumbnails(first) if t.variant == "frame-title")
    library.select_thumbnail(frame)  # an older render: the project keeps its video's thumbnail
    assert library.renders(project)[1].thumbnail_path == frame.image_path
    assert library.refresh(project).thumbnail_path != frame.image_path
    with pytest.raises(peewee.IntegrityError):  # the database itself allows one selected
        Thumbnail.update(is_selected=True).where(Thumbnail.render == first.id).execute()


def test_a_failure_to_make_variants_keeps_the_render_and_its_single_thumbnail(
    library: Library, rendered: tuple[Project, RenderedVideo], caplog: pytest.LogCaptureFixture
) -> None:
    project, render = rendered
    library.home.abs(render.file_path).write_bytes(b"not a video at all")
    messages: list[str] = []

    class Reporter(NullReporter):
        def message(self, text: str) -> None:
            messages.append(text)

    job = library.start_job(project, "render")
    ctx = JobContext(library, job, Reporter(), CancelToken())
    with caplog.at_level(logging.WARNING):
        publishing.publish_render(library, project, render, library.scenes(project), [2.0] * 3, ctx)
    assert library.thumbnails(render) == []
    assert library.renders(project)[0].thumbnail_path == render.thumbnail_path
    assert "no thumbnail variants" in caplog.text
    assert messages and "video is fine" in messages[0]
    sidecar = library.home.abs(render.file_path).with_suffix(".json")
    assert render.thumbnail_path is not None
    assert json.loads(sidecar.read_text())["thumbnail"] == Path(render.thumbnail_path).name


def test_redrawing_shows_the_new_title_and_keeps_the_creators_choice(
    library: Library, rendered: tuple[Project, RenderedVideo]
) -> None:
    project, render = rendered
    publishing.make_thumbnail_variants(library, project, render)
    publishing.choose_thumbnail(library, project, "vivid")
    before = {
        t.variant: library.home.abs(t.image_path).read_bytes() for t in library.thumbnails(render)
    }
    publishing.save_metadata(library, project, title="Honey, start to finish")
    redrawn = publishing.redraw_thumbnails(library, project)
    assert redrawn.title == "Honey, start to finish"
    rows = library.thumbnails(render)
    assert rows == redrawn.thumbnails and [t.variant for t in rows] == list(publishing.VARIANTS)
    assert [t.variant for t in rows if t.is_selected] == ["vivid"]
    after = {t.variant: library.home.abs(t.image_path).read_bytes() for t in rows}
    assert after["title"] != before["title"] and after["frame-title"] != before["frame-title"]
    vivid = next(t for t in rows if t.variant == "vivid")
    assert library.refresh(project).thumbnail_path == vivid.image_path
    sidecar = json.loads(library.home.abs(render.file_path).with_suffix(".json").read_text())
    assert sidecar["title"] == "Honey, start to finish"
    assert sidecar["thumbnail"] == Path(vivid.image_path).name


def test_redrawing_without_a_render_says_to_render_first(library: Library) -> None:
    with pytest.raises(InputError, match="no render yet"):
        publishing.redraw_thumbnails(library, honey_project(library))


# --- metadata ------------------------------------------------------------------------------


def test_metadata_derived_from_the_script(library: Library) -> None:
    project = honey_project(library)
    derived = publishing.derive_metadata(project.name, library.scenes(project))
    assert derived.title == "How bees make honey"
    assert derived.description.startswith("Honeybees build their comb from wax.")
    assert len(derived.description) < publishing.DESCRIPTION_GOAL + 120
    assert {"bees", "honeycomb", "honey"} <= set(derived.tags)
    assert "the" not in derived.tags and "their" not in derived.tags
    placeholder = publishing.derive_metadata("Untitled", library.scenes(project))
    assert placeholder.title == "Honeybees build their comb from wax"


def test_the_creator_edits_metadata_within_the_limits(library: Library) -> None:
    project = honey_project(library)
    row = publishing.save_metadata(
        library, project, title="  Bees,   honey ", tags=["Bees", "bees", " #hive ", ""]
    )
    assert (row.title, row.tags, row.source) == ("Bees, honey", ["Bees", "hive"], "creator")
    assert row.description.startswith("Honeybees"), "fields not given keep their value"
    for bad in ("", "x" * 101, "<b>Bees</b>"):
        with pytest.raises(InputError):
            library.set_publishing(project, title=bad)
    with pytest.raises(InputError, match="5,000"):
        library.set_publishing(project, description="word " * 1001)
    with pytest.raises(InputError, match="500"):
        library.set_publishing(project, tags=[f"tag number {n}" for n in range(60)])
    saved = library.publishing(project)
    assert saved is not None and saved.title == "Bees, honey"


def test_derived_metadata_follows_the_script_until_someone_writes_it(library: Library) -> None:
    project = honey_project(library)
    assert publishing.ensure_metadata(library, project).source == "script"
    first = library.scenes(project)[0]
    library.update_scene(first, text="Wasps are not bees. They hunt other insects.")
    assert publishing.ensure_metadata(library, project).description.startswith("Wasps")
    publishing.save_metadata(library, project, description="My own words.")
    library.update_scene(first, text="Ants farm aphids.")
    kept = publishing.ensure_metadata(library, project)
    assert (kept.description, kept.source) == ("My own words.", "creator")


def groq(library: Library, key: str | None) -> RunRequest:
    """The run request the CLI or the window would build, with ``key`` as the saved key."""
    return RunRequest.from_library(library, groq_key=key)


def test_groq_writes_the_metadata_and_its_call_is_recorded(
    library: Library, fake: FakeGroq, rendered: tuple[Project, RenderedVideo]
) -> None:
    project, render = rendered
    library.set_setting(SETTING_GROQ_BASE_URL, fake.base_url)
    fake.enqueue(reply(GOOD_METADATA))
    written = publishing.write_metadata(library, project, groq(library, KEY), sleep=no_wait)
    assert written.by_ai and written.metadata.source == "groq"
    assert written.metadata.title == "How Honeybees Make Honey"
    assert written.metadata.tags == ["honeybees", "honey", "bees"]
    prompt = fake.requests[0].messages[1]["content"]
    assert "forager dances" in prompt and project.name in prompt
    calls = library.llm_calls(project)
    assert [call.purpose for call in calls] == ["metadata"] and calls[0].total_tokens > 0
    sidecar = json.loads(library.home.abs(render.file_path).with_suffix(".json").read_text())
    assert sidecar["title"] == "How Honeybees Make Honey"


def test_groq_refusing_the_key_leaves_the_metadata_and_says_what_to_do(
    library: Library, fake: FakeGroq
) -> None:
    project = honey_project(library)
    before = publishing.ensure_metadata(library, project)
    library.set_setting(SETTING_GROQ_BASE_URL, fake.base_url)
    fake.enqueue(unauthorized(echo_key=True))
    with pytest.raises(ServiceError) as caught:
        publishing.write_metadata(library, project, groq(library, KEY), sleep=no_wait)
    assert "rejected the API key" in caught.value.message and "Settings" in caught.value.message
    assert KEY not in caught.value.message
    after = library.publishing(project)
    assert after is not None and (after.title, after.source) == (before.title, "script")


def test_groq_replying_badly_twice_is_a_clear_error_and_both_calls_are_counted(
    library: Library, fake: FakeGroq
) -> None:
    project = honey_project(library)
    library.set_setting(SETTING_GROQ_BASE_URL, fake.base_url)
    fake.enqueue(invalid_json(), reply(json.dumps({"title": "", "tags": "bees"})))
    with pytest.raises(ServiceError, match="not a usable title, description and tags"):
        publishing.write_metadata(library, project, groq(library, KEY), sleep=no_wait)
    assert "could not be used" in fake.requests[1].messages[-1]["content"], "one repair request"
    assert [call.purpose for call in library.llm_calls(project)] == ["metadata", "metadata"]


def test_groq_rate_limit_is_retried_then_a_repaired_reply_is_used(
    library: Library, fake: FakeGroq
) -> None:
    project = honey_project(library)
    library.set_setting(SETTING_GROQ_BASE_URL, fake.base_url)
    waits: list[float] = []
    fake.enqueue(rate_limited(retry_after=2), invalid_json(), reply(GOOD_METADATA))
    written = publishing.write_metadata(library, project, groq(library, KEY), sleep=waits.append)
    assert waits == [2.0] and len(fake.requests) == 3
    assert written.metadata.source == "groq"


def test_without_a_key_the_metadata_is_written_from_the_script(library: Library) -> None:
    project = honey_project(library)
    publishing.save_metadata(library, project, title="Mine")
    written = publishing.write_metadata(library, project, groq(library, None))
    assert not written.by_ai and "No Groq API key" in written.note
    assert (written.metadata.title, written.metadata.source) == (project.name, "script")
    assert library.llm_calls(project) == []


# --- the JSON beside the video -------------------------------------------------------------


def test_the_exported_json_describes_the_video_for_upload_tools(
    library: Library, rendered: tuple[Project, RenderedVideo], tmp_path: Path
) -> None:
    project, render = rendered
    publishing.make_thumbnail_variants(library, project, render)
    publishing.choose_thumbnail(library, project, "vivid")
    publishing.save_metadata(library, project, tags=["bees", "honey"])
    video = library.home.abs(render.file_path)
    beside = json.loads(video.with_suffix(".json").read_text(encoding="utf-8"))
    exported = publishing.export_publishing(library, project, tmp_path / "out.json")
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data == beside, "the file beside the video follows every edit"
    assert data["title"] == project.name and data["tags"] == ["bees", "honey"]
    assert data["metadata_written_by"] == "creator"
    assert (data["duration"], data["resolution"], data["aspect"]) == (6.0, "1280x720", "16:9")
    assert data["video"] == video.name and data["folder"] == str(video.parent)
    assert [c["start"] for c in data["chapters"]] == [0.0, 2.0, 4.0]
    assert [c["timestamp"] for c in data["chapters"]] == ["0:00", "0:02", "0:04"]
    assert (
        data["chapters"][1]["title"] == "A forager dances to tell her sisters where the flowers are"
    )
    assert data["thumbnail"] == f"{video.stem}-thumb-vivid.jpg"
    assert [t["selected"] for t in data["thumbnails"]] == [False, True, False]
    assert data["captions"] == video.with_suffix(".srt").name
    assert data["studio_version"] == __version__


def test_timestamps() -> None:
    assert [publishing.timestamp(s) for s in (0, 59.9, 65, 3723)] == [
        "0:00",
        "0:59",
        "1:05",
        "1:02:03",
    ]


@pytest.mark.slow
def test_a_real_render_offers_variants_and_writes_its_json(library: Library) -> None:
    from studio.pipeline import produce
    from studio.pipeline.script import script_from_text

    project = library.create_project("Bees", render_settings={"resolution": "720p"})
    with run_job(library, project, "script") as ctx:
        script_from_text(library, project, "\n\n".join(SCENES[:2]), ctx)
    result = produce.render_project(
        library, library.refresh(project), reporter=NullReporter(), install_sigint=False
    )
    render = library.renders(project)[0]
    assert [t.variant for t in library.thumbnails(render)] == list(publishing.VARIANTS)
    assert render.thumbnail_path is not None
    assert render.thumbnail_path.endswith("-thumb-title.jpg")
    data = json.loads(result.video_path.with_suffix(".json").read_text(encoding="utf-8"))
    scenes = library.scenes(project)
    assert len(data["chapters"]) == len(scenes) == 2
    assert data["chapters"][0]["start"] == 0.0
    assert data["chapters"][1]["start"] == pytest.approx(scenes[0].duration, abs=1 / 30)
    assert data["duration"] == pytest.approx(render.duration_seconds, abs=1e-3)
    assert data["title"] == "Bees" and data["metadata_written_by"] == "script"


@pytest.mark.slow
def test_thumbnail_frames_come_from_the_segments_and_only_a_changed_scene_is_decoded(
    library: Library,
) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline import produce
    from studio.pipeline.script import script_from_text

    project = library.create_project("Bees", render_settings={"resolution": "720p"})
    with run_job(library, project, "script") as ctx:
        script_from_text(library, project, "\n\n".join(SCENES[:3]), ctx)

    def render() -> RenderedVideo:
        produce.render_project(
            library, library.refresh(project), reporter=NullReporter(), install_sigint=False
        )
        return library.renders(project)[0]

    first = render()
    segdir = library.home.project_dir(project.id) / "segments"
    cached = {p.name: p.stat().st_mtime_ns for p in segdir.glob("frame-*.jpg")}
    assert cached  # the frames were read from the segments, and kept
    # The same frames as in the joined video: the variants match a fresh read of the video.
    video = library.home.abs(first.file_path)
    settings = RenderSettings.from_json(first.settings)
    size = pictures.thumbnail_size(settings.width, settings.height)
    from_video = pictures.sample_frames(
        video, publishing.sample_times(first, first.duration_seconds), size
    )
    vivid = Image.open(library.home.abs(library.thumbnails(first)[1].image_path))
    best = from_video[pictures.most_colourful(from_video)]
    assert _mean_difference(vivid, best) < 3

    scenes = library.scenes(project)
    library.update_scene(scenes[2], text="Bees also collect water on hot days.")
    render()
    after = {p.name: p.stat().st_mtime_ns for p in segdir.glob("frame-*.jpg")}
    kept = {name for name in cached if after.get(name) == cached[name]}
    assert kept and kept != set(cached)  # unchanged scenes' frames reused, the old one pruned
    assert set(after) - set(cached)  # the changed scene's frame is new


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    import numpy as np

    return float(np.abs(np.asarray(a.convert("RGB"), int) - np.asarray(b, int)).mean())


# --- the command line ----------------------------------------------------------------------


def cli(home: Path, *args: str) -> int:
    return main(["--home", str(home), *args])


def test_cli_lists_and_selects_thumbnails(
    home: Path,
    library: Library,
    rendered: tuple[Project, RenderedVideo],
    capsys: pytest.CaptureFixture[str],
) -> None:
    project, render = rendered
    assert cli(home, "thumbnails", project.name) == 0  # made on first use for an older render
    out = capsys.readouterr().out
    assert "* title" in out and "  vivid" in out and "frame-title" in out
    assert cli(home, "thumbnails", project.name, "--select", "vivid") == 0
    assert "Selected vivid" in capsys.readouterr().out
    assert [t.variant for t in library.thumbnails(render) if t.is_selected] == ["vivid"]
    assert cli(home, "thumbnails", project.name, "--select", "sparkly") == 2
    err = capsys.readouterr().err
    assert "sparkly" in err and "title, vivid, frame-title" in err and err.count("\n") == 1


def test_cli_thumbnails_of_a_project_never_rendered_exits_2(
    home: Path, library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    honey_project(library, name="Fresh")
    assert cli(home, "thumbnails", "Fresh") == 2
    err = capsys.readouterr().err
    assert "no render yet" in err and "studio render" in err
    assert cli(home, "thumbnails", "Nope") == 2


def test_cli_shows_edits_and_exports_metadata(
    home: Path,
    library: Library,
    rendered: tuple[Project, RenderedVideo],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project, _render = rendered
    assert cli(home, "metadata", project.name) == 0
    out = capsys.readouterr().out
    assert f"Title:        {project.name}" in out and "your script" in out
    assert cli(home, "metadata", project.name, "--title", "Bees!", "--tags", "bees, hive,") == 0
    out = capsys.readouterr().out
    assert "Title:        Bees!" in out and "Tags:         bees, hive" in out and "you" in out
    target = tmp_path / "bees.json"
    assert cli(home, "metadata", project.name, "--export", str(target)) == 0
    assert json.loads(target.read_text())["title"] == "Bees!"
    assert cli(home, "metadata", project.name, "--generate") == 0
    assert "No Groq API key" in capsys.readouterr().err
    saved = library.publishing(project)
    assert saved is not None and saved.source == "script"


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--title", ""], "needs a title"),
        (["--title", "x" * 120], "allow 100"),
        (["--generate", "--title", "Bees"], "can't be combined"),
        (["--export", "/no/such/folder/x.json"], "does not exist"),
    ],
)
def test_cli_metadata_bad_input_exits_2(
    home: Path,
    library: Library,
    rendered: tuple[Project, RenderedVideo],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    expected: str,
) -> None:
    project, _render = rendered
    assert cli(home, "metadata", project.name, *args) == 2
    err = capsys.readouterr().err
    assert expected in err and err.startswith("studio: ") and err.count("\n") == 1


def test_cli_generate_with_a_refused_key_exits_1_and_keeps_the_metadata(
    home: Path,
    library: Library,
    fake: FakeGroq,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = honey_project(library)
    library.set_setting(SETTING_GROQ_BASE_URL, fake.base_url)
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    fake.enqueue(unauthorized())
    assert cli(home, "metadata", project.name, "--generate") == 1
    err = capsys.readouterr().err
    assert "rejected the API key" in err and KEY not in err
    assert library.publishing(project) is None


def test_chapter_titles_are_first_sentences_cut_at_a_word() -> None:
    assert publishing.chapter_title("Bees dance. Then they fly.") == "Bees dance"
    long = "Honeybees " + "really " * 12 + "love flowers."
    title = publishing.chapter_title(long)
    assert len(title) <= publishing.CHAPTER_TITLE_CHARS and title.endswith("really…")
