"""A batch manifest read and checked: CSV (a header row) or JSON (a list of rows, or
``{"defaults": {...}, "rows": [...]}``), one video per row.

Every row is checked before anything is made, so a mistake in row 40 doesn't leave 39 videos
and a half-made batch: an unknown column, a row with both or neither of topic and script, a
missing file, a bad value each stop the run with one line naming the row and the column, and
the fix. What can only be checked against the library (voices, template options, a topic's
Groq key) is checked by ``studio.pipeline.batch`` with ``produce``'s own checks, also before
the first video. Hostile files (empty, binary, huge, thousands of rows, JSON that is not a
list of objects) are refused in one line as well.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from studio.errors import InputError
from studio.inputfiles import check_regular_file, read_regular_file, resolve_path, sha256_of
from studio.languages import check_language
from studio.media.settings import ASPECTS, CAPTION_STYLES, RESOLUTIONS
from studio.pipeline.templates import TemplateOption, all_templates, get_template, options_by_key
from studio.pipeline.templates.background import is_colour
from studio.store.rooms.projects import MAX_NAME, check_duration
from studio.transition_kinds import TRANSITIONS

#: The largest manifest read (2 MB holds thousands of rows of topics).
MAX_MANIFEST_BYTES = 2 * 1024 * 1024
#: The most rows one manifest may hold: a week of a busy agency's videos, many times over
#: (a batch of more is better split, and its summary stays readable).
MAX_ROWS = 1000
#: The longest text one cell may hold (a topic or a name; scripts live in files).
MAX_CELL_CHARS = 5000
#: What separates several media folders in one CSV cell (JSON takes a list).
MEDIA_SEPARATOR = ";"
_TRUE = ("yes", "true", "1", "on", "y")
_FALSE = ("no", "false", "0", "off", "n")


@dataclass(frozen=True)
class BatchRow:
    """One manifest row, checked (paths resolved against the manifest's folder).

    Attributes:
        number: the row's number in the manifest (1 = the first video), for messages.
        topic / script: the source (exactly one of them).
        template, duration, voice, language, speed, aspect, resolution, music, captions,
        caption_style, transition, project_name, media, template_options: as ``produce``'s.
        script_sha256: the script file's content hash when the manifest was read (a script
            edited since makes the row a changed row).
    """

    number: int
    topic: str | None = None
    script: Path | None = None
    template: str | None = None
    duration: float | None = None
    voice: str | None = None
    language: str | None = None
    speed: float = 1.0
    aspect: str = "16:9"
    resolution: str = "1080p"
    music: Path | None = None
    captions: bool = True
    caption_style: str = "clean"
    transition: str = "cut"
    project_name: str | None = None
    media: tuple[Path, ...] = ()
    template_options: Mapping[str, Any] = field(default_factory=dict)
    script_sha256: str | None = None

    @property
    def digest(self) -> str:
        """A hash of everything the row asks for (a changed row is a new video on resume)."""
        asked = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("number",)}
        asked["template_options"] = dict(sorted(self.template_options.items()))
        text = json.dumps(asked, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Manifest:
    """A checked manifest: its file and its rows, in order."""

    path: Path
    rows: tuple[BatchRow, ...]


class _CellError(ValueError):
    """A bad cell: what is wrong and the fix (the row and column are added by the caller)."""

    def __init__(self, what: str, fix: str | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


# -- cells -------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _CellError(f"expected text, got {type(value).__name__}", "Write it as text")
    text = str(value).strip()
    if len(text) > MAX_CELL_CHARS:
        raise _CellError(
            f"the text is too long ({len(text):,} characters; at most {MAX_CELL_CHARS:,})",
            "Put a long script in a file and name it in the script column",
        )
    return text


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise _CellError(f"{value!r} is not a number", "Give a number such as 60")
    try:
        number = float(value if isinstance(value, int | float) else _text(value))
    except ValueError:
        raise _CellError(f"{value!r} is not a number", "Give a number such as 60") from None
    if not math.isfinite(number):
        raise _CellError(f"{value!r} is not a finite number", "Give a number such as 60")
    return number


def _one_of(choices: Iterable[str]) -> Callable[[Any, Path], str]:
    allowed = tuple(choices)

    def parse(value: Any, base: Path) -> str:
        text = _text(value)
        if text not in allowed:
            raise _CellError(f"{text!r} is not allowed", f"Use one of {', '.join(allowed)}")
        return text

    return parse


def _file(what: str) -> Callable[[Any, Path], Path]:
    def parse(value: Any, base: Path) -> Path:
        path = base / Path(_text(value)).expanduser()
        try:
            return resolve_path(check_regular_file(path, what=what), what=what)
        except InputError as exc:  # its own where is the file, the row's is the manifest
            raise _CellError(f"{exc.what.rstrip('.')}: {exc.where or path}",
                             f"Give the {what}'s path, relative to the manifest's folder or "
                             "absolute") from None  # fmt: skip

    return parse


def _folders(value: Any, base: Path) -> tuple[Path, ...]:
    items = value if isinstance(value, list) else _text(value).split(MEDIA_SEPARATOR)
    folders: list[Path] = []
    for item in items:
        text = _text(item)
        if not text:
            continue
        try:
            folder = resolve_path(base / Path(text).expanduser(), what="media folder")
        except InputError as exc:
            raise _CellError(f"{exc.what}: {text}", "Give the folder itself") from None
        if not folder.is_dir():
            raise _CellError(
                f"the media folder {text!r} does not exist",
                f"Give folders of images or videos (several separated by {MEDIA_SEPARATOR!r})",
            )
        folders.append(folder)
    return tuple(folders)


def _yes_no(value: Any, base: Path) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _CellError(f"{text!r} is not yes or no", "Write yes or no (or true/false, 1/0)")


def _speed(value: Any, base: Path) -> float:
    speed = _number(value)
    if not 0.5 <= speed <= 2.0:
        raise _CellError(f"the speed must be between 0.5 and 2.0, not {speed:g}", None)
    return speed


def _duration(value: Any, base: Path) -> float | None:
    try:
        return check_duration(_number(value), what="duration")
    except InputError as exc:
        raise _CellError(exc.what, "Give the video's length in seconds") from None


def _language(value: Any, base: Path) -> str:
    try:
        return check_language(_text(value))
    except InputError as exc:
        raise _CellError(exc.what, exc.fix) from None


def _name(value: Any, base: Path) -> str:
    text = _text(value)
    if len(text) > MAX_NAME:
        raise _CellError(f"the project name is longer than {MAX_NAME} characters", None)
    return text


def _plain(value: Any, base: Path) -> str:
    return _text(value)


#: The manifest's own columns: name -> (BatchRow field, how its cell is read).
COLUMNS: dict[str, tuple[str, Callable[[Any, Path], Any]]] = {
    "topic": ("topic", _plain),
    "script": ("script", _file("script file")),
    "template": ("template", _one_of(t.name for t in all_templates())),
    "duration": ("duration", _duration),
    "voice": ("voice", _plain),
    "language": ("language", _language),
    "speed": ("speed", _speed),
    "aspect": ("aspect", _one_of(ASPECTS)),
    "resolution": ("resolution", _one_of(RESOLUTIONS)),
    "music": ("music", _file("music file")),
    "media": ("media", _folders),
    "captions": ("captions", _yes_no),
    "caption_style": ("caption_style", _one_of(CAPTION_STYLES)),
    "transition": ("transition", _one_of(TRANSITIONS)),
    "project": ("project_name", _name),
}


def _option_value(option: TemplateOption, value: Any, base: Path) -> Any:
    """A template option's cell, read by its declared kind (the template checks the rest)."""
    if option.kind == "choice":
        return _one_of(option.choices)(value, base)
    if option.kind == "number":
        return _number(value)
    if option.kind == "whole":
        number = _number(value)
        if number != int(number):
            raise _CellError(f"{value!r} is not a whole number", "Give a whole number")
        return int(number)
    text = _text(value)
    if option.kind == "backdrop" and not is_colour(text):
        try:
            return str(resolve_path(base / Path(text).expanduser(), what="background"))
        except InputError as exc:
            raise _CellError(exc.what, "Give a colour or a picture's path") from None
    return text


