from __future__ import annotations

import asyncio

import pytest

from boomi_promo.boomi import LocalRateLimiter
from tests.unit.boomi.support import FakeClock, FakeSleep


async def test_requests_are_spaced_at_the_rate() -> None:
    clock = FakeClock()
    sleep = FakeSleep(clock)
    limiter = LocalRateLimiter(rate=10, guard=0, clock=clock, sleep=sleep)

    waits = [await limiter.acquire("acct") for _ in range(4)]

    assert waits == pytest.approx([0.0, 0.1, 0.1, 0.1])
    assert clock.now == pytest.approx(1000.3)


async def test_time_already_spent_counts_toward_the_spacing() -> None:
    clock = FakeClock()
    limiter = LocalRateLimiter(rate=10, guard=0, clock=clock, sleep=FakeSleep(clock))
    await limiter.acquire("acct")
    clock.now += 0.07  # the request itself took 70 ms
    assert await limiter.acquire("acct") == pytest.approx(0.03)
    clock.now += 1.0  # idle: no debt carries over
    assert await limiter.acquire("acct") == 0.0


async def test_concurrent_callers_get_staggered_slots() -> None:
    clock = FakeClock()
    sleep = FakeSleep()  # the clock stands still: all callers arrive at the same instant
    limiter = LocalRateLimiter(rate=10, guard=0, clock=clock, sleep=sleep)

    waits = await asyncio.gather(*(limiter.acquire("acct") for _ in range(5)))

    assert sorted(waits) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


async def test_accounts_are_limited_independently() -> None:
    clock = FakeClock()
    limiter = LocalRateLimiter(rate=10, guard=0, clock=clock, sleep=FakeSleep())
    assert await limiter.acquire("primary") == 0.0
    assert await limiter.acquire("dev-a") == 0.0
    assert await limiter.acquire("primary") == pytest.approx(0.1)


async def test_burst_lets_that_many_through_at_once() -> None:
    clock = FakeClock()
    limiter = LocalRateLimiter(rate=10, burst=3, guard=0, clock=clock, sleep=FakeSleep())
    waits = [await limiter.acquire("acct") for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


async def test_waiting_does_not_block_other_coroutines() -> None:
    limiter = LocalRateLimiter(rate=20)  # real clock and sleep: 50 ms spacing
    events: list[str] = []

    async def limited() -> None:
        await limiter.acquire("acct")
        await limiter.acquire("acct")
        events.append("second request allowed")

    async def other_work() -> None:
        await asyncio.sleep(0)
        events.append("other work done")

    await asyncio.gather(limited(), other_work())
    assert events == ["other work done", "second request allowed"]


async def test_the_guard_keeps_any_one_second_window_at_the_rate_despite_jitter() -> None:
    clock = FakeClock()
    limiter = LocalRateLimiter(rate=10, clock=clock, sleep=FakeSleep(clock))
    departures = []
    for _ in range(40):
        await limiter.acquire("acct")
        departures.append(clock.now)
    # Each request arrives 0-90 ms after it left, the worst way round: early ones late.
    arrivals = sorted(t + (0.09 if i % 10 == 0 else 0.0) for i, t in enumerate(departures))
    busiest = max(sum(1 for a in arrivals if start <= a < start + 1.0) for start in arrivals)
    assert busiest == 10


async def test_a_caller_woken_late_takes_the_next_free_slot_instead() -> None:
    clock = FakeClock()
    late_once = [0.2]

    async def busy_sleep(seconds: float) -> None:
        # The first sleeper's event loop is busy: it wakes 200 ms after its slot.
        clock.now += seconds + (late_once.pop() if late_once else 0.0)

    limiter = LocalRateLimiter(rate=10, clock=clock, sleep=busy_sleep)
    await limiter.acquire("acct")  # the slot now, no sleep
    sent = []
    for _ in range(2):
        await limiter.acquire("acct")
        sent.append(clock.now)

    # Woken at 1000.31 for the 1000.11 slot: it reserved again, got the slot then free (its
    # wake-up time), and the next request keeps a full interval after it.
    assert sent[0] == pytest.approx(1000.31)
    assert sent[1] - sent[0] == pytest.approx(0.11)


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (10, 0)])
def test_nonsense_settings_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        LocalRateLimiter(rate=rate, burst=burst)
