"""Withdrawing, rejecting, cancelling and abandoning ask first and need a reason — in headless
Chromium against the demo (emulator over HTTP, a fresh store)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Dialog, Page, expect

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import body_of, completed_promotion, set_fields

pytestmark = pytest.mark.browser


async def test_withdrawing_asks_first_and_needs_a_reason(page: Page, demo_service: Any) -> None:
    promotion = await completed_promotion(demo_service)
    promotion_id = promotion["promotionId"]
    body_of(
        await demo_service.call(
            "alice@example.com",
            "submitForPeerReview",
            {
                "promotionId": promotion_id,
                "isHotfix": True,
                "hotfixJustification": "Orders are lost at the month end",
            },
        )
    )
    await page.goto(f"{demo_service.base_url}/login")
    await page.get_by_role("button", name=re.compile("Alice Adams")).click()
    await page.goto(f"{demo_service.base_url}/promotions/{promotion_id}")
    withdraw = page.get_by_role("button", name="Withdraw…")
    asked: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    # No reason: the browser refuses before asking.
    await withdraw.click()
    assert asked == []
    await expect(page.locator("h1")).to_contain_text("Customer Sync")

    # A reason, then "no" to the question: nothing happens.
    await page.get_by_label("Reason (required)").fill("Found a better fix")
    page.once("dialog", dismiss)
    await withdraw.click()
    await expect(page.get_by_label("Reason (required)")).to_have_value("Found a better fix")
    assert asked and "Withdraw this promotion?" in asked[0]

    page.once("dialog", lambda dialog: dialog.accept())
    await withdraw.click()
    await expect(page.locator(".notice-success")).to_contain_text("withdrawn")
    history = await demo_service.call(
        "alice@example.com", "getPromotionHistory", {"promotionId": promotion_id}
    )
    notes = [n for e in body_of(history)["entries"] for n in e["notes"]]
    assert "reason: Found a better fix" in notes


async def test_abandoning_a_failed_deployment_asks_first_and_needs_a_reason(
    page: Page, demo_service: Any
) -> None:
    promotion_id = (await completed_promotion(demo_service))["promotionId"]
    # As a hotfix whose production merge failed for good leaves it.
    await set_fields(
        demo_service,
        promotion_id,
        status=PromotionStatus.DEPLOY_FAILED,
        is_hotfix=True,
        target_environment="PRODUCTION",
    )
    await page.goto(f"{demo_service.base_url}/login")
    await page.get_by_role("button", name=re.compile("Carol Clark")).click()
    await page.goto(f"{demo_service.base_url}/promotions/{promotion_id}")
    abandon = page.get_by_role("button", name="Abandon deployment…")

    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    await abandon.click()  # no reason: the browser refuses before asking, and sends nothing
    await expect(page.locator(".status-sentence")).to_have_attribute("data-status", "DEPLOY_FAILED")
    assert asked == []
    await page.get_by_label("Reason (required)").fill("The conflict stays")
    await abandon.click()

    await expect(page.locator(".notice-success")).to_contain_text("can be promoted again")
    assert len(asked) == 1 and "Abandon this failed deployment?" in asked[0]
    await expect(page.locator(".status-sentence")).to_contain_text("abandoned")
