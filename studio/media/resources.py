"""Files shipped beside the package (fonts, icons, the sample script), in a checkout or a bundle.

Resources live in the repository's ``resources/`` folder, next to the ``studio`` package; a
PyInstaller bundle puts the same folder at ``sys._MEIPASS/resources`` (list it in the spec's
``datas``). They are not inside the package, so ``importlib.resources`` cannot find them; this
module is the one place that knows both locations.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass
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
#: Where Debian's fonts-noto-core and fonts-noto-cjk put the Noto files (looked in after the
#: bundle's ``resources/fonts``, which holds copies of exactly these files: see studio.spec).
_NOTO_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))


@dataclass(frozen=True)
class FontFace:
    """One face of a font file: ``index`` picks it inside a collection (``.ttc``).

    Attributes:
        file: the font file's name in ``resources/fonts`` or the system's Noto folders.
        index: the face inside the file (the CJK collections hold JP, KR, SC, TC and HK).
        family: the family name fontconfig and libass match on.
        package: the Debian package that installs the file (named in the error if missing).
    """

    file: str
    index: int
    family: str
    package: str


def _noto(stem: str, family: str) -> tuple[FontFace, FontFace]:
    return (
        FontFace(f"{stem}-Regular.ttf", 0, family, "fonts-noto-core"),
        FontFace(f"{stem}-Bold.ttf", 0, family, "fonts-noto-core"),
    )


def _cjk(index: int, family: str) -> tuple[FontFace, FontFace]:
    return (
        FontFace("NotoSansCJK-Regular.ttc", index, family, "fonts-noto-cjk"),
        FontFace("NotoSansCJK-Bold.ttc", index, family, "fonts-noto-cjk"),
    )


#: Which face draws which script, (regular, bold): the one place that says so. "latin" also
#: draws Cyrillic and Greek (DejaVu Sans covers them); Han is drawn with the Japanese forms in
#: Japanese text and the Simplified Chinese forms otherwise (``studio.media.scripts``).
SCRIPT_FACES: dict[str, tuple[FontFace, FontFace]] = {
    "latin": (
        FontFace("DejaVuSans.ttf", 0, FONT_FAMILY, "fonts-dejavu-core"),
        FontFace("DejaVuSans-Bold.ttf", 0, FONT_FAMILY, "fonts-dejavu-core"),
    ),
    "devanagari": _noto("NotoSansDevanagari", "Noto Sans Devanagari"),
    "arabic": _noto("NotoSansArabic", "Noto Sans Arabic"),
    "hebrew": _noto("NotoSansHebrew", "Noto Sans Hebrew"),
    "japanese": _cjk(0, "Noto Sans CJK JP"),
    "korean": _cjk(1, "Noto Sans CJK KR"),
    "han": _cjk(2, "Noto Sans CJK SC"),
    "noto": _noto("NotoSans", "Noto Sans"),
}
#: The order faces are tried in for a character the script's own face lacks.
FALLBACK_ORDER = ("latin", "noto", "japanese", "han", "korean", "devanagari", "arabic", "hebrew")


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


@dataclass(frozen=True)
class FontFile:
    """A font face found on disk: the file and the face's index inside it."""

    path: Path
    index: int = 0


def font_key(script_or_language: str) -> str:
    """The ``SCRIPT_FACES`` key for a script ("arabic") or a language code ("ja", "pt-br")."""
    if script_or_language in SCRIPT_FACES:
        return script_or_language
    from studio.languages import find_language  # the table of languages names their script

    language = find_language(script_or_language)
    return language.script if language is not None else "latin"


def font_for(script_or_language: str, *, bold: bool = False) -> FontFile:
    """The face that draws ``script_or_language`` (a ``SCRIPT_FACES`` key or a language code).

    Looks in the bundle's ``resources/fonts`` first, then the system's Noto folders.

    Raises:
        MediaError: the face is in neither place (the fix names the package to install).
    """
    face = SCRIPT_FACES[font_key(script_or_language)][1 if bold else 0]
    path = _find_face_file(face.file)
    if path is None:
        raise MediaError(
            f"The font that draws {script_or_language} text is missing",
            where=face.file,
            fix=f"Install the {face.package} package (sudo apt install {face.package}) "
            "or reinstall Studio",
        )
    return FontFile(path, face.index)


def find_font(script_or_language: str, *, bold: bool = False) -> FontFile | None:
    """``font_for``, or None when the face isn't installed (for fallback chains)."""
    try:
        return font_for(script_or_language, bold=bold)
    except MediaError:
        return None


@functools.cache
def _find_face_file(name: str) -> Path | None:
    for folder in (resources_dir() / "fonts", _SYSTEM_FONT_DIR, *_NOTO_DIRS):
        if (folder / name).is_file():
            return folder / name
    return None


def fonts_dir() -> Path:
    """The folder holding Studio's fonts (given to libass so it needs no system fonts)."""
    return font_path().parent


@functools.cache
def fontconfig_file() -> Path:
    """A fontconfig file that knows only Studio's fonts, for the ffmpeg processes.

    libass asks fontconfig for fonts; pointing ``FONTCONFIG_FILE`` here keeps captions
    identical on every machine and spares a slow first scan of all system fonts (minutes on
    some Windows machines). The script faces (``SCRIPT_FACES``) found outside Studio's folder
    are linked into a folder of their own beside the file, so libass falls back to them for any
    glyph a caption font lacks (Japanese under Bebas Neue) without scanning all of Noto.
    """
    folder = fonts_dir()
    extra = _outside_faces(folder)
    key = "\n".join([str(folder), *(str(path) for path in extra)])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]
    conf_dir = Path(tempfile.gettempdir()) / f"studio-fontconfig-{digest}"
    conf_dir.mkdir(parents=True, exist_ok=True)
    dirs = [folder, *_linked(extra, conf_dir / "scripts")]
    conf = conf_dir / "fonts.conf"
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        + "".join(f"  <dir>{_xml(str(path))}</dir>\n" for path in dirs)
        + f"  <cachedir>{_xml(str(conf_dir / 'cache'))}</cachedir>\n"
        "</fontconfig>\n"
    )
    if not conf.is_file() or conf.read_text(encoding="utf-8") != text:
        atomic_write(conf, text, durable=False)  # a unique temporary: processes share it
    return conf


def _outside_faces(folder: Path) -> list[Path]:
    """The script faces' files that are installed but not in ``folder``, sorted."""
    found = {_find_face_file(face.file) for pair in SCRIPT_FACES.values() for face in pair}
    return sorted(path for path in found if path is not None and path.parent != folder)


def _linked(files: list[Path], folder: Path) -> list[Path]:
    """Folders that hold ``files`` for fontconfig: ``folder`` of links to them, or (where
    links can't be made) their own folders."""
    if not files:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    fallback: list[Path] = []
    for path in files:
        link = folder / path.name
        try:
            if not link.is_symlink() or os.readlink(link) != str(path):
                link.unlink(missing_ok=True)
                link.symlink_to(path)
        except OSError:
            fallback.append(path.parent)
    return [folder, *sorted(set(fallback))]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
