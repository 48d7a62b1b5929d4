"""Which writing systems a text uses, and how it splits into runs one font each can draw.

Pure functions over Unicode ranges (no fonts, no I/O), for the drawing code and captions:

* :func:`script_of` names a character's script ("latin", "cyrillic", "devanagari", "kana" ...),
  or None for characters every script shares (spaces, digits, punctuation, marks).
* :func:`font_runs` cuts a line into runs by the face that draws them (``SCRIPT_FACES`` keys in
  ``studio.media.resources``): shared characters stay with their neighbours, Han takes the
  Japanese face in Japanese text (language "ja", or kana present) and the Chinese face otherwise.
* :func:`text_units` splits a paragraph into the pieces a line may break between: words where
  words are spaced, single characters in Chinese and Japanese, with the basic kinsoku rules (no
  line starts with "。" or "」", none ends with "「").
"""

from __future__ import annotations

import bisect
import unicodedata
from dataclasses import dataclass

#: (first code point, last code point, script), sorted, non-overlapping.
_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "latin"),
    (0x0061, 0x007A, "latin"),
    (0x00AA, 0x00AA, "latin"),
    (0x00BA, 0x00BA, "latin"),
    (0x00C0, 0x00D6, "latin"),
    (0x00D8, 0x00F6, "latin"),
    (0x00F8, 0x024F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0x08A0, 0x08FF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x1100, 0x11FF, "hangul"),
    (0x1E00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"),
    (0x2E80, 0x2FDF, "han"),
    (0x3000, 0x303F, "cjk"),  # CJK punctuation: 、。「」 and the ideographic space
    (0x3040, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x31F0, 0x31FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xA8E0, 0xA8FF, "devanagari"),
    (0xAC00, 0xD7AF, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFB1D, 0xFB4F, "hebrew"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0xFF01, 0xFF60, "cjk"),  # full-width forms: ！（）？ and full-width Latin
    (0xFF61, 0xFF65, "cjk"),
    (0xFF66, 0xFF9F, "kana"),
    (0x20000, 0x3FFFF, "han"),
)
_STARTS = [first for first, _, _ in _RANGES]
#: Scripts written without spaces between words: lines may break between any two characters.
UNSPACED = frozenset({"han", "kana", "cjk"})
RIGHT_TO_LEFT = frozenset({"arabic", "hebrew"})
#: Script -> the ``SCRIPT_FACES`` key of the face that draws it ("han" and "cjk" follow the text).
_FACE = {
    "latin": "latin",
    "greek": "latin",
    "cyrillic": "latin",
    "devanagari": "devanagari",
    "arabic": "arabic",
    "hebrew": "hebrew",
    "hangul": "korean",
    "kana": "japanese",
}
#: Kinsoku: characters that may not start a line (closing marks, small kana, the long vowel
#: mark) and characters that may not end one (opening brackets).
NO_LINE_START = frozenset(
    "。、，．・：；？！‼⁇⁈⁉ー～…‥〜゛゜ヽヾゝゞ々〻"
    "）〕］｝〉》」』】〙〗〟’”｠»"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
    ".,;:!?)]}%"
)
NO_LINE_END = frozenset("（〔［｛〈《「『【〘〖〝‘“｟«([{")


def script_of(char: str) -> str | None:
    """The script of one character ("latin", "han", "cjk" for CJK punctuation ...), or None
    for characters all scripts share (spaces, digits, ASCII punctuation, combining marks)."""
    code = ord(char)
    i = bisect.bisect_right(_STARTS, code) - 1
    if i >= 0 and code <= _RANGES[i][1]:
        script = _RANGES[i][2]
        if script in ("latin", "greek", "cyrillic") and unicodedata.category(char)[0] != "L":
            return None  # × ÷ and other symbols in the Latin blocks belong to every script
        return script
    return None


