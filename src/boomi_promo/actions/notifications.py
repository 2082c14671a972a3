"""The admin's view of notifications: which channels are configured, what was sent to each and
what failed, and a test message to every channel.

* T1 ``listNotificationDeliveries`` — the configured channels (never a webhook's secret path)
  and the delivery records, newest first, by status, channel or promotion.
* T2 ``sendTestNotification`` — one attempt per channel, no retries, so a wrong host or URL
  shows at once (as ``promo notifications test``); audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from boomi_promo.actions.registry import Profile, ResponseProfile, action
from boomi_promo.engine.context import ActionContext
from boomi_promo.identity.principal import Tier
from boomi_promo.notifications.channels import build_channels, send_to_each
from boomi_promo.notifications.events import sample_notification
from boomi_promo.store.repositories.base import MAX_PAGE, MAX_PAGE_SIZE
from boomi_promo.store.tables import DeliveryStatus, NotificationDelivery


def _blank_as_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class ChannelItem(Profile):
    name: str
    target: str = Field(description="Where it sends, without secrets")
    events: list[str]


class DeliveryItem(Profile):
    id: int
    event: str
    channel: str
    target: str
    promotion_id: str
    summary: str
    status: str
    attempts: int
    last_error: str
    created_at: str
    sent_at: str
    next_attempt_at: str


class ListNotificationDeliveriesRequest(Profile):
    status: Annotated[DeliveryStatus | None, BeforeValidator(_blank_as_none)] = None
    channel: Annotated[str | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, max_length=64
    )
    promotion_id: Annotated[str | None, BeforeValidator(_blank_as_none)] = Field(
        default=None, max_length=36
    )
    page: int = Field(default=1, ge=1, le=MAX_PAGE)
    page_size: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE)


class ListNotificationDeliveriesResponse(ResponseProfile):
    channels: list[ChannelItem] = Field(default_factory=list)
    deliveries: list[DeliveryItem] = Field(default_factory=list)
    total_count: int = 0


def _moment(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


def _delivery_item(row: NotificationDelivery) -> DeliveryItem:
    return DeliveryItem(
        id=row.id,
        event=row.event,
        channel=row.channel,
        target=row.target,
        promotion_id=row.promotion_id or "",
        summary=row.summary,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error or "",
        created_at=_moment(row.created_at),
        sent_at=_moment(row.sent_at),
        next_attempt_at=_moment(row.next_attempt_at)
        if row.status == DeliveryStatus.PENDING
        else "",
    )


def configured_channels(ctx: ActionContext) -> list[ChannelItem]:
    sample = sample_notification(now=datetime.now(UTC), public_url=ctx.settings.public_url)
    return [
        ChannelItem(
            name=channel.name,
            target=channel.target_for(sample),
            events=sorted(event.value for event in channel.events),
        )
        for channel in build_channels(ctx.settings.notifications)
    ]


@action(
    name="listNotificationDeliveries",
    code="T1",
    description="List Notification Deliveries",
    request=ListNotificationDeliveriesRequest,
    response=ListNotificationDeliveriesResponse,
    min_tier=Tier.ADMIN,
)
async def list_notification_deliveries(
    ctx: ActionContext, request: ListNotificationDeliveriesRequest
) -> ListNotificationDeliveriesResponse:
    async with ctx.unit_of_work() as uow:
        found = await uow.notifications.page_deliveries(
            status=request.status,
            channel=request.channel,
            promotion_id=request.promotion_id,
            page=request.page,
            page_size=request.page_size,
        )
    return ListNotificationDeliveriesResponse(
        channels=configured_channels(ctx),
        deliveries=[_delivery_item(row) for row in found.items],
        total_count=found.total,
    )


class SendTestNotificationRequest(Profile):
    pass


class TestOutcome(Profile):
    channel: str
    target: str
    sent: bool
    error: str = ""


class SendTestNotificationResponse(ResponseProfile):
    outcomes: list[TestOutcome] = Field(default_factory=list)


@action(
    name="sendTestNotification",
    code="T2",
    description="Send Test Notification",
    request=SendTestNotificationRequest,
    response=SendTestNotificationResponse,
    min_tier=Tier.ADMIN,
)
async def send_test_notification(
    ctx: ActionContext, request: SendTestNotificationRequest
) -> SendTestNotificationResponse:
    notification = sample_notification(now=datetime.now(UTC), public_url=ctx.settings.public_url)
    channels = build_channels(ctx.settings.notifications)
    outcomes = [
        TestOutcome(
            channel=channel.name,
            target=channel.target_for(notification),
            sent=failure is None,
            error=failure or "",
        )
        for channel, failure in await send_to_each(channels, notification)
    ]
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action="notifications.tested",
            process_name=ctx.process_name,
            target_type="notifications",
            target_id="all channels",
            detail={"outcomes": [o.model_dump(by_alias=True) for o in outcomes]},
        )
        await uow.commit()
    return SendTestNotificationResponse(outcomes=outcomes)
