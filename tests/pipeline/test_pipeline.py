"""The whole pipeline, for real: script → voice → visuals → render, recorded in the store."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from studio.cli import main
from studio.errors import Cancelled, InputError
from studio.media.probe import probe
from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter, run_job
from studio.pipeline.request import RunRequest
from studio.pipeline.script import script_from_topic
from studio.progress import CancelToken
from studio.store import Library
from studio.store.models import Project, RenderedVideo
from studio.store.settings_registry import KOKORO_DIR as SETTING_WEIGHTS_DIR
from tests.conftest import REPO
from tests.factories import make_project
from tests.fakes.groq_server import FakeGroq, valid_script

SCRIPT = (
    "Honeybees build their comb from wax.\n\n"
    "A forager dances to tell her sisters where the flowers are.\n\n"
    "Honey is nectar that the bees have dried with their wings."
)
FRAME = 1 / 30


#: The pipeline tests' project: SCRIPT split by the real script step, 16:9 with captions.
scripted_project = partial(make_project, script=SCRIPT, aspect="16:9", captions=True)


def render(
    library: Library, project: Project, cancel: CancelToken | None = None
) -> pipeline.ProduceResult:
    return pipeline.render_project(
        library, project, reporter=NullReporter(), cancel=cancel, install_sigint=False
    )


def segment_files(library: Library, project: Project) -> dict[str, int]:
    folder = library.home.project_dir(project.id) / "segments"
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.mp4")}


@pytest.mark.slow
def test_render_makes_a_probed_mp4_recorded_in_the_store(library: Library) -> None:
    project = scripted_project(library)
    result = render(library, project)
    scenes = library.scenes(project)
    assert len(scenes) == 3
    audio_total = 0.0
    for scene in scenes:
        assert scene.audio_file_path and scene.duration is not None, "every scene is voiced"
        wav = library.home.abs(scene.audio_file_path)
        assert scene.duration == pytest.approx(sf.info(wav).duration, abs=1e-3)
        assert scene.word_timings, "captions are timed from the voice's words"
        audio_total += scene.duration
    info = probe(result.video_path, exact=True)
    assert info.has_video and info.has_audio
    assert (info.width, info.height) == (1280, 720)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    assert abs(info.duration - audio_total) <= FRAME + 1e-3
    row = RenderedVideo.get_by_id(result.render.id)
    assert row.file_size_bytes == result.video_path.stat().st_size
    assert row.duration_seconds == pytest.approx(info.duration, abs=FRAME)
    assert row.thumbnail_path and row.srt_path
    assert library.home.abs(row.thumbnail_path).is_file()
    srt = library.home.abs(row.srt_path).read_text(encoding="utf-8")
    assert "forager" in srt and "-->" in srt
    refreshed = library.refresh(project)
    assert refreshed.video_path == row.file_path and refreshed.current_step == "export"
    assert library.jobs(project)[0].status == "completed"
    assert not row.file_path.startswith("/"), "paths in the store are relative to the home"


@pytest.mark.slow
def test_editing_one_scene_re_renders_exactly_one_segment(library: Library) -> None:
    project = scripted_project(library)
    render(library, project)
    before = segment_files(library, project)
    assert len(before) == 3
    first = library.renders(project)[0]
    again = render(library, project)  # nothing changed: the latest video is up to date
    assert again.render.id == first.id and len(library.renders(project)) == 1
    assert segment_files(library, project) == before
    middle = library.scenes(project)[1]
    library.update_scene(middle, text="A forager waggles to point her sisters at the clover.")
    render(library, project)
    after = segment_files(library, project)
    assert len(after) == 3
    assert len(set(after) - set(before)) == 1, "one new segment for the edited scene"
    kept = set(after) & set(before)
    assert len(kept) == 2 and all(after[name] == before[name] for name in kept)
    assert len(library.renders(project)) == 2


@pytest.mark.slow
def test_square_render_with_own_media_and_music(library: Library, tmp_path: Path) -> None:
    media = tmp_path / "my media"
    media.mkdir()
    Image.new("RGB", (900, 600), (200, 160, 40)).save(media / "honeybees comb.jpg")
    music = tmp_path / "music.wav"
    t = np.arange(48000 * 4) / 48000
    sf.write(music, 0.3 * np.sin(2 * np.pi * 220 * t), 48000)
    project = scripted_project(library, aspect="1:1", music_path=str(music))
    library.set_setting("media_folders", [str(media)])
    result = render(library, project)
    info = probe(result.video_path)
    assert (info.width, info.height) == (720, 720) and info.has_audio
    first = library.selection(library.scenes(project)[0])
    assert first is not None and first.source == "library"
    assert library.home.abs(first.asset_path).is_file()
    assert not first.asset_path.startswith("/"), "the chosen file was copied into the project"


def test_cancelled_render_leaves_previous_state_and_no_partial_file(library: Library) -> None:
    project = scripted_project(library)
    cancel = CancelToken()
    seen: list[str] = []

    class CancelOnRender(NullReporter):
        def progress(self, fraction: float, stage: str, eta: float | None) -> None:
            seen.append(stage)
            if stage.startswith("Rendering"):
                cancel.cancel()

    with pytest.raises(Cancelled):
        pipeline.render_project(
            library, project, reporter=CancelOnRender(), cancel=cancel, install_sigint=False
        )
    assert library.jobs(project)[0].status == "cancelled"
    renders = library.home.project_dir(project.id) / "renders"
    assert list(renders.iterdir()) == []
    assert library.renders(project) == []
    assert any(s.startswith("Voice") for s in seen)


def test_failed_job_is_recorded_and_changes_nothing(library: Library) -> None:
    project = scripted_project(library)
    scene = library.scenes(project)[0]
    library.select_clip(scene, library.home.root / "missing.png", kind="image", source="file")
    with pytest.raises(InputError):
        render(library, project)
    job = library.jobs(project)[0]
    assert job.status == "failed" and "missing.png" in (job.error_message or "")
    assert [s.text for s in library.scenes(project)] == [s.text for s in library.scenes(project)]
    assert library.renders(project) == []


def test_script_from_topic_through_fake_groq(library: Library) -> None:
    project = library.create_project("Topic", topic="How bees make honey", target_duration=30)
    with FakeGroq() as server:
        server.enqueue(valid_script(scenes=3))
        library.set_setting("groq_base_url", server.base_url)
        with run_job(library, project, "script") as ctx:
            script_from_topic(
                library, project, ctx, RunRequest.from_library(library, groq_key="gsk_test_key_123")
            )
    assert len(library.scenes(project)) == 3
    calls = library.llm_calls(project)
    assert len(calls) == 1 and calls[0].total_tokens > 0
    assert library.jobs(project)[0].status == "completed"


def test_script_from_topic_without_key_points_to_script(library: Library) -> None:
    project = library.create_project("No key", topic="Bees")
    # The window shows this too: no command-line flags (`studio produce` adds its own).
    fix = r"write the script yourself\.$"
    with pytest.raises(InputError, match=fix), run_job(library, project, "script") as ctx:
        script_from_topic(library, project, ctx, RunRequest.from_library(library, groq_key=None))
    assert library.scenes(project) == []


def test_cli_topic_without_key_exits_2(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(home), "produce", "--topic", "Bees"]) == 2
    err = capsys.readouterr().err
    assert "Groq API key" in err and "--script" in err and err.count("\n") == 1
    assert main(["--home", str(home), "projects"]) == 0
    assert "No projects yet" in capsys.readouterr().out  # nothing half-made was kept


@pytest.mark.slow
def test_cli_produce_sample_script_prints_mp4(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = REPO / "resources" / "sample_script.txt"
    code = main(
        [
            "--home",
            str(home),
            "produce",
            "--script",
            str(sample),
            "--resolution",
            "720p",
            "--aspect",
            "9:16",
            "--project",
            "Sample",
        ]
    )
    out = capsys.readouterr().out.strip()
    assert code == 0
    video = Path(out)
    assert video.is_file() and video.suffix == ".mp4"
    info = probe(video)
    assert (info.width, info.height) == (720, 1280) and info.duration > 20
    assert main(["--home", str(home), "projects"]) == 0
    listing = capsys.readouterr().out
    assert "Sample" in listing and "export" in listing


def test_kokoro_voice_through_the_pipeline(library: Library, tmp_path: Path) -> None:
    from tests.engines.test_engines import write_kokoro_files

    weights = write_kokoro_files(tmp_path / "kokoro")
    library.set_setting(SETTING_WEIGHTS_DIR, str(weights))
    project = scripted_project(library, script="Bees dance.")
    library.update_project(project, voice_id="af_heart")
    from studio.pipeline import voiceover

    with run_job(library, project, "voice") as ctx:
        voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=1)
    scene = library.scenes(project)[0]
    assert scene.duration and scene.duration > 0.2
    assert scene.audio_key and scene.audio_file_path
    assert library.home.abs(scene.audio_file_path).is_file()
    assert voiceover.choose_voice(library, library.refresh(project)).engine.name == "kokoro"


def test_the_runs_kokoro_folder_chooses_the_voice_not_the_library_setting(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Voices are chosen from ``RunRequest.kokoro_dir`` (built from the library's setting by
    ``from_library``): during a run the pipeline reads no setting of its own."""
    from studio.pipeline import voiceover
    from tests.engines.test_engines import write_kokoro_files

    monkeypatch.setenv("HF_HOME", str(tmp_path / "no-hf-cache"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    weights = write_kokoro_files(tmp_path / "kokoro")
    empty = tmp_path / "empty"
    empty.mkdir()
    library.set_setting(SETTING_WEIGHTS_DIR, str(weights))
    assert RunRequest.from_library(library, groq_key=None).kokoro_dir == weights
    library.set_setting(SETTING_WEIGHTS_DIR, str(empty))
    project = make_project(library, text="Bees dance.")
    library.update_project(project, voice_id="af_heart")
    project = library.refresh(project)

    with_weights = RunRequest(kokoro_dir=weights)
    with run_job(library, project, "voice") as ctx:
        voiceover.voice_project(library, project, ctx, start=0, end=1, request=with_weights)
    scene = library.scenes(project)[0]
    assert voiceover.choose_voice(library, project, scene, request=with_weights).voice == "af_heart"
    assert voiceover.voice_is_current(library, project, scene, with_weights)
    assert scene.audio_key == voiceover.audio_key(
        scene.sanitized_text or scene.text, "kokoro", "af_heart", project.voice_speed
    )
    library.set_setting(SETTING_WEIGHTS_DIR, str(weights))
    without = voiceover.choose_voice(library, project, scene, request=RunRequest(kokoro_dir=empty))
    assert without.is_draft


def test_unchanged_scenes_are_never_re_synthesised(library: Library) -> None:
    from studio.pipeline import voiceover

    project = scripted_project(library)
    with run_job(library, project, "voice") as ctx:
        assert voiceover.voice_project(library, project, ctx, start=0, end=1) == 3
    with run_job(library, project, "voice") as ctx:
        assert voiceover.voice_project(library, project, ctx, start=0, end=1) == 0
    library.update_scene(library.scenes(project)[2], text="Something else entirely.")
    with run_job(library, project, "voice") as ctx:
        assert voiceover.voice_project(library, project, ctx, start=0, end=1) == 1


def test_two_threads_render_and_edit_concurrently(library: Library) -> None:
    """A worker thread voices scenes while the 'GUI' thread edits: both commit."""
    from studio.pipeline import voiceover

    project = scripted_project(library)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with run_job(library, project, "voice") as ctx:
                voiceover.voice_project(library, project, ctx, start=0, end=1)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            library.close_thread_connection()

    thread = threading.Thread(target=worker)
    thread.start()
    for i in range(30):
        library.rename_project(project, f"Bees {i}")
    thread.join()
    assert errors == []
    assert library.refresh(project).name == "Bees 29"
