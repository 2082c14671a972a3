"""The dispatcher: audit trail → queued deliveries → sent, retried, or failed for good.

Each round, in two steps:

1. **Collect** (one transaction, the cursor row locked): read the audit entries after the
   cursor, turn those :mod:`~boomi_promo.notifications.events` announces into one delivery
   per channel that wants the event, add reminders for reviews waiting too long, advance the
   cursor. The row lock makes replicas take turns, and the deliveries' unique
   (event, channel) key makes a repeat harmless.
2. **Deliver**: claim due deliveries (a conditional update each — one replica wins), send
   them outside any transaction, and record the outcome: SENT; PENDING again after a
   back-off (doubling from ``backoff_seconds``); or FAILED when refused for good or out of
   attempts. A sender that dies mid-send leaves its claim to expire, and the delivery is
   tried again (at-least-once).

Nothing here runs inside an action: a channel that is down delays or fails its own
deliveries, never the promotion that caused them.

**Ids that commit late.** On PostgreSQL an audit id is taken at insert, so a transaction
that inserted id 10 may commit after one that inserted id 11 was read. Ids the cursor passes
without seeing wait in ``pending_ids`` and are looked for again each round, until they turn
up or :data:`GAP_PATIENCE` has passed (a rolled-back insert leaves a gap forever).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog

from boomi_promo.config import NotificationSettings, Settings
from boomi_promo.notifications.channels import Channel, DeliveryError, build_channels
from boomi_promo.notifications.events import (
    Notification,
    notification_for_entry,
    stale_review_notification,
)
from boomi_promo.store.repositories.notifications import NotificationRepository
from boomi_promo.store.tables import (
    AuditEntry,
    DeliveryStatus,
    NotificationDelivery,
)
from boomi_promo.store.uow import UnitOfWorkFactory

log = structlog.get_logger("boomi_promo.notifications")

CURSOR_NAME = "audit"
AUDIT_BATCH = 500
DELIVERY_BATCH = 50
STALE_BATCH = 200
GAP_PATIENCE = timedelta(minutes=10)
"""How long an id the cursor passed is looked for before it counts as a gap."""
MAX_PENDING_IDS = 10_000
MAX_EVENT_AGE = timedelta(days=1)
"""Older entries are passed over, not announced: after notifications were off for a while,
channels get news, not a backlog."""


@dataclass(frozen=True)
class CursorAdvance:
    last_audit_id: int
    pending_ids: dict[int, datetime]


def advance_cursor(
    last_audit_id: int,
    pending_ids: dict[int, datetime],
    read_ids: Iterable[int],
    *,
    now: datetime,
) -> CursorAdvance:
    """The cursor after reading ``read_ids``: past the highest, with every id skipped below it
    remembered (since ``now``) and every remembered id that was read or waited too long gone."""
    read = set(read_ids)
    last = max([last_audit_id, *read])
    waiting = {
        entry_id: since
        for entry_id, since in pending_ids.items()
        if entry_id not in read and now - since < GAP_PATIENCE
    }
    for entry_id in range(last_audit_id + 1, last):
        if entry_id not in read:
            waiting[entry_id] = now
    if len(waiting) > MAX_PENDING_IDS:
        waiting = dict(sorted(waiting.items())[-MAX_PENDING_IDS:])
    return CursorAdvance(last, waiting)


@dataclass
class RoundReport:
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


class NotificationDispatcher:
    def __init__(
        self,
        settings: Settings,
        uow_factory: UnitOfWorkFactory,
        *,
        channels: Sequence[Channel] | None = None,
    ) -> None:
        self._settings: NotificationSettings = settings.notifications
        self._public_url = settings.public_url
        self._uow_factory = uow_factory
        self._channels = list(channels if channels is not None else build_channels(self._settings))
        self._by_name = {channel.name: channel for channel in self._channels}
        longest = max(self._settings.timeout_seconds, self._settings.smtp.timeout_seconds)
        self._claim_for = timedelta(seconds=longest * 3 + 30)

    async def aclose(self) -> None:
        for channel in self._channels:
            await channel.aclose()

    async def run_forever(self) -> None:
        """A round now, then one every ``poll_seconds`` until cancelled."""
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("notification round failed; trying again later")
            await asyncio.sleep(self._settings.poll_seconds)

    async def run_once(self) -> RoundReport:
        report = RoundReport()
        report.queued = await self.collect()
        await self.deliver_due(report)
        return report

    # ------------------------------------------------------------------ collect

    async def collect(self, *, now: datetime | None = None) -> int:
        """Queue the deliveries of new audit entries and of stale reviews; how many were new."""
        now = now or datetime.now(UTC)
        queued = 0
        async with self._uow_factory() as uow:
            repository = uow.notifications
            cursor = await repository.cursor_for_update(CURSOR_NAME)
            pending = {
                int(key): datetime.fromisoformat(at) for key, at in cursor.pending_ids.items()
            }
            late = await repository.audit_entries_with_ids(pending)
            fresh = await repository.audit_entries_after(cursor.last_audit_id, limit=AUDIT_BATCH)
            for entry in [*late, *fresh]:
                if now - entry.at > MAX_EVENT_AGE:
                    continue
                promotion = None
                if entry.target_type == "promotion":
                    promotion = await uow.promotions.get(entry.target_id)
                notification = notification_for_entry(entry, promotion, public_url=self._public_url)
                if notification is not None:
                    queued += await self._queue(repository, notification, now)
            queued += await self._queue_stale_reviews(uow.notifications, now)
            advance = advance_cursor(cursor.last_audit_id, pending, _ids(late, fresh), now=now)
            cursor.last_audit_id = advance.last_audit_id
            cursor.pending_ids = {
                str(entry_id): since.isoformat() for entry_id, since in advance.pending_ids.items()
            }
            cursor.updated_at = now
            await uow.commit()
        return queued

    async def _queue_stale_reviews(self, repository: NotificationRepository, now: datetime) -> int:
        hours = self._settings.stale_review_after_hours
        if hours is None:
            return 0
        period = timedelta(hours=hours)
        waiting = await repository.reviews_waiting(since_before=now - period, limit=STALE_BATCH)
        reminders = [
            reminder
            for promotion in waiting
            if (
                reminder := stale_review_notification(
                    promotion, now=now, period=period, public_url=self._public_url
                )
            )
            is not None
        ]
        known = await repository.known_event_keys(r.key for r in reminders)
        queued = 0
        for reminder in reminders:
            if reminder.key not in known:
                queued += await self._queue(repository, reminder, now)
        return queued

    async def _queue(
        self, repository: NotificationRepository, notification: Notification, now: datetime
    ) -> int:
        queued = 0
        for channel in self._channels:
            if not channel.wants(notification.event):
                continue
            delivery = NotificationDelivery(
                event_key=notification.key,
                event=notification.event.value,
                channel=channel.name,
                target=channel.target_for(notification),
                promotion_id=notification.promotion_id,
                summary=notification.title[:255],
                message=notification.to_dict(),
                next_attempt_at=now,
                created_at=now,
            )
            if await repository.queue(delivery):
                queued += 1
        return queued

    # ------------------------------------------------------------------ deliver

    async def deliver_due(self, report: RoundReport | None = None) -> RoundReport:
        """Send every delivery that is due now (claimed first, so no other replica does)."""
        report = report or RoundReport()
        now = datetime.now(UTC)
        async with self._uow_factory() as uow:
            claimed = await uow.notifications.claim_due(
                now=now, hold_until=now + self._claim_for, limit=DELIVERY_BATCH
            )
            await uow.commit()
        outcomes = await asyncio.gather(*(self._attempt(delivery) for delivery in claimed))
        for status, error in outcomes:
            if status is DeliveryStatus.SENT:
                report.sent += 1
            elif status is DeliveryStatus.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
            if error:
                report.errors.append(error)
        return report

    async def _attempt(self, delivery: NotificationDelivery) -> tuple[DeliveryStatus, str | None]:
        attempts = delivery.attempts + 1
        channel = self._by_name.get(delivery.channel)
        status, error, retry_at = DeliveryStatus.SENT, None, None
        bound = log.bind(
            delivery_id=delivery.id,
            channel=delivery.channel,
            event=delivery.event,
            promotion_id=delivery.promotion_id,
            attempt=attempts,
        )
        try:
            if channel is None:
                raise DeliveryError(
                    f"the channel {delivery.channel!r} is no longer configured", permanent=True
                )
            await channel.send(Notification.from_dict(delivery.message))
        except DeliveryError as failure:
            error = str(failure)
            if failure.permanent or attempts >= self._settings.max_attempts:
                status = DeliveryStatus.FAILED
                bound.warning("notification not delivered", error=error)
            else:
                status = DeliveryStatus.PENDING
                retry_at = datetime.now(UTC) + self._backoff(attempts, failure)
                bound.info("notification will be retried", error=error)
        except Exception as unexpected:
            bound.exception("sending a notification failed unexpectedly")
            error = f"unexpected error: {type(unexpected).__name__}"
            status = DeliveryStatus.FAILED
            if attempts < self._settings.max_attempts:
                status = DeliveryStatus.PENDING
                retry_at = datetime.now(UTC) + self._backoff(attempts, None)
        else:
            bound.info("notification sent")
        async with self._uow_factory() as uow:
            await uow.notifications.record_attempt(
                delivery.id, status=status, attempts=attempts, error=error, next_attempt_at=retry_at
            )
            await uow.commit()
        return status, error

    def _backoff(self, attempts: int, failure: DeliveryError | None) -> timedelta:
        seconds = self._settings.backoff_seconds * 2 ** (attempts - 1)
        if failure is not None and failure.retry_after_seconds is not None:
            seconds = max(seconds, failure.retry_after_seconds)
        return timedelta(seconds=seconds)


async def dispatch_forever(settings: Settings, uow_factory: UnitOfWorkFactory) -> None:
    """Run the dispatcher until cancelled (the job runner starts it beside the sweeper)."""
    dispatcher = NotificationDispatcher(settings, uow_factory)
    try:
        await dispatcher.run_forever()
    finally:
        await dispatcher.aclose()


def _ids(*batches: list[AuditEntry]) -> list[int]:
    return [entry.id for batch in batches for entry in batch]
