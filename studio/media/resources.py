"""Files shipped beside the package (fonts, icons, the sample script), in a checkout or a bundle.

Resources live in the repository's ``resources/`` folder, next to the ``studio`` package; a
PyInstaller bundle puts the same folder at ``sys._MEIPASS/resources`` (list it in the spec's
``datas``). They are not inside the package, so ``importlib.resources`` cannot find them; this
module is the one place that knows both locations.
"""

from __future__ import annotations

import functools
import hashlib
import sys
import tempfile
from pathlib import Path

from studio.errors import MediaError
from studio.savefile import atomic_write

FONT_REGULAR = "fonts/DejaVuSans.ttf"
FONT_BOLD = "fonts/DejaVuSans-Bold.ttf"
FONT_MONO = "fonts/DejaVuSansMono.ttf"
#: The family name inside the font files (what ASS styles and fontconfig match on).
FONT_FAMILY = "DejaVu Sans"
#: Debian's fonts-dejavu-core, used only if the shipped copies are missing.
_SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def resources_dir() -> Path:
    """The ``resources/`` folder: in the bundle when frozen, else beside the package."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parent.parent.parent / "resources"


def resource_path(name: str) -> Path:
    """The path of resource ``name`` (e.g. ``"fonts/DejaVuSans.ttf"``); it may not exist."""
    return resources_dir() / name


def font_path(*, bold: bool = False) -> Path:
    """The TTF of Studio's caption and slide font (DejaVu Sans), bold or regular.

    Raises:
        MediaError: neither the shipped copy nor the system's DejaVu font exists.
    """
    return _font(FONT_BOLD if bold else FONT_REGULAR)


def mono_font_path() -> Path:
    """The TTF of Studio's monospaced font (DejaVu Sans Mono), for code on scrolling pages.

    Raises:
        MediaError: neither the shipped copy nor the system's DejaVu font exists.
    """
    return _font(FONT_MONO)


def _font(name: str) -> Path:
    """The shipped font ``name``, else Debian's copy of the same file."""
    shipped = resource_path(name)
    if shipped.is_file():
        return shipped
    system = _SYSTEM_FONT_DIR / shipped.name
    if system.is_file():
        return system
    raise MediaError(
        "Studio's font is missing",
        where=str(shipped),
        fix="Reinstall Studio so its resources folder is complete",
    )


def fonts_dir() -> Path:
    """The folder holding Studio's fonts (given to libass so it needs no system fonts)."""
    return font_path().parent


@functools.cache
def fontconfig_file() -> Path:
    """A fontconfig file that knows only Studio's fonts, for the ffmpeg processes.

    libass asks fontconfig for fonts; pointing ``FONTCONFIG_FILE`` here keeps captions
    identical on every machine and spares a slow first scan of all system fonts (minutes on
    some Windows machines).
    """
    folder = fonts_dir()
    digest = hashlib.sha256(str(folder).encode("utf-8")).hexdigest()[:12]
    conf_dir = Path(tempfile.gettempdir()) / f"studio-fontconfig-{digest}"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conf = conf_dir / "fonts.conf"
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{_xml(str(folder))}</dir>\n"
        f"  <cachedir>{_xml(str(conf_dir / 'cache'))}</cachedir>\n"
        "</fontconfig>\n"
    )
    if not conf.is_file() or conf.read_text(encoding="utf-8") != text:
        atomic_write(conf, text, durable=False)  # a unique temporary: processes share it
    return conf


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
