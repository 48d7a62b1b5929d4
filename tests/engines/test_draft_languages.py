"""The draft voice (espeak-ng) in each of Studio's languages: espeak's own voice for the
language, audible speech of a plausible length, and a timing per word (per character for
Japanese and Chinese) in order, inside the audio."""

from __future__ import annotations

import string
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.engines.base import SpeechResult, VoiceInfo
from studio.engines.draft import DRAFT_VOICES, DraftEngine, draft_voice_for
from studio.engines.draft_text import caption_units, japanese_reading, timings
from studio.errors import InputError
from studio.languages import LANGUAGES, get_language
from studio.timing import WordTiming

#: A sentence in each language, and the espeak-ng voice that must speak it (its identifier
#: in espeak-ng's data, as espeak-ng reports the current voice).
SAMPLES = {
    "en-us": ("The quick brown fox jumps over the lazy dog.", "gmw/en-US"),
    "en-gb": ("Colour and flavour are spelt differently here.", "gmw/en"),
    "es": ("¿Dónde está la biblioteca? Está muy cerca.", "roa/es"),
    "fr": ("Bonjour, je m'appelle Marie et j'habite à Paris.", "roa/fr"),
    "hi": ("नमस्ते, आप कैसे हैं? मैं ठीक हूँ।", "inc/hi"),
    "it": ("Buongiorno, come stai oggi?", "roa/it"),
    "pt-br": ("Olá professor! Tudo bem com você?", "roa/pt-BR"),
    "ja": ("今日は良い天気ですね。", "jpx/ja"),
    "zh": ("今天天气很好，我们去公园吧。", "sit/cmn"),
}
_WORD_EDGES = string.punctuation + "¿¡«»।"


def expected_units(text: str, spaced: bool) -> list[str]:
    """What captions highlight, worked out here independently of the engine."""
    if spaced:
        return [word.strip(_WORD_EDGES) for word in text.split() if word.strip(_WORD_EDGES)]
    return [ch for ch in text if unicodedata.category(ch)[0] not in "PZ"]


def assert_in_step(words: list[WordTiming], duration: float) -> None:
    """Each timing inside the audio, none starting before the one before it ended."""
    previous_end = 0.0
    for word in words:
        assert previous_end - 1e-6 <= word.start <= word.end <= duration + 1e-6
        previous_end = word.end


def rms(path: Path) -> float:
    samples, _ = sf.read(path, dtype="float32")
    return float(np.sqrt(np.mean(samples**2)))


def test_every_language_has_samples_here() -> None:
    assert set(SAMPLES) == {language.code for language in LANGUAGES}


@pytest.mark.parametrize("code", list(SAMPLES))
def test_each_language_is_spoken_by_espeaks_voice_for_it(tmp_path: Path, code: str) -> None:
    text, espeak_voice = SAMPLES[code]
    language = get_language(code)
    engine = DraftEngine()

    result = engine.synthesize(text, tmp_path / "s.wav", voice=draft_voice_for(code))

    assert engine.last_espeak_voice == espeak_voice
    units = expected_units(text, language.spaced)
    assert [word.word for word in result.words] == units
    assert 0.1 * len(units) < result.duration < 0.5 * len(units) + 0.3  # 0.17-0.4 s each
    assert rms(tmp_path / "s.wav") > 0.02
    assert_in_step(result.words, result.duration)
    assert result.words[-1].end > 0.7 * result.duration


@pytest.mark.parametrize("code", [code for code in SAMPLES if not code.startswith("en")])
def test_a_language_sounds_unlike_english_rules(tmp_path: Path, code: str) -> None:
    """The same text read by the English voice is different audio."""
    text, _ = SAMPLES[code]
    engine = DraftEngine()
    own = engine.synthesize(text, tmp_path / "own.wav", voice=draft_voice_for(code))
    english = engine.synthesize(text, tmp_path / "en.wav", voice="en-us", language="en-us")

    assert engine.last_espeak_voice == "gmw/en-US"
    own_audio, _ = sf.read(tmp_path / "own.wav", dtype="float32")
    english_audio, _ = sf.read(tmp_path / "en.wav", dtype="float32")
    assert own.duration != english.duration or not np.array_equal(own_audio, english_audio)


