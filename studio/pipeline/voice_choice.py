"""Which voice speaks a scene, and with which engine: honest about what is on this machine.

The voice asked for is the scene's override, its character's voice, the project's voice, the
library's default voice if it speaks the scene's language, else the catalogue's default for that
language (``voice_catalogue.default_voice``). Then:

- a Kokoro voice (or a blend) speaks with Kokoro when its voice files are here;
- Kokoro's files are here but not that voice's file: InputError naming the voices that are here
  and the file to add (never a silent draft);
- Kokoro's files are entirely absent: the draft voice (espeak-ng) of the text's language and the
  voice's gender speaks, and the run says Kokoro's files are missing;
- a saved blend ("blend:warm-narrator") speaks as its spec ("af_heart*0.6+bf_emma*0.4"), so the
  spec is in the audio key and editing the blend re-voices the scenes that use it.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass
from pathlib import Path

import studio.engines.draft as draft_engine
from studio.engines.base import DRAFT, KOKORO, TTSEngine
from studio.engines.registry import get_engine
from studio.engines.weights import KOKORO_V1_VOICES, find_kokoro_weights
from studio.errors import InputError, MissingWeightsError
from studio.languages import (
    DEFAULT_LANGUAGE,
    find_language,
    get_language,
    language_of_kokoro_voice,
)
from studio.pipeline import voice_catalogue
from studio.pipeline.request import RunRequest
from studio.store import Library
from studio.store.models import Project, Scene
from studio.store.settings_registry import DEFAULT_VOICE as DEFAULT_VOICE_SETTING
from studio.store.settings_registry import KOKORO_DIR
from studio.voice_ids import (
    BLEND_PREFIX,
    KOKORO_VOICE_ID,
    BlendPart,
    blend_spec,
    is_blend_spec,
    is_saved_blend,
    parse_blend_spec,
    parts_from_json,
)

_GENDER_OF_LETTER = {"f": "female", "m": "male"}
_ENGLISH = frozenset({"en-us", "en-gb"})
#: Voices named in an error's fix at most.
_LISTED_VOICES = 8

_engines: dict[tuple[str, str], TTSEngine] = {}
_engines_lock = threading.Lock()


@dataclass(frozen=True)
class VoiceChoice:
    """The engine and voice a scene will actually be spoken with.

    Attributes:
        engine: the engine that speaks.
        voice: the engine's voice id (a saved blend is already its spec here).
        language: the text's ``studio.languages`` code (the G2P, part of the audio key).
        stand_in: why the draft voice speaks in place of the Kokoro voice asked for, or None.
    """

    engine: TTSEngine
    voice: str
    language: str = DEFAULT_LANGUAGE
    stand_in: str | None = None

    @property
    def is_draft(self) -> bool:
        return self.engine.is_draft

    @property
    def reads_as(self) -> str | None:
        """The language given to the engine (its G2P): None for English text in an English
        voice, so a British voice keeps its own accent's rules as it did before languages."""
        if self.language in _ENGLISH and _speaks_english(self.voice):
            return None
        return self.language


def _speaks_english(voice: str) -> bool:
    """Whether a Kokoro voice, blend spec (its largest share) or draft voice is English."""
    kokoro = language_of_kokoro_voice(voice.split("*", 1)[0].strip())
    return kokoro.code in _ENGLISH if kokoro is not None else voice.startswith("en")


def weights_dir(library: Library, request: RunRequest | None = None) -> Path | None:
    """Kokoro's folder: the run's (``RunRequest.kokoro_dir``). The library's setting is read
    only with no run request: the GUI's voice status and a single scene's "Regenerate voice"."""
    if request is not None:
        return request.kokoro_dir
    folder = library.get_setting(KOKORO_DIR)
    return Path(folder) if folder else None


def cached_engine(name: str, folder: Path | None) -> TTSEngine:
    """One engine per (engine, Kokoro folder) for the process: Kokoro's model loads once."""
    key = (name, str(folder or ""))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            if name == KOKORO:
                engine = get_engine(KOKORO, weights=find_kokoro_weights(folder))
            else:
                engine = get_engine(DRAFT)
            _engines[key] = engine
        return engine


