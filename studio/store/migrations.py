"""Forward migrations, one per schema version, as explicit SQL.

``MIGRATIONS[n]`` upgrades a database at version ``n`` to ``n + 1``. Never edit a released
migration: add a new one and bump ``SCHEMA_VERSION`` (which is ``len(MIGRATIONS)``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from studio.store.models import BATCH_ROW_STATUSES, JOB_STATUSES, STEPS, TEMPLATES


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_V1 = f"""
CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    topic TEXT NOT NULL DEFAULT '',
    current_step TEXT NOT NULL DEFAULT 'topic' CHECK (current_step IN ({_in(STEPS)})),
    status TEXT NOT NULL DEFAULT 'draft',
    template TEXT NOT NULL DEFAULT 'explainer' CHECK (template IN ({_in(TEMPLATES)})),
    target_duration REAL CHECK (target_duration IS NULL OR target_duration > 0),
    total_duration REAL NOT NULL DEFAULT 0,
    voice_id TEXT,
    voice_speed REAL NOT NULL DEFAULT 1.0 CHECK (voice_speed > 0),
    render_settings TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(render_settings)),
    video_path TEXT,
    video_total_duration REAL,
    video_file_size INTEGER,
    thumbnail_path TEXT,
    created_at DATETIME NOT NULL,
    last_active DATETIME NOT NULL
);
CREATE TABLE scenes (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    scene_number INTEGER NOT NULL,
    text TEXT NOT NULL,
    sanitized_text TEXT NOT NULL DEFAULT '',
    audio_file_path TEXT,
    audio_key TEXT,
    duration REAL CHECK (duration IS NULL OR duration >= 0),
    voice_id TEXT,
    visual_keywords TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(visual_keywords)),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX scenes_project_id_scene_number ON scenes (project_id, scene_number);
CREATE TABLE visual_suggestions (
    id TEXT PRIMARY KEY NOT NULL,
    scene_id TEXT NOT NULL REFERENCES scenes (id) ON DELETE CASCADE,
    query TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    candidates TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(candidates)),
    created_at DATETIME NOT NULL
);
CREATE INDEX visual_suggestions_scene_id ON visual_suggestions (scene_id);
CREATE TABLE clip_selections (
    id TEXT PRIMARY KEY NOT NULL,
    scene_id TEXT NOT NULL UNIQUE REFERENCES scenes (id) ON DELETE CASCADE,
    asset_path TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'image' CHECK (kind IN ('image', 'video')),
    source TEXT NOT NULL DEFAULT 'slide',
    in_point REAL NOT NULL DEFAULT 0 CHECK (in_point >= 0),
    out_point REAL,
    motion TEXT NOT NULL DEFAULT 'zoom-in',
    created_at DATETIME NOT NULL
);
CREATE TABLE jobs (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({_in(JOB_STATUSES)})),
    progress REAL NOT NULL DEFAULT 0 CHECK (progress >= 0 AND progress <= 1),
    stage TEXT NOT NULL DEFAULT '',
    error_message TEXT,
    created_at DATETIME NOT NULL,
    started_at DATETIME,
    finished_at DATETIME
);
CREATE INDEX jobs_project_id ON jobs (project_id);
CREATE INDEX jobs_status ON jobs (status);
CREATE TABLE rendered_videos (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    job_id TEXT REFERENCES jobs (id) ON DELETE SET NULL,
    file_path TEXT NOT NULL,
    thumbnail_path TEXT,
    srt_path TEXT,
    duration_seconds REAL NOT NULL CHECK (duration_seconds > 0),
    file_size_bytes INTEGER NOT NULL CHECK (file_size_bytes > 0),
    settings TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(settings)),
    created_at DATETIME NOT NULL
);
CREATE INDEX rendered_videos_project_id ON rendered_videos (project_id);
CREATE TABLE voices (
    id TEXT PRIMARY KEY NOT NULL,
    engine TEXT NOT NULL,
    voice_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    language TEXT NOT NULL DEFAULT 'en-us',
    gender TEXT,
    is_default INTEGER NOT NULL DEFAULT 0,
    project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
    character TEXT
);
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT CHECK (value IS NULL OR json_valid(value))
);
CREATE TABLE media_assets (
    id TEXT PRIMARY KEY NOT NULL,
    path TEXT NOT NULL UNIQUE,
    folder TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('image', 'video', 'audio')),
    duration REAL,
    width INTEGER,
    height INTEGER,
    size_bytes INTEGER NOT NULL DEFAULT 0,
    mtime_ns INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    indexed_at DATETIME NOT NULL
);
"""

_V2 = """
ALTER TABLE scenes ADD COLUMN word_timings TEXT
    CHECK (word_timings IS NULL OR json_valid(word_timings));
