"""Settings' default stock libraries: real checkboxes in the real dialog, a real library and an
in-memory keyring; what is saved is the ``stock_libraries`` setting runs use."""

from __future__ import annotations

from typing import Any

import keyring.core
import pytest
from PySide6.QtCore import QPoint, Qt

from studio.gui.settings_dialog import SettingsDialog
from studio.secrets import set_key
from studio.store.settings_registry import STOCK_LIBRARIES
from tests.fakes.memory_keyring import MemoryKeyring
from tests.gui.support import multimedia_noise

pytestmark = [pytest.mark.gui, multimedia_noise]

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def keys_of_dvids_only(monkeypatch: pytest.MonkeyPatch) -> MemoryKeyring:
    """A keyring holding a DVIDS key, and no key in the environment."""
    for name in ("PEXELS_API_KEY", "PIXABAY_API_KEY", "DVIDS_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring.core, "_keyring_backend", memory)
    set_key("dvids", "dvids-key-0123456789")
    return memory


def open_settings(qtbot: Any, window: Any) -> SettingsDialog:
    dialog = SettingsDialog(window.workspace, window)
    qtbot.addWidget(dialog)
    dialog.finished.connect(dialog.stock_keys.shutdown)
    return dialog


def states(dialog: SettingsDialog) -> dict[str, tuple[bool, bool]]:
    """(enabled, checked) of each library's box."""
    boxes = dialog.stock_libraries.boxes
    return {name: (box.isEnabled(), box.isChecked()) for name, box in boxes.items()}


def test_settings_chooses_the_default_stock_libraries(
    qtbot: Any, window: Any, library: Any
) -> None:
    library.set_setting(STOCK_LIBRARIES, ["pexels", "openverse"])
    dialog = open_settings(qtbot, window)
    assert states(dialog) == {
        "pexels": (False, False),  # chosen before, but its key is missing
        "pixabay": (False, False),
        "dvids": (True, False),
        "openverse": (True, True),
        "nasa": (True, False),
    }
    boxes = dialog.stock_libraries.boxes
    assert [box.text() for box in boxes.values()] == [
        "Pexels (needs a key)", "Pixabay (needs a key)", "DVIDS", "Openverse",
        "NASA Image Library",
    ]  # fmt: skip
    assert "enter it above" in boxes["pexels"].toolTip()

    dialog.show()
    qtbot.waitExposed(dialog)
    pixabay_was = boxes["pixabay"].x()
    qtbot.keyClicks(dialog.stock_keys.keys["pexels"], "pexels-key-0123456789")
    assert states(dialog)["pexels"] == (True, True)  # usable once typed: the choice comes back
    assert boxes["pexels"].text() == "Pexels" and boxes["pixabay"].text().endswith("a key)")
    # The shorter label moves the boxes after it once the layout runs (as before a real click).
    qtbot.waitUntil(lambda: boxes["pixabay"].x() < pixabay_was)
    # A box may be wider than its label: click its tick box, as a creator would.
    tick = QPoint(8, boxes["dvids"].height() // 2)
    qtbot.mouseClick(dialog.stock_libraries.boxes["dvids"], LEFT, pos=tick)
    qtbot.mouseClick(dialog.stock_libraries.boxes["openverse"], LEFT, pos=tick)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.save()
    assert library.get_setting(STOCK_LIBRARIES) == ["pexels", "dvids"]

    again = open_settings(qtbot, window)
    assert [n for n, (_on, checked) in states(again).items() if checked] == ["pexels", "dvids"]


def test_a_library_whose_key_is_removed_is_not_kept(qtbot: Any, window: Any, library: Any) -> None:
    library.set_setting(STOCK_LIBRARIES, ["dvids", "nasa"])
    dialog = open_settings(qtbot, window)
    assert states(dialog)["dvids"] == (True, True)
    qtbot.mouseClick(dialog.stock_keys.remove_buttons["dvids"], LEFT)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        dialog.save()
    assert library.get_setting(STOCK_LIBRARIES) == ["nasa"]  # a run could not search it


def test_settings_with_the_libraries_fits_a_small_screen(qtbot: Any, window: Any) -> None:
    dialog = open_settings(qtbot, window)
    dialog.show()
    assert dialog.stock_libraries.isVisible()
    assert dialog.sizeHint().height() <= 640 and dialog.minimumSizeHint().width() <= 1000
