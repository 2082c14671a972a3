"""The unit of work: one session, one transaction, all repositories.

    async with uow_factory() as uow:
        log = await uow.promotions.get_for_update(promotion_id)
        ...
        uow.on_commit(lambda: jobs.start(job_id))
        await uow.commit()

Nothing is written unless ``commit()`` is awaited: leaving the block without it (normally or
by an exception) rolls everything back and drops the ``on_commit`` callbacks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from inspect import isawaitable
from types import TracebackType
from typing import Self

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from boomi_promo.store.database import session_factory
from boomi_promo.store.repositories.access import DevAccountAccessRepository
from boomi_promo.store.repositories.audit import AuditLogRepository
from boomi_promo.store.repositories.client_accounts import ClientAccountConfigRepository
from boomi_promo.store.repositories.extensions import (
    ExtensionAccessMappingRepository,
    PendingExtensionEditRepository,
)
from boomi_promo.store.repositories.jobs import JobRepository
from boomi_promo.store.repositories.main_forms import MainComponentFormRepository
from boomi_promo.store.repositories.mappings import (
    ComponentMappingRepository,
    MappingChangeRepository,
)
from boomi_promo.store.repositories.notifications import NotificationRepository
from boomi_promo.store.repositories.promotions import PromotionLogRepository
from boomi_promo.store.repositories.secret_allowlist import SecretAllowlistRepository
from boomi_promo.store.repositories.sessions import SignedOutSessionRepository

AfterCommit = Callable[[], Awaitable[None] | None]


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.access = DevAccountAccessRepository(session)
        self.mappings = ComponentMappingRepository(session)
        self.mapping_changes = MappingChangeRepository(session)
        self.promotions = PromotionLogRepository(session)
        self.client_accounts = ClientAccountConfigRepository(session)
        self.extension_access = ExtensionAccessMappingRepository(session)
        self.jobs = JobRepository(session)
        self.audit = AuditLogRepository(session)
        self.pending_extension_edits = PendingExtensionEditRepository(session)
        self.notifications = NotificationRepository(session)
        self.signed_out_sessions = SignedOutSessionRepository(session)
        self.secret_allowlist = SecretAllowlistRepository(session)
        self.main_forms = MainComponentFormRepository(session)
        self._after_commit: list[AfterCommit] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._after_commit.clear()
        # Closing rolls back whatever was not committed.
        await self.session.close()

    def on_commit(self, callback: AfterCommit) -> None:
        """Run ``callback`` (sync or async) once the next ``commit()`` has succeeded."""
        self._after_commit.append(callback)

    async def commit(self) -> None:
        """Commit, then run the ``on_commit`` callbacks in the order they were registered.

        Every callback runs even if an earlier one fails; the first failure is raised afterwards
        (the transaction stays committed).
        """
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        failures: list[Exception] = []
        for callback in callbacks:
            try:
                result = callback()
                if isawaitable(result):
                    await result
            except Exception as error:
                failures.append(error)
        if failures:
            first = failures[0]
            for other in failures[1:]:
                first.add_note(f"another on_commit callback also failed: {other!r}")
            raise first

    async def hold_lock(self, name: str) -> None:
        """Wait for, then hold until this unit of work ends, the lock called ``name`` across
        every process sharing the database (a PostgreSQL transaction-scoped advisory lock).
        SQLite lets one process write, so its callers need only a lock in the process."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        await self.session.execute(select(func.pg_advisory_xact_lock(key)))

    async def rollback(self) -> None:
        """Discard the changes so far and the ``on_commit`` callbacks; the unit stays usable."""
        self._after_commit.clear()
        await self.session.rollback()


class UnitOfWorkFactory:
    """Makes a fresh :class:`UnitOfWork` per call; build one per engine and share it."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions: async_sessionmaker[AsyncSession] = session_factory(engine)

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self._sessions())
