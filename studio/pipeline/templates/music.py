"""The music video: the creator's song, with visuals cut on the beat for the song's length.

There is no narration. The song's tempo is found (or the creator's BPM taken), cuts fall every
few beats, and each cut is a scene whose "voice" is silence of exactly the cut's length, so the
shared render path (segments joined by stream copy, the song as the soundtrack) makes the video.
Visuals come from the media library in turn, with generated slides when it is empty.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any, ClassVar

from studio.errors import InputError
from studio.languages import unless_default
from studio.media.settings import RenderSettings
from studio.media.slides import PALETTES, make_slide
from studio.media.tempo import cut_points, detect_tempo
from studio.pipeline import visuals as visuals_stage
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.pipeline.splitter import visual_keywords
from studio.pipeline.templates.background import content_name
from studio.pipeline.templates.base import Template, TemplateOption, options_of, settings_for
from studio.pipeline.voiceover import silent_scene
from studio.progress import scaled
from studio.store import Library
from studio.store.models import Project, Scene

DEFAULT_BEATS_PER_CUT = 4
MIN_BPM, MAX_BPM = 40.0, 240.0
#: A cut when nothing else says how long (two seconds: four beats at 120 BPM).
DEFAULT_CUT_SECONDS = 2.0


def cut_frames(cuts: list[float], fps: int) -> list[int]:
    """Each cut's length in whole frames, rounded so the cuts never drift off the beat."""
    marks = [round(t * fps) for t in cuts]
    return [b - a for a, b in zip(marks, marks[1:], strict=False) if b > a]


