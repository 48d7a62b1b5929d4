"""The settings registry: each setting declared once, read tolerantly, written checked."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.errors import InputError
from studio.store import Library
from studio.store import settings_registry as registry
from studio.store.usage import DEFAULT_GROQ_MODEL, GROQ_MODELS, GROQ_PRICES

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


def _store_raw(library: Library, key: str, value_json: str) -> None:
    """Write a settings row behind Studio's back (an old version, a hand edit)."""
    conn = sqlite3.connect(library.home.db_path)
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value_json)
        )
    conn.close()


def test_every_setting_is_declared_once_with_a_description() -> None:
    keys = [spec.key for spec in registry.REGISTRY.values()]
    assert len(keys) == len(set(keys)) == 8
    assert all(
        spec.description.endswith(")") or spec.description.endswith(".")
        for spec in registry.REGISTRY.values()
    )
    with pytest.raises(KeyError, match="not a declared setting"):
        registry.spec_of("groq_modle")


def test_the_groq_model_list_is_the_price_table() -> None:
    assert tuple(GROQ_PRICES) == GROQ_MODELS
    assert registry.GROQ_MODEL.default == DEFAULT_GROQ_MODEL == GROQ_MODELS[0]


def test_unset_settings_read_as_their_defaults(library: Library) -> None:
    assert library.get_setting(registry.GROQ_MODEL) == DEFAULT_GROQ_MODEL
    assert library.get_setting(registry.MEDIA_FOLDERS) == []
    library.get_setting(registry.MEDIA_FOLDERS).append("/not/kept")  # a copy, not the default
    assert library.get_setting(registry.MEDIA_FOLDERS) == []
    for spec in (registry.GROQ_BASE_URL, registry.KOKORO_DIR, registry.DEFAULT_VOICE):
        assert library.get_setting(spec) is None
    assert library.get_setting(registry.STOCK_LIBRARIES) == []


def test_stock_libraries_are_names_kept_in_order_once(library: Library) -> None:
    library.set_setting(registry.STOCK_LIBRARIES, [" Pexels", "openverse", "pexels"])
    assert library.get_setting(registry.STOCK_LIBRARIES) == ["pexels", "openverse"]
    with pytest.raises(InputError, match="stock_libraries"):
        library.set_setting(registry.STOCK_LIBRARIES, ["pexels; rm -rf"])
    assert library.get_setting(registry.STOCK_LIBRARIES) == ["pexels", "openverse"]


def test_a_garbage_stored_value_reads_as_the_default_with_one_warning(
    library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    _store_raw(library, "media_folders", '{"not": "a list"}')
    _store_raw(library, "groq_model", "42")
    with caplog.at_level(logging.WARNING, logger="studio.store.settings_registry"):
        assert library.get_setting(registry.MEDIA_FOLDERS) == []
        assert library.get_setting(registry.GROQ_MODEL) == DEFAULT_GROQ_MODEL
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "Ignoring the stored setting media_folders",
        "Ignoring the stored setting groq_model",
    ]


def test_a_bad_value_is_refused_and_the_saved_one_kept(library: Library) -> None:
    library.set_setting(registry.MEDIA_FOLDERS, ["/a"])
    with pytest.raises(InputError, match="media_folders"):
        library.set_setting(registry.MEDIA_FOLDERS, "/not/a/list")  # type: ignore[misc]
    with pytest.raises(InputError, match="groq_model"):
        library.set_setting(registry.GROQ_MODEL, "   ")
    assert library.get_setting(registry.MEDIA_FOLDERS) == ["/a"]
    assert library.get_setting(registry.GROQ_MODEL) == DEFAULT_GROQ_MODEL


def test_values_are_normalised_and_none_unsets(library: Library) -> None:
    library.set_setting(registry.MEDIA_FOLDERS, ["/a", " /b ", "/a"])
    assert library.get_setting(registry.MEDIA_FOLDERS) == ["/a", "/b"]
    library.set_setting(registry.KOKORO_DIR, "/voices")
    library.set_setting(registry.KOKORO_DIR, None)
    assert library.get_setting(registry.KOKORO_DIR) is None


@settings(max_examples=60, deadline=None)
@given(raw=JSON)
def test_any_stored_json_reads_as_a_value_of_the_declared_type(raw: Any) -> None:
    """Whatever a row holds, every reader gets its declared type (never a crash)."""
    for spec in registry.REGISTRY.values():
        value = registry.read(spec, raw)
        if spec is registry.MEDIA_FOLDERS:
            assert isinstance(value, list) and all(isinstance(f, str) and f for f in value)
        elif spec is registry.STOCK_LIBRARIES:
            assert isinstance(value, list) and all(n == n.strip().lower() and n for n in value)
        elif spec is registry.GROQ_MODEL:
            assert isinstance(value, str) and value.strip()
        else:
            assert value is None or (isinstance(value, str) and value.strip())


def test_the_encoder_setting_takes_only_known_encoders(library: Library) -> None:
    assert library.get_setting(registry.ENCODER) == "auto"
    library.set_setting(registry.ENCODER, " NVENC ")
    assert library.get_setting(registry.ENCODER) == "nvenc"
    with pytest.raises(InputError, match="encoder"):
        library.set_setting(registry.ENCODER, "h264_magic")
    assert library.get_setting(registry.ENCODER) == "nvenc"  # nothing saved
    assert library.get_setting(registry.CLUSTER_ADDRESS) is None
