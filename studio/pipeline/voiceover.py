"""Stage 2: one WAV per scene, cached by (text, engine, voice, speed).

Unchanged scenes are never re-synthesised: a scene's ``audio_key`` names the exact inputs of its
audio, and the WAV plus a JSON sidecar (duration, word timings) live under that key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.engines.base import (
    DRAFT,
    KOKORO,
    SpeechResult,
    TTSEngine,
    write_wav_atomically,
)
from studio.engines.registry import get_engine
from studio.engines.weights import DEFAULT_VOICE, KOKORO_VOICES, find_kokoro_weights
from studio.errors import InputError, MissingWeightsError
from studio.inputfiles import read_regular_file
from studio.pipeline.drafts import sanitize_for_speech
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.progress import CancelToken, scaled
from studio.savefile import atomic_write
from studio.store import Library
from studio.store.models import Project, Scene
from studio.store.settings_registry import DEFAULT_VOICE as DEFAULT_VOICE_SETTING
from studio.store.settings_registry import KOKORO_DIR
from studio.timing import WordTiming

log = logging.getLogger(__name__)

KOKORO_IDS = {v.id for v in KOKORO_VOICES}
#: What a voice says when the creator auditions it (Settings, a scene's voice list).
SAMPLE_SENTENCE = "Hello! This is how I will sound in your video."
DRAFT_DEFAULT = "en-us"

_engines: dict[tuple[str, str], TTSEngine] = {}
_engines_lock = threading.Lock()


@dataclass(frozen=True)
class VoiceChoice:
    """The engine and voice a scene will actually be spoken with."""

    engine: TTSEngine
    voice: str

    @property
    def is_draft(self) -> bool:
        return self.engine.is_draft


def _weights_dir(library: Library, request: RunRequest | None = None) -> Path | None:
    """Kokoro's folder: the run's (``RunRequest.kokoro_dir``). The library's setting is read
    only with no run request: the GUI's voice status and a single scene's "Regenerate voice"."""
    if request is not None:
        return request.kokoro_dir
    folder = library.get_setting(KOKORO_DIR)
    return Path(folder) if folder else None


def _cached_engine(name: str, weights_dir: Path | None) -> TTSEngine:
    key = (name, str(weights_dir or ""))
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            if name == KOKORO:
                engine = get_engine(KOKORO, weights=find_kokoro_weights(weights_dir))
            else:
                engine = get_engine(DRAFT)
            _engines[key] = engine
        return engine


def kokoro_available(library: Library) -> bool:
    try:
        find_kokoro_weights(_weights_dir(library))
    except MissingWeightsError:
        return False
    return True


def choose_voice(
    library: Library,
    project: Project,
    scene: Scene | None = None,
    *,
    request: RunRequest | None = None,
) -> VoiceChoice:
    """Scene override, else project voice, else the library default; Kokoro if it can speak.

    A Kokoro voice without Kokoro's files (in the run's ``kokoro_dir``) falls back to the
    labelled draft voice.
    """
    return voice_for(library, wanted_voice(library, project, scene), request=request)


def wanted_voice(library: Library, project: Project, scene: Scene | None = None) -> str:
    """The voice asked for (before any stand-in): the scene's override, its character's
    voice, the project's, the library's default, Studio's default."""
    character = scene.character if scene is not None else None
    return (
        (scene.voice_id if scene is not None else None)
        or (library.character_voices(project).get(character) if character else None)
        or project.voice_id
        or library.get_setting(DEFAULT_VOICE_SETTING)
        or DEFAULT_VOICE
    )


def voice_for(library: Library, wanted: str, *, request: RunRequest | None = None) -> VoiceChoice:
    """The engine that speaks ``wanted``: Kokoro if its files are here, else the draft voice
    closest to it."""
    if wanted in KOKORO_IDS:
        try:
            engine = _cached_engine(KOKORO, _weights_dir(library, request))
            if wanted in {v.id for v in engine.voices()}:
                return VoiceChoice(engine, wanted)
        except MissingWeightsError:
            pass
        return VoiceChoice(_cached_engine(DRAFT, None), draft_stand_in(wanted))
    return VoiceChoice(_cached_engine(DRAFT, None), wanted)


def speak_sample(library: Library, voice_id: str, cancel: CancelToken | None = None) -> Path:
    """``SAMPLE_SENTENCE`` in ``voice_id``, spoken as a scene would be (Kokoro when its files
    are here, else the draft stand-in), so the creator hears a voice before choosing it.

    Kept in the library's cache under a name made of its inputs: a second listen is instant.
    """
    check_voice(voice_id)
    choice = voice_for(library, voice_id)
    key = audio_key(SAMPLE_SENTENCE, choice.engine.name, choice.voice, 1.0)
    wav = library.home.cache_dir / "auditions" / f"{key}.wav"
    if not wav.is_file():
        wav.parent.mkdir(parents=True, exist_ok=True)
        choice.engine.synthesize(SAMPLE_SENTENCE, wav, voice=choice.voice, cancel=cancel)
    return wav


