"""The same video built the common way: MoviePy 2, frame by frame in Python.

Same clips, same moves (8 % Ken Burns zoom on stills, clips trimmed or looped and cover-cropped),
same caption cues at the same places, same codec, preset and CRF, music looped under the voice.
MoviePy has no sidechain ducking or loudness normalisation: it does *less* audio work here.
"""

from __future__ import annotations

from pathlib import Path

from studio.media.resources import font_path
from studio.media.settings import AUDIO_BITRATE, VIDEO_CRF, VIDEO_PRESET
from studio.pipeline.render import scene_cues, settings_for
from studio.store import Library
from studio.store.models import Project

ZOOM = 0.08


def _cover(clip, width: int, height: int):  # type: ignore[no-untyped-def]
    scale = max(width / clip.w, height / clip.h)
    return clip.resized(scale)


def render_with_moviepy(library: Library, project: Project, out: Path) -> Path:
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        VideoFileClip,
        afx,
        concatenate_videoclips,
        vfx,
    )

    settings = settings_for(project)
    width, height = settings.width, settings.height
    font = str(font_path())
    scenes = []
    for scene in library.scenes(project):
        selection = library.selection(scene)
        assert selection is not None
        duration = float(scene.duration)
        path = str(library.home.abs(selection.asset_path))
        if selection.kind == "image":
            still = _cover(ImageClip(path), width, height).with_duration(duration)
            moving = still.resized(lambda t, d=duration: 1 + ZOOM * t / d)
        else:
            video = VideoFileClip(path, audio=False)
            video = (video.subclipped(0, duration) if video.duration >= duration
                     else video.with_effects([vfx.Loop(duration=duration)]))
            moving = _cover(video, width, height)
        layers = [moving.with_position("center")]
        for cue in scene_cues(scene):
            text = TextClip(font=font, text=cue.text, font_size=int(height * 0.055),
                            color="white", stroke_color="black", stroke_width=3,
                            method="caption", size=(int(width * 0.84), None))
            layers.append(text.with_start(cue.start).with_duration(cue.end - cue.start)
                          .with_position(("center", int(height * 0.80))))
        clip = CompositeVideoClip(layers, size=(width, height)).with_duration(duration)
        scenes.append(clip.with_audio(AudioFileClip(str(library.home.abs(
            scene.audio_file_path)))))
    video = concatenate_videoclips(scenes)
    if settings.music_path:
        music = AudioFileClip(str(settings.music_path)).with_effects(
            [afx.AudioLoop(duration=video.duration), afx.MultiplyVolume(settings.music_volume)])
        video = video.with_audio(CompositeAudioClip([video.audio, music]))
    video.write_videofile(
        str(out), fps=settings.fps, codec="libx264", preset=VIDEO_PRESET,
        ffmpeg_params=["-crf", str(VIDEO_CRF), "-pix_fmt", "yuv420p"], audio_codec="aac",
        audio_bitrate=AUDIO_BITRATE, threads=2, logger=None,
        temp_audiofile=str(out.with_name(f"{out.stem}-temp-audio.m4a")),
    )
    video.close()
    return out


__all__ = ["render_with_moviepy"]
