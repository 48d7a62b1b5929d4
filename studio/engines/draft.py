"""The draft voice: espeak-ng, robotic but instant, with exact word timings; needs no download.

It drives the libespeak-ng and voice data that the ``espeakng-loader`` wheel ships, through
ctypes, so no system package is needed. No maintained Python package does this: ``espeakng``
runs the system ``espeak-ng`` binary, ``espeak-ng-python`` compiles against system headers,
``pyttsx3`` loads the system library and plays sound, ``phonemizer`` only returns phonemes.

libespeak-ng keeps global state and is not thread-safe, so every call holds one module-level
lock and the library is initialised once per process.
"""

from __future__ import annotations

import bisect
import ctypes
import re
import string
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import espeakng_loader
import numpy as np
import numpy.typing as npt

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
from studio.errors import InputError, StudioError
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

#: The draft voices: espeak-ng voice names ("language+variant").
DRAFT_VOICES: tuple[VoiceInfo, ...] = (
    VoiceInfo("en-us", "American English (male)", "en-US", "male"),
    VoiceInfo("en-us+f3", "American English (female)", "en-US", "female"),
    VoiceInfo("en-gb", "British English (male)", "en-GB", "male"),
    VoiceInfo("en-gb+f3", "British English (female)", "en-GB", "female"),
    VoiceInfo("en-gb-scotland", "Scottish English (male)", "en-GB", "male"),
)
_VOICE_IDS = {voice.id for voice in DRAFT_VOICES}
#: Studio voice id -> espeak-ng voice name, where they differ (espeak-ng calls en-GB "en").
_ESPEAK_NAMES = {"en-gb": "en", "en-gb+f3": "en+f3"}
#: Stripped from a written word's ends for captions ("cats," -> "cats"; "1,234" stays).
_EDGE_PUNCTUATION = string.punctuation + "“”‘’…—–«»¿¡"


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

    def speak(self, text: bytes, voice: str, words_per_minute: int, capture: _Capture) -> None:
        """Synthesize UTF-8 ``text`` into ``capture``; call with ``lock`` held."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
            raise InputError(
                f"The draft voice {voice!r} is not available", fix="Pick another voice"
            )
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


def _word_timings(
    text: str, events: list[tuple[int, int, int]], samples: AudioArray, rate: int
) -> list[WordTiming]:
    """WordTimings for the written words of ``text`` from espeak-ng's WORD events.

    espeak-ng raises several events for some written words ("1,234" is spoken as four), one for
    some word pairs ("from the") and none for lone punctuation. So events are mapped to the
    whitespace-separated word their 1-based character position falls in; a word with events
    starts at its first one and the words after it without events share its time, in
    proportion to their length. A run of words ends where its sound fades out before the next
    run starts (a pause at a comma belongs to no word).
    """
    spans = [match.group() for match in re.finditer(r"\S+", text)]
    span_starts = [match.start() for match in re.finditer(r"\S+", text)]
    duration = samples.size / rate
    anchors: list[tuple[int, float]] = []  # (first span of a run, its start in seconds)
    for audio_ms, position, _ in events:
        span = max(0, bisect.bisect_right(span_starts, position - 1) - 1)
        if not anchors or span > anchors[-1][0]:
            anchors.append((span, min(audio_ms / 1000, duration)))
    if anchors:
        anchors[0] = (0, anchors[0][1])  # words before the first event belong to its run
    loud = _loud_centiseconds(samples, rate)
    timings: list[WordTiming] = []
    for index, (first_span, start) in enumerate(anchors):
        last_span, end = anchors[index + 1] if index + 1 < len(anchors) else (len(spans), duration)
        voiced = np.flatnonzero(loud[int(start * 100) : int(end * 100)])
        if voiced.size:
            end = min(end, int(start * 100 + voiced[-1] + 1) / 100)
        end = max(end, start)
        words = [word.strip(_EDGE_PUNCTUATION) for word in spans[first_span:last_span]]
        weights = np.cumsum([0] + [len(word) for word in words], dtype=np.float64)
        if weights[-1] == 0:
            continue
        bounds = start + (end - start) * weights / weights[-1]
        timings.extend(
            WordTiming(word, float(bounds[i]), float(bounds[i + 1]))
            for i, word in enumerate(words)
            if word
        )
    return timings


def _loud_centiseconds(samples: AudioArray, rate: int) -> npt.NDArray[np.bool_]:
    """For each 10 ms of ``samples``, whether it is louder than silence."""
    frame = max(1, rate // 100)
    usable = samples[: samples.size - samples.size % frame].reshape(-1, frame)
    if usable.size == 0:
        return np.zeros(0, dtype=np.bool_)
    return np.asarray(np.sqrt(np.mean(usable**2, axis=1)) > 0.01)


class DraftEngine:
    """Instant espeak-ng voice for drafts and previews (no download, robotic sound).

    Attributes:
        name: "draft".
        label: "Draft voice (espeak-ng)".
        is_draft: True.
    """

    name = DRAFT
    label = "Draft voice (espeak-ng)"
    is_draft = True

    def voices(self) -> list[VoiceInfo]:
        """The English espeak-ng voices offered for drafts."""
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
        """Speak ``text`` into ``out_wav`` (mono 24 kHz), with a timing for every word."""
        text = require_text(text)
        speed = require_speed(speed)
        if voice not in _VOICE_IDS:
            raise InputError(
                f"{voice!r} is not a draft voice",
                fix="Pick one of: " + ", ".join(sorted(_VOICE_IDS)),
            )
        if cancel is not None:
            cancel.raise_if_cancelled()
        words_per_minute = min(_MAX_WPM, max(_MIN_WPM, round(_DEFAULT_WPM * speed)))
        capture = _Capture(cancel)
        with _Espeak.lock:
            espeak = _Espeak.get()
            espeak_voice = _ESPEAK_NAMES.get(voice, voice)
            espeak.speak(text.encode("utf-8"), espeak_voice, words_per_minute, capture)
            native_rate = espeak.sample_rate
        if cancel is not None:
            cancel.raise_if_cancelled()
        native = np.concatenate(capture.chunks) if capture.chunks else np.zeros(0, np.float32)
        words = _word_timings(text, capture.words, native, native_rate)
        duration = write_wav_atomically(
            out_wav, resample(native, native_rate, SAMPLE_RATE), SAMPLE_RATE, cancel
        )
        words = [WordTiming(w.word, min(w.start, duration), min(w.end, duration)) for w in words]
        return SpeechResult(duration, SAMPLE_RATE, words, DRAFT, voice)
