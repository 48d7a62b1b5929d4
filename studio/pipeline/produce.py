"""The whole pipeline, as the CLI and the GUI run it: script → voice → visuals → render."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from studio.errors import InputError
from studio.inputfiles import check_regular_file
from studio.languages import check_language
from studio.locks import render_lock
from studio.media.settings import RenderSettings
from studio.pipeline import render as render_stage
from studio.pipeline import script as script_stage
from studio.pipeline import voiceover
from studio.pipeline.drafts import has_cjk
from studio.pipeline.jobs import JobContext, Reporter, run_job
from studio.pipeline.request import RunRequest
from studio.pipeline.templates import Template, create_project, get_template
from studio.pipeline.visuals import slide_title
from studio.progress import CancelToken, StagePlan, install_sigint_as_cancel
from studio.stock.download import keep_for_resume
from studio.store import Library
from studio.store.models import Project, RenderedVideo
from studio.text import one_line
from studio.transition_kinds import DEFAULT_DURATION

log = logging.getLogger(__name__)

# Each stage's share of the progress bar is its expected seconds (``progress.StagePlan``),
# from these costs, measured with ``bench/stage_costs.py`` on the demo script (6 scenes, 32.8 s
# of video, draft voice, 2 cores shared with other work; 1080p: visuals 1.7 s, the render 10.3 s).
# 720p was measured again with ``tests/pipeline/test_progress_eta.py`` (10 scenes, 61.5 s of
# video, 2 shared cores; 20 runs: visuals 1.0-1.1 s, or 3 s while other work ran; the render
# 8.5 s with the cores to itself, 13-18 s while they were busy): with the demo's 0.15 and 0.19
# the visuals took 13 % of the bar for 7 % of the time. The voice's costs live in ``voiceover``.
# 1440p and 2160p are 1080p's scaled by ``bench/resolution_bench.py``'s render ratios (1.6x and
# 3.1x the 1080p render, same run) and, for visuals, by the pixel count.
#: Seconds to make one scene's visual, by resolution.
VISUALS_SECONDS_PER_SCENE = {"720p": 0.10, "1080p": 0.28, "1440p": 0.50, "2160p": 1.12}
#: Seconds to encode one second of video (segments, sound and join), by resolution.
RENDER_SECONDS_PER_VIDEO_SECOND = {"720p": 0.21, "1080p": 0.31, "1440p": 0.51, "2160p": 0.96}
#: Seconds to search and download one scene's stock footage (not measured here: it depends on
#: the network and the library; a 5 MB clip at 20 Mbit/s is about 2 s, plus the search).
STOCK_SECONDS_PER_SCENE = 3.0
#: Seconds Groq takes to write a script from a topic (the request's usual wait; not measured
#: here: it depends on the network).
TOPIC_SCRIPT_SECONDS = 8.0


@dataclass(frozen=True)
class ProduceRequest:
    """``studio produce``'s choices, built by the CLI (the pipeline never sees its arguments).

    Attributes:
        run: the outside inputs (Groq key and model, every media folder to index).
        topic: a topic for Groq to write about, or None.
        script: the creator's script file (or a music video's captions), or None.
        template: the template's name (None: the default).
        duration: the target length in seconds (None: the script's own, or 60 s for a topic).
        media: the folders named for this video alone (checked to exist before anything).
        transition, transition_duration: how scenes pass to the next, and how long it takes
            (the project's default; ``studio.transition_kinds``).
        template_options: the template's own options given (background, chat style, ...).
    """

    run: RunRequest
    topic: str | None = None
    script: Path | None = None
    template: str | None = None
    duration: float | None = None
    voice: str | None = None
    #: The script's language (a ``studio.languages`` code or alias; None: American English).
    language: str | None = None
    speed: float = 1.0
    aspect: str = "16:9"
    resolution: str = "1080p"
    music: Path | None = None
    captions: bool = True
    caption_style: str = "clean"
    #: Changes to the caption style's look (``CaptionLook`` fields), checked with the settings.
    caption: Mapping[str, Any] = field(default_factory=dict)
    transition: str = "cut"
    transition_duration: float = DEFAULT_DURATION
    project_name: str | None = None
    media: tuple[Path, ...] = ()
    template_options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProduceResult:
    project: Project
    render: RenderedVideo
    video_path: Path


class ConsoleReporter:
    """Progress on a terminal: one updating line on a TTY, a line per stage otherwise."""

    def __init__(self, stream: IO[str] = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self._last_stage = ""

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        eta = f", about {eta_seconds:.0f} s left" if eta_seconds is not None else ""
        line = f"[{fraction * 100:5.1f}%] {stage}{eta}"
        if self.tty:
            self.stream.write("\r" + line.ljust(78)[:78])
            self.stream.flush()
        elif (
            stage.split(":")[0] != self._last_stage.split(":")[0]
            or stage != self._last_stage
            and stage.endswith("done")
        ):
            self.stream.write(line + "\n")
        self._last_stage = stage

    def message(self, text: str) -> None:
        """One line (names and paths in ``text`` are shown escaped, never acted on)."""
        if self.tty:
            self.stream.write("\n")
        self.stream.write(one_line(text) + "\n")


def _render_settings(request: ProduceRequest) -> RenderSettings:
    music = request.music
    if music is not None:
        check_regular_file(music, what="music file")  # a FIFO would block FFmpeg forever
    return RenderSettings(
        aspect=request.aspect,
        resolution=request.resolution,
        captions=request.captions,
        caption_style=request.caption_style,
        caption=dict(request.caption),
        transition=request.transition,
        transition_duration=request.transition_duration,
        music_path=Path(music).resolve() if music else None,
    )


def _project_name(request: ProduceRequest, text: str | None, template: Template) -> str:
    if request.project_name:
        return request.project_name
    if request.topic:
        return " ".join(request.topic.split()[:8])[:80] or "Untitled"
    named = template.project_name(text) if text else None
    if named:
        return named
    first_line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    words = first_line.lstrip("#>*- \t").split()
    if has_cjk(first_line):  # no spaces to count words by: its first sentence, trimmed
        return slide_title(first_line.lstrip("#>*- \t"))
    if words:
        return " ".join(words[:6]) + ("…" if len(words) > 6 else "")
    return Path(request.script or request.music or "Untitled").stem


@dataclass(frozen=True)
class CheckedRequest:
    """What ``check_request`` found: the request's values, cleaned, ready to make a project."""

    language: str
    template: Template
    settings: RenderSettings
    text: str | None


def check_cluster(run: RunRequest | None) -> None:
    """With a cluster asked for, reach its scheduler now: a wrong address or a missing extra
    is one line before anything is made, not a failure at the first scene's voice.

    Raises:
        InputError: the extra isn't installed, or nobody answers at the address.
    """
    if run is not None and run.cluster:
        from studio.cluster.connection import connect

        connect(run.cluster)


def check_request(library: Library, request: ProduceRequest) -> CheckedRequest:
    """Every check ``produce`` makes before anything is made (``studio batch`` checks all its
    rows with it before the first video starts).

    Raises:
        InputError: the first thing wrong, in one line with the fix.
    """
    from studio.pipeline.splitter import parse_script_file

    if not 0.5 <= request.speed <= 2.0:
        raise InputError(f"--speed must be between 0.5 and 2.0 (got {request.speed})")
    language = check_language(request.language)
    template = get_template(request.template)
    _check_source(template, request)
    settings = _render_settings(request)
    voiceover.check_voice(request.voice, library, kokoro_dir=request.run.kokoro_dir)
    if request.music is not None:
        from studio.media.soundtrack import check_music

        check_music(Path(request.music))
    text = parse_script_file(request.script) if request.script else None
    if request.topic is not None:
        from studio.pipeline.groq_script import check_topic

        check_topic(request.topic)
        if not request.run.groq_key:  # the script stage says this too, in the window's words
            raise InputError(
                "Writing a script from a topic needs a Groq API key, and none is set",
                fix="Add one in Settings or set GROQ_API_KEY, or write the script yourself and "
                "give --script FILE",
            )
    if request.run.stock:
        from studio.pipeline.stock_sourcing import check_libraries

        check_libraries(request.run.stock)  # InputError naming the known libraries
    for folder in request.media:
        if not Path(folder).is_dir():
            raise InputError(
                "The media folder does not exist",
                where=str(folder),
                fix="Give --media a folder of images or videos",
            )
    return CheckedRequest(language, template, settings, text)


def produce(
    library: Library,
    request: ProduceRequest,
    *,
    reporter: Reporter,
    cancel: CancelToken | None = None,
    on_project: Callable[[Project], None] | None = None,
) -> ProduceResult:
    """``studio produce``: validate everything first, then run all stages into a new project.

    ``on_project`` is told the new project as soon as it exists (a batch records it, so a
    crash after this point is resumed in that project rather than started again).
    """
    cancel = cancel or CancelToken()
    install_sigint_as_cancel(cancel)
    checked = check_request(library, request)
    check_cluster(request.run)
    template, text = checked.template, checked.text
    project = create_project(
        library,
        _project_name(request, text, template),
        template=template.name,
        options=dict(request.template_options),
        settings=checked.settings,
        topic=request.topic or "",
        target_duration=request.duration
        if request.duration is not None
        else (script_stage.DEFAULT_TOPIC_SECONDS if request.topic else None),
        voice_id=request.voice,
        voice_speed=request.speed,
        language=checked.language,
    )
    if on_project is not None:
        on_project(project)
    try:
        with (
            render_lock(library.home, project.id, project.name),
            run_job(library, project, "produce", reporter=reporter, cancel=cancel) as ctx,
        ):
            if text is not None or not template.needs_script:
                template.script_from_text(library, project, text or "", ctx)
            else:
                script_stage.script_from_topic(library, project, ctx, request.run)
            render = _voice_visuals_render(library, project, ctx, request.run)
    except InputError:
        if not library.scenes(project):
            library.delete_project(project)  # nothing worth keeping was made
        raise
    return ProduceResult(library.refresh(project), render, library.home.abs(render.file_path))


def _check_source(template: Template, request: ProduceRequest) -> None:
    """The template gets the script (or song) it needs, before anything is made."""
    if template.needs_script and not (request.topic or request.script):
        raise InputError(
            f"The {template.label.lower()} template needs a script",
            fix="Give --script FILE (your text) or --topic TEXT (written with AI)",
        )
    if request.topic and not template.writes_from_topic:
        raise InputError(
            f"The {template.label.lower()} template can't be written from a topic yet",
            fix="Write it yourself and give --script FILE"
            + (f" ({template.script_format})" if template.script_format else ""),
        )
    if template.needs_song and request.music is None:
        raise InputError("A music video needs a song", fix="Give --music FILE")


def check_narration(library: Library, project: Project) -> None:
    """Refuse to render a narrated project with a scene that has nothing to say, naming it.

    The editor saves an emptied scene as empty (what the creator sees is what is saved); the
    video must never speak a placeholder instead, so the render stops before anything runs.
    Templates whose scenes are not spoken (the music video) are not asked.
    """
    if not get_template(project.template).narrated:
        return
    for scene in library.scenes(project):
        if not scene.text.strip():
            raise InputError(
                f"Scene {scene.scene_number} has no narration",
                fix="Type what the voice should say, or delete the scene",
            )


def sweep_partial_files(library: Library, project: Project, job_id: str) -> int:
    """Remove temp files a killed job left behind (only when no other job of it is running).

    A stock download's part file stays while it is recent (``keep_for_resume``): the next
    download of that file asks only for the rest.
    """
    others = [j for j in library.jobs(project) if j.status == "running" and j.id != job_id]
    if others:
        return 0
    removed = 0
    folder = library.home.project_dir(project.id)
    for path in folder.rglob("*"):  # links to folders aren't followed; unreadable ones skipped
        if keep_for_resume(path):
            continue
        if path.is_file() and (path.name.startswith(".") or ".partial" in path.name):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:  # a leftover we may not delete is harmless: keep going
                log.info("could not remove the leftover %s: %s", path, exc)
                continue
            removed += 1
    return removed


def _voice_visuals_render(
    library: Library, project: Project, ctx: JobContext, request: RunRequest
) -> RenderedVideo:
    project = library.refresh(project)
    check_narration(library, project)
    sweep_partial_files(library, project, ctx.job.id)
    settings = render_stage.settings_for(project)
    template = get_template(project.template)
    plan = StagePlan(_stage_costs(library, project, template, settings, request))
    if _overlaps(template, request):
        _visuals(library, project, template, settings, ctx, plan, request)
        _voice_encoding_ahead(library, project, template, settings, ctx, plan, request)
    else:
        _voice(library, project, template, ctx, plan, request)
        _visuals(library, project, template, settings, ctx, plan, request)
    project = library.refresh(project)
    render_cost = _render_seconds(library, project, settings)  # the voices' true lengths now
    start, end = ctx.begin(plan, "render", cost=render_cost)
    return render_stage.render_project_video(
        library, project, ctx, start=start, end=end, request=request
    )


#: Encode each scene's segment while the next scenes are voiced (``studio.pipeline.overlap``).
#: Off until it is shown to win: ``bench/kokoro_memory.py`` (60 s of video, 1080p, random
#: Kokoro model, 2 cores shared with other work) gave sequential 54.9 s / overlapped 88.1 s, then
#: 93.8 s / 53.3 s (load 1.6-3.5): the other work decided. The Studio process's peak was
#: 1,281-1,596 MB overlapped against 1,268-1,321 MB sequential (the render's own memory beside
#: the model's).
OVERLAP_VOICE_AND_RENDER = False
#: Free the voice engines' memory (Kokoro's model: ~1 GB) before the render stage.
RELEASE_VOICES_BEFORE_RENDER = True


def _overlaps(template: Template, request: RunRequest) -> bool:
    """Whether segments are encoded during the voice stage. The visuals then come first, so
    only when they don't depend on the voices' lengths (stock footage is chosen to last as
    long as its scene's voice)."""
    return OVERLAP_VOICE_AND_RENDER and template.narrated and not request.stock


#: Voice stages running now in this process (a batch voices several projects at once), and
#: the lock that counts them: the engines are released when the last one ends.
_voice_stages = 0
_voice_stages_lock = threading.Lock()


@contextlib.contextmanager
def engines_released_after() -> Iterator[None]:
    """Release the voice engines when the voice stage ends, however it ends: the render
    after it needs none of their memory (``RELEASE_VOICES_BEFORE_RENDER``). While another
    project's voice stage runs (a batch's other row) they are kept: releasing Kokoro under it
    would only make it load the model again."""
    global _voice_stages
    with _voice_stages_lock:
        _voice_stages += 1
    try:
        yield
    finally:
        with _voice_stages_lock:  # a stage starting now waits for the release, then reloads
            _voice_stages -= 1
            if RELEASE_VOICES_BEFORE_RENDER and _voice_stages == 0:
                voiceover.release_engines()


def _voice(
    library: Library,
    project: Project,
    template: Template,
    ctx: JobContext,
    plan: StagePlan,
    request: RunRequest,
) -> None:
    start, end = ctx.begin(plan, "voice")
    with engines_released_after():
        template.voice(library, project, ctx, start=start, end=end, request=request)


def _voice_encoding_ahead(
    library: Library,
    project: Project,
    template: Template,
    settings: RenderSettings,
    ctx: JobContext,
    plan: StagePlan,
    request: RunRequest,
) -> None:
    """The voice stage with each scene's segment encoded as soon as it is known."""
    from studio.media.encoders import resolve as resolve_encoder
    from studio.pipeline.overlap import SegmentsAhead

    # the encoder the render stage will choose, so the segments made ahead are its own
    encoder = resolve_encoder(request.encoder, library.home.cache_dir)
    ahead = SegmentsAhead(
        library, library.refresh(project), replace(settings, encoder=encoder), ctx.cancel
    )
    start, end = ctx.begin(plan, "voice")
    with engines_released_after():
        try:
            template.voice(
                library, project, ctx, start=start, end=end, request=request,
                on_voiced=ahead.scene_voiced,
            )  # fmt: skip
        except BaseException:
            ahead.abandon()
            raise
    ahead.finish()
    ctx.check()


def _visuals(
    library: Library,
    project: Project,
    template: Template,
    settings: RenderSettings,
    ctx: JobContext,
    plan: StagePlan,
    request: RunRequest,
) -> None:
    start, end = ctx.begin(plan, "visuals")
    template.visuals(
        library,
        project,
        settings,
        ctx,
        start=start,
        end=end,
        media_folders=request.media_folders,
        stock=request.stock,
    )


def _stage_costs(
    library: Library,
    project: Project,
    template: Template,
    settings: RenderSettings,
    request: RunRequest,
) -> dict[str, float]:
    """The expected seconds of voice, visuals and render (the progress bar's weights)."""
    voice = (
        voiceover.voicing_seconds(
            library, project, is_current=template.voice_is_current, request=request
        )
        if template.narrated
        else 0.0
    )
    scenes = len(library.scenes(project))
    visuals = scenes * VISUALS_SECONDS_PER_SCENE.get(settings.resolution, 0.28)
    if request.stock:
        empty = sum(library.selection(s) is None for s in library.scenes(project))
        visuals += empty * STOCK_SECONDS_PER_SCENE
    return {
        "voice": voice,
        "visuals": visuals,
        "render": _render_seconds(library, project, settings),
    }


def _render_seconds(library: Library, project: Project, settings: RenderSettings) -> float:
    """The expected seconds to encode the whole video (cached segments are not known yet)."""
    video = sum(voiceover.spoken_seconds(s, project.voice_speed) for s in library.scenes(project))
    return video * RENDER_SECONDS_PER_VIDEO_SECOND.get(settings.resolution, 0.31)


def render_project(
    library: Library,
    project: Project,
    request: RunRequest | None = None,
    *,
    reporter: Reporter,
    kind: str = "render",
    cancel: CancelToken | None = None,
    install_sigint: bool = True,
) -> ProduceResult:
    """Re-render (or resume) a project: only what changed or was never finished is redone.

    Rendering needs no key: without ``request``, the library's media folders are used.
    """
    cancel = cancel or CancelToken()
    if install_sigint:
        install_sigint_as_cancel(cancel)
    if not library.scenes(project):
        raise InputError(
            f"Project {project.name!r} has no scenes to render",
            fix="Add its scenes first: type what the voice should say in Studio's window",
        )
    check_narration(library, project)  # before the lock and the job row: nothing is written
    check_cluster(request)
    with (
        render_lock(library.home, project.id, project.name),  # refused before any job row
        run_job(library, project, kind, reporter=reporter, cancel=cancel) as ctx,
    ):
        render = _voice_visuals_render(
            library, project, ctx, request or RunRequest.from_library(library, groq_key=None)
        )
    return ProduceResult(library.refresh(project), render, library.home.abs(render.file_path))
