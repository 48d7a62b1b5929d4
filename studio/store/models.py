"""Peewee models. Table names follow the product's data models.

The schema itself is created by the migrations in ``migrations.py`` (explicit SQL, so an old
database upgrades exactly); these models map onto the latest schema version.
"""

from __future__ import annotations

import json
import logging
import math
import uuid
from datetime import UTC, datetime
from typing import Any

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)

log = logging.getLogger(__name__)

#: Bound to a file at run time by ``studio.store.connection.Connection.bind`` (the only module
#: that may use it: everything else goes through a Library's connection and rooms).
database = SqliteDatabase(None)

STEPS = (
    "topic",
    "voice",
    "script-generation",
    "voiceover",
    "visual-sourcing",
    "visual-curation",
    "editing",
    "export",
)
JOB_STATUSES = ("pending", "running", "completed", "failed", "cancelled", "interrupted")
TEMPLATES = ("explainer", "scroll", "chat", "music")
#: A batch row's states (schema v6): waiting its turn, being made, finished, failed (with an
#: error), cancelled.
BATCH_ROW_STATUSES = ("pending", "running", "done", "failed", "cancelled")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return str(uuid.uuid4())


class JSONField(TextField):
    """JSON stored as text (SQLite's json functions can still query it)."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        """The stored JSON; text that is not strict JSON (damaged, NaN, Infinity, ``1e999``, a
        number too long to read) gives the column's default instead, with one warning."""
        if value is None:
            return None
        try:
            return json.loads(value, parse_constant=_no_constant, parse_float=_finite)
        except (TypeError, ValueError, RecursionError) as exc:
            _warn_once(self.name, value, exc)
            return self.default() if callable(self.default) else self.default


def _finite(text: str) -> float:
    """A JSON number as a float; ``1e999`` (valid JSON, infinite in Python) is refused."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is not a finite number")
    return value


def _no_constant(name: str) -> Any:
    """Refuse ``NaN``/``Infinity`` in stored JSON (Python's json reads them; nothing else may)."""
    raise ValueError(f"{name} is not a JSON value")


_warned: set[tuple[str, str]] = set()


def _warn_once(column: str, value: object, exc: BaseException) -> None:
    """Log one warning for each unreadable value (a list shown again doesn't repeat it)."""
    key = (column, repr(value)[:200])
    if key not in _warned:
        _warned.add(key)
        log.warning(
            "stored %s is not valid JSON (%s); its default is used", column, type(exc).__name__
        )


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False


class Project(BaseModel):
    id = CharField(primary_key=True, default=new_id)
    name = TextField()
    topic = TextField(default="")
    current_step = TextField(default="topic")
    status = TextField(default="draft")
    template = TextField(default="explainer")
    #: The template's own choices (schema v3), e.g. a background, a chat style, a BPM.
    template_options = JSONField(default=dict)
    target_duration = FloatField(null=True)
    total_duration = FloatField(default=0.0)
    voice_id = TextField(null=True)
    voice_speed = FloatField(default=1.0)
    #: What the project is written and spoken in (``studio.languages`` code, schema v5).
    language = TextField(default="en-us")
    render_settings = JSONField(default=dict)
    video_path = TextField(null=True)
    video_total_duration = FloatField(null=True)
    video_file_size = IntegerField(null=True)
    thumbnail_path = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    last_active = DateTimeField(default=utcnow)

    class Meta:
        table_name = "projects"


class Scene(BaseModel):
    project_id: str  # the foreign key's raw column, as Peewee exposes it

    id = CharField(primary_key=True, default=new_id)
    project = ForeignKeyField(
        Project, backref="scenes", on_delete="CASCADE", column_name="project_id"
    )
    scene_number = IntegerField()
    text = TextField()
    sanitized_text = TextField(default="")
    audio_file_path = TextField(null=True)
    audio_key = TextField(null=True)
    duration = FloatField(null=True)
    voice_id = TextField(null=True)
    visual_keywords = JSONField(default=list)
    word_timings = JSONField(null=True)
    #: Who speaks the scene in a chat story (schema v3); None elsewhere.
    character = TextField(null=True)
    #: The scene's language where it differs from the project's (schema v5); None: the project's.
    language = TextField(null=True)
    #: The transition from this scene into the next (None: the project's default).
    transition = TextField(null=True)
    transition_duration = FloatField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "scenes"
        indexes = ((("project", "scene_number"), True),)


class VisualSuggestion(BaseModel):
    id = CharField(primary_key=True, default=new_id)
    scene = ForeignKeyField(
        Scene, backref="suggestions", on_delete="CASCADE", column_name="scene_id"
    )
    query = TextField(default="")
    source = TextField()
    candidates = JSONField(default=list)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "visual_suggestions"


class ClipSelection(BaseModel):
    """The visual chosen for a scene (one per scene): the scene's *selected clip*."""

    id = CharField(primary_key=True, default=new_id)
    scene = ForeignKeyField(
        Scene, backref="selections", on_delete="CASCADE", column_name="scene_id", unique=True
    )
    asset_path = TextField()
    kind = TextField(default="image")
    source = TextField(default="slide")
    in_point = FloatField(default=0.0)
    out_point = FloatField(null=True)
    motion = TextField(default="zoom-in")
    #: "fill" (crop around the focal point), "fit-blur" (whole, over a blurred copy of itself)
    #: or "fit-colour" (whole, on ``fit_colour``).
    framing = TextField(default="fill")
    focal_x = FloatField(default=0.5)  # 0 left .. 1 right: what a "fill" crop keeps in view
    focal_y = FloatField(default=0.5)  # 0 top .. 1 bottom
    fit_colour = TextField(default="#000000")
    #: How far the Ken Burns motion moves (0..1 of the frame); None: Studio's default.
    motion_amount = FloatField(null=True)
    #: Who made a stock visual and under which licence (``studio.stock.base.Credit.to_json``);
    #: None for the creator's own media and generated slides.
    credit = JSONField(null=True)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "clip_selections"


class Job(BaseModel):
    id = CharField(primary_key=True, default=new_id)
    project = ForeignKeyField(
        Project, backref="jobs", on_delete="CASCADE", null=True, column_name="project_id"
    )
    kind = TextField()
    status = TextField(default="pending")
    progress = FloatField(default=0.0)
    stage = TextField(default="")
    error_message = TextField(null=True)
    pid = IntegerField(null=True)
    created_at = DateTimeField(default=utcnow)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)

    class Meta:
        table_name = "jobs"


