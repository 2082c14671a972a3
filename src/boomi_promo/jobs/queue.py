"""The task queue behind ``promo worker``: procrastinate, on the deployment's PostgreSQL.

Why procrastinate: the deployment already runs PostgreSQL for the store, so the queue needs no
second server (no broker to run, secure and monitor); a job is deferred with a plain INSERT and
picked up through ``LISTEN``/``NOTIFY``; and its ``lock`` runs jobs sharing a lock one after
another across every worker — exactly the one-promotion-per-dev-account rule.

The queue carries only the id of a ``jobs`` row. That row stays the record of the job (state,
progress, response, heartbeat); the queue decides which worker runs it and when.
"""

from __future__ import annotations

from typing import Protocol

import procrastinate
from sqlalchemy.engine import make_url

QUEUE_NAME = "promo-jobs"
RUN_JOB_TASK = "boomi_promo.run_job"
RUNNER_CONTEXT_KEY = "job_runner"


class QueuedJobRunner(Protocol):
    """What a worker hands each job it takes (``jobs.runner.JobRunner``)."""

    async def run_queued(self, job_id: str) -> None: ...


def queue_conninfo(database_url: str) -> str:
    """The libpq URL of the store's SQLAlchemy URL (same server, database and options)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(
            "PROMO_JOBS__QUEUE=procrastinate needs PostgreSQL: set PROMO_DATABASE_URL to a "
            "postgresql+psycopg:// URL"
        )
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_queue_app(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=queue_conninfo(database_url), min_size=1, max_size=pool_size
        )
    )

    @app.task(name=RUN_JOB_TASK, queue=QUEUE_NAME, pass_context=True)
    async def run_job(context: procrastinate.JobContext, job_id: str) -> None:
        runner: QueuedJobRunner = context.additional_context[RUNNER_CONTEXT_KEY]
        await runner.run_queued(job_id)

    return app


async def defer_job(app: procrastinate.App, job_id: str, *, lock: str | None) -> int:
    """Put the job on the queue; the queue's id for it."""
    deferrer = app.configure_task(RUN_JOB_TASK, queue=QUEUE_NAME, lock=lock)
    return await deferrer.defer_async(job_id=job_id)


async def release_queue_job(app: procrastinate.App, queue_job_id: int) -> bool:
    """Mark a job whose worker died as failed, so jobs waiting on its lock can start."""
    try:
        await app.job_manager.finish_job_by_id_async(
            job_id=queue_job_id, status=procrastinate.jobs.Status.FAILED, delete_job=False
        )
    except procrastinate.exceptions.ConnectorException:
        # Already finished: its worker got there first, or it never started.
        return False
    return True
