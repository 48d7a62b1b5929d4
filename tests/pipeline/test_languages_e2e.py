"""Script to MP4 in each of the nine languages, as a creator makes it.

Each language's two-scene script goes through the real pipeline: the real G2P of the language
and a randomly initialised ``KModel`` (the real code path; the sound is noise, the phonemes,
durations and timings are real), the real slides, captions (libass) and FFmpeg. A few languages
go through ``python -m studio produce`` as a subprocess (its ``-vv`` log names the phonemes
Kokoro is given); the others call the same produce function in this process, sharing one model.

Checked for each: the phonemes are the language's own (no English rules, no spelled-out
"Japanese letter"), the stored word (character, for ja/zh) timings are one per word, in order
and inside the scene's audio, the burned captions show that word when it is spoken (ink in
the caption band of the frame, the ASS cue at that moment holds it), and every character of
the slide title and the captions has a glyph in the face that draws it. One frame per language
is saved as ``<language>.png`` in the test's folder to look at.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from imageio_ffmpeg import get_ffmpeg_exe
from PIL import Image

from studio.media.probe import probe
from studio.media.resources import SCRIPT_FACES, FontFile, find_font
from studio.media.typeset import TextFont, covers
from studio.pipeline import produce as pipeline
from studio.pipeline.jobs import NullReporter
from studio.pipeline.produce import ProduceRequest
from studio.pipeline.request import RunRequest
from studio.pipeline.slide_stage import slide_title
from studio.pipeline.voice_choice import release_engines
from studio.store import Library
from studio.store.models import Project, Scene
from studio.store.settings_registry import KOKORO_DIR
from studio.timing import WordTiming
from tests.engines.test_engines import write_kokoro_files

#: One voice of each language (its default), all in one fake Kokoro folder.
VOICES = (
    "af_heart", "bf_emma", "ef_dora", "ff_siwis", "hf_alpha", "if_sara", "pf_dora",
    "jf_alpha", "zf_xiaobei",
)  # fmt: skip
#: What misaki's English rules give for a character they cannot read ("Japanese letter",
#: "Chinese letter"), and English's own r: none may reach the model for another language.
ENGLISH_TELL_TALES = ("lˈɛɾəɹ", "lˈɛtə", "ʤˌæpənˈiz", "ʧˌIniz", "ɹ")
#: Where the captions sit in a 9:16 720p frame (bottom captions: 72-86 % of the height).
CAPTION_BAND = (0.72, 0.86)
#: Where the slide's title sits (the middle of the frame).
TITLE_BAND = (0.30, 0.58)
#: A frame of the 30 fps video, in seconds.
FRAME = 1 / 30
#: A caption's letters are white; the backdrop never is.
INK = 235
#: The engine's DEBUG record of what each chunk gives the model.
PHONEMES_LINE = re.compile(r"Kokoro phonemes \(\S+\): (.*)")
#: torch on one thread: on this shared 2-core machine (load ~10) torch's two threads
#: measured 14 s for a 1 s French sentence, one thread 1.5 s (the same code path and audio).
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: The languages run through ``python -m studio produce`` (the others in this process).
THROUGH_THE_CLI = ("es", "hi", "ja")


@dataclass(frozen=True)
class Case:
    voice: str
    scenes: tuple[str, str]
    phonemes: tuple[str, ...]  # each must be in what the model was given
    not_phonemes: tuple[str, ...] = ENGLISH_TELL_TALES


CASES = {
    "en-us": Case("af_heart", ("Where is the library?", "It is near the park."),
                  ("lˈIbɹˌɛɹi", "pˈɑɹk"), ()),
    "en-gb": Case("bf_emma", ("Where is the library?", "It is near the park."),
                  ("pˈɑːk",), ("ɑɹ",)),
    "es": Case("ef_dora", ("¿Dónde está la biblioteca?", "Está cerca del parque."),
               ("dˈonde", "βˌiβliotˈeka", "θˈeɾka")),
    "fr": Case("ff_siwis", ("Où est la bibliothèque ?", "Elle est près du parc."),
               ("bibliotˈɛk", "pʁɛ dy pˈaʁk")),
    "hi": Case("hf_alpha", ("गंगा भारत की सबसे पवित्र नदी है।", "लोग सुबह नदी में स्नान करते हैं।"),
               ("bʰˈaːɾət", "nˈʌdi")),
    "it": Case("if_sara", ("Dove si trova la biblioteca?", "È vicino al parco."),
               ("trˈɔva", "bibliotˈɛka", "viʧˈino")),
    "pt-br": Case("pf_dora", ("Onde fica a biblioteca?", "Fica perto do parque."),
                  ("ˌoŋʤy", "pˈɛɾətʊ")),
    "ja": Case("jf_alpha", ("京都の桜は美しいです。", "春に咲きます。"),
               ("kʲoːto", "sakɯɾa", "haɾɯ")),
    "zh": Case("zf_xiaobei", ("你好，世界。", "今天天气很好。"),
               ("ni↓xau↓", "ʨʰi↘", "xə↓n")),
}  # fmt: skip


@dataclass
class Made:
    """What a produce left: the library's project, its scenes, the video and the phonemes."""

    project: Project
    scenes: list[Scene]
    video: Path
    phonemes: list[str]
    segments: Path


