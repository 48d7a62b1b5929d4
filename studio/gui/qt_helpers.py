"""Tiny helpers for building widgets readably."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QToolButton

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


def read_only_table(name: str, columns: Sequence[str], stretch: int) -> QTableWidget:
    """A table of whole rows to look at (not edit): columns fit their contents, ``stretch``
    takes the rest of the width."""
    table = named(QTableWidget(0, len(columns)), name)
    table.setHorizontalHeaderLabels(list(columns))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table
