"""Usage: LLM cost per call and per project, the library's statistics, and ``studio stats``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studio.cli import main
from studio.store import Library
from studio.store.models import LlmCall, Project, RenderedVideo
from studio.store.usage import (
    DELETED_PROJECTS,
    GROQ_PRICES,
    estimate_cost,
    format_usd,
    usage_stats,
)


def _render(library: Library, project: Project, seconds: float, when: datetime) -> None:
    """A real (tiny) file recorded as a render of ``seconds``, made at ``when`` (naive UTC)."""
    folder = library.home.project_dir(project.id, create=True) / "renders"
    video = folder / f"video-{len(list(folder.iterdir()))}.mp4"
    video.write_bytes(b"\0" * 1000)
    render = library.record_render(
        project, file_path=video, duration=seconds, thumbnail=None, srt=None, settings={}, job=None
    )
    RenderedVideo.update(created_at=when).where(RenderedVideo.id == render.id).execute()


def _call(library: Library, project: Project | None, model: str, prompt: int, out: int) -> None:
    library.record_llm_call(
        project,
        None,
        model=model,
        prompt_tokens=prompt,
        completion_tokens=out,
        total_tokens=prompt + out,
    )


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone is UTC+9, so a local month starts the UTC day before."""
    monkeypatch.setenv("TZ", "JST-9")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_every_model_studio_offers_has_a_price() -> None:
    from studio.pipeline.groq_script import DEFAULT_MODEL
    from studio.store.settings_registry import GROQ_MODEL
    from studio.store.usage import GROQ_MODELS

    assert set(GROQ_MODELS) | {DEFAULT_MODEL, GROQ_MODEL.default} <= set(GROQ_PRICES)
    assert all(p.input_per_million > 0 and p.output_per_million > 0 for p in GROQ_PRICES.values())


def test_cost_is_priced_per_million_input_and_output_tokens() -> None:
    price = GROQ_PRICES["llama-3.3-70b-versatile"]
    assert estimate_cost("llama-3.3-70b-versatile", 1_000_000, 0) == pytest.approx(
        price.input_per_million
    )
    assert estimate_cost("llama-3.3-70b-versatile", 2000, 1000) == pytest.approx(
        (2000 * price.input_per_million + 1000 * price.output_per_million) / 1e6
    )
    assert estimate_cost("someone/new-model", 1000, 1000) is None
    assert format_usd(0.0031234) == "$0.0031" and format_usd(12.5) == "$12.50"


def test_record_llm_call_stores_the_cost_and_an_unknown_model_costs_nothing(
    library: Library,
) -> None:
    project = library.create_project("Bees")
    _call(library, project, "openai/gpt-oss-20b", 4000, 2000)
    _call(library, project, "someone/new-model", 4000, 2000)
    known, unknown = library.llm_calls(project)
    price = GROQ_PRICES["openai/gpt-oss-20b"]
    assert known.cost_usd == pytest.approx(
        (4000 * price.input_per_million + 2000 * price.output_per_million) / 1e6
    )
    assert known.cost_usd > 0
    assert unknown.cost_usd == 0.0 and unknown.total_tokens == 6000


def test_stats_count_projects_renders_and_tokens_per_project(library: Library) -> None:
    bees = library.create_project("Bees")
    ants = library.create_project("Ants")
    library.update_project(ants, status="rendered", current_step="export")
    now = datetime(2025, 3, 10, 12, 0)
    _render(library, bees, 90, now)
    _render(library, bees, 30, now)
    _render(library, ants, 60, now)
    _call(library, bees, "llama-3.1-8b-instant", 10_000, 5_000)
    _call(library, ants, "llama-3.3-70b-versatile", 1_000, 500)
    _call(library, ants, "mystery-model", 100, 50)

    stats = usage_stats(library, now=now.replace(tzinfo=UTC))

    assert stats.project_count == 2
    assert stats.by_status == {"rendered": 2}  # a render marks the project rendered
    assert stats.by_step == {"topic": 1, "export": 1}
    assert stats.renders == 3 and stats.rendered_minutes == pytest.approx(3.0)
    assert stats.tokens.calls == 3 and stats.tokens.total_tokens == 16_650
    by_name = {p.name: p for p in stats.projects}
    assert by_name["Bees"].renders == 2 and by_name["Bees"].rendered_seconds == 120
    assert by_name["Bees"].tokens.total_tokens == 15_000
    assert by_name["Bees"].tokens.cost_usd == pytest.approx(
        estimate_cost("llama-3.1-8b-instant", 10_000, 5_000)
    )
    assert by_name["Ants"].tokens.unpriced_models == {"mystery-model"}
    assert stats.tokens.unpriced_models == {"mystery-model"}
    assert stats.tokens.cost_usd == pytest.approx(sum(p.tokens.cost_usd for p in stats.projects))


