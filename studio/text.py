"""Text from creators and file systems made safe: one terminal line to print, clean text to store.

Names, paths and scripts can hold anything: ESC sequences that recolour or rewrite the terminal,
NUL bytes, newlines that split one message into two, and lone surrogates (how Python carries
bytes of a path or argument that are not UTF-8), which a UTF-8 stream or SQLite refuses.

* :func:`one_line` is for printing: every such character is shown escaped (``\\x1b``, ``\\n``),
  so what the creator sees is exactly one line and nothing in it acts on the terminal.
* :func:`clean_text` is for storing: control characters are removed (a scene's text keeps its
  line breaks and tabs), so the database holds only text a person typed.
"""

from __future__ import annotations

import re

#: Characters a terminal acts on or that break a line: C0 and C1 controls, DEL, the Unicode line
#: and paragraph separators, the bidirectional overrides and isolates (they reorder what follows
#: on screen), and lone surrogates (not encodable: a path's or argument's undecodable bytes).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: An ANSI escape sequence: CSI (``ESC [ … letter``), OSC (``ESC ] … BEL/ST``) or a 2-byte one.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
#: What stored text may not hold: controls and DEL (line breaks and tabs are handled apart).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # surrogateescape: the original byte
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def one_line(text: object) -> str:
    """``text`` as one printable line: controls, line breaks and surrogates shown escaped.

    ``"\\x1b[31mred\\nline\\x00"`` becomes ``\\x1b[31mred\\nline\\x00`` spelt out with
    backslashes, so the terminal shows it and does nothing with it.
    """
    return _UNSAFE.sub(_escape, str(text))


def clean_text(text: str, *, multiline: bool = False) -> str:
    """``text`` fit to store: no terminal escapes, NUL or other controls, nothing unencodable.

    With ``multiline`` (scene text, descriptions) line breaks (normalised to ``\\n``) and tabs
    stay; otherwise (names, titles, tags) each becomes a space. Lone surrogates become U+FFFD.
    Spacing is otherwise untouched: callers trim and collapse as their field needs.
    """
    cleaned = _ANSI.sub("", str(text or ""))
    cleaned = _LINE_BREAKS.sub("\n", cleaned)
    cleaned = _SURROGATES.sub("\ufffd", _CONTROLS.sub("", cleaned))
    if not multiline:
        cleaned = cleaned.replace("\n", " ").replace("\t", " ")
    return cleaned


def byte_count(size: int) -> str:
    """A byte count for people: "512 KB", "327 MB"."""
    return f"{size / 1_000_000:.0f} MB" if size >= 1_000_000 else f"{size / 1000:.0f} KB"
