"""Kokoro in each of its nine languages, through the real engine: the real G2P of each language
and a randomly initialised KModel (the real code path; the sound is noise, the phonemes,
durations and timings are real). Also voice discovery, blends, and the ja/zh G2P offline.

What the model was given is observed by wrapping ``KPipeline.infer`` (the real one still runs):
each word's timing is checked against the frames the model predicted before that word.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import torch

from studio.engines import find_kokoro_weights
from studio.engines.kokoro_engine import KokoroEngine
from studio.engines.kokoro_text import FRAME_SECONDS, SAMPLES_PER_FRAME
from studio.errors import InputError, MissingWeightsError
from studio.languages import codes
from tests.engines.test_engines import write_kokoro_files

#: One voice file per language (the languages' defaults), and one more Spanish one for blends.
VOICES = (
    "af_heart", "bf_emma", "ef_dora", "em_alex", "ff_siwis", "hf_alpha", "if_sara", "pf_dora",
    "jf_alpha", "zf_xiaobei",
)  # fmt: skip
ONSET_TOLERANCE = 0.1  # seconds


@dataclass(frozen=True)
class Case:
    voice: str
    text: str
    units: list[str]
    phonemes: tuple[str, ...]  # each must be in what the model was given
    not_phonemes: tuple[str, ...] = ()  # English rules' tell-tales that must not be


CASES = {
    "en-us": Case("af_heart", "Hello world.", ["Hello", "world"], ("wˈɜɹld",)),
    "en-gb": Case("bf_emma", "Hello world.", ["Hello", "world"], ("wˈɜːld",), ("ɹ",)),
    "es": Case("ef_dora", "Hola, ¿cómo estás?", ["Hola", "cómo", "estás"],
               ("ˈola", "kˈomo"), ("h", "ʊ")),
    "fr": Case("ff_siwis", "Bonjour les amis.", ["Bonjour", "les", "amis"], ("bɔ̃ʒˈuʁ",)),
    "hi": Case("hf_alpha", "नमस्ते दुनिया।", ["नमस्ते", "दुनिया"], ("nəmˈʌsteː",)),
    "it": Case("if_sara", "Ciao, come stai?", ["Ciao", "come", "stai"], ("ʧˈao",), ("ʃ",)),
    "pt-br": Case("pf_dora", "Olá professor!", ["Olá", "professor"], ("olˈa",), ("h",)),
    "ja": Case("jf_alpha", "こんにちは、世界。", list("こんにちは世界"), ("ʨi", "sekai")),
    "zh": Case("zf_xiaobei", "你好，世界。", list("你好世界"), ("ni↓xau↓", "ʂɨ↘ʨje↘")),
}  # fmt: skip


@dataclass
class Pass:
    """One forward pass: the phonemes given and the frames predicted for each token."""

    phonemes: str
    durations: list[int]
    samples: int


@pytest.fixture(scope="module")
def polyglot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_kokoro_files(tmp_path_factory.mktemp("kokoro-languages"), VOICES)


@pytest.fixture(scope="module")
def engine(polyglot_dir: Path) -> KokoroEngine:
    torch.manual_seed(0)
    return KokoroEngine(weights=find_kokoro_weights(polyglot_dir), device="cpu")


@pytest.fixture
def passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Pass]]:
    """Every forward pass the engine makes during the test, recorded as it happens."""
    from kokoro import KPipeline

    real_infer = KPipeline.infer
    seen: list[Pass] = []

    def recording_infer(model: Any, ps: str, pack: Any, speed: Any = 1) -> Any:
        output = real_infer(model, ps, pack, speed)
        durations = [int(frames) for frames in output.pred_dur.reshape(-1).tolist()]
        seen.append(Pass(ps, durations, int(output.audio.reshape(-1).shape[0])))
        return output

    monkeypatch.setattr(KPipeline, "infer", staticmethod(recording_infer))
    yield seen


def expected_onsets(language: str, case: Case, given: Pass) -> list[float] | None:
    """When the model's own durations say each unit starts (None: no exact mapping to check)."""
    starts: list[int] = []
    if language == "zh":
        from misaki.zh import ZHG2P

        position = 0
        for char in case.units:
            position = given.phonemes.index(ZHG2P.word2ipa(char).replace(chr(815), ""), position)
            starts.append(position)
    elif language == "ja":  # MeCab's words pair with cutlet's: each word's first character
        groups = [m.start() for m in re.finditer(r"[^\s,.!?]+", given.phonemes)]
        return [sum(given.durations[: start + 1]) * FRAME_SECONDS for start in groups]
    elif language not in ("en-us", "en-gb"):
        starts = [m.start() for m in re.finditer(r"[^\s,.!?¿¡;:—…]+", given.phonemes)]
    else:
        return None
    return [sum(given.durations[: start + 1]) * FRAME_SECONDS for start in starts]


