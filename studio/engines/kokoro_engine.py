"""The Kokoro-82M voice: natural speech on the CPU, from weight files already on this machine,
in the nine languages Kokoro speaks (G2P per language; see kokoro_g2p and kokoro_text).

Every file Kokoro reads is passed as an explicit path (config, checkpoint, voice ``.pt``):
given a bare voice name or no config, the ``kokoro`` package would download from the Hugging
Face hub. torch and kokoro are imported on first synthesis, so building an engine and listing
its voices stays instant.
"""

from __future__ import annotations

import contextlib
import io
import logging
import pickle
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from studio.engines.base import (
    KOKORO,
    SAMPLE_RATE,
    AudioArray,
    SpeechResult,
    VoiceInfo,
    require_speed,
    require_text,
    write_wav_atomically,
)
from studio.engines.kokoro_g2p import Phonemized, phonemizer
from studio.engines.kokoro_text import MAX_PHONEMES, fit_chunks, timings
from studio.engines.memory import fold_weight_norms, return_freed_memory
from studio.engines.weights import (
    KOKORO_REPO_ID,
    KokoroWeights,
    check_voice_id,
    find_kokoro_weights,
    kokoro_voice_info,
)
from studio.errors import InputError, MissingWeightsError, StudioError
from studio.languages import Language, get_language, language_of_kokoro_voice
from studio.progress import CancelToken, run_abandonable
from studio.timing import WordTiming
from studio.voice_ids import BlendPart, blend_spec, is_blend_spec, parse_blend_spec

log = logging.getLogger(__name__)

#: The spaCy pipeline misaki's English G2P loads (installed by packaging/install_spacy_model.py).
SPACY_MODEL = "en_core_web_sm"
#: Kokoro's letters for English, whose G2P (misaki + spaCy) gives word timestamps itself.
ENGLISH = ("a", "b")
JAPANESE = "j"
#: Voice packs (0.5 MB each) kept in memory: a project's voices and blends.
MAX_CACHED_PACKS = 16

if TYPE_CHECKING:
    import torch
    from kokoro import KModel, KPipeline


def lang_code(voice_id: str) -> str:
    """Kokoro's G2P language letter for a voice ("jf_alpha" -> "j"; a blend: its largest part)."""
    return voice_language(voice_id).kokoro


def voice_parts(voice: str) -> tuple[BlendPart, ...]:
    """The Kokoro voices ``voice`` mixes: one at weight 1, or a blend spec's parts (InputError
    for anything else, such as a saved blend's name the caller should have resolved)."""
    if is_blend_spec(voice):
        return parse_blend_spec(voice)
    return (BlendPart(check_voice_id(voice), 1.0),)


def voice_language(voice: str) -> Language:
    """The language a voice speaks: its prefix's, or a blend's largest part's."""
    language = language_of_kokoro_voice(voice_parts(voice)[0].voice)
    assert language is not None, "check_voice_id accepts only voices of known languages"
    return language


def _is_spoken_word(text: str) -> bool:
    """True for tokens a caption shows as a word (not lone punctuation)."""
    return any(character.isalnum() for character in text)


