"""Notification cursors and deliveries (the outbox the dispatcher works through)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Insert, and_, func, inspect, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from boomi_promo.store.repositories.base import Page, check_paging, distinct, rowcount
from boomi_promo.store.tables import (
    AuditEntry,
    DeliveryStatus,
    NotificationCursor,
    NotificationDelivery,
    PromotionLog,
    utcnow,
)


class NotificationRepository:
    """Notifications: the audit-trail cursor, the deliveries queued and sent, stale reviews."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def cursor_for_update(self, name: str) -> NotificationCursor:
        """The named cursor, locked until the unit of work ends.

        Made on first use at the end of the trail as it is then: what happened before
        notifications were switched on is not announced.
        """
        start = select(func.coalesce(func.max(AuditEntry.id), 0)).scalar_subquery()
        values = {"name": name, "last_audit_id": start, "pending_ids": {}, "updated_at": utcnow()}
        if self._session.get_bind().dialect.name == "postgresql":
            await self._session.execute(
                postgresql.insert(NotificationCursor).values(values).on_conflict_do_nothing()
            )
        else:
            await self._session.execute(
                sqlite.insert(NotificationCursor).values(values).on_conflict_do_nothing()
            )
        cursor = await self._session.scalar(
            select(NotificationCursor)
            .where(NotificationCursor.name == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert cursor is not None, "the cursor row was just made"
        return cursor

    async def audit_entries_after(self, audit_id: int, *, limit: int) -> list[AuditEntry]:
        """Entries with an id above ``audit_id``, in id order."""
        rows = await self._session.scalars(
            select(AuditEntry).where(AuditEntry.id > audit_id).order_by(AuditEntry.id).limit(limit)
        )
        return list(rows)

    async def audit_entries_with_ids(self, audit_ids: Iterable[int]) -> list[AuditEntry]:
        ids = set(audit_ids)
        if not ids:
            return []
        rows = await self._session.scalars(
            select(AuditEntry).where(AuditEntry.id.in_(ids)).order_by(AuditEntry.id)
        )
        return list(rows)

    async def queue(self, delivery: NotificationDelivery) -> bool:
        """Add a delivery unless this event is already queued for this channel; ``True`` if new.

        One ``INSERT ... ON CONFLICT DO NOTHING``, so replicas racing on one event queue it once.
        """
        values = {
            attr.key: getattr(delivery, attr.key)
            for attr in inspect(NotificationDelivery).column_attrs
            if attr.key != "id"
        }
        conflict = ["event_key", "channel"]
        statement: Insert
        if self._session.get_bind().dialect.name == "postgresql":
            statement = (
                postgresql.insert(NotificationDelivery)
                .values(values)
                .on_conflict_do_nothing(index_elements=conflict)
            )
        else:
            statement = (
                sqlite.insert(NotificationDelivery)
                .values(values)
                .on_conflict_do_nothing(index_elements=conflict)
            )
        inserted = await self._session.scalar(statement.returning(NotificationDelivery.id))
        return inserted is not None

    async def known_event_keys(self, event_keys: Iterable[str]) -> set[str]:
        """Which of these events already have a delivery on some channel."""
        keys = distinct(event_keys)
        if not keys:
            return set()
        rows = await self._session.scalars(
            select(NotificationDelivery.event_key)
            .where(NotificationDelivery.event_key.in_(keys))
            .distinct()
        )
        return set(rows)

    async def claim_due(
        self, *, now: datetime, hold_until: datetime, limit: int
    ) -> list[NotificationDelivery]:
        """PENDING deliveries due by ``now`` that no live sender holds, now held until
        ``hold_until`` by this caller. Each is claimed by one conditional update, so of
        several replicas exactly one gets it."""
        free = or_(
            NotificationDelivery.claimed_until.is_(None),
            NotificationDelivery.claimed_until < now,
        )
        due = NotificationDelivery.next_attempt_at <= now
        pending = NotificationDelivery.status == DeliveryStatus.PENDING
        candidates = await self._session.scalars(
            select(NotificationDelivery.id)
            .where(pending, due, free)
            .order_by(NotificationDelivery.next_attempt_at, NotificationDelivery.id)
            .limit(limit)
        )
        claimed: list[int] = []
        for delivery_id in list(candidates):
            result = await self._session.execute(
                update(NotificationDelivery)
                .where(NotificationDelivery.id == delivery_id, pending, due, free)
                .values(claimed_until=hold_until)
            )
            if rowcount(result) == 1:
                claimed.append(delivery_id)
        if not claimed:
            return []
        rows = await self._session.scalars(
            select(NotificationDelivery)
            .where(NotificationDelivery.id.in_(claimed))
            .order_by(NotificationDelivery.id)
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def record_attempt(
        self,
        delivery_id: int,
        *,
        status: DeliveryStatus,
        attempts: int,
        error: str | None,
        next_attempt_at: datetime | None = None,
    ) -> None:
        """The outcome of an attempt: SENT, FAILED, or PENDING again from ``next_attempt_at``.
        ``last_error`` keeps the latest failure, also once a later attempt succeeds."""
        now = utcnow()
        values: dict[str, Any] = {"status": status, "attempts": attempts, "claimed_until": None}
        if error is not None:
            values["last_error"] = error
        if status is DeliveryStatus.SENT:
            values["sent_at"] = now
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        await self._session.execute(
            update(NotificationDelivery)
            .where(NotificationDelivery.id == delivery_id)
            .values(**values)
        )

    async def list_deliveries(
        self,
        *,
        promotion_id: str | None = None,
        event: str | None = None,
        channel: str | None = None,
    ) -> list[NotificationDelivery]:
        """Deliveries matching the filters, oldest first."""
        conditions: list[ColumnElement[bool]] = []
        if promotion_id is not None:
            conditions.append(NotificationDelivery.promotion_id == promotion_id)
        if event is not None:
            conditions.append(NotificationDelivery.event == event)
        if channel is not None:
            conditions.append(NotificationDelivery.channel == channel)
        rows = await self._session.scalars(
            select(NotificationDelivery)
            .where(*conditions)
            .order_by(NotificationDelivery.id)
            .execution_options(populate_existing=True)
        )
        return list(rows)

    async def page_deliveries(
        self,
        *,
        status: str | None = None,
        channel: str | None = None,
        promotion_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
    ) -> Page[NotificationDelivery]:
        """Deliveries matching the filters, newest first, one page."""
        check_paging(page, page_size)
        conditions: list[ColumnElement[bool]] = []
        if status is not None:
            conditions.append(NotificationDelivery.status == status)
        if channel is not None:
            conditions.append(NotificationDelivery.channel == channel)
        if promotion_id is not None:
            conditions.append(NotificationDelivery.promotion_id == promotion_id)
        total = await self._session.scalar(
            select(func.count()).select_from(NotificationDelivery).where(*conditions)
        )
        rows = await self._session.scalars(
            select(NotificationDelivery)
            .where(*conditions)
            .order_by(NotificationDelivery.id.desc())
            .limit(page_size)
            .offset((page - 1) * page_size)
        )
        return Page(list(rows), total or 0)

    async def reviews_waiting(self, *, since_before: datetime, limit: int) -> list[PromotionLog]:
        """Promotions waiting for a review since before ``since_before``, longest first: peer
        review since submission, admin review since the peer approval."""
        rows = await self._session.scalars(
            select(PromotionLog)
            .where(
                or_(
                    and_(
                        PromotionLog.status == "PENDING_PEER_REVIEW",
                        PromotionLog.submitted_for_review_at < since_before,
                    ),
                    and_(
                        PromotionLog.status == "PENDING_ADMIN_REVIEW",
                        PromotionLog.peer_reviewed_at < since_before,
                    ),
                )
            )
            .order_by(PromotionLog.initiated_at, PromotionLog.promotion_id)
            .limit(limit)
        )
        return list(rows)
