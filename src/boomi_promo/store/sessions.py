"""Dashboard sign-ins that ended before their cookie expired, remembered for every replica."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from boomi_promo.store.uow import UnitOfWorkFactory

SESSION_MAX_AGE_SECONDS = 12 * 60 * 60
"""How long a dashboard session cookie lasts (and so how long a sign-out is remembered)."""


class SignedOutSessions:
    """Sessions signed out before their cookie expired, kept in the store for every replica.

    The cookie is only signed, so a copy taken before sign-out would otherwise work until it
    expires; with this record it is refused everywhere from the moment of sign-out.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, *, max_age_seconds: int) -> None:
        self._uow_factory = uow_factory
        self._max_age = timedelta(seconds=max_age_seconds)

    async def add(self, sid: str) -> None:
        async with self._uow_factory() as uow:
            await uow.signed_out_sessions.add(sid, expires_at=datetime.now(UTC) + self._max_age)
            await uow.commit()

    async def contains(self, sid: str) -> bool:
        async with self._uow_factory() as uow:
            return await uow.signed_out_sessions.contains(sid)
