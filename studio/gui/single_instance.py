"""One Studio window per library: a second start brings the first window forward and exits.

Two windows on one library would each keep their own undo stack and their own idea of the
project tree, and silently overwrite each other's edits. So the first window of a home folder
holds a ``QLockFile`` in ``<home>/locks/`` and listens on a local socket named after the home's
resolved path (hashed with the user name, so it fits the platform's limits and two users never
meet). A later ``studio`` start on the same home fails to take the lock, connects, sends
``activate`` (and ``open "<archive>"`` when it was started to open a ``.studio.zip``, which the
first window then imports) and exits 0.

``QLockFile`` records the holder's pid: a lock left by a crashed window is stale and taken over
at once, and the socket the crashed window left behind is removed before listening again.
CLI commands never come here (they may run beside the window); nor does ``--screenshot``, a
headless tool that opens its own window and quits.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from studio.locks import LOCKS_FOLDER, WINDOW_LOCK

log = logging.getLogger(__name__)

ACTIVATE = b"activate\n"
OPEN = b"open "
#: How long a second start keeps trying to reach a first window that is still starting up.
CONNECT_DEADLINE_S = 10.0
CONNECT_ATTEMPT_MS = 500


def server_name(home: Path) -> str:
    """The local socket's name for a home folder (short, stable, per user)."""
    digest = hashlib.sha256(f"{getpass.getuser()}\0{home.resolve()}".encode()).hexdigest()
    return f"studio-{digest[:20]}"


class SingleInstance(QObject):
    """The claim of one home folder by one window.

    Signals:
        activated(): another ``studio`` start on this home asked for the window.
        openRequested(str): that start was asked to open this ``.studio.zip``.

    Attributes:
        name: the local socket's name.
    """

    activated = Signal()
    openRequested = Signal(str)

    def __init__(self, home: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        folder = home / LOCKS_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self.name = server_name(home)
        self._lock = QLockFile(str(folder / WINDOW_LOCK))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True: this is the library's window now (listening). False: another window has it."""
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.name)  # a crashed window's socket file
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("single instance: cannot listen as %s: %s", self.name, server.errorString())
        server.newConnection.connect(self._accept)
        self._server = server
        log.info("single instance: this window has the library (%s)", self.name)
        return True

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def holder_pid(self) -> int | None:
        """The pid of the window holding the library (when ``claim`` returned False)."""
        info = self._lock.getLockInfo()  # PySide6: (pid, host, app), pid 0 if unreadable
        pid = info[0] if isinstance(info, tuple) and info else 0
        return int(pid) if isinstance(pid, int) and pid > 0 else None

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            # Bound methods only (a lambda holding the socket crashes PySide6 on its deletion).
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read_from(socket)

    def _read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read_from(socket)

    def _read_from(self, socket: QLocalSocket) -> None:
        while socket.canReadLine():
            line = bytes(socket.readLine().data()).rstrip(b"\n")
            if line == ACTIVATE.strip():
                log.info("single instance: another start asked for this window")
                self.activated.emit()
            elif line.startswith(OPEN):
                try:
                    path = json.loads(line[len(OPEN) :].decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    log.warning("single instance: unreadable open request %r", line[:200])
                    continue
                if isinstance(path, str):
                    self.openRequested.emit(path)


def request(archive: Path | None = None) -> bytes:
    """The message a second start sends: activate, and open ``archive`` if given."""
    if archive is None:
        return ACTIVATE
    return ACTIVATE + OPEN + json.dumps(os.path.abspath(archive)).encode("utf-8") + b"\n"


def ask_first_window(
    name: str, deadline_s: float = CONNECT_DEADLINE_S, message: bytes = ACTIVATE
) -> bool:
    """Send ``message`` (see ``request``) to the window listening as ``name``; False if none
    answered in time."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        socket = QLocalSocket()
        socket.connectToServer(name)
        if socket.waitForConnected(CONNECT_ATTEMPT_MS):
            socket.write(QByteArray(message))
            sent = socket.waitForBytesWritten(CONNECT_ATTEMPT_MS)
            socket.disconnectFromServer()
            if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
                socket.waitForDisconnected(CONNECT_ATTEMPT_MS)
            if sent:
                return True
        else:  # the first window may still be starting: try again shortly
            socket.abort()
            time.sleep(0.1)  # a retry interval while the peer starts, not synchronisation
    return False


__all__ = ["ACTIVATE", "SingleInstance", "ask_first_window", "request", "server_name"]
