"""Jobs: long actions, their claims, heartbeats and outcomes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from boomi_promo.store.errors import JobNotFoundError
from boomi_promo.store.repositories.base import rowcount
from boomi_promo.store.tables import Job, JobState, PromotionLog, utcnow


class JobRepository:
    """Long-running actions. A worker claims a QUEUED job, heartbeats while it runs, finishes it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, job: Job) -> Job:
        self._session.add(job)
        await self._session.flush()
        return job

    async def get(self, job_id: str) -> Job | None:
        return await self._session.get(Job, job_id, populate_existing=True)

    async def claim(self, job_id: str, owner: str) -> bool:
        """QUEUED → RUNNING for ``owner``; ``False`` if another worker got there first."""
        now = utcnow()
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, owner=owner, started_at=now, heartbeat_at=now)
        )
        return rowcount(result) == 1

    async def requeue(self, job_id: str) -> bool:
        """A RUNNING job whose worker vanished goes back to QUEUED, to be claimed again."""
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.RUNNING)
            .values(state=JobState.QUEUED, owner=None, heartbeat_at=None)
        )
        return rowcount(result) == 1

    async def heartbeat(self, job_id: str, owner: str) -> bool:
        """Record that ``owner`` still runs the job; ``False`` when it no longer owns it."""
        result = await self._session.execute(
            update(Job)
            .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.RUNNING)
            .values(heartbeat_at=utcnow())
        )
        return rowcount(result) == 1

    async def update_progress(
        self,
        job_id: str,
        *,
        step: str,
        current: int | None = None,
        total: int | None = None,
        message: str | None = None,
    ) -> None:
        progress = {"step": step, "current": current, "total": total, "message": message}
        result = await self._session.execute(
            update(Job).where(Job.id == job_id).values(progress=progress, heartbeat_at=utcnow())
        )
        if rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def set_queue_job(self, job_id: str, queue_job_id: int) -> None:
        """Remember the task queue's id for the job, to release its queue lock if it dies."""
        result = await self._session.execute(
            update(Job).where(Job.id == job_id).values(queue_job_id=queue_job_id)
        )
        if rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def set_promotion(self, job_id: str, promotion_id: str) -> None:
        """Link the job to the promotion it created, once that exists."""
        result = await self._session.execute(
            update(Job).where(Job.id == job_id).values(promotion_id=promotion_id)
        )
        if rowcount(result) == 0:
            raise JobNotFoundError(job_id)

    async def finish(
        self,
        job_id: str,
        *,
        state: JobState,
        response: dict[str, Any] | None,
        http_status: int | None,
    ) -> None:
        if not await self._set_outcome(
            Job.id == job_id, state=state, response=response, http_status=http_status
        ):
            raise JobNotFoundError(job_id)

    async def list_unfinished(self) -> list[Job]:
        """QUEUED and RUNNING jobs, oldest first: what a restarted service must pick up."""
        return await self._list(Job.state.in_([JobState.QUEUED, JobState.RUNNING]))

    async def list_stale(self, heartbeat_before: datetime) -> list[Job]:
        """RUNNING jobs whose worker has not reported since ``heartbeat_before``."""
        return await self._list(
            Job.state == JobState.RUNNING,
            (Job.heartbeat_at.is_(None)) | (Job.heartbeat_at < heartbeat_before),
        )

    async def take_over_if_stale(self, job_id: str, owner: str, *, stale_before: datetime) -> bool:
        """QUEUED or RUNNING with no sign of life since ``stale_before`` → RUNNING for ``owner``,
        which settles it (compensates, then :meth:`finish_owned` INTERRUPTED).

        Atomic, so when several replicas notice the same dead job exactly one settles it; the
        job stays unfinished meanwhile, so whoever waits on it never reads a half-settled
        outcome. If the settling replica dies too, its heartbeats stop and the next one does.
        """
        last_seen = func.coalesce(Job.heartbeat_at, Job.created_at)
        now = utcnow()
        result = await self._session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.state.in_([JobState.QUEUED, JobState.RUNNING]),
                last_seen < stale_before,
            )
            .values(
                state=JobState.RUNNING,
                owner=owner,
                started_at=func.coalesce(Job.started_at, now),
                heartbeat_at=now,
            )
        )
        return rowcount(result) == 1

    async def finish_owned(
        self,
        job_id: str,
        owner: str,
        *,
        state: JobState,
        response: dict[str, Any],
        http_status: int,
    ) -> bool:
        """RUNNING for ``owner`` → ``state``; ``False`` when ``owner`` no longer holds the job
        (another process took it over as dead and settles it): its outcome stands."""
        return await self._set_outcome(
            Job.id == job_id,
            Job.owner == owner,
            Job.state == JobState.RUNNING,
            state=state,
            response=response,
            http_status=http_status,
        )

    async def _set_outcome(
        self,
        *conditions: ColumnElement[bool],
        state: JobState,
        response: dict[str, Any] | None,
        http_status: int | None,
    ) -> bool:
        if not state.finished:
            raise ValueError(f"{state} is not a finished state")
        result = await self._session.execute(
            update(Job)
            .where(*conditions)
            .values(state=state, response=response, http_status=http_status, finished_at=utcnow())
        )
        return rowcount(result) == 1

    async def list_silent_since(
        self, stale_before: datetime, *, include_queued: bool = True
    ) -> list[Job]:
        """Unfinished jobs with no sign of life since ``stale_before``.

        Queued jobs count unless they wait on a durable task queue (``include_queued=False``).
        """
        states = [JobState.QUEUED, JobState.RUNNING] if include_queued else [JobState.RUNNING]
        last_seen = func.coalesce(Job.heartbeat_at, Job.created_at)
        return await self._list(Job.state.in_(states), last_seen < stale_before)

    async def list_for_promotion(self, promotion_id: str) -> list[Job]:
        return await self._list(Job.promotion_id == promotion_id)

    async def list_interrupted_unsettled(
        self, *, finished_before: datetime, promotion_statuses: Iterable[str]
    ) -> list[Job]:
        """Interrupted jobs whose promotion is still in one of ``promotion_statuses`` with no
        job of its own running or queued: their compensation failed and is due again."""
        live = aliased(Job)
        return await self._list(
            Job.state == JobState.INTERRUPTED,
            Job.finished_at < finished_before,
            Job.promotion_id.in_(
                select(PromotionLog.promotion_id).where(
                    PromotionLog.status.in_(list(promotion_statuses))
                )
            ),
            ~select(live.id)
            .where(
                live.promotion_id == Job.promotion_id,
                live.state.in_([JobState.QUEUED, JobState.RUNNING]),
            )
            .exists(),
        )

    async def _list(self, *conditions: ColumnElement[bool]) -> list[Job]:
        statement = (
            select(Job)
            .where(*conditions)
            .order_by(Job.created_at, Job.id)
            .execution_options(populate_existing=True)
        )
        return list(await self._session.scalars(statement))
