"""Where Studio's log goes: a rotating file a creator can attach to a bug report, and stderr.

Every record passes a filter that masks anything looking like a Groq API key, so a key that
slips into an error message, a URL or a traceback never reaches the file or the terminal.
No Qt here: the CLI and the desktop app both call :func:`setup_logging` once at start-up.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import platform
import re
import sys
import tempfile
from pathlib import Path
from typing import TextIO

import platformdirs

from studio import APP_NAME, __version__

#: Overrides the log folder (tests, portable installs).
LOG_DIR_ENV = "STUDIO_LOG_DIR"
LOG_FILENAME = "studio.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

#: A Groq API key ("gsk_" and a long alphanumeric tail), wherever it appears in a text.
GROQ_KEY_PATTERN = re.compile(r"gsk_[A-Za-z0-9]{10,}")
MASK = "gsk_***"

#: The logger above all of Studio's own (``-vv`` lets its DEBUG records through).
APP_LOGGER = "studio"
#: Set on the handlers setup_logging installs, so a second call can replace them.
_MARK = "_studio_handler"

FILE_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"
STDERR_FORMAT = "%(levelname)s %(name)s: %(message)s"

log = logging.getLogger(__name__)


def mask_secrets(text: str) -> str:
    """``text`` with every Groq-key-looking run replaced by ``gsk_***``."""
    return GROQ_KEY_PATTERN.sub(MASK, text)


class SecretMaskingFilter(logging.Filter):
    """Rewrites a record so its message, traceback and stack hold no Groq key.

    The record is changed in place (handlers share it), which is harmless: masking twice gives
    the same text. It never drops a record.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: mask what we can, the handler reports the rest
            if isinstance(record.msg, str):
                record.msg = mask_secrets(record.msg)
            record.args = tuple(mask_secrets(str(arg)) for arg in record.args or ())
        else:
            masked = mask_secrets(message)
            if masked != message or record.args:
                record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_secrets(record.stack_info)
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is *now* (it may be replaced after set-up)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:  # StreamHandler.__init__ assigns it
        pass


def log_dir() -> Path:
    """The log folder: ``$STUDIO_LOG_DIR``, else the platform's user log folder for Studio."""
    override = os.environ.get(LOG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def _open_log_file(folder: Path) -> logging.handlers.RotatingFileHandler:
    folder.mkdir(parents=True, exist_ok=True)
    return logging.handlers.RotatingFileHandler(
        folder / LOG_FILENAME,
        maxBytes=MAX_BYTES,
        backupCount=BACKUP_COUNT,
        encoding="utf-8",
        errors="backslashreplace",  # a path of non-UTF-8 bytes is logged, not an error
    )


def setup_logging(verbose: bool | int = False) -> Path:
    """Send logging to the rotating log file (INFO and up) and stderr; return the file's path.

    stderr shows WARNING and up, INFO and up with ``verbose``; ``verbose`` 2 (``-vv``) adds
    Studio's own DEBUG records on stderr (such as the phonemes Kokoro is given), never other
    libraries'. Calling it again replaces the handlers it installed before. If the log folder
    cannot be written, the file goes to the temporary folder instead (and says so on stderr).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _MARK, False):
            root.removeHandler(handler)
            handler.close()

    folder = log_dir()
    fallback_reason: OSError | None = None
    try:
        file_handler = _open_log_file(folder)
    except OSError as error:
        fallback_reason = error
        folder = Path(tempfile.gettempdir()) / f"{APP_NAME}-logs"
        file_handler = _open_log_file(folder)
    file_handler.setLevel(logging.INFO)
    file_handler.setFormatter(logging.Formatter(FILE_FORMAT))

    stderr_handler = _StderrHandler()
    stderr_handler.setLevel(
        logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING
    )
    logging.getLogger(APP_LOGGER).setLevel(logging.DEBUG if verbose >= 2 else logging.NOTSET)
    stderr_handler.setFormatter(logging.Formatter(STDERR_FORMAT))

    secret_filter = SecretMaskingFilter()
    handlers: tuple[logging.Handler, ...] = (file_handler, stderr_handler)
    for handler in handlers:
        handler.addFilter(secret_filter)
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(logging.INFO)

    if fallback_reason is not None:
        log.warning(
            "Cannot write logs in %s (%s); logging to %s", log_dir(), fallback_reason, folder
        )
    frozen = " (bundle)" if getattr(sys, "frozen", False) else ""
    log.info(
        "%s %s%s, Python %s on %s",
        APP_NAME,
        __version__,
        frozen,
        platform.python_version(),
        platform.platform(),
    )
    return Path(file_handler.baseFilename)
