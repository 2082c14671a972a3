"""Before Promote, the review page shows the dry-run plan — headless Chromium, the demo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

pytestmark = pytest.mark.browser


async def test_the_review_page_shows_what_promote_would_do(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    account = demo_service.seed.dev_accounts[0].account_id
    package_id = demo_service.seed.full_tree_package_id
    await page.goto(f"{demo_service.base_url}/login")
    await page.get_by_role("button", name=re.compile("Alice Adams")).click()
    await page.goto(f"{demo_service.base_url}/promote?account={account}&package={package_id}")
    await expect(page.locator("h1")).to_have_text("Review: Orders Sync")

    await page.get_by_role("link", name="Show the plan").click()

    plan = page.locator("#plan-result .plan")
    await expect(plan).to_have_attribute("data-would-promote", "yes")
    await expect(plan.locator(".notice-success")).to_contain_text("The promotion would go through")
    rows = plan.locator("table.plan-components tbody tr")
    assert await rows.count() > 5
    await expect(plan.locator(".plan-figures")).to_contain_text("Boomi calls")
    await expect(page).to_have_url(re.compile(r"/promote\?"))  # shown in place, not a new page
    await page.screenshot(path=str(artifacts_dir / "promotion-plan.png"), full_page=True)
