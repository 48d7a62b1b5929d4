"""Widgets that fit any width, so long content never widens a panel (or the window).

* ``ElidedLabel``: a plain QLabel asks for its whole text's width as its minimum, so one long
  project name or file name widens a column. This label asks for a few characters, draws as
  much as fits with "…", and keeps the whole text in ``text()`` and in its tooltip.
* ``VerticalScroll``: a scroll area for a long form. It scrolls up and down only, and asks for
  the width its content needs (so nothing clips sideways) but almost no height.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QWidget

#: How much of the text the label insists on showing, in average characters.
MIN_CHARS = 6
#: The least height a ``VerticalScroll`` asks for (a couple of rows stay visible).
MIN_SCROLL_HEIGHT = 60


class ElidedLabel(QLabel):
    """One line of text, elided at the right when narrower than the text.

    ``setText`` also sets the tooltip to the whole text (set another tooltip after it to
    override). ``text()`` is always the whole text.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str) -> None:  # type: ignore[override]
        self._full = " ".join(text.split("\n"))
        self.setToolTip(self._full)
        self.updateGeometry()
        self.update()

    def text(self) -> str:  # type: ignore[override]
        return self._full

    def is_elided(self) -> bool:
        """Whether the text is shortened at the label's current width."""
        return self.fontMetrics().horizontalAdvance(self._full) > self.contentsRect().width()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        margins = self.contentsMargins()
        return QSize(
            metrics.horizontalAdvance(self._full) + margins.left() + margins.right() + 1,
            metrics.height() + margins.top() + margins.bottom(),
        )

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(
            min(hint.width(), self.fontMetrics().averageCharWidth() * MIN_CHARS), hint.height()
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        area = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, area.width())
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.setFont(self.font())
        painter.drawText(area, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.end()


class VerticalScroll(QScrollArea):
    """``content`` in a frameless area that scrolls vertically and fits its width."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(content)

    def viewportEvent(self, event: QEvent) -> bool:
        """When the content's needs change, so do the area's (its parent lays out again)."""
        if event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().viewportEvent(event)

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        width += self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()
        return QSize(width, MIN_SCROLL_HEIGHT)

    def sizeHint(self) -> QSize:
        return self.minimumSizeHint().expandedTo(super().sizeHint())
