"""The render cache's one owner: names, writes and pruning of a project's ``segments/``."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from studio.errors import InputError
from studio.media.segment_cache import SegmentCache
from studio.savefile import atomic_path, atomic_write, output_path


def _touch(path: Path, text: str = "x") -> Path:
    path.write_text(text)
    return path


def test_prune_keeps_what_the_render_uses_with_its_frames_and_chunks(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "segments").ensure()
    kept_segment = _touch(cache.segment("a" * 32))
    old_segment = _touch(cache.segment("b" * 32))
    kept_frame = _touch(cache.frame(kept_segment, 1.5))
    old_frame = _touch(cache.frame(old_segment, 1.5))
    soundtrack = _touch(cache.soundtrack("c" * 32))
    used_chunk, unused_chunk = _touch(cache.chunk("d" * 32)), _touch(cache.chunk("e" * 32))
    SegmentCache.write_chunk_list(soundtrack, [used_chunk])
    old_soundtrack = _touch(cache.soundtrack("f" * 32))
    captions = cache.captions("[Script Info]\n")
    old_captions = cache.captions("[Script Info]\nTitle: old\n")
    overlay = _touch(cache.drawing("chat", "hello"))
    old_overlay = _touch(cache.drawing("chat", "bye"))
    stranger = _touch(cache.folder / "notes.txt")
    elsewhere = _touch(tmp_path / "picture.png")

    removed = cache.prune(keep=[kept_segment, soundtrack, captions, overlay, elsewhere])

    left = {p.name for p in cache.folder.iterdir()}
    assert left == {
        kept_segment.name,
        kept_frame.name,
        soundtrack.name,
        SegmentCache.chunk_list(soundtrack).name,
        used_chunk.name,
        captions.name,
        overlay.name,
        stranger.name,  # not a cache file: never touched
    }
    gone = [old_segment, old_frame, unused_chunk, old_soundtrack, old_captions, old_overlay]
    assert removed == len(gone) and not any(p.exists() for p in gone)
    assert elsewhere.exists()


def test_captions_are_named_by_their_text_and_written_once(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path / "segments")  # made on first write
    first = cache.captions("Dialogue: one\n")
    assert first.read_text(encoding="utf-8") == "Dialogue: one\n"
    stamp = first.stat().st_mtime_ns
    assert cache.captions("Dialogue: one\n") == first and first.stat().st_mtime_ns == stamp
    assert cache.captions("Dialogue: two\n") != first
    assert [p for p in cache.folder.iterdir() if ".partial" in p.name] == []


def test_a_damaged_chunk_list_keeps_no_chunks(tmp_path: Path) -> None:
    cache = SegmentCache(tmp_path).ensure()
    soundtrack = _touch(cache.soundtrack("c" * 32))
    chunk = _touch(cache.chunk("d" * 32))
    SegmentCache.chunk_list(soundtrack).write_text('{"not": "a list"}')
    assert SegmentCache.chunks_of(soundtrack) == []
    cache.prune(keep=[soundtrack])
    assert soundtrack.exists() and not chunk.exists()


def test_atomic_path_leaves_the_old_file_and_no_temporary_on_failure(tmp_path: Path) -> None:
    target = _touch(tmp_path / "sidecar.json", "old")
    with pytest.raises(RuntimeError), atomic_path(target, durable=False) as partial:
        assert partial.parent == tmp_path and partial.name.startswith(".sidecar.")
        assert partial.name.endswith(".partial.json")
        partial.write_text("half")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["sidecar.json"]
    atomic_write(target, "new", durable=False)
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["sidecar.json"]


def test_atomic_path_raises_oserror_where_output_path_tells_the_creator(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "x.json"
    with pytest.raises(OSError) as raised:
        atomic_write(missing, "x")
    assert raised.value.errno == errno.ENOENT and not isinstance(raised.value, InputError)
    with pytest.raises(InputError, match="could not write"), output_path(missing) as partial:
        partial.write_text("x")


def test_a_colour_card_is_named_by_the_cache_and_pruned_when_unused(tmp_path: Path) -> None:
    """The scroll/chat colour backdrop lands where ``SegmentCache`` names it, so ``prune``
    keeps it while a render uses it and removes it once none does."""
    from studio.media.settings import RenderSettings
    from studio.pipeline.templates.background import colour_card

    settings = RenderSettings(resolution="720p")
    cache = SegmentCache(tmp_path)
    card = colour_card("#14213D", settings, tmp_path)
    assert card == cache.colour_card("#14213d", (settings.width, settings.height))
    assert card.name == f"background-14213d-{settings.width}x{settings.height}.png"
    assert card.read_bytes().startswith(b"\x89PNG")
    assert cache.prune(keep=[card]) == 0 and card.is_file()
    assert cache.prune(keep=[]) == 1 and not card.exists()
