"""A Kokoro voice shaped after a recording, made offline in about a second.

Kokoro ships no style encoder ("decoder only: no encoder release"), so no tool can read a true
voice pack off a recording. The one that comes closest offline and fast is ``inno-kokoro``
(Apache-2.0): a distilled speaker encoder and a style head give the pack's timbre half, and a
blend of stock packs matched to the recording's pitch and pace gives its rhythm half. Its
authors measure it a third of the way from "a stranger" to "the same speaker"
(docs/voice_from_recording.md): a voice *like* the recording, with Kokoro's quality, not a clone.

Choices made here, each for a reason written in that document:

* English only (``a``/``b`` voices), as inno-kokoro 0.2.0 is.
* ``head=False``: the v0.2 prosody head needs ``praat-parselmouth``, which is GPL-3.0; without it
  parselmouth is never imported (and the PyInstaller bundle must exclude it).
* The tuner's weights (``model.safetensors``, ~25 MB, its speaker encoder CC BY-SA 3.0) are never
  downloaded here: the creator fetches them once, like Kokoro's; only the local file is read.
* inno-kokoro pings the hub on every load to count usage; the ping is switched off.

The pack lands in Kokoro's voices folder as ``<letter><f|m>_<name>.pt``, where voice discovery
offers it like any stock voice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile as sf

from studio.engines.weights import KOKORO_V1_VOICES, hf_hub_cache_dir
from studio.errors import InputError, MissingWeightsError
from studio.languages import get_language
from studio.savefile import output_path

if TYPE_CHECKING:
    import torch

#: Where the tuner's weights live on the hub, pinned to the release this module was written for.
TUNER_REPO_ID = "remsky/kokoro-inno-clone-tuner"
TUNER_REVISION = "v0.2.0"
TUNER_FILENAME = "model.safetensors"
#: inno-kokoro refuses less (it measures prosody over the clip); it reads only the first 30 s.
MIN_SECONDS = 3.0
MAX_SECONDS = 30.0
#: Languages inno-kokoro's blend tables and style head were made for (its README: English only).
LANGUAGES = ("en-us", "en-gb")
_GENDER_LETTERS = {"female": "f", "male": "m"}
_NAME_PART = re.compile(r"[^a-z0-9]+")
_STOCK_IDS = frozenset(voice.id for voice in KOKORO_V1_VOICES)


@dataclass(frozen=True)
class RecordedVoice:
    """A voice pack made from a recording.

    Attributes:
        voice_id: its Kokoro id ("af_sam"), the name of its file without ``.pt``.
        path: the ``.pt`` file in Kokoro's voices folder.
        seconds: how much of the recording shaped it (at most MAX_SECONDS).
        rhythm: the stock voices whose pace and intonation it borrows, by weight (sum 1).
    """

    voice_id: str
    path: Path
    seconds: float
    rhythm: dict[str, float] = field(default_factory=dict)


def recorded_voice_id(name: str, language: str, gender: str) -> str:
    """Kokoro's id for a voice called ``name``: "Sam O'Neil", en-us, female -> "af_samoneil"."""
    lang = get_language(language)
    if lang.code not in LANGUAGES:
        raise InputError(
            f"A voice from a recording can only be English for now, not {lang.label}",
            fix="Choose American or British English (en-us or en-gb)",
        )
    if gender not in _GENDER_LETTERS:
        raise InputError(
            f"{gender!r} is not a voice gender Kokoro knows", fix="Choose female or male"
        )
    slug = _NAME_PART.sub("", name.lower())
    if not slug:
        raise InputError(
            f"{name!r} has no letters or digits to name a voice file with",
            fix="Give a name such as Sam",
        )
    voice_id = f"{lang.kokoro}{_GENDER_LETTERS[gender]}_{slug}"
    if voice_id in _STOCK_IDS:
        raise InputError(
            f"{voice_id} is one of Kokoro's own voices", fix="Give your voice another name"
        )
    return voice_id


