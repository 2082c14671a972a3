"""Long actions as jobs: submitted, run, watched, and compensated when their process dies.

A job row is written (QUEUED) and committed before its task starts, so a crash at any point
leaves a trace. While it runs, the job heartbeats; every runner sweeps for jobs whose heartbeat
went silent (their process died) and interrupts them atomically — exactly one runner wins —
then lets the action compensate (a promotion deletes its branch and ends FAILED). A graceful
shutdown compensates its own running jobs at once instead of waiting for the sweep.

Where jobs run is configuration (``PROMO_JOBS__QUEUE``): ``in-process`` runs each job as a task
of the process that accepted it; ``procrastinate`` defers it to the PostgreSQL task queue
(``jobs.queue``) and a ``promo worker`` process runs it with the caller's stored identity. Only
running jobs are swept then: a queued job is safe in the queue until a worker takes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import procrastinate
import structlog

from boomi_promo.actions.catalog import get_action
from boomi_promo.actions.registry import ActionSpec, Profile
from boomi_promo.actions.runner import boomi_errors_mapped
from boomi_promo.config import JobQueue
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext, Services, action_context
from boomi_promo.engine.reconcile import reconcile_forever
from boomi_promo.engine.recovery import SYSTEM_ACTOR
from boomi_promo.errors import NotFound, PromoError, ServiceUnavailable
from boomi_promo.identity.principal import Principal, Tier, same_person
from boomi_promo.jobs.queue import (
    QUEUE_NAME,
    RUNNER_CONTEXT_KEY,
    build_queue_app,
    defer_job,
    release_queue_job,
)
from boomi_promo.notifications.dispatcher import dispatch_forever
from boomi_promo.observability import ServiceMetrics
from boomi_promo.store import Job, JobState


class JobServices(Services, Protocol):
    """What the runner uses of the wired service (``bootstrap.Container``)."""

    @property
    def metrics(self) -> ServiceMetrics: ...


log = structlog.get_logger("boomi_promo.jobs")

TRANSIENT_STATUSES = (
    PromotionStatus.IN_PROGRESS,
    PromotionStatus.TEST_DEPLOYING,
    PromotionStatus.DEPLOYING,
)
"""Promotion statuses only a running job may hold."""
INTERRUPTED_RESPONSE = {
    "success": False,
    "errorCode": "JOB_INTERRUPTED",
    "errorMessage": "The service stopped while this ran; its work was undone (interrupted).",
}
QUEUE_UNAVAILABLE_RESPONSE = {
    "success": False,
    "errorCode": "JOB_QUEUE_UNAVAILABLE",
    "errorMessage": "The job could not be put on the task queue; nothing was started.",
}
INTERNAL_ERROR_RESPONSE = {
    "success": False,
    "errorCode": "INTERNAL_ERROR",
    "errorMessage": "Something went wrong on our side; the error was logged.",
}


class JobProgress:
    """Stores each reported step on the job row (visible to every replica and the event stream)."""

    def __init__(self, container: JobServices, job_id: str) -> None:
        self._container = container
        self._job_id = job_id

    async def report(
        self,
        *,
        step: str,
        current: int | None = None,
        total: int | None = None,
        message: str = "",
    ) -> None:
        async with self._container.uow_factory() as uow:
            await uow.jobs.update_progress(
                self._job_id, step=step, current=current, total=total, message=message
            )
            await uow.commit()

    async def link_promotion(self, promotion_id: str) -> None:
        structlog.contextvars.bind_contextvars(promotion_id=promotion_id)
        async with self._container.uow_factory() as uow:
            await uow.jobs.set_promotion(self._job_id, promotion_id)
            await uow.commit()


def job_document(job: Job) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "jobId": job.id,
        "action": job.action,
        "processName": job.process_name,
        "state": job.state.value,
        "progress": job.progress or {},
        "promotionId": job.promotion_id,
        "createdAt": iso(job.created_at),
        "startedAt": iso(job.started_at),
        "finishedAt": iso(job.finished_at),
        "httpStatus": job.http_status,
        "response": job.response,
        "jobUrl": f"/api/v1/jobs/{job.id}",
    }


class JobRunner:
    def __init__(self, container: JobServices) -> None:
        self._container = container
        self.timings = container.settings.jobs
        self.owner = f"promo-{uuid.uuid4()}"
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._reconciler: asyncio.Task[None] | None = None
        self._notifier: asyncio.Task[None] | None = None
        self.queue: procrastinate.App | None = None
        if self.timings.queue is JobQueue.PROCRASTINATE:
            self.queue = build_queue_app(container.settings.resolved_database_url())

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self.queue is not None:
            await self.queue.open_async()
        await self.sweep()
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="job-sweeper")
        if self.timings.reconcile_seconds is not None:
            self._reconciler = asyncio.create_task(
                reconcile_forever(
                    self._container.boomi,
                    self._container.uow_factory,
                    interval_seconds=self.timings.reconcile_seconds,
                    actor=SYSTEM_ACTOR,
                ),
                name="branch-reconciler",
            )
        if self._container.settings.notifications.configured:
            self._notifier = asyncio.create_task(
                dispatch_forever(self._container.settings, self._container.uow_factory),
                name="notification-dispatcher",
            )

    async def aclose(self) -> None:
        if self._notifier is not None:
            self._notifier.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._notifier
            self._notifier = None
        if self._reconciler is not None:
            self._reconciler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconciler
            self._reconciler = None
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        running = list(self._tasks.values())
        if running:
            _done, pending = await asyncio.wait(
                running, timeout=self.timings.shutdown_grace_seconds
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self.queue is not None:
            await self.queue.close_async()

    # --- submit and watch ------------------------------------------------------------------

    async def submit(self, spec: ActionSpec, request: Profile, principal: Principal) -> Job:
        """Check, then record and start (or queue) the job; a refusal writes nothing."""
        if spec.precheck is not None:
            await boomi_errors_mapped(spec.precheck(self._context(spec, principal), request))
        job = Job(
            action=spec.name,
            process_name=spec.process_name,
            request=request.model_dump(by_alias=True, mode="json"),
            principal_email=principal.email,
            principal_name=principal.name,
            principal_groups=list(principal.groups),
            dev_account_id=getattr(request, "dev_account_id", None),
        )
        async with self._container.uow_factory() as uow:
            await uow.jobs.add(job)
            await uow.audit.append(
                actor_email=principal.email,
                action="job.submitted",
                process_name=spec.process_name,
                target_type="job",
                target_id=job.id,
                after_status=JobState.QUEUED.value,
            )
            await uow.commit()
        if self.queue is not None:
            # Deferred only once the job row is committed, so a worker always finds it.
            await self._defer(self.queue, job, spec)
            return job
        task = asyncio.create_task(self._run(job.id, spec, request, principal), name=job.id)
        self._tasks[job.id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(job.id, None))
        return job

    async def _defer(self, queue: procrastinate.App, job: Job, spec: ActionSpec) -> None:
        lock = None
        if spec.one_per_dev_account and job.dev_account_id:
            lock = f"dev-account:{job.dev_account_id}"
        try:
            queue_job_id = await defer_job(queue, job.id, lock=lock)
        except Exception as exc:
            log.exception("deferring the job failed", job_id=job.id)
            async with self._container.uow_factory() as uow:
                await uow.jobs.finish(
                    job.id,
                    state=JobState.FAILED,
                    response=QUEUE_UNAVAILABLE_RESPONSE,
                    http_status=503,
                )
                await uow.commit()
            raise ServiceUnavailable(
                str(QUEUE_UNAVAILABLE_RESPONSE["errorMessage"]),
                error_code=str(QUEUE_UNAVAILABLE_RESPONSE["errorCode"]),
            ) from exc
        async with self._container.uow_factory() as uow:
            await uow.jobs.set_queue_job(job.id, queue_job_id)
            await uow.commit()
        job.queue_job_id = queue_job_id

    async def get(self, job_id: str, principal: Principal) -> Job:
        async with self._container.uow_factory() as uow:
            job = await uow.jobs.get(job_id)
        visible = job is not None and (
            principal.tier is Tier.ADMIN or same_person(job.principal_email, principal.email)
        )
        if job is None or not visible:
            raise NotFound(
                f"There is no job '{job_id}' visible to you.", error_code="JOB_NOT_FOUND"
            )
        return job

    async def wait(self, job_id: str, principal: Principal, *, poll_seconds: float = 0.2) -> Job:
        """The finished job; waits on the local task when it runs here, else polls the store."""
        task = self._tasks.get(job_id)
        if task is not None:
            await asyncio.shield(task)
        while True:
            job = await self.get(job_id, principal)
            if job.state.finished:
                return job
            await asyncio.sleep(poll_seconds)

    async def watch(
        self, job_id: str, principal: Principal, *, poll_seconds: float = 0.3
    ) -> AsyncIterator[Job]:
        """Each change of the job (state or progress) until it finishes."""
        last: tuple[Any, ...] | None = None
        while True:
            job = await self.get(job_id, principal)
            seen = (job.state, job.progress, job.http_status)
            if seen != last:
                last = seen
                yield job
            if job.state.finished:
                return
            await asyncio.sleep(poll_seconds)

    # --- running ---------------------------------------------------------------------------

    async def work_queue(self, *, concurrency: int, name: str | None = None) -> None:
        """Take jobs from the task queue until stopped (``promo worker``).

        SIGTERM/SIGINT stop taking jobs and give running ones ``shutdown_grace_seconds`` to
        finish; those still running then are cancelled, which compensates them.
        """
        if self.queue is None:
            raise RuntimeError("promo worker needs PROMO_JOBS__QUEUE=procrastinate")
        await self.queue.run_worker_async(
            queues=[QUEUE_NAME],
            concurrency=concurrency,
            name=name or self.owner,
            additional_context={RUNNER_CONTEXT_KEY: self},
            shutdown_graceful_timeout=self.timings.shutdown_grace_seconds,
            install_signal_handlers=True,
        )

    async def run_queued(self, job_id: str) -> None:
        """Run a job taken from the task queue, as the caller who submitted it."""
        async with self._container.uow_factory() as uow:
            job = await uow.jobs.get(job_id)
        if job is None or job.state is not JobState.QUEUED:
            log.warning("queued job is gone or no longer queued", job_id=job_id)
            return
        spec = get_action(job.action)
        if spec is None or job.principal_groups is None:
            log.error("queued job cannot be run here", job_id=job_id, action=job.action)
            async with self._container.uow_factory() as uow:
                await uow.jobs.finish(
                    job_id,
                    state=JobState.FAILED,
                    response=INTERNAL_ERROR_RESPONSE,
                    http_status=500,
                )
                await uow.commit()
            return
        principal = Principal.from_groups(
            email=job.principal_email,
            name=job.principal_name or "",
            groups=job.principal_groups,
            settings=self._container.settings.groups,
        )
        request = spec.request_model.model_validate(job.request)
        current = asyncio.current_task()
        if current is not None:
            self._tasks[job_id] = current
        try:
            await self._run(job_id, spec, request, principal)
        finally:
            self._tasks.pop(job_id, None)

    async def _run(
        self, job_id: str, spec: ActionSpec, request: Profile, principal: Principal
    ) -> None:
        # The job runs in its own task, so these reach every log line it writes — the engine's,
        # the Boomi client's — and no other task's. link_promotion adds the promotion id.
        structlog.contextvars.bind_contextvars(
            job_id=job_id, action=spec.name, process=spec.process_name
        )
        async with self._container.uow_factory() as uow:
            claimed = await uow.jobs.claim(job_id, self.owner)
            if claimed:
                await uow.audit.append(
                    actor_email=principal.email,
                    action="job.started",
                    process_name=spec.process_name,
                    target_type="job",
                    target_id=job_id,
                    before_status=JobState.QUEUED.value,
                    after_status=JobState.RUNNING.value,
                    detail={"owner": self.owner},
                )
            await uow.commit()
        if not claimed:
            log.warning("job was claimed elsewhere")
            return
        heartbeat = asyncio.create_task(self._heartbeat(job_id))
        started = time.monotonic()
        ctx = self._context(spec, principal, progress=JobProgress(self._container, job_id))
        try:
            response = await boomi_errors_mapped(spec.handler(ctx, request))
        except asyncio.CancelledError:
            heartbeat.cancel()
            await asyncio.shield(self._settle_own(job_id, spec))
            raise
        except PromoError as exc:
            await self._finish(
                job_id, principal, spec, started, JobState.FAILED, exc.envelope(), exc.status_code
            )
        except Exception:
            log.exception("job failed unexpectedly")
            await self._finish(
                job_id, principal, spec, started, JobState.FAILED, INTERNAL_ERROR_RESPONSE, 500
            )
        else:
            body = response.model_dump(by_alias=True, mode="json")
            await self._finish(job_id, principal, spec, started, JobState.SUCCEEDED, body, 200)
            log.info("job succeeded")
        finally:
            heartbeat.cancel()

    def _context(
        self, spec: ActionSpec, principal: Principal, *, progress: JobProgress | None = None
    ) -> ActionContext:
        return action_context(
            self._container,
            principal,
            process_name=spec.process_name,
            log=log.bind(user=principal.email),
            progress=progress,
        )

    async def _heartbeat(self, job_id: str) -> None:
        while True:
            await asyncio.sleep(self.timings.heartbeat_seconds)
            async with self._container.uow_factory() as uow:
                await uow.jobs.heartbeat(job_id, self.owner)
                await uow.commit()

    async def _finish(
        self,
        job_id: str,
        actor: Principal,
        spec: ActionSpec,
        started: float,
        state: JobState,
        response: dict[str, Any],
        http_status: int,
    ) -> None:
        """``started`` is the ``time.monotonic()`` at which the job began running here."""
        recorded = await self._record_outcome(
            job_id,
            spec,
            actor_email=actor.email,
            audit_action="job.finished",
            state=state,
            response=response,
            http_status=http_status,
            detail={"httpStatus": http_status, "errorCode": response.get("errorCode")},
        )
        if not recorded:
            # Silent too long (a stall, the database out of reach): another process took the
            # job over as dead and compensated it; that outcome is the job's.
            log.warning("job was taken over while it ran; its outcome is not recorded")
            return
        self._container.metrics.record_job(spec.name, state, time.monotonic() - started)

    async def _record_outcome(
        self,
        job_id: str,
        spec: ActionSpec,
        *,
        actor_email: str,
        audit_action: str,
        state: JobState,
        response: dict[str, Any],
        http_status: int,
        detail: dict[str, Any] | None = None,
    ) -> bool:
        """Finish a job this runner holds, audited; ``False`` when it no longer holds it."""
        async with self._container.uow_factory() as uow:
            owned = await uow.jobs.finish_owned(
                job_id, self.owner, state=state, response=response, http_status=http_status
            )
            if owned:
                await uow.audit.append(
                    actor_email=actor_email,
                    action=audit_action,
                    process_name=spec.process_name,
                    target_type="job",
                    target_id=job_id,
                    before_status=JobState.RUNNING.value,
                    after_status=state.value,
                    detail=detail,
                )
            await uow.commit()
        return owned

    # --- recovery --------------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.timings.sweep_seconds)
            try:
                await self.sweep()
            except Exception:
                log.exception("job sweep failed; trying again later")

    async def sweep(self) -> list[str]:
        """Interrupt and compensate jobs whose process stopped answering; their ids."""
        stale_before = datetime.now(UTC) - timedelta(seconds=self.timings.stale_after_seconds)
        async with self._container.uow_factory() as uow:
            silent = await uow.jobs.list_silent_since(
                stale_before, include_queued=self.queue is None
            )
        recovered = []
        for job in silent:
            if job.id in self._tasks:
                continue
            spec = get_action(job.action)
            if spec is not None and await self._interrupt(job.id, spec, stale_before=stale_before):
                recovered.append(job.id)
        await self._compensate_again(stale_before)
        return recovered

    async def _compensate_again(self, finished_before: datetime) -> None:
        """Compensation that failed (Boomi was down, say) is tried again on later sweeps, so a
        promotion never stays IN_PROGRESS or *_DEPLOYING after its job died."""
        async with self._container.uow_factory() as uow:
            unsettled = await uow.jobs.list_interrupted_unsettled(
                finished_before=finished_before, promotion_statuses=TRANSIENT_STATUSES
            )
        for job in unsettled:
            spec = get_action(job.action)
            if spec is None or spec.recover is None:
                continue
            try:
                await spec.recover(self._container, job)
            except Exception:
                log.exception("compensating an interrupted job failed again", job_id=job.id)

    async def _interrupt(self, job_id: str, spec: ActionSpec, *, stale_before: datetime) -> bool:
        """Take a dead job over and settle it; ``False`` when another process got it."""
        async with self._container.uow_factory() as uow:
            won = await uow.jobs.take_over_if_stale(job_id, self.owner, stale_before=stale_before)
            job = await uow.jobs.get(job_id)
            await uow.commit()
        if not won or job is None:
            return False
        return await self._settle(job, spec)

    async def _settle_own(self, job_id: str, spec: ActionSpec) -> None:
        """Settle a job this runner stops (shutdown), unless another took it over meanwhile."""
        async with self._container.uow_factory() as uow:
            job = await uow.jobs.get(job_id)
        if job is not None and job.owner == self.owner and job.state is JobState.RUNNING:
            await self._settle(job, spec)

    async def _settle(self, job: Job, spec: ActionSpec) -> bool:
        """Compensate a job this runner holds, then mark it INTERRUPTED: a client that sees
        the job finished reads its promotion settled, never mid-compensation."""
        job_id = job.id
        log.warning("job interrupted", job_id=job_id, action=spec.name)
        heartbeat = asyncio.create_task(self._heartbeat(job_id), name=f"settle-{job_id}")
        try:
            if spec.recover is not None:
                await spec.recover(self._container, job)
        except Exception:
            # Marked INTERRUPTED all the same: later sweeps compensate again
            # (_compensate_again), and the job itself cannot run again.
            log.exception("compensating an interrupted job failed", job_id=job_id)
        finally:
            heartbeat.cancel()
        settled = await self._record_outcome(
            job_id,
            spec,
            actor_email="system",
            audit_action="job.interrupted",
            state=JobState.INTERRUPTED,
            response=INTERRUPTED_RESPONSE,
            http_status=503,
        )
        # Only once compensated: the next job under the same queue lock (the account's next
        # promotion) must find the account free.
        if self.queue is not None and job.queue_job_id is not None:
            await release_queue_job(self.queue, job.queue_job_id)
        if settled:
            self._container.metrics.record_job_between(
                spec.name, JobState.INTERRUPTED, job.started_at, datetime.now(UTC)
            )
        return settled