def known_columns() -> tuple[str, ...]:
    """Every column a manifest may have: its own, then each template option's key."""
    return (*COLUMNS, *options_by_key(all_templates()))


def _column_key(name: Any) -> str:
    """A header's name as a column key: ``Caption Style`` and ``caption-style`` both work."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())


# -- rows --------------------------------------------------------------------------------------
def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _parse_row(number: int, cells: Mapping[str, Any], base: Path) -> BatchRow:
    """One row's cells (keys already known columns) as a checked ``BatchRow``."""
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    declared = options_by_key(all_templates())
    for column, value in cells.items():
        if _is_empty(value):
            continue
        try:
            if column in COLUMNS:
                name, parse = COLUMNS[column]
                values[name] = parse(value, base)
            else:
                options[column] = _option_value(declared[column][0], value, base)
        except _CellError as exc:
            raise _row_error(number, column, exc.what, exc.fix) from None
    if ("topic" in values) == ("script" in values):
        both = "both a topic and a script" if "topic" in values else "neither a topic nor a script"
        raise _row_error(number, "topic", f"the row has {both}", "Give exactly one of them")
    template = get_template(values.get("template"))
    own = {o.key for o in template.options}
    for key in options:
        if key not in own:
            raise _row_error(
                number, key, f"the {template.label.lower()} template has no option {key!r}",
                f"Its options: {', '.join(sorted(own)) or 'none'}; or change the template",
            )  # fmt: skip
    script = values.get("script")
    return BatchRow(
        number=number,
        template_options=options,
        script_sha256=sha256_of(script) if script is not None else None,
        **values,
    )


