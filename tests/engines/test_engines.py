"""Tests for the text-to-speech engines, through their real code paths and with no network.

Kokoro runs for real on a randomly initialised model: ``KModel`` given the real Kokoro-82M
config and a checkpoint with (almost) nothing in it builds every layer without downloading, so
G2P, chunking, inference, timestamps and WAV writing are all exercised; only the sound is noise.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from studio.engines import (
    KOKORO_VOICES,
    SAMPLE_RATE,
    SpeechResult,
    TTSEngine,
    default_engine,
    find_kokoro_weights,
    get_engine,
)
from studio.engines.base import write_wav_atomically
from studio.engines.draft import DraftEngine
from studio.engines.kokoro_engine import KokoroEngine
from studio.engines.weights import KOKORO_V1_VOICES, KokoroWeights
from studio.errors import Cancelled, InputError, MissingWeightsError
from studio.progress import CancelToken

SENTENCE = (
    "The quick brown fox jumps over the lazy dog while seven curious children "
    "watch quietly from the old wooden bridge nearby."
)

#: Kokoro-82M's phoneme vocabulary (config.json "vocab").
# fmt: off
KOKORO_VOCAB = {
    ";": 1, ":": 2, ",": 3, ".": 4, "!": 5, "?": 6, "—": 9, "…": 10, "\"": 11, "(": 12, ")": 13,
    "“": 14, "”": 15, " ": 16, "\u0303": 17, "ʣ": 18, "ʥ": 19, "ʦ": 20, "ʨ": 21, "ᵝ": 22,
    "ꭧ": 23, "A": 24, "I": 25, "O": 31, "Q": 33, "S": 35, "T": 36, "W": 39, "Y": 41, "ᵊ": 42,
    "a": 43, "b": 44, "c": 45, "d": 46, "e": 47, "f": 48, "h": 50, "i": 51, "j": 52, "k": 53,
    "l": 54, "m": 55, "n": 56, "o": 57, "p": 58, "q": 59, "r": 60, "s": 61, "t": 62, "u": 63,
    "v": 64, "w": 65, "x": 66, "y": 67, "z": 68, "ɑ": 69, "ɐ": 70, "ɒ": 71, "æ": 72, "β": 75,
    "ɔ": 76, "ɕ": 77, "ç": 78, "ɖ": 80, "ð": 81, "ʤ": 82, "ə": 83, "ɚ": 85, "ɛ": 86, "ɜ": 87,
    "ɟ": 90, "ɡ": 92, "ɥ": 99, "ɨ": 101, "ɪ": 102, "ʝ": 103, "ɯ": 110, "ɰ": 111, "ŋ": 112,
    "ɳ": 113, "ɲ": 114, "ɴ": 115, "ø": 116, "ɸ": 118, "θ": 119, "œ": 120, "ɹ": 123, "ɾ": 125,
    "ɻ": 126, "ʁ": 128, "ɽ": 129, "ʂ": 130, "ʃ": 131, "ʈ": 132, "ʧ": 133, "ʊ": 135, "ʋ": 136,
    "ʌ": 138, "ɣ": 139, "ɤ": 140, "χ": 142, "ʎ": 143, "ʒ": 147, "ʔ": 148, "ˈ": 156, "ˌ": 157,
    "ː": 158, "ʰ": 162, "ʲ": 164, "↓": 169, "→": 171, "↗": 172, "↘": 173, "ᵻ": 177,
}
# fmt: on

#: Kokoro-82M's config.json (hexgrad/Kokoro-82M), as KModel reads it.
KOKORO_CONFIG = {
    "istftnet": {
        "upsample_kernel_sizes": [20, 12],
        "upsample_rates": [10, 6],
        "gen_istft_hop_size": 5,
        "gen_istft_n_fft": 20,
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "resblock_kernel_sizes": [3, 7, 11],
        "upsample_initial_channel": 512,
    },
    "dim_in": 64,
    "dropout": 0.2,
    "hidden_dim": 512,
    "max_conv_dim": 512,
    "max_dur": 50,
    "multispeaker": True,
    "n_layer": 3,
    "n_mels": 80,
    "n_token": 178,
    "style_dim": 128,
    "text_encoder_kernel_size": 5,
    "plbert": {
        "hidden_size": 768,
        "num_attention_heads": 12,
        "intermediate_size": 2048,
        "max_position_embeddings": 512,
        "num_hidden_layers": 12,
        "dropout": 0.1,
    },
    "vocab": KOKORO_VOCAB,
}


@pytest.fixture(scope="module", autouse=True)
def offline() -> Iterator[None]:
    """Hugging Face offline mode, and any attempt to open a network connection fails the test."""
    import huggingface_hub.constants

    real_connect = socket.socket.connect

    def refuse_network(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        real_connect(sock, address)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
        patch.setattr(socket.socket, "connect", refuse_network)
        yield


@pytest.fixture
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face home, so the real user cache never leaks into a test."""
    home = tmp_path / "hf-home"
    home.mkdir()
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)
    return home / "hub"


