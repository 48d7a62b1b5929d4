"""What the library has made and what its script writing cost: the numbers behind ``studio stats``.

The LLM price table lives here, in the domain, so the store can price a call the moment it is
recorded (``Library.record_llm_call``) and the statistics never need the pipeline. A model that
is not in the table costs 0 and is named in every report as having an unknown price: Studio
never guesses a price, and an unexpected model name is not a crash.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from studio.store.models import LlmCall, Project, RenderedVideo

if TYPE_CHECKING:
    from studio.store.api import Library


@dataclass(frozen=True)
class ModelPrice:
    """A model's on-demand price in US dollars per million tokens."""

    input_per_million: float
    output_per_million: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            max(0, prompt_tokens) * self.input_per_million
            + max(0, completion_tokens) * self.output_per_million
        ) / 1_000_000


#: When the prices below were read from groq.com/pricing; update them together.
PRICES_AS_OF = "2025-10"
#: Groq's on-demand prices for the models Studio offers (Settings → script writing).
GROQ_PRICES: Mapping[str, ModelPrice] = MappingProxyType(
    {
        "llama-3.3-70b-versatile": ModelPrice(0.59, 0.79),
        "llama-3.1-8b-instant": ModelPrice(0.05, 0.08),
        "openai/gpt-oss-120b": ModelPrice(0.15, 0.60),
        "openai/gpt-oss-20b": ModelPrice(0.075, 0.30),
    }
)
#: The Groq models Studio offers, in the order Settings lists them: the price table's models.
GROQ_MODELS: tuple[str, ...] = tuple(GROQ_PRICES)
#: The model used when the creator has chosen none (the first, the best writer of the four).
DEFAULT_GROQ_MODEL = GROQ_MODELS[0]


def price_of(model: str) -> ModelPrice | None:
    """The price of ``model`` (as Groq names it), or None when Studio doesn't know it."""
    return GROQ_PRICES.get((model or "").strip().lower())


def estimate_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """US dollars for one call, or None when the model's price is unknown."""
    price = price_of(model)
    return None if price is None else price.cost(prompt_tokens, completion_tokens)


def format_usd(amount: float) -> str:
    """``0.00312`` -> ``"$0.0031"``; ``12.5`` -> ``"$12.50"`` (script costs are often cents)."""
    if amount == 0:
        return "$0.00"
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"


@dataclass
class TokenTotals:
    """LLM calls and their tokens and estimated cost, for one project or the whole library.

    Attributes:
        unpriced_models: models called whose price is unknown (their calls count as $0).
    """

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_models: set[str] = field(default_factory=set)

    def add(self, model: str, prompt: int, completion: int, total: int, stored: float) -> None:
        """Count one call. A stored cost of 0 (rows from before prices) is estimated now."""
        self.calls += 1
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        self.total_tokens += total
        estimated = estimate_cost(model, prompt, completion)
        if estimated is None:
            self.unpriced_models.add(model)
        self.cost_usd += stored if stored > 0 else (estimated or 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": round(self.cost_usd, 6),
            "unknown_price_models": sorted(self.unpriced_models),
        }


@dataclass(frozen=True)
class ProjectUsage:
    """One row of the per-project table (``project_id`` None: calls of deleted projects)."""

    project_id: str | None
    name: str
    status: str
    step: str
    renders: int
    rendered_seconds: float
    tokens: TokenTotals

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.project_id,
            "name": self.name,
            "status": self.status,
            "step": self.step,
            "renders": self.renders,
            "rendered_minutes": round(self.rendered_seconds / 60, 3),
            "llm": self.tokens.to_json(),
        }


#: The name of the per-project row holding the calls of projects since deleted.
DELETED_PROJECTS = "(deleted projects)"


@dataclass(frozen=True)
class UsageStats:
    """The library's statistics at ``generated_at`` (local time).

    Attributes:
        by_status, by_step: how many projects have each status / are at each step.
        rendered_seconds: the length of every render in ``rendered_videos`` added up.
        renders_this_month: renders made in the local calendar month of ``generated_at``.
        tokens: LLM calls, tokens and estimated cost of the whole library.
        projects: the per-project table, most recently active first.
    """

    generated_at: datetime
    project_count: int
    by_status: dict[str, int]
    by_step: dict[str, int]
    renders: int
    rendered_seconds: float
    renders_this_month: int
    tokens: TokenTotals
    projects: tuple[ProjectUsage, ...]

    @property
    def rendered_minutes(self) -> float:
        return self.rendered_seconds / 60

    @property
    def month_label(self) -> str:
        return self.generated_at.strftime("%B %Y")

    def to_json(self) -> dict[str, Any]:
        return {
            "generated_at": self.generated_at.isoformat(timespec="seconds"),
            "projects": self.project_count,
            "projects_by_status": dict(sorted(self.by_status.items())),
            "projects_by_step": dict(sorted(self.by_step.items())),
            "renders": self.renders,
            "rendered_minutes": round(self.rendered_minutes, 3),
            "renders_this_month": self.renders_this_month,
            "month": self.generated_at.strftime("%Y-%m"),
            "llm": self.tokens.to_json(),
            "prices_as_of": PRICES_AS_OF,
            "per_project": [p.to_json() for p in self.projects],
        }