class RenderedVideo(BaseModel):
    project_id: str  # the foreign key's raw column, as Peewee exposes it

    id = CharField(primary_key=True, default=new_id)
    project = ForeignKeyField(
        Project, backref="renders", on_delete="CASCADE", column_name="project_id"
    )
    job = ForeignKeyField(Job, null=True, on_delete="SET NULL", column_name="job_id")
    file_path = TextField()
    thumbnail_path = TextField(null=True)
    srt_path = TextField(null=True)
    duration_seconds = FloatField()
    file_size_bytes = IntegerField()
    settings = JSONField(default=dict)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "rendered_videos"


class Voice(BaseModel):
    """A voice in the catalogue, or (with project+character) a character's voice mapping."""

    id = CharField(primary_key=True, default=new_id)
    engine = TextField()
    voice_id = TextField()
    display_name = TextField()
    language = TextField(default="en-us")
    gender = TextField(null=True)
    is_default = BooleanField(default=False)
    project = ForeignKeyField(
        Project, null=True, on_delete="CASCADE", backref="voice_mappings", column_name="project_id"
    )
    character = TextField(null=True)
    #: A saved blend's mix (schema v5): ``[{"voice": "af_heart", "weight": 0.6}, ...]``.
    components = JSONField(null=True)

    class Meta:
        table_name = "voices"


class Setting(BaseModel):
    key = TextField(primary_key=True)
    value = JSONField(null=True)

    class Meta:
        table_name = "settings"


class MediaAsset(BaseModel):
    id = CharField(primary_key=True, default=new_id)
    path = TextField(unique=True)
    folder = TextField(default="")
    kind = TextField()
    duration = FloatField(null=True)
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    size_bytes = IntegerField(default=0)
    mtime_ns = IntegerField(default=0)
    tags = JSONField(default=list)
    indexed_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "media_assets"


