"""The stock libraries' API keys, in Settings and in the setup checklist.

One line per library that needs a key (Pexels, Pixabay, DVIDS): the key (masked), Test (one
cheap request, in a worker) and Remove; and which libraries need no key at all. Keys go to the
system keyring (``studio.secrets``), never to project files.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.errors import StudioError
from studio.gui.job_runner import Job, JobRunner
from studio.gui.op import Op
from studio.gui.qt_helpers import named
from studio.gui.setup_sections import ERROR_STYLE, OK_STYLE, OPTIONAL, READY, ChecklistRow
from studio.gui.workers import SignalReporter, WorkFn, human_message
from studio.gui.workspace import Workspace
from studio.pipeline.changes import Done
from studio.progress import CancelToken
from studio.secrets import delete_key, get_key, key_from_environment, key_service, mask, set_key
from studio.stock import registry


def check_stock_key(name: str, key: str) -> WorkFn:
    """Ask the library ``name`` once whether it accepts ``key`` (a StockError if not)."""

    def work(reporter: SignalReporter, cancel: CancelToken) -> Done[str]:
        registry.check_key(name, key, cancel)
        return Done(name)

    return work


def keyless_sentence() -> str:
    """ "Openverse and NASA Image Library need no key." (from the registry)."""
    labels = [s.label for s in registry.provider_status() if not s.needs_key]
    names = ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]
    return f"{names} need no key: their pictures{' and videos' * _any_video()} are ready to use."


def _any_video() -> bool:
    return any("video" in s.kinds for s in registry.provider_status() if not s.needs_key)


class StockKeyEditor(QWidget):
    """A key line per library that needs one, with Test and Remove; saved by ``apply()``.

    Signals:
        keyChecked(str, bool): a key check of that library ended (True: it accepted the key).

    Attributes:
        keys, test_buttons, remove_buttons, messages: per library id, its widgets.
    """

    keyChecked = Signal(str, bool)

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stockKeys")
        # A runner of its own: a key check never blocks or is blocked by the window's jobs.
        self._checks = JobRunner(workspace.library, self)
        self._checking: dict[str, Job] = {}
        self._removed: set[str] = set()
        self.keys: dict[str, QLineEdit] = {}
        self.test_buttons: dict[str, QPushButton] = {}
        self.remove_buttons: dict[str, QPushButton] = {}
        self.messages: dict[str, QLabel] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for row, status in enumerate(s for s in registry.provider_status() if s.needs_key):
            self._add_line(grid, 2 * row, status.name, status.label)
        grid.setColumnStretch(1, 1)
        self.keyless = named(QLabel(keyless_sentence()), "keylessLibraries")
        self.keyless.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.keyless)
        self.refresh()

    def _add_line(self, grid: QGridLayout, row: int, name: str, label: str) -> None:
        key = named(QLineEdit(), f"{name}Key")
        key.setEchoMode(QLineEdit.EchoMode.Password)
        key.setMinimumWidth(160)
        test = named(QPushButton("Test"), f"test{label}Key")
        remove = named(QPushButton("Remove"), f"remove{label}Key")
        message = named(QLabel(), f"{name}KeyMessage")
        message.setWordWrap(True)
        message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        message.hide()
        grid.addWidget(QLabel(label), row, 0)
        grid.addWidget(key, row, 1)
        grid.addWidget(test, row, 2)
        grid.addWidget(remove, row, 3)
        grid.addWidget(message, row + 1, 1, 1, 3)
        key.returnPressed.connect(lambda: self.test(name))
        test.clicked.connect(lambda: self.test(name))
        remove.clicked.connect(lambda: self.mark_removed(name))
        self.keys[name], self.test_buttons[name] = key, test
        self.remove_buttons[name], self.messages[name] = remove, message

    # -- state ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show what is saved (masked), for every library."""
        for name, line in self.keys.items():
            saved = get_key(name)
            service = key_service(name)
            if name in self._removed:
                line.setPlaceholderText("The key will be removed when you save")
            elif saved:
                where = f" (from {service.env})" if key_from_environment(name) else ""
                line.setPlaceholderText(f"Saved: {mask(saved)}{where}")
            else:
                line.setPlaceholderText(f"Free key from {service.where_to_get}")
            self.remove_buttons[name].setEnabled(
                bool(saved) and name not in self._removed and not key_from_environment(name)
            )

    def saved_count(self) -> int:
        """How many of the libraries that need a key have one."""
        return sum(get_key(name) is not None for name in self.keys)

    def mark_removed(self, name: str) -> None:
        """Remove ``name``'s key when ``apply()`` runs (Save)."""
        self._removed.add(name)
        self.keys[name].clear()
        self.refresh()

    def apply(self) -> bool:
        """Save typed keys and remove the marked ones; True if anything changed.

        Raises:
            StudioError: the keyring refused (nothing after the failing key is changed).
        """
        changed = False
        for name, line in self.keys.items():
            if line.text().strip():
                set_key(name, line.text())
                line.clear()
                self._removed.discard(name)
                changed = True
            elif name in self._removed:
                delete_key(name)
                self._removed.discard(name)
                changed = True
        self.refresh()
        return changed

    # -- checking ---------------------------------------------------------------------------------
    def test(self, name: str) -> bool:
        """Check the typed key (else the saved one) with the library, in a worker."""
        if name in self._checking:
            return False
        key = self.keys[name].text().strip() or get_key(name)
        if not key:
            self.show_message(name, "Paste the key first.", error=True)
            return False
        label = registry.provider_class(name).label
        job = (
            Op(f"Checking the {label} key", check_stock_key(name, key), kind="stock-key")
            .success(lambda _name: self._accepted(name))
            .failure(lambda error: self._refused(name, error))
            .always(lambda: self._finished(name))
            .run_on(self._checks)
        )
        if job is None:
            return False
        self._checking[name] = job
        self.test_buttons[name].setEnabled(False)
        self.show_message(name, f"Asking {label}…", error=False)
        return True

    def show_message(self, name: str, text: str, *, error: bool) -> None:
        message = self.messages[name]
        message.setText(text)
        message.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        message.show()

    def shutdown(self) -> None:
        """Stop waiting for the libraries (the dialog is closing)."""
        self._checks.shutdown(timeout_ms=-1)

    def _accepted(self, name: str) -> None:
        label = registry.provider_class(name).label
        unsaved = " Save to keep it." if self.keys[name].text().strip() else ""
        self.show_message(name, f"✓ {label} accepted the key.{unsaved}", error=False)
        self.keyChecked.emit(name, True)

    def _refused(self, name: str, error: BaseException) -> None:
        self.show_message(name, human_message(error), error=True)
        self.keyChecked.emit(name, False)

    def _finished(self, name: str) -> None:
        self._checking.pop(name, None)
        self.test_buttons[name].setEnabled(True)


class StockRow(ChecklistRow):
    """The setup checklist's row for stock footage: the key editor and a Save button."""

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__("Stock footage (optional keys)", "stockRow", parent)
        self.editor = StockKeyEditor(workspace)
        self.editor.keyless.hide()  # the row's own sentence says it
        self.save_button = named(QPushButton("Save keys"), "saveStockKeys")
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.add_above_message(self.editor)
        self.add_above_message(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.editor.refresh()
        count = self.editor.saved_count()
        if count:
            self.set_state(
                READY,
                f"{count} of {len(self.editor.keys)} libraries have a key; " + keyless_sentence(),
            )
        else:
            self.set_state(
                OPTIONAL,
                keyless_sentence() + " Free keys from Pexels, Pixabay "
                "and DVIDS add their footage to the picker.",
            )

    def save(self) -> bool:
        self.clear_message()
        try:
            self.editor.apply()
        except StudioError as exc:
            self.show_message(exc.message, error=True)
            return False
        self.refresh()
        self.show_message("✓ Saved in your system keyring (never in project files).", error=False)
        return True

    def shutdown(self) -> None:
        self.editor.shutdown()