class KokoroEngine:
    """Kokoro-82M text-to-speech, one model per engine shared by all its synthesis calls.

    The model (seconds to build, ~330 MB) and the per-language G2P pipelines are made on first
    use under a lock; synthesis calls on one engine run one at a time. Cancel is checked before
    every layer of the model, so a scene stops within a fraction of a second at any point, even
    inside one long sentence (see :class:`LayerCancelChecks`).

    Attributes:
        name: "kokoro".
        label: "Kokoro".
        is_draft: False.
        weights: where the model's files are.
    """

    name = KOKORO
    label = "Kokoro"
    is_draft = False

    def __init__(
        self,
        weights: KokoroWeights | None = None,
        *,
        weights_dir: Path | None = None,
        device: str | None = None,
    ) -> None:
        """Use ``weights``, or find them in ``weights_dir`` / the HF cache (MissingWeightsError)."""
        self.weights = weights if weights is not None else find_kokoro_weights(weights_dir)
        self._device = device
        self._lock = threading.Lock()  # one synthesis at a time
        self._build_lock = threading.Lock()  # one model / pipeline build at a time
        self._model: KModel | None = None
        self._checks: LayerCancelChecks | None = None
        self._pipelines: dict[str, KPipeline] = {}
        self._packs_lock = threading.Lock()
        self._packs: dict[str, torch.Tensor] = {}  # voice or blend spec -> style tensor

    def voices(self) -> list[VoiceInfo]:
        """The Kokoro voices whose files are on this machine."""
        return [kokoro_voice_info(voice_id) for voice_id in self.weights.available_voices()]

    def synthesize(
        self,
        text: str,
        out_wav: Path,
        *,
        voice: str,
        speed: float = 1.0,
        language: str | None = None,
        cancel: CancelToken | None = None,
    ) -> SpeechResult:
        """Speak ``text`` into ``out_wav`` (mono 24 kHz) with a timing per word (per character
        in Japanese and Chinese).

        ``voice`` is a voice file's id or a blend spec ("af_heart*0.6+bf_emma*0.4");
        ``language`` (a studio.languages code, else the voice's own) picks the G2P. Kokoro
        speaks long text in chunks of up to 510 phonemes. ``cancel`` is checked before every
        layer of the model (and a first-use model load is abandoned), so Cancel stops this call
        within a fraction of a second; no file is written when it fires.
        """
        text = require_text(text)
        speed = require_speed(speed)
        spoken = get_language(language) if language else voice_language(voice)
        pack = self._voice_pack(voice)  # files read by path, never by name: no download
        if cancel is not None:
            cancel.raise_if_cancelled()
        pipeline = self._ready_pipeline(spoken.kokoro, cancel)
        with self._lock, self._layer_checks().watching(cancel):
            if spoken.kokoro in ENGLISH:
                chunks, words = self._speak_english(pipeline, text, pack, speed, cancel)
            else:
                chunks, words = self._speak(pipeline, spoken, text, pack, speed, cancel)
        if not chunks:
            raise InputError(
                "The text has nothing Kokoro can pronounce",
                fix="Write the narration with words, not only symbols or punctuation",
            )
        samples = np.concatenate(chunks)
        duration = write_wav_atomically(out_wav, samples, SAMPLE_RATE, cancel)
        words = [WordTiming(w.word, min(w.start, duration), min(w.end, duration)) for w in words]
        return SpeechResult(duration, SAMPLE_RATE, words, KOKORO, voice)

    def _speak_english(
        self,
        pipeline: KPipeline,
        text: str,
        pack: torch.Tensor,
        speed: float,
        cancel: CancelToken | None,
    ) -> tuple[list[AudioArray], list[WordTiming]]:
        """Audio chunks and word timings from Kokoro's own English path (misaki's timestamps)."""
        chunks: list[AudioArray] = []
        words: list[WordTiming] = []
        offset = 0.0
        for result in pipeline(text, voice=pack, speed=speed):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if result.audio is None:
                continue
            log.debug("Kokoro phonemes (%s): %s", pipeline.lang_code, result.phonemes)
            audio = result.audio.detach().cpu().numpy().astype(np.float32).reshape(-1)
            words.extend(_chunk_words(result.tokens or [], offset))
            chunks.append(audio)
            offset += audio.size / SAMPLE_RATE
        return chunks, words

    def _speak(
        self,
        pipeline: KPipeline,
        language: Language,
        text: str,
        pack: torch.Tensor,
        speed: float,
        cancel: CancelToken | None,
    ) -> tuple[list[AudioArray], list[WordTiming]]:
        """Audio chunks and timings for the other languages: chunked here (sentences, clauses),
        each word timed by the model's predicted durations (see studio.engines.kokoro_text)."""
        from kokoro import KPipeline

        model = pipeline.model
        assert model is not None, "pipelines are built with the engine's model"
        phonemize = _memo(phonemizer(language, pipeline.g2p, model.vocab))
        chunks: list[AudioArray] = []
        words: list[WordTiming] = []
        offset = 0.0
        for piece, _ in fit_chunks(text, lambda part: phonemize(part).phonemes):
            if cancel is not None:
                cancel.raise_if_cancelled()
            chunk = phonemize(piece).cut(MAX_PHONEMES)
            log.debug("Kokoro phonemes (%s): %s", language.code, chunk.phonemes)
            output = KPipeline.infer(model, chunk.phonemes, pack.to(model.device), speed)
            audio = output.audio.detach().cpu().numpy().astype(np.float32).reshape(-1)
            if output.pred_dur is not None and chunk.words:
                durations = [int(frames) for frames in output.pred_dur.reshape(-1).tolist()]
                words.extend(timings(chunk.words, chunk.spans, durations, offset))
            chunks.append(audio)
            offset += audio.size / SAMPLE_RATE
        return chunks, words

    def _voice_pack(self, voice: str) -> torch.Tensor:
        """The style tensor for ``voice``: a voice file's, or a blend's weighted sum of its
        parts' (cached per canonical spec, so part order never matters)."""
        parts = voice_parts(voice)
        key = blend_spec(parts) if len(parts) > 1 else parts[0].voice
        paths = [self.weights.voice_path(part.voice) for part in parts]  # missing: named here
        with self._packs_lock:
            cached = self._packs.get(key)
        if cached is not None:
            return cached
        import torch

        pack = sum(
            (part.weight * _load_pack(path) for part, path in zip(parts, paths, strict=True)),
            start=torch.zeros(()),
        )
        with self._packs_lock:
            if len(self._packs) >= MAX_CACHED_PACKS:
                self._packs.pop(next(iter(self._packs)))
            self._packs[key] = pack
        return pack

    def _ready_pipeline(self, lang: str, cancel: CancelToken | None) -> KPipeline:
        """The pipeline for ``lang``; a first-use build (seconds) is abandoned if ``cancel`` fires.

        The abandoned build goes on in the background and is kept, so the next call needn't
        wait for all of it again.
        """
        built = self._pipelines.get(lang)
        if built is not None:
            return built
        if cancel is None:
            return self._pipeline(lang)
        return run_abandonable(lambda: self._pipeline(lang), cancel, name="kokoro-load")

    def _layer_checks(self) -> LayerCancelChecks:
        """The model's per-layer cancel checks (installed when the model was built)."""
        assert self._checks is not None, "the model is built before any synthesis"
        return self._checks

    def _pipeline(self, lang: str) -> KPipeline:
        """The G2P + model pipeline for ``lang``, built once (under ``_build_lock``)."""
        with self._build_lock:
            if lang not in self._pipelines:
                if lang in ENGLISH:  # spaCy and misaki's English G2P: for English text only
                    _require_spacy_model()
                if lang == JAPANESE:
                    _import_quietly("pyopenjtalk")
                from kokoro import KPipeline

                self._pipelines[lang] = KPipeline(
                    lang_code=lang, repo_id=KOKORO_REPO_ID, model=self._load_model()
                )
            return self._pipelines[lang]

    def _load_model(self) -> KModel:
        """The Kokoro model from the weight files, built once; call with ``_build_lock`` held."""
        if self._model is None:
            import torch
            from kokoro import KModel

            device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
            for path in (self.weights.config, self.weights.model):
                if not path.is_file():
                    raise MissingWeightsError(
                        f"The Kokoro file {path.name} is missing",
                        where=str(path.parent),
                        fix="Download the Kokoro voice again in Settings",
                    )
            try:
                model = KModel(
                    repo_id=KOKORO_REPO_ID,
                    config=str(self.weights.config),
                    model=str(self.weights.model),
                )
            except (RuntimeError, KeyError, ValueError, OSError, AssertionError,
                    pickle.UnpicklingError) as error:  # fmt: skip
                raise StudioError(
                    f"The Kokoro model files could not be loaded ({error})",
                    where=str(self.weights.model.parent),
                    fix="Delete them and download the Kokoro voice again in Settings",
                ) from error
            model = model.to(device).eval()
            fold_weight_norms(model)  # its weights once, not twice (studio.engines.memory)
            self._checks = LayerCancelChecks(model)
            self._model = model
            return_freed_memory()  # what building it left free in the heap
        return self._model

    def release(self) -> None:
        """Drop the model and the G2P pipelines and return their memory to the system.

        Called when no more voice is needed for a while (the render after the voice stage):
        the model, spaCy and the pipelines hold ~1 GB. The next synthesis builds them again
        (a few seconds). Waits for a running synthesis or build to finish first.
        """
        with self._build_lock, self._lock:
            held = self._model is not None or bool(self._pipelines)
            self._pipelines.clear()
            self._model = None  # the checks stay: a call that took its pipeline before may run
        with self._packs_lock:
            held = held or bool(self._packs)
            self._packs.clear()
        if held:
            return_freed_memory()


