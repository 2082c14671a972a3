"""The audit trail: appended, listed and read in time order for exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import MAX_PAGE_SIZE, Page, paged
from boomi_promo.store.tables import AuditEntry, utcnow


class AuditLogRepository:
    """The append-only audit trail: entries can be added and read, never changed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def append(
        self,
        *,
        actor_email: str,
        action: str,
        target_type: str,
        target_id: str,
        process_name: str | None = None,
        before_status: str | None = None,
        after_status: str | None = None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        entry = AuditEntry(
            actor_email=actor_email,
            action=action,
            target_type=target_type,
            target_id=target_id,
            process_name=process_name,
            before_status=before_status,
            after_status=after_status,
            detail=detail,
            at=at or utcnow(),
        )
        self._session.add(entry)
        await self._session.flush()
        return entry

    async def list_entries(
        self,
        *,
        target_type: str | None = None,
        target_id: str | None = None,
        actor_email: str | None = None,
        page: int = 1,
        page_size: int = 100,
    ) -> Page[AuditEntry]:
        """Entries matching the filters in the order they were written (actor case-insensitive)."""
        conditions: list[ColumnElement[bool]] = []
        if target_type is not None:
            conditions.append(AuditEntry.target_type == target_type)
        if target_id is not None:
            conditions.append(AuditEntry.target_id == target_id)
        if actor_email is not None:
            conditions.append(func.lower(AuditEntry.actor_email) == actor_email.lower())
        return await paged(self._session, AuditEntry, conditions, [AuditEntry.id], page, page_size)

    async def list_in_time_order(
        self,
        *,
        after: AuditCursor | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        actor_email: str | None = None,
        target_type: str | None = None,
        limit: int = MAX_PAGE_SIZE,
    ) -> list[AuditEntry]:
        """Up to ``limit`` entries by time (entries of the same instant in the order written),
        starting just after ``after``: the cursor of the last entry of the previous batch.

        A cursor rather than an offset, so a reader that pages through a trail that grows
        meanwhile neither skips nor repeats an entry. ``since`` is inclusive, ``until``
        exclusive; actor and target type compare case-insensitively.
        """
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
        conditions: list[ColumnElement[bool]] = []
        if after is not None:
            conditions.append(
                or_(
                    AuditEntry.at > after.at,
                    and_(AuditEntry.at == after.at, AuditEntry.id > after.entry_id),
                )
            )
        if since is not None:
            conditions.append(AuditEntry.at >= since)
        if until is not None:
            conditions.append(AuditEntry.at < until)
        if actor_email is not None:
            conditions.append(func.lower(AuditEntry.actor_email) == actor_email.lower())
        if target_type is not None:
            conditions.append(func.lower(AuditEntry.target_type) == target_type.lower())
        rows = await self._session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at, AuditEntry.id)
            .limit(limit)
        )
        return list(rows)


class AuditCursor(NamedTuple):
    """Where a time-ordered read of the audit trail stopped: the last entry's time and id."""

    at: datetime
    entry_id: int

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditCursor:
        return cls(entry.at, entry.id)