def write_kokoro_files(folder: Path, voices: tuple[str, ...] = ("af_heart",)) -> Path:
    """Kokoro's file layout: the real config, a near-empty checkpoint and random voices.

    The checkpoint only sets the duration head's bias (KModel loads "module."-prefixed partial
    state dicts non-strictly), so the otherwise random model speaks at a human pace, ~1.5 frames
    of 25 ms per phoneme. Left random it gives ~25 frames a phoneme: the same code path, but
    12 times more audio to compute.
    """
    (folder / "voices").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(KOKORO_CONFIG, ensure_ascii=False), "utf-8")
    human_pace = {"module.duration_proj.linear_layer.bias": torch.full((50,), -3.5)}
    torch.save({"predictor": human_pace}, folder / "kokoro-v1_0.pth")
    generator = torch.Generator().manual_seed(0)
    for voice in voices:
        torch.save(torch.randn(510, 1, 256, generator=generator), folder / "voices" / f"{voice}.pt")
    return folder


@pytest.fixture(scope="module")
def kokoro(kokoro_dir: Path) -> KokoroEngine:
    """One engine for the module: its random model (seconds to build) is made once and reused."""
    torch.manual_seed(0)
    return KokoroEngine(weights=find_kokoro_weights(kokoro_dir), device="cpu")


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(path, dtype="float32")
    return samples, rate


def assert_word_timings(result: SpeechResult, expected_words: list[str]) -> None:
    """Words in order, each inside the audio, starts never going back in time."""
    assert [word.word for word in result.words] == expected_words
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)
    for word in result.words:
        assert 0.0 <= word.start <= word.end <= result.duration


def written_words(text: str) -> list[str]:
    return [word.strip(".,!?") for word in text.split()]


# --- draft voice (espeak-ng) -----------------------------------------------------------------


def test_draft_voice_writes_audible_24khz_wav_with_word_timings(tmp_path: Path) -> None:
    out = tmp_path / "scene.wav"

    result = DraftEngine().synthesize(SENTENCE, out, voice="en-us")

    samples, rate = read_wav(out)
    assert rate == SAMPLE_RATE == result.sample_rate
    assert samples.ndim == 1
    assert result.duration == pytest.approx(samples.size / rate)
    assert result.duration > 0.5 * len(SENTENCE.split()) / 3  # ~3 words a second at most
    assert float(np.sqrt(np.mean(samples**2))) > 0.02
    assert (result.engine, result.voice) == ("draft", "en-us")
    assert_word_timings(result, written_words(SENTENCE))
    assert result.words[-1].end > 0.8 * result.duration
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.wav"]  # no temp file left


def test_draft_voice_groups_spoken_numbers_under_their_written_word(tmp_path: Path) -> None:
    result = DraftEngine().synthesize("We sold 1,234 tickets, café!", tmp_path / "n.wav")

    assert_word_timings(result, ["We", "sold", "1,234", "tickets", "café"])


@pytest.mark.parametrize("voice", [voice.id for voice in DraftEngine().voices()])
def test_every_draft_voice_speaks(tmp_path: Path, voice: str) -> None:
    result = DraftEngine().synthesize("Testing this voice.", tmp_path / "v.wav", voice=voice)

    assert result.duration > 0.5
    assert_word_timings(result, ["Testing", "this", "voice"])


