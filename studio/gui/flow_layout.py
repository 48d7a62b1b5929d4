"""A layout that places its items left to right and wraps them onto new rows when the width
runs out, so a row of controls never clips or hides one at a narrow width.

Qt's own FlowLayout example (``examples/widgets/layouts/flowlayout``) is the standard pattern;
this is that layout, typed, with one change: hidden widgets take no space.
"""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QSizePolicy, QStyle, QWidget


class FlowLayout(QLayout):
    """Items in reading order, wrapped to the width; its height follows its width.

    Attributes:
        spacing_x, spacing_y: the gaps between items and between rows (-1: the style's).
    """

    def __init__(
        self, parent: QWidget | None = None, spacing_x: int = -1, spacing_y: int = -1
    ) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.spacing_x = spacing_x
        self.spacing_y = spacing_y
        self.setContentsMargins(0, 0, 0, 0)

    # -- QLayout's item protocol ----------------------------------------------------------------
    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    # -- sizes ------------------------------------------------------------------------------------
    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        """All items on one row (what it would like)."""
        width = height = 0
        for item in self._shown():
            hint = item.sizeHint()
            width += hint.width() + (self._gap(item, horizontal=True) if width else 0)
            height = max(height, hint.height())
        return QSize(width, height).grownBy(self.contentsMargins())

    def minimumSize(self) -> QSize:
        """As narrow as its widest item (every other item wraps below)."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        return size.grownBy(self.contentsMargins())

    # -- placing ----------------------------------------------------------------------------------
    def _shown(self) -> list[QLayoutItem]:
        return [item for item in self._items if not item.isEmpty()]

    def _gap(self, item: QLayoutItem, *, horizontal: bool) -> int:
        own = self.spacing_x if horizontal else self.spacing_y
        if own >= 0:
            return own
        widget = item.widget()
        if widget is None:
            return 4
        orientation = Qt.Orientation.Horizontal if horizontal else Qt.Orientation.Vertical
        gap = widget.style().layoutSpacing(
            QSizePolicy.ControlType.PushButton, QSizePolicy.ControlType.PushButton, orientation
        )
        return (
            gap
            if gap >= 0
            else widget.style().pixelMetric(QStyle.PixelMetric.PM_LayoutHorizontalSpacing)
        )

    def _rows(self, width: int) -> list[list[tuple[QLayoutItem, QSize]]]:
        """The shown items split into rows that fit ``width``, each with its size."""
        rows: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        used = 0
        for item in self._shown():
            size = item.sizeHint().boundedTo(QSize(width, 10**6)).expandedTo(item.minimumSize())
            gap = self._gap(item, horizontal=True)
            if rows[-1] and used + gap + size.width() > width:
                rows.append([])
                used = 0
            used += (gap if rows[-1] else 0) + size.width()
            rows[-1].append((item, size))
        return rows if rows[-1] else rows[:-1]

    def _arrange(self, rect: QRect, *, move: bool) -> int:
        """Place (or, with ``move`` False, only measure) the items, each row's items centred on
        the row's height; returns the height used."""
        margins: QMargins = self.contentsMargins()
        area = rect.marginsRemoved(margins)
        y = area.y()
        for index, row in enumerate(self._rows(area.width())):
            if index:
                y += self._gap(row[0][0], horizontal=False)
            height = max(size.height() for _item, size in row)
            x = area.x()
            for item, size in row:
                if move:
                    top = y + (height - size.height()) // 2
                    item.setGeometry(QRect(QPoint(x, top), size))
                x += size.width() + self._gap(item, horizontal=True)
            y += height
        return y - rect.y() + margins.bottom()
