"""Chat frames: exact size, a transparent frame around the panel, bubbles on the right sides,
the newest at the bottom, older ones scrolled away, and the same bytes for the same input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import InputError
from studio.media.chat import CHAT_STYLES, ChatMessage, panel_box, render_chat_frame

ACCENT = (0, 122, 255)  # "me" in the light style
GREY = (233, 233, 236)  # everyone else in the light style
FIRST_NAME_COLOUR = (0xD9, 0x48, 0x0F)  # the first other character's name, light style

CONVERSATION = [
    ChatMessage("Ann", "Hi Bob! Did you get the tickets?"),
    ChatMessage("Bob", "Yes, two seats in row F."),
    ChatMessage("Ann", "Perfect, see you at eight."),
]


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        assert img.format == "PNG" and img.mode == "RGBA"
        return np.asarray(img).copy()


def colour_mask(rgba: np.ndarray, colour: tuple[int, int, int], tol: int = 3) -> np.ndarray:
    return (np.abs(rgba[..., :3].astype(int) - colour) <= tol).all(axis=-1) & (rgba[..., 3] > 0)


def message_area(rgba: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, int, int]:
    """The panel's pixels between its header and input bar, with their left and top."""
    left, top, right, bottom = panel_box(size)
    first = top + round((right - left) * 0.14)  # the header is 124/900 of the panel's width
    last = bottom - round((right - left) * 0.13)  # the input bar 112/900
    return rgba[first:last, left:right], left, first


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920), (1280, 720)])
@pytest.mark.parametrize("style", CHAT_STYLES)
def test_frame_is_the_video_size_and_transparent_around_the_panel(
    tmp_path: Path, size: tuple[int, int], style: str
) -> None:
    out = render_chat_frame(CONVERSATION, size=size, style=style, out=tmp_path / "chat.png")
    rgba = pixels(out)
    assert rgba.shape == (size[1], size[0], 4)
    left, top, right, bottom = panel_box(size)
    alpha = rgba[..., 3]
    # Only the panel is drawn: its bounding box is exactly the panel's.
    assert Image.fromarray(alpha).getbbox() == (left, top, right, bottom)
    scale = min(size) / 1080
    assert right - left == round(min(900 * scale, 0.9 * size[0]))
    # Slightly translucent inside, fully transparent outside, rounded corners.
    assert 200 <= alpha[(top + bottom) // 2, (left + right) // 2] < 255
    assert alpha[top, left] == 0 and alpha[bottom - 1, right - 1] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.png"]


def test_me_is_on_the_right_in_the_accent_colour_others_left_in_grey(tmp_path: Path) -> None:
    size = (1080, 1920)
    rgba = pixels(
        render_chat_frame(CONVERSATION[:2], size=size, style="light", out=tmp_path / "c.png")
    )
    area, _left, _top = message_area(rgba, size)
    width = area.shape[1]
    mine_y, mine_x = np.nonzero(colour_mask(area, ACCENT))
    theirs_y, theirs_x = np.nonzero(colour_mask(area, GREY))
    assert mine_x.size > 5000 and theirs_x.size > 5000
    assert mine_x.max() > width * 0.95 and mine_x.min() > width * 0.25  # hugs the right edge
    assert theirs_x.min() < width * 0.05 and theirs_x.max() < width * 0.75  # hugs the left
    assert mine_y.max() < theirs_y.min()  # Ann spoke first: her bubble is above
    # Bob's name, in his colour, sits just above his bubble.
    name_y, name_x = np.nonzero(colour_mask(area, FIRST_NAME_COLOUR, tol=40))
    assert name_y.size > 50
    assert theirs_y.min() - 60 < name_y.min() and name_y.max() < theirs_y.min()
    assert name_x.min() < width * 0.1


def test_me_can_be_named_explicitly(tmp_path: Path) -> None:
    size = (1080, 1920)
    rgba = pixels(
        render_chat_frame(
            CONVERSATION[:2], size=size, style="light", me="Bob", out=tmp_path / "c.png"
        )
    )
    area, _left, _top = message_area(rgba, size)
    mine_y, mine_x = np.nonzero(colour_mask(area, ACCENT))
    theirs_y, theirs_x = np.nonzero(colour_mask(area, GREY))
    assert mine_x.min() > theirs_x.max() - area.shape[1] * 0.5  # Bob now on the right
    assert theirs_y.max() < mine_y.min()  # Ann (now "other") still first


@pytest.mark.parametrize("last", ["Ann", "Bob"])
def test_the_last_message_is_at_the_bottom_when_the_chat_overflows(
    tmp_path: Path, last: str
) -> None:
    size = (1920, 1080)
    speakers = ["Ann", "Bob"] * 15 + [last]
    messages = [
        ChatMessage(who, f"Message number {i} from {who}") for i, who in enumerate(speakers)
    ]
    rgba = pixels(
        render_chat_frame(messages, size=size, style="light", me="Ann", out=tmp_path / "c.png")
    )
    area, _left, _top = message_area(rgba, size)
    lowest_mine = np.nonzero(colour_mask(area, ACCENT).any(axis=1))[0].max()
    lowest_theirs = np.nonzero(colour_mask(area, GREY).any(axis=1))[0].max()
    if last == "Ann":
        assert lowest_mine > lowest_theirs + 40
    else:
        assert lowest_theirs > lowest_mine + 40


def test_older_messages_scroll_off_the_top(tmp_path: Path) -> None:
    messages = [
        ChatMessage("Ann" if i % 2 else "Bob", f"Line {i}: " + "words " * (i % 4 + 1))
        for i in range(30)
    ]

    def render(msgs: list[ChatMessage], name: str) -> bytes:
        out = render_chat_frame(
            msgs, size=(1920, 1080), style="dark", me="Ann", out=tmp_path / name
        )
        return out.read_bytes()

    # Once the chat overflows, the first messages are gone: dropping them changes nothing.
    assert render(messages, "all.png") == render(messages[2:], "tail.png")
    # While it still fits, the first message is shown (at the top).
    assert render(messages[:3], "three.png") != render(messages[1:3], "two.png")


def test_same_input_same_bytes_and_styles_differ(tmp_path: Path) -> None:
    def render(name: str, style: str) -> Path:
        return render_chat_frame(CONVERSATION, size=(1280, 720), style=style, out=tmp_path / name)

    assert render("a.png", "light").read_bytes() == render("b.png", "light").read_bytes()
    light, dark = pixels(render("l.png", "light")), pixels(render("d.png", "dark"))
    inside = light[..., 3] > 0
    assert light[inside][:, :3].mean() > 180 and dark[inside][:, :3].mean() < 90


def test_long_words_emoji_and_other_scripts_stay_inside_their_bubbles(tmp_path: Path) -> None:
    size = (1080, 1920)
    messages = [
        ChatMessage("Ann", "x" * 400),
        ChatMessage("Bob", "😀🎉👍🏽 \u200b 漢字かな交じり文 مرحبا \U0010fffd " + "y" * 300),
        ChatMessage("Bob", "   \n\t  "),
    ]
    rgba = pixels(render_chat_frame(messages, size=size, style="light", out=tmp_path / "c.png"))
    area, _left, _top = message_area(rgba, size)
    width = area.shape[1]
    _ys, mine_x = np.nonzero(colour_mask(area, ACCENT))
    _ys, theirs_x = np.nonzero(colour_mask(area, GREY))
    # Long words are broken, so bubbles keep their maximum width (74 % of the inside).
    assert mine_x.min() > width * 0.2 and theirs_x.max() < width * 0.8
    left, top, right, bottom = panel_box(size)
    assert Image.fromarray(rgba[..., 3]).getbbox() == (left, top, right, bottom)


def test_bad_requests_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Unknown chat style"):
        render_chat_frame(CONVERSATION, size=(1280, 720), style="neon", out=tmp_path / "c.png")
    with pytest.raises(InputError, match="at least one message"):
        render_chat_frame([], size=(1280, 720), style="light", out=tmp_path / "c.png")
    with pytest.raises(InputError, match="too small"):
        render_chat_frame(CONVERSATION, size=(64, 64), style="light", out=tmp_path / "c.png")
    assert not list(tmp_path.iterdir())
