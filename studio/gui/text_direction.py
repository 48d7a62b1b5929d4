"""Right-to-left text (Arabic, Hebrew) shown as its readers expect inside a window laid out
left to right.

Qt orders the letters of a right-to-left paragraph correctly, but ``QPlainTextEdit`` still
aligns every paragraph to the left, and a row such as "2  مرحبا…" takes its direction from
its first letter, so the scene number jumps to the right. A paragraph's direction is Unicode's
rule (its first letter with a strong direction), the one ``QLabel`` follows.
"""

from __future__ import annotations

import unicodedata

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

#: Unicode's bidirectional classes of right-to-left letters (Hebrew; Arabic, Thaana, Syriac).
_RIGHT_TO_LEFT = frozenset({"R", "AL"})
#: FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: the text between keeps its own direction
#: without turning the line around it.
_ISOLATE, _POP_ISOLATE = "\u2068", "\u2069"


def reads_right_to_left(text: str) -> bool:
    """Whether ``text``'s first letter with a direction reads right to left."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in _RIGHT_TO_LEFT:
            return True
        if kind == "L":
            return False
    return False


def isolated(text: str) -> str:
    """``text`` wrapped so that, reading right to left, it doesn't turn a left-to-right line
    around it (the scene number stays first); other text is returned as it is."""
    return f"{_ISOLATE}{text}{_POP_ISOLATE}" if reads_right_to_left(text) else text


def follow_text_direction(edit: QPlainTextEdit) -> None:
    """Keep ``edit``'s text against the right edge while it reads right to left, against the
    left otherwise (re-checked whenever the words change, even with the box's signals blocked)."""

    def align() -> None:
        wanted = (
            Qt.AlignmentFlag.AlignRight
            if reads_right_to_left(edit.toPlainText())
            else Qt.AlignmentFlag.AlignLeft
        )
        option = edit.document().defaultTextOption()
        if option.alignment() != wanted:
            option.setAlignment(wanted)
            edit.document().setDefaultTextOption(option)

    edit.document().contentsChanged.connect(align)
    align()
