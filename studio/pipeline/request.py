"""What a pipeline run needs from outside the project, resolved once at the edge.

The CLI (from its arguments) and the GUI (from the window's state) build a ``RunRequest`` and
hand it to the pipeline: the Groq key (read from the keyring or the environment by the edge,
never by a stage), the model and address to ask, the media folders to index and Kokoro's
weights folder. Stages take what they need from it and read neither the keyring, the command
line nor the library's settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from studio.encoder_kinds import check_encoder
from studio.store import Library
from studio.store.settings_registry import (
    CLUSTER_ADDRESS,
    ENCODER,
    GROQ_BASE_URL,
    GROQ_MODEL,
    KOKORO_DIR,
    MEDIA_FOLDERS,
    STOCK_LIBRARIES,
)
from studio.store.usage import DEFAULT_GROQ_MODEL


@dataclass(frozen=True)
class RunRequest:
    """The outside inputs of one run.

    Attributes:
        groq_key: the Groq API key, or None when the creator has none (AI steps then refuse,
            or fall back where they can).
        groq_model: the Groq model to ask.
        groq_base_url: another address for Groq's API, or None for Groq's own.
        media_folders: folders of the creator's pictures and clips to suggest from, in order.
        kokoro_dir: the folder with Kokoro's weights, or None to search the usual places.
        stock: the stock libraries (``studio.stock.registry`` names) whose footage fills scenes
            with no visual, in order; empty: none.
        encoder: the H.264 encoder asked for (``studio.encoder_kinds``: "auto" probes this
            machine's; the render resolves it, and falls back to x264 if it fails).
        cluster: a Dask scheduler's address whose workers voice scenes and encode segments,
            or None for this computer alone (``studio.cluster``).
    """

    groq_key: str | None = None
    groq_model: str = DEFAULT_GROQ_MODEL
    groq_base_url: str | None = None
    media_folders: tuple[Path, ...] = ()
    kokoro_dir: Path | None = None
    stock: tuple[str, ...] = ()
    encoder: str = "auto"
    cluster: str | None = None

    @classmethod
    def from_library(
        cls,
        library: Library,
        *,
        groq_key: str | None,
        groq_model: str | None = None,
        media_folders: Iterable[Path | str] = (),
        stock: Iterable[str] | None = None,
        encoder: str | None = None,
        cluster: str | None = None,
    ) -> RunRequest:
        """The library's settings, with the edge's key, model choice and extra media folders;
        ``stock`` (None: the library's setting) names the stock libraries to fill scenes from;
        ``encoder`` and ``cluster`` (None: the library's settings) override those settings."""
        libraries: list[str] = library.get_setting(STOCK_LIBRARIES)
        folders: list[Path] = []
        for folder in [*library.get_setting(MEDIA_FOLDERS), *media_folders]:
            if Path(folder) not in folders:
                folders.append(Path(folder))
        return cls(
            groq_key=(groq_key or "").strip() or None,
            groq_model=groq_model or library.get_setting(GROQ_MODEL),
            groq_base_url=library.get_setting(GROQ_BASE_URL),
            media_folders=tuple(folders),
            kokoro_dir=Path(weights) if (weights := library.get_setting(KOKORO_DIR)) else None,
            stock=tuple(libraries if stock is None else stock),
            encoder=check_encoder(encoder if encoder is not None else library.get_setting(ENCODER)),
            cluster=(cluster if cluster is not None else library.get_setting(CLUSTER_ADDRESS))
            or None,
        )


__all__ = ["RunRequest"]
