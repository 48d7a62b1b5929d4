"""The settings room: the library's own key/value settings, typed by their declarations."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from studio.store import settings_registry
from studio.store.models import Setting
from studio.store.rooms.base import Room

T = TypeVar("T")


class SettingsRoom(Room):
    """The ``settings`` table (values are JSON), read and written through
    ``studio.store.settings_registry``."""

    def get_setting(self, key: str | settings_registry.SettingSpec[T]) -> T:
        """A declared setting's typed value (its default if unset or stored invalid: a value
        another program wrote is never handed on; one warning is logged)."""
        spec = settings_registry.spec_of(key)
        with self._db.errors():
            row = Setting.get_or_none(Setting.key == spec.key)
        return cast(T, settings_registry.read(spec, None if row is None else row.value))

    def set_setting(self, key: str | settings_registry.SettingSpec[T], value: T | None) -> None:
        """Store a declared setting (None unsets it); a value it refuses raises InputError.
        An unchanged value writes nothing."""
        spec = settings_registry.spec_of(key)
        stored: Any = settings_registry.to_store(spec, value)
        with self._db.errors():
            row = Setting.get_or_none(Setting.key == spec.key)
        if row is not None and row.value == stored:
            return
        with self._db.transaction():
            Setting.insert(key=spec.key, value=stored).on_conflict_replace().execute()
