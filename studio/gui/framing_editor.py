"""Frame a scene's visual: where a crop keeps the picture, fit over blur or on a colour, and
how the picture moves.

The editor shows the picture (a frame, for a clip) with the video's frame drawn over it. For
"Fill" the creator drags the focal point (or moves it with the arrow keys; Shift for bigger
steps) and the crop window follows, clamped inside the picture; the fit framings show the
whole picture inside the frame on its backdrop. It knows no library: it takes a picture and
the selection's values and says what changed (``changed``), so the scene editor's dialog and
the visual picker can both hold it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from studio.gui.qt_helpers import named
from studio.media.segments import FRAMINGS, KEN_BURNS_ZOOM, MOTIONS

FRAMING_LABELS = {"fill": "Fill (crop)", "fit-blur": "Fit over blur", "fit-colour": "Fit on colour"}
MOTION_LABELS = {
    "zoom-in": "Zoom in",
    "zoom-out": "Zoom out",
    "pan-left": "Pan left",
    "pan-right": "Pan right",
    "pan-up": "Pan up",
    "pan-down": "Pan down",
    "none": "Still",
}
#: The focal point moves this far per arrow key (Shift: ``BIG_STEP``), in picture widths.
STEP, BIG_STEP = 0.02, 0.1
#: The amount slider's range in percent of the frame (the store allows up to 100 %).
AMOUNT_MAX_PERCENT = 50


def crop_window(picture: QRectF, aspect: float, focal: tuple[float, float]) -> QRectF:
    """The largest ``aspect`` rectangle inside ``picture``, centred on ``focal`` (0..1 of the
    picture) where it can be, clamped inside the picture (as the render's fill crop)."""
    width = min(picture.width(), picture.height() * aspect)
    height = width / aspect
    x = picture.left() + picture.width() * focal[0] - width / 2
    y = picture.top() + picture.height() * focal[1] - height / 2
    x = min(max(x, picture.left()), picture.right() - width)
    y = min(max(y, picture.top()), picture.bottom() - height)
    return QRectF(x, y, width, height)


def _fitted(outer: QRectF, aspect: float) -> QRectF:
    """The largest ``aspect`` rectangle centred in ``outer``."""
    width = min(outer.width(), outer.height() * aspect)
    height = width / aspect
    return QRectF(outer.center().x() - width / 2, outer.center().y() - height / 2, width, height)


class FramingCanvas(QWidget):
    """The picture with the video's frame over it; the focal point follows drags and arrows.

    Signals:
        focalMoved(float, float): the focal point while it is dragged.
        focalChosen(float, float): the focal point once a drag ends or an arrow key moved it.

    Attributes:
        focal: the focal point (x, y from 0 to 1 of the picture).
        framing: which framing is drawn.
    """

    focalMoved = Signal(float, float)
    focalChosen = Signal(float, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("framingCanvas")
        self.setAccessibleName("Focal point: drag it, or move it with the arrow keys")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(200, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.picture = QImage()
        self.aspect = 16 / 9
        self.focal = (0.5, 0.5)
        self.framing = "fill"
        self.colour = QColor("#000000")
        self._dragging = False

    def sizeHint(self) -> QSize:
        return QSize(420, 280)

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn (fitted in the canvas, with a margin)."""
        outer = QRectF(self.rect()).adjusted(8, 8, -8, -8)
        size = self.picture.size() if not self.picture.isNull() else QSize(16, 9)
        return _fitted(outer, size.width() / max(1, size.height()))

    def crop_rect(self) -> QRectF:
        """The part of the picture a "Fill" keeps, in canvas coordinates."""
        return crop_window(self.picture_rect(), self.aspect, self.focal)

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(130))
        if self.framing == "fill":
            self._paint_fill(painter)
        else:
            self._paint_fit(painter)
        painter.end()

    def _draw_picture(self, painter: QPainter, target: QRectF) -> None:
        if self.picture.isNull():
            painter.fillRect(target, QColor("#555555"))
            painter.setPen(QColor("#dddddd"))
            painter.drawText(target, Qt.AlignmentFlag.AlignCenter, "Loading the picture…")
        else:
            painter.drawImage(target, self.picture)

    def _paint_fill(self, painter: QPainter) -> None:
        picture, crop = self.picture_rect(), self.crop_rect()
        self._draw_picture(painter, picture)
        shade = QColor(0, 0, 0, 150)
        painter.fillRect(
            QRectF(picture.left(), picture.top(), picture.width(), crop.top() - picture.top()),
            shade,
        )
        painter.fillRect(
            QRectF(
                picture.left(), crop.bottom(), picture.width(), picture.bottom() - crop.bottom()
            ),
            shade,
        )
        painter.fillRect(
            QRectF(picture.left(), crop.top(), crop.left() - picture.left(), crop.height()), shade
        )
        painter.fillRect(
            QRectF(crop.right(), crop.top(), picture.right() - crop.right(), crop.height()), shade
        )
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.drawRect(crop)
        point = QPointF(
            picture.left() + picture.width() * self.focal[0],
            picture.top() + picture.height() * self.focal[1],
        )
        painter.setPen(QPen(QColor("#ffcc00"), 2))
        painter.drawEllipse(point, 7, 7)
        painter.drawLine(point - QPointF(12, 0), point + QPointF(12, 0))
        painter.drawLine(point - QPointF(0, 12), point + QPointF(0, 12))

    def _paint_fit(self, painter: QPainter) -> None:
        frame = _fitted(QRectF(self.rect()).adjusted(8, 8, -8, -8), self.aspect)
        if self.framing == "fit-colour" or self.picture.isNull():
            painter.fillRect(frame, self.colour)
        else:  # a soft, dark stand-in for the blurred backdrop
            small = self.picture.scaled(
                16,
                16,
                Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                Qt.TransformationMode.SmoothTransformation,
            )
            painter.drawImage(frame, small)
            painter.fillRect(frame, QColor(0, 0, 0, 115))
        size = self.picture.size() if not self.picture.isNull() else QSize(16, 9)
        self._draw_picture(painter, _fitted(frame, size.width() / max(1, size.height())))
        painter.setPen(QPen(QColor("#ffffff"), 2))
        painter.drawRect(frame)

    # -- input ----------------------------------------------------------------------------------
    def _focal_at(self, position: QPointF) -> tuple[float, float]:
        picture = self.picture_rect()
        x = (position.x() - picture.left()) / max(1.0, picture.width())
        y = (position.y() - picture.top()) / max(1.0, picture.height())
        return (round(min(max(x, 0.0), 1.0), 4), round(min(max(y, 0.0), 1.0), 4))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.framing != "fill" or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._dragging = True
        self._move_to(self._focal_at(event.position()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._move_to(self._focal_at(event.position()))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging:
            self._dragging = False
            self._move_to(self._focal_at(event.position()))
            self.focalChosen.emit(*self.focal)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        moves = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        direction = moves.get(Qt.Key(event.key()))
        if self.framing != "fill" or direction is None:
            super().keyPressEvent(event)
            return
        step = BIG_STEP if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else STEP
        x = min(max(self.focal[0] + direction[0] * step, 0.0), 1.0)
        y = min(max(self.focal[1] + direction[1] * step, 0.0), 1.0)
        self._move_to((round(x, 4), round(y, 4)))
        self.focalChosen.emit(*self.focal)

    def _move_to(self, focal: tuple[float, float]) -> None:
        if focal != self.focal:
            self.focal = focal
            self.update()
            self.focalMoved.emit(*focal)


class FramingEditor(QWidget):
    """The framing, focal point, fit colour, motion and amount of one scene's visual.

    Signals:
        changed(dict): the values the creator changed, keyed as ``Library.set_framing``'s
            arguments (``framing``, ``focal``, ``fit_colour``, ``motion``, ``motion_amount``).

    Attributes:
        canvas: the picture with the frame drawn over it.
        framing, motion: the choices (combo boxes).
        colour_button: picks the colour around a "Fit on colour" visual.
        amount: how far the picture moves, in percent of the frame.
    """

    changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("framingEditor")
        self.canvas = FramingCanvas(self)
        self.framing = named(QComboBox(), "framingChoice")
        for key in FRAMINGS:
            self.framing.addItem(FRAMING_LABELS[key], key)
        self.colour_button = named(QPushButton("Colour…"), "fitColour")
        self.motion = named(QComboBox(), "motionChoice")
        for key in MOTION_LABELS:
            if key in MOTIONS:
                self.motion.addItem(MOTION_LABELS[key], key)
        self.amount = named(QSlider(Qt.Orientation.Horizontal), "motionAmount")
        self.amount.setRange(0, AMOUNT_MAX_PERCENT)
        self.amount.setAccessibleName("How far the picture moves")
        self.amount_label = QLabel()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self._colour = "#000000"
        self._kind = "image"
        self._build()
        self._wire()

    def _build(self) -> None:
        framing_row = QHBoxLayout()
        framing_row.addWidget(self.framing, 1)
        framing_row.addWidget(self.colour_button)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.amount_label)
        form = QFormLayout()
        form.addRow("Framing", framing_row)
        form.addRow("Motion", self.motion)
        form.addRow("Amount", amount_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hint)
        layout.addLayout(form)

    def _wire(self) -> None:
        self.canvas.focalChosen.connect(lambda x, y: self._emit(focal=(x, y)))
        self.framing.activated.connect(lambda _i: self._framing_chosen())
        self.motion.activated.connect(lambda _i: self._emit(motion=self.motion.currentData()))
        self.colour_button.clicked.connect(self._pick_colour)
        self.amount.valueChanged.connect(self._amount_moved)
        self.amount.sliderReleased.connect(self._amount_chosen)

    # -- showing a selection --------------------------------------------------------------------
    def set_selection(self, picture: QImage | None, selection: Any, output_aspect: float) -> None:
        """Show ``selection``'s values (a ``ClipSelection`` or anything with its fields) on
        ``picture`` (None: still loading) for a video of ``output_aspect`` (width / height)."""
        self.canvas.picture = picture if picture is not None else QImage()
        self.canvas.aspect = output_aspect
        self.canvas.focal = (float(selection.focal_x), float(selection.focal_y))
        self._kind = str(selection.kind)
        self._colour = str(selection.fit_colour)
        amount = selection.motion_amount
        for widget in (self.framing, self.motion, self.amount):
            widget.blockSignals(True)
        self.framing.setCurrentIndex(max(0, self.framing.findData(selection.framing)))
        self.motion.setCurrentIndex(max(0, self.motion.findData(selection.motion)))
        self.amount.setValue(round(100 * (KEN_BURNS_ZOOM if amount is None else amount)))
        for widget in (self.framing, self.motion, self.amount):
            widget.blockSignals(False)
        self._refresh()

    def set_picture(self, picture: QImage | None) -> None:
        """Show ``picture`` once it has loaded (the values stay as they are)."""
        self.canvas.picture = picture if picture is not None else QImage()
        self.canvas.update()

    def values(self) -> dict[str, Any]:
        """Everything the editor shows, keyed as ``Library.set_framing``'s arguments."""
        return {
            "framing": self.framing.currentData(),
            "focal": self.canvas.focal,
            "fit_colour": self._colour,
            "motion": self.motion.currentData(),
            "motion_amount": self.amount.value() / 100,
        }

    def _refresh(self) -> None:
        framing = self.framing.currentData()
        self.canvas.framing = framing
        self.canvas.colour = QColor(self._colour)
        self.colour_button.setVisible(framing == "fit-colour")
        swatch = QPixmap(14, 14)
        swatch.fill(QColor(self._colour))
        self.colour_button.setIcon(QIcon(swatch))
        moving = self._kind == "image"
        self.motion.setEnabled(moving)
        still = self.motion.currentData() == "none"
        self.amount.setEnabled(moving and not still)
        self.amount_label.setEnabled(self.amount.isEnabled())
        self.amount_label.setText(f"{self.amount.value()} %")
        self.hint.setText(self._hint(framing, moving))
        self.canvas.update()

    @staticmethod
    def _hint(framing: str, moving: bool) -> str:
        text = {
            "fill": "Drag the point the crop keeps in view (arrow keys move it too).",
            "fit-blur": "The whole picture, over a soft, darkened copy of itself.",
            "fit-colour": "The whole picture, on a colour.",
        }[framing]
        return text if moving else text + " Clips play as they are: they don't move."

    # -- the creator's changes ------------------------------------------------------------------
    def _emit(self, **values: Any) -> None:
        self._refresh()
        self.changed.emit(values)

    def _framing_chosen(self) -> None:
        self._emit(framing=self.framing.currentData())

    def _amount_moved(self, value: int) -> None:
        self.amount_label.setText(f"{value} %")
        if not self.amount.isSliderDown():  # keys and clicks on the groove: chosen at once
            self._amount_chosen()

    def _amount_chosen(self) -> None:
        self._emit(motion_amount=self.amount.value() / 100)

    def _pick_colour(self) -> None:
        dialog = QColorDialog(QColor(self._colour), self)
        dialog.setObjectName("fitColourDialog")
        dialog.colorSelected.connect(self.set_fit_colour)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def set_fit_colour(self, colour: QColor) -> None:
        """Use ``colour`` around a "Fit on colour" visual (what the colour dialog chose)."""
        name = colour.name().lower()
        if name != self._colour:
            self._colour = name
            self._emit(fit_colour=name)