def release_engines() -> None:
    """Let every cached engine free what it holds until it speaks again (Kokoro's model and
    pipelines, ~1 GB): the render after the voice stage needs none of it."""
    with _engines_lock:
        engines = list(_engines.values())
    for engine in engines:
        release = getattr(engine, "release", None)
        if release is not None:
            release()


def scene_language(project: Project, scene: Scene | None = None) -> str:
    """The language a scene's text is in: its own, else the project's (a stored code)."""
    own = scene.language if scene is not None else None
    return get_language(own or project.language).code


def voice_language(library: Library, voice_id: str) -> str | None:
    """The language ``voice_id`` speaks natively (a ``studio.languages`` code), or None."""
    if is_saved_blend(voice_id):
        row = library.blend(voice_id)
        return str(row.language) if row is not None and row.language else None
    if is_blend_spec(voice_id):
        voice_id = voice_id.split("*", 1)[0].strip()
    kokoro = language_of_kokoro_voice(voice_id)
    if kokoro is not None:
        return kokoro.code
    for voice in draft_engine.DRAFT_VOICES:
        if voice.id == voice_id:
            found = find_language(voice.language)
            return found.code if found is not None else None
    found = find_language(voice_id.split("+", 1)[0])
    return found.code if found is not None else None


def wanted_voice(
    library: Library,
    project: Project,
    scene: Scene | None = None,
    *,
    kokoro_dir: Path | None = None,
) -> str:
    """The voice asked for (before any stand-in): the scene's override, its character's
    voice, the project's, the library's default if it speaks the scene's language, the
    catalogue's default for the language, else the language's own default (which the choice
    then reports as missing, or stands in for with the draft voice)."""
    character = scene.character if scene is not None else None
    chosen = (
        (scene.voice_id if scene is not None else None)
        or (library.character_voices(project).get(character) if character else None)
        or project.voice_id
    )
    if chosen:
        return str(chosen)
    language = scene_language(project, scene)
    setting = library.get_setting(DEFAULT_VOICE_SETTING)
    if setting and voice_language(library, setting) == language:
        return str(setting)
    found = voice_catalogue.default_voice(library, language, kokoro_dir)
    return found or get_language(language).default_voice


def choose_voice(
    library: Library,
    project: Project,
    scene: Scene | None = None,
    *,
    request: RunRequest | None = None,
) -> VoiceChoice:
    """The engine and voice that will speak ``scene`` (see the module's rules)."""
    folder = weights_dir(library, request)
    wanted = wanted_voice(library, project, scene, kokoro_dir=folder)
    return voice_for(library, wanted, language=scene_language(project, scene), request=request)


def voice_for(
    library: Library,
    wanted: str,
    *,
    language: str = DEFAULT_LANGUAGE,
    request: RunRequest | None = None,
) -> VoiceChoice:
    """The engine that speaks ``wanted`` reading text in ``language``."""
    if is_saved_blend(wanted):
        row = library.blend(wanted)
        if row is None:
            raise InputError(
                f"The voice blend {wanted.removeprefix(BLEND_PREFIX)!r} no longer exists",
                fix="Choose another voice, or make the blend again",
            )
        parts = parts_from_json(row.components or [])
        gender = row.gender or _GENDER_OF_LETTER.get(parts[0].voice[1:2])
        return _kokoro_choice(library, blend_spec(parts), parts, language, request, gender)
    if is_blend_spec(wanted):
        parts = parse_blend_spec(wanted)
        gender = _GENDER_OF_LETTER.get(parts[0].voice[1:2])
        return _kokoro_choice(library, blend_spec(parts), parts, language, request, gender)
    if KOKORO_VOICE_ID.match(wanted) and language_of_kokoro_voice(wanted) is not None:
        parts = (BlendPart(wanted, 1.0),)
        gender = _GENDER_OF_LETTER.get(wanted[1:2])
        return _kokoro_choice(library, wanted, parts, language, request, gender)
    return VoiceChoice(cached_engine(DRAFT, None), wanted, language)


