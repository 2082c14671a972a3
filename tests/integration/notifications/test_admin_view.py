"""Admins see which channel got what, what failed and why, and can send a test message to every
channel — over the API, with a real SMTP server and webhook receiver on loopback."""

from __future__ import annotations

from typing import Any

from boomi_promo.store.tables import DeliveryStatus
from tests.integration.deployment.support import ERIN, deployed_to_test
from tests.integration.notifications.support import (
    HOOK_TOKEN_PATH,
    HookReceiver,
    MailCatcher,
    deliveries,
    eventually,
)
from tests.integration.promotion.support import ALICE, store_of
from tests.integration.scenarios.test_journeys import ok
from tests.support.service import DemoService


async def test_deliveries_and_channels_are_listed_with_failures_and_no_secrets(
    service: DemoService, hooks: HookReceiver
) -> None:
    test_id = await deployed_to_test(service)

    async def gone_failed() -> bool:
        rows = await deliveries(service, promotion_id=test_id)
        return any(r.channel == "gone" and r.status == DeliveryStatus.FAILED for r in rows)

    await eventually(gone_failed, what="the delivery to the gone channel failing")

    listed = ok(await service.call(ERIN, "listNotificationDeliveries", {"promotionId": test_id}))
    failed = ok(await service.call(ERIN, "listNotificationDeliveries", {"status": "FAILED"}))
    refused = await service.call(ALICE, "listNotificationDeliveries", {})

    channels = {c["name"]: c for c in listed["channels"]}
    assert set(channels) >= {"platform-mail", "generic", "slack", "teams", "gone"}
    assert channels["gone"]["events"] == ["deployed"]
    assert all(HOOK_TOKEN_PATH not in c["target"] for c in listed["channels"])
    assert {d["promotionId"] for d in listed["deliveries"]} == {test_id}
    ids = [d["id"] for d in listed["deliveries"]]
    assert ids == sorted(ids, reverse=True), "newest first"
    gone = next(d for d in failed["deliveries"] if d["channel"] == "gone")
    assert gone["status"] == "FAILED"
    assert "404" in gone["lastError"]
    assert {d["status"] for d in failed["deliveries"]} == {"FAILED"}
    assert refused.status_code == 403


async def test_a_test_message_reaches_every_channel_and_says_which_failed(
    service: DemoService, hooks: HookReceiver, mail: MailCatcher
) -> None:
    answer: dict[str, Any] = ok(await service.call(ERIN, "sendTestNotification", {}))

    outcomes = {o["channel"]: o for o in answer["outcomes"]}
    assert outcomes["generic"]["sent"] is True
    assert outcomes["platform-mail"]["sent"] is True
    assert outcomes["down"]["sent"] is False
    assert "503" in outcomes["down"]["error"]
    assert outcomes["gone"]["sent"] is False
    assert any(
        p.body.get("title") == "boomi-promo test notification" for p in hooks.posts_to("generic")
    )
    assert all(HOOK_TOKEN_PATH not in o["target"] for o in answer["outcomes"])
    async with store_of(service) as uow:
        audit = await uow.audit.list_entries(target_type="notifications")
    assert [(e.action, e.actor_email) for e in audit.items] == [("notifications.tested", ERIN)]
