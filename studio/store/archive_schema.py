"""The schema of a project archive's manifest (``studio-project.json``), checked whole.

An archive is untrusted input: another program (or a person with a text editor) may have
written it. Every value is checked here before anything is written: types are strict, numbers
finite and in range, text bounded, and every path relative and inside the project (a
``project:`` path that names one of the archive's own files). A refusal is one line naming the
member and the field (``studio-project.json: scenes[3].duration: ...``).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
)

from studio.errors import InputError
from studio.framing_kinds import FIT_COLOUR, FRAMINGS, MOTIONS
from studio.languages import DEFAULT_LANGUAGE, codes
from studio.store.models import STEPS, TEMPLATES
from studio.store.rooms.projects import MAX_NAME
from studio.store.rooms.scenes import MAX_SCENE_TEXT
from studio.transition_kinds import DEFAULT_DURATION, MAX_DURATION, MIN_DURATION, TRANSITIONS
from studio.voice_ids import BLEND_PREFIX, KOKORO_VOICE_ID, MAX_BLEND_PARTS

MANIFEST = "studio-project.json"
FORMAT = 1
#: Marks a template option that names a file inside the project (``project:visuals/x.png``).
PROJECT_FILE = "project:"
#: Longest video or scene accepted from an archive (a day; anything longer is a damaged value).
MAX_SECONDS = 24 * 3600.0
#: Most scenes a project may carry (a 3-hour video of 1-second scenes is ~11,000).
MAX_SCENES = 20_000
#: Longest narration text of one scene or project topic (the splitter's whole-script limit).
MAX_TEXT = 200_000
LANGUAGE_CODES = codes()
#: Longest short text: names, ids, keys, voices, characters.
MAX_SHORT = 1_000
#: Speaking-rate factors the engines accept (studio.engines.base.require_speed).
MIN_SPEED, MAX_SPEED = 0.25, 4.0
#: Values the render settings may take (studio.media.settings; the store may not import media).
ASPECTS = ("16:9", "9:16", "1:1")
RESOLUTIONS = ("720p", "1080p", "1440p", "2160p")
CAPTION_STYLES = ("clean", "bold", "boxed")
FRAME_RATES = (24, 25, 30, 50, 60)
COLOUR = re.compile(r"^#?[0-9a-fA-F]{6}$")
#: Project-relative folders a manifest path may point into.
FILE_FOLDERS = ("audio", "visuals")

STRICT = ConfigDict(strict=True, extra="ignore", allow_inf_nan=False, frozen=True)

ShortText = Annotated[str, Field(max_length=MAX_SHORT)]
LongText = Annotated[str, Field(max_length=MAX_TEXT)]
Seconds = Annotated[float, Field(ge=0.0, lt=MAX_SECONDS, allow_inf_nan=False)]
Unit = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
TransitionSeconds = Annotated[float, Field(ge=MIN_DURATION, le=MAX_DURATION)]


def _relative(value: str) -> str:
    """``value`` if it is a plain relative path inside ``audio/`` or ``visuals/``."""
    path = PurePosixPath(value)
    if (
        not value
        or "\\" in value
        or "\x00" in value
        or path.is_absolute()
        or (len(value) > 1 and value[1] == ":")
        or any(part in ("", ".", "..") for part in value.split("/"))
        or path.parts[0] not in FILE_FOLDERS
        or len(path.parts) < 2
    ):
        raise ValueError(f"{value[:80]!r} is not a path inside the project")
    return value


ProjectPath = Annotated[str, Field(max_length=MAX_SHORT), AfterValidator(_relative)]


def _project_file(value: str) -> str:
    """A ``project:`` reference: the prefix and a path inside the project."""
    if not value.startswith(PROJECT_FILE):
        raise ValueError(f"{value[:80]!r} points outside the project")
    _relative(value[len(PROJECT_FILE) :])
    return value


ProjectFile = Annotated[str, Field(max_length=MAX_SHORT), AfterValidator(_project_file)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class WordTimingModel(BaseModel):
    model_config = STRICT
    word: ShortText
    start: Seconds
    end: Seconds


class CreditModel(BaseModel):
    """A stock visual's credit (``studio.stock.base.Credit``) and the item's ``key``."""

    model_config = STRICT
    provider: ShortText = ""
    title: ShortText = ""
    author: ShortText = ""
    author_url: ShortText = ""
    source_url: ShortText = ""
    licence: ShortText = ""
    licence_url: ShortText = ""
    key: ShortText = ""


Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]


class SelectionModel(BaseModel):
    model_config = STRICT
    asset_path: ProjectPath
    kind: Literal["image", "video"] = "image"
    source: Annotated[str, Field(max_length=40)] = "file"
    in_point: Seconds = 0.0
    out_point: Seconds | None = None
    motion: Literal[MOTIONS] = "zoom-in"  # type: ignore[valid-type]
    framing: Literal[FRAMINGS] = "fill"  # type: ignore[valid-type]
    focal_x: Unit = 0.5
    focal_y: Unit = 0.5
    fit_colour: Annotated[str, Field(pattern=FIT_COLOUR.pattern)] = "#000000"
    motion_amount: Unit | None = None
    credit: CreditModel | None = None


class SceneModel(BaseModel):
    model_config = STRICT
    scene_number: Annotated[StrictInt, Field(ge=0, le=MAX_SCENES)]
    text: Annotated[str, Field(max_length=MAX_SCENE_TEXT)]  # empty: a scene not written yet
    sanitized_text: LongText = ""
    audio_file_path: ProjectPath | None = None
    audio_key: ShortText | None = None
    duration: Seconds | None = None
    voice_id: ShortText | None = None
    visual_keywords: Annotated[list[ShortText], Field(max_length=50)] = []
    word_timings: Annotated[list[WordTimingModel], Field(max_length=100_000)] | None = None
    character: ShortText | None = None
    transition: Literal[TRANSITIONS] | None = None  # type: ignore[valid-type]
    transition_duration: TransitionSeconds | None = None
    language: Literal[LANGUAGE_CODES] | None = None  # type: ignore[valid-type]
    selection: SelectionModel | None = None


class RenderSettingsModel(BaseModel):
    """``RenderSettings.to_json``'s shape; the music, if any, is one of the archive's files."""

    model_config = STRICT
    aspect: Literal[ASPECTS] = "16:9"  # type: ignore[valid-type]
    resolution: Literal[RESOLUTIONS] = "1080p"  # type: ignore[valid-type]
    fps: Literal[FRAME_RATES] = 30  # type: ignore[valid-type]
    captions: StrictBool = True
    caption_style: Literal[CAPTION_STYLES] = "clean"  # type: ignore[valid-type]
    music_path: ProjectFile | None = None
    music_volume: Annotated[float, Field(ge=0.0, le=1.0)] = 0.25
    #: The creator's caption look overrides (``CaptionLook`` fields; checked on import).
    caption: Annotated[
        dict[ShortText, StrictBool | StrictInt | float | ShortText], Field(max_length=40)
    ] = {}
    transition: Literal[TRANSITIONS] = "cut"  # type: ignore[valid-type]
    transition_duration: TransitionSeconds = DEFAULT_DURATION


class TemplateOptionsModel(BaseModel):
    """Every template's options (unknown keys refused): colours, files, tempo numbers."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False, frozen=True)
    background: ShortText | None = None
    chat_style: Literal["light", "dark"] | None = None
    me: ShortText | None = None
    bpm: Annotated[float, Field(ge=40.0, le=240.0)] | None = None
    beats_per_cut: Annotated[StrictInt, Field(ge=1, le=32)] | None = None
    detected_bpm: Annotated[float, Field(gt=0.0, le=1000.0)] | None = None
    tempo_confidence: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    cut_seconds: Annotated[float, Field(gt=0.0, lt=MAX_SECONDS)] | None = None

    @field_validator("background")
    @classmethod
    def _colour_or_file(cls, value: str | None) -> str | None:
        if value is None or COLOUR.match(value):
            return value
        return _project_file(value)


