"""The stock libraries' keys in Settings and the setup checklist: real widgets, a real library,
the fake libraries on 127.0.0.1 (tests/stock/fake_servers.py) and an in-memory keyring."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import keyring.core
import pytest
from PySide6.QtCore import Qt

from studio.gui.settings_dialog import SettingsDialog
from studio.gui.setup_checklist import SetupChecklist
from studio.gui.setup_sections import OPTIONAL, READY
from studio.secrets import KEYRING_SERVICE
from tests.fakes.memory_keyring import MemoryKeyring
from tests.gui.support import multimedia_noise
from tests.stock.fake_servers import FAKE_KEYS, StockServers

pytestmark = [pytest.mark.gui, multimedia_noise]

LEFT = Qt.MouseButton.LeftButton
WRONG = "pixabay-WRONG-key-0123456789abcdef"


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    return memory


@pytest.fixture
def no_env_keys(stock_servers: StockServers, monkeypatch: pytest.MonkeyPatch) -> StockServers:
    """The fakes running, but no key in the environment (as on a creator's machine)."""
    for name in ("PEXELS_API_KEY", "PIXABAY_API_KEY", "DVIDS_API_KEY"):
        monkeypatch.delenv(name)
    return stock_servers


@pytest.fixture
def settings_dialog(qtbot: Any, window: Any) -> Iterator[SettingsDialog]:
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    yield dialog
    dialog.stock_keys.shutdown()


def test_settings_tests_a_typed_key_against_the_library(
    qtbot: Any,
    settings_dialog: SettingsDialog,
    no_env_keys: StockServers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    editor = settings_dialog.stock_keys
    assert "Openverse and NASA Image Library need no key" in editor.keyless.text()
    qtbot.keyClicks(editor.keys["pixabay"], WRONG)
    with (
        caplog.at_level(logging.DEBUG),
        qtbot.waitSignal(editor.keyChecked, timeout=20_000) as checked,
    ):
        qtbot.mouseClick(editor.test_buttons["pixabay"], LEFT)
    assert checked.args == ["pixabay", False]
    assert "Pixabay refused the API key" in editor.messages["pixabay"].text()
    assert WRONG not in editor.messages["pixabay"].text() and WRONG not in caplog.text
    editor.keys["pixabay"].setText(FAKE_KEYS["pixabay"])
    with qtbot.waitSignal(editor.keyChecked, timeout=20_000) as checked:
        editor.keys["pixabay"].returnPressed.emit()
    assert checked.args == ["pixabay", True]
    assert editor.messages["pixabay"].text() == "✓ Pixabay accepted the key. Save to keep it."
    assert no_env_keys["pixabay"].api_requests()[-1].param("key") == FAKE_KEYS["pixabay"]


def test_settings_saves_and_removes_stock_keys_in_the_keyring(
    qtbot: Any,
    window: Any,
    memory_keyring: MemoryKeyring,
    no_env_keys: StockServers,
) -> None:
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    dialog.stock_keys.keys["dvids"].setText(" dvids-key-123456789 ")
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.save()
    assert memory_keyring.passwords == {(KEYRING_SERVICE, "dvids_api_key"): "dvids-key-123456789"}
    again = SettingsDialog(window.workspace, window)
    qtbot.addWidget(again)
    assert again.stock_keys.keys["dvids"].placeholderText() == "Saved: …6789"
    assert again.stock_keys.remove_buttons["dvids"].isEnabled()
    qtbot.mouseClick(again.stock_keys.remove_buttons["dvids"], LEFT)
    assert memory_keyring.passwords  # nothing removed before Save
    with qtbot.waitSignal(again.accepted, timeout=2000):
        again.save()
    assert memory_keyring.passwords == {}


def test_a_keyring_that_refuses_keeps_settings_open_with_the_reason(
    qtbot: Any,
    settings_dialog: SettingsDialog,
    no_env_keys: StockServers,
) -> None:
    settings_dialog.stock_keys.keys["pexels"].setText("pexels-key-0123456789")
    settings_dialog.save()  # conftest's keyring is the null backend: it keeps nothing
    assert settings_dialog.error.isVisibleTo(settings_dialog)
    assert "did not keep the Pexels API key" in settings_dialog.error.text()
    assert "PEXELS_API_KEY" in settings_dialog.error.text()
    assert "0123456789" not in settings_dialog.error.text()


def test_the_checklist_offers_stock_keys(
    qtbot: Any,
    window: Any,
    qsettings: Any,
    memory_keyring: MemoryKeyring,
    no_env_keys: StockServers,
) -> None:
    checklist = SetupChecklist(window.workspace, window.jobs, qsettings, window)
    qtbot.addWidget(checklist)
    row = checklist.stock
    assert row.state == OPTIONAL and "need no key" in row.detail.text()
    assert row.editor.keys["pexels"].echoMode() == row.editor.keys["pexels"].EchoMode.Password
    row.editor.keys["pexels"].setText(FAKE_KEYS["pexels"])
    qtbot.mouseClick(row.save_button, LEFT)
    assert row.state == READY and "1 of 3" in row.detail.text()
    assert memory_keyring.passwords[(KEYRING_SERVICE, "pexels_api_key")] == FAKE_KEYS["pexels"]
    assert row.editor.keys["pexels"].text() == ""
    checklist.shutdown()


def test_settings_still_fits_a_small_screen(settings_dialog: SettingsDialog) -> None:
    settings_dialog.show()
    assert settings_dialog.minimumSizeHint().height() <= 640
    assert settings_dialog.sizeHint().height() <= 640
    assert settings_dialog.minimumSizeHint().width() <= 1000
