"""Names from Boomi are text in a real browser: a component named ``<script>alert(1)</script>``
and a profile named like an attribute break-out show literally in the package browser, the
promotion review, the diff and the promotion's page, and no script of theirs ever runs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.async_api import Dialog, Page, expect

from tests.browser.test_dashboard import sign_in_as
from tests.integration.promotion.support import promote
from tests.reliability.test_dashboard_security import (
    HOSTILE_PROCESS,
    HOSTILE_PROFILE,
    SUITE,
    plant_hostile_names,
)
from tests.support.reliability import ReliabilityLog

pytestmark = pytest.mark.browser

INJECTED = (
    "() => document.querySelectorAll('img[src=\"x\"], [onerror]').length"
    " + [...document.scripts].filter(s => s.textContent.includes('alert(')).length"
)
"""Elements the hostile names would have made, had they been parsed as markup."""


async def test_hostile_names_show_as_text_and_never_run(
    page: Page, demo_service: Any, reliability: ReliabilityLog
) -> None:
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    base_url = demo_service.base_url
    hostile = plant_hostile_names(demo_service.emulator.state)
    checked: list[str] = []

    await sign_in_as(page, base_url, "Alice Adams")
    await page.get_by_role("searchbox", name="Search").fill("alert")
    row = page.locator(f'tr[data-package-id="{hostile.package_id}"]')
    await expect(row.locator(".component-name")).to_have_text(HOSTILE_PROCESS)
    assert await page.evaluate(INJECTED) == 0
    checked.append("package browser")

    await row.get_by_role("link", name="Review").click()
    await expect(page.locator("h1")).to_have_text(f"Review: {HOSTILE_PROCESS}")
    tree = page.locator("table.tree .component-name")
    await expect(tree.filter(has_text=HOSTILE_PROFILE)).to_have_text(HOSTILE_PROFILE)
    assert await page.evaluate(INJECTED) == 0
    checked.append("promotion review")

    promoted = await promote(demo_service, hostile.package_id)
    assert promoted.status_code == 200, promoted.text
    promotion = promoted.json()
    process = next(
        r for r in promotion["promotionResults"] if r["componentName"] == HOSTILE_PROCESS
    )
    query = urlencode(
        {"component": process["prodComponentId"], "action": "CREATE", "name": HOSTILE_PROCESS}
    )
    await page.goto(f"{base_url}/reviews/{promotion['promotionId']}/diff?{query}")
    await expect(page.locator("h1")).to_have_text(HOSTILE_PROCESS)
    assert await page.evaluate(INJECTED) == 0
    checked.append("component diff")

    await page.goto(f"{base_url}/promotions/{promotion['promotionId']}")
    await expect(page.get_by_text(HOSTILE_PROCESS, exact=True).first).to_be_visible()
    assert await page.evaluate(INJECTED) == 0
    checked.append("promotion page")

    assert dialogs == [], "a hostile name ran as script"
    reliability.record(
        SUITE,
        "browser: hostile names on 4 pages (no dialog, literal text)",
        tried=4,
        held=len(checked),
        detail="Chromium showed the names literally; no alert dialog, no injected element",
    )
