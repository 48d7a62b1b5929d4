"""How the main window is divided: a sidebar, the scene editor and a right column (the preview
over the render panel), with splitters between them, and the rules that keep the window on a
laptop screen.

The window fits a 1024x700 screen and never resizes itself: every panel's minimum is small
(long content scrolls, long text elides), splitter children never collapse to nothing by
accident, and a restored geometry is clamped to the screen it lands on. Splitter sizes are
kept in QSettings, one key per splitter.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QPoint, QRect, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSplitter, QTabWidget, QWidget

#: The window's size on first start, shrunk to the screen when the screen is smaller.
DEFAULT_SIZE = (1320, 820)
#: First-start widths of the sidebar, the editor and the right column (the splitter scales
#: them to the window: the sidebar keeps its width, the others share what is left).
COLUMN_WIDTHS = [200, 600, 500]
#: First-start heights of the preview and the render panel under it.
RIGHT_HEIGHTS = [340, 300]
SIDEBAR_SHOWN_KEY = "window/sidebarShown"
#: Room left for a window frame and title bar not drawn yet (before the first show Qt can't
#: tell their size).
FRAME_ALLOWANCE = QSize(16, 48)


def _splitter(orientation: Qt.Orientation, name: str, widgets: list[QWidget]) -> QSplitter:
    """A splitter over ``widgets`` whose children can't be dragged down to nothing."""
    splitter = QSplitter(orientation)
    splitter.setObjectName(name)
    splitter.setChildrenCollapsible(False)
    for widget in widgets:
        splitter.addWidget(widget)
    return splitter


def sidebar(projects: QWidget) -> QTabWidget:
    """The left sidebar: tabs, "Projects" first (others add theirs with ``addTab``)."""
    tabs = QTabWidget()
    tabs.setObjectName("sidebar")
    tabs.setDocumentMode(True)
    tabs.addTab(projects, "Projects")
    return tabs


def right_column(preview: QWidget, panel: QWidget) -> QSplitter:
    """The preview on top (it gets the space), the render panel under it."""
    column = _splitter(Qt.Orientation.Vertical, "rightSplitter", [preview, panel])
    column.setStretchFactor(0, 3)
    column.setStretchFactor(1, 2)
    column.setSizes(RIGHT_HEIGHTS)
    return column


def main_splitter(side: QWidget, editor: QWidget, right: QWidget) -> QSplitter:
    """Sidebar | editor | right column; when the window grows, the editor and the right
    column share the new width and the sidebar keeps its own."""
    splitter = _splitter(Qt.Orientation.Horizontal, "mainSplitter", [side, editor, right])
    splitter.setStretchFactor(0, 0)
    splitter.setStretchFactor(1, 1)
    splitter.setStretchFactor(2, 1)
    splitter.setSizes(COLUMN_WIDTHS)
    return splitter


def work_area(top: QWidget) -> QSplitter:
    """The window's central widget: ``top`` first; a strip across the bottom (under the
    editor and the preview) is added as its second child with ``addWidget``."""
    area = _splitter(Qt.Orientation.Vertical, "workArea", [top])
    area.setStretchFactor(0, 1)
    return area


def add_view_toggles(window: QMainWindow, side: QWidget) -> QAction:
    """View → Show sidebar (Ctrl+B), which shows or hides ``side``. Returns the action."""
    action = QAction("Show &sidebar", window)
    action.setObjectName("showSidebar")
    action.setCheckable(True)
    action.setShortcut(QKeySequence("Ctrl+B"))
    action.setStatusTip("Show or hide the projects sidebar")
    action.toggled.connect(side.setVisible)
    window.addAction(action)
    menu = window.menuBar().findChild(QMenu, "viewMenu")
    first = menu.actions()[0] if menu is not None and menu.actions() else None
    if first is not None and menu is not None:
        menu.insertAction(first, action)
        menu.insertSeparator(first)
    elif menu is not None:
        menu.addAction(action)
    action.setChecked(True)
    return action


def fit_default_size(window: QWidget) -> None:
    """The first-start size; on a smaller screen, as much of the free area as the window's
    frame leaves, centred on it."""
    available = _available(window)
    width, height = DEFAULT_SIZE
    if available is None or (width <= available.width() and height <= available.height()):
        window.resize(width, height)
        return
    room = available.size() - FRAME_ALLOWANCE
    size = QSize(min(width, room.width()), min(height, room.height()))
    window.resize(size)
    window.move(available.center() - QRect(QPoint(0, 0), size).center())


def clamp_to_screen(window: QWidget) -> None:
    """Shrink and move a restored window so that all of it lies on its screen's free area
    (a geometry saved on a larger monitor must not open off screen)."""
    available = _available(window)
    if available is None:
        return
    frame = _frame_extra(window)
    size = window.size().boundedTo(available.size() - frame)
    size = size.expandedTo(window.minimumSizeHint())
    if size != window.size():
        window.resize(size)
    outer = QRect(window.pos(), size + frame)  # a window's pos() is its frame's corner
    x = max(available.left(), min(outer.x(), available.right() + 1 - outer.width()))
    y = max(available.top(), min(outer.y(), available.bottom() + 1 - outer.height()))
    if (x, y) != (outer.x(), outer.y()):
        window.move(x, y)


def _frame_extra(window: QWidget) -> QSize:
    """What the frame adds to the window's size (before the first show: an allowance)."""
    extra = window.frameGeometry().size() - window.size()
    return extra if not extra.isNull() else FRAME_ALLOWANCE


def _available(window: QWidget) -> QRect | None:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def save_splitters(
    settings: QSettings, splitters: Mapping[str, QSplitter], toggle: QAction
) -> None:
    """Each splitter's sizes, and whether the sidebar is shown (``toggle`` is its action)."""
    for key, splitter in splitters.items():
        settings.setValue(key, splitter.saveState())
    settings.setValue(SIDEBAR_SHOWN_KEY, toggle.isChecked())


def restore_splitters(
    settings: QSettings, splitters: Mapping[str, QSplitter], toggle: QAction
) -> None:
    """Each splitter's saved sizes, and whether the sidebar was shown."""
    for key, splitter in splitters.items():
        state = settings.value(key)
        if isinstance(state, QByteArray):
            splitter.restoreState(state)
            splitter.setChildrenCollapsible(False)  # restoreState brings back the old flag
    shown = settings.value(SIDEBAR_SHOWN_KEY)
    if shown is not None:
        toggle.setChecked(shown in (True, "true"))
