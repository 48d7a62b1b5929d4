"""Fixtures for the engine tests: Kokoro's files with a randomly initialised model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engines.test_engines import write_kokoro_files


@pytest.fixture(scope="module")
def kokoro_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """config.json, a random-weights model and voice packs, made once per module."""
    return write_kokoro_files(tmp_path_factory.mktemp("kokoro"))
