"""The navigation counts what waits on the person signed in, in headless Chromium against the
demo: a first test deployment that found no pack shows on the admins' Pack Assignment link,
and a rejected promotion on its initiator's My Promotions link."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.integration.deployment.support import body_of, completed_promotion, deploy
from tests.integration.promotion.support import ALICE

pytestmark = pytest.mark.browser


async def sign_in_as(page: Page, base_url: str, name: str) -> None:
    await page.goto(f"{base_url}/login")
    await page.get_by_role("button", name=re.compile(name)).click()


async def test_work_waiting_is_counted_beside_its_page(page: Page, demo_service: Any) -> None:
    promotion = await completed_promotion(demo_service)
    first = body_of(await deploy(demo_service, ALICE, promotionId=promotion["promotionId"]))
    assert first["needsPackAssignment"] is True

    await sign_in_as(page, demo_service.base_url, "Carol Clark")

    packs = page.locator("#count-admin-packs")
    await expect(packs).to_have_text(re.compile(r"^1\b"))
    await expect(packs).to_be_visible()
    await expect(page.locator("#count-admin-approvals")).to_be_hidden()
    await page.get_by_role("link", name=re.compile("Pack Assignment")).click()
    await expect(page.locator("main")).to_contain_text("Customer Sync")


async def test_a_contributor_without_waiting_work_sees_no_counts(
    page: Page, demo_service: Any
) -> None:
    await sign_in_as(page, demo_service.base_url, "Dave Davis")

    await expect(page.locator(".lanes")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    assert await page.locator(".nav-count:visible").count() == 0
    assert await page.locator("#count-admin-packs").count() == 0
