"""How captions look: ``CaptionLook`` (font, size, colours, box, position, lines, highlight),
the three named presets, and the fonts Studio ships for them.

A project's render settings keep the preset's name (``caption_style``) and the creator's
overrides (``caption``, a dict of ``CaptionLook`` fields); ``look_of`` joins the two. The preset
values reproduce the ASS styles Studio wrote before looks could be edited, exactly, so old
projects keep their captions and their cached segments.

Sizes and widths are percentages of the frame's short side (a look reads the same at 720p and
2160p, landscape or vertical); ``margin`` is a percentage of the frame's height. Colours are
``#RRGGBB`` or ``#RRGGBBAA`` (``AA`` the opacity, ``FF`` opaque), as in CSS.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from studio.errors import InputError

#: Caption fonts shipped in ``resources/fonts``: family name (as fontconfig and libass match
#: it) -> (regular file, bold file). All under the SIL OFL 1.1 or Apache 2.0 (Open Sans);
#: their licences lie beside them.
FONTS: dict[str, tuple[str, str]] = {
    "DejaVu Sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "Open Sans": ("OpenSans-Regular.ttf", "OpenSans-Bold.ttf"),
    "League Spartan": ("LeagueSpartan-Regular.otf", "LeagueSpartan-Bold.otf"),
    "Bebas Neue": ("BebasNeue-Regular.otf", "BebasNeue-Bold.otf"),
    "Comic Neue": ("ComicNeue-Regular.otf", "ComicNeue-Bold.otf"),
}
POSITIONS = ("bottom", "middle", "top")
#: "word": the word being spoken in the highlight colour; "karaoke": a fill sweeping through
#: each word as it is spoken (spoken words stay filled).
HIGHLIGHTS = ("none", "word", "karaoke")

_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?")
#: Allowed ranges of the numeric fields (inclusive).
_RANGES: dict[str, tuple[float, float]] = {
    "size": (2.0, 20.0),
    "outline": (0.0, 3.0),
    "shadow": (0.0, 3.0),
    "box_padding": (0.0, 5.0),
    "margin": (0.0, 30.0),
    "max_words": (1, 12),
    "lines": (1, 2),
}
_LABELS = {
    "font": "caption font",
    "bold": "bold",
    "size": "caption size",
    "colour": "text colour",
    "outline_colour": "outline colour",
    "outline": "outline width",
    "shadow_colour": "shadow colour",
    "shadow": "shadow distance",
    "box": "background box",
    "box_colour": "box colour",
    "box_padding": "box padding",
    "position": "caption position",
    "margin": "caption margin",
    "max_words": "words per line",
    "lines": "lines per caption",
    "upper": "upper case",
    "highlight": "word highlight",
    "highlight_colour": "highlight colour",
}


@dataclass(frozen=True)
class CaptionLook:
    """Everything that shapes a caption's look. Invalid values raise ``InputError``.

    Attributes:
        font: a family of ``FONTS``.
        bold: the family's bold face.
        size: the text's size, in % of the frame's short side.
        colour: the text's colour.
        outline_colour: the colour of the outline around each letter (no box).
        outline: the outline's width, in % of the short side (no box).
        shadow_colour: the drop shadow's colour.
        shadow: the shadow's distance, in % of the short side (0: none).
        box: an opaque box behind the text instead of an outline.
        box_colour: the box's colour (its opacity: the last two digits).
        box_padding: room around the text inside the box, in % of the short side.
        position: "bottom", "middle" or "top" (inside margins that keep clear of the platforms'
            buttons on vertical video).
        margin: extra distance from the frame's edge, in % of its height.
        max_words: words on one line; a caption holds ``max_words * lines`` words.
        lines: 1 or 2 lines per caption.
        upper: show the text in upper case.
        highlight: "none", "word" or "karaoke" (see ``HIGHLIGHTS``).
        highlight_colour: the colour of the spoken word.
    """

    font: str = "DejaVu Sans"
    bold: bool = False
    size: float = 6.0
    colour: str = "#FFFFFF"
    outline_colour: str = "#101010DF"
    outline: float = 0.45
    shadow_colour: str = "#0000007F"
    shadow: float = 0.2
    box: bool = False
    box_colour: str = "#000000A5"
    box_padding: float = 1.2
    position: str = "bottom"
    margin: float = 0.0
    max_words: int = 7
    lines: int = 1
    upper: bool = False
    highlight: str = "none"
    highlight_colour: str = "#FFD400"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            cleaned = _checked(f.name, value, type(getattr(CaptionLook, f.name)))
            if cleaned != value or type(cleaned) is not type(value):
                object.__setattr__(self, f.name, cleaned)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (``from_json`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: object) -> CaptionLook:
        """A look from a dict; missing keys take their defaults.

        Raises:
            InputError: not a mapping, an unknown key, or a value of the wrong type or range.
        """
        return replace(cls(), **checked_overrides(data))


def checked_overrides(data: object) -> dict[str, Any]:
    """``data`` as a dict of valid ``CaptionLook`` field values, keys sorted.

    Raises:
        InputError: not a mapping, an unknown key, or a value of the wrong type or range.
    """
    if not isinstance(data, dict):
        raise InputError(f"Caption settings must be a mapping, not {type(data).__name__}")
    known = {f.name: type(getattr(CaptionLook, f.name)) for f in fields(CaptionLook)}
    cleaned = {}
    for key in sorted(data):
        if key not in known:
            raise InputError(
                f"Studio doesn't know the caption setting {key!r}",
                fix="Use one of " + ", ".join(known),
            )
        cleaned[key] = _checked(key, data[key], known[key])
    return cleaned


def _checked(name: str, value: object, kind: type) -> Any:
    """``value`` valid for field ``name`` (of type ``kind``), normalised; else InputError."""
    label = _LABELS[name]
    if kind is bool:
        if not isinstance(value, bool):
            raise InputError(f"The {label} must be on or off, not {value!r}")
        return value
    if name == "font":
        return _choice(label, value, tuple(FONTS))
    if name == "position":
        return _choice(label, value, POSITIONS)
    if name == "highlight":
        return _choice(label, value, HIGHLIGHTS)
    if kind is str:
        if not isinstance(value, str) or not _COLOUR.fullmatch(value):
            raise InputError(
                f"The {label} must be a colour like #FFD400 (or #FFD40080 for half opaque), "
                f"not {value!r}"
            )
        return value.upper()
    low, high = _RANGES[name]
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not low <= number <= high or (kind is int and number != int(number)):
        raise InputError(
            f"The {label} must be a number from {low:g} to {high:g}, not {value!r}",
            fix="Pick a value in that range",
        )
    return int(number) if kind is int else float(number)


def _choice(label: str, value: object, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InputError(
            f"Studio doesn't know the {label} {value!r}", fix="Choose one of " + ", ".join(allowed)
        )
    return str(value)


#: The named looks. Their values are the ASS styles of Studio's first three caption styles.
PRESETS: dict[str, CaptionLook] = {
    "clean": CaptionLook(),
    "bold": CaptionLook(
        bold=True,
        size=8.2,
        upper=True,
        colour="#FFEC96",
        outline_colour="#000000",
        shadow_colour="#0000006F",
        outline=0.7,
        shadow=0.3,
        margin=3.0,
    ),
    "boxed": CaptionLook(
        size=5.6,
        box=True,
        box_colour="#000000A5",
        shadow_colour="#000000",
        shadow=0.0,
        outline_colour="#000000A5",
    ),
}


def look_of(style: str, overrides: dict[str, Any] | None = None) -> CaptionLook:
    """The preset ``style`` with the creator's ``overrides`` applied.

    Raises:
        InputError: an unknown preset or an invalid override.
    """
    preset = PRESETS.get(style)
    if preset is None:
        raise InputError(
            f"Studio doesn't know the caption style {style!r}",
            fix="Choose one of " + ", ".join(PRESETS),
        )
    return replace(preset, **checked_overrides(overrides or {}))