@pytest.mark.parametrize("language", list(CASES))
def test_each_language_speaks_with_its_own_phonemes_and_timed_units(
    engine: KokoroEngine, passes: list[Pass], tmp_path: Path, language: str
) -> None:
    case = CASES[language]
    out = tmp_path / "scene.wav"

    result = engine.synthesize(case.text, out, voice=case.voice, language=language)

    assert len(passes) == 1  # one short sentence: one pass
    given = passes[0]
    for phonemes in case.phonemes:
        assert phonemes in given.phonemes
    for tell_tale in case.not_phonemes:
        assert tell_tale not in given.phonemes
    samples, rate = sf.read(out, dtype="float32")
    assert rate == 24000 and samples.size == given.samples
    assert given.samples == sum(given.durations) * SAMPLES_PER_FRAME  # 600 samples a frame
    assert [word.word for word in result.words] == case.units
    starts = [word.start for word in result.words]
    assert starts == sorted(starts)
    assert all(0.0 <= w.start <= w.end <= result.duration for w in result.words)
    onsets = expected_onsets(language, case, given)
    if language == "ja":  # こんにちは、世界: the words' first characters, こ and 世
        starts = [starts[0], starts[5]]
    if onsets is not None:  # exactly the frames before each word (within 100 ms at worst)
        assert len(onsets) == len(starts)
        assert np.abs(np.array(starts) - np.array(onsets)).max() < ONSET_TOLERANCE
        assert starts == pytest.approx(onsets, abs=1e-6)
    # Spoken from the first sound to the last: the first unit starts after the model's
    # leading frame(s), the last ends within 100 ms of the end of the speech.
    assert result.words[0].start == pytest.approx(given.durations[0] * FRAME_SECONDS, abs=0.1)
    speech_end = sum(given.durations[:-1]) * FRAME_SECONDS
    assert abs(result.words[-1].end - speech_end) < 0.15 + given.durations[-2] * FRAME_SECONDS


def test_every_language_has_a_case() -> None:
    assert set(CASES) == set(codes())


def test_the_voice_says_the_language_when_the_text_does_not(
    engine: KokoroEngine, passes: list[Pass], tmp_path: Path
) -> None:
    """No language given: a Spanish voice reads with Spanish rules; a blend by its largest part."""
    engine.synthesize("Hola.", tmp_path / "a.wav", voice="ef_dora")
    engine.synthesize("Hola.", tmp_path / "b.wav", voice="af_heart*0.3+em_alex*0.7")

    assert ["ˈola" in given.phonemes for given in passes] == [True, True]


def test_sentences_are_spoken_in_turn_with_timings_carrying_on(
    engine: KokoroEngine, passes: list[Pass], tmp_path: Path
) -> None:
    result = engine.synthesize("Hola. ¡Adiós!", tmp_path / "two.wav", voice="ef_dora")

    assert passes[0].phonemes == "ˈola." and passes[1].phonemes.endswith("aðjˈos!")
    first_audio = passes[0].samples / 24000
    before = passes[1].phonemes.index("a") + 1  # BOS and any mark before the word
    second_onset = first_audio + sum(passes[1].durations[:before]) * FRAME_SECONDS
    assert [word.word for word in result.words] == ["Hola", "Adiós"]
    assert result.words[1].start == pytest.approx(second_onset, abs=1e-6)


# --- blends -----------------------------------------------------------------------------------


def test_a_half_and_half_blend_is_the_mean_of_its_voices(
    engine: KokoroEngine, polyglot_dir: Path
) -> None:
    def pack(voice: str) -> torch.Tensor:
        return torch.load(polyglot_dir / "voices" / f"{voice}.pt", weights_only=True)

    blended = engine._voice_pack("ef_dora*0.5+af_heart*0.5")

    assert torch.allclose(blended, (pack("ef_dora") + pack("af_heart")) / 2)
    assert torch.allclose(engine._voice_pack("ef_dora*3+af_heart*1"),
                          0.75 * pack("ef_dora") + 0.25 * pack("af_heart"))  # fmt: skip


def test_a_blend_is_the_same_voice_whatever_the_order_of_its_parts(engine: KokoroEngine) -> None:
    assert engine._voice_pack("af_heart*0.4+ef_dora*0.6") is engine._voice_pack(
        "ef_dora*0.6+af_heart*0.4"
    )


