"""The usage room: every LLM call with its tokens and its price when it was made."""

from __future__ import annotations

from studio.store.models import Job, LlmCall, Project, new_id
from studio.store.rooms.base import Room
from studio.store.usage import estimate_cost


class UsageRoom(Room):
    """The ``llm_calls`` table (the statistics over it are ``studio.store.usage``)."""

    def record_llm_call(
        self,
        project: Project | None,
        job: Job | None,
        *,
        model: str,
        prompt_tokens: int,
        completion_tokens: int,
        total_tokens: int,
        purpose: str = "script",
    ) -> None:
        with self._db.transaction():
            LlmCall.create(
                id=new_id(),
                project=project.id if project else None,
                job=job.id if job else None,
                model=model,
                purpose=purpose,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                total_tokens=total_tokens,
                # Unknown model: 0 here, and reports name it as having an unknown price.
                cost_usd=estimate_cost(model, prompt_tokens, completion_tokens) or 0.0,
            )

    def llm_calls(self, project: Project | None = None) -> list[LlmCall]:
        with self._db.errors():
            query = LlmCall.select().order_by(LlmCall.created_at)
            if project is not None:
                query = query.where(LlmCall.project == project.id)
            return list(query)