def _kokoro_choice(
    library: Library,
    voice: str,
    parts: tuple[BlendPart, ...],
    language: str,
    request: RunRequest | None,
    gender: str | None,
) -> VoiceChoice:
    """Kokoro speaking ``voice`` (an id or a blend spec of ``parts``); the draft voice only
    when Kokoro's files are entirely absent; InputError when a needed voice file is not here."""
    folder = weights_dir(library, request)
    try:
        engine = cached_engine(KOKORO, folder)
    except MissingWeightsError as missing:
        own = voice_language(library, parts[0].voice) or language
        speaks = own if own == language or {own, language} <= _ENGLISH else language
        reason = "Kokoro's voice files are missing" + (
            f" ({missing.where})" if missing.where else ""
        )
        draft = draft_voice_for(speaks, gender)
        return VoiceChoice(cached_engine(DRAFT, None), draft, language, stand_in=reason)
    present = [info.id for info in engine.voices()]
    for part in parts:
        if part.voice not in present:
            raise _missing_voice(part.voice, present, _voices_dir(engine, folder))
    return VoiceChoice(engine, voice, language)


def _voices_dir(engine: TTSEngine, folder: Path | None) -> str:
    weights = getattr(engine, "weights", None)
    found = getattr(weights, "voices_dir", None)
    return str(found or (folder / "voices" if folder else "Kokoro's voices folder"))


def _missing_voice(voice: str, present: list[str], voices_dir: str) -> InputError:
    """ "There is no Japanese voice here" (or this voice's file is gone), with what is here."""
    language = language_of_kokoro_voice(voice)
    letter = voice[:1]
    same = [other for other in present if other[:1] == letter]
    if language is not None and not same:
        what = f"There is no {language.name} voice here"
    else:
        what = f"The voice file {voice}.pt is not here"
    offered = (same or present)[:_LISTED_VOICES]
    add = f"add {letter}f_*.pt or {letter}m_*.pt voice files to {voices_dir}"
    fix = f"Choose one of: {', '.join(offered)}; or {add}" if offered else add.capitalize()
    return InputError(what, where=f"voice {voice}", fix=fix)


def draft_voice_for(language: str, gender: str | None) -> str:
    """The draft (espeak-ng) voice of ``language`` and ``gender``.

    ``studio.engines.draft.draft_voice_for`` once the draft voice speaks every language; until
    then the same rule here: English keeps its accents, others take espeak's voice for them,
    "+f3" for a woman's voice.
    """
    own = getattr(draft_engine, "draft_voice_for", None)
    if own is not None:
        return str(own(language, gender))
    lang = get_language(language)
    base = lang.code if lang.code in _ENGLISH else lang.espeak
    return f"{base}+f3" if gender == "female" else base


def known_voice_ids(library: Library, kokoro_dir: Path | None = None) -> list[str]:
    """Every voice id a project may name: Kokoro's (catalogued and present), blends, drafts."""
    ids = [voice.id for voice in KOKORO_V1_VOICES]
    ids += [entry.id for entry in voice_catalogue.catalogue(library, kokoro_dir)]
    return list(dict.fromkeys(ids))


def check_voice(
    voice_id: str | None, library: Library, *, kokoro_dir: Path | None = None
) -> str | None:
    """``voice_id`` if it names a voice (a Kokoro voice of any language, a draft voice, a
    saved blend or a blend spec), else InputError listing the closest names."""
    if voice_id is None:
        return None
    if is_blend_spec(voice_id):
        parse_blend_spec(voice_id)  # InputError if malformed
        return voice_id
    known = known_voice_ids(library, kokoro_dir)
    if voice_id in known:
        return voice_id
    close = difflib.get_close_matches(voice_id, known, n=4, cutoff=0.6)
    examples = close or ["af_heart", "bf_emma", "en-us"]
    raise InputError(
        f"There is no voice called {voice_id!r}",
        fix=("Did you mean: " if close else "Use a voice such as: ") + ", ".join(examples),
    )
