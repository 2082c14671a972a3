"""Admins and teams find every change on one page, filter it, and read a promotion's history —
in headless Chromium against the demo (emulator over HTTP, a fresh store)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.integration.deployment.support import deployed_to_test
from tests.integration.reviews.test_changes_and_history import to_production

pytestmark = pytest.mark.browser


async def sign_in_as(page: Page, base_url: str, name: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_role("button", name=re.compile(name)).click()


async def test_an_admin_finds_a_change_and_reads_its_history(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    test_id = await deployed_to_test(demo_service)
    production_id = await to_production(demo_service, test_id)
    await sign_in_as(page, demo_service.base_url, "Carol Clark")

    await page.get_by_role("link", name="Promotions", exact=True).click()
    row = page.locator(f'tr[data-promotion-id="{test_id}"]')
    await expect(row.locator(".test-step")).to_contain_text("In Test")
    await expect(row.locator(".production-step")).to_contain_text("In production")
    assert await page.locator(f'tr[data-promotion-id="{production_id}"]').count() == 0
    await page.screenshot(path=str(artifacts_dir / "all-promotions.png"), full_page=True)

    await page.get_by_label("Status").select_option("PEER_REJECTED")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator(".empty-state")).to_contain_text("No change matches")
    await page.get_by_role("link", name="Clear").click()
    await page.get_by_label("Started by").fill("alice@example.com")
    await page.get_by_role("button", name="Show").click()
    await expect(row).to_be_visible()

    await row.get_by_role("link", name=re.compile("Customer Sync")).click()
    timeline = page.locator(".timeline-entries")
    await expect(timeline).to_contain_text("comments: Checked the map")
    await expect(timeline).to_contain_text("comments: Ship it")
    await expect(timeline).to_contain_text("Deploying to production → In production")
    await expect(page.locator(".timeline-jobs")).to_contain_text("Execute Promotion")
    await page.screenshot(path=str(artifacts_dir / "promotion-history.png"), full_page=True)


async def test_another_team_does_not_see_the_change(page: Page, demo_service: Any) -> None:
    test_id = await deployed_to_test(demo_service)
    await sign_in_as(page, demo_service.base_url, "Dave Davis")

    await page.goto(f"{demo_service.base_url}/promotions/all")

    await expect(page.locator("h1")).to_have_text("Promotions")
    assert await page.locator(f'tr[data-promotion-id="{test_id}"]').count() == 0
