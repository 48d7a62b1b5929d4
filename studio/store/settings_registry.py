"""Every library-wide setting, declared once: key, type, default, description, validation.

The settings dialog, the setup checklist, the CLI and the pipeline read settings through these
declarations, never through bare key strings (the model is qutebrowser's
``config/configdata.yml``). A stored value that fails its validation (an old version's format,
a hand-edited database) reads as the default with one log warning, so a bad row never stops a
render; writing a bad value is refused with an ``InputError`` and nothing is saved.

The Groq API key is not here: it lives in the OS keyring (``studio.secrets``), never in the
database.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from studio.encoder_kinds import AUTO, ENCODER_CHOICES
from studio.errors import InputError
from studio.store.usage import DEFAULT_GROQ_MODEL
from studio.text import clean_text

log = logging.getLogger(__name__)

T = TypeVar("T")


class InvalidSetting(ValueError):
    """A value a setting's validation refuses; the message says why."""


@dataclass(frozen=True)
class SettingSpec(Generic[T]):
    """One setting: how it is stored, what it means, and what a valid value is.

    Attributes:
        key: the row's key in the ``settings`` table.
        default: the value while none (or an invalid one) is stored.
        description: one line for the creator (tooltips) and the reader of this module.
        convert: turns a stored (JSON) value into a typed one; raises ``InvalidSetting``.
    """

    key: str
    default: T
    description: str
    convert: Callable[[Any], T]

    def parse(self, raw: Any) -> T:
        """The typed value of ``raw`` (None means "not set": the default)."""
        return copy.copy(self.default) if raw is None else self.convert(raw)


#: Longest text a setting may hold (a folder path, a URL, a model name).
MAX_SETTING_TEXT = 4096
#: Most entries a list setting may hold (media folders).
MAX_SETTING_ITEMS = 1000


def _text(raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidSetting("expected non-empty text")
    if len(raw) > MAX_SETTING_TEXT:
        raise InvalidSetting(f"text longer than {MAX_SETTING_TEXT:,} characters")
    if clean_text(raw) != raw:
        raise InvalidSetting("text holds control characters")
    return raw.strip()


def _optional_text(raw: Any) -> str | None:
    if isinstance(raw, str) and not raw.strip():
        return None
    return _text(raw)


def _folders(raw: Any) -> list[str]:
    if not isinstance(raw, list | tuple):
        raise InvalidSetting("expected a list of folders")
    if len(raw) > MAX_SETTING_ITEMS:
        raise InvalidSetting(f"more than {MAX_SETTING_ITEMS:,} folders")
    folders: list[str] = []
    for item in raw:
        folder = _text(item)
        if folder not in folders:
            folders.append(folder)
    return folders


_LIBRARY_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _library_names(raw: Any) -> list[str]:
    if not isinstance(raw, list | tuple):
        raise InvalidSetting("expected a list of stock library names")
    names: list[str] = []
    for item in raw:
        if not isinstance(item, str) or not _LIBRARY_NAME.match(item.strip().lower()):
            raise InvalidSetting(f"{str(item)[:40]!r} is not a stock library's name")
        if item.strip().lower() not in names:
            names.append(item.strip().lower())
    return names


GROQ_MODEL: SettingSpec[str] = SettingSpec(
    "groq_model",
    DEFAULT_GROQ_MODEL,
    "The Groq model that writes scripts and metadata (any name Groq serves).",
    _text,
)
GROQ_BASE_URL: SettingSpec[str | None] = SettingSpec(
    "groq_base_url",
    None,
    "Another address for Groq's API (a proxy or a test server); unset means Groq's own.",
    _optional_text,
)
KOKORO_DIR: SettingSpec[str | None] = SettingSpec(
    "kokoro_weights_dir",
    None,
    "The folder with Kokoro's config.json, kokoro-v1_0.pth and voices/ (unset: search).",
    _optional_text,
)
DEFAULT_VOICE: SettingSpec[str | None] = SettingSpec(
    "default_voice",
    None,
    "The voice of a new project that names none (unset: Studio's own default).",
    _optional_text,
)
MEDIA_FOLDERS: SettingSpec[list[str]] = SettingSpec(
    "media_folders",
    [],
    "Folders of the creator's pictures and clips that Studio suggests for scenes.",
    _folders,
)
STOCK_LIBRARIES: SettingSpec[list[str]] = SettingSpec(
    "stock_libraries",
    [],
    "Stock libraries (pexels, openverse, ...) whose footage fills scenes with no visual when "
    "a video is made; empty: none (your media and generated slides only).",
    _library_names,
)



def _encoder(raw: Any) -> str:
    if not isinstance(raw, str) or raw.strip().lower() not in ENCODER_CHOICES:
        raise InvalidSetting("expected one of " + ", ".join(ENCODER_CHOICES))
    return raw.strip().lower()


ENCODER: SettingSpec[str] = SettingSpec(
    "encoder",
    AUTO,
    "The H.264 encoder renders use: auto (the fastest this computer really opens, else "
    "x264), x264, nvenc, qsv, vaapi, videotoolbox or amf.",
    _encoder,
)
CLUSTER_ADDRESS: SettingSpec[str | None] = SettingSpec(
    "cluster_address",
    None,
    "A Dask scheduler (tcp://host:8786) whose workers voice scenes and encode segments; "
    "unset: this computer alone. Needs the optional extra studio[cluster].",
    _optional_text,
)

#: Every setting by key.
REGISTRY: Mapping[str, SettingSpec[Any]] = MappingProxyType(
    {
        spec.key: spec
        for spec in (
            GROQ_MODEL,
            GROQ_BASE_URL,
            KOKORO_DIR,
            DEFAULT_VOICE,
            MEDIA_FOLDERS,
            STOCK_LIBRARIES,
            ENCODER,
            CLUSTER_ADDRESS,
        )
    }
)


def spec_of(key: str | SettingSpec[T]) -> SettingSpec[Any]:
    """The declaration of ``key``; an undeclared key is a bug, not the creator's mistake."""
    if isinstance(key, SettingSpec):
        return key
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"{key!r} is not a declared setting (see settings_registry)") from None


def read(spec: SettingSpec[T], raw: Any) -> T:
    """The typed value of a stored ``raw``; the default (and one warning) if it is invalid."""
    try:
        return spec.parse(raw)
    except InvalidSetting as exc:
        log.warning("Ignoring the stored setting %s (%s); using its default", spec.key, exc)
        return copy.copy(spec.default)


def to_store(spec: SettingSpec[T], value: Any) -> Any:
    """The JSON value to store for ``value``, checked first.

    Raises:
        InputError: ``value`` is not valid for ``spec`` (nothing is stored).
    """
    if value is None:
        return None
    try:
        typed = spec.convert(value)
    except InvalidSetting as exc:
        raise InputError(
            f"The setting {spec.key} can't be {str(value)[:80]!r}: {exc}",
            fix=spec.description,
        ) from None
    return typed


__all__ = [
    "CLUSTER_ADDRESS",
    "ENCODER",
    "DEFAULT_VOICE",
    "GROQ_BASE_URL",
    "GROQ_MODEL",
    "KOKORO_DIR",
    "MEDIA_FOLDERS",
    "REGISTRY",
    "STOCK_LIBRARIES",
    "InvalidSetting",
    "SettingSpec",
    "read",
    "spec_of",
    "to_store",
]
