"""Find Kokoro's weight files on this machine, never on the network.

Kokoro-82M needs ``config.json``, ``kokoro-v1_0.pth`` and one ``voices/<id>.pt`` per voice. They
live either in a folder the creator chose (Settings) or in the Hugging Face cache, where the
in-app download and ``hf download hexgrad/Kokoro-82M`` put them. Only the cache's files on disk
are read (``try_to_load_from_cache`` / ``scan_cache_dir``): nothing here touches the network.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import scan_cache_dir, try_to_load_from_cache
from huggingface_hub.errors import CacheNotFound

from studio.engines.base import VoiceInfo
from studio.errors import InputError, MissingWeightsError
from studio.languages import DEFAULT_LANGUAGE, LANGUAGES, language_of_kokoro_voice
from studio.voice_ids import KOKORO_VOICE_ID

KOKORO_REPO_ID = "hexgrad/Kokoro-82M"
CONFIG_FILENAME = "config.json"
MODEL_FILENAME = "kokoro-v1_0.pth"
VOICES_DIRNAME = "voices"
DEFAULT_VOICE = "af_heart"

_ANY_VOICE = f"{VOICES_DIRNAME}/{DEFAULT_VOICE}.pt (or any other voice)"
_GENDERS = {"f": "female", "m": "male"}
#: How a label names each language's voices ("Heart (American English, female)").
_LANGUAGE_WORDS = {
    "en-us": "American English", "en-gb": "British English", "es": "Spanish", "fr": "French",
    "hi": "Hindi", "it": "Italian", "pt-br": "Brazilian Portuguese", "ja": "Japanese",
    "zh": "Mandarin",
}  # fmt: skip

#: Kokoro v1.0's 54 voices by language, best first (grades of hexgrad/Kokoro-82M VOICES.md).
_V1_NAMES: dict[str, tuple[str, ...]] = {
    "en-us": ("af_heart", "af_bella", "af_nicole", "af_aoede", "af_kore", "af_sarah", "af_nova",
              "af_sky", "af_alloy", "af_jessica", "af_river", "am_michael", "am_fenrir",
              "am_puck", "am_echo", "am_eric", "am_liam", "am_onyx", "am_santa", "am_adam"),
    "en-gb": ("bf_emma", "bf_isabella", "bf_alice", "bf_lily", "bm_george", "bm_fable",
              "bm_lewis", "bm_daniel"),
    "es": ("ef_dora", "em_alex", "em_santa"),
    "fr": ("ff_siwis",),
    "hi": ("hf_alpha", "hf_beta", "hm_omega", "hm_psi"),
    "it": ("if_sara", "im_nicola"),
    "pt-br": ("pf_dora", "pm_alex", "pm_santa"),
    "ja": ("jf_alpha", "jf_gongitsune", "jf_tebukuro", "jf_nezumi", "jm_kumo"),
    "zh": ("zf_xiaobei", "zf_xiaoni", "zf_xiaoxiao", "zf_xiaoyi", "zm_yunjian", "zm_yunxi",
           "zm_yunxia", "zm_yunyang"),
}  # fmt: skip


def _described(voice_id: str) -> VoiceInfo | None:
    """A voice file's entry from its name alone: "jf_myvoice" -> "Myvoice (Japanese, female)"."""
    language = language_of_kokoro_voice(voice_id)
    if language is None or not KOKORO_VOICE_ID.match(voice_id):
        return None
    gender = _GENDERS.get(voice_id[1], "unknown")
    name = voice_id.split("_", 1)[1].title()
    described = (
        f"{_LANGUAGE_WORDS[language.code]}, {gender}"
        if gender != "unknown"
        else (_LANGUAGE_WORDS[language.code])
    )
    return VoiceInfo(voice_id, f"{name} ({described})", language.code, gender)


def _catalogued(voice_id: str) -> VoiceInfo:
    described = _described(voice_id)
    assert described is not None, voice_id
    return described


#: Every Kokoro v1.0 voice (54, nine languages), each language's best first.
KOKORO_V1_VOICES: tuple[VoiceInfo, ...] = tuple(
    _catalogued(voice_id) for ids in _V1_NAMES.values() for voice_id in ids
)
#: Kokoro v1.0's English voices, best first: what the in-app download fetches. Not the list of
#: what is installed (that is :meth:`KokoroWeights.available_voices`).
KOKORO_VOICES: tuple[VoiceInfo, ...] = tuple(
    voice for voice in KOKORO_V1_VOICES if voice.language in ("en-us", "en-gb")
)

_CATALOGUE = {voice.id: voice for voice in KOKORO_V1_VOICES}
_RANK = {voice.id: rank for rank, voice in enumerate(KOKORO_V1_VOICES)}


def _how_to_get(folder: Path | None) -> str:
    """The fix part of a MissingWeightsError: the in-app download or the ``hf`` command."""
    if folder is None:
        command = f"`hf download {KOKORO_REPO_ID}` (Studio finds it in the Hugging Face cache)"
    else:
        command = f'`hf download {KOKORO_REPO_ID} --local-dir "{folder}"`'
    return f"Download the Kokoro voice in Settings (or on the welcome page), or run {command}"


def kokoro_voice_info(voice_id: str) -> VoiceInfo:
    """Catalogue entry for ``voice_id``; one from its name for files not in the catalogue."""
    known = _CATALOGUE.get(voice_id) or _described(voice_id)
    if known is not None:
        return known
    return VoiceInfo(voice_id, voice_id, DEFAULT_LANGUAGE, "unknown")


def is_kokoro_voice_name(name: str) -> bool:
    """Whether a voice file's stem names a voice of a language Kokoro speaks ("jf_alpha")."""
    return bool(KOKORO_VOICE_ID.match(name)) and language_of_kokoro_voice(name) is not None


