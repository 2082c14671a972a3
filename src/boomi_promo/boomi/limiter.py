"""Request-rate limiting for the Boomi Platform API (about 10 requests per second per account).

The client asks a :class:`RateLimiter` for permission before every attempt, keyed by the
effective account (the ``overrideAccount`` when there is one, else the primary account).
``acquire`` suspends only the calling coroutine, so other calls — other accounts, or work
that does not touch Boomi — run while it waits.

:class:`LocalRateLimiter` is the in-process implementation. It uses the generic cell rate
algorithm (GCRA): the whole state of a key is one number, the "theoretical arrival time"
of the next request. That keeps a shared implementation simple: a database-backed limiter
stores the same number per key in a row and updates it under a row lock, then sleeps for
the wait it computed — the same :class:`RateLimiter` protocol, so the client cannot tell
the difference.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol


class RateLimiter(Protocol):
    async def acquire(self, key: str) -> float:
        """Wait until one more request for ``key`` is allowed; return the seconds waited."""
        ...


class LocalRateLimiter:
    """At most ``rate`` requests per second per key, with up to ``burst`` back to back.

    The default burst of 1 spaces requests evenly (100 ms apart at 10/s), which also stays
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
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be a positive number of requests per second")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = rate
        self.burst = burst
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        self._sleep = sleep
        self._next_arrival: dict[str, float] = {}

    async def acquire(self, key: str) -> float:
        now = self._clock()
        # Reserve the slot before sleeping: there is no await between reading and writing
        # the state, so concurrent callers on one event loop never get the same slot.
        theoretical_arrival = max(self._next_arrival.get(key, now), now)
        wait = max(0.0, theoretical_arrival - self._tolerance - now)
        self._next_arrival[key] = theoretical_arrival + self._interval
        if wait > 0:
            await self._sleep(wait)
        return wait