ALTER TABLE jobs ADD COLUMN pid INTEGER;
CREATE TABLE llm_calls (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    job_id TEXT REFERENCES jobs (id) ON DELETE SET NULL,
    model TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT 'script',
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    total_tokens INTEGER NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX voices_mapping
    ON voices (engine, voice_id, ifnull(project_id, ''), ifnull(character, ''));
"""


_V3 = """
ALTER TABLE projects ADD COLUMN template_options TEXT NOT NULL DEFAULT '{}'
    CHECK (json_valid(template_options));
ALTER TABLE scenes ADD COLUMN character TEXT;
ALTER TABLE llm_calls ADD COLUMN cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0);
CREATE TABLE thumbnails (
    id TEXT PRIMARY KEY NOT NULL,
    render_id TEXT NOT NULL REFERENCES rendered_videos (id) ON DELETE CASCADE,
    variant TEXT NOT NULL,
    image_path TEXT NOT NULL,
    is_selected INTEGER NOT NULL DEFAULT 0 CHECK (is_selected IN (0, 1)),
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX thumbnails_render_variant ON thumbnails (render_id, variant);
CREATE UNIQUE INDEX thumbnails_one_selected ON thumbnails (render_id) WHERE is_selected = 1;
CREATE TABLE publishing_metadata (
    project_id TEXT PRIMARY KEY NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    source TEXT NOT NULL DEFAULT 'script' CHECK (source IN ('groq', 'script', 'creator')),
    updated_at DATETIME NOT NULL
);
"""


#: Version 4 (issue 16): how a scene's visual is framed and moved, who made a stock visual and
#: under which licence, and the transition into the next scene (None: the project's default).
_V4 = """
ALTER TABLE clip_selections ADD COLUMN framing TEXT NOT NULL DEFAULT 'fill'
    CHECK (framing IN ('fill', 'fit-blur', 'fit-colour'));
ALTER TABLE clip_selections ADD COLUMN focal_x REAL NOT NULL DEFAULT 0.5
    CHECK (focal_x BETWEEN 0 AND 1);
ALTER TABLE clip_selections ADD COLUMN focal_y REAL NOT NULL DEFAULT 0.5
    CHECK (focal_y BETWEEN 0 AND 1);
ALTER TABLE clip_selections ADD COLUMN fit_colour TEXT NOT NULL DEFAULT '#000000';
ALTER TABLE clip_selections ADD COLUMN motion_amount REAL
    CHECK (motion_amount IS NULL OR motion_amount BETWEEN 0 AND 1);
ALTER TABLE clip_selections ADD COLUMN credit TEXT CHECK (credit IS NULL OR json_valid(credit));
ALTER TABLE scenes ADD COLUMN transition TEXT;
ALTER TABLE scenes ADD COLUMN transition_duration REAL
    CHECK (transition_duration IS NULL OR transition_duration >= 0);
"""


#: Version 5 (issue 17): the language of a project and, where it differs, of a scene; a voice
#: blend's mix (``voices.components``: ``[{"voice": "af_heart", "weight": 0.6}, ...]``).
_V5 = """
ALTER TABLE projects ADD COLUMN language TEXT NOT NULL DEFAULT 'en-us';
ALTER TABLE scenes ADD COLUMN language TEXT;
ALTER TABLE voices ADD COLUMN components TEXT
    CHECK (components IS NULL OR json_valid(components));
"""


#: Version 6 (issue 18): ``studio batch``'s manifests and how each of their rows stands; a
#: deleted project leaves its row (``project_id`` NULL) so the batch's summary still tells it.
_V6 = f"""
CREATE TABLE batches (
    id TEXT PRIMARY KEY NOT NULL,
    manifest_path TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    finished_at DATETIME
);
CREATE INDEX batches_manifest_path ON batches (manifest_path);
CREATE TABLE batch_rows (
    id TEXT PRIMARY KEY NOT NULL,
    batch_id TEXT NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    number INTEGER NOT NULL CHECK (number > 0),
    digest TEXT NOT NULL,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({_in(BATCH_ROW_STATUSES)})),
    video_path TEXT,
    duration REAL CHECK (duration IS NULL OR duration >= 0),
    error TEXT,
    updated_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX batch_rows_batch_number ON batch_rows (batch_id, number);
CREATE INDEX batch_rows_project_id ON batch_rows (project_id);
"""


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def apply(conn: sqlite3.Connection) -> None:
        for statement in sql.split(";"):
            if statement.strip():
                conn.execute(statement)

    return apply


#: MIGRATIONS[n] takes a database from version n to n + 1.
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _script(_V1),
    _script(_V2),
    _script(_V3),
    _script(_V4),
    _script(_V5),
    _script(_V6),
)


def migrate(conn: sqlite3.Connection, *, target: int | None = None) -> tuple[int, int]:
    """Upgrade ``conn`` to ``target`` (default: latest) in one transaction; return (from, to)."""
    target = len(MIGRATIONS) if target is None else target
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    if current >= target:
        return current, current
    conn.execute("BEGIN IMMEDIATE")
    try:
        for version in range(current, target):
            MIGRATIONS[version](conn)
        conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return current, target
