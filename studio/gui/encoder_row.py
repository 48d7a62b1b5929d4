"""The Settings dialog's encoder choice, with a line saying which encoders this computer has.

Finding that out runs a tiny test encode per encoder the first time (then the library's cache
answers at once), so it happens on a worker thread when the row is first shown: the dialog
opens at once and the line fills in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from studio.encoder_kinds import ENCODER_CHOICES, ENCODER_LABELS, X264
from studio.gui.qt_helpers import named
from studio.gui.workers import Worker, WorkFn, human_message
from studio.media.encoders import EncoderStatus, cached_status, encoder_status
from studio.progress import CancelToken


class EncoderRow(QWidget):
    """A combo of the encoders (``ENCODER_LABELS``) and what this computer has.

    Attributes:
        combo: the choice; each item's data is the encoder's name ("auto", "x264"...).
        status: the line about this computer ("Testing..." until the probe answers).
        worker: the probe's worker (None until the row is first shown, and when the
            library's cache already knew).
    """

    def __init__(self, current: str, cache_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = named(QComboBox(), "encoderChoice")
        for name in ENCODER_CHOICES:
            self.combo.addItem(ENCODER_LABELS[name], name)
        self.combo.setCurrentIndex(max(0, self.combo.findData(current)))
        self.status = named(QLabel("Testing which encoders this computer has…"),
                            "encoderStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        layout.addWidget(self.status)
        self._cache_dir = cache_dir
        self.worker: Worker | None = None
        known = cached_status(cache_dir)  # a small file: no probe, no wait
        if known is not None:
            self._show(known)

    def showEvent(self, event: QShowEvent) -> None:
        """Probe (on a worker thread) the first time the row is shown, unless the cache knew."""
        super().showEvent(event)
        if self.worker is None and self.status.text().startswith("Testing"):
            worker = Worker(_probe(self._cache_dir), name="Testing the encoders", parent=self)
            worker.returned.connect(self._show)
            worker.errored.connect(self._failed)
            self.worker = worker
            worker.start()

    def hideEvent(self, event: QHideEvent) -> None:
        """Let a probe still running finish before the dialog goes (a few tiny encodes, well
        under a second; its worker must not outlive its thread)."""
        if self.worker is not None and self.worker.is_running():
            self.worker.wait()
        super().hideEvent(event)

    def chosen(self) -> str:
        """The encoder chosen (a name from ``ENCODER_CHOICES``)."""
        return str(self.combo.currentData())

    def _show(self, statuses: dict[str, EncoderStatus]) -> None:
        hardware = [ENCODER_LABELS[n] for n, s in statuses.items() if s.works and n != X264]
        if hardware:
            self.status.setText("This computer has " + ", ".join(hardware)
                                + ": Automatic uses the first.")
        else:
            self.status.setText("No hardware encoder works on this computer: Automatic uses "
                                "x264 (software).")
        for name, status in statuses.items():
            index = self.combo.findData(name)
            if not status.works and index >= 0:
                self.combo.setItemData(index, f"Doesn't work here: {status.reason}",
                                       Qt.ItemDataRole.ToolTipRole)

    def _failed(self, error: BaseException) -> None:
        self.status.setText(f"Couldn't test the encoders: {human_message(error)}")


def _probe(cache_dir: Path) -> WorkFn:
    """The probe, as a worker's function (``encoder_status`` on the worker thread)."""

    def run(_reporter: object, _cancel: CancelToken) -> dict[str, EncoderStatus]:
        return encoder_status(cache_dir)

    return run
