"""Two deployments into one integration pack at once keep each other's components: Boomi's pack
update replaces the whole list, so the add and the release run one at a time
(engine.locks), in a process and, on PostgreSQL, across processes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from boomi_promo.boomi import BoomiClient
from boomi_promo.engine.locks import one_at_a_time, pack_lock
from boomi_promo.store import UnitOfWorkFactory
from tests.integration.emulator.deployment import new_process
from tests.support.servers import EmulatorHandle

LATENCY_SECONDS = 0.05


Add = Callable[[BoomiClient, str, str], Awaitable[None]]


async def add_both_at_once(emulator: EmulatorHandle, *, add: Add) -> set[str]:
    """Two processes added to a new pack by two concurrent callers; what the pack holds."""
    with emulator.client() as http:
        first, second = new_process(http, "Orders A"), new_process(http, "Orders B")
    async with emulator.boomi_client() as boomi:
        for process in (first, second):
            await boomi.create_packaged_component(process, package_version="1.0", shareable=True)
        pack = await boomi.create_publisher_integration_pack("Shared Pack")
        emulator.state.settings.latency_seconds = LATENCY_SECONDS
        await asyncio.gather(add(boomi, pack.id, first), add(boomi, pack.id, second))
        emulator.state.settings.latency_seconds = 0
        held = await boomi.get_publisher_integration_pack(pack.id)
    found = {c.component_id for c in held.components if not c.deleted}
    assert found <= {first, second}
    return found


async def test_without_the_lock_one_of_two_concurrent_adds_is_lost(
    emulator: EmulatorHandle,
) -> None:
    async def add(boomi: BoomiClient, pack_id: str, component_id: str) -> None:
        await boomi.add_to_integration_pack(pack_id, [component_id])

    # Why the lock exists: both read the empty pack, each update lists only its own component.
    assert len(await add_both_at_once(emulator, add=add)) == 1


async def test_with_the_lock_two_concurrent_adds_keep_both_components(
    emulator: EmulatorHandle, uow_factory: UnitOfWorkFactory
) -> None:
    async def add(boomi: BoomiClient, pack_id: str, component_id: str) -> None:
        async with one_at_a_time(uow_factory, pack_lock(pack_id)):
            await boomi.add_to_integration_pack(pack_id, [component_id])

    assert len(await add_both_at_once(emulator, add=add)) == 2


async def test_the_database_lock_makes_another_process_wait(
    uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    """Two units of work stand for two processes (the lock in the process is not shared)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL lock: SQLite lets one process write at a time")
    order: list[str] = []
    held = asyncio.Event()

    async def first() -> None:
        async with uow_factory() as uow:
            await uow.hold_lock(pack_lock("P1"))
            held.set()
            await asyncio.sleep(0.2)
            order.append("first done")
            await uow.commit()

    async def second() -> None:
        await held.wait()
        async with uow_factory() as uow:
            await uow.hold_lock(pack_lock("P1"))
            order.append("second in")

    await asyncio.gather(first(), second())
    assert order == ["first done", "second in"]
