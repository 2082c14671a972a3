"""Statuses read as words on every page a person meets them: a raw code such as
PENDING_PACK_ASSIGNMENT or TEST_DEPLOYED on a page fails the test. Headless Chromium, the demo,
with a change deployed to Test and then to production."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.test_dashboard import sign_in_as
from tests.browser.test_deployment_journey import STATUS_CODE
from tests.integration.deployment.support import deployed_to_test
from tests.integration.reviews.test_changes_and_history import to_production

pytestmark = pytest.mark.browser

PAGES = [
    "/promotions",
    "/promotions/all",
    "/readiness",
    "/reviews",
    "/admin/approvals",
    "/admin/packs",
    "/admin/releases",
]


async def codes_on(page: Page, base_url: str, paths: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in paths:
        await page.goto(f"{base_url}{path}")
        await page.wait_for_load_state("networkidle")
        codes = STATUS_CODE.findall(await page.locator("main").inner_text())
        if codes:
            found[path] = codes
    return found


async def test_no_page_shows_a_raw_status_code(page: Page, demo_service: Any) -> None:
    test_id = await deployed_to_test(demo_service)
    production_id = await to_production(demo_service, test_id)
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Carol Clark")

    shown = await codes_on(
        page,
        base_url,
        [*PAGES, f"/promotions/{test_id}", f"/promotions/{production_id}"],
    )

    assert shown == {}
    # The check itself sees a code when one is there.
    assert STATUS_CODE.findall("Status: TEST_DEPLOYED") == ["TEST_DEPLOYED"]
    assert re.search(r"In production", await page.locator(".facts").inner_text())
