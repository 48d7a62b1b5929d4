"""Render Studio's app icon (resources/icons/studio.svg) to the files installers need.

Writes into packaging/icons/:

* ``studio-<N>.png`` for N in 16..512: the Linux desktop icon sizes (hicolor theme);
* ``studio.ico`` (16..256, Windows: the .exe icon in studio.spec);
* ``studio.icns`` (16..512, macOS: the .app icon in studio.spec).

The SVG is the single source: Qt's SVG renderer (the one the app itself uses) draws each size,
Pillow writes the .ico and .icns. Run it again after changing the SVG, and commit the output::

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "studio.svg"
OUT = ROOT / "packaging" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render_png(svg: Path, size: int) -> bytes:
    """The SVG drawn on a transparent ``size`` x ``size`` square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: cannot read {svg} as SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtGui import QGuiApplication

    if not SOURCE.is_file():
        print(f"make_icons: {SOURCE} is missing", file=sys.stderr)
        return 1
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - kept alive
    OUT.mkdir(parents=True, exist_ok=True)
    images: dict[int, Image.Image] = {}
    for size in SIZES:
        png = render_png(SOURCE, size)
        (OUT / f"studio-{size}.png").write_bytes(png)
        images[size] = Image.open(io.BytesIO(png)).convert("RGBA")
    largest = images[max(ICO_SIZES)]
    largest.save(OUT / "studio.ico", sizes=[(s, s) for s in ICO_SIZES],
                 append_images=[images[s] for s in ICO_SIZES])  # fmt: skip
    images[512].save(OUT / "studio.icns", append_images=[images[s] for s in SIZES if s != 512])
    print(f"make_icons: wrote {len(SIZES)} PNGs, studio.ico and studio.icns to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