def _row_error(number: int, column: str, what: str, fix: str | None) -> InputError:
    return InputError(f"Row {number}, column {column}: {what}", fix=fix)


# -- files -------------------------------------------------------------------------------------
def _decode(data: bytes, where: str) -> str:
    if not data.strip():
        raise InputError(
            "The manifest is empty", where=where,
            fix="Write a header row (topic or script, template, voice ...) and one row per video",
        )  # fmt: skip
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise InputError(
        "The manifest is not a text file (binary, or not UTF-8)",
        where=where,
        fix="Save it as CSV or JSON, UTF-8 text",
    )


def _csv_rows(text: str, where: str) -> list[dict[str, Any]]:
    """The CSV's data rows as {header: cell} (a header row first; blank lines skipped)."""
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(
            f"The manifest is not valid CSV ({exc})", where=where,
            fix="Save it from a spreadsheet as CSV (UTF-8), one row per video",
        ) from None  # fmt: skip
    lines = [line for line in lines if any(cell.strip() for cell in line)]
    if not lines:
        raise InputError("The manifest is empty", where=where, fix="Write a header row first")
    header, *body = lines
    if len(body) > MAX_ROWS:
        raise _too_many(len(body), where)
    rows: list[dict[str, Any]] = []
    for number, line in enumerate(body, start=1):
        if len(line) > len(header) and any(cell.strip() for cell in line[len(header) :]):
            raise InputError(
                f"Row {number} has {len(line)} cells but the header names {len(header)} columns",
                where=where,
                fix="Add the missing column names to the header, or quote cells holding commas",
            )
        rows.append(dict(zip(header, line, strict=False)))
    return rows


