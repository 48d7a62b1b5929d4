"""Tiny helpers for building widgets readably."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QToolButton

T = TypeVar("T", bound=QObject)


def named(obj: T, name: str) -> T:
    """``obj`` with its objectName set (tests and style sheets find widgets by it)."""
    obj.setObjectName(name)
    return obj


def text_button(text: str, name: str = "", tip: str = "") -> QToolButton:
    button = QToolButton()
    button.setText(text)
    if name:
        button.setObjectName(name)
    if tip:
        button.setToolTip(tip)
    return button