class ProjectModel(BaseModel):
    model_config = STRICT
    name: Annotated[str, Field(max_length=MAX_NAME), AfterValidator(_not_blank)]
    status: Annotated[str, Field(max_length=40, pattern=r"^[a-z-]*$")] = "draft"
    topic: LongText = ""
    current_step: Literal[STEPS] = "topic"  # type: ignore[valid-type]
    template: Literal[TEMPLATES] = "explainer"  # type: ignore[valid-type]
    template_options: TemplateOptionsModel | None = None
    target_duration: Annotated[float, Field(gt=0.0, lt=MAX_SECONDS)] | None = None
    total_duration: Seconds = 0.0
    voice_id: ShortText | None = None
    voice_speed: Annotated[float, Field(ge=MIN_SPEED, le=MAX_SPEED)] = 1.0
    render_settings: RenderSettingsModel | None = None
    language: Literal[LANGUAGE_CODES] = DEFAULT_LANGUAGE  # type: ignore[valid-type]


class PublishingModel(BaseModel):
    model_config = STRICT
    title: Annotated[str, Field(max_length=MAX_SHORT)]
    description: Annotated[str, Field(max_length=MAX_TEXT)]
    tags: Annotated[list[ShortText], Field(max_length=500)]
    source: Literal["groq", "script", "creator"]


class CharacterVoiceModel(BaseModel):
    model_config = STRICT
    character: ShortText
    voice_id: ShortText
    engine: Literal["kokoro", "draft"]  # studio.engines.base.KOKORO / DRAFT


def _distinct_voices(parts: list[BlendPartModel]) -> list[BlendPartModel]:
    voices = [part.voice for part in parts]
    if len(set(voices)) != len(voices):
        raise ValueError("a voice is in the blend twice")
    return parts


class BlendPartModel(BaseModel):
    model_config = STRICT
    voice: Annotated[str, Field(max_length=40, pattern=KOKORO_VOICE_ID.pattern)]
    weight: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)]


class VoiceBlendModel(BaseModel):
    """A saved voice blend the project uses (``voices`` row with ``components``)."""

    model_config = STRICT
    voice_id: Annotated[str, Field(max_length=60, pattern=f"^{BLEND_PREFIX}[a-z0-9][a-z0-9-]*$")]
    display_name: Annotated[str, Field(max_length=200), AfterValidator(_not_blank)]
    language: Literal[LANGUAGE_CODES]  # type: ignore[valid-type]
    gender: Literal["female", "male"] | None = None
    components: Annotated[
        list[BlendPartModel],
        Field(min_length=2, max_length=MAX_BLEND_PARTS),
        AfterValidator(_distinct_voices),
    ]


class Manifest(BaseModel):
    """The whole manifest; ``format`` must be the one this Studio writes."""

    model_config = STRICT
    format: Literal[1]
    project: ProjectModel
    scenes: Annotated[list[SceneModel], Field(max_length=MAX_SCENES)]
    publishing: PublishingModel | None = None
    character_voices: Annotated[list[CharacterVoiceModel], Field(max_length=1_000)] = []
    voice_blends: Annotated[list[VoiceBlendModel], Field(max_length=1_000)] = []

    def project_files(self) -> list[tuple[str, str]]:
        """``(field, project-relative path)`` of every file the manifest refers to."""
        found: list[tuple[str, str]] = []
        settings = self.project.render_settings
        if settings is not None and settings.music_path:
            found.append(("project.render_settings.music_path", settings.music_path))
        options = self.project.template_options
        if (
            options is not None
            and options.background
            and options.background.startswith(PROJECT_FILE)
        ):
            found.append(("project.template_options.background", options.background))
        for i, scene in enumerate(self.scenes):
            if scene.audio_file_path:
                found.append((f"scenes[{i}].audio_file_path", scene.audio_file_path))
            if scene.selection is not None:
                found.append((f"scenes[{i}].selection.asset_path", scene.selection.asset_path))
        return [(field, path.removeprefix(PROJECT_FILE)) for field, path in found]


def _location(loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location as ``scenes[3].duration``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not (part[:1].isupper() or "[" in part or part.startswith(("function-", "json-"))):
            text += ("." if text else "") + part
    return text or "(the whole manifest)"


def _first_error(exc: ValidationError) -> str:
    """The first problem as ``field: what is wrong`` (one short line)."""
    error = exc.errors(include_url=False, include_context=False, include_input=False)[0]
    message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())[:160]
    return f"{_location(tuple(error['loc']))}: {message}"


def parse_manifest(data: Any, *, where: str) -> Manifest:
    """The manifest in ``data`` (decoded JSON), checked whole; InputError naming the field."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(
            f"{MANIFEST}: format: this archive was made by another version of Studio's archive "
            "format",
            where=where,
            fix="Update Studio and try again",
        )
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            f"{MANIFEST}: {_first_error(exc)}",
            where=where,
            fix="Only import archives exported by Studio, unchanged",
        ) from None
    numbers = [s.scene_number for s in manifest.scenes]
    if len(set(numbers)) != len(numbers):
        raise InputError(
            f"{MANIFEST}: scenes: two scenes have the same scene_number",
            where=where,
            fix="Only import archives exported by Studio, unchanged",
        )
    return manifest


__all__ = ["FORMAT", "MANIFEST", "PROJECT_FILE", "Manifest", "parse_manifest"]
