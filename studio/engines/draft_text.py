"""What the draft voice reads aloud, and when each written word (or character) is heard.

espeak-ng reads most languages from the text as written, but it spells Japanese kanji out
("Chinese letter") and runs kana together into one "word". So Japanese text is read as kana,
one space-separated reading per morpheme from pyopenjtalk (its dictionary ships in the
wheel, nothing is downloaded), and each reading remembers which written characters it
stands for. espeak-ng's WORD events then give one moment per morpheme (Japanese) or per
character (Mandarin); those moments are spread over the written words, or, for languages
written without spaces, over each character, so captions can highlight along the voice.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import re
import string
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from studio.errors import StudioError
from studio.languages import Language
from studio.timing import WordTiming

#: Stripped from a written word's ends for captions ("cats," -> "cats"; "1,234" stays).
EDGE_PUNCTUATION = string.punctuation + "“”‘’…—–«»¿¡।॥"
#: pyopenjtalk marks a reading's accent nucleus with this; espeak-ng would read it aloud.
_ACCENT_MARK = "’"
#: pyopenjtalk's reading of punctuation and of symbols it cannot read: a pause.
_PAUSE = "、"


@dataclass(frozen=True)
class SpokenText:
    """The text espeak-ng reads and where each of its characters came from in the written one.

    Attributes:
        text: what espeak-ng is given.
        origin: for each character of ``text``, the index of the written character it
            stands for (None: the same text, position for position).
    """

    text: str
    origin: tuple[int, ...] | None = None

    def written_index(self, spoken_index: int) -> int:
        """The written character a character of the spoken text stands for."""
        if self.origin is None:
            return spoken_index
        if not self.origin:
            return 0
        return self.origin[min(max(spoken_index, 0), len(self.origin) - 1)]


def spoken_form(text: str, language: Language) -> SpokenText:
    """What espeak-ng should read for ``text`` written in ``language``."""
    if language.script == "japanese":
        return japanese_reading(text)
    return SpokenText(text)


def japanese_reading(text: str) -> SpokenText:
    """``text`` as katakana, one space-separated reading per morpheme ("日本語" -> "ニホンゴ").

    Open JTalk's own readings (``use_vanilla``): pyopenjtalk-plus's fix-ups look readings up
    in Sudachi's dictionary (sudachidict_core, 193 MB), which the bundle leaves out; they
    changed 3 of 8 test sentences' readings (表 ヒョー/オモテ, 値 アタイ/ネ, 何時 ナニジ/ナンジ),
    no better on balance for a draft voice. Measured in packaging/README.md.
    """
    features = _openjtalk().run_frontend(text, use_vanilla=True)
    readings = [(str(f["string"]), _reading(f)) for f in features]
    owners = _align([surface for surface, _ in readings], text)
    spoken: list[str] = []
    origin: list[int] = []
    for (_, reading), owner in zip(readings, owners, strict=True):
        if spoken:
            spoken.append(" ")
            origin.append(owner)
        spoken.append(reading)
        origin.extend([owner] * len(reading))
    return SpokenText("".join(spoken), tuple(origin))


def _reading(feature: dict[str, Any]) -> str:
    """A morpheme's katakana reading; punctuation keeps its own mark (espeak-ng pauses), and
    symbols pyopenjtalk only pauses at ("①" -> "、") are left to espeak-ng ("1")."""
    surface, reading = str(feature["string"]), str(feature["pron"]).replace(_ACCENT_MARK, "")
    if all(_is_punctuation(ch) for ch in surface):
        return surface
    if reading in ("", "*", _PAUSE):
        return unicodedata.normalize("NFKC", surface)
    return reading


@cache
def _openjtalk() -> Any:
    """pyopenjtalk, imported once. It prints a notice about an optional ONNX model to
    stdout on import, which would corrupt the CLI's JSON output; it is swallowed."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import pyopenjtalk
    except ImportError as error:
        raise StudioError(
            f"The draft voice cannot read Japanese: pyopenjtalk is missing ({error})",
            fix="Reinstall Studio; its setup installs pyopenjtalk-plus",
        ) from error
    return pyopenjtalk


