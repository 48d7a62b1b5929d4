"""A project's language through the voice stage: which voice speaks, and the audio's key.

Real SQLite libraries, real Kokoro folders (the real config, random voice packs: nothing is
synthesised by Kokoro here, the choice is what is tested) and the real draft voice.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.languages import LANGUAGES
from studio.pipeline import voiceover
from studio.pipeline.jobs import run_job
from studio.pipeline.request import RunRequest
from studio.pipeline.voice_choice import check_voice, choose_voice, draft_voice_for
from studio.store import Library
from studio.store.models import Project
from studio.store.settings_registry import DEFAULT_VOICE, KOKORO_DIR
from tests.engines.test_engines import write_kokoro_files
from tests.factories import make_project


@pytest.fixture(autouse=True)
def no_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No Kokoro in a Hugging Face cache: only the folders the tests make."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "no-hf-home"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.delenv("HUGGINGFACE_HUB_CACHE", raising=False)


def kokoro_folder(library: Library, tmp_path: Path, *voices: str) -> RunRequest:
    """Kokoro's files with these voice packs, set as the library's folder; the run's request."""
    folder = write_kokoro_files(tmp_path / f"kokoro-{'-'.join(voices)}", voices)
    library.set_setting(KOKORO_DIR, str(folder))
    return RunRequest(kokoro_dir=folder)


def project_in(library: Library, language: str, texts: tuple[str, ...] = ("テスト。",)) -> Project:
    project = make_project(library, texts=texts)
    library.update_project(project, language=language)
    return library.refresh(project)


