"""Split the creator's own script into scenes, offline and without a model.

The creator's blank lines are the scene breaks they meant, so paragraphs are kept
whole when they fit. Only paragraphs far longer than the scene target are cut, and
always between sentences; a heading or a one-line aside is folded into a neighbour.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from studio.errors import InputError
from studio.inputfiles import read_regular_file
from studio.pipeline.drafts import SceneDraft, estimate_seconds, scene_seconds_for

#: Seconds of speech a piece of text needs (``estimate_seconds`` in the script's language).
Estimator = Callable[[str], float]

#: No scene runs longer than this: a still picture for longer loses the viewer.
MAX_SCENE_SECONDS = 40.0
#: Longest script accepted (about 22 hours of narration; anything bigger is a mistake).
MAX_SCRIPT_CHARS = 200_000
#: Longest video length accepted.
MAX_TARGET_SECONDS = 3 * 3600.0
#: A scene shorter than this share of the target is folded into a neighbour when it fits.
TINY_SCENE_FRACTION = 0.35
#: Largest script file read (UTF-8 can use 4 bytes a character).
MAX_SCRIPT_FILE_BYTES = MAX_SCRIPT_CHARS * 4
#: Visual keywords kept per scene.
KEYWORDS_PER_SCENE = 4


# --- Validation ----------------------------------------------------------------------------


def _check_text(text: str) -> None:
    """Refuse text no narration can come from, saying what to do instead."""
    if not isinstance(text, str):
        raise InputError(f"The script must be text, not {type(text).__name__}")
    if len(text) > MAX_SCRIPT_CHARS:
        raise InputError(
            f"The script is too long ({len(text):,} characters; the limit is {MAX_SCRIPT_CHARS:,})",
            fix="Split it into several projects",
        )
    if not text.strip():
        raise InputError("The script is empty", fix="Type or paste the narration text")
    if not any(char.isalnum() for char in text):
        raise InputError(
            "The script has no words to narrate (only symbols or emoji)",
            fix="Add the sentences the narrator should say",
        )


def _check_target(target_seconds: float | None) -> None:
    """Refuse a video length that is not a positive number of seconds up to three hours."""
    if target_seconds is None:
        return
    if isinstance(target_seconds, bool) or not isinstance(target_seconds, int | float):
        raise InputError(
            f"The video length must be a number of seconds, not {type(target_seconds).__name__}"
        )
    if math.isnan(target_seconds) or target_seconds <= 0 or target_seconds > MAX_TARGET_SECONDS:
        raise InputError(
            f"The video length {target_seconds!r} s is not usable",
            fix=f"Choose more than 0 and at most {MAX_TARGET_SECONDS:.0f} seconds (3 hours)",
        )


# --- Paragraphs and sentences --------------------------------------------------------------

_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t\u3000]*\n")
#: CJK characters and their punctuation: written without spaces between them.
_CJK_RE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uff9f]")
#: Always end a sentence: CJK writing puts no space after these, nor Devanagari after its
#: danda (।) and double danda (॥) at times.
_FULL_STOPS_ALWAYS = frozenset("。！？｡।॥")
_CLOSERS = "\"'”’»)]」』）】"
_SENTENCE_ENDS = tuple(".!?…。！？｡؟۔।॥")
_TERMINATOR_RE = re.compile(f"(?:[.!?…]+|[。！？｡]+|[؟۔।॥]+)[{re.escape(_CLOSERS)}]*")
_CLAUSE_BREAK_RE = re.compile(r"(?:[,;:—–]|\s-)(?=\s)|[，、；：]")
#: Words ending in a full stop that do not end a sentence ("Dr. Smith", "e.g. this").
_ABBREVIATION_LIST = """
    mr mrs ms dr prof st sr jr rev gen col capt lt sgt hon messrs mme mlle
    e.g i.e cf vs viz approx ca no nos fig figs vol vols pp p ch sec eq ed eds al
    jan feb mar apr jun jul aug sep sept oct nov dec mt ft bros"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_LIST.split())