def check_voice_id(voice_id: str) -> str:
    """``voice_id`` if it names a Kokoro voice of a language Studio speaks, else InputError."""
    if not is_kokoro_voice_name(voice_id):
        letters = ", ".join(f"{lang.kokoro} ({lang.name})" for lang in LANGUAGES)
        raise InputError(
            f"{voice_id!r} is not a Kokoro voice",
            fix=f"Use a voice file's name such as {DEFAULT_VOICE} or jf_alpha: a language "
            f"letter ({letters}), f or m, an underscore and a name",
        )
    return voice_id


@dataclass(frozen=True)
class KokoroWeights:
    """Where Kokoro's files are on this machine.

    Attributes:
        config: the model's ``config.json``.
        model: the ``kokoro-v1_0.pth`` checkpoint.
        voices_dir: the folder of ``<voice id>.pt`` style vectors.
    """

    config: Path
    model: Path
    voices_dir: Path

    def voice_path(self, voice_id: str) -> Path:
        """The ``.pt`` file of ``voice_id``; MissingWeightsError if that voice is not here."""
        path = self.voices_dir / f"{check_voice_id(voice_id)}.pt"
        if not path.is_file():
            language = language_of_kokoro_voice(voice_id)
            same = [v for v in self.available_voices() if language_of_kokoro_voice(v) == language]
            fix = _how_to_get(self.voices_dir.parent)
            if same:
                fix = f"Choose one of: {', '.join(same)}; or {fix[0].lower()}{fix[1:]}"
            raise MissingWeightsError(
                f"The Kokoro voice file {VOICES_DIRNAME}/{voice_id}.pt is missing",
                where=f"looked in {self.voices_dir}",
                fix=fix,
            )
        return path

    def available_voices(self) -> list[str]:
        """Ids of the voice files present (any ``<letter><f|m>_<name>.pt`` of a language Kokoro
        speaks), by language in the languages' order, each language's best first."""
        present = [path.stem for path in self.voices_dir.glob("*.pt")]
        voices = [stem for stem in present if is_kokoro_voice_name(stem)]
        letters = [language.kokoro for language in LANGUAGES]
        return sorted(voices, key=lambda v: (letters.index(v[0]), _RANK.get(v, len(_RANK)), v))


def hf_hub_cache_dir() -> Path:
    """The Hugging Face hub cache, resolved from the environment *now*.

    huggingface_hub reads ``HF_HUB_CACHE`` / ``HF_HOME`` once at import; resolving here with the
    same rules honours a change made later (Settings, tests).
    """
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "huggingface",
    )
    legacy = os.environ.get("HUGGINGFACE_HUB_CACHE") or os.path.join(home, "hub")
    cache = os.environ.get("HF_HUB_CACHE") or legacy
    return Path(os.path.expandvars(os.path.expanduser(cache)))


def _missing_in(folder: Path) -> list[str]:
    """Names (relative to ``folder``) of the Kokoro files that are not in ``folder``."""
    missing = [name for name in (CONFIG_FILENAME, MODEL_FILENAME) if not (folder / name).is_file()]
    voices = folder / VOICES_DIRNAME
    if not (voices.is_dir() and any(is_kokoro_voice_name(p.stem) for p in voices.glob("*.pt"))):
        missing.append(_ANY_VOICE)
    return missing


def _weights_in(folder: Path) -> KokoroWeights:
    return KokoroWeights(folder / CONFIG_FILENAME, folder / MODEL_FILENAME, folder / VOICES_DIRNAME)


def _hf_snapshots(cache_dir: Path) -> Iterator[Path]:
    """Snapshot folders of the Kokoro repo in the HF cache: ``main``'s first, then newest first.

    The whole-cache scan (it stats every cached file) only runs if ``main`` is not complete.
    """
    main_config = try_to_load_from_cache(KOKORO_REPO_ID, CONFIG_FILENAME, cache_dir=cache_dir)
    main_snapshot = Path(main_config).parent if isinstance(main_config, str) else None
    if main_snapshot is not None:
        yield main_snapshot
    try:
        cache_info = scan_cache_dir(cache_dir)
    except (CacheNotFound, ValueError, OSError):
        return
    for repo in cache_info.repos:
        if repo.repo_id != KOKORO_REPO_ID or repo.repo_type != "model":
            continue
        for revision in sorted(repo.revisions, key=lambda rev: rev.last_modified, reverse=True):
            if revision.snapshot_path != main_snapshot:
                yield revision.snapshot_path


def find_kokoro_weights(folder: Path | None = None) -> KokoroWeights:
    """Kokoro's files from ``folder`` if given and complete, else from the Hugging Face cache.

    Raises MissingWeightsError naming the missing files, every place searched and how to get
    them. Never downloads.
    """
    searched: list[str] = []
    reported: list[str] | None = None  # the configured folder's gaps, else the best snapshot's
    if folder is not None:
        folder = Path(folder).expanduser()
        reported = _missing_in(folder)
        if not reported:
            return _weights_in(folder)
        searched.append(str(folder))

    cache_dir = hf_hub_cache_dir()
    for snapshot in _hf_snapshots(cache_dir):
        missing = _missing_in(snapshot)
        if not missing:
            return _weights_in(snapshot)
        if folder is None and (reported is None or len(missing) < len(reported)):
            reported = missing
    searched.append(f"the Hugging Face cache {cache_dir}")
    if reported is None:
        reported = [CONFIG_FILENAME, MODEL_FILENAME, _ANY_VOICE]

    raise MissingWeightsError(
        "Kokoro voice files are missing: " + ", ".join(reported),
        where="looked in " + " and ".join(searched),
        fix=_how_to_get(folder),
    )
