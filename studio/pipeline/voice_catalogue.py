"""Which voices this machine can speak with, by language: the one list every voice picker,
the CLI and the voice choice read.

Kokoro's voices are discovered from the voice files present (``voices/*.pt`` in the configured
folder or the Hugging Face cache), never from a fixed list; saved blends come from the library;
the draft voices from espeak-ng. Nothing here downloads or loads a model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from studio.engines.draft import DRAFT_VOICES
from studio.engines.weights import find_kokoro_weights, kokoro_voice_info
from studio.errors import InputError, MissingWeightsError
from studio.languages import find_language, get_language, language_of_kokoro_voice
from studio.store import Library
from studio.store.settings_registry import DEFAULT_VOICE as DEFAULT_VOICE_SETTING
from studio.store.settings_registry import KOKORO_DIR
from studio.voice_ids import parts_from_json

KOKORO_KIND = "kokoro"
BLEND_KIND = "blend"
DRAFT_KIND = "draft"


@dataclass(frozen=True)
class VoiceEntry:
    """One voice a project, scene or character can use.

    Attributes:
        id: what is stored ("af_heart", "blend:warm-narrator", "es+f3").
        label: what the creator reads ("Heart (American English, female)").
        language: a ``studio.languages`` code.
        gender: "female", "male" or None.
        kind: "kokoro", "blend" or "draft".
        usable: whether it speaks as named here (a blend needs every one of its voice files).
    """

    id: str
    label: str
    language: str
    gender: str | None
    kind: str
    usable: bool = True


def _kokoro_dir(library: Library, kokoro_dir: Path | None) -> Path | None:
    if kokoro_dir is not None:
        return kokoro_dir
    folder = library.get_setting(KOKORO_DIR)
    return Path(folder) if folder else None


def kokoro_voice_ids(library: Library, kokoro_dir: Path | None = None) -> list[str]:
    """Ids of the Kokoro voice files present (empty without Kokoro's files)."""
    try:
        weights = find_kokoro_weights(_kokoro_dir(library, kokoro_dir))
    except MissingWeightsError:
        return []
    return weights.available_voices()


def catalogue(library: Library, kokoro_dir: Path | None = None) -> list[VoiceEntry]:
    """Every voice: Kokoro's present voice files, the saved blends, the draft voices."""
    present = kokoro_voice_ids(library, kokoro_dir)
    entries: list[VoiceEntry] = []
    for voice_id in present:
        info = kokoro_voice_info(voice_id)
        language = language_of_kokoro_voice(voice_id)
        if language is None:
            continue
        entries.append(VoiceEntry(voice_id, info.display_name, language.code,
                                  info.gender if info.gender in ("female", "male") else None,
                                  KOKORO_KIND))  # fmt: skip
    have = set(present)
    for row in library.blends():
        try:
            parts = parts_from_json(row.components or [])
        except InputError:  # a damaged row (edited outside Studio): listed, never usable
            parts = ()
        usable = bool(parts) and all(part.voice in have for part in parts)
        entries.append(VoiceEntry(row.voice_id, f"Blend: {row.display_name}", row.language,
                                  row.gender, BLEND_KIND, usable))  # fmt: skip
    for voice in DRAFT_VOICES:
        language = find_language(voice.language)
        code = language.code if language is not None else voice.language.lower()
        entries.append(VoiceEntry(voice.id, f"Draft: {voice.display_name}", code,
                                  voice.gender, DRAFT_KIND))  # fmt: skip
    return entries


def voices_for(
    library: Library, language: str, kokoro_dir: Path | None = None
) -> tuple[list[VoiceEntry], list[VoiceEntry]]:
    """(voices of ``language``, then those of every other language): pickers show the
    second list last, under a heading that says they speak another language."""
    code = get_language(language).code
    entries = catalogue(library, kokoro_dir)
    return (
        [entry for entry in entries if entry.language == code],
        [entry for entry in entries if entry.language != code],
    )


def default_voice(library: Library, language: str, kokoro_dir: Path | None = None) -> str | None:
    """The Kokoro voice a new project or scene in ``language`` speaks with, or None if no voice
    file of that language is here (the caller asks the creator to choose one).

    The library's default voice if it speaks ``language`` and is here, else the language's own
    default (``Language.default_voice``), else its first voice file present.
    """
    lang = get_language(language)
    own, _ = voices_for(library, lang.code, kokoro_dir)
    usable = [entry.id for entry in own if entry.kind != DRAFT_KIND and entry.usable]
    setting = library.get_setting(DEFAULT_VOICE_SETTING)
    for candidate in (setting, lang.default_voice):
        if candidate in usable:
            return str(candidate)
    return usable[0] if usable else None
