"""Prometheus metrics and readiness checks.

Each :class:`ServiceMetrics` owns its own ``CollectorRegistry`` (not the process-global one),
so several services in one process — tests, the demo — never clash or share counts. Counters
and histograms are per process; ``promotions_by_status`` is read from the shared store at
scrape time, so every replica reports the same deployment-wide numbers for it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.transport import BoomiCall
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store import JobState, PromotionLog

NO_ANSWER_STATUS = "none"
"""The ``status`` label of a Boomi call that got no HTTP answer (timeout, connection failure)."""

READINESS_BOOMI_TIMEOUT_SECONDS = 5.0
"""A readiness probe must answer quickly; Boomi slower than this counts as unreachable."""

_LIMITER_WAIT_BUCKETS = (0.0, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_JOB_BUCKETS = (0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


class ServiceMetrics:
    """The service's metrics in one registry; :meth:`exposition` renders them for ``/metrics``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.boomi_calls = Counter(
            "boomi_calls",
            "HTTP attempts against the Boomi API, by method, path template and answer status.",
            ["method", "path", "status"],
            registry=self.registry,
        )
        self.boomi_retries = Counter(
            "boomi_retries",
            "Boomi attempts that failed and were retried, by path template.",
            ["path"],
            registry=self.registry,
        )
        self.boomi_rate_limited = Counter(
            "boomi_rate_limited",
            "Boomi answers 429 Too Many Requests, by path template.",
            ["path"],
            registry=self.registry,
        )
        self.boomi_limiter_wait = Histogram(
            "boomi_limiter_wait_seconds",
            "Time a Boomi attempt waited for the rate limiter before it was sent.",
            buckets=_LIMITER_WAIT_BUCKETS,
            registry=self.registry,
        )
        self.boomi_call_duration = Histogram(
            "boomi_call_seconds",
            "Duration of one HTTP attempt against the Boomi API (limiter wait excluded).",
            registry=self.registry,
        )
        self.jobs_finished = Counter(
            "jobs_finished",
            "Long actions that ended, by action and final state.",
            ["action", "state"],
            registry=self.registry,
        )
        self.job_duration = Histogram(
            "job_seconds",
            "Duration of long actions from start to end, by action.",
            ["action"],
            buckets=_JOB_BUCKETS,
            registry=self.registry,
        )
        self.promotions_by_status = Gauge(
            "promotions_by_status",
            "Promotions in the store, by status (read from the database at scrape time).",
            ["status"],
            registry=self.registry,
        )

    def record_boomi_call(self, call: BoomiCall) -> None:
        """The Boomi client's ``on_call`` hook: one HTTP attempt."""
        status = str(call.status) if call.status is not None else NO_ANSWER_STATUS
        self.boomi_calls.labels(call.method, call.path_template, status).inc()
        if call.will_retry:
            self.boomi_retries.labels(call.path_template).inc()
        if call.status == 429:
            self.boomi_rate_limited.labels(call.path_template).inc()
        self.boomi_limiter_wait.observe(call.limiter_wait_seconds)
        self.boomi_call_duration.observe(call.elapsed_seconds)

    def record_job(self, action: str, state: JobState, seconds: float | None) -> None:
        """A job ended; ``seconds`` is ``None`` when its start time is unknown."""
        self.jobs_finished.labels(action, state.value).inc()
        if seconds is not None:
            self.job_duration.labels(action).observe(max(seconds, 0.0))

    def record_job_between(
        self, action: str, state: JobState, started: datetime | None, finished: datetime | None
    ) -> None:
        """A job ended, timed by the timestamps on its row (it may have run in another process)."""
        seconds = (finished - started).total_seconds() if started and finished else None
        self.record_job(action, state, seconds)

    async def refresh_promotions(self, engine: AsyncEngine) -> None:
        """Count promotions by status in the store; statuses with none report 0."""
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(PromotionLog.status, func.count()).group_by(PromotionLog.status)
            )
            counts: dict[str, int] = {status: count for status, count in rows}
        for known in PromotionStatus:
            counts.setdefault(known.value, 0)
        for status, count in counts.items():
            self.promotions_by_status.labels(status).set(count)

    async def exposition(self, engine: AsyncEngine) -> bytes:
        """Every metric in the Prometheus text format, promotion counts fresh from the store."""
        await self.refresh_promotions(engine)
        return generate_latest(self.registry)


async def database_problem(engine: AsyncEngine) -> str | None:
    """Why the database cannot serve the service, or ``None`` when it answers."""
    try:
        async with engine.connect() as conn:
            await conn.execute(text("select 1"))
    except Exception as exc:  # any database failure means not ready
        return f"unreachable ({type(exc).__name__})"
    return None


async def boomi_problem(
    boomi: BoomiClient, *, timeout_seconds: float = READINESS_BOOMI_TIMEOUT_SECONDS
) -> str | None:
    """Why the primary Boomi account cannot be read, or ``None`` when it can."""
    try:
        async with asyncio.timeout(timeout_seconds):
            await boomi.get_account(boomi.account_id)
    except TimeoutError:
        return f"unreachable (no answer within {timeout_seconds:g} s)"
    except BoomiError as exc:
        answered = f"answered {exc.status_code}" if exc.status_code else "no answer"
        return f"unreachable ({answered}, {exc.error_code})"
    return None