def test_draft_voice_faster_speed_gives_shorter_audio(tmp_path: Path) -> None:
    engine = DraftEngine()
    normal = engine.synthesize(SENTENCE, tmp_path / "normal.wav", voice="en-gb")
    fast = engine.synthesize(SENTENCE, tmp_path / "fast.wav", voice="en-gb", speed=2.0)

    assert fast.duration < 0.7 * normal.duration


def test_draft_voice_is_safe_from_several_threads(tmp_path: Path) -> None:
    """libespeak-ng has global state; concurrent jobs must each get exactly their own speech."""
    engine = DraftEngine()
    texts = [f"Scene number {n} has its own words." for n in range(6)]
    expected = [engine.synthesize(t, tmp_path / f"serial{n}.wav") for n, t in enumerate(texts)]

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(
            pool.map(lambda n: engine.synthesize(texts[n], tmp_path / f"par{n}.wav"), range(6))
        )

    # espeak-ng carries state between calls: its timing may shift by ~10 ms, nothing more.
    for got, want in zip(results, expected, strict=True):
        assert [w.word for w in got.words] == [w.word for w in want.words]
        assert [w.start for w in got.words] == pytest.approx(
            [w.start for w in want.words], abs=0.03
        )
        assert got.duration == pytest.approx(want.duration, abs=0.03)