def test_a_blend_of_a_missing_voice_names_it(engine: KokoroEngine, tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError, match="jm_kumo.pt"):
        engine.synthesize("こんにちは", tmp_path / "x.wav", voice="jf_alpha*0.5+jm_kumo*0.5")
    with pytest.raises(InputError, match="not a Kokoro voice"):
        engine.synthesize("Hola.", tmp_path / "x.wav", voice="blend:warm")
    assert not (tmp_path / "x.wav").exists()


# --- voices discovered from the files present ------------------------------------------------


def test_a_folder_with_only_a_japanese_voice_offers_it(tmp_path: Path) -> None:
    folder = write_kokoro_files(tmp_path / "k", ("jf_alpha",))
    (folder / "voices" / "jf_myvoice.pt").write_bytes(
        (folder / "voices" / "jf_alpha.pt").read_bytes()
    )
    (folder / "voices" / "notes.pt").write_bytes(b"")  # not a voice name
    (folder / "voices" / "xf_klingon.pt").write_bytes(b"")  # no such language

    engine = KokoroEngine(weights=find_kokoro_weights(folder))

    assert [(v.id, v.display_name, v.language, v.gender) for v in engine.voices()] == [
        ("jf_alpha", "Alpha (Japanese, female)", "ja", "female"),
        ("jf_myvoice", "Myvoice (Japanese, female)", "ja", "female"),
    ]


def test_a_missing_voice_says_which_of_its_language_are_here(tmp_path: Path) -> None:
    folder = write_kokoro_files(tmp_path / "k", ("jf_alpha", "jm_kumo", "af_heart"))
    engine = KokoroEngine(weights=find_kokoro_weights(folder))

    with pytest.raises(MissingWeightsError) as caught:
        engine.synthesize("こんにちは", tmp_path / "x.wav", voice="jf_nezumi")

    assert "Choose one of: jf_alpha, jm_kumo" in str(caught.value.fix)


# --- the Japanese and Chinese G2P work offline -----------------------------------------------

OFFLINE_G2P = textwrap.dedent(
    """
    import socket, sys
    def refuse(*args, **kwargs):
        raise AssertionError("tried to reach the network")
    socket.socket.connect = refuse
    socket.create_connection = refuse
    import pyopenjtalk
    def unused(*args, **kwargs):
        raise AssertionError("pyopenjtalk's dictionary was used")
    pyopenjtalk.run_frontend = unused
    from kokoro import KPipeline
    from studio.engines.kokoro_g2p import phonemizer
    from studio.languages import get_language
    vocab = {chr(c): c for c in range(0x10000)}
    ja = KPipeline(lang_code="j", repo_id="hexgrad/Kokoro-82M", model=False)
    zh = KPipeline(lang_code="z", repo_id="hexgrad/Kokoro-82M", model=False)
    print(phonemizer(get_language("ja"), ja.g2p, vocab)("今日はいい天気です。").phonemes)
    print(phonemizer(get_language("zh"), zh.g2p, vocab)("今天天气很好。").phonemes)
    print("sudachidict_core" in sys.modules, "unidic" in sys.modules)
    """
)


def test_japanese_and_chinese_g2p_run_with_no_network(tmp_path: Path) -> None:
    """A fresh process, sockets refused, Hugging Face offline, an empty temp folder (jieba
    builds its cache there): the dictionaries come from the installed packages."""
    env = {"HF_HUB_OFFLINE": "1", "TMPDIR": str(tmp_path), "HOME": str(tmp_path),
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_G2P], capture_output=True, text=True, env=env,
        cwd=Path(__file__).resolve().parents[2], timeout=120,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    japanese, chinese, loaded = done.stdout.strip().splitlines()[-3:]
    assert "teŋkʲi" in japanese and "desɨ" in japanese
    assert "tʰjɛ→n" in chinese and "xau↓" in chinese
    assert loaded == "False False"  # neither Sudachi's nor the full UniDic dictionary


def test_japanese_words_are_mecab_words_weighted_by_their_morae() -> None:
    """Captions split a word's time among its characters; the words pair with cutlet's."""
    from misaki.ja import JAG2P

    from studio.engines.kokoro_g2p import phonemizer
    from studio.languages import get_language

    every_symbol = {chr(code): code for code in range(0x3000)}
    chunk = phonemizer(get_language("ja"), JAG2P(), every_symbol)("今日はいい天気ですね。")

    assert [(word.text, word.weight) for word in chunk.words] == [
        ("今日", 2.0), ("は", 1.0), ("いい", 2.0), ("天気", 3.0), ("です", 2.0), ("ね", 1.0),
    ]  # fmt: skip
    heard = [chunk.phonemes[a:b] for a, b in chunk.spans]
    assert heard == ["kʲoː", "βa", "iː", "teŋkʲi", "desɨ", "ne"]