def _join_lines(lines: Iterable[str]) -> str:
    """One paragraph from its lines; CJK lines join without a space, others with one."""
    joined = ""
    for raw in lines:
        line = " ".join(raw.split())
        if not line:
            continue
        if joined and not (_CJK_RE.match(joined[-1]) and _CJK_RE.match(line[0])):
            joined += " "
        joined += line
    return joined


def _paragraphs(text: str) -> list[str]:
    """The creator's paragraphs (blank-line separated), each on one line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2029", "\n\n")
    text = text.replace("\u2028", "\n").lstrip("\ufeff")
    blocks = (_join_lines(block.split("\n")) for block in _PARAGRAPH_BREAK_RE.split(text))
    return [block for block in blocks if block and not _is_separator(block)]


def _is_separator(block: str) -> bool:
    """True for a rule such as ``---`` or ``* * *``: punctuation only, nothing to say or show."""
    return all(
        char.isspace() or unicodedata.category(char).startswith(("P", "Sm")) for char in block
    )


_NEXT_WORD_RE = re.compile(r"\s*(\S)")
_LOOKBEHIND = 40  # characters: longer than any abbreviation, short enough to stay linear


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Whether the terminator ``match`` ends a sentence (not "e.g.", "Dr.", "3.5", "U.S.")."""
    if match.group()[0] in _FULL_STOPS_ALWAYS:
        return True
    end = match.end()
    if end == len(text):
        return True
    if not text[end].isspace():  # "3.5", "e.g", "example.com", "Wow!!"
        return False
    following = _NEXT_WORD_RE.match(text, end)
    if following and following.group(1).islower():  # "e.g. this", "... and then"
        return False
    if match.group() != ".":
        return True
    before = text[max(0, match.start() - _LOOKBEHIND) : match.start()].split()
    word = before[-1].lstrip("\"'“‘«([") if before else ""
    if word.lower() in _ABBREVIATIONS:
        return False
    # An initial ("J. Smith") or dotted initials ("U.S. Army") do not end a sentence.
    return not all(len(part) == 1 and part.isalpha() for part in word.split("."))


def split_sentences(text: str) -> list[str]:
    """``text`` cut after each sentence, for Latin, CJK, Arabic and Hebrew punctuation."""
    sentences: list[str] = []
    start = 0
    for match in _TERMINATOR_RE.finditer(text):
        if _ends_sentence(text, match):
            sentence = text[start : match.end()].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _join(left: str, right: str) -> str:
    """Two pieces of narration as one; no space between CJK characters."""
    if _CJK_RE.match(left[-1:]) and _CJK_RE.match(right[:1]):
        return left + right
    return f"{left} {right}"


# --- Packing pieces into scenes ------------------------------------------------------------


def _pack(
    pieces: list[str], goal: float, cap: float, seconds_of: Estimator = estimate_seconds
) -> list[str]:
    """Consecutive ``pieces`` grouped into chunks of about ``goal`` seconds, none over ``cap``.

    A piece joins the current chunk while that brings the chunk closer to ``goal``.
    """
    chunks: list[str] = []
    current = ""
    current_seconds = 0.0
    for piece in pieces:
        seconds = seconds_of(piece)
        if current and (current_seconds + seconds > cap or current_seconds + seconds / 2 > goal):
            chunks.append(current)
            current, current_seconds = "", 0.0
        current = _join(current, piece) if current else piece
        current_seconds += seconds
    if current:
        chunks.append(current)
    return chunks