class LlmCall(BaseModel):
    """Tokens used by one LLM call (schema v2)."""

    id = CharField(primary_key=True, default=new_id)
    project = ForeignKeyField(Project, null=True, on_delete="SET NULL", column_name="project_id")
    job = ForeignKeyField(Job, null=True, on_delete="SET NULL", column_name="job_id")
    model = TextField()
    purpose = TextField(default="script")
    prompt_tokens = IntegerField(default=0)
    completion_tokens = IntegerField(default=0)
    total_tokens = IntegerField(default=0)
    #: Estimated price of the call in US dollars (schema v3).
    cost_usd = FloatField(default=0.0)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "llm_calls"


class Thumbnail(BaseModel):
    """One thumbnail variant offered for a render; at most one per render is selected (v3)."""

    render_id: str  # the foreign key's raw column, as Peewee exposes it

    id = CharField(primary_key=True, default=new_id)
    render = ForeignKeyField(
        RenderedVideo, backref="thumbnails", on_delete="CASCADE", column_name="render_id"
    )
    variant = TextField()
    image_path = TextField()
    is_selected = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "thumbnails"


class PublishingMetadata(BaseModel):
    """A project's title, description and tags for publishing (v3), one row per project."""

    project_id: str  # the foreign key's raw column, as Peewee exposes it

    project = ForeignKeyField(
        Project,
        primary_key=True,
        backref="publishing",
        on_delete="CASCADE",
        column_name="project_id",
    )
    title = TextField(default="")
    description = TextField(default="")
    tags = JSONField(default=list)
    #: Who wrote it: "groq", "script" (derived from the script offline) or "creator".
    source = TextField(default="script")
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "publishing_metadata"


class Batch(BaseModel):
    """One manifest's runs (schema v6): ``studio batch`` on the same file continues it."""

    id = CharField(primary_key=True, default=new_id)
    #: The manifest's resolved path: how a later run of the same file finds this batch.
    manifest_path = TextField()
    created_at = DateTimeField(default=utcnow)
    #: When every row last ended done or failed (None: rows are still to be made).
    finished_at = DateTimeField(null=True)

    class Meta:
        table_name = "batches"


class BatchRowRecord(BaseModel):
    """How one manifest row stands (schema v6): the project it became and how it ended."""

    batch_id: str  # the foreign key's raw column, as Peewee exposes it
    project_id: str | None

    id = CharField(primary_key=True, default=new_id)
    batch = ForeignKeyField(Batch, backref="rows", on_delete="CASCADE", column_name="batch_id")
    #: The row's number in the manifest (1 = the first video).
    number = IntegerField()
    #: What the row asked for (``BatchRow.digest``): a changed row is made again.
    digest = TextField()
    #: The project it became (None: not made yet, or deleted since).
    project = ForeignKeyField(Project, null=True, on_delete="SET NULL", column_name="project_id")
    status = TextField(default="pending")
    #: The finished MP4, relative to the home folder like ``rendered_videos.file_path``.
    video_path = TextField(null=True)
    duration = FloatField(null=True)
    error = TextField(null=True)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "batch_rows"


#: A project's content: what a duplicate or an archive carries over (not its identity/history).
PROJECT_CONTENT_FIELDS = (
    "topic",
    "current_step",
    "template",
    "template_options",
    "target_duration",
    "total_duration",
    "voice_id",
    "voice_speed",
    "render_settings",
    "language",
)
#: A scene's content (not its id, project or timestamps).
SCENE_CONTENT_FIELDS = (
    "scene_number",
    "text",
    "sanitized_text",
    "audio_file_path",
    "audio_key",
    "duration",
    "voice_id",
    "visual_keywords",
    "word_timings",
    "character",
    "transition",
    "transition_duration",
    "language",
)
#: A clip selection's content.
SELECTION_FIELDS = (
    "asset_path",
    "kind",
    "source",
    "in_point",
    "out_point",
    "motion",
    "framing",
    "focal_x",
    "focal_y",
    "fit_colour",
    "motion_amount",
    "credit",
)


def fields_of(row: Model, names: tuple[str, ...]) -> dict[str, Any]:
    """``{name: row.name}`` for ``names``."""
    return {name: getattr(row, name) for name in names}


ALL_MODELS: tuple[type[BaseModel], ...] = (
    Project,
    Scene,
    VisualSuggestion,
    ClipSelection,
    Job,
    RenderedVideo,
    Voice,
    Setting,
    MediaAsset,
    LlmCall,
    Thumbnail,
    PublishingMetadata,
    Batch,
    BatchRowRecord,
)
