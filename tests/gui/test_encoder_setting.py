"""The Settings dialog's encoder row: the choice is saved, and what this computer has is
found on a worker thread (the real probe), never on the GUI thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt

from studio.gui import encoder_row
from studio.gui.settings_dialog import SettingsDialog
from studio.media import encoders
from studio.store.settings_registry import CLUSTER_ADDRESS, ENCODER
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]


def test_the_encoder_row_probes_off_the_gui_thread_and_saves_the_choice(
    qtbot: Any, window: Any, library: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real = encoders.encoder_status

    def recording(cache_dir: Any) -> Any:
        threads.append(threading.current_thread())
        return real(cache_dir)

    monkeypatch.setattr(encoder_row, "encoder_status", recording)
    assert library.get_setting(ENCODER) == "auto"
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    row = dialog.encoder
    assert row.chosen() == "auto"
    assert row.status.text().startswith("Testing") and row.worker is None, "probed once shown"
    dialog.show()
    assert row.worker is not None
    with qtbot.waitSignal(row.worker.finished, timeout=30_000):
        pass
    assert threads and threads[0] is not threading.main_thread()
    assert row.status.text() == ("No hardware encoder works on this computer: Automatic "
                                 "uses x264 (software).")
    nvenc = row.combo.findData("nvenc")
    assert "libcuda" in str(row.combo.itemData(nvenc, Qt.ItemDataRole.ToolTipRole))
    row.combo.setCurrentIndex(row.combo.findData("x264"))
    dialog.save()
    assert library.get_setting(ENCODER) == "x264"
    reopened = SettingsDialog(window.workspace, window)
    qtbot.addWidget(reopened)
    reopened.show()
    assert reopened.encoder.chosen() == "x264"
    assert reopened.encoder.status.text() == row.status.text(), "the cache answers at once"
    assert reopened.encoder.worker is None and len(threads) == 1, "no second probe"
    reopened.reject()


def test_closing_the_dialog_waits_for_its_probe(qtbot: Any, window: Any) -> None:
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    dialog.show()
    worker = dialog.encoder.worker
    assert worker is not None
    dialog.reject()
    assert not worker.is_running(), "no thread outlives the dialog"


def test_the_cluster_address_is_saved_and_a_bad_one_keeps_the_dialog_open(
    qtbot: Any, window: Any, library: Any
) -> None:
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    assert dialog.cluster.text() == "" and library.get_setting(CLUSTER_ADDRESS) is None
    dialog.cluster.setText("  192.168.1.10 ")  # completed as Dask's scheme and port
    dialog.save()
    assert library.get_setting(CLUSTER_ADDRESS) == "tcp://192.168.1.10:8786"
    again = SettingsDialog(window.workspace, window)
    qtbot.addWidget(again)
    again.show()
    assert again.cluster.text() == "tcp://192.168.1.10:8786"
    for bad in ("http://192.168.1.10:8786", "tcp://256.1.1.1:1"):  # refused, nothing saved
        again.cluster.setText(bad)
        again.save()
        assert again.error.isVisible() and "not a Dask scheduler address" in again.error.text()
        assert library.get_setting(CLUSTER_ADDRESS) == "tcp://192.168.1.10:8786"
    again.cluster.clear()  # empty: this computer alone
    again.save()
    assert library.get_setting(CLUSTER_ADDRESS) is None