class LayerCancelChecks:
    """Cancel checks inside Kokoro's forward pass: one before every layer runs.

    A forward pass over a long sentence takes seconds on a CPU and torch cannot interrupt an
    op, but the model is ~480 layers run one after another (the longest, a decoder convolution
    over the whole chunk, measured 0.21 s for a 90-word sentence on 2 cores), so a pre-hook on
    each that raises Cancelled stops the pass within one layer. The model keeps no state between
    passes and the audio is the same as without the checks (no re-chunking, so no change of
    prosody or timings).

    Attributes:
        token: the token the running synthesis watches; None between calls (no checks).
    """

    def __init__(self, model: torch.nn.Module) -> None:
        self.token: CancelToken | None = None
        for layer in model.modules():
            layer.register_forward_pre_hook(self._check)

    def _check(self, layer: torch.nn.Module, inputs: tuple[Any, ...]) -> None:
        token = self.token
        if token is not None:
            token.raise_if_cancelled()

    @contextlib.contextmanager
    def watching(self, cancel: CancelToken | None) -> Iterator[None]:
        """Check ``cancel`` before every layer while the block runs (one synthesis at a time)."""
        self.token = cancel
        try:
            yield
        finally:
            self.token = None


def _import_quietly(module: str) -> None:
    """Import ``module`` with its import-time prints kept off stdout (pyopenjtalk-plus prints a
    warning about an optional ONNX model misaki never uses; stdout may be a CLI's output)."""
    import importlib

    with contextlib.redirect_stdout(io.StringIO()):
        importlib.import_module(module)


