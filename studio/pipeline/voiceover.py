"""Stage 2: one WAV per scene, cached by (text, engine, voice, speed, language).

Which voice and engine speak a scene is ``voice_choice``'s rule (re-exported here).

Unchanged scenes are never re-synthesised: a scene's ``audio_key`` names the exact inputs of its
audio, and the WAV plus a JSON sidecar (duration, word timings) live under that key.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from studio.engines.base import SpeechResult, write_wav_atomically
from studio.engines.weights import find_kokoro_weights
from studio.errors import InputError, MissingWeightsError
from studio.inputfiles import read_regular_file
from studio.languages import DEFAULT_LANGUAGE, get_language
from studio.pipeline.drafts import count_spoken_words, has_cjk, sanitize_for_speech
from studio.pipeline.jobs import JobContext
from studio.pipeline.request import RunRequest
from studio.pipeline.voice_choice import (
    VoiceChoice,
    check_voice,
    choose_voice,
    release_engines,
    voice_for,
    voice_language,
    wanted_voice,
    weights_dir,
)
from studio.progress import CancelToken, scaled
from studio.savefile import atomic_write
from studio.store import Library
from studio.store.models import Project, Scene
from studio.timing import WordTiming

log = logging.getLogger(__name__)

#: What a voice says when the creator auditions it, in each language (Settings, voice lists).
SAMPLE_SENTENCES: dict[str, str] = {
    "en-us": "Hello! This is how I will sound in your video.",
    "en-gb": "Hello! This is how I will sound in your video.",
    "es": "¡Hola! Así sonaré en tu vídeo.",
    "fr": "Bonjour ! Voici comment je sonnerai dans votre vidéo.",
    "hi": "नमस्ते! आपके वीडियो में मेरी आवाज़ ऐसी सुनाई देगी।",
    "it": "Ciao! Ecco come suonerò nel tuo video.",
    "pt-br": "Olá! É assim que vou soar no seu vídeo.",
    "ja": "こんにちは！あなたの動画では、こんな声でお話しします。",
    "zh": "你好！这就是我在你的视频里的声音。",
}
SAMPLE_SENTENCE = SAMPLE_SENTENCES[DEFAULT_LANGUAGE]


def kokoro_available(library: Library) -> bool:
    """Whether Kokoro's files are on this machine (the library's folder or the HF cache)."""
    try:
        find_kokoro_weights(weights_dir(library))
    except MissingWeightsError:
        return False
    return True


def speak_sample(
    library: Library,
    voice_id: str,
    cancel: CancelToken | None = None,
    *,
    language: str | None = None,
) -> Path:
    """A sample sentence in ``voice_id``, spoken as a scene would be (Kokoro when its files
    are here, else the draft stand-in), so the creator hears a voice before choosing it.

    The sentence is written in ``language`` (default: the voice's own language).
    Kept in the library's cache under a name made of its inputs: a second listen is instant.
    """
    check_voice(voice_id, library)
    code = get_language(language or voice_language(library, voice_id)).code
    sentence = SAMPLE_SENTENCES[code]
    choice = voice_for(library, voice_id, language=code)
    key = audio_key(sentence, choice.engine.name, choice.voice, 1.0, code)
    wav = library.home.cache_dir / "auditions" / f"{key}.wav"
    if not wav.is_file():
        wav.parent.mkdir(parents=True, exist_ok=True)
        choice.engine.synthesize(
            sentence, wav, voice=choice.voice, language=choice.reads_as, cancel=cancel
        )
    return wav


def audio_key(
    text: str, engine: str, voice: str, speed: float, language: str = DEFAULT_LANGUAGE
) -> str:
    """The name of the audio these inputs make. The same text in another language is other
    audio; American English keeps the key it had before languages existed (no re-voicing)."""
    fields: list[object] = [text, engine, voice, round(speed, 3)]
    if language != DEFAULT_LANGUAGE:
        fields.append(language)
    payload = json.dumps(fields, ensure_ascii=False)
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
    key = audio_key(text, choice.engine.name, choice.voice, project.voice_speed, choice.language)
    wav = library.home.project_dir(project.id, create=True) / "audio" / f"{key}.wav"
    if not force and _audio_is_current(scene, key, wav):
        return False
    result = None if force else _load_cached(wav)
    synthesised = result is None
    if result is None:
        ctx.check()
        result = _synthesize(choice, text, wav, project.voice_speed, request, ctx.cancel)
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


def _synthesize(
    choice: VoiceChoice,
    text: str,
    wav: Path,
    speed: float,
    request: RunRequest | None,
    cancel: CancelToken,
) -> SpeechResult:
    """Speak ``text`` into ``wav`` here, or on the request's cluster (a worker's engine of the
    same name; the WAV comes back and is written here, so the store is written as for a local
    voice)."""
    if request is not None and request.cluster:
        from studio.cluster.tasks import SpeechWork
        from studio.cluster.voicing import synthesize_remote

        work = SpeechWork(choice.engine.name, text, choice.voice, speed, choice.reads_as)
        return synthesize_remote(request.cluster, work, wav, cancel=cancel)
    return choice.engine.synthesize(
        text, wav, voice=choice.voice, speed=speed, language=choice.reads_as, cancel=cancel
    )


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
    key = audio_key(text, choice.engine.name, choice.voice, project.voice_speed, choice.language)
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
        0.0 if is_current(library, project, scene, request) else 1.0 + spoken_words(scene.text)
        for scene in scenes
    ]
    if any(costs):
        library.set_step(project, "voiceover")
    report = scaled(ctx.progress, start, end)
    made = 0
    first = choose_voice(library, project, request=request)
    if first.stand_in is not None and narrated:
        ctx.message(
            f"Using the draft voice (espeak-ng): {first.stand_in}. "
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
        words = spoken_words(scene.text)
        if choice.is_draft:
            seconds += words * DRAFT_SECONDS_PER_WORD
        else:
            seconds += words * KOKORO_SECONDS_PER_WORD / max(0.5, project.voice_speed)
            warm_up = True
    return seconds + (KOKORO_WARM_UP_SECONDS if warm_up else 0.0)


def spoken_seconds(scene: Scene, speed: float) -> float:
    """How long ``scene`` is (or will be) when spoken: its audio's, else estimated from words."""
    if scene.duration:
        return float(scene.duration)
    return spoken_words(scene.text) * SPOKEN_SECONDS_PER_WORD / max(0.5, speed)


def spoken_words(text: str) -> float:
    """Words in ``text`` for the estimates: Japanese and Chinese characters count as the
    fraction of a word they take to say (``drafts.count_spoken_words``); other text as before."""
    if has_cjk(text):
        return count_spoken_words(text)
    return len(text.split())


__all__ = [
    "SAMPLE_SENTENCE",
    "SAMPLE_SENTENCES",
    "VoiceChoice",
    "audio_key",
    "check_voice",
    "choose_voice",
    "kokoro_available",
    "release_engines",
    "silent_scene",
    "speak_sample",
    "spoken_seconds",
    "spoken_words",
    "voice_for",
    "voice_is_current",
    "voice_project",
    "voice_scene",
    "voicing_seconds",
    "wanted_voice",
]
