"""A Kokoro voice from a recording: inno-kokoro's real code path on a stand-in tuner file.

The tuner file here has inno-kokoro 0.2.0's real keys and shapes with random values (the real
one is on the hub, which tests never reach), so enrolment runs its real computation; what it
cannot show is how alike the voice sounds. Refusals need no inno-kokoro and run everywhere.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from studio.engines.draft import DraftEngine
from studio.engines.kokoro_engine import KokoroEngine
from studio.engines.voice_from_recording import (
    TUNER_REPO_ID,
    make_voice_from_recording,
    recorded_voice_id,
)
from studio.engines.weights import find_kokoro_weights
from studio.errors import InputError, MissingWeightsError
from tests.engines.test_engines import read_wav, write_kokoro_files

needs_inno = pytest.mark.skipif(
    importlib.util.find_spec("inno_kokoro") is None,
    reason="inno-kokoro is not installed (pip install '.[voice-from-recording]')",
)
READING = (
    "The old lighthouse keeper never imagined that one day he would guide ships from his "
    "living room. Some days move quickly, others take their time."
)
STOCK = ("af_heart", "af_bella", "am_michael", "bf_emma", "bm_george")


def write_stand_in_tuner(path: Path) -> Path:
    """inno-kokoro 0.2.0's model.safetensors layout, random values, blend rows of STOCK packs."""
    from inno_kokoro.encoder import SpeakerEncoder
    from safetensors.torch import save_file

    generator = torch.Generator().manual_seed(1)
    count = len(STOCK)
    encoder = {f"enc.{k}": v.half() if v.is_floating_point() else v for k, v in
               SpeakerEncoder().state_dict().items()}  # fmt: skip
    style = torch.nn.Sequential(
        torch.nn.Linear(512, 512), torch.nn.GELU(), torch.nn.Linear(512, 256)
    )
    female = torch.tensor([voice[1] == "f" for voice in STOCK])
    tensors = {
        **encoder,
        **{f"heads.style.{k}": v for k, v in style.state_dict().items()},
        "heads.tilt.weight": 0.01 * torch.randn(256, 1, generator=generator),
        "blend.rows": torch.randn(count, 510, 128, generator=generator),
        "blend.stats": torch.stack(
            [torch.where(female, 12.0, 2.0), torch.full((count,), 2.0), torch.full((count,), 4.0)],
            1,
        ),
        "blend.grades": torch.full((count,), 3.0),
        "head.W": 0.01 * torch.randn(3, 128, generator=generator),
        "head.mu": torch.tensor([8.0, 2.0]),
        "head.sd": torch.tensor([4.0, 0.5]),
    }
    metadata = {
        "version": "0.2.0", "blend_names": ",".join(STOCK), "blend_gate": "4.0",
        "blend_scale": "1.0,0.5,0.5", "grade_pen": "0.5", "tilt_mean": "-8.0", "tilt_sd": "2.0",
    }  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)
    return path


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """~8 s of two different speakers (espeak's male and female English), as a creator's WAVs."""
    folder = tmp_path_factory.mktemp("recordings")
    made = {}
    for voice in ("en-us", "en-us+f3"):
        made[voice] = folder / f"{voice}.wav"
        DraftEngine().synthesize(READING, made[voice], voice=voice)
    return made


@pytest.fixture(scope="module")
def tuner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("inno_kokoro")
    return write_stand_in_tuner(tmp_path_factory.mktemp("tuner") / "model.safetensors")


@pytest.fixture
def kokoro_folder(tmp_path: Path) -> Path:
    return write_kokoro_files(tmp_path / "kokoro")


