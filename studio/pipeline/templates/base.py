"""What a template is: a few scene builders and a look, over the shared pipeline.

Every template uses the same store, engines and render path. A template decides how the
creator's text becomes scenes, how each scene is voiced, which visuals they get, and how a
scene looks on screen (its visual, an optional overlay, whether captions are burned in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from studio.errors import InputError
from studio.media.segments import Overlay
from studio.media.settings import RenderSettings
from studio.pipeline import visuals as visuals_stage
from studio.pipeline import voiceover
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.store import Library
from studio.store.models import Project, Scene


@dataclass(frozen=True)
class SceneLook:
    """How one scene appears on screen.

    Attributes:
        visual_path: the picture or clip behind everything.
        visual_kind: "image" or "video".
        motion: the picture's Ken Burns move ("none" to hold still).
        in_point: where in a clip to start (seconds).
        out_point: where in a clip to stop (seconds; None: its end); the last frame then holds.
        overlay: a transparent picture over the visual (chat bubbles, a scrolling page).
        captions: burn the narration's captions in (when the render asks for captions).
        padding: seconds of quiet after the voice.
        framing: how a visual of another shape fills the frame ("fill", "fit-blur",
            "fit-colour"; ``studio.media.framing``).
        focal: the point (x, y from 0 to 1) a "fill" crop keeps in view.
        fit_colour: the colour around a "fit-colour" visual.
        motion_amount: how far the move goes (0..1; None: Studio's default).
    """

    visual_path: Path
    visual_kind: str
    motion: str = "zoom-in"
    in_point: float = 0.0
    out_point: float | None = None
    overlay: Overlay | None = None
    captions: bool = True
    padding: float = 0.0
    framing: str = "fill"
    focal: tuple[float, float] = (0.5, 0.5)
    fit_colour: str = "#000000"
    motion_amount: float | None = None


#: How a template option is entered: free text, one of its choices, a colour or a picture or
#: video (a backdrop), a number (empty when not given), or a whole number.
OptionKind = Literal["text", "choice", "backdrop", "number", "whole"]


@dataclass(frozen=True)
class TemplateOption:
    """One template-specific choice, as the CLI and the New Project dialog offer it.

    The New Project dialog builds its field from this declaration alone.

    Attributes:
        key: the key in ``projects.template_options``.
        label: the field's label.
        help: one line on what it does.
        default: the value when the creator gives none (None: not given).
        choices: the allowed values of a ``choice`` option.
        kind: how the value is entered (see ``OptionKind``).
        choice_labels: what the creator sees for each choice (default: the choice itself).
        low: the smallest value of a ``number``/``whole`` option.
        high: the largest value of a ``number``/``whole`` option.
        empty_text: what an empty field says (a ``number`` at zero: "not given").
        flag_help: the command line's help for its ``--flag`` (default: ``help``).
        metavar: the value's name in the command line's help (default: argparse's).
    """

    key: str
    label: str
    help: str
    default: Any = None
    choices: tuple[str, ...] = field(default_factory=tuple)
    kind: OptionKind = "text"
    choice_labels: tuple[str, ...] = field(default_factory=tuple)
    low: float = 0.0
    high: float = 0.0
    empty_text: str = ""
    flag_help: str = ""
    metavar: str = ""

    @property
    def flag(self) -> str:
        """The command line's flag: ``chat_style`` is ``--chat-style``."""
        return "--" + self.key.replace("_", "-")


class Template:
    """The explainer's behaviour; the other templates override what differs.

    Attributes:
        name: stored in ``projects.template``.
        label: what the creator sees.
        tagline: what it makes, in a few words (the command line's ``--template`` help).
        summary: one line on what the template makes.
        options: the template's own choices (kept in ``projects.template_options``).
        needs_script: a script (topic or text) is required; the music video needs a song instead.
        writes_from_topic: the AI can write its script from a topic.
        narrated: its scenes are spoken (a voice is chosen, the draft voice is announced).
        needs_song: the project is made from a song (the render settings' music).
        has_characters: scenes name who speaks, each character with its own voice.
        script_hint: what the script box asks for.
        script_format: how the script file is written, when it has a form of its own.
        render_settings: the render settings that change this template's video (the render
            panel disables the others, saying why in ``render_settings_note``).
    """

    name: ClassVar[str] = "explainer"
    label: ClassVar[str] = "Explainer"
    tagline: ClassVar[str] = "narrated scenes"
    summary: ClassVar[str] = "Narrated scenes, each with a picture or a clip, captions and music."
    options: ClassVar[tuple[TemplateOption, ...]] = ()
    needs_script: ClassVar[bool] = True
    writes_from_topic: ClassVar[bool] = True
    narrated: ClassVar[bool] = True
    needs_song: ClassVar[bool] = False
    has_characters: ClassVar[bool] = False
    script_hint: ClassVar[str] = (
        "Paste or type your script. Blank lines separate scenes; long paragraphs are "
        "split between sentences.\n\nYou can also leave this empty and add scenes one by one."
    )
    script_format: ClassVar[str | None] = None
    render_settings: ClassVar[frozenset[str]] = frozenset(
        {"aspect", "resolution", "captions", "caption_style", "music_path"}
    )
    render_settings_note: ClassVar[str] = ""
    #: Why scenes have no visual of their own (None: each scene picks a picture or clip).
    scene_visual_note: ClassVar[str | None] = None

    # -- creating --------------------------------------------------------------------------
    def check_options(self, library: Library, options: dict[str, Any]) -> dict[str, Any]:
        """Validate the creator's options (InputError naming the fix); return them cleaned."""
        known = {o.key for o in self.options}
        unknown = sorted(set(options) - known)
        if unknown:
            raise InputError(
                f"The {self.label.lower()} template has no option {unknown[0]!r}",
                fix=f"Options: {', '.join(sorted(known)) or 'none'}",
            )
        return {k: v for k, v in options.items() if v is not None}

    def default_render_settings(self, settings: RenderSettings) -> RenderSettings:
        """The render settings this template starts a project with."""
        return settings

    def adopt_files(self, library: Library, project: Project) -> None:
        """Copy files the options point at into the project (so nothing is 'just a file')."""

    # -- the stages ------------------------------------------------------------------------
    def script_from_text(
        self, library: Library, project: Project, text: str, ctx: JobContext
    ) -> list[Scene]:
        from studio.pipeline import script as script_stage

        return script_stage.script_from_text(library, project, text, ctx)

    def project_name(self, text: str) -> str | None:
        """A name for a project made from ``text`` (None: the caller's usual naming)."""
        return None

    def voice(
        self,
        library: Library,
        project: Project,
        ctx: JobContext,
        *,
        start: float,
        end: float,
        request: RunRequest | None = None,
        on_voiced: Callable[[Scene], None] | None = None,
    ) -> None:
        """Give every scene current audio (``request``: the run's Kokoro folder), calling
        ``on_voiced(scene)`` after each in order."""
        voiceover.voice_project(
            library,
            project,
            ctx,
            start=start,
            end=end,
            speak=self.voice_scene,
            is_current=self.voice_is_current,
            narrated=self.narrated,
            request=request,
            on_voiced=on_voiced,
        )

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
        """Make sure ``scene`` has current audio; True if it had to be made (see voiceover)."""
        return voiceover.voice_scene(library, project, scene, ctx, force=force, request=request)

    def voice_is_current(
        self, library: Library, project: Project, scene: Scene, request: RunRequest | None = None
    ) -> bool:
        """Whether ``voice_scene`` would leave ``scene``'s audio as it is (reads only)."""
        return voiceover.voice_is_current(library, project, scene, request)

    def visuals(
        self,
        library: Library,
        project: Project,
        settings: RenderSettings,
        ctx: JobContext,
        *,
        start: float,
        end: float,
        media_folders: Sequence[Path] = (),
        stock: Sequence[str] = (),
    ) -> None:
        """Give every scene a visual: the creator's media, ``stock`` libraries' footage, slides."""
        visuals_stage.source_visuals(
            library,
            project,
            settings,
            ctx,
            start=start,
            end=end,
            media_folders=media_folders,
            stock=stock,
        )

    def look(
        self,
        library: Library,
        project: Project,
        scene: Scene,
        settings: RenderSettings,
        workdir: Path,
    ) -> SceneLook:
        """The scene's chosen visual (or its generated slide) with its move."""
        selection = library.selection(scene) or visuals_stage.choose_slide(
            library, project, scene, settings
        )
        if selection.source == "slide":
            visual = visuals_stage.ensure_slide(library, project, scene, settings)
        else:
            visual = library.home.abs(selection.asset_path)
        return SceneLook(
            visual_path=visual,
            visual_kind=selection.kind,
            motion=selection.motion,
            in_point=selection.in_point,
            out_point=selection.out_point if selection.kind == "video" else None,
            framing=selection.framing,
            focal=(selection.focal_x, selection.focal_y),
            fit_colour=selection.fit_colour,
            motion_amount=selection.motion_amount,
        )


def options_of(project: Project) -> dict[str, Any]:
    """The project's template options (an empty dict when none were given)."""
    return dict(project.template_options or {})


def settings_for(project: Project) -> RenderSettings:
    """The render settings the project is made with (stored values checked one by one)."""
    return RenderSettings.from_stored(project.render_settings)