def test_draft_voice_cancelled_leaves_no_file(tmp_path: Path) -> None:
    token = CancelToken()
    token.cancel()
    out = tmp_path / "scene.wav"

    with pytest.raises(Cancelled):
        DraftEngine().synthesize(SENTENCE, out, voice="en-us", cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_a_wav_cut_off_mid_write_leaves_the_old_file_and_a_name_the_sweep_knows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WAVs go through ``savefile.atomic_path``: the temporary file is a ``.partial`` one
    (what ``sweep_partial_files`` removes after a kill) and a failed write keeps the old WAV."""
    out = tmp_path / "scene.wav"
    write_wav_atomically(out, np.zeros(2400, dtype=np.float32))
    before = out.read_bytes()
    written: list[Path] = []

    def disk_full(path: Path, *args: object, **kwargs: object) -> None:
        written.append(Path(path))
        Path(path).write_bytes(b"RIFF")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sf, "write", disk_full)
    with pytest.raises(OSError):
        write_wav_atomically(out, np.ones(2400, dtype=np.float32))
    assert written and written[0].name.startswith(".") and ".partial" in written[0].name
    assert out.read_bytes() == before
    assert list(tmp_path.iterdir()) == [out]


def test_draft_voice_rejects_unknown_voice(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a draft voice"):
        DraftEngine().synthesize("Hello.", tmp_path / "x.wav", voice="klingon")


# --- both engines ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_an_input_error(tmp_path: Path, kokoro: KokoroEngine, text: str) -> None:
    out = tmp_path / "scene.wav"
    engines: list[TTSEngine] = [DraftEngine(), kokoro]
    for engine in engines:
        with pytest.raises(InputError, match="no text"):
            engine.synthesize(text, out, voice=engine.voices()[0].id)
    assert not out.exists()


def test_engines_satisfy_the_protocol(kokoro: KokoroEngine) -> None:
    for engine in (DraftEngine(), kokoro):
        assert isinstance(engine, TTSEngine)
    assert (kokoro.label, kokoro.is_draft) == ("Kokoro", False)
    assert (DraftEngine.label, DraftEngine.is_draft) == ("Draft voice (espeak-ng)", True)


def test_get_engine_by_name(kokoro_dir: Path) -> None:
    assert isinstance(get_engine("draft"), DraftEngine)
    kokoro = get_engine("kokoro", weights_dir=kokoro_dir)
    assert isinstance(kokoro, KokoroEngine)
    assert [voice.id for voice in kokoro.voices()] == ["af_heart"]
    with pytest.raises(InputError, match="Unknown voice engine"):
        get_engine("festival")


def test_default_engine_is_kokoro_with_weights_else_draft(
    kokoro_dir: Path, tmp_path: Path, empty_hf_cache: Path
) -> None:
    assert isinstance(default_engine(kokoro_dir), KokoroEngine)
    assert isinstance(default_engine(tmp_path), DraftEngine)
    assert isinstance(default_engine(None), DraftEngine)


# --- Kokoro on a randomly initialised model --------------------------------------------------


def test_kokoro_writes_wav_with_word_timings(kokoro: KokoroEngine, tmp_path: Path) -> None:
    text = "Hello world, this is a test."
    out = tmp_path / "scene.wav"

    result = kokoro.synthesize(text, out, voice="af_heart")

    samples, rate = read_wav(out)
    assert rate == SAMPLE_RATE == result.sample_rate
    assert samples.ndim == 1
    assert result.duration == pytest.approx(samples.size / rate)
    # ~20 phonemes of 1..3 frames of 25 ms each, and a pause at the comma.
    assert 0.5 < result.duration < 3.0
    assert float(np.abs(samples).max()) > 0.0
    assert (result.engine, result.voice) == ("kokoro", "af_heart")
    assert_word_timings(result, ["Hello", "world", "this", "is", "a", "test"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene.wav"]


def test_kokoro_timings_continue_across_chunks(kokoro: KokoroEngine, tmp_path: Path) -> None:
    result = kokoro.synthesize(
        "First part.\n\nSecond part.", tmp_path / "two.wav", voice="af_heart"
    )

    assert_word_timings(result, ["First", "part", "Second", "part"])
    first_chunk_end = result.words[1].end
    assert result.words[2].start >= first_chunk_end


def test_kokoro_speaks_out_of_dictionary_words(kokoro: KokoroEngine, tmp_path: Path) -> None:
    """misaki's espeak-ng fallback pronounces words its dictionary lacks (else they are dropped)."""
    result = kokoro.synthesize("Zorblaxian gadgets hum.", tmp_path / "ood.wav", voice="af_heart")

    assert_word_timings(result, ["Zorblaxian", "gadgets", "hum"])


def test_kokoro_rejects_unpronounceable_text(kokoro: KokoroEngine, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing Kokoro can pronounce"):
        kokoro.synthesize("###", tmp_path / "x.wav", voice="af_heart")
    assert list(tmp_path.iterdir()) == []


def test_kokoro_faster_speed_gives_shorter_audio(kokoro: KokoroEngine, tmp_path: Path) -> None:
    text = "Speed changes how long this takes."
    normal = kokoro.synthesize(text, tmp_path / "normal.wav", voice="af_heart")
    fast = kokoro.synthesize(text, tmp_path / "fast.wav", voice="af_heart", speed=2.0)

    assert fast.duration < 0.75 * normal.duration


class CancelAfterChecks(CancelToken):
    """A token the creator cancels while the job runs: on its ``checks``-th check."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self._checks_left = checks

    def raise_if_cancelled(self) -> None:
        self._checks_left -= 1
        if self._checks_left <= 0:
            self.cancel()
        super().raise_if_cancelled()


def test_kokoro_cancelled_between_chunks_leaves_no_file(
    kokoro: KokoroEngine, tmp_path: Path
) -> None:
    out = tmp_path / "scene.wav"
    token = CancelAfterChecks(checks=2)  # the first check is before any chunk, the second in it

    with pytest.raises(Cancelled):
        kokoro.synthesize("One chunk.\nAnother chunk.", out, voice="af_heart", cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_kokoro_cancel_keeps_previous_wav_intact(kokoro: KokoroEngine, tmp_path: Path) -> None:
    out = tmp_path / "scene.wav"
    kokoro.synthesize("Old take.", out, voice="af_heart")
    before = out.read_bytes()
    token = CancelToken()
    token.cancel()

    with pytest.raises(Cancelled):
        kokoro.synthesize("New take.", out, voice="af_heart", cancel=token)
    assert out.read_bytes() == before


def test_kokoro_missing_voice_file_is_named(kokoro: KokoroEngine, tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError, match="voices/bf_emma.pt"):
        kokoro.synthesize("Hello.", tmp_path / "x.wav", voice="bf_emma")
    with pytest.raises(InputError, match="not a Kokoro voice"):
        kokoro.synthesize("Hello.", tmp_path / "x.wav", voice="../../etc/passwd")


# --- finding the weights ---------------------------------------------------------------------


def test_missing_weights_error_names_files_place_and_fix(
    tmp_path: Path, empty_hf_cache: Path
) -> None:
    folder = tmp_path / "models"
    folder.mkdir()

    with pytest.raises(MissingWeightsError) as caught:
        find_kokoro_weights(folder)

    message = caught.value.message
    files = ("config.json", "kokoro-v1_0.pth", "voices/af_heart.pt")
    places = (str(folder), str(empty_hf_cache))
    fixes = ("Settings", "hf download hexgrad/Kokoro-82M")
    for expected in (*files, *places, *fixes):
        assert expected in message


def test_missing_weights_error_lists_only_what_is_missing(
    tmp_path: Path, empty_hf_cache: Path
) -> None:
    folder = write_kokoro_files(tmp_path / "models")
    (folder / "kokoro-v1_0.pth").unlink()

    with pytest.raises(MissingWeightsError) as caught:
        find_kokoro_weights(folder)

    assert "kokoro-v1_0.pth" in caught.value.what
    assert "config.json" not in caught.value.what
    assert "voices/" not in caught.value.what


@pytest.mark.parametrize("with_main_ref", [True, False], ids=["refs-main", "scan-only"])
def test_weights_found_in_hugging_face_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_main_ref: bool
) -> None:
    cache = tmp_path / "hub-cache"
    repo = cache / "models--hexgrad--Kokoro-82M"
    revision = "0123456789abcdef0123456789abcdef01234567"
    snapshot = write_kokoro_files(repo / "snapshots" / revision, voices=("af_heart", "bm_george"))
    if with_main_ref:
        (repo / "refs").mkdir()
        (repo / "refs" / "main").write_text(revision)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))

    weights = find_kokoro_weights(tmp_path / "no-such-folder")

    assert weights == KokoroWeights(
        snapshot / "config.json", snapshot / "kokoro-v1_0.pth", snapshot / "voices"
    )
    assert weights.voice_path("bm_george") == snapshot / "voices" / "bm_george.pt"
    assert weights.available_voices() == ["af_heart", "bm_george"]


def test_hf_home_cache_is_searched(tmp_path: Path, empty_hf_cache: Path) -> None:
    snapshot = empty_hf_cache / "models--hexgrad--Kokoro-82M" / "snapshots" / "abc123"
    write_kokoro_files(snapshot)

    assert find_kokoro_weights(None).config == snapshot / "config.json"


def test_voice_catalogue_labels_every_kokoro_v1_voice() -> None:
    ids = [voice.id for voice in KOKORO_V1_VOICES]
    assert len(ids) == len(set(ids)) == 54
    assert {"af_heart", "bm_george", "ef_dora", "ff_siwis", "hf_alpha", "if_sara", "pf_dora",
            "jf_alpha", "zf_xiaobei"} <= set(ids)  # fmt: skip
    letters = {"a": "en-us", "b": "en-gb", "e": "es", "f": "fr", "h": "hi", "i": "it",
               "p": "pt-br", "j": "ja", "z": "zh"}  # fmt: skip
    for voice in KOKORO_V1_VOICES:
        assert voice.language == letters[voice.id[0]]
        assert voice.gender == {"f": "female", "m": "male"}[voice.id[1]]
        assert voice.display_name.endswith(f", {voice.gender})")
    by_id = {voice.id: voice.display_name for voice in KOKORO_V1_VOICES}
    assert by_id["jf_alpha"] == "Alpha (Japanese, female)"
    assert by_id["ef_dora"] == "Dora (Spanish, female)"
    assert by_id["af_heart"] == "Heart (American English, female)"
    assert [voice.id for voice in KOKORO_VOICES] == [v for v in ids if v[0] in "ab"]


def test_no_engine_module_imports_qt() -> None:
    import subprocess
    import sys

    code = (
        "import sys, studio.engines, studio.engines.draft, studio.engines.kokoro_engine;"
        "bad = [m for m in sys.modules if m.split('.')[0] == 'PySide6' or m.startswith("
        "('studio.gui', 'studio.store', 'studio.pipeline'))];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})
