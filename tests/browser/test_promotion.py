"""Promoting from the dashboard in a real browser: review, promote, live progress, results.

Each test has a demo service and database of its own; the promotion here is still followed
until it has finished, so the service never stops under a running job.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_dashboard import sign_in_as
from tests.integration.promotion.test_secret_findings import (
    LOCATION,
    MARKER,
    SCRIPT,
    plant_key_in_script,
)

pytestmark = pytest.mark.browser

# Every component write (create or update) waits this long in the emulator, so that the
# promotion's progress can be watched; reads are left fast.
WRITE_LATENCY_SECONDS = 0.3
COMPONENT_WRITES = r"/Component(/[^/]+)?$"
PROMOTION_TIMEOUT_MS = 60_000
PROGRESS = re.compile(r"component \d+ of \d+")


async def test_a_developer_reviews_promotes_and_watches_the_promotion(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    package_id = demo_service.seed.full_tree_package_id
    await sign_in_as(page, base_url, "Alice Adams")
    await page.get_by_role("searchbox", name="Search").fill("orders sync")
    row = page.locator(f'tr[data-package-id="{package_id}"]')
    await expect(row).to_be_visible()

    await row.get_by_role("link", name=re.compile(r"^Review")).click()

    await expect(page.locator("h1")).to_have_text("Review: Orders Sync")
    tree_rows = page.locator("table.tree tbody tr")
    connection_rows = page.locator("table.connections tbody tr")
    await expect(connection_rows).to_have_count(4)
    await expect(tree_rows).to_have_count(19)
    await expect(tree_rows.first.locator(".component-name")).to_have_text("Orders Sync")
    await expect(connection_rows.first).to_contain_text("Shared connection — not promoted")
    assert await page.locator("table.connections .mapping-ok").count() == 4
    # Created unless an earlier promotion in this session left usable mappings.
    actions = page.locator("table.tree .action-create, table.tree .action-update")
    await expect(actions).to_have_count(19)
    promote = page.get_by_role("button", name="Promote")
    await expect(promote).to_be_enabled()
    await page.screenshot(path=str(artifacts_dir / "promotion-review.png"), full_page=True)

    faults = demo_service.emulator.state.faults
    faults.add(COMPONENT_WRITES, method="POST", latency=WRITE_LATENCY_SECONDS)
    try:
        await promote.click()

        await expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+$"))
        await expect(page.locator("h1")).to_have_text("Promotion of Orders Sync")
        # Live progress before the end: a component count shown while the job still runs.
        position = page.locator("[data-progress-position]")
        await expect(position).to_have_text(PROGRESS)
        await expect(page.locator("[data-progress-title]")).to_have_text(
            "Writing components to the branch"
        )
        await expect(page.locator("[data-progress-bar]")).to_have_attribute("max", "19")
        seen = await position.inner_text()
        await page.screenshot(path=str(artifacts_dir / "promotion-progress.png"), full_page=True)

        banner = page.locator(".notice-success")
        await expect(banner).to_contain_text("Promotion complete.", timeout=PROMOTION_TIMEOUT_MS)
    finally:
        faults.clear()

    assert PROGRESS.search(seen)
    await expect(page.locator("[data-progress-position]")).to_have_count(0)
    await expect(banner).to_contain_text(re.compile(r"\d+ created, \d+ updated"))
    branch = page.locator(".facts dd").first
    await expect(branch).to_have_text(re.compile(r"^promo-"))
    results = page.locator("table.results tbody tr")
    await expect(results).to_have_count(19)
    outcomes = set(await page.locator("table.results .badge[class*=result-]").all_inner_texts())
    assert outcomes <= {"Created", "Updated"} and outcomes
    await page.screenshot(path=str(artifacts_dir / "promotion-status.png"), full_page=True)


async def test_a_package_with_an_unmapped_connection_cannot_be_promoted(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    await sign_in_as(page, base_url, "Alice Adams")
    await page.get_by_role("searchbox", name="Search").fill("invoice export")
    row = page.locator(f'tr[data-package-id="{demo_service.seed.unmapped_connection_package_id}"]')

    await row.get_by_role("link", name=re.compile(r"^Review")).click()

    await expect(page.locator("h1")).to_have_text("Review: Invoice Export")
    await expect(page.get_by_role("button", name="Promote")).to_be_disabled()
    unmapped = page.locator(
        f'table.connections tr[data-component-id="{demo_service.seed.unmapped_connection_id}"]'
    )
    await expect(unmapped).to_contain_text("Unmapped")
    name = await unmapped.locator(".component-name").inner_text()
    await expect(page.locator("#promote-blocked")).to_contain_text(
        f"1 connection has no mapping in the primary account; "
        f"ask a platform admin to map it: {name}."
    )
    await page.screenshot(path=str(artifacts_dir / "promotion-blocked.png"), full_page=True)


async def test_secrets_that_cannot_be_stripped_are_listed_before_promote(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    component_id = await plant_key_in_script(demo_service)
    await sign_in_as(page, demo_service.base_url, "Alice Adams")
    await page.get_by_role("searchbox", name="Search").fill("orders sync")
    row = page.locator(f'tr[data-package-id="{demo_service.seed.full_tree_package_id}"]')

    await row.get_by_role("link", name=re.compile(r"^Review")).click()

    await expect(page.locator("h1")).to_have_text("Review: Orders Sync")
    findings = page.locator("#secret-findings table.secret-findings tbody tr")
    await expect(findings).to_have_count(1)
    finding = findings.first
    await expect(finding).to_have_attribute("data-component-id", component_id)
    await expect(finding.locator(".component-name")).to_have_text(SCRIPT)
    await expect(finding.locator(".location")).to_have_text(LOCATION)
    await expect(finding).to_contain_text("a value given to a secret-named variable or key")
    await expect(page.get_by_role("button", name="Promote")).to_be_disabled()
    await expect(page.locator("#promote-blocked")).to_contain_text(
        "1 secret cannot be stripped (listed below)"
    )
    assert MARKER not in await page.content()
    await page.screenshot(path=str(artifacts_dir / "promotion-secrets.png"), full_page=True)


async def test_an_admin_searches_the_mappings(
    page: Page, demo_service: Any, artifacts_dir: Path
) -> None:
    wanted = demo_service.seed.connection_mappings[0]
    await sign_in_as(page, demo_service.base_url, "Carol Clark")

    await page.get_by_role("link", name="Mappings").click()

    await expect(page.locator("h1")).to_have_text("Mappings")
    rows = page.locator("table.mappings tbody tr")
    await expect(rows.first).to_be_visible()
    await page.get_by_role("searchbox", name="Name contains").fill(wanted.component_name)
    await page.get_by_role("button", name="Search", exact=True).click()

    await expect(page).to_have_url(re.compile(r"[?&]q="))
    names = await page.locator("table.mappings .component-name").all_inner_texts()
    assert names
    assert all(wanted.component_name.casefold() in name.casefold() for name in names)
    await expect(
        page.locator(f'tr[data-dev-component-id="{wanted.dev_component_id}"]')
    ).to_contain_text(wanted.prod_component_id)
    await page.screenshot(path=str(artifacts_dir / "mapping-viewer.png"), full_page=True)

    # An edit Boomi refuses is explained next to the field; nothing is changed.
    row = page.locator(f'tr[data-dev-component-id="{wanted.dev_component_id}"]')
    await row.get_by_text("Edit", exact=True).click()
    await row.get_by_label("Prod component id").fill("no-such-prod-component")
    await row.get_by_role("button", name="Save").click()
    error = page.locator(".field-error")
    await expect(error).to_contain_text("Prod component id: ")
    await expect(error).to_contain_text("no-such-prod-component")
    await page.screenshot(path=str(artifacts_dir / "mapping-edit-refused.png"), full_page=True)

    # Delete asks first; cancelling keeps the mapping.
    await (
        page.locator(f'tr[data-dev-component-id="{wanted.dev_component_id}"]')
        .get_by_role("button", name="Delete…")
        .click()
    )
    await expect(page.locator("h1")).to_have_text("Delete this mapping?")
    await page.get_by_role("link", name="Cancel").click()
    await expect(
        page.locator(f'tr[data-dev-component-id="{wanted.dev_component_id}"]')
    ).to_contain_text(wanted.prod_component_id)


async def test_a_developer_may_not_open_the_mapping_viewer(page: Page, demo_service: Any) -> None:
    await sign_in_as(page, demo_service.base_url, "Alice Adams")
    await expect(page.locator(".lane-title").first).to_be_visible()

    assert await page.get_by_role("link", name="Mappings").count() == 0
    response = await page.goto(f"{demo_service.base_url}/admin/mappings")

    assert response is not None and response.status == 403
    await expect(page.locator("main")).to_contain_text("The Admin lane is for the ADMIN tier")
