"""The render cache of one project (its ``segments/`` folder): every file's name, and pruning.

A render keeps what it made in one folder so the next render reuses it; everything there is
named by its content, so a changed input makes a new file instead of changing an old one:

==================================  ===============================================================
``<key>.mp4``                       a scene's segment (``segments.segment_key``, or
                                    ``transitions.body_key`` when transitions cut its ends)
``handle-<key>.mp4``                a segment's cut-off start or end (``transitions.handle_key``)
``transition-<key>.mp4``            a transition piece (``transitions.transition_key``)
``captions-<digest>.ass``           a scene's captions (the hash of the ASS text)
``frame-<segment>-<ms>.jpg``        a thumbnail frame read from a segment, ``ms`` into it
``soundtrack-<key>.m4a``            the finished sound (``soundtrack.soundtrack_key``)
``soundtrack-<key>.chunks``         the list of AAC chunks that sound was spliced from
``aac-<key>.aac``                   a chunk of AAC, named by the hash of its samples (``aac``)
``<drawing>-<digest>.png``          overlays and backdrops a template draws (chat, scroll)
``background-<hex>-<W>x<H>.png``    a colour backdrop card (``#rrggbb`` at the render's size)
==================================  ===============================================================

``SegmentCache`` is the one place that knows these names: the writers ask it where to write
(through ``savefile``/``atomic_output``, so a name only ever holds a whole file), and the render
asks it to ``prune`` what the latest render no longer uses; a kept segment keeps its frames, a
kept soundtrack its chunk list and chunks. No Qt, no store: a folder and the naming rules.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path

from studio.savefile import atomic_write

log = logging.getLogger(__name__)

#: What a file in the cache may end with; ``prune`` removes only such files (and their
#: temporaries), never anything else someone put in the folder.
CACHE_SUFFIXES = (".mp4", ".ass", ".m4a", ".aac", ".chunks", ".png", ".jpg")
_FRAME_PREFIX = "frame-"


class SegmentCache:
    """Names, writes and prunes the files of a render cache folder.

    Attributes:
        folder: the cache folder (a project's ``segments/``); made on first use.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def ensure(self) -> SegmentCache:
        """Make the folder if it is missing; return the cache."""
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    # --- Names -------------------------------------------------------------------------------

    def segment(self, key: str) -> Path:
        """A scene's segment, named by ``segments.segment_key``."""
        return self.folder / f"{key}.mp4"

    def handle(self, key: str) -> Path:
        """A segment's start or end kept for a transition, named by ``handle_key``."""
        return self.folder / f"handle-{key}.mp4"

    def transition(self, key: str) -> Path:
        """A transition piece between two segments, named by ``transition_key``."""
        return self.folder / f"transition-{key}.mp4"

    def frame(self, segment: Path, seconds: float) -> Path:
        """The cached thumbnail frame of ``segment`` at ``seconds`` into it."""
        return self.folder / f"{_FRAME_PREFIX}{Path(segment).stem}-{round(seconds * 1000)}.jpg"

    def soundtrack(self, key: str) -> Path:
        """The finished sound, named by ``soundtrack.soundtrack_key``."""
        return self.folder / f"soundtrack-{key}.m4a"

    def chunk(self, key: str) -> Path:
        """A cached chunk of AAC, named by the hash of its samples."""
        return self.folder / f"aac-{key}.aac"

    def drawing(self, prefix: str, *parts: object) -> Path:
        """A picture a template draws (an overlay, a backdrop), named by what shapes it."""
        digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
        return self.folder / f"{prefix}-{digest}.png"

    def colour_card(self, colour: str, size: tuple[int, int]) -> Path:
        """The full-frame card of ``colour`` (``#RRGGBB``) at ``size`` a backdrop template draws."""
        return self.folder / f"background-{colour.lstrip('#').lower()}-{size[0]}x{size[1]}.png"

    @staticmethod
    def chunk_list(soundtrack: Path) -> Path:
        """The file beside ``soundtrack`` listing the chunks it was spliced from."""
        return Path(soundtrack).with_suffix(".chunks")

    # --- Writes ------------------------------------------------------------------------------

    def captions(self, ass_text: str) -> Path:
        """The captions file holding ``ass_text``, written once (later calls reuse it)."""
        digest = hashlib.sha256(ass_text.encode()).hexdigest()[:16]
        path = self.folder / f"captions-{digest}.ass"
        if not path.is_file():
            self.ensure()
            atomic_write(path, ass_text, durable=False)
        return path

    @classmethod
    def write_chunk_list(cls, soundtrack: Path, chunks: Iterable[Path]) -> Path:
        """Record beside ``soundtrack`` the chunks it was spliced from (for ``prune``)."""
        names = [Path(chunk).name for chunk in chunks]
        return atomic_write(cls.chunk_list(soundtrack), json.dumps(names), durable=False)

    @classmethod
    def chunks_of(cls, soundtrack: Path) -> list[str]:
        """The names of the chunk files ``soundtrack`` was spliced from (none if unknown)."""
        try:
            names = json.loads(cls.chunk_list(soundtrack).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(names, list):
            return []
        return [name for name in names if isinstance(name, str)]

    # --- Pruning -----------------------------------------------------------------------------

    def kept_names(self, keep: Iterable[Path]) -> set[str]:
        """The names ``prune(keep)`` leaves: ``keep`` in this folder, the frames of its
        segments, and the chunk lists and chunks of its soundtracks."""
        names = {Path(p).name for p in keep if Path(p).parent == self.folder}
        for name in list(names):
            if name.endswith(".m4a"):
                soundtrack = self.folder / name
                names.add(self.chunk_list(soundtrack).name)
                names.update(self.chunks_of(soundtrack))
        return names

    def prune(self, keep: Iterable[Path]) -> int:
        """Remove the cache's files that are not kept (see ``kept_names``); return how many.

        Files of other kinds (and sub-folders) are left alone. A file that can't be removed is
        logged and skipped: a stale cache entry is harmless.
        """
        kept = self.kept_names(keep)
        segments = {name.removesuffix(".mp4") for name in kept if name.endswith(".mp4")}
        removed = 0
        try:
            entries = list(self.folder.iterdir())
        except FileNotFoundError:
            return 0
        for path in entries:
            name = path.name
            if name in kept or _frame_of(name) in segments:
                continue
            if path.suffix not in CACHE_SUFFIXES or not path.is_file():
                continue
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.info("could not remove the unused cache file %s: %s", path, exc)
                continue
            removed += 1
        return removed


def _frame_of(name: str) -> str | None:
    """The segment stem a cached frame's ``name`` belongs to; None if it is no frame."""
    if not (name.startswith(_FRAME_PREFIX) and name.endswith(".jpg")):
        return None
    return name[len(_FRAME_PREFIX) :].rsplit("-", 1)[0]


__all__ = ["CACHE_SUFFIXES", "SegmentCache"]
