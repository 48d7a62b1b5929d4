"""The column of scene cards, which accepts a card dragged by its handle between two others."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from studio.gui.scene_card import SCENE_MIME, SceneCard


class CardList(QWidget):
    """The column of cards; scenes dragged by their handle can be dropped between cards.

    Signals:
        dropped(str, int): scene id, gap index (0 = before the first card).
    """

    dropped = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(8, 8, 8, 8)
        self.layout_.setSpacing(8)
        self.layout_.addStretch(1)
        self._indicator = QFrame(self)
        self._indicator.setFrameShape(QFrame.Shape.HLine)
        self._indicator.setStyleSheet("background: palette(highlight); border: none;")
        self._indicator.setFixedHeight(3)
        self._indicator.hide()

    def cards(self) -> list[SceneCard]:
        cards = []
        for index in range(self.layout_.count()):
            item = self.layout_.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, SceneCard):
                cards.append(widget)
        return cards

    def set_cards(self, cards: list[SceneCard]) -> None:
        for card in self.cards():
            self.layout_.removeWidget(card)
        for index, card in enumerate(cards):
            self.layout_.insertWidget(index, card)
            card.show()

    def gap_at(self, y: int) -> int:
        """Which gap between cards a drop at height ``y`` lands in."""
        cards = self.cards()
        for index, card in enumerate(cards):
            if y < card.geometry().center().y():
                return index
        return len(cards)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(SCENE_MIME):
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not event.mimeData().hasFormat(SCENE_MIME):
            return
        event.acceptProposedAction()
        gap = self.gap_at(event.position().toPoint().y())
        cards = self.cards()
        if cards:
            y = cards[gap].geometry().top() - 5 if gap < len(cards) else \
                cards[-1].geometry().bottom() + 3
            self._indicator.setGeometry(8, y, self.width() - 16, 3)
            self._indicator.show()
            self._indicator.raise_()

    def dragLeaveEvent(self, event: object) -> None:
        self._indicator.hide()

    def dropEvent(self, event: QDropEvent) -> None:
        self._indicator.hide()
        if not event.mimeData().hasFormat(SCENE_MIME):
            return
        event.acceptProposedAction()
        scene_id = bytes(event.mimeData().data(SCENE_MIME).data()).decode()
        self.dropped.emit(scene_id, self.gap_at(event.position().toPoint().y()))