def draft_stand_in(kokoro_voice: str) -> str:
    """The draft voice closest to a Kokoro voice: same accent ("a"/"b"), same gender ("f"/"m").

    Two characters of a chat story keep two different voices when Kokoro is missing.
    """
    accent = "en-gb" if kokoro_voice.startswith("b") else DRAFT_DEFAULT
    return f"{accent}+f3" if kokoro_voice[1:2] == "f" else accent


def check_voice(voice_id: str | None) -> str | None:
    """``voice_id`` if some engine knows it (a Kokoro or a draft voice), else InputError."""
    from studio.engines.draft import DRAFT_VOICES
    from studio.errors import InputError

    if voice_id is None:
        return None
    known = KOKORO_IDS | {v.id for v in DRAFT_VOICES}
    if voice_id not in known:
        raise InputError(
            f"There is no voice called {voice_id!r}",
            fix="Use a Kokoro voice such as af_heart, am_michael, bf_emma, or a draft voice "
            "such as en-us, en-gb",
        )
    return voice_id


def audio_key(text: str, engine: str, voice: str, speed: float) -> str:
    payload = json.dumps([text, engine, voice, round(speed, 3)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _sidecar(wav: Path) -> Path:
    return wav.with_suffix(".json")


#: Largest sidecar read back (a scene's word timings are a few kB).
MAX_SIDECAR_BYTES = 4 * 1024**2
#: Longest voice a sidecar may claim (a scene is at most a few minutes).
MAX_SIDECAR_SECONDS = 3 * 3600.0


def _load_cached(wav: Path) -> SpeechResult | None:
    """The sidecar's result, or None (a miss: the scene is spoken again) if it can't be trusted.

    The sidecar is JSON another program could have altered: a non-finite or out-of-range
    duration or timing, a wrong type or a non-regular file is a miss, never a stored value.
    """
    try:
        data = json.loads(read_regular_file(_sidecar(wav), limit=MAX_SIDECAR_BYTES))
        if not wav.is_file():
            return None
        result = SpeechResult(
            duration=float(data["duration"]),
            sample_rate=int(data["sample_rate"]),
            words=[WordTiming.from_json(w) for w in data["words"]],
            engine=str(data["engine"]),
            voice=str(data["voice"]),
        )
    except (InputError, OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    times = [result.duration] + [t for w in result.words for t in (w.start, w.end)]
    if not all(math.isfinite(t) and 0 <= t < MAX_SIDECAR_SECONDS for t in times):
        return None
    return result if result.duration > 0 and result.sample_rate > 0 else None


def _save_sidecar(wav: Path, result: SpeechResult) -> None:
    data = {
        "duration": result.duration,
        "sample_rate": result.sample_rate,
        "words": [w.to_json() for w in result.words],
        "engine": result.engine,
        "voice": result.voice,
    }
    atomic_write(_sidecar(wav), json.dumps(data), durable=False)  # the wav isn't synced either


def voice_scene(
    library: Library,
    project: Project,
    scene: Scene,
    ctx: JobContext,
    *,
    force: bool = False,
    request: RunRequest | None = None,
) -> bool:
    """Make sure ``scene`` has current audio; return True if it had to be synthesised.

    ``force`` speaks it again even when the cached audio is current ("Regenerate voice").
    """
    choice = choose_voice(library, project, scene, request=request)
    text = sanitize_for_speech(scene.text) or scene.text
    key = audio_key(text, choice.engine.name, choice.voice, project.voice_speed)
    wav = library.home.project_dir(project.id, create=True) / "audio" / f"{key}.wav"
    if not force and _audio_is_current(scene, key, wav):
        return False
    result = None if force else _load_cached(wav)
    synthesised = result is None
    if result is None:
        ctx.check()
        result = choice.engine.synthesize(
            text, wav, voice=choice.voice, speed=project.voice_speed, cancel=ctx.cancel
        )
        _save_sidecar(wav, result)
    library.set_scene_audio(
        scene,
        audio_path=wav,
        audio_key=key,
        duration=result.duration,
        sanitized_text=text,
        word_timings=[w.to_json() for w in result.words],
    )
    return synthesised


def silent_scene(library: Library, project: Project, scene: Scene, seconds: float) -> None:
    """Give ``scene`` a silent "voice" of exactly ``seconds`` (a music video's cut)."""
    rate = 48_000
    samples = max(1, round(seconds * rate))
    key = f"silence-{samples}"
    wav = library.home.project_dir(project.id, create=True) / "audio" / f"{key}.wav"
    if not wav.is_file():
        write_wav_atomically(wav, np.zeros(samples, dtype=np.float32), rate)
    library.set_scene_audio(
        scene,
        audio_path=wav,
        audio_key=key,
        duration=samples / rate,
        sanitized_text=scene.text,
        word_timings=[],
    )


def _audio_is_current(scene: Scene, key: str, wav: Path) -> bool:
    return scene.audio_key == key and wav.is_file() and bool(scene.duration)


def voice_is_current(
    library: Library, project: Project, scene: Scene, request: RunRequest | None = None
) -> bool:
    """Whether ``scene``'s stored audio is what ``voice_scene`` would make now (no write)."""
    choice = choose_voice(library, project, scene, request=request)
    text = sanitize_for_speech(scene.text) or scene.text
    key = audio_key(text, choice.engine.name, choice.voice, project.voice_speed)
    wav = library.home.project_dir(project.id) / "audio" / f"{key}.wav"
    return _audio_is_current(scene, key, wav)


#: Gives one scene current audio; True if it had to be made (``voice_scene``'s shape).
SceneVoicer = Callable[..., bool]


def voice_project(
    library: Library,
    project: Project,
    ctx: JobContext,
    *,
    start: float,
    end: float,
    speak: SceneVoicer = voice_scene,
    is_current: Callable[..., bool] = voice_is_current,
    narrated: bool = True,
    request: RunRequest | None = None,
    on_voiced: Callable[[Scene], None] | None = None,
) -> int:
    """Voice every scene that needs it with ``speak``; return how many were made.

    ``on_voiced(scene)`` is called after each scene, in order, once its audio is current.

    ``narrated`` False (a template whose scenes are not spoken): no word on the draft voice.
    The step moves to "voiceover" only when a scene's audio is not current by ``is_current``
    (``voice_is_current``'s shape; re-rendering an unchanged project writes nothing here).
    """
    scenes = library.scenes(project)
    # Each scene's share of the stage: its words if it must be spoken, else (cached) nothing.
    costs = [
        0.0 if is_current(library, project, scene, request) else 1.0 + len(scene.text.split())
        for scene in scenes
    ]
    if any(costs):
        library.set_step(project, "voiceover")
    report = scaled(ctx.progress, start, end)
    made = 0
    first = choose_voice(library, project, request=request)
    if first.is_draft and narrated:
        ctx.message(
            "Using the draft voice (espeak-ng): Kokoro's voice files are not installed. "
            "Add them in Settings for the natural voice."
        )
    total = sum(costs) or 1.0
    for index, scene in enumerate(scenes):
        report(sum(costs[:index]) / total, f"Voice: scene {index + 1} of {len(scenes)}")
        if speak(library, project, scene, ctx, request=request):
            made += 1
        if on_voiced is not None:
            on_voiced(scene)
    report(1.0, "Voice: done")
    return made


#: Seconds to voice one word, measured with ``bench/stage_costs.py`` on the demo script (103
#: words, 33 s of speech, 2 cores): the draft voice 0.1 s in all. Kokoro: its real-time factor
#: through Studio, 0.27-0.29 measured on these machines, times the demo's 0.32 s of speech per word.
DRAFT_SECONDS_PER_WORD = 0.001
KOKORO_SECONDS_PER_WORD = 0.09
#: Kokoro's first synthesis in a process loads the model, spaCy and G2P: 2-5 s measured.
KOKORO_WARM_UP_SECONDS = 3.5
#: Seconds of speech per word at speed 1 (the demo script: 32.8 s for 103 words).
SPOKEN_SECONDS_PER_WORD = 0.32


def voicing_seconds(
    library: Library,
    project: Project,
    *,
    is_current: Callable[..., bool] = voice_is_current,
    request: RunRequest | None = None,
) -> float:
    """The expected seconds ``voice_project`` will take (for the job's progress plan)."""
    seconds = 0.0
    warm_up = False
    for scene in library.scenes(project):
        if is_current(library, project, scene, request):
            continue
        choice = choose_voice(library, project, scene, request=request)
        words = len(scene.text.split())
        if choice.is_draft:
            seconds += words * DRAFT_SECONDS_PER_WORD
        else:
            seconds += words * KOKORO_SECONDS_PER_WORD / max(0.5, project.voice_speed)
            warm_up = True
    return seconds + (KOKORO_WARM_UP_SECONDS if warm_up else 0.0)


def release_engines() -> None:
    """Let every cached engine free what it holds until it speaks again (Kokoro's model and
    pipelines, ~1 GB): the render after the voice stage needs none of it."""
    with _engines_lock:
        engines = list(_engines.values())
    for engine in engines:
        release = getattr(engine, "release", None)
        if release is not None:
            release()


def spoken_seconds(scene: Scene, speed: float) -> float:
    """How long ``scene`` is (or will be) when spoken: its audio's, else estimated from words."""
    if scene.duration:
        return float(scene.duration)
    return len(scene.text.split()) * SPOKEN_SECONDS_PER_WORD / max(0.5, speed)
