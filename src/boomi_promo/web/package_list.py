"""The Package Browser's list: search, paging and a short-lived cache of an account's packages.

``listDevPackages`` returns every package of a dev account and, against the real API, costs
one Boomi query plus one metadata read per component. Typing in the search box or paging must
not repeat that, so each user's listing of an account is kept for a short while; "Try again"
and "Refresh" load it afresh.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

from boomi_promo.actions.packages import PackageItem
from boomi_promo.identity.principal import Principal
from boomi_promo.web.paging import PageView

PAGE_SIZE = 25
CACHE_SECONDS = 30.0
CACHE_MAX_ENTRIES = 256


def matches(package: PackageItem, terms: Sequence[str]) -> bool:
    """Every term appears (case-insensitively) in the name, type, version or notes."""
    haystack = " ".join(
        (package.component_name, package.component_type, package.package_version, package.notes)
    ).casefold()
    return all(term in haystack for term in terms)


def search(packages: Sequence[PackageItem], query: str) -> list[PackageItem]:
    terms = query.casefold().split()
    return [p for p in packages if matches(p, terms)]


def paginate(
    packages: Sequence[PackageItem], page: int, size: int = PAGE_SIZE
) -> PageView[PackageItem]:
    """One page of ``packages``; a page number past either end shows the nearest page."""
    count = max(1, math.ceil(len(packages) / size))
    number = min(max(page, 1), count)
    start = (number - 1) * size
    return PageView(
        items=list(packages[start : start + size]), total=len(packages), number=number, size=size
    )


def parse_page(value: str) -> int:
    try:
        return max(int(value), 1)
    except ValueError:
        return 1


CacheKey = tuple[str, tuple[str, ...], str]


def cache_key(principal: Principal, account_id: str) -> CacheKey:
    """Per user and groups: a listing is only ever shown to the caller it was authorised for."""
    return (principal.email.casefold(), tuple(sorted(principal.groups)), account_id)


class PackageListCache:
    """Listings by (user, groups, account), each kept ``ttl_seconds``; failures are not kept.

    Concurrent requests for the same listing wait for one load instead of each calling Boomi.
    """

    def __init__(
        self,
        *,
        ttl_seconds: float = CACHE_SECONDS,
        max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[CacheKey, tuple[float, list[PackageItem]]] = OrderedDict()
        self._locks: dict[CacheKey, asyncio.Lock] = {}

    async def get(
        self,
        key: CacheKey,
        load: Callable[[], Awaitable[list[PackageItem]]],
        *,
        refresh: bool = False,
    ) -> list[PackageItem]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        requested_at = self._clock()
        async with lock:
            entry = self._entries.get(key)
            # A refresh that waited for another load is satisfied by it: that load is newer.
            fresh_enough = entry is not None and (not refresh or entry[0] > requested_at)
            if entry is not None and fresh_enough and self._clock() - entry[0] < self._ttl:
                return entry[1]
            packages = await load()
            self._store(key, packages)
            return packages

    def _store(self, key: CacheKey, packages: list[PackageItem]) -> None:
        self._entries[key] = (self._clock(), packages)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            evicted, _ = self._entries.popitem(last=False)
            lock = self._locks.get(evicted)
            if lock is not None and not lock.locked():
                del self._locks[evicted]
