"""Search, paging, the listing cache and the display filters, without HTTP."""

from __future__ import annotations

import asyncio

import pytest

from boomi_promo.actions.packages import PackageItem
from boomi_promo.web.package_list import PackageListCache, paginate, parse_page, search
from boomi_promo.web.templating import component_type_class, format_timestamp
from tests.unit.web.support import package


def test_paging_counts_pages_and_clamps_the_number() -> None:
    packages = [package(n) for n in range(51)]

    assert [paginate(packages, n).number for n in (0, 1, 3, 4)] == [1, 1, 3, 3]
    last = paginate(packages, 3)
    assert (last.count, last.total, len(last.items)) == (3, 51, 1)
    assert last.has_previous and not last.has_next
    empty = paginate([], 5)
    assert (empty.number, empty.count, empty.items) == (1, 1, [])


def test_search_needs_every_term_somewhere() -> None:
    packages = [
        package(1, component_name="Order Sync", notes="nightly"),
        package(2, component_name="Order Export"),
    ]

    assert [p.component_name for p in search(packages, "ORDER nightly")] == ["Order Sync"]
    assert len(search(packages, "   ")) == 2


@pytest.mark.parametrize(("value", "page"), [("2", 2), ("0", 1), ("-3", 1), ("x", 1), ("", 1)])
def test_page_numbers_are_read_leniently(value: str, page: int) -> None:
    assert parse_page(value) == page


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_the_cache_keeps_a_listing_for_its_lifetime_only() -> None:
    clock = Clock()
    cache = PackageListCache(ttl_seconds=30, clock=clock)
    loads: list[int] = []

    async def load() -> list[PackageItem]:
        loads.append(1)
        return [package(len(loads))]

    key = ("alice@example.com", ("TEAM_A",), "acct-a")
    await cache.get(key, load)
    clock.now += 29
    await cache.get(key, load)
    assert len(loads) == 1
    clock.now += 2
    await cache.get(key, load)
    assert len(loads) == 2
    await cache.get(key, load, refresh=True)
    assert len(loads) == 3


async def test_concurrent_requests_share_one_load() -> None:
    cache = PackageListCache()
    release = asyncio.Event()
    loads: list[int] = []

    async def slow_load() -> list[PackageItem]:
        loads.append(1)
        await release.wait()
        return [package(1)]

    key = ("alice@example.com", (), "acct-a")
    first = asyncio.create_task(cache.get(key, slow_load))
    second = asyncio.create_task(cache.get(key, slow_load, refresh=True))
    await asyncio.sleep(0)
    release.set()

    assert await first == await second
    assert len(loads) == 1


async def test_the_cache_forgets_the_oldest_listing_when_full() -> None:
    cache = PackageListCache(max_entries=2)
    loads: list[str] = []

    def loader(account: str):
        async def load() -> list[PackageItem]:
            loads.append(account)
            return []

        return load

    for account in ("a", "b", "c", "a"):
        await cache.get(("u", (), account), loader(account))

    assert loads == ["a", "b", "c", "a"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2025-01-31T14:05:09Z", "2025-01-31 14:05 UTC"),
        ("2025-01-31T14:05:09.123Z", "2025-01-31 14:05 UTC"),
        ("2025-01-31T15:05:09+01:00", "2025-01-31 14:05 UTC"),
        ("yesterday", "yesterday"),
        ("", ""),
    ],
)
def test_timestamps_are_shown_in_utc(value: str, shown: str) -> None:
    assert format_timestamp(value) == shown


@pytest.mark.parametrize(
    ("component_type", "css_class"),
    [
        ("process", "type-process"),
        ("transform.map", "type-transform"),
        ("connector-settings", "type-connector-settings"),
        ("Script.Processing", "type-script"),
        ('x" onmouseover="y', "type-x-onmouseover-y"),
        ("", "type-other"),
    ],
)
def test_component_type_badges_get_a_safe_class(component_type: str, css_class: str) -> None:
    assert component_type_class(component_type) == css_class
