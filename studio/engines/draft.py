"""The draft voice: espeak-ng, robotic but instant, with exact word timings; needs no download.

It speaks every language of ``studio.languages`` with espeak-ng's own voice for it (found by
the language's espeak-ng name in espeak-ng's voice list), male or female (the "+f3" variant).

It drives the libespeak-ng and voice data that the ``espeakng-loader`` wheel ships, through
ctypes, so no system package is needed. No maintained Python package does this: ``espeakng``
runs the system ``espeak-ng`` binary, ``espeak-ng-python`` compiles against system headers,
``pyttsx3`` loads the system library and plays sound, ``phonemizer`` only returns phonemes.

libespeak-ng keeps global state and is not thread-safe, so every call holds one module-level
lock and the library is initialised once per process.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import espeakng_loader
import numpy as np

from studio.engines.base import (
    DRAFT,
    SAMPLE_RATE,
    AudioArray,
    SpeechResult,
    VoiceInfo,
    require_speed,
    require_text,
    resample,
    write_wav_atomically,
)
from studio.engines.draft_text import caption_units, spoken_form, timings
from studio.errors import InputError, StudioError
from studio.languages import LANGUAGES, Language, find_language, get_language
from studio.progress import CancelToken
from studio.timing import WordTiming

# speak_lib.h constants.
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # report errors instead of calling exit()
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_PARAM_RATE = 1
_EE_OK = 0
_DEFAULT_WPM = 175
_MIN_WPM, _MAX_WPM = 80, 450

#: The espeak-ng variant that makes a voice female (its voices are male by default).
FEMALE_VARIANT = "f3"
#: What the creator reads for a language, where "Spanish (male)" would read oddly.
_SPOKEN_NAMES = {
    "en-us": "American English",
    "en-gb": "British English",
    "pt-br": "Brazilian Portuguese",
    "zh": "Mandarin Chinese",
}
#: Draft voices that are an espeak-ng accent of a language rather than its main voice; the id
#: is also espeak-ng's language name for it. Listed after their language's voices.
_ACCENT_VOICES = (VoiceInfo("en-gb-scotland", "Scottish English (male)", "en-gb", "male"),)
_ACCENTS = {voice.id: voice.language for voice in _ACCENT_VOICES}


def _language_voices(language: Language) -> tuple[VoiceInfo, ...]:
    """A language's draft voices: male, female ("es", "es+f3"), then any accents."""
    name = _SPOKEN_NAMES.get(language.code, language.name)
    return (
        VoiceInfo(language.code, f"{name} (male)", language.code, "male"),
        VoiceInfo(f"{language.code}+{FEMALE_VARIANT}", f"{name} (female)", language.code,
                  "female"),
        *(voice for voice in _ACCENT_VOICES if voice.language == language.code),
    )  # fmt: skip


#: The draft voices: for every language a male and a female voice, ids "<language>[+variant]"
#: (the ids stored projects already use for English: "en-us", "en-gb+f3", "en-gb-scotland").
DRAFT_VOICES: tuple[VoiceInfo, ...] = tuple(
    voice for language in LANGUAGES for voice in _language_voices(language)
)
_VOICE_IDS = {voice.id for voice in DRAFT_VOICES}


def draft_voice_for(language: str, gender: str | None = None) -> str:
    """The draft voice id for ``language`` (any accepted spelling) and ``gender``
    ("female"/"f", else male): what speaks when Kokoro's files are missing."""
    code = get_language(language).code
    female = (gender or "").strip().lower() in ("female", "f")
    return f"{code}+{FEMALE_VARIANT}" if female else code


def _split_voice(voice: str) -> tuple[Language, str | None, str]:
    """(the language a draft voice id speaks, its espeak-ng accent if any, its variant)."""
    base, _, variant = voice.partition("+")
    language = find_language(_ACCENTS.get(base, base))
    if voice not in _VOICE_IDS or language is None:
        raise InputError(
            f"{voice!r} is not a draft voice",
            fix="Pick one of: " + ", ".join(sorted(_VOICE_IDS)),
        )
    return language, (base if base in _ACCENTS else None), variant


