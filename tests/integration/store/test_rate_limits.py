"""The shared Boomi rate limit: engines standing for separate processes draw from one schedule."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from boomi_promo.store.database import create_engine
from boomi_promo.store.migrate import upgrade_database
from boomi_promo.store.rate_limits import DatabaseRateLimiter

on_postgres = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@on_postgres
async def test_two_processes_share_one_schedule_per_account(database_url: str) -> None:
    await upgrade_database(database_url)
    engines = [create_engine(database_url) for _ in range(2)]
    try:
        limiters = [DatabaseRateLimiter(engine, rate=20) for engine in engines]
        sent: list[float] = []

        async def request(limiter: DatabaseRateLimiter) -> None:
            await limiter.acquire("primary")
            sent.append(time.monotonic())

        await asyncio.gather(*(request(limiters[i % 2]) for i in range(20)))
    finally:
        for engine in engines:
            await engine.dispose()

    sent.sort()
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    # 20/s with the 10 % guard: a slot every 55 ms; scheduling noise may shift a send a little.
    assert sum(gaps) >= 19 * 0.055 - 0.02
    busiest = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert busiest <= 20


@on_postgres
async def test_accounts_have_their_own_schedules(database_url: str) -> None:
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        limiter = DatabaseRateLimiter(engine, rate=2)
        assert await limiter.acquire("primary") == 0.0
        assert await limiter.acquire("dev-a") == 0.0
        waited = await limiter.acquire("primary")
    finally:
        await engine.dispose()
    assert waited == pytest.approx(0.55, abs=0.05)


async def test_sqlite_is_refused_with_a_reason() -> None:
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    try:
        with pytest.raises(ValueError, match="PostgreSQL"):
            DatabaseRateLimiter(engine)
    finally:
        await engine.dispose()
