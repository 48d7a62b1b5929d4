"""Scene drafts: the common currency of every script source (the creator's text, or Groq).

A draft is what a scene will *say* before any voice or picture exists. Both
``splitter`` (offline) and ``groq_script`` (online) produce them, so their duration
estimates and speech clean-up live here and agree with each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Narration pace the estimates assume; a calm explainer voice speaks at about this rate.
WORDS_PER_MINUTE = 150

#: Chinese/Japanese are written without spaces; about this many characters are spoken in the
#: time of one English word (≈240 characters a minute at 150 words a minute).
CJK_CHARS_PER_WORD = 1.6

_CJK_CHAR = (
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\uff66-\uff9f"  # half-width Katakana
)
_CJK_RE = re.compile(f"[{_CJK_CHAR}]")

#: Characters spoken a minute in the languages written without spaces, for scripts known to be
#: in them. Widely cited broadcast guidance, not measured here: NHK's announcers read about
#: 300 characters (kana and kanji) a minute; Mandarin narration about 250 characters (one
#: syllable each) a minute, newsreaders 240-300. Unmarked text keeps ``CJK_CHARS_PER_WORD``.
CHARS_PER_MINUTE = {"ja": 300.0, "zh": 250.0}
_WORD_RE = re.compile(r"[^\s]+")


#: Scene length when the video's length is not known.
DEFAULT_SCENE_SECONDS = 10.0
#: Scene lengths the pacing rule stays between (short videos cut fast, long ones breathe).
MIN_SCENE_SECONDS, MAX_PACED_SCENE_SECONDS = 4.0, 15.0


def scene_seconds_for(video_seconds: float | None) -> float:
    """How long one scene should aim to be in a video of ``video_seconds``.

    About six scenes a minute: a 30 s short cuts every 5 s, a 60 s video every 10 s,
    and anything past 90 s settles at 15 s. Shared by the splitter and the Groq prompt
    so both kinds of script are paced alike.
    """
    if video_seconds is None:
        return DEFAULT_SCENE_SECONDS
    return min(MAX_PACED_SCENE_SECONDS, max(MIN_SCENE_SECONDS, video_seconds / 6))


@dataclass
class SceneDraft:
    """One scene's narration before it is voiced.

    Attributes:
        text: what the narrator says, as the creator (or the model) wrote it.
        visual_keywords: a few words to search pictures or footage with.
        estimated_duration: seconds of speech at ``WORDS_PER_MINUTE``.
    """

    text: str
    visual_keywords: list[str]
    estimated_duration: float


def has_cjk(text: str) -> bool:
    """Whether ``text`` has Chinese or Japanese characters (written without spaces)."""
    return _CJK_RE.search(text) is not None


def count_spoken_words(text: str) -> float:
    """Words a narrator would say, counting CJK characters as fractions of a word.

    Tokens without a letter or digit (emoji, dashes, bullets) are silent and not counted.
    """
    cjk_chars = len(_CJK_RE.findall(text))
    without_cjk = _CJK_RE.sub(" ", text)
    words = sum(1 for token in _WORD_RE.findall(without_cjk) if any(c.isalnum() for c in token))
    return words + cjk_chars / CJK_CHARS_PER_WORD


def estimate_seconds(text: str, language: str | None = None) -> float:
    """Seconds of narration ``text`` needs at ``WORDS_PER_MINUTE`` (0.0 for silent text);
    Japanese and Chinese (``language`` "ja"/"zh") at their ``CHARS_PER_MINUTE``.

    Used to size scenes before a voice exists; the real duration comes from the voice later.
    """
    spoken = sanitize_for_speech(text)
    per_minute = CHARS_PER_MINUTE.get(language or "")
    if per_minute is None:
        return round(count_spoken_words(spoken) * 60.0 / WORDS_PER_MINUTE, 1)
    chars = len(_CJK_RE.findall(spoken))
    words = count_spoken_words(_CJK_RE.sub(" ", spoken))
    return round(chars * 60.0 / per_minute + words * 60.0 / WORDS_PER_MINUTE, 1)


# --- Speech clean-up -----------------------------------------------------------------------

#: A fenced code block, fences and all: code is shown on screen, never read aloud.
_CODE_BLOCK_RE = re.compile(
    r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL
)
_CODE_FENCE_RE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_MD_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK_RE = re.compile(r"\[([^\]]+)\]\((?:[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_URL_RE = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\"'()\[\]]+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_HTML_TAG_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.MULTILINE)
_BULLET_RE = re.compile(r"^[ \t]*(?:[-*+•▪‣◦]|\d{1,3}[.)])[ \t]+(.*)$", re.MULTILINE)
_QUOTE_MARK_RE = re.compile(r"^[ \t]*(?:>[ \t]?)+", re.MULTILINE)
_RULE_RE = re.compile(r"^[ \t]*([-*_=])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_BOLD_RE = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_ITALIC_STAR_RE = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", re.DOTALL)
_ITALIC_UNDERSCORE_RE = re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", re.DOTALL)
_STRIKE_RE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~", re.DOTALL)
_INLINE_CODE_RE = re.compile(r"`+([^`]*)`+")
_STRAY_MARKUP_RE = re.compile(r"(?<!\s)\*+|\*+(?!\s)|#+(?=\w)|(?<!\S)#+(?!\S)|\|")
_NUMBER_RANGE_RE = re.compile(r"(\d)\s*[–‒]\s*(\d)")
_DASH_RE = re.compile(r"\s*[—―]\s*|\s+[–‒-]\s+")
_SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,.;:!?])")
_REPEATED_COMMA_RE = re.compile(r",\s*(?=[,.;:!?])")
_SENTENCE_END = tuple(".!?…:;。！？｡؟।॥")
_DEVANAGARI_RE = re.compile("[\u0900-\u097f]")

_CHAR_MAP = str.maketrans(
    {
        "“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
        "‘": "'", "’": "'", "‚": "'", "‛": "'", "‹": "'", "›": "'", "′": "'",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ",
        "\u200b": None, "\ufeff": None, "\u00ad": None, "\u2060": None,
        "…": "...",
    }
)  # fmt: skip


def _end_line_as_sentence(match: re.Match[str]) -> str:
    """A heading or list item is heard as its own sentence, so it gets a full stop (the
    script's own: "。" after Chinese or Japanese, "।" after Devanagari)."""
    line = match.group(1).strip()
    if line and not line.endswith(_SENTENCE_END):
        last = line[-1]
        line += "。" if _CJK_RE.match(last) else "।" if _DEVANAGARI_RE.match(last) else "."
    return line


def sanitize_for_speech(text: str) -> str:
    """``text`` as a narrator should read it: no markdown, URLs said as "link", one line.

    Scripts are often pasted from notes or chat tools; a text-to-speech engine would
    otherwise pronounce asterisks, hashes and whole web addresses; fenced code blocks are
    dropped (they are for the eye). Meaning is kept:
    headings and list items become sentences, link text stays, number ranges read "to".
    """
    text = text.translate(_CHAR_MAP)
    text = _CODE_BLOCK_RE.sub("", text)
    text = _CODE_FENCE_RE.sub("", text)
    text = _RULE_RE.sub("", text)
    text = _MD_IMAGE_RE.sub(r"\1", text)
    text = _MD_LINK_RE.sub(r"\1", text)
    text = _URL_RE.sub("link", text)
    text = _EMAIL_RE.sub("email address", text)
    text = _HTML_TAG_RE.sub(" ", text)
    text = _QUOTE_MARK_RE.sub("", text)
    text = _HEADING_RE.sub(_end_line_as_sentence, text)
    text = _BULLET_RE.sub(_end_line_as_sentence, text)
    text = _BOLD_RE.sub(r"\2", text)
    text = _STRIKE_RE.sub(r"\1", text)
    text = _ITALIC_STAR_RE.sub(r"\1", text)
    text = _ITALIC_UNDERSCORE_RE.sub(r"\1", text)
    text = _INLINE_CODE_RE.sub(r"\1", text)
    text = _STRAY_MARKUP_RE.sub(" ", text)
    text = _NUMBER_RANGE_RE.sub(r"\1 to \2", text)
    text = _DASH_RE.sub(", ", text)
    text = " ".join(text.split())
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    text = _REPEATED_COMMA_RE.sub("", text)
    return text.strip(" ,")
