"""One at a time: read-modify-writes of a Boomi object that no API call makes atomic.

Boomi's update of a PublisherIntegrationPack replaces its whole component list, and a map
extension is written whole: two writers that read the same state would each drop what the
other added. Such a change runs inside :func:`one_at_a_time` — a lock in this process, and a
database lock across processes (:meth:`~boomi_promo.store.UnitOfWork.hold_lock`) — from the read
to the write.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from boomi_promo.store import UnitOfWork, UnitOfWorkFactory

_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def one_at_a_time(uow_factory: UnitOfWorkFactory, name: str) -> AsyncIterator[UnitOfWork]:
    """Hold the lock ``name`` for the block; yields the unit of work whose transaction holds
    it across processes (commit it to keep what the block recorded in it)."""
    lock = _locks.get(name)
    if lock is None:
        lock = _locks[name] = asyncio.Lock()
    async with lock, uow_factory() as uow:
        await uow.hold_lock(name)
        yield uow


def pack_lock(pack_id: str) -> str:
    """The lock of an integration pack's component list."""
    return f"integration-pack:{pack_id}"
