"""Find Kokoro's weight files on this machine, never on the network.

Kokoro-82M needs ``config.json``, ``kokoro-v1_0.pth`` and one ``voices/<id>.pt`` per voice. They
live either in a folder the creator chose (Settings) or in the Hugging Face cache, where the
in-app download and ``hf download hexgrad/Kokoro-82M`` put them. Only the cache's files on disk
are read (``try_to_load_from_cache`` / ``scan_cache_dir``): nothing here touches the network.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from huggingface_hub import scan_cache_dir, try_to_load_from_cache
from huggingface_hub.errors import CacheNotFound

from studio.engines.base import VoiceInfo
from studio.errors import InputError, MissingWeightsError

KOKORO_REPO_ID = "hexgrad/Kokoro-82M"
CONFIG_FILENAME = "config.json"
MODEL_FILENAME = "kokoro-v1_0.pth"
VOICES_DIRNAME = "voices"
DEFAULT_VOICE = "af_heart"

_ANY_VOICE = f"{VOICES_DIRNAME}/{DEFAULT_VOICE}.pt (or any other voice)"
_VOICE_ID = re.compile(r"^[a-z]{2}_[a-z0-9]+$")
_LANGUAGES = {"a": "en-US", "b": "en-GB"}
_GENDERS = {"f": "female", "m": "male"}


def _voice(voice_id: str, name: str) -> VoiceInfo:
    accent = "American" if voice_id[0] == "a" else "British"
    gender = _GENDERS[voice_id[1]]
    return VoiceInfo(voice_id, f"{name} ({accent} {gender})", _LANGUAGES[voice_id[0]], gender)


#: Kokoro v1.0's English voices (the languages Studio's Kokoro engine speaks), best first.
KOKORO_VOICES: tuple[VoiceInfo, ...] = tuple(
    _voice(voice_id, name)
    for voice_id, name in (
        ("af_heart", "Heart"), ("af_bella", "Bella"), ("af_nicole", "Nicole"),
        ("af_aoede", "Aoede"), ("af_kore", "Kore"), ("af_sarah", "Sarah"), ("af_nova", "Nova"),
        ("af_sky", "Sky"), ("af_alloy", "Alloy"), ("af_jessica", "Jessica"),
        ("af_river", "River"), ("am_michael", "Michael"), ("am_fenrir", "Fenrir"),
        ("am_puck", "Puck"), ("am_echo", "Echo"), ("am_eric", "Eric"), ("am_liam", "Liam"),
        ("am_onyx", "Onyx"), ("am_santa", "Santa"), ("am_adam", "Adam"),
        ("bf_emma", "Emma"), ("bf_isabella", "Isabella"), ("bf_alice", "Alice"),
        ("bf_lily", "Lily"), ("bm_george", "George"), ("bm_fable", "Fable"),
        ("bm_lewis", "Lewis"), ("bm_daniel", "Daniel"),
    )
)  # fmt: skip

_CATALOGUE = {voice.id: voice for voice in KOKORO_VOICES}


def _how_to_get(folder: Path | None) -> str:
    """The fix part of a MissingWeightsError: the in-app download or the ``hf`` command."""
    if folder is None:
        command = f"`hf download {KOKORO_REPO_ID}` (Studio finds it in the Hugging Face cache)"
    else:
        command = f'`hf download {KOKORO_REPO_ID} --local-dir "{folder}"`'
    return f"Download the Kokoro voice in Settings (or on the welcome page), or run {command}"


def kokoro_voice_info(voice_id: str) -> VoiceInfo:
    """Catalogue entry for ``voice_id``; a plain one for voice files not in the catalogue."""
    if voice_id in _CATALOGUE:
        return _CATALOGUE[voice_id]
    language = _LANGUAGES.get(voice_id[:1], "en-US")
    gender = _GENDERS.get(voice_id[1:2], "unknown")
    return VoiceInfo(voice_id, voice_id.split("_", 1)[-1].title(), language, gender)


def check_voice_id(voice_id: str) -> str:
    """``voice_id`` if it looks like a Kokoro English voice ("af_heart"), else InputError."""
    if not _VOICE_ID.match(voice_id) or voice_id[0] not in _LANGUAGES:
        known = ", ".join(voice.id for voice in KOKORO_VOICES[:5])
        raise InputError(
            f"{voice_id!r} is not a Kokoro English voice",
            fix=f"Pick a voice such as {known}",
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
            raise MissingWeightsError(
                f"The Kokoro voice file {VOICES_DIRNAME}/{voice_id}.pt is missing",
                where=f"looked in {self.voices_dir}",
                fix=_how_to_get(self.voices_dir.parent),
            )
        return path

    def available_voices(self) -> list[str]:
        """Ids of the voice files present, catalogue order first, then any others by name."""
        present = {path.stem for path in self.voices_dir.glob("*.pt") if _VOICE_ID.match(path.stem)}
        ordered = [voice.id for voice in KOKORO_VOICES if voice.id in present]
        return ordered + sorted(present - set(ordered))


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
    if not (voices.is_dir() and any(voices.glob("*.pt"))):
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
