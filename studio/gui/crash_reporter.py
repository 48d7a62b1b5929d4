"""A crash doesn't vanish: unexpected exceptions are logged and shown, and Studio keeps running.

``sys.excepthook`` (exceptions escaping a slot or a ``QThread.run``) and ``threading.excepthook``
(plain threads) both go to :class:`CrashReporter`, which logs the traceback to Studio's log file
and then, on the GUI thread, tells the creator where the details are. The message box is never
stacked: problems that happen while it is open (even inside it) are only logged and counted.
Without a window to show it in (``--screenshot``), it is only reported on stderr (the log's
stderr handler prints the traceback) and the app exits with status 1.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from studio import APP_NAME
from studio.logs import mask_secrets

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def open_folder(folder: Path, parent: QWidget | None = None) -> bool:
    """Show ``folder`` in the system's file manager (created first if need be).

    Without a file manager (Qt's ``openUrl`` returns False) the creator is told so, with the
    folder's path to copy, in a message over ``parent``; returns whether one opened.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        log.info("could not create %s", folder, exc_info=True)
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return True
    log.info("no file manager opened %s", folder)
    no_file_manager(folder, parent)
    return False


def no_file_manager(folder: Path, parent: QWidget | None) -> QMessageBox:
    """Tell the creator no file manager opened, with the folder's path selectable to copy."""
    box = QMessageBox(QMessageBox.Icon.Information, "No file manager found",
                      "Studio couldn't open a file manager on this computer. The folder is:"
                      f"\n\n{folder}\n\nCopy the path to open it yourself.",
                      QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("noFileManager")
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.finished.connect(box.deleteLater)
    box.open()
    return box


def crash_message(log_file: Path) -> str:
    return (f"{APP_NAME} hit a problem it didn't expect, so what you just did may not have "
            f"finished. Your projects are saved as you work.\n\nThe details are in {log_file} "
            "— please attach that file if you report the problem.")


class CrashReporter(QObject):
    """Logs unexpected exceptions and shows them to the creator.

    Signals:
        problem(str): an exception was logged; carries its one-line summary (queued to the
            GUI thread, whatever thread it happened on).

    Attributes:
        log_file: where the details are (named in the message).
        box: the message box on screen, or None.
        suppressed: problems logged while the box was open.
    """

    problem = Signal(str)

    def __init__(self, log_file: Path, *, parent_widget: Callable[[], QWidget | None] = lambda:
                 None, on_fatal: Callable[[], None] | None = None,
                 parent: QObject | None = None) -> None:
        """``on_fatal`` given (screenshot mode): a line on stderr and ``on_fatal()``, no dialog."""
        super().__init__(parent)
        self.log_file = log_file
        self.box: QMessageBox | None = None
        self.suppressed = 0
        self._gave_up = False
        self._parent_widget = parent_widget
        self._on_fatal = on_fatal
        self._previous: tuple[object, object] | None = None
        self.problem.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        """Become ``sys.excepthook`` and ``threading.excepthook`` (``uninstall`` restores)."""
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle_exception
        threading.excepthook = self._handle_thread_exception

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous  # type: ignore[assignment]
            self._previous = None

    def handle_exception(self, exc_type: type[BaseException], exc: BaseException,
                         tb: TracebackType | None) -> None:
        """Log the exception, then ask the GUI thread to show it (safe from any thread)."""
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        try:
            log.exception("Unexpected error (a bug)", exc_info=(exc_type, exc, tb))
            summary = mask_secrets(f"{exc_type.__name__}: {exc}")
            if self._on_fatal is not None:  # the log's stderr handler printed the traceback
                print(f"studio: unexpected error: {summary} (details in {self.log_file})",
                      file=sys.stderr)
            self.problem.emit(summary)
        except Exception:  # the reporter itself failed: never recurse, fall back to stderr
            sys.__excepthook__(exc_type, exc, tb)

    def _handle_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        self.handle_exception(args.exc_type, args.exc_value, args.exc_traceback)

    # -- GUI thread -------------------------------------------------------------------------------
    def report_fatal(self, exc_type: type[BaseException], exc: BaseException,
                     tb: TracebackType | None) -> int:
        """A bug that stops Studio (while starting): log it, say so, return exit status 1."""
        log.exception("Unexpected error; Studio stops", exc_info=(exc_type, exc, tb))
        summary = mask_secrets(f"{exc_type.__name__}: {exc}")
        if self._on_fatal is not None:
            print(f"studio: unexpected error: {summary} (details in {self.log_file})",
                  file=sys.stderr)
        else:
            self._message_box(summary).exec()
        return 1

    def _show(self, summary: str) -> None:
        if self._on_fatal is not None:
            self._on_fatal()
            return
        if self.box is not None or self._gave_up:
            self.suppressed += 1
            if self.box is not None:
                self.box.setInformativeText(f"{self.suppressed} more problem(s) were logged.")
            return
        try:
            box = self._message_box(summary)
            box.finished.connect(self._closed)
            self.box = box
            self.suppressed = 0
            box.show()
        except Exception:  # caught here, or the excepthook would call this again, forever
            self._gave_up = True
            log.exception("could not show the problem to the creator")

    def _message_box(self, summary: str) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Critical, f"{APP_NAME} hit a problem",
                          crash_message(self.log_file), QMessageBox.StandardButton.NoButton,
                          self._parent_widget())
        box.setObjectName("crashBox")
        box.setDetailedText(summary)
        open_logs = box.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
        close = box.addButton("Close", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(close)
        box.setWindowModality(Qt.WindowModality.ApplicationModal)
        open_logs.clicked.connect(lambda: open_folder(self.log_file.parent, box))
        return box

    def _closed(self) -> None:
        if self.box is not None:
            self.box.deleteLater()
        self.box = None
