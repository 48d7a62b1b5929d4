"""Helpers for the GUI tests that are not fixtures: the Qt Multimedia noise mark, answering a
modal question, reading scene texts, and finding this process's ffmpeg children.

Qt Multimedia prints a few warnings on machines without a sound server or VA-API; those exact
environment messages are ignored (``MULTIMEDIA_NOISE``), every other warning fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox

#: Environment-only messages: Qt Multimedia without PulseAudio/PipeWire, VA-API or a GPU, and
#: the offscreen platform plugin, which warns for every top-level window with size hints (a
#: QMainWindow always has them); under xcb this message does not exist.
MULTIMEDIA_NOISE = (
    r"This plugin does not support propagateSizeHints\(\)",
    r"PulseAudioService: pa_context_connect\(\) failed",
    r"No audio device detected",
    r"No RHI backend",
    r"Couldn't (load|resolve) (va|pipewire)",
)
multimedia_noise = pytest.mark.qt_log_ignore(*MULTIMEDIA_NOISE)


def answer_next_question(button_text: str) -> None:
    """Click ``button_text`` in the next modal message box (asked from inside an event)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        for button in box.findChildren(QAbstractButton):
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError(f"no button {button_text!r} in {box.text()!r}")

    QTimer.singleShot(0, click)


def scene_texts(library: Any, project: Any) -> list[str]:
    return [scene.text for scene in library.scenes(project)]


def ffmpeg_children() -> list[str]:
    """ffmpeg processes whose parent is this test process (Linux /proc)."""
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.find("(") + 1 : stat.rfind(")")]
        ppid = stat[stat.rfind(")") + 2 :].split()[1]
        if ppid == me and "ffmpeg" in comm:
            found.append(f"{entry.name} {comm}")
    return found


def tiny_video(path: Path) -> Path:
    """A real, very small MP4 at ``path`` (a quarter second of 64x36 grey, no sound): what a
    render row can point at without the preview warning about a file it can't open."""
    import subprocess

    from studio.media.ffmpeg import ffmpeg_exe

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=gray:s=64x36:d=0.25",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)],
        check=True)
    return path
