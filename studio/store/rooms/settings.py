"""The settings room: the library's own key/value settings."""

from __future__ import annotations

from typing import Any

from studio.store import settings as settings_rules
from studio.store.models import Setting
from studio.store.rooms.base import Room


class SettingsRoom(Room):
    """The ``settings`` table (values are JSON)."""

    def get_setting(self, key: str, default: Any = None) -> Any:
        """The setting ``key``, or ``default`` when it is unset or not of its declared kind.

        A stored value another program wrote (a number for a folder, damaged JSON) is never
        handed on: ``studio.store.settings`` logs one warning and the default is used.
        """
        with self._db.errors():
            row = Setting.get_or_none(Setting.key == key)
        return default if row is None else settings_rules.checked(key, row.value, default)

    def set_setting(self, key: str, value: Any) -> None:
        with self._db.transaction():
            Setting.insert(key=key, value=value).on_conflict_replace().execute()
