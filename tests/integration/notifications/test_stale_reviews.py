"""A review left waiting is announced once per waiting period."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tests.integration.deployment.support import deployed_to_test, set_fields
from tests.integration.notifications.support import (
    PUBLIC_URL,
    HookReceiver,
    MailCatcher,
    eventually,
)
from tests.integration.promotion.support import ALICE
from tests.integration.scenarios.test_journeys import ok
from tests.support.service import DemoService

STALE_AFTER = timedelta(hours=24)
"""The default of notifications.stale_review_after_hours."""


async def test_a_stale_peer_review_is_announced_once_per_period(
    service: DemoService, hooks: HookReceiver, mail: MailCatcher
) -> None:
    test_id = await deployed_to_test(service)
    submitted = ok(await service.call(ALICE, "submitForPeerReview", {"promotionId": test_id}))
    production_id = submitted["promotionId"]

    def reminders() -> list[dict[str, object]]:
        return [
            p.body
            for p in hooks.posts_to("generic")
            if p.body["event"] == "stale_review" and p.body["promotionId"] == production_id
        ]

    async def reminded(count: int) -> bool:
        return len(reminders()) >= count

    # Submitted a day and an hour ago: one period has passed.
    await set_fields(
        service,
        production_id,
        submitted_for_review_at=datetime.now(UTC) - STALE_AFTER - timedelta(hours=1),
    )
    await eventually(lambda: reminded(1), what="the stale-review reminder")
    await asyncio.sleep(1.0)  # ten more rounds of the dispatcher
    assert len(reminders()) == 1, "one reminder per period, however often the dispatcher looks"
    first = reminders()[0]
    assert first["title"] == f"Waiting for peer review for 25 hours: {first['processName']}"
    assert first["url"] == f"{PUBLIC_URL}/reviews/{production_id}"
    subjects = [str(m["Subject"]) for m in mail.messages]
    assert any(s.startswith("[boomi-promo] Waiting for peer review") for s in subjects)

    # Two days and an hour: the second period has begun, so a second reminder.
    await set_fields(
        service,
        production_id,
        submitted_for_review_at=datetime.now(UTC) - 2 * STALE_AFTER - timedelta(hours=1),
    )
    await eventually(lambda: reminded(2), what="the second reminder")
    await asyncio.sleep(1.0)
    assert len(reminders()) == 2
    assert reminders()[1]["title"] == f"Waiting for peer review for 2 days: {first['processName']}"