def _cut_evenly(sentence: str, goal: float, seconds_of: Estimator = estimate_seconds) -> list[str]:
    """A sentence with no usable punctuation cut into equal runs of words (or CJK characters)."""
    seconds = seconds_of(sentence)
    count = max(round(seconds / goal), math.ceil(seconds / MAX_SCENE_SECONDS))
    words = sentence.split()
    if len(words) >= count > 1:
        size = math.ceil(len(words) / count)
        return [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    size = max(1, math.ceil(len(sentence) / count))
    return [sentence[i : i + size].strip() for i in range(0, len(sentence), size)]


def _shorten_sentence(
    sentence: str, goal: float, seconds_of: Estimator = estimate_seconds
) -> list[str]:
    """A sentence too long for one scene, cut at clauses (or words) into pieces near ``goal``."""
    clauses: list[str] = []
    start = 0
    for match in _CLAUSE_BREAK_RE.finditer(sentence):
        clauses.append(sentence[start : match.end()].strip())
        start = match.end()
    clauses.append(sentence[start:].strip())
    pieces: list[str] = []
    for clause in filter(None, clauses):
        too_long = seconds_of(clause) > MAX_SCENE_SECONDS
        pieces.extend(_cut_evenly(clause, goal, seconds_of) if too_long else [clause])
    return _pack(pieces, goal, MAX_SCENE_SECONDS, seconds_of)


def _split_paragraph(
    paragraph: str, goal: float, seconds_of: Estimator = estimate_seconds
) -> list[str]:
    """A paragraph cut at sentence ends into scenes of about equal length near ``goal``."""
    seconds = seconds_of(paragraph)
    count = max(2, round(seconds / goal), math.ceil(seconds / MAX_SCENE_SECONDS))
    chunk_goal = seconds / count
    sentences: list[str] = []
    for sentence in split_sentences(paragraph):
        if seconds_of(sentence) > MAX_SCENE_SECONDS:
            sentences.extend(_shorten_sentence(sentence, chunk_goal, seconds_of))
        else:
            sentences.append(sentence)
    return _pack(sentences, chunk_goal, MAX_SCENE_SECONDS, seconds_of)


@dataclass
class _Chunk:
    """Text on its way to becoming a scene, and which paragraphs it came from."""

    text: str
    first_paragraph: int
    last_paragraph: int

    def joined(self, following: _Chunk) -> _Chunk:
        """This chunk and the ``following`` one as one; paragraphs stay on their own lines."""
        if self.last_paragraph == following.first_paragraph:
            text = _join(self.text, following.text)
        else:
            text = f"{self.text}\n{following.text}"
        return _Chunk(text, self.first_paragraph, following.last_paragraph)


def _merge_tiny(
    chunks: list[_Chunk], goal: float, seconds_of: Estimator = estimate_seconds
) -> list[_Chunk]:
    """Fold silent or very short chunks into a neighbour while the result stays near ``goal``.

    A short line without a full stop reads as a heading and joins what follows; a short
    sentence reads as a closing remark and joins what precedes.
    """
    limit = min(goal * 2, MAX_SCENE_SECONDS)  # never build what split_script would cut
    chunks = list(chunks)
    index = 0
    while index < len(chunks) and len(chunks) > 1:
        seconds = seconds_of(chunks[index].text)
        if seconds >= goal * TINY_SCENE_FRACTION:
            index += 1
            continue
        heading = not chunks[index].text.rstrip(_CLOSERS + " ").endswith(_SENTENCE_ENDS)
        neighbours = [index + 1, index - 1] if heading else [index - 1, index + 1]
        for other in neighbours:
            if not 0 <= other < len(chunks):
                continue
            combined = seconds_of(chunks[other].text) + seconds
            if seconds == 0 or combined <= limit:
                first, second = sorted((index, other))
                chunks[first : second + 1] = [chunks[first].joined(chunks[second])]
                index = first
                break
        else:
            index += 1
    return chunks


# --- Visual keywords -----------------------------------------------------------------------

_STOPWORD_LIST = """
    a about above after again against all almost also although always am among an and any
    are aren't around as at be became because become been before being below between both but
    by can can't cannot could couldn't did didn't do does doesn't doing don't done down during
    each either else enough even ever every few first for from further get gets getting got had
    hasn't has have haven't having he he's her here here's hers herself him himself his how
    how's however i i'm i've if in into is isn't it it's its itself just know last let let's
    like little lot lots made make makes many may maybe me might more most much must my myself
    need never new next no nor not now of off often on once one only or other others our ours
    ourselves out over own part per perhaps quite rather really right said same say says see
    seem seems she she's should shouldn't since so some something sometimes still such sure
    take than that that's the their theirs them themselves then there there's these they
    they're thing things think this those though through thus to today together too took
    toward towards under until up upon us use used using very via want was wasn't way ways we
    we're we've well were weren't what what's when where where's whether which while who who's
    whom whose why will with within without won't would wouldn't yes yet you you'll you're
    you've your yours yourself yourselves going gonna let's look looks actually basically
    el la los las un una unos unas y o de del al en que es por para con se su sus como más
    le les des du et est une dans pour pas sur qui au aux ce cette il elle ils nous vous
    der die das den dem des ein eine einen und ist nicht mit von zu auf für sich im auch
    في من على إلى عن أن إن هذا هذه ذلك التي الذي التى كان كانت مع هو هي لا ما كل أو ثم قد بين
    של את על זה זו הוא היא הם עם גם לא כי אם או אבל כל יש אין מה
    है हैं से में की का के को और यह वह ये वे फिर भी तो पर एक था थी थे हो कर करती करते करता"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())
#: A word: letters, then letters, digits and the combining marks of the scripts whose vowel
#: signs are not letters to ``re`` (Devanagari's matras: "हिन्दी" is one word, not four).
_WORD_RE = re.compile(r"[^\W\d_][\w\u0300-\u036f\u0900-\u0963\u0971-\u097f'’-]*")
_CJK_PARTICLES_RE = re.compile(
    "[的了是在和与及或也就都而这那有个之着过把被让从对向给很更最吗呢吧啊为我你他她它们会得没不のはがをにでともへやかなだです]"
)
_OPENS_SENTENCE = frozenset('.!?…。！？؟:"“«(')


def _starts_sentence(text: str, position: int) -> bool:
    """Whether the word at ``position`` opens a sentence (so its capital says nothing)."""
    index = position - 1
    while index >= 0 and text[index].isspace():
        if text[index] == "\n":  # a new line (a heading, a list item) starts afresh
            return True
        index -= 1
    return index < 0 or text[index] in _OPENS_SENTENCE


def _cjk_candidates(token: str) -> list[str]:
    """Noun-like runs of a CJK token: the text between common particles, 2 to 4 characters."""
    parts = (part for part in _CJK_PARTICLES_RE.split(token) if len(part) >= 2)
    return [part[:4] for part in parts]


def visual_keywords(text: str, limit: int = KEYWORDS_PER_SCENE) -> list[str]:
    """A few words worth searching pictures for: frequent, non-trivial, proper nouns first.

    Deliberately simple (stopword-filtered frequency plus a bonus for capitalised words
    that do not start a sentence); the creator can edit them in the scene editor.
    """
    scores: dict[str, float] = {}
    shown: dict[str, str] = {}
    for match in _WORD_RE.finditer(text):
        token = match.group().strip("'’-")
        candidates = _cjk_candidates(token) if _CJK_RE.search(token) else [token]
        for word in candidates:
            key = word.lower().removesuffix("'s").removesuffix("’s")
            acronym = word.isupper() and len(word) >= 2
            if key in _STOPWORDS or (len(key) < 3 and not acronym and not _CJK_RE.match(key)):
                continue
            proper = word[0].isupper() and not _starts_sentence(text, match.start())
            score = 1.0 + (1.5 if proper or acronym else 0.0) + (0.5 if len(key) >= 7 else 0.0)
            scores[key] = scores.get(key, 0.0) + score
            if key not in shown or proper or acronym:
                shown[key] = word if (proper or acronym) else key
    ranked = sorted(scores, key=lambda key: -scores[key])  # stable: first seen wins ties
    return [shown[key] for key in ranked[:limit]]


# --- Public API ----------------------------------------------------------------------------


def split_script(
    text: str, target_seconds: float | None = None, *, language: str | None = None
) -> list[SceneDraft]:
    """Scenes from the creator's own script, offline.

    ``target_seconds`` is the length the whole video aims for (None: not known); it sets
    the pacing, ``scene_seconds_for``: shorter videos get shorter scenes. The script's
    own length is never changed. Paragraphs are kept as scenes; one longer than twice
    the scene target is cut between sentences, and (only when a target is given) tiny
    ones are folded into a neighbour: without a target the creator's paragraphs are kept.
    No scene exceeds ``MAX_SCENE_SECONDS`` of speech: a sentence longer than
    that is cut at its clauses. ``language`` (a ``studio.languages`` code) sets the pace of
    the estimates (characters a minute for Japanese and Chinese).

    Raises:
        InputError: the text is empty, has nothing to say, is too long, or the target
            is not a positive number of seconds up to three hours.
    """
    _check_text(text)
    _check_target(target_seconds)
    seconds_of: Estimator = partial(estimate_seconds, language=language)
    goal = scene_seconds_for(target_seconds)
    split_above = min(goal * 2, MAX_SCENE_SECONDS)
    chunks: list[_Chunk] = []
    for number, paragraph in enumerate(_paragraphs(text)):
        pieces = [paragraph]
        if seconds_of(paragraph) > split_above:
            pieces = _split_paragraph(paragraph, goal, seconds_of)
        chunks.extend(_Chunk(piece, number, number) for piece in pieces)
    return [
        SceneDraft(chunk.text, visual_keywords(chunk.text), seconds_of(chunk.text))
        for chunk in (
            _merge_tiny(chunks, goal, seconds_of) if target_seconds is not None else chunks
        )
    ]


def parse_script_file(path: str | os.PathLike[str]) -> str:
    """The text of a script file the creator picked (UTF-8, with or without a BOM).

    UTF-16 files with a BOM (Windows Notepad's "Unicode") are accepted too.

    Only a regular file is read (a FIFO or ``/dev/zero`` would block or never end), and
    never more than ``MAX_SCRIPT_FILE_BYTES``.

    Raises:
        InputError: the file is missing, unreadable, not a regular file, too large, empty,
            binary (a Word document or PDF) or not UTF-8; the message names the file and how
            to fix it.
    """
    file = Path(path)
    where = str(file)
    save_as_text = "Save the script as plain text (.txt, UTF-8) and choose that file"
    data = read_regular_file(
        file, limit=MAX_SCRIPT_FILE_BYTES, what="script file", fix="Split it into several projects"
    )
    text = _decode(data, where, save_as_text)
    if not text.strip():
        raise InputError("The script file is empty", where=where, fix="Write the narration in it")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, where: str, save_as_text: str) -> str:
    """``data`` as text, or an InputError saying why it is not a text script."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16").lstrip("\ufeff")
        except UnicodeDecodeError:
            raise InputError(
                "The script file is damaged UTF-16 text", where=where, fix=save_as_text
            ) from None
    if b"\x00" in data[:8192]:
        raise InputError(
            "The script file is not text (it looks like a document, image or other binary file)",
            where=where,
            fix=save_as_text,
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The script file is not UTF-8 text (byte {exc.start} cannot be read)",
            where=where,
            fix="Open it in a text editor and save it with the encoding UTF-8",
        ) from None
    if any(unicodedata.category(char) == "Cc" and char not in "\n\r\t\f\v" for char in text[:8192]):
        raise InputError(
            "The script file is not text (it contains control characters)",
            where=where,
            fix=save_as_text,
        )
    return text
