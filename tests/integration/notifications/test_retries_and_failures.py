"""Retries with back-off, failures recorded and contained: the promotion never notices."""

from __future__ import annotations

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store.tables import DeliveryStatus, NotificationDelivery
from tests.integration.deployment.support import deployed_to_test, record
from tests.integration.notifications.support import (
    HOOK_TOKEN_PATH,
    MAX_ATTEMPTS,
    HookReceiver,
    MailCatcher,
    deliveries,
    eventually,
)
from tests.support.service import DemoService


async def settled(service: DemoService, promotion_id: str, channel: str) -> NotificationDelivery:
    async def done() -> NotificationDelivery | None:
        rows = await deliveries(service, promotion_id=promotion_id, channel=channel)
        return rows[0] if rows and rows[0].status != DeliveryStatus.PENDING else None

    return await eventually(done, what=f"the {channel} delivery to settle")


async def test_a_receiver_failing_twice_gets_the_message_on_the_third_attempt(
    service: DemoService, hooks: HookReceiver
) -> None:
    promotion_id = await deployed_to_test(service)

    delivery = await settled(service, promotion_id, "flaky")

    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3
    assert delivery.last_error is not None and "HTTP 500" in delivery.last_error
    posts = hooks.posts_to("flaky")
    assert len(posts) == 3
    assert [p.body for p in posts] == [posts[0].body] * 3, "the same message each time"
    assert posts[0].body["event"] == "deployed"
    assert posts[0].body["promotionId"] == promotion_id


async def test_failing_channels_end_failed_and_the_promotion_and_other_channels_go_on(
    service: DemoService, hooks: HookReceiver, mail: MailCatcher
) -> None:
    promotion_id = await deployed_to_test(service)

    down = await settled(service, promotion_id, "down")
    gone = await settled(service, promotion_id, "gone")

    assert down.status == DeliveryStatus.FAILED
    assert down.attempts == MAX_ATTEMPTS, "a server error is retried until attempts run out"
    assert down.last_error is not None and "HTTP 503" in down.last_error
    assert gone.status == DeliveryStatus.FAILED
    assert gone.attempts == 1, "a 404 cannot get better: no retry"
    for failed in (down, gone):
        assert HOOK_TOKEN_PATH not in (failed.last_error or "") + failed.target
    assert len(hooks.posts_to("down")) == MAX_ATTEMPTS
    assert (await record(service, promotion_id)).status == PromotionStatus.TEST_DEPLOYED
    for channel in ("generic", "platform-mail"):
        assert (await settled(service, promotion_id, channel)).status == DeliveryStatus.SENT
    assert any("Deployed to Test" in str(m["Subject"]) for m in mail.messages)