def _local_month_start_utc(now_local: datetime) -> tuple[datetime, datetime]:
    """The local calendar month holding ``now_local``, as naive UTC bounds [start, end)."""
    start = now_local.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    following = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else (start.replace(month=start.month + 1))
    )

    def to_utc(local_midnight: datetime) -> datetime:
        # A naive datetime's astimezone() reads it as local time, DST included.
        return local_midnight.astimezone(UTC).replace(tzinfo=None)

    return to_utc(start), to_utc(following)


def usage_stats(library: Library, *, now: datetime | None = None) -> UsageStats:
    """Count projects, renders and LLM usage in one read of the library."""
    now_local = (now or datetime.now(UTC)).astimezone()
    month_start, month_end = _local_month_start_utc(now_local)
    with library.snapshot():  # one state of the database for all three reads
        projects = list(
            Project.select(Project.id, Project.name, Project.status, Project.current_step).order_by(
                Project.last_active.desc()
            )
        )
        renders = cast(
            Iterable[tuple[str, float, datetime]],
            RenderedVideo.select(
                RenderedVideo.project, RenderedVideo.duration_seconds, RenderedVideo.created_at
            ).tuples(),
        )
        render_rows = list(renders)
        calls = list(
            cast(
                Iterable[tuple[str | None, str, int, int, int, float]],
                LlmCall.select(
                    LlmCall.project,
                    LlmCall.model,
                    LlmCall.prompt_tokens,
                    LlmCall.completion_tokens,
                    LlmCall.total_tokens,
                    LlmCall.cost_usd,
                ).tuples(),
            )
        )
    render_count: Counter[str] = Counter()
    render_seconds: defaultdict[str, float] = defaultdict(float)
    this_month = 0
    for project_id, seconds, created in render_rows:
        render_count[project_id] += 1
        render_seconds[project_id] += float(seconds or 0.0)
        if month_start <= _as_datetime(created) < month_end:
            this_month += 1
    total = TokenTotals()
    per_project: dict[str | None, TokenTotals] = {}
    known_ids = {p.id for p in projects}
    for owner, model, prompt, completion, tokens, cost in calls:
        key = owner if owner in known_ids else None
        args = (model, int(prompt or 0), int(completion or 0), int(tokens or 0), float(cost or 0))
        total.add(*args)
        per_project.setdefault(key, TokenTotals()).add(*args)
    rows = [
        ProjectUsage(
            p.id,
            p.name,
            p.status,
            p.current_step,
            render_count[p.id],
            render_seconds.get(p.id, 0.0),
            per_project.get(p.id, TokenTotals()),
        )
        for p in projects
    ]
    if None in per_project:
        rows.append(ProjectUsage(None, DELETED_PROJECTS, "", "", 0, 0.0, per_project[None]))
    return UsageStats(
        generated_at=now_local,
        project_count=len(projects),
        by_status=dict(Counter(p.status for p in projects)),
        by_step=dict(Counter(p.current_step for p in projects)),
        renders=sum(render_count.values()),
        rendered_seconds=sum(render_seconds.values()),
        renders_this_month=this_month,
        tokens=total,
        projects=tuple(rows),
    )


def _as_datetime(value: Any) -> datetime:
    """A stored timestamp (Peewee returns text for ones it can't parse) as naive UTC."""
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else (value.astimezone(UTC).replace(tzinfo=None))
        )
    return datetime.fromisoformat(str(value))


__all__ = [
    "DELETED_PROJECTS",
    "DEFAULT_GROQ_MODEL",
    "GROQ_MODELS",
    "GROQ_PRICES",
    "PRICES_AS_OF",
    "ModelPrice",
    "ProjectUsage",
    "TokenTotals",
    "UsageStats",
    "estimate_cost",
    "format_usd",
    "price_of",
    "usage_stats",
]
