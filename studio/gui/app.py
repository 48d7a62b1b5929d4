"""Start the desktop app: QApplication on a qasync event loop, the library, the main window.

``--screenshot FILE.png`` opens the window (optionally on ``--project``), waits until it has
settled (no job, no thumbnail pending, layout done), saves ``window.grab()`` and exits 0.

One window per library (:mod:`studio.gui.single_instance`): a second ``studio`` on the same home
brings the first window forward and exits 0; ``--screenshot`` is exempt (it is headless).

An unexpected exception is logged and shown (:mod:`studio.gui.crash_reporter`); in screenshot
mode it is printed and the app exits 1. The setup checklist opens on the first launch.
"""

from __future__ import annotations

import asyncio
import logging
import logging.handlers
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLoggingCategory, QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from studio import APP_NAME, __version__
from studio.errors import StudioError
from studio.gui.crash_reporter import CrashReporter
from studio.gui.external_changes import ExternalChanges
from studio.gui.resources import app_icon
from studio.gui.single_instance import SingleInstance, ask_first_window, request
from studio.home import Home, resolve_home
from studio.logs import LOG_FILENAME, setup_logging
from studio.savefile import check_output_target, output_path

if TYPE_CHECKING:
    from studio.gui.main_window import MainWindow
    from studio.store import Library

log = logging.getLogger(__name__)

SETTLE_POLL_MS = 50
SETTLE_ROUNDS = 3
SETTLE_TIMEOUT_MS = 30_000

#: Harmless notes Qt Multimedia prints on machines without VA-API (noise for the creator).
QUIET_LOGGING_RULES = "qt.multimedia.symbolsresolver.warning=false"


def quiet_environment_warnings() -> None:
    QLoggingCategory.setFilterRules(QUIET_LOGGING_RULES)


def dark_palette() -> QPalette:
    palette = QPalette()
    base, window, text = QColor("#1e1f24"), QColor("#2a2c33"), QColor("#e8e9ee")
    disabled = QColor("#8a8c96")
    for role, color in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, window),
        (QPalette.ColorRole.ToolTipBase, window),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.Button, window),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.BrightText, QColor("#ff6b6b")),
        (QPalette.ColorRole.Highlight, QColor("#6a5cff")),
        (QPalette.ColorRole.HighlightedText, QColor("#ffffff")),
        (QPalette.ColorRole.Link, QColor("#9d8cff")),
        (QPalette.ColorRole.PlaceholderText, disabled),
    ):
        palette.setColor(role, color)
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_color_scheme(app: QApplication) -> None:
    """Fusion with a light or dark palette, following the system's colour scheme."""
    dark = app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())


def create_application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName("studio")
    app.setWindowIcon(app_icon())
    app.setStyle("Fusion")
    apply_color_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_color_scheme(app))
    quiet_environment_warnings()
    return app