def scripts_in(text: str) -> set[str]:
    """Every script ``text`` uses (``script_of`` of each character, shared ones left out)."""
    return {script for script in map(script_of, text) if script is not None}


def is_unspaced(text: str) -> bool:
    """Whether ``text`` is mostly Chinese or Japanese (written without spaces between words)."""
    counts = [script_of(char) for char in text if not char.isspace()]
    letters = [s for s in counts if s is not None]
    return bool(letters) and sum(s in UNSPACED for s in letters) * 2 > len(letters)


def is_right_to_left(text: str) -> bool:
    """Whether ``text`` reads right to left: its first strong character is Arabic or Hebrew."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def han_face(text: str, language: str | None = None) -> str:
    """The face for Han characters: "japanese" for language "ja" or text with kana, else
    "han" (Simplified Chinese forms)."""
    if language is not None:
        if language.lower().startswith("ja"):
            return "japanese"
        if language.lower().startswith(("zh", "cmn")):
            return "han"
    return "japanese" if "kana" in scripts_in(text) else "han"


def face_of(char: str, han: str) -> str | None:
    """The ``SCRIPT_FACES`` key that draws ``char`` (``han``: the face for Han), or None when
    any face will do (it joins its neighbours' run)."""
    script = script_of(char)
    if script is None:
        return None
    if script in ("han", "cjk"):
        return han
    return _FACE[script]


@dataclass(frozen=True)
class Run:
    """A piece of a line drawn with one face: ``face`` is a ``SCRIPT_FACES`` key."""

    face: str
    text: str

    @property
    def right_to_left(self) -> bool:
        return is_right_to_left(self.text)


def font_runs(text: str, *, language: str | None = None, default: str = "latin") -> list[Run]:
    """``text`` cut where the face that draws it changes, in logical (reading) order.

    Shared characters (spaces, digits, punctuation) join the run before them, or the first
    run when they lead; text with no script at all is one run in ``default``.
    """
    han = han_face(text, language)
    faces = [face_of(char, han) for char in text]
    current = next((face for face in faces if face is not None), default)
    runs: list[Run] = []
    for char, face in zip(text, faces, strict=True):
        current = face or current
        if runs and runs[-1].face == current:
            runs[-1] = Run(current, runs[-1].text + char)
        else:
            runs.append(Run(current, char))
    return runs


@dataclass(frozen=True)
class Unit:
    """A piece of a paragraph no line break may cut: ``spaced`` when a space came before it."""

    text: str
    spaced: bool


def text_units(paragraph: str) -> list[Unit]:
    """``paragraph`` as the units a line may break between, in order.

    Spaced text gives its words (runs of spaces collapse); inside a word, each Chinese or
    Japanese character is a unit of its own, except that kinsoku marks stay with the character
    before them ("。" after the sentence) or after them ("「" before the quotation). A mark set
    off by a space stays with its word, as French sets them: a closing one with the word before
    it ("bibliothèque ?"), an opening one with the word after it ("« oui"), so no line starts
    with the one or ends with the other.
    """
    units: list[Unit] = []
    for word in paragraph.split():
        pieces = _split_unspaced(word)
        if units and (set(units[-1].text) <= NO_LINE_END or set(pieces[0]) <= NO_LINE_START):
            units[-1] = Unit(f"{units[-1].text} {pieces[0]}", units[-1].spaced)
        else:
            units.append(Unit(pieces[0], True))
        units.extend(Unit(piece, False) for piece in pieces[1:])
    return units


def _split_unspaced(word: str) -> list[str]:
    """A space-free ``word`` cut before and after each CJK character, kinsoku kept."""
    pieces: list[str] = []
    for char in word:
        breakable = (
            pieces
            and pieces[-1][-1] not in NO_LINE_END
            and char not in NO_LINE_START
            and not unicodedata.category(char).startswith("M")
            and UNSPACED & {script_of(char), script_of(pieces[-1][-1])}
        )
        if breakable:
            pieces.append(char)
        elif pieces:
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces
