"""Chat-story frames: a conversation drawn as message bubbles on a phone-like panel.

A chat video shows the conversation growing one message at a time; each frame is one call of
``render_chat_frame`` with the messages so far. The panel is centred on a transparent frame so
the pipeline can lay it over any background. Layout follows a phone's messaging app: the
conversation starts at the top, and once it no longer fits the newest message stays at the
bottom while older ones scroll off the top. The same input always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from studio.errors import InputError
from studio.media.drawing import ellipsize, hex_rgb, rounded_mask, text_font, wrap_text
from studio.media.ffmpeg import atomic_output
from studio.media.scripts import is_right_to_left
from studio.media.typeset import TextFont

CHAT_STYLES = ("light", "dark")
#: The panel's opacity: slightly translucent, so the background shows through a little.
PANEL_OPACITY = 0.92
#: Designed for a 900 px wide panel on a 1080 px high frame; everything scales from there.
_DESIGN_WIDTH = 900
_SMALLEST_FRAME = 120

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class ChatMessage:
    """One message of a chat story.

    Attributes:
        character: who sends it (the name shown above other people's bubbles).
        text: what it says; line breaks are kept, long lines wrap.
    """

    character: str
    text: str


@dataclass(frozen=True)
class _Style:
    chat: RGB  # behind the bubbles
    bar: RGB  # header and input bar
    line: RGB  # separators and the input field's outline
    other_bubble: RGB
    other_text: RGB
    me_bubble: RGB
    me_text: RGB
    title: RGB
    muted: RGB
    names: tuple[str, ...]  # one colour per other character, in order of appearance


_STYLES = {
    "light": _Style(
        chat=(255, 255, 255),
        bar=(246, 246, 248),
        line=(222, 222, 227),
        other_bubble=(233, 233, 236),
        other_text=(17, 17, 20),
        me_bubble=(0, 122, 255),
        me_text=(255, 255, 255),
        title=(17, 17, 20),
        muted=(138, 138, 145),
        names=(
            "#d9480f",
            "#2b8a3e",
            "#6741d9",
            "#c2255c",
            "#1971c2",
            "#a65f00",
            "#0b7285",
            "#862e9c",
        ),
    ),
    "dark": _Style(
        chat=(16, 16, 19),
        bar=(30, 30, 34),
        line=(54, 54, 60),
        other_bubble=(52, 52, 58),
        other_text=(242, 242, 246),
        me_bubble=(10, 132, 255),
        me_text=(255, 255, 255),
        title=(242, 242, 246),
        muted=(142, 142, 150),
        names=(
            "#ff922b",
            "#69db7c",
            "#b197fc",
            "#f783ac",
            "#74c0fc",
            "#ffd43b",
            "#66d9e8",
            "#e599f7",
        ),
    ),
}


@dataclass(frozen=True)
class _Metrics:
    """Sizes in pixels for one panel width (``unit`` pixels per design pixel), and the fonts
    for the conversation's ``language`` (None: told from the text)."""

    unit: float
    language: str | None = None

    def px(self, design: float) -> int:
        return max(1, round(design * self.unit))

    def font(self, design: float, *, bold: bool = False) -> TextFont:
        return text_font(self.px(design), bold=bold, language=self.language)


@dataclass(frozen=True)
class _Bubble:
    """A message laid out: its lines, bubble size and where its top sits (in the chat area)."""

    message: ChatMessage
    mine: bool
    show_name: bool
    run_end: bool
    lines: list[str]
    width: int
    height: int
    top: int = 0


def render_chat_frame(
    messages: Sequence[ChatMessage],
    *,
    size: tuple[int, int],
    style: str,
    out: Path,
    me: str | None = None,
    language: str | None = None,
) -> Path:
    """Draw the conversation up to and including its last message; write an RGBA PNG to ``out``.

    The PNG is exactly ``size`` (the video frame), transparent outside a centred, rounded,
    slightly translucent chat panel about ``min(900 px, 90 % of the width)`` wide on a 1080 px
    high frame (scaled with the frame). ``me`` (default: the first character who speaks) is on
    the right in the accent colour; everyone else is on the left in grey, their name above
    their bubbles in a colour of their own (kept for the whole conversation: colours follow
    the order in which characters first speak). Text in any script is drawn (``language``,
    when known, picks the Japanese or Chinese forms of Han); right-to-left messages are aligned
    right in their bubbles. Written atomically.

    Raises:
        InputError: no messages, an unknown ``style`` or a frame too small to draw on.
    """
    if style not in _STYLES:
        raise InputError(
            f'Unknown chat style "{style}"',
            where="chat story",
            fix=f"Use one of: {', '.join(CHAT_STYLES)}",
        )
    if not messages:
        raise InputError(
            "A chat frame needs at least one message",
            where="chat story",
            fix="Write the conversation as lines like “Name: message”",
        )
    width, height = int(size[0]), int(size[1])
    if min(width, height) < _SMALLEST_FRAME:
        raise InputError(
            f"The frame {width}x{height} is too small for a chat",
            where="chat story",
            fix="Render at 480p or larger",
        )
    me = me if me is not None else messages[0].character
    colours = _STYLES[style]
    panel = _draw_panel(list(messages), me, colours, (width, height), language)
    frame = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    frame.paste(panel, ((width - panel.width) // 2, (height - panel.height) // 2))
    out = Path(out)
    with atomic_output(out) as partial:
        frame.save(partial, format="PNG", compress_level=1)
    return out


def panel_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The chat panel's (left, top, right, bottom) in a frame of ``size``."""
    width, height = size
    scale = min(width, height) / 1080
    panel_w = round(min(_DESIGN_WIDTH * scale, 0.9 * width))
    panel_h = round(min(0.88 * height, 1.75 * panel_w))
    left, top = (width - panel_w) // 2, (height - panel_h) // 2
    return left, top, left + panel_w, top + panel_h


def _draw_panel(
    messages: list[ChatMessage],
    me: str,
    colours: _Style,
    frame: tuple[int, int],
    language: str | None,
) -> Image.Image:
    left, top, right, bottom = panel_box(frame)
    panel_w, panel_h = right - left, bottom - top
    m = _Metrics(panel_w / _DESIGN_WIDTH, language)
    others = list(dict.fromkeys(msg.character for msg in messages if msg.character != me))
    name_colour = {
        name: hex_rgb(colours.names[i % len(colours.names)]) for i, name in enumerate(others)
    }
    panel = Image.new("RGB", (panel_w, panel_h), colours.chat)
    header_h, footer_h = m.px(124), m.px(112)
    chat_area = _draw_chat(
        messages, me, colours, name_colour, m, (panel_w, panel_h - header_h - footer_h)
    )
    panel.paste(chat_area, (0, header_h))
    _draw_header(panel, others or [me], name_colour, colours, m, header_h)
    _draw_footer(panel, colours, m, footer_h)
    alpha = np.asarray(rounded_mask((panel_w, panel_h), m.px(54)), dtype=np.float32)
    panel.putalpha(Image.fromarray(np.rint(alpha * PANEL_OPACITY).astype(np.uint8)))
    return panel


def _draw_header(
    panel: Image.Image,
    others: list[str],
    name_colour: dict[str, RGB],
    colours: _Style,
    m: _Metrics,
    header_h: int,
) -> None:
    """The contact bar: an avatar with an initial, who the chat is with, and a status line."""
    draw = ImageDraw.Draw(panel)
    draw.rectangle((0, 0, panel.width, header_h - 1), fill=colours.bar)
    draw.rectangle((0, header_h - max(1, m.px(1.5)), panel.width, header_h - 1), fill=colours.line)
    diameter = m.px(72)
    x, y = m.px(36), (header_h - diameter) // 2
    avatar = name_colour.get(others[0], colours.me_bubble)
    panel.paste(
        avatar, (x, y, x + diameter, y + diameter), rounded_mask((diameter,) * 2, diameter / 2)
    )
    initial = (others[0].strip()[:1] or "?").upper()
    bold = m.font(34, bold=True)
    bold.draw(
        draw, (x + diameter / 2, y + diameter / 2), initial, fill=(255, 255, 255), anchor="mm"
    )
    text_x = x + diameter + m.px(24)
    title = ellipsize(", ".join(others), bold, panel.width - text_x - m.px(36))
    bold.draw(draw, (text_x, header_h / 2 - m.px(4)), title, fill=colours.title, anchor="ls")
    status = "online" if len(others) == 1 else f"{len(others) + 1} people"
    small = m.font(24)
    small.draw(draw, (text_x, header_h / 2 + m.px(8)), status, fill=colours.muted, anchor="lt")


def _draw_footer(panel: Image.Image, colours: _Style, m: _Metrics, footer_h: int) -> None:
    """The input bar: an empty message field and a send button, as on a phone."""
    draw = ImageDraw.Draw(panel)
    top = panel.height - footer_h
    draw.rectangle((0, top, panel.width, panel.height), fill=colours.bar)
    draw.rectangle((0, top, panel.width, top + max(1, m.px(1.5)) - 1), fill=colours.line)
    button = m.px(64)
    field_h = m.px(64)
    field_x, field_y = m.px(32), top + (footer_h - field_h) // 2
    field_w = panel.width - 2 * m.px(32) - button - m.px(18)
    outline = rounded_mask((field_w, field_h), field_h / 2)
    inner = rounded_mask((field_w - 2 * m.px(2), field_h - 2 * m.px(2)), field_h / 2 - m.px(2))
    panel.paste(colours.line, (field_x, field_y, field_x + field_w, field_y + field_h), outline)
    panel.paste(
        colours.chat,
        (
            field_x + m.px(2),
            field_y + m.px(2),
            field_x + field_w - m.px(2),
            field_y + field_h - m.px(2),
        ),
        inner,
    )
    m.font(28).draw(
        draw,
        (field_x + m.px(28), field_y + field_h / 2),
        "Message",
        fill=colours.muted,
        anchor="lm",
    )
    bx, by = panel.width - m.px(32) - button, top + (footer_h - button) // 2
    panel.paste(
        colours.me_bubble,
        (bx, by, bx + button, by + button),
        rounded_mask((button, button), button / 2),
    )
    cx, cy, arm = bx + button / 2, by + button / 2, button * 0.2
    stroke = max(2, m.px(5))
    draw.line((cx, cy + arm * 1.3, cx, cy - arm * 1.2), fill=(255, 255, 255), width=stroke)
    draw.line(
        (cx - arm, cy - arm * 0.2, cx, cy - arm * 1.2, cx + arm, cy - arm * 0.2),
        fill=(255, 255, 255),
        width=stroke,
        joint="curve",
    )


def _draw_chat(
    messages: list[ChatMessage],
    me: str,
    colours: _Style,
    name_colour: dict[str, RGB],
    m: _Metrics,
    size: tuple[int, int],
) -> Image.Image:
    """The message list: bubbles laid out from the top, scrolled so the newest is visible."""
    width, height = size
    area = Image.new("RGB", size, colours.chat)
    body = m.font(34)
    name_font = m.font(24, bold=True)
    side, pad = m.px(28), m.px(26)
    bubbles = _layout(messages, me, body, width - 2 * side, m)
    name_h = m.px(32)
    content = bubbles[-1].top + bubbles[-1].height + (name_h if bubbles[-1].show_name else 0)
    scroll = max(0, content - (height - 2 * pad))
    draw = ImageDraw.Draw(area)
    line_h = _line_height(body)
    for bubble in bubbles:
        y = pad + bubble.top - scroll
        if bubble.show_name:
            y += name_h
        if y + bubble.height <= 0:
            continue  # scrolled off the top
        x = width - side - bubble.width if bubble.mine else side
        if bubble.show_name:
            name_font.draw(
                draw,
                (x + m.px(16), y - m.px(8)),
                bubble.message.character,
                fill=name_colour.get(bubble.message.character, colours.muted),
                anchor="ld",
            )
        _paste_bubble(area, bubble, (x, y), colours, m)
        text_colour = colours.me_text if bubble.mine else colours.other_text
        rtl = is_right_to_left(bubble.message.text)
        for i, line in enumerate(bubble.lines):
            at = (x + bubble.width - m.px(26), "ra") if rtl else (x + m.px(26), "la")
            body.draw(
                draw, (at[0], y + m.px(16) + i * line_h), line, fill=text_colour, anchor=at[1]
            )
    if scroll:
        _fade_top(area, colours.chat, m.px(40))
    return area


def _layout(
    messages: list[ChatMessage],
    me: str,
    font: TextFont,
    inner_w: int,
    m: _Metrics,
) -> list[_Bubble]:
    """Every message's bubble and its top in content coordinates (0 = top of the first)."""
    max_text_w = inner_w * 0.74 - 2 * m.px(26)
    line_h = _line_height(font)
    name_h = m.px(32)
    bubbles: list[_Bubble] = []
    y = 0
    for i, message in enumerate(messages):
        mine = message.character == me
        after_same = i > 0 and messages[i - 1].character == message.character
        before_same = i + 1 < len(messages) and messages[i + 1].character == message.character
        lines = wrap_text(message.text.strip(), font, max_text_w)
        text_w = max(font.getlength(line) for line in lines)
        bubble_w = max(round(text_w) + 2 * m.px(26), m.px(72))
        ascent, descent = font.metrics_for(message.text)
        bubble_h = (len(lines) - 1) * line_h + ascent + descent + 2 * m.px(16)
        if i > 0:
            y += m.px(8) if after_same else m.px(26)
        show_name = not mine and not after_same
        bubbles.append(
            _Bubble(message, mine, show_name, not before_same, lines, bubble_w, bubble_h, y)
        )
        y += bubble_h + (name_h if show_name else 0)
    return bubbles


def _line_height(font: TextFont) -> int:
    return round(font.size * 1.3)


def _paste_bubble(
    area: Image.Image, bubble: _Bubble, xy: tuple[int, int], colours: _Style, m: _Metrics
) -> None:
    """A rounded bubble; the last of a run gets a sharper corner on its speaker's side."""
    radius = float(m.px(36))
    tail = float(m.px(8)) if bubble.run_end else radius
    radii = (radius, radius, tail, radius) if bubble.mine else (radius, radius, radius, tail)
    colour = colours.me_bubble if bubble.mine else colours.other_bubble
    x, y = xy
    area.paste(
        colour,
        (x, y, x + bubble.width, y + bubble.height),
        rounded_mask((bubble.width, bubble.height), radii),
    )


def _fade_top(area: Image.Image, colour: RGB, height: int) -> None:
    """Fade the top ``height`` rows into the background, so scrolled-off text ends softly."""
    pixels = np.asarray(area, dtype=np.float32)[:height]
    weight = np.linspace(1.0, 0.0, height, dtype=np.float32)[:, None, None] ** 1.5
    faded = pixels * (1 - weight) + np.array(colour, np.float32) * weight
    area.paste(Image.fromarray(np.rint(faded).astype(np.uint8)), (0, 0))