def _require_spacy_model() -> None:
    """Fail clearly if misaki's spaCy pipeline is absent: misaki would try to download it."""
    import spacy.util

    if not spacy.util.is_package(SPACY_MODEL):
        raise StudioError(
            f"Kokoro's English text analyser (the spaCy package {SPACY_MODEL}) is not installed",
            where=sys.prefix,
            fix=f"Run: {sys.executable} packaging/install_spacy_model.py (in the Studio repo)",
        )


def _chunk_words(tokens: list[Any], offset: float) -> list[WordTiming]:
    """WordTimings of one chunk's misaki tokens, shifted by where the chunk starts."""
    words = []
    for token in tokens:
        start, end = getattr(token, "start_ts", None), getattr(token, "end_ts", None)
        if start is None or end is None or not _is_spoken_word(token.text):
            continue
        words.append(WordTiming(token.text, offset + float(start), offset + float(end)))
    return words


def _load_pack(path: Path) -> torch.Tensor:
    """A voice file's style tensor (tensors only: a voice file can't run code)."""
    import torch

    try:
        pack = torch.load(path, weights_only=True, map_location="cpu")
    except (RuntimeError, pickle.UnpicklingError, EOFError, OSError) as error:
        raise StudioError(
            f"The Kokoro voice file {path.name} could not be read ({error})",
            where=str(path),
            fix="Delete it and copy or download the voice again",
        ) from error
    if not isinstance(pack, torch.Tensor) or not pack.is_floating_point():
        raise StudioError(
            f"The Kokoro voice file {path.name} holds no voice",
            where=str(path),
            fix="Delete it and copy or download the voice again",
        )
    return pack.float()


def _memo(phonemize: Callable[[str], Phonemized]) -> Callable[[str], Phonemized]:
    """``phonemize`` remembering its answers for one synthesis (chunking asks twice)."""
    seen: dict[str, Phonemized] = {}

    def remembered(text: str) -> Phonemized:
        if text not in seen:
            seen[text] = phonemize(text)
        return seen[text]

    return remembered