def _align(surfaces: list[str], text: str) -> list[int]:
    """For each morpheme's surface, the index in ``text`` where the characters it reads begin.

    pyopenjtalk drops spaces, widens letters ("AI" -> "ＡＩ") and spells numbers out
    ("333" -> "三百三十三"), so a surface is looked for from where the last one ended; those
    not found (spelled-out numbers) own the characters up to the next one found.
    """
    folded = _fold(text)
    owners: list[int] = []
    pending = 0  # surfaces not found yet, waiting for the next one found
    cursor = 0
    for surface in surfaces:
        key = _fold(surface).strip()
        found = folded.find(key, cursor) if key else -1
        if found < 0:
            pending += 1
            continue
        owners.extend([cursor] * pending)
        pending = 0
        owners.append(found)
        cursor = found + len(key)
    owners.extend([min(cursor, max(len(text) - 1, 0))] * pending)
    return owners


def _fold(text: str) -> str:
    """``text`` with full-width letters and digits made plain, character for character."""
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PZC" or ch.isspace()


def caption_units(text: str, language: Language) -> list[tuple[int, str]]:
    """(index in ``text``, caption unit) for each unit a caption highlights, in order.

    Words (whitespace-separated, edge punctuation stripped; a word of punctuation only is
    kept as "" so it takes no time) or, for languages written without spaces, each character
    other than punctuation and spaces, with its combining marks.
    """
    if language.spaced:
        return [
            (match.start(), match.group().strip(EDGE_PUNCTUATION))
            for match in re.finditer(r"\S+", text)
        ]
    units: list[tuple[int, str]] = []
    for index, ch in enumerate(text):
        if unicodedata.category(ch).startswith("M") and units:
            start, unit = units[-1]
            units[-1] = (start, unit + ch)
        elif not _is_punctuation(ch):
            units.append((index, ch))
    return units


def timings(
    units: list[tuple[int, str]],
    events: list[tuple[int, int]],
    samples: npt.NDArray[np.float32],
    rate: int,
) -> list[WordTiming]:
    """A WordTiming for every non-empty unit, from espeak-ng's WORD events.

    ``events`` are (ms into the audio, index in the written text). espeak-ng raises several
    events for some words ("1,234" is spoken as four), one for some word pairs ("from the")
    and none for lone punctuation. So each event is mapped to the unit its index falls in;
    a unit with events starts at its first one and the units after it without events share
    its time, in proportion to their length. A run of units ends where its sound fades out
    before the next run starts (a pause at a comma belongs to no unit).
    """
    starts = [start for start, _ in units]
    duration = samples.size / rate
    anchors: list[tuple[int, float]] = []  # (first unit of a run, its start in seconds)
    for audio_ms, index in events:
        unit = max(0, bisect.bisect_right(starts, index) - 1)
        if not anchors or unit > anchors[-1][0]:
            anchors.append((unit, min(max(audio_ms, 0) / 1000, duration)))
    if units:
        # Units before the first event belong to its run; no events at all: one run.
        anchors[:1] = [(0, anchors[0][1] if anchors else 0.0)]
    loud = _loud_centiseconds(samples, rate)
    result: list[WordTiming] = []
    for number, (first, start) in enumerate(anchors):
        last, end = anchors[number + 1] if number + 1 < len(anchors) else (len(units), duration)
        result.extend(_spread([unit for _, unit in units[first:last]], start, end, loud))
    return result


def _spread(
    words: list[str], start: float, end: float, loud: npt.NDArray[np.bool_]
) -> list[WordTiming]:
    """``words`` sharing ``start``..``end`` (cut where the sound fades) by their length."""
    voiced = np.flatnonzero(loud[int(start * 100) : int(end * 100)])
    if voiced.size:
        end = min(end, int(start * 100 + voiced[-1] + 1) / 100)
    end = max(end, start)
    weights = np.cumsum([0] + [len(word) for word in words], dtype=np.float64)
    if weights[-1] == 0:
        return []
    bounds = start + (end - start) * weights / weights[-1]
    return [
        WordTiming(word, float(bounds[i]), float(bounds[i + 1]))
        for i, word in enumerate(words)
        if word
    ]


def _loud_centiseconds(samples: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.bool_]:
    """For each 10 ms of ``samples``, whether it is louder than silence."""
    frame = max(1, rate // 100)
    usable = samples[: samples.size - samples.size % frame].reshape(-1, frame)
    if usable.size == 0:
        return np.zeros(0, dtype=np.bool_)
    return np.asarray(np.sqrt(np.mean(usable**2, axis=1)) > 0.01)
