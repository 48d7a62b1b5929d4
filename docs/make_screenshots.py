"""Make the README's screenshots of the window from scratch, offline.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/make_screenshots.py

It builds a library in a temporary folder (a media folder of generated pictures and clips, a
16:9 and a 9:16 project made with ``studio produce`` and the draft voice), opens the real main
window at 1366x768 and saves, in docs/screenshots/: the editor with the filmstrip and the preview
(``editor.png``), a 9:16 render in the player's own window (``preview-9x16.png``), the media bin
(``media-bin.png``) and the jobs list while a render and a voicing run (``jobs.png``).
Run it under a real X server (Xvfb): the offscreen platform can't show the window at that size.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from studio.media.ffmpeg import ffmpeg_exe  # noqa: E402

OUT = REPO / "docs" / "screenshots"
SIZE = (1366, 768)
SCRIPT = """Every night, cities light up the sky with millions of lamps. From space, you can trace \
coastlines and highways by their glow.

Most of that light is wasted. It shines upward instead of onto streets, and it hides the stars \
from nearly everyone living in a city.

Astronomers call this light pollution. It also confuses migrating birds and disrupts the sleep \
of people and animals.

The fix is simple: shielded fixtures, warmer colours, and lights that switch off when nobody \
needs them.

Some towns have already done it, and their residents can see the Milky Way again.
"""
#: Generated media (lavfi sources, no download): file name -> (input, seconds or 0 for a picture).
MEDIA = {
    "mandelbrot.png": ("mandelbrot=size=1280x720", 0),
    "colour-bars.png": ("smptehdbars=size=1280x720", 0),
    "game-of-life.mp4": ("life=size=640x360:mold=10:r=25:ratio=0.5:death_color=#1b3a5c", 6),
    "test-pattern.mp4": ("testsrc2=size=1280x720:rate=25", 6),
    "gradient.png": ("gradients=size=1280x720:speed=0.01", 0),
}


def make_media(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, (source, seconds) in MEDIA.items():
        length = ["-t", str(seconds)] if seconds else ["-frames:v", "1"]
        subprocess.run(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                source,
                *length,
                "-pix_fmt",
                "yuv420p" if seconds else "rgb24",
                str(folder / name),
            ],
            check=True,
        )


def produce(home: Path, media: Path, name: str, aspect: str) -> None:
    script = home.parent / "script.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "studio",
            "--home",
            str(home),
            "produce",
            "--script",
            str(script),
            "--project",
            name,
            "--aspect",
            aspect,
            "--media",
            str(media),
        ],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )


def wait(app: QApplication, ms: int, until: Callable[[], bool] | None = None) -> None:
    """Run the event loop for ``ms`` or until ``until()`` is true."""
    timer = QTimer()
    timer.setSingleShot(True)
    timer.start(ms)
    while timer.isActive() and not (until and until()):
        app.processEvents()


def save(widget: QWidget, name: str) -> None:
    pixmap = widget.screenshot() if hasattr(widget, "screenshot") else widget.grab()
    pixmap.save(str(OUT / name))
    print("saved", OUT / name)


def main() -> int:
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        print("run under Xvfb (see the docstring), not offscreen", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        home, media = Path(tmp) / "home", Path(tmp) / "My media"
        make_media(media)
        produce(home, media, "City lights", "16:9")
        produce(home, media, "City lights (vertical)", "9:16")

        from studio.gui.app import create_application
        from studio.gui.main_window import MainWindow
        from studio.store import Library

        app = create_application()
        from studio.store.settings_registry import MEDIA_FOLDERS

        library = Library.open(home)
        library.set_setting(MEDIA_FOLDERS, [str(media)])  # as "Add folder…" in the bin does
        settings = QSettings(str(Path(tmp) / "window.ini"), QSettings.Format.IniFormat)
        window = MainWindow(library, settings)
        window.resize(*SIZE)
        window.move(0, 0)  # Xvfb has no window manager to place it
        window.show()
        projects = {p.name: p.id for p in library.projects()}

        window.workspace.set_current_project(projects["City lights"])
        wait(app, 1500, window.is_settled)
        first = window.editor.cards()[1]
        window.editor.show_scene(first.scene_id)
        window.preview.play()
        wait(app, 2500)
        window.preview.pause()
        wait(app, 300)
        save(window, "editor.png")

        window.sidebar.setCurrentWidget(window.media_bin)
        wait(app, 2500)
        save(window, "media-bin.png")
        window.sidebar.setCurrentIndex(0)

        window.workspace.set_current_project(projects["City lights (vertical)"])
        wait(app, 1500, window.is_settled)
        player = window.preview.pop_out()
        player.resize(560, 860)
        window.preview.play()
        wait(app, 3000)
        window.preview.pause()
        wait(app, 300)
        save(player, "preview-9x16.png")
        window.preview.put_back()
        wait(app, 300)

        # The jobs list: project A renders again (at 720p, so nothing is reused), B's render
        # waits in the queue, and one of B's scenes is voiced again meanwhile.
        vertical = library.project(projects["City lights (vertical)"])
        window.editor.regenerate_voice(window.editor.cards()[0].scene_id)
        window.start_render()
        window.workspace.set_current_project(projects["City lights"])
        project = library.project(projects["City lights"])
        library.update_project(
            project, render_settings={**project.render_settings, "resolution": "720p"}
        )
        window.workspace.notify_project(project.id)
        wait(app, 300)
        window.start_render()
        window.jobs_panel.action.trigger()
        dialog = window.jobs_panel.dock
        dialog.move(230, 440)
        wait(app, 3500)
        app.primaryScreen().grabWindow(0).save(str(OUT / "jobs.png"))
        print("saved", OUT / "jobs.png", "(vertical:", vertical.name + ")")
        window.jobs.cancel()
        wait(app, 30_000, lambda: not window.jobs.busy)
        window.close()
        library.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
