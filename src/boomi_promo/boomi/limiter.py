"""Request-rate limiting for the Boomi Platform API (about 10 requests per second per account).

The client asks a :class:`RateLimiter` for permission before every attempt, keyed by the
account Boomi counts the call against: the primary account (Boomi's rule for Partner API calls),
or the ``overrideAccount`` when the primary account has ``overrideAccountRateLimit`` on
(``BoomiSettings.override_account_rate_limit``). Past its limit Boomi answers 503.
``acquire`` suspends only the calling coroutine, so other calls — other accounts, or work
that does not touch Boomi — run while it waits.

:class:`LocalRateLimiter` is the in-process implementation. It uses the generic cell rate
algorithm (GCRA): the whole state of a key is one number, the "theoretical arrival time"
of the next request. That keeps a shared implementation simple: a database-backed limiter
stores the same number per key in a row and updates it under a row lock, then sleeps for
the wait it computed — the same :class:`RateLimiter` protocol, so the client cannot tell
the difference (``store.rate_limits.DatabaseRateLimiter``, chosen on PostgreSQL).

A limiter decides when a request leaves; the server counts when it arrives. Two things keep
``rate + 1`` requests out of every one-second window at the server despite that: slots are
``GUARD`` (10 %) wider than ``1 / rate``, so ``rate + 1`` slots span 1.1 s; and a caller that
wakes more than half the guard (50 ms) after its slot — its event loop was busy — gives the slot
up and reserves the next free one instead of crowding the requests behind it. What is left of
the guard absorbs network jitter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

GUARD = 0.1
"""Extra spacing, as a fraction of ``1 / rate``: absorbs jitter between leaving and arriving."""


def slot_interval(rate: float, guard: float = GUARD) -> float:
    """Seconds between two requests for one key at ``rate`` requests per second."""
    if rate <= 0:
        raise ValueError("rate must be a positive number of requests per second")
    if guard < 0:
        raise ValueError("guard must not be negative")
    return (1.0 + guard) / rate


async def take_slot(
    reserve: Callable[[], Awaitable[float]],
    *,
    late_limit: float,
    clock: Callable[[], float],
    sleep: Callable[[float], Awaitable[None]],
) -> float:
    """Reserve a slot and sleep until it; again if woken more than ``late_limit`` after it.

    ``reserve`` books the next free slot and answers how long until it. Returns the seconds
    the reservations asked to wait, all attempts together.
    """
    waited = 0.0
    while True:
        wait = await reserve()
        due = clock() + wait
        waited += wait
        if wait > 0:
            await sleep(wait)
        if clock() - due <= late_limit:
            return waited


class RateLimiter(Protocol):
    async def acquire(self, key: str) -> float:
        """Wait until one more request for ``key`` is allowed; return the seconds waited."""
        ...


class LocalRateLimiter:
    """At most ``rate`` requests per second per key, with up to ``burst`` back to back.

    The default burst of 1 spaces requests evenly (110 ms apart at 10/s), which also stays
    under a server that counts requests in a sliding one-second window; a larger burst
    lets short bursts through at the cost of up to ``burst - 1`` extra requests in a window.

    Callers that arrive together are given staggered slots at once, in arrival order, and
    each sleeps only until its own slot.
    """

    def __init__(
        self,
        rate: float = 10.0,
        burst: int = 1,
        *,
        guard: float = GUARD,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._interval = slot_interval(rate, guard)
        self._tolerance = (burst - 1) * self._interval
        self._late_limit = guard / 2
        self._clock = clock
        self._sleep = sleep
        self._next_arrival: dict[str, float] = {}

    async def acquire(self, key: str) -> float:
        async def reserve() -> float:
            return self._reserve(key)

        return await take_slot(
            reserve, late_limit=self._late_limit, clock=self._clock, sleep=self._sleep
        )

    def _reserve(self, key: str) -> float:
        # No await between reading and writing the state, so concurrent callers on one event
        # loop never get the same slot.
        now = self._clock()
        theoretical_arrival = max(self._next_arrival.get(key, now), now)
        self._next_arrival[key] = theoretical_arrival + self._interval
        return max(0.0, theoretical_arrival - self._tolerance - now)
