"""Scrolling-script pages: blocks parsed as written, laid out top to bottom with the promised
padding, white shadowed text, monospaced code on a dark panel, the same bytes for the same
blocks, and a clear refusal when the page would be too tall."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import InputError
from studio.media.scroll import (
    MAX_PAGE_HEIGHT,
    ScrollBlock,
    ScrollPage,
    parse_blocks,
    render_scroll_page,
)

SCRIPT = """# Sorting in one minute

Sorting puts things in order.
It is older than computers.

```python
def insertion_sort(items):
    for i in range(1, len(items)):
        j = i
        while j and items[j - 1] > items[j]:
            items[j - 1], items[j] = items[j], items[j - 1]
            j -= 1
```

Three ideas to remember:
- compare
- swap
- repeat
"""


def test_parse_paragraphs_headings_and_fenced_code() -> None:
    blocks = parse_blocks(SCRIPT)
    assert [b.kind for b in blocks] == ["heading", "text", "code", "text"]
    assert blocks[0].text == "Sorting in one minute"
    assert blocks[1].text == "Sorting puts things in order. It is older than computers."
    code = blocks[2].text.split("\n")
    assert code[0] == "def insertion_sort(items):"
    assert code[1] == "    for i in range(1, len(items)):"
    assert code[4] == "            items[j - 1], items[j] = items[j], items[j - 1]"
    assert blocks[3].text == "Three ideas to remember:\n- compare\n- swap\n- repeat"


def test_parse_edge_cases() -> None:
    assert parse_blocks("") == [] and parse_blocks("\n \n\t\n") == []
    # Windows line endings, tildes, an indented fence, blank lines inside code kept.
    script = "One\r\n\r\n  ~~~\r\n  a = 1\r\n\r\n    b = 2\r\n  ~~~\r\nTwo"
    assert parse_blocks(script) == [
        ScrollBlock("text", "One"),
        ScrollBlock("code", "a = 1\n\n  b = 2"),
        ScrollBlock("text", "Two"),
    ]
    # An unclosed fence runs to the end; "#tag" is not a heading; empty code is dropped.
    assert parse_blocks("#tag here\n```\n```\n```js\nlet x;\n") == [
        ScrollBlock("text", "#tag here"),
        ScrollBlock("code", "let x;"),
    ]
    assert parse_blocks("## Title ##\nbody") == [
        ScrollBlock("heading", "Title", 2),
        ScrollBlock("text", "body"),
    ]


def render(
    tmp_path: Path,
    blocks: list[ScrollBlock],
    name: str = "page.png",
    width: int = 1920,
    frame_height: int = 1080,
) -> tuple[ScrollPage, np.ndarray]:
    page = render_scroll_page(blocks, width=width, frame_height=frame_height, out=tmp_path / name)
    with Image.open(page.path) as img:
        assert img.format == "PNG" and img.mode == "RGBA"
        assert img.size == (width, page.height)
        return page, np.asarray(img).copy()


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)])
def test_layout_padding_and_block_positions(tmp_path: Path, size: tuple[int, int]) -> None:
    width, frame_height = size
    page, rgba = render(tmp_path, parse_blocks(SCRIPT), width=width, frame_height=frame_height)
    tops, bottoms = page.block_tops, page.block_bottoms
    assert len(tops) == len(bottoms) == 4
    assert tops[0] == round(0.6 * frame_height)
    assert page.height - bottoms[-1] == frame_height
    assert all(t < b for t, b in zip(tops, bottoms, strict=True))
    assert all(b < t for b, t in zip(bottoms, tops[1:], strict=False))  # in order, with gaps
    alpha = rgba[..., 3]
    ink_rows = np.nonzero((alpha > 0).any(axis=1))[0]
    shadow = 40  # the soft shadow may reach a little beyond a block's box
    assert tops[0] - shadow <= ink_rows.min() and ink_rows.max() <= bottoms[-1] + shadow
    for top, bottom in zip(tops, bottoms, strict=True):
        assert (alpha[top:bottom] == 255).any(axis=1).mean() > 0.3  # each block is drawn
    # Generous side margins: nothing in the outer 5 % of the width.
    margin = round(width * 0.05)
    assert not alpha[:, :margin].any() and not alpha[:, -margin:].any()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.png"]


def test_text_is_white_with_a_dark_shadow_and_headings_are_larger(tmp_path: Path) -> None:
    blocks = [ScrollBlock("heading", "Hx"), ScrollBlock("text", "Hx")]
    page, rgba = render(tmp_path, blocks)

    def ink(i: int) -> np.ndarray:
        return rgba[page.block_tops[i] - 40 : page.block_bottoms[i] + 40]

    body = ink(1)
    white = (body[..., :3] > 245).all(axis=-1) & (body[..., 3] == 255)
    dark = (body[..., :3] < 40).all(axis=-1) & (body[..., 3] > 60)
    assert white.sum() > 300 and dark.sum() > white.sum()  # the shadow surrounds the text

    def glyph_height(region: np.ndarray) -> int:
        rows = np.nonzero(
            ((region[..., :3] > 245).all(axis=-1) & (region[..., 3] == 255)).any(axis=1)
        )[0]
        return int(rows.max() - rows.min())

    assert glyph_height(ink(0)) > 1.25 * glyph_height(body)


def bright_extent(rgba: np.ndarray, top: int, bottom: int) -> int:
    """The width of the bright (text-coloured) ink between rows ``top`` and ``bottom``."""
    region = rgba[top:bottom]
    columns = np.nonzero(
        ((region[..., :3] > 200).all(axis=-1) & (region[..., 3] > 200)).any(axis=0)
    )[0]
    return int(columns.max() - columns.min())


def test_code_is_monospaced_on_a_dark_panel(tmp_path: Path) -> None:
    narrow, wide = "i" * 24, "W" * 24
    blocks = [
        ScrollBlock("code", narrow),
        ScrollBlock("code", wide),
        ScrollBlock("text", narrow),
        ScrollBlock("text", wide),
    ]
    page, rgba = render(tmp_path, blocks)
    widths = [
        bright_extent(rgba, t, b) for t, b in zip(page.block_tops, page.block_bottoms, strict=True)
    ]
    code_narrow, code_wide, text_narrow, text_wide = widths
    # Same number of characters, same advance: the ink differs by less than one character.
    assert abs(code_wide - code_narrow) < code_wide / 24
    assert text_narrow < 0.45 * text_wide  # the proportional body font, for contrast
    # The panel: dark and nearly opaque, with rounded (transparent) corners.
    top, bottom = page.block_tops[0], page.block_bottoms[0]
    panel = rgba[top:bottom]
    columns = np.nonzero(panel[..., 3].max(axis=0) > 0)[0]
    left, right = columns.min(), columns.max()
    inside = panel[40:-40, left + 8 : left + 20]  # below and above the round corners
    assert (inside[..., 3] > 230).all() and (inside[..., :3] < 50).all()
    assert panel[0, left, 3] == 0 and panel[-1, right, 3] == 0


def test_long_code_lines_and_words_stay_inside_the_column(tmp_path: Path) -> None:
    blocks = [
        ScrollBlock("code", "x = '" + "a" * 300 + "'\n\ty = 2"),
        ScrollBlock("text", "b" * 400 + " 😀 漢字"),
    ]
    page, rgba = render(tmp_path, blocks, width=1080, frame_height=1920)
    alpha = rgba[..., 3]
    columns = np.nonzero(alpha.any(axis=0))[0]
    assert columns.min() > 1080 * 0.05 and columns.max() < 1080 * 0.95
    assert page.block_bottoms[0] - page.block_tops[0] > 300  # the long line was broken


def test_same_blocks_same_bytes(tmp_path: Path) -> None:
    blocks = parse_blocks(SCRIPT)
    first, _ = render(tmp_path, blocks, "a.png")
    second, _ = render(tmp_path, blocks, "b.png")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert (first.block_tops, first.height) == (second.block_tops, second.height)


def test_refusals(tmp_path: Path) -> None:
    out = tmp_path / "page.png"
    with pytest.raises(InputError, match="nothing to show"):
        render_scroll_page([], width=1920, frame_height=1080, out=out)
    with pytest.raises(InputError, match="Unknown block kind"):
        render_scroll_page([ScrollBlock("table", "x")], width=1920, frame_height=1080, out=out)
    too_long = [ScrollBlock("text", "A paragraph of a very long script. " * 8)] * 200
    with pytest.raises(InputError, match=str(MAX_PAGE_HEIGHT)) as caught:
        render_scroll_page(too_long, width=1920, frame_height=1080, out=out)
    assert "Split the script" in caught.value.message
    assert not out.exists()