def test_renders_this_month_follow_the_local_calendar(library: Library, tokyo_time: None) -> None:
    project = library.create_project("Months")
    # Stored times are UTC; Tokyo's March starts at 2025-02-28 15:00 UTC.
    _render(library, project, 10, datetime(2025, 2, 28, 14, 0))  # 23:00 on 28 Feb in Tokyo
    _render(library, project, 10, datetime(2025, 2, 28, 16, 0))  # 01:00 on 1 March in Tokyo
    _render(library, project, 10, datetime(2025, 3, 31, 14, 0))  # 23:00 on 31 March in Tokyo

    stats = usage_stats(library, now=datetime(2025, 3, 10, 3, 0, tzinfo=UTC))

    assert stats.renders == 3
    assert stats.renders_this_month == 2  # by UTC months it would be 1
    april = usage_stats(library, now=datetime(2025, 3, 31, 16, 0, tzinfo=UTC))  # 1 April, Tokyo
    assert april.renders_this_month == 0 and april.month_label == "April 2025"
    assert stats.month_label == "March 2025"


def test_calls_of_deleted_projects_and_old_unpriced_rows_still_count(library: Library) -> None:
    gone = library.create_project("Gone")
    _call(library, gone, "llama-3.1-8b-instant", 1000, 1000)
    library.delete_project(gone)
    kept = library.create_project("Kept")
    _call(library, kept, "llama-3.1-8b-instant", 1000, 1000)
    # A row recorded before schema v3 priced calls has cost 0: it is estimated from its tokens.
    LlmCall.update(cost_usd=0).where(LlmCall.project == kept.id).execute()

    stats = usage_stats(library)

    expected = estimate_cost("llama-3.1-8b-instant", 1000, 1000)
    rows = {p.name: p for p in stats.projects}
    assert rows[DELETED_PROJECTS].tokens.total_tokens == 2000
    assert rows["Kept"].tokens.cost_usd == pytest.approx(expected)
    assert stats.tokens.cost_usd == pytest.approx(2 * (expected or 0))
    assert stats.project_count == 1


def _table_lines(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("PROJECT"))
    end = lines.index("", start)
    return lines[start:end]


def test_studio_stats_prints_aligned_text_and_json(
    library: Library, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = library.create_project("How bees make honey")
    library.create_project("Ants")
    _render(library, project, 150, datetime.now(UTC).replace(tzinfo=None))
    _call(library, project, "llama-3.3-70b-versatile", 12_000, 3_456)

    assert main(["--home", str(home), "stats"]) == 0
    out = capsys.readouterr().out
    assert "Projects        2" in out
    assert "2.5 min in 1 renders" in out
    assert "15,456 (12,000 in, 3,456 out) in 1 calls" in out
    assert "1 renders (" in out
    table = _table_lines(out)
    assert len(table) == 3
    assert len({len(line) for line in table}) == 1, table  # right-aligned last column
    header = table[0]
    for line in table[1:]:  # numbers end under their heading
        assert line[: header.index("TOKENS") + len("TOKENS")].endswith(("15,456", "     0"))
    assert format_usd(estimate_cost("llama-3.3-70b-versatile", 12_000, 3_456) or 0) in out
    assert "unknown price" not in out

    assert main(["--home", str(home), "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["projects"] == 2 and data["renders"] == 1
    assert data["rendered_minutes"] == pytest.approx(2.5)
    assert data["llm"]["total_tokens"] == 15_456
    assert {p["name"] for p in data["per_project"]} == {"How bees make honey", "Ants"}


def test_studio_stats_flags_an_unknown_price(
    library: Library, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = library.create_project("Odd model")
    _call(library, project, "someone/new-model", 100, 100)
    assert main(["--home", str(home), "stats"]) == 0
    out = capsys.readouterr().out
    assert "not counting calls of unknown price (someone/new-model)" in out
    assert _table_lines(out)[1].endswith("unknown price (someone/new-model)")


def test_studio_stats_on_an_empty_library(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(home), "stats"]) == 0
    out = capsys.readouterr().out
    assert "No projects yet." in out and "Estimated cost  $0.00" in out
    assert os.path.isfile(home / "studio.db")
