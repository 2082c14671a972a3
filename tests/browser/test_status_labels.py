"""Statuses, component results and actions read as words on every page a person meets them: a
raw code such as PENDING_PACK_ASSIGNMENT, TEST_DEPLOYED, UNCHANGED or UPDATE on a page fails
the test. Headless Chromium, the demo, with a change deployed to Test and then to production."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page

from tests.browser.test_dashboard import sign_in_as
from tests.browser.test_deployment_journey import STATUS_CODE
from tests.integration.deployment.support import deployed_to_test
from tests.integration.promotion.support import team_a
from tests.integration.reviews.test_changes_and_history import to_production

pytestmark = pytest.mark.browser

COMPONENT_CODES = ["CREATED", "UPDATED", "UNCHANGED", "SKIPPED", "FAILED", "CREATE", "UPDATE"]
"""What a promotion did to a component (its result) and will do to it (its action)."""
WRITTEN_TEXT = """main => {
    const copy = main.cloneNode(true);
    copy.querySelectorAll("script, noscript").forEach(node => node.remove());
    return copy.textContent;
}"""
"""The page's text as written, closed disclosures included, without scripts' source."""
COMPONENT_CODE = re.compile(r"\b(" + "|".join(COMPONENT_CODES) + r")\b")

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
        main = page.locator("main")
        # Component codes are matched in the text as written: the rendered text upper-cases
        # labels such as "To create" (CSS), which would read as the code CREATE.
        written = await main.evaluate(WRITTEN_TEXT)
        codes = STATUS_CODE.findall(await main.inner_text()) + COMPONENT_CODE.findall(written)
        if codes:
            found[path] = codes
    return found


async def test_no_page_shows_a_raw_status_code(page: Page, demo_service: Any) -> None:
    test_id = await deployed_to_test(demo_service)
    production_id = await to_production(demo_service, test_id)
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Carol Clark")

    package = demo_service.seed.prior_promotion.dev_package_id
    review = f"/promote?account={team_a(demo_service)}&package={package}"
    shown = await codes_on(
        page,
        base_url,
        [
            *PAGES,
            f"/promotions/{test_id}",
            f"/promotions/{production_id}",
            f"/reviews/{production_id}",
            f"/admin/approvals/{production_id}",
            review,
            f"{review.replace('/promote?', '/promote/plan?')}",
        ],
    )

    assert shown == {}
    # The check itself sees a code when one is there.
    assert STATUS_CODE.findall("Status: TEST_DEPLOYED") == ["TEST_DEPLOYED"]
    assert COMPONENT_CODE.findall("Result: UNCHANGED, action UPDATE") == ["UNCHANGED", "UPDATE"]
    await page.goto(f"{base_url}/promotions/{production_id}")
    assert re.search(r"In production", await page.locator(".facts").inner_text())

    # The pages do show results and actions, as words.
    await page.goto(f"{base_url}/promotions/{test_id}")
    results = await page.locator("table.results [data-result]").all_inner_texts()
    assert results and set(results) <= {"Created", "Updated", "Unchanged"}, results
    await page.goto(f"{base_url}{review}")
    assert await page.locator("[data-action]").all_inner_texts()
