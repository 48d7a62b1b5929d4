"""Hostile blends: shares that overflow or round away, names too long, a row damaged outside
Studio. Each is refused in one line with nothing saved, or (a damaged row) listed but never
spoken, without breaking the voice list of everything else."""

from __future__ import annotations

import pytest

from studio.errors import InputError
from studio.pipeline.voice_catalogue import catalogue
from studio.store import Library
from studio.store.models import Voice
from studio.voice_ids import blend_spec, normalise_parts


def test_huge_shares_are_scaled_not_overflowed() -> None:
    parts = normalise_parts([("af_heart", 1e308), ("bf_emma", 1e308)])
    assert [part.weight for part in parts] == [0.5, 0.5]
    assert blend_spec([("af_heart", 3e307), ("bf_emma", 1e307)]) == "af_heart*0.75+bf_emma*0.25"


def test_a_share_that_rounds_to_nothing_is_refused(library: Library) -> None:
    with pytest.raises(InputError, match="too small to hear"):
        library.save_blend("Faint", [("af_heart", 10_000), ("bf_emma", 1)])
    assert library.blends() == []


def test_a_blend_name_too_long_is_refused(library: Library) -> None:
    with pytest.raises(InputError, match="at most 60 characters"):
        library.save_blend("n" * 5000, [("af_heart", 1), ("bf_emma", 1)])
    assert library.blends() == []


def test_a_damaged_blend_row_is_listed_unusable_and_the_rest_still_list(
    library: Library,
) -> None:
    library.save_blend("Good", [("af_heart", 1), ("bf_emma", 1)])
    bad = library.save_blend("Bad", [("af_heart", 1), ("bf_emma", 1)])
    Voice.update(components=[{"voice": "af_heart", "weight": 0.0}]).where(
        Voice.id == bad.id
    ).execute()  # as another program could leave it
    entries = {entry.id: entry for entry in catalogue(library)}
    assert entries["blend:bad"].usable is False
    assert "blend:good" in entries
    assert any(entry.kind == "draft" for entry in entries.values())
