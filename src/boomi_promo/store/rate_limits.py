"""The Boomi rate limit shared by every process of a deployment, kept in PostgreSQL.

The same generic cell rate algorithm as ``boomi.limiter.LocalRateLimiter``: each account key
has one number, the earliest moment its next request may leave. Reserving a slot is one
``INSERT … ON CONFLICT DO UPDATE`` on that row — the row lock serializes processes that ask at
once, each gets its own slot, and the statement answers how long to sleep. The moments are on
the database server's clock, so machines whose clocks differ still keep to one schedule.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from boomi_promo.boomi.limiter import GUARD, slot_interval, take_slot

# clock_timestamp(), not now(): the time when each expression runs. In the UPDATE that is after
# the row lock is granted, so a caller that queued for the lock is not told to wait as if it
# had asked earlier — that would send it late and crowd it against the requests after it.
_RESERVE_SLOT = text(
    """
    INSERT INTO boomi_rate_limits AS slot (account_key, next_slot_at)
    VALUES (:key, extract(epoch FROM clock_timestamp()) + :interval)
    ON CONFLICT (account_key) DO UPDATE
        SET next_slot_at = GREATEST(slot.next_slot_at, extract(epoch FROM clock_timestamp()))
            + :interval
    RETURNING slot.next_slot_at - :interval - :tolerance - extract(epoch FROM clock_timestamp())
    """
)


class DatabaseRateLimiter:
    """At most ``rate`` requests per second per key across every process using ``engine``."""

    def __init__(
        self,
        engine: AsyncEngine,
        rate: float = 10.0,
        burst: int = 1,
        *,
        guard: float = GUARD,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if engine.dialect.name != "postgresql":
            raise ValueError("the shared Boomi rate limit needs PostgreSQL")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self._engine = engine
        self._interval = slot_interval(rate, guard)
        self._tolerance = (burst - 1) * self._interval
        self._late_limit = guard / 2
        self._clock = clock
        self._sleep = sleep

    async def acquire(self, key: str) -> float:
        async def reserve() -> float:
            async with self._engine.begin() as connection:
                result = await connection.execute(
                    _RESERVE_SLOT,
                    {"key": key, "interval": self._interval, "tolerance": self._tolerance},
                )
                return max(0.0, float(result.scalar_one()))

        return await take_slot(
            reserve, late_limit=self._late_limit, clock=self._clock, sleep=self._sleep
        )
