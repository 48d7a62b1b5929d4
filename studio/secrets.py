"""Where the creator's API keys live (Groq, the stock libraries): the environment, else the OS
keyring.

Keys are never written to the project store or to settings files. Nothing here logs, prints or
puts a key in an exception message; ``mask`` is the only way a key should ever be shown.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from types import ModuleType

from studio.errors import InputError, StudioError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyService:
    """A service whose API key Studio keeps.

    Attributes:
        name: its id ("groq", "pexels"). label: what the creator reads ("Pexels").
        env: the environment variable that overrides the keyring.
        keyring_user: the entry's name in the keyring (service ``studio``).
        where_to_get: where a (free) key is found, for messages.
    """

    name: str
    label: str
    env: str
    keyring_user: str
    where_to_get: str


SERVICES: dict[str, KeyService] = {
    service.name: service
    for service in (
        KeyService("groq", "Groq", "GROQ_API_KEY", "groq_api_key", "console.groq.com"),
        KeyService("pexels", "Pexels", "PEXELS_API_KEY", "pexels_api_key", "www.pexels.com/api"),
        KeyService(
            "pixabay", "Pixabay", "PIXABAY_API_KEY", "pixabay_api_key", "pixabay.com/api/docs"
        ),
        KeyService("dvids", "DVIDS", "DVIDS_API_KEY", "dvids_api_key", "api.dvidshub.net"),
    )
}

#: Environment variable that overrides the keyring (handy for CI and power users).
GROQ_KEY_ENV = SERVICES["groq"].env
KEYRING_SERVICE = "studio"
KEYRING_GROQ_USER = SERVICES["groq"].keyring_user


def key_service(service: str) -> KeyService:
    """The ``KeyService`` named ``service`` (InputError naming the known ones otherwise)."""
    try:
        return SERVICES[service]
    except KeyError:
        raise InputError(
            f"Studio keeps no API key for {service!r}", fix=f"Use one of: {', '.join(SERVICES)}"
        ) from None


def _no_keyring_fix(service: KeyService) -> str:
    return (
        f"Set the {service.env} environment variable instead, or install a keyring service "
        "(on Linux, GNOME Keyring or KWallet)"
    )


def _keyring() -> ModuleType:
    """The ``keyring`` module, imported late: it scans backends, which can be slow."""
    import keyring

    return keyring


def _backend_name() -> str:
    """The keyring backend in use, for error messages ("unknown" if even that fails)."""
    try:
        return type(_keyring().get_keyring()).__module__
    except Exception:  # only for a message
        return "unknown"


def get_key(service: str) -> str | None:
    """``service``'s API key: its environment variable if set, else the OS keyring, else None.

    Any keyring failure (no backend on a headless machine, a locked or broken keyring) counts as
    "no key": the creator is then asked for one.
    """
    known = key_service(service)
    from_env = os.environ.get(known.env, "").strip()
    if from_env:
        return from_env
    try:
        stored = _keyring().get_password(KEYRING_SERVICE, known.keyring_user)
    except Exception as exc:  # every backend raises its own types
        log.debug("No %s key from the keyring (%s: %s)", known.label, type(exc).__name__, exc)
        return None
    if not stored or not stored.strip():
        return None
    return stored.strip()


def key_from_environment(service: str) -> bool:
    """Whether ``service``'s key comes from its environment variable (the keyring is unused)."""
    return bool(os.environ.get(key_service(service).env, "").strip())


def set_key(service: str, key: str) -> None:
    """Store ``service``'s ``key`` in the OS keyring so it survives restarts.

    Raises:
        InputError: the key is empty, or ``service`` is unknown.
        StudioError: no keyring is available or it refused the key.
    """
    known = key_service(service)
    key = key.strip()
    if not key:
        raise InputError(
            f"The {known.label} API key is empty", fix=f"Paste the key from {known.where_to_get}"
        )
    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, known.keyring_user, key)
        kept = keyring.get_password(KEYRING_SERVICE, known.keyring_user) == key
    except Exception as exc:  # every backend raises its own types
        raise StudioError(
            f"The system keyring could not save the {known.label} API key ({type(exc).__name__})",
            where=f"keyring backend {_backend_name()}",
            fix=_no_keyring_fix(known),
        ) from None
    if not kept:  # e.g. the "null" backend accepts everything and keeps nothing
        raise StudioError(
            f"The system keyring did not keep the {known.label} API key",
            where=f"keyring backend {_backend_name()}",
            fix=_no_keyring_fix(known),
        )
    log.info("Saved the %s API key %s to the system keyring", known.label, mask(key))


def delete_key(service: str) -> None:
    """Remove ``service``'s stored key from the OS keyring; nothing happens if none is stored.

    Raises:
        StudioError: no keyring is available or it refused to delete the key.
    """
    known = key_service(service)
    keyring = _keyring()
    try:
        keyring.delete_password(KEYRING_SERVICE, known.keyring_user)
    except keyring.errors.PasswordDeleteError:
        log.debug("No %s key in the keyring to delete", known.label)
    except Exception as exc:  # every backend raises its own types
        raise StudioError(
            f"The system keyring could not delete the {known.label} API key ({type(exc).__name__})",
            where=f"keyring backend {_backend_name()}",
            fix=_no_keyring_fix(known),
        ) from None
    else:
        log.info("Deleted the %s API key from the system keyring", known.label)


def get_groq_key() -> str | None:
    """The Groq API key (``get_key("groq")``)."""
    return get_key("groq")


def set_groq_key(key: str) -> None:
    """Store the Groq API key (``set_key("groq", key)``)."""
    set_key("groq", key)


def delete_groq_key() -> None:
    """Remove the stored Groq API key (``delete_key("groq")``)."""
    delete_key("groq")


def mask(key: str | None) -> str:
    """``key`` safe to show: its ``gsk_`` prefix and last four characters ("gsk_…abcd").

    Short keys show no tail, so a mistyped fragment is never echoed whole.
    """
    if not key:
        return ""
    prefix = "gsk_" if key.startswith("gsk_") else ""
    tail = key[-4:] if len(key) >= 12 else ""
    return f"{prefix}…{tail}"