class Messages(NullReporter):
    """A reporter keeping the run's messages (the draft voice's stand-in is said there)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def message(self, text: str) -> None:
        self.lines.append(text)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kokoro_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fake Kokoro folder for the module: the real config, a random model, nine voices."""
    return write_kokoro_files(tmp_path_factory.mktemp("kokoro-e2e"), VOICES)


@pytest.fixture(scope="module")
def shared_model() -> Iterator[None]:
    """In-process runs keep Kokoro's model between languages (built once, seconds saved each
    time) and torch computes on one thread (see ``ONE_THREAD``); the model is released when
    the module is done."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "RELEASE_VOICES_BEFORE_RENDER", False)
        yield
    release_engines()
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def no_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Kokoro in a Hugging Face cache: only the folder the tests make."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "no-hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)


def write_script(tmp_path: Path, case: Case) -> Path:
    """The case's two scenes as a script file (a blank line between scenes)."""
    script = tmp_path / "script.txt"
    script.write_text("\n\n".join(case.scenes) + "\n", encoding="utf-8")
    return script


def produce_with_the_cli(home: Path, script: Path, language: str, kokoro: Path | None) -> Made:
    """``python -m studio -vv produce`` on a library whose Kokoro folder is ``kokoro``."""
    library = Library.open(home)
    if kokoro is not None:
        library.set_setting(KOKORO_DIR, str(kokoro))
    library.close()
    env = {
        **os.environ,
        **ONE_THREAD,
        "HF_HOME": str(home.parent / "no-hf-home"),
        "STUDIO_HOME": str(home),
    }
    done = subprocess.run(
        [sys.executable, "-m", "studio", "--home", str(home), "-vv", "produce",
         "--script", str(script), "--language", language, "--aspect", "9:16",
         "--resolution", "720p"],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    if kokoro is None:
        assert "Kokoro's voice files are missing" in done.stderr
    library = Library.open(home)
    try:
        return made(library, Path(done.stdout.strip()), PHONEMES_LINE.findall(done.stderr))
    finally:
        library.close()


def produce_in_process(
    library: Library, script: Path, language: str, kokoro: Path, caplog: pytest.LogCaptureFixture
) -> Made:
    """The same produce the CLI runs, in this process (the model is shared between runs)."""
    request = ProduceRequest(
        run=RunRequest(kokoro_dir=kokoro), script=script, language=language,
        aspect="9:16", resolution="720p",
    )  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="studio.engines.kokoro_engine"):
        result = pipeline.produce(library, request, reporter=NullReporter())
    log = "\n".join(record.getMessage() for record in caplog.records)
    return made(library, result.video_path, PHONEMES_LINE.findall(log))


def made(library: Library, video: Path, phonemes: list[str]) -> Made:
    (summary,) = library.projects()
    project = library.project(summary.id)
    segments = library.home.project_dir(project.id) / "segments"
    return Made(project, library.scenes(project), video, phonemes, segments)


# --- what is checked -------------------------------------------------------------------------


def spoken_units(text: str, language: str) -> list[str]:
    """What a caption times: each word, or each character of Japanese and Chinese."""
    if language in ("ja", "zh"):
        return [char for char in text if char.isalnum()]
    return [word.strip(".,;:!?¿¡।") for word in text.split() if word.strip(".,;:!?¿¡।")]


