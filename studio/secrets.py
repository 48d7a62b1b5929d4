"""Where the creator's Groq API key lives: the environment, else the OS keyring.

The key is never written to the project store or to settings files. Nothing here
logs, prints or puts the key in an exception message; ``mask`` is the only way a
key should ever be shown.
"""

from __future__ import annotations

import logging
import os
from types import ModuleType

from studio.errors import InputError, StudioError

log = logging.getLogger(__name__)

#: Environment variable that overrides the keyring (handy for CI and power users).
GROQ_KEY_ENV = "GROQ_API_KEY"
KEYRING_SERVICE = "studio"
KEYRING_GROQ_USER = "groq_api_key"

_NO_KEYRING_FIX = (
    f"Set the {GROQ_KEY_ENV} environment variable instead, or install a keyring service "
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


def get_groq_key() -> str | None:
    """The Groq API key: ``GROQ_API_KEY`` if set, else the OS keyring, else None.

    Any keyring failure (no backend on a headless machine, a locked or broken
    keyring) counts as "no key": the creator is then asked for one.
    """
    from_env = os.environ.get(GROQ_KEY_ENV, "").strip()
    if from_env:
        return from_env
    try:
        stored = _keyring().get_password(KEYRING_SERVICE, KEYRING_GROQ_USER)
    except Exception as exc:  # every backend raises its own types
        log.debug("No Groq key from the keyring (%s: %s)", type(exc).__name__, exc)
        return None
    if not stored or not stored.strip():
        return None
    return stored.strip()


def set_groq_key(key: str) -> None:
    """Store ``key`` in the OS keyring so it survives restarts.

    Raises:
        InputError: the key is empty.
        StudioError: no keyring is available or it refused the key.
    """
    key = key.strip()
    if not key:
        raise InputError("The Groq API key is empty", fix="Paste the key from console.groq.com")
    keyring = _keyring()
    try:
        keyring.set_password(KEYRING_SERVICE, KEYRING_GROQ_USER, key)
        kept = keyring.get_password(KEYRING_SERVICE, KEYRING_GROQ_USER) == key
    except Exception as exc:  # every backend raises its own types
        raise StudioError(
            f"The system keyring could not save the Groq API key ({type(exc).__name__})",
            where=f"keyring backend {_backend_name()}",
            fix=_NO_KEYRING_FIX,
        ) from None
    if not kept:  # e.g. the "null" backend accepts everything and keeps nothing
        raise StudioError(
            "The system keyring did not keep the Groq API key",
            where=f"keyring backend {_backend_name()}",
            fix=_NO_KEYRING_FIX,
        )
    log.info("Saved the Groq API key %s to the system keyring", mask(key))


def delete_groq_key() -> None:
    """Remove the stored key from the OS keyring; nothing happens if none is stored.

    Raises:
        StudioError: no keyring is available or it refused to delete the key.
    """
    keyring = _keyring()
    try:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_GROQ_USER)
    except keyring.errors.PasswordDeleteError:
        log.debug("No Groq key in the keyring to delete")
    except Exception as exc:  # every backend raises its own types
        raise StudioError(
            f"The system keyring could not delete the Groq API key ({type(exc).__name__})",
            where=f"keyring backend {_backend_name()}",
            fix=_NO_KEYRING_FIX,
        ) from None
    else:
        log.info("Deleted the Groq API key from the system keyring")


def mask(key: str | None) -> str:
    """``key`` safe to show: its ``gsk_`` prefix and last four characters ("gsk_…abcd").

    Short keys show no tail, so a mistyped fragment is never echoed whole.
    """
    if not key:
        return ""
    prefix = "gsk_" if key.startswith("gsk_") else ""
    tail = key[-4:] if len(key) >= 12 else ""
    return f"{prefix}…{tail}"
