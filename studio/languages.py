"""The languages Studio speaks: one table every layer reads (G2P, draft voice, splitting,
prompts, fonts, captions), so "which language" is asked in one place.

A project has one language (``projects.language``); a scene may differ (``scenes.language``).
Codes are BCP-47-ish and lower case ("en-us", "pt-br", "ja"); :func:`get_language` also accepts
common spellings ("EN_us", "pt", "zh-CN", "cmn") and refuses anything else with the list.
Kokoro's own name for a language is the first letter of its voices ("a" American English,
"j" Japanese ...), so a voice id says its language.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import InputError


@dataclass(frozen=True)
class Language:
    """One language: how Studio writes, speaks, splits and shows it.

    Attributes:
        code: the stored code ("en-us", "pt-br", "ja").
        name: what the creator reads ("Portuguese (Brazil)").
        native: the language's own name ("Português").
        kokoro: Kokoro's language letter, the first letter of its voice ids ("p").
        espeak: espeak-ng's voice name for it (the draft voice, and Kokoro's G2P for e/f/h/i/p).
        default_voice: the Kokoro voice tried first for a new project in this language.
        prompt_name: how the script prompt names the language ("Brazilian Portuguese").
        script: the writing system, for fonts: "latin", "devanagari", "japanese", "han".
        caption_unit: "word", or "char" where words aren't separated by spaces (ja, zh).
    """

    code: str
    name: str
    native: str
    kokoro: str
    espeak: str
    default_voice: str
    prompt_name: str
    script: str
    caption_unit: str = "word"

    @property
    def label(self) -> str:
        """What a list shows: "Japanese — 日本語" (just the name where both are the same)."""
        return self.name if self.native == self.name else f"{self.name} — {self.native}"

    @property
    def spaced(self) -> bool:
        """Whether words are separated by spaces (captions split on them)."""
        return self.caption_unit == "word"


#: Every language Kokoro speaks, in the order the lists show them.
LANGUAGES: tuple[Language, ...] = (
    Language("en-us", "English (US)", "English (US)", "a", "en-us", "af_heart",
             "English", "latin"),
    Language("en-gb", "English (UK)", "English (UK)", "b", "en", "bf_emma",
             "British English", "latin"),
    Language("es", "Spanish", "Español", "e", "es", "ef_dora", "Spanish", "latin"),
    Language("fr", "French", "Français", "f", "fr-fr", "ff_siwis", "French", "latin"),
    Language("hi", "Hindi", "हिन्दी", "h", "hi", "hf_alpha",
             "Hindi (in Devanagari script)", "devanagari"),
    Language("it", "Italian", "Italiano", "i", "it", "if_sara", "Italian", "latin"),
    Language("pt-br", "Portuguese (Brazil)", "Português", "p", "pt-br", "pf_dora",
             "Brazilian Portuguese", "latin"),
    Language("ja", "Japanese", "日本語", "j", "ja", "jf_alpha", "Japanese", "japanese",
             caption_unit="char"),
    Language("zh", "Chinese (Mandarin)", "中文", "z", "cmn", "zf_xiaobei",
             "Mandarin Chinese (Simplified characters)", "han", caption_unit="char"),
)  # fmt: skip

DEFAULT_LANGUAGE = "en-us"

_BY_CODE = {language.code: language for language in LANGUAGES}
_BY_KOKORO = {language.kokoro: language for language in LANGUAGES}
#: Other spellings creators and tools use for the same languages.
_ALIASES = {
    "en": "en-us", "en-us": "en-us", "en-uk": "en-gb", "english": "en-us",
    "es-es": "es", "es-mx": "es", "es-419": "es", "spanish": "es",
    "fr-fr": "fr", "fr-ca": "fr", "french": "fr",
    "hi-in": "hi", "hindi": "hi",
    "it-it": "it", "italian": "it",
    "pt": "pt-br", "pt-pt": "pt-br", "portuguese": "pt-br",
    "ja-jp": "ja", "jp": "ja", "japanese": "ja",
    "zh-cn": "zh", "zh-hans": "zh", "zh-sg": "zh", "cmn": "zh", "mandarin": "zh",
    "chinese": "zh",
}  # fmt: skip


def codes() -> tuple[str, ...]:
    """The stored codes, in list order."""
    return tuple(language.code for language in LANGUAGES)


def find_language(code: str | None) -> Language | None:
    """The language ``code`` names (any accepted spelling), or None."""
    if not code:
        return None
    key = code.strip().lower().replace("_", "-")
    return _BY_CODE.get(_ALIASES.get(key, key))


def get_language(code: str | None) -> Language:
    """The language ``code`` names (None or empty: the default); InputError if it names none."""
    if code is None or not code.strip():
        return _BY_CODE[DEFAULT_LANGUAGE]
    language = find_language(code)
    if language is None:
        raise InputError(
            f"Studio does not speak the language {code!r}",
            fix="Use one of: " + ", ".join(codes()),
        )
    return language


def check_language(code: str | None) -> str:
    """The stored code for ``code`` ("PT" -> "pt-br"); InputError if it names no language."""
    return get_language(code).code


def language_of_kokoro_voice(voice_id: str) -> Language | None:
    """The language of a Kokoro voice id by its first letter ("jf_alpha" -> Japanese)."""
    return _BY_KOKORO.get(voice_id[:1]) if len(voice_id) > 3 and voice_id[2] == "_" else None


def unless_default(code: str | None) -> str | None:
    """``code``'s stored form, or None for the default language: what a cache name or a
    drawing takes, so English outputs keep the names they had before languages existed."""
    language = get_language(code).code
    return None if language == DEFAULT_LANGUAGE else language
