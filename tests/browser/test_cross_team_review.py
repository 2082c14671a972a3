"""A peer reviewer from another team sees that it is another team's change — headless
Chromium against the demo."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.integration.reviews.test_owning_team_reviewer import hotfix_in_review

pytestmark = pytest.mark.browser


async def test_another_teams_change_is_marked_in_the_queue_and_the_review(
    page: Page, demo_service: Any
) -> None:
    promotion_id = await hotfix_in_review(demo_service)
    await page.goto(f"{demo_service.base_url}/login")
    await page.get_by_role("button", name=re.compile("Dave Davis")).click()

    await page.goto(f"{demo_service.base_url}/reviews")
    row = page.locator(f'tr[data-promotion-id="{promotion_id}"]')
    await expect(row.locator(".badge.other-team")).to_have_text("Another team's")
    await row.get_by_role("link", name=re.compile("Review")).click()
    await expect(page.locator(".other-team-review")).to_contain_text(
        "You are reviewing another team's change"
    )
