"""The jobs room: long work (voice, visuals, renders) as rows with progress and an outcome."""

from __future__ import annotations

import os
from typing import Any

from studio.store.models import Job, Project, new_id, utcnow
from studio.store.rooms.base import Room


def pid_alive(pid: int | None) -> bool:
    """True if process ``pid`` still runs (this process counts as alive)."""
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class JobsRoom(Room):
    """The ``jobs`` table."""

    def start_job(self, project: Project | None, kind: str) -> Job:
        with self._db.transaction():
            return Job.create(
                id=new_id(),
                project=project.id if project else None,
                kind=kind,
                status="running",
                started_at=utcnow(),
                pid=os.getpid(),
            )

    def update_job(self, job: Job, progress: float, stage: str) -> None:
        with self._db.transaction():
            Job.update(progress=max(0.0, min(1.0, progress)), stage=stage[:200]).where(
                Job.id == job.id
            ).execute()

    def finish_job(self, job: Job, status: str, error: str | None = None) -> None:
        fields: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error_message": error}
        if status == "completed":
            fields["progress"] = 1.0
        with self._db.transaction():
            Job.update(**fields).where(Job.id == job.id).execute()

    def job(self, job_id: str) -> Job:
        with self._db.errors():
            return Job.get_by_id(job_id)

    def jobs(self, project: Project | None = None) -> list[Job]:
        with self._db.errors():
            query = Job.select().order_by(Job.created_at.desc())
            if project is not None:
                query = query.where(Job.project == project.id)
            return list(query)

    def interrupt_stale_jobs(self) -> int:
        """Mark jobs left ``pending``/``running`` by a dead process as ``interrupted``.

        Called when a library opens: a job of this very process can't be running yet either.
        """
        with self._db.errors():
            stale = [
                job.id
                for job in Job.select(Job.id, Job.pid).where(Job.status.in_(("pending", "running")))
                if not pid_alive(job.pid) or job.pid == os.getpid()
            ]
        if not stale:
            return 0
        with self._db.transaction():
            Job.update(
                status="interrupted",
                finished_at=utcnow(),
                error_message="Studio stopped while this job was running",
            ).where(Job.id.in_(stale)).execute()
        return len(stale)
