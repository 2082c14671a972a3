"""Dashboard sessions signed out before their cookie expired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import upsert
from boomi_promo.store.tables import SignedOutSession, utcnow


class SignedOutSessionRepository:
    """Dashboard sessions signed out before their cookies expire."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, session_id: str, *, expires_at: datetime) -> None:
        """Remember a signed-out session; forget those whose cookies have expired anyway."""
        await self._session.execute(
            delete(SignedOutSession).where(SignedOutSession.expires_at < utcnow())
        )
        await upsert(
            self._session,
            SignedOutSession(session_id=session_id, expires_at=expires_at),
            ("session_id",),
        )

    async def contains(self, session_id: str) -> bool:
        found = await self._session.scalar(
            select(SignedOutSession.session_id).where(
                SignedOutSession.session_id == session_id, SignedOutSession.expires_at >= utcnow()
            )
        )
        return found is not None