def old_audio_key(text: str, engine: str, voice: str, speed: float) -> str:
    """``voiceover.audio_key`` verbatim as it was before languages (commit b026a48)."""
    payload = json.dumps([text, engine, voice, round(speed, 3)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


# --- the audio key ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "engine", "voice", "speed"),
    [
        ("Bees dance.", "kokoro", "af_heart", 1.0),
        ("Café — “quoted”.", "draft", "en-us+f3", 1.25),
        ("", "kokoro", "af_heart*0.6+bf_emma*0.4", 0.8),
    ],
)
def test_american_english_keeps_the_old_audio_key(
    text: str, engine: str, voice: str, speed: float
) -> None:
    assert voiceover.audio_key(text, engine, voice, speed) == old_audio_key(
        text, engine, voice, speed
    )
    assert voiceover.audio_key(text, engine, voice, speed, "en-us") == old_audio_key(
        text, engine, voice, speed
    )


def test_the_same_text_in_another_language_is_other_audio() -> None:
    keys = {voiceover.audio_key("Taxi.", "draft", "en-us", 1.0, lang.code) for lang in LANGUAGES}
    assert len(keys) == len(LANGUAGES)


def test_an_english_project_keeps_its_scene_keys(library: Library) -> None:
    """Voicing an English project stores exactly the key it stored before languages."""
    project = make_project(library, texts=("Bees dance.",))
    with run_job(library, project, "voice") as ctx:
        voiceover.voice_project(library, project, ctx, start=0, end=1)
    scene = library.scenes(project)[0]
    assert scene.audio_key == old_audio_key("Bees dance.", "draft", "en-us+f3", 1.0)


# --- which voice speaks ----------------------------------------------------------------------


def test_the_scene_language_overrides_the_projects(library: Library) -> None:
    project = project_in(library, "ja", ("一。", "二。"))
    first, second = library.scenes(project)
    library.update_scene(second, language="zh")
    assert choose_voice(library, project, first).language == "ja"
    assert choose_voice(library, project, library.scene(second.id)).language == "zh"


def test_without_kokoro_the_draft_voice_of_the_language_speaks_and_says_why(
    library: Library,
) -> None:
    project = project_in(library, "ja")
    choice = choose_voice(library, project, library.scenes(project)[0])
    assert choice.is_draft
    assert choice.voice == draft_voice_for("ja", "female")
    assert choice.voice.split("+")[0] == "ja"  # espeak's Japanese, not an English voice
    assert choice.stand_in is not None and "missing" in choice.stand_in
    assert "not installed" not in choice.stand_in


def test_without_kokoro_an_english_voice_keeps_its_accent_and_gender(library: Library) -> None:
    project = make_project(library, texts=("Hello.",))
    for voice, draft in (
        ("af_heart", "en-us+f3"),
        ("am_michael", "en-us"),
        ("bf_emma", "en-gb+f3"),
    ):
        library.update_project(project, voice_id=voice)
        assert choose_voice(library, library.refresh(project)).voice == draft


def test_kokoro_without_a_voice_of_the_language_names_what_is_here(
    library: Library, tmp_path: Path
) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart", "bf_emma")
    project = project_in(library, "ja")
    with pytest.raises(InputError) as raised:
        choose_voice(library, project, library.scenes(project)[0], request=request)
    error = raised.value
    assert error.message.startswith("There is no Japanese voice here")
    assert "af_heart" in error.message and "bf_emma" in error.message
    assert "jf_*.pt" in error.message


def test_a_stored_voice_whose_file_is_gone_is_refused_not_drafted(
    library: Library, tmp_path: Path
) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart")
    project = make_project(library, texts=("Hello.",))
    library.update_project(project, voice_id="af_bella")
    with pytest.raises(InputError, match=r"af_bella\.pt is not here.*af_heart"):
        choose_voice(library, library.refresh(project), request=request)


def test_the_languages_own_voice_file_is_found(library: Library, tmp_path: Path) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart", "jm_kumo")
    project = project_in(library, "ja")
    choice = choose_voice(library, project, library.scenes(project)[0], request=request)
    assert (choice.engine.name, choice.voice, choice.language) == ("kokoro", "jm_kumo", "ja")


def test_the_library_default_voice_only_if_it_speaks_the_language(
    library: Library, tmp_path: Path
) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart", "am_adam", "jf_alpha")
    library.set_setting(DEFAULT_VOICE, "am_adam")
    english = make_project(library, "English", texts=("Hello.",))
    japanese = project_in(library, "ja")
    assert choose_voice(library, english, request=request).voice == "am_adam"
    assert choose_voice(library, japanese, request=request).voice == "jf_alpha"


# --- blends ----------------------------------------------------------------------------------


def test_a_saved_blend_speaks_as_its_spec_and_editing_it_changes_the_key(
    library: Library, tmp_path: Path
) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart", "bf_emma")
    library.save_blend("Warm narrator", [("af_heart", 60), ("bf_emma", 40)])
    project = make_project(library, texts=("Hello.",))
    library.update_project(project, voice_id="blend:warm-narrator")
    project = library.refresh(project)

    before = choose_voice(library, project, request=request)
    assert (before.engine.name, before.voice) == ("kokoro", "af_heart*0.6+bf_emma*0.4")
    library.save_blend("Warm narrator", [("af_heart", 30), ("bf_emma", 70)])
    after = choose_voice(library, project, request=request)
    assert after.voice == "bf_emma*0.7+af_heart*0.3"
    keys = {voiceover.audio_key("Hello.", c.engine.name, c.voice, 1.0) for c in (before, after)}
    assert len(keys) == 2


def test_a_deleted_blend_is_named(library: Library, tmp_path: Path) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart", "bf_emma")
    library.save_blend("Warm narrator", [("af_heart", 60), ("bf_emma", 40)])
    project = make_project(library, texts=("Hello.",))
    library.update_project(project, voice_id="blend:warm-narrator")
    library.delete_blend("blend:warm-narrator")
    with pytest.raises(InputError, match="blend 'warm-narrator' no longer exists"):
        choose_voice(library, library.refresh(project), request=request)


def test_a_blend_missing_one_voice_file_is_refused(library: Library, tmp_path: Path) -> None:
    request = kokoro_folder(library, tmp_path, "af_heart")
    library.save_blend("Warm narrator", [("af_heart", 60), ("bf_emma", 40)])
    project = make_project(library, texts=("Hello.",))
    library.update_project(project, voice_id="blend:warm-narrator")
    with pytest.raises(InputError, match=r"no English \(UK\) voice here.*bf_emma.*af_heart"):
        choose_voice(library, library.refresh(project), request=request)


# --- checking a voice name -------------------------------------------------------------------


def test_check_voice_knows_discovered_voices_blends_and_drafts(
    library: Library, tmp_path: Path
) -> None:
    kokoro_folder(library, tmp_path, "af_heart", "jf_alpha", "zm_yunxi")
    library.save_blend("Duo", [("af_heart", 1), ("jf_alpha", 1)])
    for voice in ("jf_alpha", "zm_yunxi", "blend:duo", "en-gb+f3", "af_heart*0.5+jf_alpha*0.5"):
        assert check_voice(voice, library) == voice
    with pytest.raises(InputError, match="Did you mean: .*jf_alpha"):
        check_voice("jf_alpah", library)


def test_there_is_a_sample_sentence_in_every_language() -> None:
    assert set(voiceover.SAMPLE_SENTENCES) == {lang.code for lang in LANGUAGES}
    assert voiceover.SAMPLE_SENTENCE == "Hello! This is how I will sound in your video."
    assert len(set(voiceover.SAMPLE_SENTENCES.values())) == len(LANGUAGES) - 1  # en-gb = en-us


class Notes:
    """A reporter that keeps the job's messages."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def progress(self, fraction: float, stage: str, eta_seconds: float | None) -> None:
        pass

    def message(self, text: str) -> None:
        self.messages.append(text)


def test_the_run_says_kokoros_files_are_missing_only_when_they_are(library: Library) -> None:
    project = make_project(library, texts=("Hello.",))
    notes = Notes()
    with run_job(library, project, "voice", reporter=notes) as ctx:
        voiceover.voice_project(library, project, ctx, start=0, end=1)
    assert len(notes.messages) == 1
    assert "Kokoro's voice files are missing (looked in" in notes.messages[0]

    library.update_project(project, voice_id="en-gb")  # a draft voice chosen: nothing to say
    quiet = Notes()
    with run_job(library, project, "voice", reporter=quiet) as ctx:
        voiceover.voice_project(library, library.refresh(project), ctx, start=0, end=1)
    assert quiet.messages == []


def test_the_engine_is_told_the_texts_language_unless_english_meets_english(
    library: Library, tmp_path: Path
) -> None:
    """English text in an English voice keeps the voice's accent (None: as before languages);
    any other pairing reads the text by its own language's rules."""
    request = kokoro_folder(library, tmp_path, "af_heart", "bf_emma", "jf_alpha")
    english = make_project(library, "English", texts=("Hello.",))
    japanese = project_in(library, "ja")
    for project, voice, reads_as in (
        (english, "bf_emma", None),
        (english, "af_heart*0.5+bf_emma*0.5", None),
        (english, "jf_alpha", "en-us"),
        (japanese, "af_heart", "ja"),
        (japanese, "jf_alpha", "ja"),
    ):
        library.update_project(project, voice_id=voice)
        choice = choose_voice(library, library.refresh(project), request=request)
        assert choice.reads_as == reads_as, voice


# --- a chat story's characters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "voices", "expected"),
    [
        # English: Studio's usual order, but only the voice files that are here.
        ("en-us", ("af_heart", "bf_emma", "am_adam"), ["af_heart", "bf_emma", "am_adam"]),
        # Another language: its own voice files, never an English one.
        ("ja", ("af_heart", "jf_alpha", "jm_kumo"), ["jf_alpha", "jm_kumo"]),
    ],
)
def test_a_chat_storys_characters_get_voices_whose_files_are_here(
    library: Library, tmp_path: Path, language: str, voices: tuple[str, ...], expected: list[str]
) -> None:
    from studio.media.settings import RenderSettings
    from studio.pipeline.templates import create_project, get_template
    from studio.pipeline.templates.chat import ChatTemplate

    kokoro_folder(library, tmp_path, *voices)
    project = create_project(library, "Duo", template="chat", options={}, settings=RenderSettings())
    library.update_project(project, language=language)
    project = library.refresh(project)
    chat = get_template("chat")
    assert isinstance(chat, ChatTemplate)
    chat.assign_voices(library, project, ["Ana", "Ben", "Cy"])
    given = library.character_voices(project)
    assert [given[name] for name in ("Ana", "Ben")] == expected[:2]
    assert set(given.values()) <= set(voices), "no character is handed a missing voice file"