@pytest.fixture
def network_attempts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every name lookup or connection to a non-local host, from any thread (refused)."""
    attempts: list[object] = []
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host not in ("localhost", "127.0.0.1", "::1", None):
            attempts.append(host)
            raise OSError("the network is off in tests")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    def connect(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(address)
            raise OSError("the network is off in tests")
        real_connect(sock, address)  # type: ignore[arg-type]

    import huggingface_hub.constants

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    # A creator's machine: not in offline mode (tests/conftest.py sets it for every test).
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_DISABLE_TELEMETRY", False)
    yield attempts


def join_background_threads() -> None:
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and thread.daemon:
            thread.join(timeout=10)


@pytest.mark.slow
@needs_inno
def test_a_recording_becomes_a_voice_kokoro_offers_and_speaks(
    recordings: dict[str, Path], tuner: Path, kokoro_folder: Path, tmp_path: Path
) -> None:
    weights = find_kokoro_weights(kokoro_folder)

    voice = make_voice_from_recording(
        recordings["en-us+f3"], weights.voices_dir, name="Sam", gender="female", tuner=tuner
    )

    assert voice.voice_id == "af_sam"
    assert voice.path == weights.voices_dir / "af_sam.pt"
    pack = torch.load(voice.path, weights_only=True)
    assert pack.shape == (510, 1, 256) and pack.dtype == torch.float32
    assert torch.isfinite(pack).all()
    assert 7.0 < voice.seconds < 12.0
    assert set(voice.rhythm) <= set(STOCK) and sum(voice.rhythm.values()) == pytest.approx(1.0)
    assert "af_sam" in find_kokoro_weights(kokoro_folder).available_voices()
    torch.manual_seed(0)
    result = KokoroEngine(weights=weights, device="cpu").synthesize(
        "Hello there.", tmp_path / "hello.wav", voice="af_sam"
    )
    samples, rate = read_wav(tmp_path / "hello.wav")
    assert rate == 24000 and result.duration > 0.2 and abs(samples).max() > 0.01
    assert [word.word for word in result.words] == ["Hello", "there"]


@pytest.mark.slow
@needs_inno
def test_the_voice_follows_the_recording(
    recordings: dict[str, Path], tuner: Path, tmp_path: Path
) -> None:
    """Same recording, same pack; another speaker, another timbre half and another rhythm."""
    made = {
        key: make_voice_from_recording(path, tmp_path / key, name="x", gender="male", tuner=tuner)
        for key, path in (("a", recordings["en-us"]), ("b", recordings["en-us"]),
                          ("c", recordings["en-us+f3"]))
    }  # fmt: skip
    packs = {key: torch.load(voice.path, weights_only=True) for key, voice in made.items()}

    assert torch.equal(packs["a"], packs["b"])
    assert not torch.allclose(packs["a"][:, :, :128], packs["c"][:, :, :128])
    assert made["a"].rhythm != made["c"].rhythm


@needs_inno
def test_making_a_voice_never_reaches_the_network_nor_loads_gpl_code(
    recordings: dict[str, Path], tuner: Path, tmp_path: Path, network_attempts: list[object]
) -> None:
    """inno-kokoro's Tuner() pings the hub to count usage unless told not to; Studio tells it.

    Nor is its GPL-licensed pitch tracker (parselmouth, for the prosody head) ever loaded.
    """
    make_voice_from_recording(
        recordings["en-us"], tmp_path, name="quiet", gender="male", tuner=tuner
    )
    join_background_threads()

    assert network_attempts == []
    assert "parselmouth" not in sys.modules


def test_refusals_leave_the_voices_folder_as_it_was(
    recordings: dict[str, Path], tmp_path: Path
) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    existing = voices / "af_sam.pt"
    existing.write_bytes(b"a voice the creator already has")
    short = tmp_path / "short.wav"
    DraftEngine().synthesize("Hi.", short, voice="en-us")
    not_audio = tmp_path / "notes.wav"
    not_audio.write_text("not a recording")
    attempts = [
        dict(recording=recordings["en-us"], name="Sam", gender="female"),  # taken
        dict(recording=short, name="Kim", gender="female"),  # under 3 s
        dict(recording=not_audio, name="Kim", gender="female"),
        dict(recording=recordings["en-us"], name="Kim", gender="female", language="pt-br"),
        dict(recording=recordings["en-us"], name="Kim", gender="other"),
        dict(recording=recordings["en-us"], name="!!!", gender="male"),
        dict(recording=recordings["en-us"], name="Heart", gender="female", replace=True),
    ]

    for attempt in attempts:
        with pytest.raises(InputError) as caught:
            make_voice_from_recording(voices_dir=voices, **attempt)  # type: ignore[arg-type]
        assert "\n" not in caught.value.message and caught.value.fix

    assert sorted(path.name for path in voices.iterdir()) == ["af_sam.pt"]
    assert existing.read_bytes() == b"a voice the creator already has"


def test_voice_ids_are_kokoro_ids_of_the_language_and_gender() -> None:
    assert recorded_voice_id("Sam O'Neil", "en-us", "female") == "af_samoneil"
    assert recorded_voice_id("George 2", "EN_gb", "male") == "bm_george2"


def test_without_the_tuner_file_it_says_how_to_fetch_it(
    recordings: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))

    with pytest.raises(MissingWeightsError) as caught:
        make_voice_from_recording(recordings["en-us"], tmp_path, name="Sam", gender="male")

    fetch = f"hf download {TUNER_REPO_ID} model.safetensors --revision v0.2.0"
    assert fetch in str(caught.value.fix)
    assert list(tmp_path.glob("*.pt")) == []


def test_without_inno_kokoro_it_says_what_to_install(
    recordings: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tuner_file = tmp_path / "model.safetensors"
    tuner_file.write_bytes(b"unused")
    monkeypatch.setitem(sys.modules, "inno_kokoro", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "inno_kokoro.enroll", None)

    with pytest.raises(InputError) as caught:
        make_voice_from_recording(
            recordings["en-us"], tmp_path, name="Sam", gender="male", tuner=tuner_file
        )

    assert "inno-kokoro" in caught.value.what and "voice-from-recording" in str(caught.value.fix)
    assert list(tmp_path.glob("*.pt")) == []


@needs_inno
def test_cli_makes_the_voice_and_refuses_in_one_line(
    recordings: dict[str, Path], tuner: Path, kokoro_folder: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    command = [sys.executable, "-m", "studio", "--home", str(tmp_path / "home"), "voices",
               "from-recording", str(recordings["en-us"]), "--name", "Rob", "--gender", "male",
               "--tuner", str(tuner), "--kokoro-dir", str(kokoro_folder)]  # fmt: skip

    made = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    assert made.returncode == 0, made.stderr
    assert "Made the voice am_rob" in made.stdout
    assert (kokoro_folder / "voices" / "am_rob.pt").is_file()
    assert again.returncode == 2
    assert again.stderr.startswith("studio: There is already a voice called am_rob")
    assert again.stderr.count("\n") == 1
