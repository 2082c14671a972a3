"""The Delivery Metrics page in a browser: an admin sees its charts, a developer is kept out."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.integration.deployment.support import (
    ERIN,
    PROCESS,
    admin_review,
    body_of,
    deployed_to_test,
)
from tests.integration.promotion.support import ALICE, BOB
from tests.support.service import DemoService

pytestmark = pytest.mark.browser


async def sign_in_as(page: Page, base_url: str, name: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_role("button", name=re.compile(name)).click()


async def ship_to_production(service: DemoService) -> None:
    """Customer Sync from Dev Team A: promoted, deployed to Test, reviewed, deployed."""
    test_id = await deployed_to_test(service)
    submitted = body_of(await service.call(ALICE, "submitForPeerReview", {"promotionId": test_id}))
    production_id = submitted["promotionId"]
    body_of(
        await service.call(
            BOB, "submitPeerReview", {"promotionId": production_id, "decision": "APPROVED"}
        )
    )
    body_of(
        await admin_review(
            service,
            ERIN,
            promotionId=production_id,
            decision="APPROVED",
            createNewPack=True,
            newPackName=PROCESS,
        )
    )


async def test_an_admin_sees_the_charts_and_a_developer_cannot_open_the_page(
    open_tab: Callable[[], Awaitable[Page]], demo_service: DemoService, artifacts_dir: Path
) -> None:
    await ship_to_production(demo_service)
    base_url = demo_service.base_url

    admin = await open_tab()
    await sign_in_as(admin, base_url, "Carol Clark")
    await admin.get_by_role("link", name="Delivery Metrics").click()

    await expect(admin.locator("h1")).to_have_text("Delivery Metrics")
    await expect(admin.locator("svg.chart")).to_have_count(3)
    promotions = admin.locator("svg.chart-promotions")
    await expect(promotions.locator("title").first).to_be_attached()
    await expect(promotions).to_contain_text("Dev Team A")
    production_bar = promotions.locator("rect", has_text="Dev Team A · In production: 1")
    await expect(production_bar).to_have_count(1)
    lead_time = admin.locator("svg.chart-lead-time rect", has_text="Dev Team A · median")
    await expect(lead_time).to_have_count(1)
    assert float(await lead_time.get_attribute("width") or 0) > 0
    await expect(admin.locator("svg.chart-lead-time-trend rect")).to_have_count(2)
    team_row = admin.locator("table.team-promotions tr", has_text="Dev Team A")
    await expect(team_row.locator('[data-figure="promotions_total"]')).to_have_text("2")
    await expect(admin.locator(".overall-figures")).to_contain_text("0%")
    await admin.screenshot(path=str(artifacts_dir / "delivery-metrics.png"), full_page=True)

    developer = await open_tab()
    await sign_in_as(developer, base_url, "Alice Adams")
    await expect(developer.get_by_role("link", name="Package Browser")).to_be_visible()
    assert await developer.get_by_role("link", name="Delivery Metrics").count() == 0
    for path in ("/admin/metrics", "/admin/metrics/export"):
        response = await developer.goto(f"{base_url}{path}")
        assert response is not None and response.status == 403, path
    await expect(developer.locator("main")).to_contain_text("The Admin lane is for the ADMIN tier")
