"""The longest GUI-thread stall while a render of project A and a voicing job of project B run
together in the real window (docs/benchmarks.md; the bar is 50 ms).

A 10 ms timer ticks on the GUI thread; the longest gap between ticks, minus the 10 ms, is the
stall. A is a 6-scene 720p project rendered from scratch; B's scenes are voiced again (forced)
one after another while A renders.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/jobs_stall_bench.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402

from studio.gui.app import create_application  # noqa: E402
from studio.gui.main_window import MainWindow  # noqa: E402
from studio.store import Library  # noqa: E402
from tests.factories import make_project  # noqa: E402

SCENES = [f"Scene {n}: bees carry nectar home and the hive turns it into honey." for n in range(6)]


def one_run(app: object, tmp: Path) -> tuple[int, float]:
    """(longest stall in ms, seconds until both jobs ended)."""
    library = Library.open(tmp / "home")
    a = make_project(library, "Apples", SCENES)
    b = make_project(library, "Bees", SCENES)
    window = MainWindow(library, QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    window.resize(1366, 768)
    window.show()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    started = time.perf_counter()
    window.workspace.set_current_project(a.id)
    assert window.start_render()
    window.workspace.set_current_project(b.id)
    scenes = [s.id for s in library.scenes(b)]

    def voice_next() -> None:
        if scenes and window.jobs.job_for(b.id) is None:
            window.editor.regenerate_voice(scenes.pop(0))

    voicer = QTimer()
    voicer.timeout.connect(voice_next)
    voicer.start(50)
    while window.jobs.busy or scenes:
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.001)
    took = time.perf_counter() - started
    timer.stop()
    voicer.stop()
    window.close()
    window.deleteLater()
    for _ in range(50):  # the window's own timers end before its library closes
        app.processEvents()  # type: ignore[attr-defined]
    library.close()
    return max(0, round((max(gaps[5:]) - 0.010) * 1000)), took


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = create_application()
    results = []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(one_run(app, Path(tmp)))
            print(f"run {n + 1}: longest GUI stall {results[-1][0]} ms over {results[-1][1]:.1f} s")
    stalls = [s for s, _ in results]
    print(f"render of A + voicing of B: longest GUI-thread stall median "
          f"{statistics.median(stalls)} ms, max {max(stalls)} ms (n={len(stalls)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
