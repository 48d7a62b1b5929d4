"""The stock libraries by name: which exist, which can be used now, and building one.

A library's key comes from ``studio.secrets.get_key(name)`` (its environment variable, else the
keyring) and its base URL from its ``STUDIO_<NAME>_URL`` environment variable, else the real
service. Callers ask here and never construct providers themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.errors import InputError
from studio.progress import CancelToken
from studio.secrets import get_key
from studio.stock.providers.common import Provider
from studio.stock.providers.dvids import DvidsProvider
from studio.stock.providers.nasa import NasaProvider
from studio.stock.providers.openverse import OpenverseProvider
from studio.stock.providers.pexels import PexelsProvider
from studio.stock.providers.pixabay import PixabayProvider

_PROVIDERS: dict[str, type[Provider]] = {
    cls.name: cls
    for cls in (PexelsProvider, PixabayProvider, DvidsProvider, OpenverseProvider, NasaProvider)
}
#: Every library's id, in the order they are offered.
PROVIDER_NAMES: tuple[str, ...] = tuple(_PROVIDERS)


@dataclass(frozen=True)
class ProviderStatus:
    """What Settings, the setup checklist and the picker show about a library.

    Attributes:
        name: its id. label: its name for people. kinds: "image" and/or "video".
        needs_key: searching needs an API key. has_key: one is set (environment or keyring).
    """

    name: str
    label: str
    kinds: tuple[str, ...]
    needs_key: bool
    has_key: bool

    @property
    def usable(self) -> bool:
        """It can be searched now (it needs no key, or has one)."""
        return self.has_key or not self.needs_key


def provider_class(name: str) -> type[Provider]:
    """The class of the library ``name`` (InputError listing the known ones otherwise)."""
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise InputError(
            f"Studio knows no stock library called {name!r}",
            fix=f"Use one of: {', '.join(PROVIDER_NAMES)}",
        ) from None


def get_provider(name: str, *, key: str | None = None) -> Provider:
    """The library ``name``, with its saved key (or ``key``, e.g. one typed but not yet saved)
    and its base URL."""
    cls = provider_class(name)
    return cls(key=(key or get_key(name)) if cls.needs_key else None)


def provider_status() -> list[ProviderStatus]:
    """Every library, in ``PROVIDER_NAMES`` order, with whether it can be searched now."""
    return [
        ProviderStatus(
            cls.name,
            cls.label,
            cls.kinds,
            cls.needs_key,
            cls.needs_key and get_key(cls.name) is not None,
        )
        for cls in _PROVIDERS.values()
    ]


def check_key(name: str, key: str, cancel: CancelToken | None = None) -> None:
    """Ask the library ``name`` once whether it accepts ``key`` (StockError if not)."""
    get_provider(name, key=key).check_key(cancel)
