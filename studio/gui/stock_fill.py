"""The "Fill all scenes with stock footage…" dialog: which libraries, which scenes; and what it did.

The dialog only asks; :class:`~studio.gui.stock_actions.StockActions` runs the job (cancellable,
in the jobs list), and :func:`show_fill_result` says how many scenes got a visual and from where.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from studio.gui.job_runner import Job
from studio.gui.stock_actions import ProviderChecks, StockActions
from studio.gui.stock_operations import FillOutcome


class FillScenesDialog(QDialog):
    """Asks which libraries to search and whether to replace visuals the creator chose.

    Attributes:
        providers: the library check boxes. only_empty, replace: the two scene choices.
        job: the fill job once started (None before, or if it was refused).
    """

    def __init__(self, stock: StockActions, project_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fillScenesDialog")
        self.setWindowTitle("Fill all scenes with stock footage")
        self.setMinimumWidth(380)
        self._stock, self._project_id = stock, project_id
        self.job: Job | None = None
        intro = QLabel(
            "Studio searches each scene's keywords in the libraries you tick, and "
            "picks footage that fits the video's shape and the scene's length."
        )
        intro.setWordWrap(True)
        self.providers = ProviderChecks(stock.providers, self)
        self.only_empty = QRadioButton("Only scenes without a visual")
        self.replace = QRadioButton("Every scene, replacing the visuals you chose")
        self.only_empty.setChecked(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Fill scenes")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Search in:"))
        layout.addWidget(self.providers)
        layout.addWidget(QLabel("Which scenes:"))
        layout.addWidget(self.only_empty)
        layout.addWidget(self.replace)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        self.providers.toggled.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.providers.chosen()))

    def start(self) -> None:
        """Run the fill with the choices made, and close."""
        chosen = self.providers.chosen()
        if not chosen:
            return
        self._stock.providers = chosen
        self.job = self._stock.fill(
            self._project_id,
            chosen,
            only_empty=self.only_empty.isChecked(),
            parent=self.parentWidget(),
        )
        self.accept()


def fill_result_text(outcome: FillOutcome, labels: dict[str, str]) -> str:
    """What the fill did, e.g. "3 scenes got stock footage: 2 from Pexels, 1 from Openverse"."""
    if outcome.filled == 0:
        return (
            "No scene was filled: every scene already has a visual, or the libraries "
            "found nothing for the scenes' keywords. Try other libraries, or edit a "
            "scene's keywords in its picker."
        )
    scenes = "1 scene" if outcome.filled == 1 else f"{outcome.filled} scenes"
    parts = [
        f"{count} from {labels.get(name, name)}"
        for name, count in sorted(outcome.by_provider.items(), key=lambda kv: -kv[1])
    ]
    where = f": {', '.join(parts)}" if parts else ""
    return f"{scenes} got stock footage{where}."


def show_fill_result(
    parent: QWidget | None, outcome: FillOutcome, labels: dict[str, str]
) -> QMessageBox:
    """Say what "Fill all scenes" did (a box that doesn't block the window)."""
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "Fill all scenes",
        fill_result_text(outcome, labels),
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("fillResult")
    box.finished.connect(box.deleteLater)
    box.open()
    return box
