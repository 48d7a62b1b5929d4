"""Stage 4: render. One cached segment per scene (with transition pieces between them, when
the scenes don't simply cut) and the soundtrack, joined by stream copy.

A piece's file name is the hash of everything that shapes it (visual, audio, captions, motion,
settings, transition), so editing one scene re-encodes its segment and the transitions touching
it (``render_pieces``), and an unchanged project re-renders in the time it takes to join.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

from PIL import Image

from studio.encoder_kinds import ENCODER_LABELS, X264
from studio.errors import InputError, MediaError
from studio.media import captions, encoders
from studio.media.assemble import assemble
from studio.media.segment_cache import SegmentCache
from studio.media.segments import SegmentSpec, render_segments
from studio.media.settings import RenderSettings
from studio.media.soundtrack import SoundPart, build_soundtrack, soundtrack_key
from studio.media.transitions import render_transitions
from studio.pipeline.jobs import JobContext
from studio.pipeline.publishing import publish_render, segment_frames
from studio.pipeline.render_pieces import (
    BodyJob,
    TransitionJob,
    choices_for,
    lay_out,
)
from studio.pipeline.request import RunRequest
from studio.pipeline.templates import get_template, settings_for
from studio.pipeline.voice_choice import scene_language
from studio.progress import (
    CancelToken,
    ProgressFn,
    StagePlan,
    Step,
    run_concurrently,
    scaled,
)
from studio.store import Library
from studio.store.models import Project, RenderedVideo, Scene
from studio.text import one_line
from studio.timing import WordTiming

log = logging.getLogger(__name__)

# The render's parts on its stretch of the bar, in frames of segment encoding (the segments
# are the bulk; the other parts are weighed against them). Measured with
# ``tests/pipeline/test_progress_eta.py`` (10 scenes, ~62 s of video at 720p, 2 cores shared
# with other work; the segments 12-17 s, i.e. 6.5-9 ms a frame): reading the scenes and naming
# their segments 0.25 s, the thumbnail frames 0.42-0.6 s, the join and publishing 0.27-0.7 s.
#: Reading a scene (its voice, visual and captions) and naming its segment, before any encode.
PREPARE_WEIGHT = 3
#: The thumbnail frames read from the segments, per scene.
FRAMES_WEIGHT = 7
#: The join (streams copied) and publishing, per video frame.
JOIN_WEIGHT = 0.03
#: The soundtrack, per video frame. It runs beside the segments and ends long before them
#: (mixing ~0.4 s, encoding ~1 s), but meanwhile takes a share of the cores from the first
#: segments, whose own progress starts late (ffmpeg's start-up): the segments ran at ~65 % of
#: their later pace for their first 1.5 s, and slower still while other work held the cores
#: (0.04 left the ETA 35-50 % high at a fifth of the time when two renders shared 2 cores).
#: Alone (only the music changed) it is all of the wait.
SOUND_WEIGHT = 0.08
#: A transition piece's frame, in frames of segment encoding: a 15-frame 1080p crossfade took
#: 0.65 s of CPU (two handles decoded, mixed, encoded, one ffmpeg start), a segment's frame
#: ~18 ms (2.75 s for 150 frames), both measured with getrusage on the 2-core machine.
TRANSITION_FRAME_WEIGHT = 2.4


def _slug(name: str) -> str:
    slug = re.sub(r"[^\w-]+", "-", name.lower(), flags=re.UNICODE).strip("-")
    return slug[:40] or "video"


def scene_cues(
    scene: Scene, settings: RenderSettings, language: str | None = None
) -> list[captions.Cue]:
    """The caption cues of ``scene`` (``language``: its text's, for lines of characters)."""
    words = [WordTiming.from_json(w) for w in (scene.word_timings or [])]
    return captions.cues_for(
        scene.sanitized_text or scene.text,
        words,
        float(scene.duration or 0.0),
        captions.caption_look(settings),
        language=language,
        frame=(settings.width, settings.height),
    )


def segment_for(
    library: Library,
    project: Project,
    scene: Scene,
    settings: RenderSettings,
    cache: SegmentCache,
) -> tuple[SegmentSpec, list[captions.Cue]]:
    """The exact recipe of a scene's segment (captions written beside it when on)."""
    if not scene.duration or not scene.audio_file_path:
        raise InputError(
            f"Scene {scene.scene_number} has no voice yet",
            fix="Generate its voice, then render again",
        )
    audio = library.home.abs(scene.audio_file_path)
    if not audio.is_file():
        raise InputError(
            f"Scene {scene.scene_number}'s audio file is missing",
            where=str(audio),
            fix="Regenerate the scene's voice",
        )
    look = get_template(project.template).look(library, project, scene, settings, cache.folder)
    language = scene_language(project, scene)
    cues = scene_cues(scene, settings, language)
    ass_path = None
    if settings.captions and look.captions:
        ass_path = cache.captions(captions.ass_document(cues, settings, language=language))
    spec = SegmentSpec(
        visual_path=look.visual_path,
        visual_kind=look.visual_kind,
        audio_path=audio,
        duration=float(scene.duration),
        ass_path=ass_path,
        motion=look.motion,
        in_point=look.in_point,
        out_point=look.out_point,
        settings=settings,
        padding=look.padding,
        overlay=look.overlay,
        framing=look.framing,
        focal=look.focal,
        fit_colour=look.fit_colour,
        motion_amount=look.motion_amount,
    )
    return spec, cues


def render_key(segments: list[Path], settings: RenderSettings) -> str:
    """What the final video is made of: its pieces (content-named), settings and music.

    The transition settings are left out: the pieces' names already say how scenes meet, so a
    render made before transitions existed is still up to date.
    """
    music = settings.music_path
    music_id = None
    if music is not None and Path(music).is_file():
        stat = Path(music).stat()
        music_id = [str(music), stat.st_size, stat.st_mtime_ns]
    shaping = {
        k: v
        for k, v in settings.to_json().items()
        if k not in ("transition", "transition_duration")
    }
    payload = json.dumps(
        [[p.name for p in segments], shaping, music_id], sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def render_project_video(
    library: Library,
    project: Project,
    ctx: JobContext,
    *,
    start: float,
    end: float,
    request: RunRequest | None = None,
) -> RenderedVideo:
    """Render the project's video from its scenes; record it; return the new render row.

    ``request`` says which encoder to use and whether a cluster's workers encode the segments
    (None: x264 here, as before the ``encoder`` setting). A hardware encoder that fails makes
    the whole video again with x264 (its pieces are named by their encoder, and one video
    never mixes encoders), and is recorded so "auto" passes it by from then on.
    """
    library.set_step(project, "export")
    choice = encoders.choose(request.encoder if request else X264, library.home.cache_dir)
    ctx.message(choice.message)
    settings = replace(settings_for(project), encoder=choice.encoder)
    render = partial(_render, library, project, ctx, start=start, end=end, request=request)
    try:
        return render(settings)
    except MediaError as exc:
        if settings.encoder == X264:
            raise
        reason = one_line(exc.what).rstrip(".")
        ctx.message(
            f"{ENCODER_LABELS[settings.encoder]} failed ({reason}); "
            f"making the video again with x264"
        )
        video = render(replace(settings, encoder=X264))
        # only now: had x264 failed too, the encoder wasn't the cause
        encoders.mark_failed(settings.encoder, reason, library.home.cache_dir)
        return video


def _render(
    library: Library,
    project: Project,
    ctx: JobContext,
    settings: RenderSettings,
    *,
    start: float,
    end: float,
    request: RunRequest | None,
) -> RenderedVideo:
    """``render_project_video`` with ``settings`` (the encoder resolved)."""
    report = scaled(ctx.progress, start, end)
    project_dir = library.home.project_dir(project.id, create=True)
    cache = SegmentCache(project_dir / "segments").ensure()
    scenes = library.scenes(project)
    if not scenes:
        raise InputError("This project has no scenes to render")

    # Every segment to encode, until the scenes are read and the cached ones are known.
    video_frames = sum(float(scene.duration or 0.0) for scene in scenes) * settings.fps
    plan = StagePlan(
        {
            "prepare": PREPARE_WEIGHT * len(scenes),
            "encode": video_frames * (1.0 + SOUND_WEIGHT) + FRAMES_WEIGHT * len(scenes),
            "join": JOIN_WEIGHT * video_frames,
        }
    )
    preparing = plan.span("prepare", at=0.0)
    prepared = scaled(report, *preparing)
    specs: list[SegmentSpec] = []
    all_cues: list[captions.Cue] = []
    offset = 0.0
    for number, scene in enumerate(scenes, start=1):
        prepared((number - 1) / len(scenes), f"Preparing the scenes: {number} of {len(scenes)}")
        spec, cues = segment_for(library, project, scene, settings, cache)
        specs.append(spec)
        all_cues.extend(c.shifted(offset) for c in cues)
        offset += spec.exact_duration
    layout = lay_out(specs, choices_for(scenes, settings), settings, cache)
    for note in layout.notes:
        ctx.message(note)
    outs = layout.pieces
    key = render_key(outs, settings)
    latest = library.renders(project)[:1]
    if (
        latest
        and latest[0].settings.get("render_key") == key
        and all(o.is_file() for o in outs)
        and library.home.abs(latest[0].file_path).is_file()
    ):
        ctx.message("Nothing changed since the last render: that video is up to date")
        report(1.0, "Render: up to date")
        return latest[0]
    todo = [job for job in layout.bodies if not job.done()]
    pieces_todo = [job for job in layout.transitions if not job.out.is_file()]
    reused = len(specs) - len(todo)  # a count of its own, never read as "n of m done"
    joins = f" and {len(pieces_todo)} transition{'s' if len(pieces_todo) != 1 else ''}"
    ctx.message(
        f"{len(todo)} changed scene{'s' if len(todo) != 1 else ''}"
        f"{joins if pieces_todo else ''} to render, {reused} unchanged reused"
        if reused
        else f"Rendering all {len(specs)} scenes{joins if pieces_todo else ''}"
    )
    parts = [SoundPart(s.audio_path, s.sample_count) for s in specs]
    soundtrack = cache.soundtrack(soundtrack_key(parts, settings))
    frames: list[Image.Image] = []

    todo_frames: float = sum(job.frame_count for job in todo)
    todo_frames += sum(TRANSITION_FRAME_WEIGHT * job.spec.frame_count for job in pieces_todo)
    frames_weight = FRAMES_WEIGHT * len(specs)

    def pictures(*, progress: ProgressFn, cancel: CancelToken) -> None:
        """The changed segments and transitions, then the frames the thumbnails need (one core
        is free while the sound's single-threaded encode finishes)."""
        share = todo_frames / (todo_frames + frames_weight)
        cluster = request.cluster if request is not None else None
        _encode(todo, pieces_todo, scaled(progress, 0.0, share), cancel, cluster=cluster)
        try:
            frames.extend(segment_frames(outs, layout.seconds, settings, cancel=cancel))
        except MediaError as exc:  # the variants are then read from the joined video
            log.warning("thumbnail frames from the segments failed: %s", exc.message)
        progress(1.0, "Rendering scenes: done")

    seconds = [s.exact_duration for s in specs]
    steps: list[tuple[float, Step]] = [(todo_frames + frames_weight, pictures)]
    all_frames = sum(s.frame_count for s in specs)
    sound_weight = 0.0 if soundtrack.is_file() else SOUND_WEIGHT * all_frames
    if sound_weight:  # the sound is made while the segments encode
        steps.append(
            (
                sound_weight,
                partial(
                    build_soundtrack,
                    parts,
                    soundtrack,
                    settings=settings,
                    duration=offset,
                    cache=cache.folder,
                ),
            )
        )
    encoded = plan.span("encode", at=preparing[1], cost=sum(w for w, _ in steps))
    run_concurrently(  # a failed sound doesn't stop scenes that can still be finished
        steps,
        progress=scaled(report, *encoded),
        cancel=ctx.cancel,
        finish_others=True,
    )
    ctx.check()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = project_dir / "renders" / f"{_slug(project.name)}-{stamp}.mp4"
    n = 1
    while out.exists():
        n += 1
        out = out.with_name(f"{_slug(project.name)}-{stamp}-{n}.mp4")
    result = assemble(
        outs,
        out,
        settings=settings,
        total_duration=offset,
        progress=scaled(report, *plan.span("join", at=encoded[1], cost=JOIN_WEIGHT * all_frames)),
        cancel=ctx.cancel,
        soundtrack=soundtrack,
        thumbnail_frame=frames[0] if frames else None,
    )
    srt = out.with_suffix(".srt")
    captions.write_srt(all_cues, srt)
    render = library.record_render(
        project,
        file_path=result.path,
        duration=result.duration,
        thumbnail=result.thumbnail,
        srt=srt,
        settings={**settings.to_json(), "render_key": key},
        job=ctx.job,
    )
    cache.prune(
        keep=[*layout.files(), soundtrack, *(path for spec in specs for path in _files_of(spec))]
    )
    publish_render(library, project, render, scenes, seconds, ctx, frames=frames)
    report(1.0, "Render: done")
    return render


def _encode(
    bodies: list[BodyJob],
    pieces: list[TransitionJob],
    progress: ProgressFn,
    cancel: CancelToken,
    *,
    cluster: str | None = None,
) -> None:
    """Encode the missing segments (with their handles), then the missing transition pieces
    (made from those handles); with ``cluster`` (a Dask scheduler's address) the workers
    encode them, to the same bytes (``studio.cluster.encode``)."""
    body_frames = sum(job.frame_count for job in bodies)
    total = body_frames + sum(TRANSITION_FRAME_WEIGHT * job.spec.frame_count for job in pieces)
    if not total:
        return
    encode_bodies, encode_pieces = render_segments, render_transitions
    if cluster:
        from studio.cluster.encode import encode_segments, encode_transitions

        encode_bodies = partial(encode_segments, cluster)
        encode_pieces = partial(encode_transitions, cluster)
    if bodies:
        encode_bodies(
            [job.spec for job in bodies],
            [job.out for job in bodies],
            handles=[job.handles for job in bodies],
            progress=scaled(progress, 0.0, body_frames / total),
            cancel=cancel,
        )
    if pieces:
        encode_pieces(
            [job.spec for job in pieces],
            [job.out for job in pieces],
            progress=scaled(progress, body_frames / total, 1.0),
            cancel=cancel,
        )


def _files_of(spec: SegmentSpec) -> list[Path]:
    """The files a segment is made from (those in the render cache are kept by the prune)."""
    overlay = [spec.overlay.path] if spec.overlay is not None else []
    ass = [spec.ass_path] if spec.ass_path is not None else []
    return [spec.visual_path, *ass, *overlay]