class _EventId(ctypes.Union):
    _fields_ = (("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8))


class _Event(ctypes.Structure):
    """``espeak_EVENT``; text_position is 1-based, audio_position in ms since the Synth call."""

    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


class _Voice(ctypes.Structure):
    """``espeak_VOICE``; ``languages`` is a run of (priority byte, NUL-terminated name)."""

    _fields_ = (
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    )

    def language_priorities(self) -> list[tuple[str, int]]:
        """(language name, priority: lower is a better match) for each language it speaks."""
        result: list[tuple[str, int]] = []
        address = self.languages or 0
        while address and (priority := ctypes.c_ubyte.from_address(address).value):
            raw = ctypes.string_at(address + 1)
            result.append((raw.decode("ascii", "replace"), priority))
            address += len(raw) + 2
        return result


_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass
class _Capture:
    """What the synth callback collects during one ``espeak_Synth`` call."""

    cancel: CancelToken | None
    chunks: list[AudioArray] = field(default_factory=list)
    words: list[tuple[int, int, int]] = field(default_factory=list)  # (ms, text pos, length)
    error: Exception | None = None
    voice: str = ""  # the espeak-ng voice that spoke, as it reports it ("roa/es+f3")


class _Espeak:
    """The process-wide libespeak-ng: loaded and initialised once, used under ``lock``."""

    lock = threading.Lock()
    _instance: _Espeak | None = None

    def __init__(self) -> None:
        library = espeakng_loader.get_library_path()
        try:
            self.lib = ctypes.CDLL(library)
        except OSError as error:
            raise StudioError(
                f"The draft voice (espeak-ng) could not be loaded ({error})",
                where=library,
                fix="Reinstall Studio; the espeakng-loader package may be damaged",
            ) from error
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = (
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        )
        self.lib.espeak_SetSynthCallback.argtypes = (_SynthCallback,)
        self.lib.espeak_SetVoiceByName.argtypes = (ctypes.c_char_p,)
        self.lib.espeak_ListVoices.argtypes = (ctypes.c_void_p,)
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
        self.lib.espeak_GetCurrentVoice.restype = ctypes.POINTER(_Voice)
        self.lib.espeak_SetParameter.argtypes = (ctypes.c_int, ctypes.c_int, ctypes.c_int)
        self.lib.espeak_Synth.argtypes = (
            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint), ctypes.c_void_p,
        )  # fmt: skip
        # The folder holding espeak-ng-data, as espeak_Initialize expects.
        data_parent = str(Path(espeakng_loader.get_data_path()).parent).encode()
        rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent, _INITIALIZE_DONT_EXIT
        )
        if rate <= 0:
            raise StudioError(
                "The draft voice (espeak-ng) could not start",
                where=f"data {data_parent.decode()}",
                fix="Reinstall Studio; the espeakng-loader package may be damaged",
            )
        self.sample_rate = rate
        self.capture: _Capture | None = None
        self._voice_names: dict[str, str] | None = None
        # Kept referenced for the life of the process: the library holds the pointer.
        self._callback = _SynthCallback(self._on_synth)
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> _Espeak:
        """The initialised library; call with ``lock`` held."""
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_synth(self, wav: Any, count: int, events: Any) -> int:
        """Collect samples and WORD events; returning 1 makes espeak-ng abort (cancel, error).

        An exception must not escape into C, so it is kept and re-raised by ``speak``.
        """
        capture = self.capture
        if capture is None:
            return 1
        try:
            self._collect(capture, wav, count, events)
        except Exception as error:  # re-raised in speak(), outside the C callback
            capture.error = error
            return 1
        return 1 if capture.cancel is not None and capture.cancel.cancelled else 0

    @staticmethod
    def _collect(capture: _Capture, wav: Any, count: int, events: Any) -> None:
        if wav and count > 0:
            chunk = np.ctypeslib.as_array(wav, shape=(count,)).astype(np.float32) / 32768.0
            capture.chunks.append(chunk)
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_WORD:
                capture.words.append((event.audio_position, event.text_position, event.length))
            index += 1

    def voice_name(self, language: str) -> str:
        """espeak-ng's voice for one of its language names ("fr-fr" -> "roa/fr"): of the
        voices that speak it, the one that names it with the best priority. Call with ``lock``."""
        if self._voice_names is None:
            best: dict[str, tuple[int, str]] = {}
            voices = self.lib.espeak_ListVoices(None)
            index = 0
            while voices[index]:
                voice = voices[index].contents
                for name, priority in voice.language_priorities():
                    if name not in best or priority < best[name][0]:
                        best[name] = (priority, (voice.identifier or b"").decode())
                index += 1
            self._voice_names = {name: voice for name, (_, voice) in best.items()}
        if language not in self._voice_names:
            raise StudioError(
                f"The draft voice (espeak-ng) has no voice for the language {language!r}",
                fix="Reinstall Studio; the espeakng-loader package may be damaged",
            )
        return self._voice_names[language]

    def use_voice(self, voice: str) -> str:
        """Make ``voice`` ("roa/es+f3") the one that speaks, and return the voice espeak-ng
        reports as current: a voice it could not load is an error, never a silent fall back."""
        status = self.lib.espeak_SetVoiceByName(voice.encode())
        current = self.lib.espeak_GetCurrentVoice()
        identifier = (current.contents.identifier or b"").decode() if current else ""
        if status != _EE_OK or identifier != voice:
            raise StudioError(
                f"The draft voice (espeak-ng) could not load its voice {voice!r}",
                where=f"data {espeakng_loader.get_data_path()}",
                fix="Reinstall Studio; the espeakng-loader package may be damaged",
            )
        return identifier

    def speak(self, text: bytes, voice: str, words_per_minute: int, capture: _Capture) -> None:
        """Synthesize UTF-8 ``text`` in espeak-ng's ``voice`` into ``capture``; call with
        ``lock`` held."""
        capture.voice = self.use_voice(voice)
        self.lib.espeak_SetParameter(_PARAM_RATE, words_per_minute, 0)
        buffer = ctypes.create_string_buffer(text)
        self.capture = capture
        try:
            status = self.lib.espeak_Synth(
                buffer, len(text) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
            )
            self.lib.espeak_Synchronize()
        finally:
            self.capture = None
        if capture.error is not None:
            raise capture.error
        if status != _EE_OK and not (capture.cancel and capture.cancel.cancelled):
            raise StudioError(f"The draft voice failed (espeak-ng error {status})")