class SettleWatcher(QObject):
    """Emits ``settled`` once the window has had no pending work for a few event-loop rounds.

    Signals:
        settled(bool): True when settled, False when the timeout passed first.
    """

    settled = Signal(bool)

    def __init__(self, window: object, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._window = window
        self._calm = 0
        self._timer = QTimer(self)
        self._timer.setInterval(SETTLE_POLL_MS)
        self._timer.timeout.connect(self._check)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(SETTLE_TIMEOUT_MS)
        self._deadline.timeout.connect(lambda: self._done(False))

    def start(self) -> None:
        self._timer.start()
        self._deadline.start()

    def _check(self) -> None:
        settled = self._window.is_settled()  # type: ignore[attr-defined]
        self._calm = self._calm + 1 if settled else 0
        if self._calm >= SETTLE_ROUNDS:
            self._done(True)

    def _done(self, ok: bool) -> None:
        self._timer.stop()
        self._deadline.stop()
        self.settled.emit(ok)


def _save_screenshot(window: object, path: Path, ok: bool) -> None:
    """Save the window at ``path`` (checked at start-up) through a temporary file, then close."""
    if not ok:
        print("studio: the window did not settle in time; saving it anyway", file=sys.stderr)
    image_format = (path.suffix.lstrip(".") or "png").upper()
    try:
        pixmap = window.screenshot()  # type: ignore[attr-defined]
        with output_path(path) as partial:
            if not pixmap.save(str(partial), image_format):
                raise OSError(f"Qt could not write a {image_format} image")
    except (OSError, StudioError) as exc:
        print(f"studio: could not save the screenshot to {path}: {exc}", file=sys.stderr)
    window.close()  # type: ignore[attr-defined]


def current_log_file() -> Path:
    """The log file ``setup_logging`` opened (the CLI calls it first), else set logging up now."""
    for handler in logging.getLogger().handlers:
        if (
            isinstance(handler, logging.handlers.RotatingFileHandler)
            and Path(handler.baseFilename).name == LOG_FILENAME
        ):
            return Path(handler.baseFilename)
    return setup_logging()


def run_gui(
    home: str | None = None,
    screenshot: str | None = None,
    project: str | None = None,
    open_archive: Path | None = None,
) -> int:
    """Run the desktop app; returns the process exit code.

    ``open_archive``: a ``.studio.zip`` to import once the window shows (the desktop's "Open
    with Studio"); when Studio is already open on the library, that window imports it.
    """
    import qasync

    from studio.gui.setup_checklist import first_run_pending
    from studio.store import Library

    if screenshot:  # refuse a bad target before the window, the library or any other work
        try:
            screenshot = str(check_output_target(screenshot, Home(resolve_home(home))))
        except StudioError as exc:
            print(f"studio: {exc.message}", file=sys.stderr)
            return exc.exit_code
    log_file = current_log_file()
    app = create_application()
    try:
        library = Library.open(resolve_home(home))
    except StudioError as exc:
        if screenshot:
            print(f"studio: {exc.message}", file=sys.stderr)
        else:
            QMessageBox.critical(None, f"{APP_NAME} can't open its library", exc.message)
        return 2
    instance = None if screenshot else SingleInstance(library.home.root)  # a shot is headless
    if instance is not None and not instance.claim():
        library.close()
        return _hand_over(instance, library.home.root, open_archive)
    scratch = tempfile.TemporaryDirectory(prefix="studio-shot-") if screenshot else None
    settings = (  # a screenshot neither reads nor keeps the creator's window layout
        QSettings(str(Path(scratch.name) / "window.ini"), QSettings.Format.IniFormat)
        if scratch
        else QSettings()
    )
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    exit_code = 0

    def fail_the_screenshot() -> None:
        nonlocal exit_code
        exit_code = 1
        closed.set()

    crashes = CrashReporter(
        log_file,
        parent_widget=QApplication.activeWindow,
        on_fatal=fail_the_screenshot if screenshot else None,
    )
    crashes.install()
    try:
        window = _open_window(library, settings, log_file.parent, screenshot, project)
        if window is None:
            return 2
        if instance is not None:
            instance.activated.connect(partial(bring_forward, window))
            instance.openRequested.connect(lambda path: window.projects.import_archive(Path(path)))
            ExternalChanges(library, window.workspace, window.jobs, parent=window).start()
        app.aboutToQuit.connect(closed.set)
        app.lastWindowClosed.connect(closed.set)
        window.show()
        if screenshot:
            watcher = SettleWatcher(window, window)
            watcher.settled.connect(lambda ok: _save_screenshot(window, Path(screenshot), ok))
            watcher.start()
        elif open_archive is not None:
            QTimer.singleShot(0, lambda: window.projects.import_archive(open_archive))
        elif first_run_pending(settings):
            QTimer.singleShot(0, window.show_setup_checklist)
        with loop:
            loop.run_until_complete(closed.wait())
    except Exception:  # a bug while starting: say so instead of vanishing
        return crashes.report_fatal(*sys.exc_info())
    finally:
        crashes.uninstall()
        library.close()
        if instance is not None:
            instance.release()
        if scratch is not None:
            scratch.cleanup()
    return exit_code


def _hand_over(instance: SingleInstance, root: Path, archive: Path | None = None) -> int:
    """A second start on a library: bring its window forward (and have it import ``archive``)
    instead of opening another."""
    if ask_first_window(instance.name, message=request(archive)):
        then = f"; it imports {archive.name}" if archive is not None else ""
        print(
            f"studio: Studio is already open on this library ({root}); "
            f"its window was brought forward{then}.",
            file=sys.stderr,
        )
        return 0
    pid = instance.holder_pid()
    holder = f" (pid {pid})" if pid is not None else ""
    print(
        f"studio: Studio is already open on this library ({root}){holder} but did not "
        "answer. Close that window (or end that process) and start Studio again.",
        file=sys.stderr,
    )
    return 1


def bring_forward(window: QWidget) -> None:
    """Show, un-minimise, raise and activate ``window`` (a second start asked for it)."""
    window.show()
    window.setWindowState(
        (window.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
    )
    window.raise_()
    window.activateWindow()


def _open_window(
    library: Library,
    settings: QSettings,
    log_folder: Path,
    screenshot: str | None,
    project: str | None,
) -> MainWindow | None:
    """The main window (on ``project`` for a screenshot); None if that project is unknown."""
    from studio.gui.main_window import MainWindow

    window = MainWindow(library, settings, log_folder=log_folder)
    if screenshot:
        window.resize(1360, 840)
        if project:
            try:
                window.workspace.set_current_project(library.project(project).id)
            except StudioError as exc:
                print(f"studio: {exc.message}", file=sys.stderr)
                return None
    return window


__all__ = ["apply_color_scheme", "create_application", "quiet_environment_warnings", "run_gui"]
