"""Help → Keyboard shortcuts: a cheat sheet read from the window's own actions.

Nothing here lists a shortcut by hand: the sheet walks the menu bar (each menu a section, in
menu order) and then every other action the window holds, and shows each action that has a
shortcut. Give an action a shortcut and it appears; change it and the sheet follows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.gui.qt_helpers import named

#: The section of actions no menu shows (kept by the window for their shortcut alone).
OTHER = "Other"


def action_label(action: QAction) -> str:
    """An action's text as a creator reads it: no mnemonic ampersands, no trailing dots."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…. ")


def shortcut_text(action: QAction) -> str:
    """Its shortcuts as the platform writes them ("Ctrl+Shift+N"), alternatives joined."""
    keys = [key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts()]
    return " or ".join(key for key in keys if key)


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """``(section, action, shortcut)`` for every action of ``window`` that has a shortcut:
    menu by menu in their order, then the window's other actions."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def add(section: str, action: QAction) -> None:
        if id(action) in seen or action.isSeparator() or action.menu() is not None:
            return
        seen.add(id(action))
        keys = shortcut_text(action)
        if keys:
            rows.append((section, action_label(action), keys))

    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        if isinstance(menu, QMenu):
            for action in menu.actions():
                add(action_label(menu_action), action)
    for action in window.actions():
        add(OTHER, action)
    return rows


class ShortcutsDialog(QDialog):
    """The cheat sheet: a two-column table (action, keys) with a row per section heading.

    Attributes:
        table: the table shown.
        rows: what it lists, as ``shortcut_rows`` gave it.
    """

    def __init__(self, window: QMainWindow, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        self.table = named(QTableWidget(0, 2), "shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setShowGrid(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self._fill()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.setMinimumSize(300, 240)
        self.resize(440, 560)

    def _fill(self) -> None:
        section = ""
        for heading, label, keys in self.rows:
            if heading != section:
                section = heading
                title = QTableWidgetItem(heading)
                font = title.font()
                font.setBold(True)
                title.setFont(font)
                row = self.table.rowCount()
                self.table.insertRow(row)
                self.table.setItem(row, 0, title)
                self.table.setSpan(row, 0, 1, 2)
            row = self.table.rowCount()
            self.table.insertRow(row)
            self.table.setItem(row, 0, QTableWidgetItem(label))
            self.table.setItem(row, 1, QTableWidgetItem(keys))

    def listed(self) -> dict[str, str]:
        """``{action: keys}`` as shown (section headings left out)."""
        shown: dict[str, str] = {}
        for row in range(self.table.rowCount()):
            label, keys = self.table.item(row, 0), self.table.item(row, 1)
            if label is not None and keys is not None:
                shown[label.text()] = keys.text()
        return shown


def show_shortcuts(window: QMainWindow) -> ShortcutsDialog:
    """Open the cheat sheet (non-blocking); returns it (tests read it)."""
    dialog = ShortcutsDialog(window)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