class DraftEngine:
    """Instant espeak-ng voice for drafts and previews (no download, robotic sound), in every
    language of ``studio.languages``.

    Attributes:
        name: "draft".
        label: "Draft voice (espeak-ng)".
        is_draft: True.
        last_espeak_voice: the espeak-ng voice of this engine's latest synthesis, as
            espeak-ng reported it ("roa/es+f3"), for logs and tests.
    """

    name = DRAFT
    label = "Draft voice (espeak-ng)"
    is_draft = True

    def __init__(self) -> None:
        self.last_espeak_voice = ""

    def voices(self) -> list[VoiceInfo]:
        """The draft voices: a male and a female one for every language."""
        return list(DRAFT_VOICES)

    def synthesize(
        self,
        text: str,
        out_wav: Path,
        *,
        voice: str = "en-us",
        speed: float = 1.0,
        language: str | None = None,
        cancel: CancelToken | None = None,
    ) -> SpeechResult:
        """Speak ``text`` into ``out_wav`` (mono 24 kHz), with a timing for every word (every
        character for languages written without spaces).

        ``language`` (a studio.languages code) is the text's: it picks espeak-ng's voice, and
        ``voice`` only adds its variant (female) or accent; None speaks the voice's language.
        """
        text = require_text(text)
        speed = require_speed(speed)
        voice_language, accent, variant = _split_voice(voice)
        spoken_language = get_language(language) if language else voice_language
        if cancel is not None:
            cancel.raise_if_cancelled()
        spoken = spoken_form(text, spoken_language)
        words_per_minute = min(_MAX_WPM, max(_MIN_WPM, round(_DEFAULT_WPM * speed)))
        capture = _Capture(cancel)
        with _Espeak.lock:
            espeak = _Espeak.get()
            own_accent = accent if spoken_language == voice_language else None
            name = espeak.voice_name(own_accent or spoken_language.espeak)
            name = f"{name}+{variant}" if variant else name
            espeak.speak(spoken.text.encode("utf-8"), name, words_per_minute, capture)
            native_rate = espeak.sample_rate
        self.last_espeak_voice = capture.voice
        if cancel is not None:
            cancel.raise_if_cancelled()
        native = np.concatenate(capture.chunks) if capture.chunks else np.zeros(0, np.float32)
        events = [(ms, spoken.written_index(position - 1)) for ms, position, _ in capture.words]
        words = timings(caption_units(text, spoken_language), events, native, native_rate)
        duration = write_wav_atomically(
            out_wav, resample(native, native_rate, SAMPLE_RATE), SAMPLE_RATE, cancel
        )
        words = [WordTiming(w.word, min(w.start, duration), min(w.end, duration)) for w in words]
        return SpeechResult(duration, SAMPLE_RATE, words, DRAFT, voice)