@pytest.mark.parametrize(
    ("voice", "text", "after_pause"),
    [
        ("zh", "今天天气很好，我们去公园吧。", "我"),
        ("ja", "今日は良い天気です。明日は雨です。", "明"),
        ("hi", "नमस्ते दुनिया। आप कैसे हैं?", "आप"),
        ("es", "Hola amigos. ¿Qué tal?", "Qué"),
    ],
)
def test_the_word_after_a_pause_starts_when_the_voice_resumes(
    tmp_path: Path, voice: str, text: str, after_pause: str
) -> None:
    """Timings are in step with the sound: within 100 ms of where speech starts again."""
    result = DraftEngine().synthesize(text, tmp_path / "p.wav", voice=voice)
    samples, rate = sf.read(tmp_path / "p.wav", dtype="float32")
    frames = samples[: samples.size // (rate // 100) * (rate // 100)].reshape(-1, rate // 100)
    loud = np.sqrt(np.mean(frames**2, axis=1)) > 0.01

    index = [word.word for word in result.words].index(after_pause)
    pause = int(result.words[index - 1].end * 100)
    quiet = pause + int(np.flatnonzero(~loud[pause:])[0])
    resumes = (quiet + int(np.flatnonzero(loud[quiet:])[0])) / 100
    assert quiet / 100 < resumes - 0.1  # there is a pause at all
    assert result.words[index].start == pytest.approx(resumes, abs=0.1)


def test_japanese_kanji_are_read_not_spelled_out(tmp_path: Path) -> None:
    """espeak-ng alone says "Chinese letter" for each kanji (2.5 s for 日本語); read as kana
    it is the same word as にほんご."""
    engine = DraftEngine()
    kanji = engine.synthesize("日本語", tmp_path / "kanji.wav", voice="ja")
    kana = engine.synthesize("にほんご", tmp_path / "kana.wav", voice="ja")

    assert kanji.duration == pytest.approx(kana.duration, rel=0.2)
    assert kanji.duration < 1.0
    assert [w.word for w in kanji.words] == ["日", "本", "語"]
    assert [w.word for w in kana.words] == ["に", "ほ", "ん", "ご"]


def test_japanese_reading_keeps_where_each_reading_came_from() -> None:
    reading = japanese_reading("東京は333メートル。")

    assert reading.text.replace(" ", "").startswith("トーキョーワサンビャク")
    assert reading.origin is not None and len(reading.origin) == len(reading.text)
    assert reading.written_index(0) == 0  # トーキョー <- 東京
    assert reading.written_index(reading.text.index("ワ")) == 2  # ワ <- は
    assert reading.written_index(reading.text.index("サン")) == 3  # サンビャク... <- 333
    assert reading.written_index(reading.text.index("メ")) == 6  # メートル
    assert list(reading.origin) == sorted(reading.origin)
    assert japanese_reading("①②③").text == "123"  # symbols pyopenjtalk only pauses at


def test_the_texts_language_picks_the_voice_and_the_voice_its_variant(tmp_path: Path) -> None:
    engine = DraftEngine()
    out = tmp_path / "s.wav"

    engine.synthesize("Hola, ¿qué tal?", out, voice="en-us+f3", language="es")
    assert engine.last_espeak_voice == "roa/es+f3"
    engine.synthesize("Hola, ¿qué tal?", out, voice="en-gb-scotland", language="es")
    assert engine.last_espeak_voice == "roa/es"
    engine.synthesize("Hello there.", out, voice="en-gb-scotland")
    assert engine.last_espeak_voice == "gmw/en-GB-scotland"
    engine.synthesize("你好", out, voice="zh+f3", language="zh-CN")
    assert engine.last_espeak_voice == "sit/cmn+f3"


def test_languages_spoken_from_several_threads_each_keep_their_voice(tmp_path: Path) -> None:
    """espeak-ng's voice is global state: each call must speak in its own language."""
    engine = DraftEngine()
    codes = ["ja", "zh", "fr", "hi", "es", "ja"]

    def say(n: int) -> SpeechResult:
        voice = draft_voice_for(codes[n])
        return engine.synthesize(SAMPLES[codes[n]][0], tmp_path / f"{n}.wav", voice=voice)

    serial = [say(n) for n in range(len(codes))]

    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = list(pool.map(say, range(len(codes))))

    for got, want in zip(parallel, serial, strict=True):
        assert [w.word for w in got.words] == [w.word for w in want.words]
        assert got.duration == pytest.approx(want.duration, abs=0.03)


def test_female_and_male_voices_sound_different(tmp_path: Path) -> None:
    engine = DraftEngine()
    engine.synthesize("Bonjour à tous.", tmp_path / "m.wav", voice="fr")
    engine.synthesize("Bonjour à tous.", tmp_path / "f.wav", voice="fr+f3")

    male, _ = sf.read(tmp_path / "m.wav", dtype="float32")
    female, _ = sf.read(tmp_path / "f.wav", dtype="float32")
    assert male.shape != female.shape or not np.array_equal(male, female)


@pytest.mark.parametrize("voice", DRAFT_VOICES, ids=lambda voice: voice.id)
def test_every_draft_voice_speaks_its_language(tmp_path: Path, voice: VoiceInfo) -> None:
    text, espeak_voice = SAMPLES[voice.language]
    engine = DraftEngine()

    result = engine.synthesize(text, tmp_path / "v.wav", voice=voice.id)

    assert engine.last_espeak_voice.split("+")[0] in (espeak_voice, "gmw/en-GB-scotland")
    assert engine.last_espeak_voice.endswith("+f3") == (voice.gender == "female")
    assert result.words and result.duration > 0.5


def test_draft_voice_for_each_language_and_gender() -> None:
    by_id = {voice.id: voice for voice in DRAFT_VOICES}
    for language in LANGUAGES:
        for gender in ("female", "male"):
            voice = by_id[draft_voice_for(language.code, gender)]
            assert (voice.language, voice.gender) == (language.code, gender)
    assert draft_voice_for("pt", "f") == "pt-br+f3"
    assert draft_voice_for("EN_gb") == "en-gb"
    assert by_id["es+f3"].display_name == "Spanish (female)"
    with pytest.raises(InputError, match="does not speak"):
        draft_voice_for("tlh", "male")


def test_unknown_voices_and_languages_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a draft voice"):
        DraftEngine().synthesize("Hola.", tmp_path / "x.wav", voice="es+f9")
    with pytest.raises(InputError, match="does not speak"):
        DraftEngine().synthesize("Hola.", tmp_path / "x.wav", voice="es", language="klingon")
    assert not (tmp_path / "x.wav").exists()


# --- the character timings, for any text and any events -----------------------------------

_CJK_TEXT = st.text(alphabet="今天日本語の文ですはかなカナ漢字ー3AI。、！？「」 ", max_size=40)


@settings(max_examples=200, deadline=None)
@given(
    text=_CJK_TEXT,
    events=st.lists(st.tuples(st.integers(0, 6000), st.integers(0, 45)), max_size=30),
    samples=st.lists(st.floats(-1, 1, width=32), max_size=4000),
    rate=st.sampled_from([8000, 22050]),
)
def test_character_timings_are_one_per_character_in_order_within_the_audio(
    text: str, events: list[tuple[int, int]], samples: list[float], rate: int
) -> None:
    audio = np.asarray(samples, dtype=np.float32)
    timeline = sorted(ms for ms, _ in events)
    spoken = [(ms, index) for ms, (_, index) in zip(timeline, events, strict=True)]

    words = timings(caption_units(text, get_language("ja")), spoken, audio, rate)

    assert [word.word for word in words] == expected_units(text, spaced=False)
    assert_in_step(words, audio.size / rate)


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(alphabet="東京日本語は今日の天気ですカナ123ＡＢ。、！ ", min_size=1, max_size=30)
)
def test_japanese_readings_point_back_in_order(text: str) -> None:
    reading = japanese_reading(text)

    origin = reading.origin or ()
    assert len(origin) == len(reading.text)
    assert list(origin) == sorted(origin)
    assert all(0 <= index < max(len(text), 1) for index in origin)
