"""The main pages fit narrow screens: no horizontal scrolling of the page at 768 px (a tablet)
or 390 px (a phone) — wide tables scroll inside themselves. Headless Chromium, the demo."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Browser

pytestmark = pytest.mark.browser

ADMIN_PAGES = [
    "/packages",
    "/promotions",
    "/promotions/all",
    "/readiness",
    "/extensions",
    "/reviews",
    "/admin/approvals",
    "/admin/packs",
    "/admin/releases",
    "/admin/accounts",
    "/admin/client-accounts",
    "/admin/mappings",
    "/admin/metrics",
    "/admin/notifications",
]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [768, 390])
async def test_no_main_page_scrolls_sideways(
    browser: Browser, demo_service: Any, width: int
) -> None:
    context = await browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{demo_service.base_url}/login")
        await page.get_by_role("button", name=re.compile("Carol Clark")).click()
        overflowing = {}
        for path in ADMIN_PAGES:
            await page.goto(f"{demo_service.base_url}{path}")
            await page.wait_for_load_state("networkidle")
            extra = await page.evaluate(OVERFLOW)
            if extra > 0:
                overflowing[path] = extra
            sign_out = page.get_by_role("button", name="Sign out")
            box = await sign_out.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, f"{path}: Sign out cut off"
    finally:
        await context.close()

    assert overflowing == {}, f"pages wider than {width} px: {overflowing}"