def find_tuner(path: Path | None = None) -> Path:
    """The tuner's weights: ``path`` if given, else the copy in the Hugging Face cache.

    Never downloads; MissingWeightsError says how to fetch the file once.
    """
    if path is not None:
        if Path(path).is_file():
            return Path(path)
        where = f"looked for {path}"
    else:
        from huggingface_hub import try_to_load_from_cache

        cache = hf_hub_cache_dir()
        found = try_to_load_from_cache(
            TUNER_REPO_ID, TUNER_FILENAME, cache_dir=cache, revision=TUNER_REVISION
        )
        if isinstance(found, str):
            return Path(found)
        where = f"looked in the Hugging Face cache {cache}"
    raise MissingWeightsError(
        "The voice tuner's file (model.safetensors, about 25 MB) is not on this computer",
        where=where,
        fix=f"Fetch it once with `hf download {TUNER_REPO_ID} {TUNER_FILENAME} "
        f"--revision {TUNER_REVISION}`",
    )


def read_recording(path: Path) -> tuple[np.ndarray, int]:
    """The recording as mono float32 samples and their rate; InputError if it cannot serve."""
    try:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise InputError(
            "Studio cannot read this recording",
            where=str(path),
            fix="Give a WAV, FLAC or OGG file (save it as WAV from any audio editor)",
        ) from exc
    mono = samples.mean(axis=1)
    seconds = len(mono) / rate
    if seconds < MIN_SECONDS:
        raise InputError(
            f"The recording is {seconds:.1f} s long; a voice needs at least {MIN_SECONDS:.0f} s",
            where=str(path),
            fix="Record 5 to 30 seconds of one person speaking",
        )
    if not np.any(np.abs(mono) > 1e-3):
        raise InputError(
            "The recording is silent", where=str(path), fix="Record one person speaking"
        )
    return mono[: int(MAX_SECONDS * rate)], rate


def make_voice_from_recording(
    recording: Path,
    voices_dir: Path,
    *,
    name: str,
    gender: str,
    language: str = "en-us",
    tuner: Path | None = None,
    replace: bool = False,
) -> RecordedVoice:
    """Shape a Kokoro voice after ``recording`` and save it as ``voices_dir/<id>.pt``.

    Checks everything before writing: a refused call leaves the folder as it was. An existing
    voice of the same id is kept unless ``replace``.
    """
    voice_id = recorded_voice_id(name, language, gender)
    target = Path(voices_dir) / f"{voice_id}.pt"
    if target.exists() and not replace:
        raise InputError(
            f"There is already a voice called {voice_id}",
            where=str(target),
            fix="Choose another name, or replace it",
        )
    samples, rate = read_recording(recording)
    weights = find_tuner(tuner)
    pack, rhythm = _enroll(samples, rate, weights)
    _save_pack(pack, target)
    return RecordedVoice(voice_id, target, len(samples) / rate, rhythm)


def _enroll(samples: np.ndarray, rate: int, weights: Path) -> tuple[torch.Tensor, dict[str, float]]:
    """inno-kokoro's one pass (without the GPL prosody head): samples -> [510, 1, 256] pack."""
    import torch
    from safetensors import SafetensorError

    enroll, tuner_class = _inno_kokoro()
    try:
        tuner = tuner_class(str(weights), device="cpu")
    except (OSError, KeyError, ValueError, RuntimeError, SafetensorError) as exc:
        raise MissingWeightsError(
            "The voice tuner's file is damaged or not the one Studio expects",
            where=str(weights),
            fix=f"Delete it and fetch it again ({TUNER_REPO_ID}, {TUNER_REVISION})",
        ) from exc
    with torch.inference_mode():
        pack, rhythm = enroll(torch.from_numpy(samples), rate, tuner, head=False)
    return pack.float().contiguous(), {str(k): float(v) for k, v in rhythm.items()}


def _inno_kokoro() -> tuple[Any, Any]:
    """inno-kokoro's ``enroll`` and ``Tuner``, with its usage ping to the hub switched off."""
    try:
        from huggingface_hub import constants
        from inno_kokoro.enroll import Tuner, enroll
    except ImportError as exc:
        raise InputError(
            "Making a voice from a recording needs the inno-kokoro package, which is not installed",
            fix="Install it with `pip install 'studio[voice-from-recording]'`",
        ) from exc
    # Tuner() starts a thread that asks the hub for news "and counts usage" unless this is set.
    constants.HF_HUB_DISABLE_TELEMETRY = True
    return enroll, Tuner


def _save_pack(pack: torch.Tensor, target: Path) -> None:
    """Write the pack the way Kokoro's own voice files are stored (a bare float32 tensor)."""
    import torch

    target.parent.mkdir(parents=True, exist_ok=True)
    with output_path(target) as partial:
        torch.save(pack, partial)
