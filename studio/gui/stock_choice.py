"""Which stock libraries fill the scenes with no visual when a video is made (Settings).

A checkbox per library of ``studio.stock.registry``; a library that needs a key it doesn't
have is disabled, saying so in its label, until its key is typed or saved. What is
checked (and usable) is what ``stock_libraries`` keeps: ``produce`` and the window's renders
use it when they are not told which libraries to use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from studio.gui.qt_helpers import named
from studio.stock.registry import ProviderStatus

#: What a disabled library's box says after its name, and its tooltip's hint.
NEEDS_KEY = "(needs a key)"
NEEDS_KEY_TIP = ". It needs an API key: enter it above to use it"
#: Boxes per row, after the heading (five libraries: two rows in the Settings dialog's width).
COLUMNS = 3
KINDS: dict[tuple[str, ...], str] = {("image",): "pictures", ("video",): "videos"}


def kinds_text(kinds: Iterable[str]) -> str:
    """ "videos and pictures" / "pictures": what a library offers, for people."""
    key = tuple(sorted(set(kinds)))
    return KINDS.get(key, "videos and pictures")


class StockLibraryChoice(QWidget):
    """Checkboxes of the stock libraries a video's empty scenes are filled from.

    Attributes:
        boxes: the checkbox of each library, by its id (in the registry's order).
    """

    def __init__(
        self,
        statuses: Iterable[ProviderStatus],
        chosen: Iterable[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("stockLibraries")
        self._labels: dict[str, str] = {}
        self._offers: dict[str, str] = {}
        self._wanted = set(chosen)  # kept while a box is disabled, so a typed key restores it
        self.boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        heading = QLabel("Fill new videos from:")
        heading.setToolTip(
            "When a video is made, scenes with no picture of yours get footage from these "
            "libraries (else a generated slide)"
        )
        grid.addWidget(heading, 0, 0)
        usable: dict[str, bool] = {}
        for index, status in enumerate(statuses):
            box = named(QCheckBox(status.label), f"stockLibrary-{status.name}")
            box.toggled.connect(lambda on, name=status.name: self._toggled(name, on))
            grid.addWidget(box, index // COLUMNS, 1 + index % COLUMNS)
            self.boxes[status.name] = box
            self._labels[status.name] = status.label
            self._offers[status.name] = f"{status.label}: {kinds_text(status.kinds)}"
            usable[status.name] = status.usable
        grid.setColumnStretch(COLUMNS, 1)
        self.set_usable(usable)

    def set_usable(self, usable: Mapping[str, bool]) -> None:
        """Enable the libraries that can be searched now; the others are unchecked and disabled
        (checked again once usable, if they were chosen)."""
        for name, box in self.boxes.items():
            can = usable.get(name, box.isEnabled())
            box.setEnabled(can)
            box.blockSignals(True)  # showing a state is not the creator's choice
            box.setChecked(can and name in self._wanted)
            box.blockSignals(False)
            label = self._labels[name]
            box.setText(label if can else f"{label} {NEEDS_KEY}")
            box.setToolTip(self._offers[name] + ("" if can else NEEDS_KEY_TIP))

    def chosen(self) -> list[str]:
        """The checked libraries (all usable), in the registry's order."""
        return [name for name, box in self.boxes.items() if box.isEnabled() and box.isChecked()]

    def _toggled(self, name: str, on: bool) -> None:
        if on:
            self._wanted.add(name)
        else:
            self._wanted.discard(name)