def _json_rows(text: str, where: str) -> list[dict[str, Any]]:
    """A JSON manifest's rows, each with the defaults under it."""
    shape = 'Write a list of rows ([{"script": ...}, ...]) or {"defaults": {...}, "rows": [...]}'
    try:
        document = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        why = "a number has thousands of digits" if "int_max_str_digits" in str(exc) else exc
        raise InputError(f"The manifest is not valid JSON ({why})", where=where,
                         fix=shape) from None  # fmt: skip
    defaults: Any = {}
    if isinstance(document, dict):
        unknown = sorted(set(document) - {"defaults", "rows"})
        if unknown or "rows" not in document:
            raise InputError(
                "The manifest's object has "
                + (f"an unknown key {unknown[0][:40]!r}" if unknown else "no rows"),
                where=where, fix=shape,
            )  # fmt: skip
        defaults, document = document.get("defaults", {}), document["rows"]
        if not isinstance(defaults, dict):
            raise InputError("The manifest's defaults are not an object", where=where, fix=shape)
    if not isinstance(document, list):
        raise InputError("The manifest is not a list of rows", where=where, fix=shape)
    if len(document) > MAX_ROWS:
        raise _too_many(len(document), where)
    rows: list[dict[str, Any]] = []
    for number, row in enumerate(document, start=1):
        if not isinstance(row, dict):
            raise InputError(f"Row {number} is not an object", where=where, fix=shape)
        rows.append({**defaults, **row})
    return rows


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _too_many(count: int, where: str) -> InputError:
    return InputError(
        f"The manifest has {count:,} rows; a batch holds at most {MAX_ROWS:,}",
        where=where,
        fix="Split it into several manifests",
    )


def _known_keys(rows: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """Rows keyed by known column names; an unknown or repeated column is refused."""
    known = known_columns()
    keyed: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        cells: dict[str, Any] = {}
        for name, value in row.items():
            key = _column_key(name)
            if key not in known:
                shown = str(name).strip()[:40] or "(an empty name)"
                raise InputError(
                    f"Unknown column {shown!r} (row {number})",
                    where=where,
                    fix=f"Known columns: {', '.join(known)}",
                )
            if key in cells:
                raise InputError(f"The column {key!r} is named twice", where=where,
                                 fix="Keep one of them")  # fmt: skip
            cells[key] = value
        keyed.append(cells)
    return keyed


def load_manifest(path: Path) -> Manifest:
    """Read and check a CSV or JSON manifest (every row, before anything is made).

    Raises:
        InputError: unreadable file, unknown column, bad value: one line naming the row and
            column, and how to fix it.
    """
    path = resolve_path(path, what="manifest")
    where = str(path)
    data = read_regular_file(
        path, limit=MAX_MANIFEST_BYTES, what="manifest", fix="Split it into several manifests"
    )
    text = _decode(data, where)
    is_json = path.suffix.lower() == ".json" or (
        path.suffix.lower() != ".csv" and text.lstrip()[:1] in ("[", "{")
    )
    raw = _json_rows(text, where) if is_json else _csv_rows(text, where)
    if not raw:
        raise InputError(
            "The manifest has no rows", where=where, fix="Add one row per video under the header"
        )
    rows = []
    for number, cells in enumerate(_known_keys(raw, where), start=1):
        try:
            rows.append(_parse_row(number, cells, path.parent))
        except InputError as exc:
            raise InputError(exc.what, where=where, fix=exc.fix) from None
        if path in (rows[-1].script, rows[-1].music):  # its header would be narrated
            raise InputError(
                f"Row {number} names the manifest itself as its script or music", where=where,
                fix="Name the row's own script file (a text file beside the manifest)",
            )  # fmt: skip
    return Manifest(path=path, rows=tuple(rows))


__all__ = [
    "COLUMNS",
    "MAX_MANIFEST_BYTES",
    "MAX_ROWS",
    "BatchRow",
    "Manifest",
    "known_columns",
    "load_manifest",
]
