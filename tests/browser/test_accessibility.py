"""The main pages have no serious or critical accessibility violations, as axe-core (run in
headless Chromium through Playwright) finds them on the demo."""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

pytestmark = pytest.mark.browser

PAGES = [
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
BLOCKING = {"serious", "critical"}


async def test_main_pages_have_no_serious_accessibility_violations(
    page: Page, demo_service: Any
) -> None:
    axe = Axe()
    await page.goto(f"{demo_service.base_url}/login")
    login = await axe.run(page)
    await page.get_by_role("button", name=re.compile("Carol Clark")).click()
    found: dict[str, list[str]] = {}
    for path in ["/login", *PAGES]:
        if path != "/login":
            await page.goto(f"{demo_service.base_url}{path}")
            await page.wait_for_load_state("networkidle")
            results = await axe.run(page)
        else:
            results = login
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)"
            for v in results.response["violations"]
            if v.get("impact") in BLOCKING
        ]
        if serious:
            found[path] = serious

    assert found == {}, found