class MusicTemplate(Template):
    name: ClassVar[str] = "music"
    label: ClassVar[str] = "Music video"
    tagline: ClassVar[str] = "music video cut on the beat"
    summary: ClassVar[str] = (
        "Your song with pictures and clips from your media cut on the beat (no narration)."
    )
    needs_script: ClassVar[bool] = False
    writes_from_topic: ClassVar[bool] = False
    narrated: ClassVar[bool] = False
    needs_song: ClassVar[bool] = True
    script_hint: ClassVar[str] = (
        "Optional: captions for the generated slides, one per line (used in turn)."
    )
    options: ClassVar[tuple[TemplateOption, ...]] = (
        TemplateOption(
            "bpm",
            "Tempo (BPM)",
            "the song's tempo; leave empty to detect it",
            kind="number",
            high=MAX_BPM,
            empty_text="Detect",
            flag_help="the song's tempo (default: detected)",
        ),
        TemplateOption(
            "beats_per_cut",
            "Beats per cut",
            "how many beats each picture lasts",
            DEFAULT_BEATS_PER_CUT,
            kind="whole",
            low=1,
            high=32,
            flag_help=f"beats per picture (default {DEFAULT_BEATS_PER_CUT})",
            metavar="N",
        ),
    )
    render_settings = Template.render_settings - {"captions", "caption_style"}
    render_settings_note = (
        "A music video has no narration to caption; its slide captions come from the script."
    )

    def check_options(self, library: Library, options: dict[str, Any]) -> dict[str, Any]:
        cleaned = super().check_options(library, options)
        bpm = cleaned.get("bpm")
        if bpm is not None:
            try:
                bpm = float(bpm)
            except (TypeError, ValueError):
                bpm = None
            if bpm is None or not MIN_BPM <= bpm <= MAX_BPM:
                raise InputError(
                    f"The tempo must be {MIN_BPM:.0f}-{MAX_BPM:.0f} BPM, not {cleaned['bpm']!r}",
                    fix="Give the song's beats per minute, or leave it empty",
                )
            cleaned["bpm"] = bpm
        beats = cleaned.get("beats_per_cut", DEFAULT_BEATS_PER_CUT)
        if not isinstance(beats, int) or isinstance(beats, bool) or not 1 <= beats <= 32:
            raise InputError(f"Beats per cut must be a whole number from 1 to 32, not {beats!r}")
        cleaned["beats_per_cut"] = beats
        return cleaned

    def default_render_settings(self, settings: RenderSettings) -> RenderSettings:
        if settings.music_path is None:
            raise InputError("A music video needs a song", fix="Choose the song to cut it to")
        return replace(settings, captions=False, music_volume=1.0)

    def script_from_text(
        self, library: Library, project: Project, text: str, ctx: JobContext
    ) -> list[Scene]:
        """One scene per cut; the text's lines (or the project's name) label the slides."""
        library.set_step(project, "script-generation")
        settings = settings_for(project)
        if settings.music_path is None:
            raise InputError(
                "This music video has no song", fix="Choose the song in the render settings"
            )
        options = options_of(project)
        ctx.progress(0.0, "Script: finding the beat")
        tempo = detect_tempo(Path(settings.music_path), bpm=options.get("bpm"), cancel=ctx.cancel)
        beats = int(options.get("beats_per_cut", DEFAULT_BEATS_PER_CUT))
        frames = cut_frames(cut_points(tempo, beats_per_cut=beats), settings.fps)
        labels = [line.strip() for line in (text or "").splitlines() if line.strip()]
        labels = labels or [project.name]
        drafts = [
            (labels[i % len(labels)], visual_keywords(labels[i % len(labels)]))
            for i in range(len(frames))
        ]
        scenes = library.replace_scenes(project, drafts)
        library.update_project(
            project,
            template_options={
                **options,
                "detected_bpm": round(tempo.bpm, 2),
                "tempo_confidence": round(tempo.confidence, 3),
                "cut_seconds": round(beats * 60.0 / tempo.bpm, 4),
            },
        )
        for scene, count in zip(scenes, frames, strict=True):
            silent_scene(library, project, scene, count / settings.fps)
        ctx.message(f"Tempo {tempo.bpm:.1f} BPM: {len(scenes)} cuts of {beats} beats")
        library.set_step(project, "voice")
        return library.scenes(project)

    def voice_scene(
        self,
        library: Library,
        project: Project,
        scene: Scene,
        ctx: JobContext,
        *,
        force: bool = False,
        request: RunRequest | None = None,
    ) -> bool:
        """No narration: the scene's "voice" is silence as long as its cut."""
        if self.voice_is_current(library, project, scene):
            return False
        options = options_of(project)
        seconds = scene.duration or options.get("cut_seconds") or DEFAULT_CUT_SECONDS
        silent_scene(library, project, scene, float(seconds))
        return True

    def voice_is_current(
        self, library: Library, project: Project, scene: Scene, request: RunRequest | None = None
    ) -> bool:
        """The scene's silent cut is made (its WAV on disk)."""
        if not (scene.audio_key and scene.audio_key.startswith("silence-") and scene.duration):
            return False
        return (library.home.project_dir(project.id) / "audio" / f"{scene.audio_key}.wav").is_file()

    def visuals(
        self,
        library: Library,
        project: Project,
        settings: RenderSettings,
        ctx: JobContext,
        *,
        start: float,
        end: float,
        media_folders: Any = (),
        stock: Any = (),
    ) -> None:
        """The media library's pictures and clips in turn; slides when it has none.

        The step moves only when a cut has no picture yet (an unchanged re-render writes
        nothing here).
        """
        report = scaled(ctx.progress, start, end)
        scenes = library.scenes(project)
        unchosen = any(library.selection(scene) is None for scene in scenes)
        if unchosen:
            library.set_step(project, "visual-sourcing")
        folders = [Path(f) for f in media_folders]
        if folders:
            report(0.0, "Visuals: indexing your media")
            summary = visuals_stage.index_media_folders(library, folders).summary()
            if summary:
                ctx.message(summary)
        assets = [a for a in library.media_assets() if a.kind in ("image", "video")]
        for index, scene in enumerate(scenes):
            ctx.check()
            report(index / max(1, len(scenes)), f"Visuals: cut {index + 1} of {len(scenes)}")
            if library.selection(scene) is not None:
                continue
            if not assets:
                self._beat_slide(library, project, scene, settings, index)
                continue
            asset = assets[index % len(assets)]
            in_point = 0.0
            if asset.kind == "video" and asset.duration:
                spare = max(0.0, asset.duration - float(scene.duration or 0) - 0.2)
                in_point = round((index * 1.7) % spare, 3) if spare > 0 else 0.0
            visuals_stage.choose_visual(
                library, project, scene, Path(asset.path), origin="library", in_point=in_point
            )
        if unchosen:
            library.set_step(project, "visual-curation")
        report(1.0, "Visuals: done")

    @staticmethod
    def _beat_slide(
        library: Library, project: Project, scene: Scene, settings: RenderSettings, index: int
    ) -> None:
        """A generated slide whose colours change with every cut (the cut must be seen)."""
        seed = f"{project.id}-{index}"
        folder = library.home.project_dir(project.id, create=True) / "visuals"
        language = unless_default(project.language)  # English slides keep their names
        extra = () if language is None else (language,)
        out = folder / content_name(
            "beat-slide", scene.text, seed, settings.width, settings.height, *extra
        )
        # Palettes in turn from one picked by the project: two cuts in a row never look alike
        # (a palette drawn at random per cut repeated one time in twelve: a cut not seen).
        palette = int(hashlib.sha256(project.id.encode()).hexdigest()[:4], 16) + index
        out = out.with_name(f"{out.stem}-p{palette % len(PALETTES)}{out.suffix}")
        if not out.is_file():
            make_slide(
                scene.text,
                [],
                (settings.width, settings.height),
                out,
                seed=seed,
                palette=palette,
                language=language,
            )
        # Held still: the beat cuts are the movement, and a zoom on a flat gradient is barely
        # seen but costs most of the encode (docs/benchmarks.md, templates).
        library.select_clip(scene, out, kind="image", source="generated", motion="none")