def check_timings(scene: Scene, language: str) -> list[WordTiming]:
    """One timing per word (character), in order, inside the scene's audio."""
    words = [WordTiming.from_json(w) for w in scene.word_timings or []]
    assert [w.word for w in words] == spoken_units(scene.text, language)
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0.0 <= w.start < w.end <= float(scene.duration or 0) for w in words)
    return words


def frame_at(video: Path, seconds: float) -> np.ndarray:
    """The video's frame at ``seconds`` as RGB pixels (the real ffmpeg decodes it)."""
    raw = subprocess.run(
        [get_ffmpeg_exe(), "-v", "error", "-ss", f"{seconds:.3f}", "-i", str(video),
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, np.uint8).reshape(1280, 720, 3)


def band(frame: np.ndarray, span: tuple[float, float]) -> np.ndarray:
    height = frame.shape[0]
    return frame[int(span[0] * height) : int(span[1] * height)]


def ink(pixels: np.ndarray) -> int:
    """How many pixels are (near) white: letters, on a backdrop that never is."""
    return int((pixels.min(axis=2) >= INK).sum())


def ass_cues(segments: Path, scene: Scene) -> list[tuple[float, float, str]]:
    """The scene's captions as the render wrote them: the Dialogues (start, end, text without
    override tags) of the ASS file in the render cache whose text is the scene's."""
    spoken = re.sub(r"\s", "", scene.sanitized_text or scene.text)
    for path in segments.glob("captions-*.ass"):
        cues = []
        for line in path.read_text("utf-8").splitlines():
            if line.startswith("Dialogue:"):
                fields = line.split(",", 9)
                text = re.sub(r"\{[^}]*\}", "", fields[9]).replace(r"\N", " ")
                cues.append((ass_seconds(fields[1]), ass_seconds(fields[2]), text))
        if re.sub(r"\s", "", "".join(text for _, _, text in cues)) == spoken:
            return cues
    raise AssertionError(f"no captions of {scene.text!r} in {segments}")


def ass_seconds(stamp: str) -> float:
    hours, minutes, seconds = stamp.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def check_captions_in_step(made: Made, language: str, frames: Path) -> np.ndarray:
    """At the middle of one word of each scene, the scene's one ASS cue showing then holds the
    word and the frame's caption band has ink; none before the first word; the two scenes'
    captions differ. Returns the first scene's frame."""
    offset, shots = 0.0, []
    first_word = check_timings(made.scenes[0], language)[0]
    for scene in made.scenes:
        words = check_timings(scene, language)
        word = words[len(words) // 2]
        middle = (word.start + word.end) / 2
        showing = [text for start, end, text in ass_cues(made.segments, scene)
                   if start <= middle <= end]  # fmt: skip
        assert len(showing) == 1 and word.word in showing[0], (word, showing)
        shots.append(frame_at(made.video, offset + middle))
        offset += float(scene.duration or 0)
    assert probe(made.video).duration == pytest.approx(offset, abs=0.2)
    first, second = (band(shot, CAPTION_BAND) for shot in shots)
    assert ink(first) > 300 and ink(second) > 300  # a line of letters, not a stray pixel
    if first_word.start >= FRAME:  # no caption before the first word (English's may start at 0)
        assert ink(band(frame_at(made.video, 0.0), CAPTION_BAND)) < 30
    assert np.abs(first.astype(int) - second.astype(int)).max(axis=2).astype(bool).mean() > 0.01
    Image.fromarray(shots[0]).save(frames / f"{language}.png")
    return shots[0]


def check_glyphs(made: Made, language: str, frame: np.ndarray) -> None:
    """Every character of the slide's title has a glyph in the face that draws it, and so has
    every character of the captions (the style's font, or the face a ``\\fn`` tag names); the
    title is drawn (ink in the title band of the frame)."""
    title = slide_title(made.scenes[0].text)
    for piece in TextFont(48, bold=True, language=language).pieces(title):
        missing = [char for char in piece.text if not covers(piece.file, char)]
        assert not missing, (piece.file.path.name, missing)
    for path in made.segments.glob("captions-*.ass"):
        check_caption_glyphs(path.read_text("utf-8"))
    assert ink(band(frame, TITLE_BAND)) > 1000


def check_caption_glyphs(ass: str) -> None:
    """Each caption letter is in the face libass draws it with (no fallback left to chance)."""
    style_family = re.search(r"^Style: Caption,([^,]+),", ass, re.M)
    assert style_family is not None
    faces = {face.family: key for key, (face, _) in SCRIPT_FACES.items()}
    for line in ass.splitlines():
        if not line.startswith("Dialogue:"):
            continue
        family = style_family.group(1)
        for tag, text in re.findall(r"\{([^}]*)\}|([^{]+)", line.split(",", 9)[9]):
            if tag:
                named = re.search(r"\\fn([^\\}]*)", tag)
                family = named.group(1) if named and named.group(1) else style_family.group(1)
                continue
            font = caption_face(family, faces)
            missing = [char for char in text.replace(r"\N", "") if not covers(font, char)]
            assert not missing, (family, missing)


def caption_face(family: str, faces: dict[str, str]) -> FontFile:
    font = find_font(faces.get(family, "latin"))
    assert font is not None, family
    return font


def check_phonemes(made: Made, case: Case) -> None:
    """What the model was given: the language's own sounds, none of English's tell-tales."""
    assert len(made.phonemes) >= len(case.scenes), made.phonemes
    given = " ".join(made.phonemes)
    for sounds in case.phonemes:
        assert sounds in given, (sounds, given)
    for tell_tale in case.not_phonemes:
        assert tell_tale not in given, (tell_tale, given)


# --- the tests -------------------------------------------------------------------------------


def test_every_language_has_a_case() -> None:
    from studio.languages import codes

    assert set(CASES) == set(codes())


@pytest.mark.slow
@pytest.mark.parametrize("language", THROUGH_THE_CLI)
def test_produce_through_the_cli_speaks_captions_and_draws_the_language(
    home: Path, tmp_path: Path, kokoro_dir: Path, language: str
) -> None:
    case = CASES[language]
    made = produce_with_the_cli(home, write_script(tmp_path, case), language, kokoro_dir)

    assert made.project.language == language and len(made.scenes) == 2
    check_phonemes(made, case)
    frame = check_captions_in_step(made, language, tmp_path)
    check_glyphs(made, language, frame)


@pytest.mark.slow
@pytest.mark.parametrize("language", [code for code in CASES if code not in THROUGH_THE_CLI])
def test_produce_speaks_captions_and_draws_the_language(
    library: Library,
    tmp_path: Path,
    kokoro_dir: Path,
    shared_model: None,
    caplog: pytest.LogCaptureFixture,
    language: str,
) -> None:
    case = CASES[language]
    made = produce_in_process(library, write_script(tmp_path, case), language, kokoro_dir, caplog)

    assert made.project.language == language and len(made.scenes) == 2
    check_phonemes(made, case)
    frame = check_captions_in_step(made, language, tmp_path)
    check_glyphs(made, language, frame)


@pytest.mark.parametrize("language", list(CASES))
def test_without_kokoro_the_draft_voice_speaks_the_language(
    library: Library, tmp_path: Path, language: str
) -> None:
    """No Kokoro folder: espeak's voice for the language speaks each scene (its sidecar names
    the voice), the run says Kokoro's files are missing, and the video is made."""
    case = CASES[language]
    script = write_script(tmp_path, case)
    empty = tmp_path / "no-kokoro"
    empty.mkdir()
    request = ProduceRequest(
        run=RunRequest(kokoro_dir=empty), script=script, language=language, aspect="9:16",
        resolution="720p",
    )  # fmt: skip
    reporter = Messages()
    result = pipeline.produce(library, request, reporter=reporter)

    assert any("Kokoro's voice files are missing" in line for line in reporter.lines)
    scenes = library.scenes(result.project)
    assert len(scenes) == 2 and probe(result.video_path).duration > 0.5
    for scene in scenes:
        wav = library.home.abs(scene.audio_file_path or "")
        sidecar = json.loads(wav.with_suffix(".json").read_text("utf-8"))
        assert sidecar["engine"] == "draft" and sidecar["voice"].split("+")[0] == language
        check_timings(scene, language)
