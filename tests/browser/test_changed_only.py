"""A one-change promotion read in the dashboard: every component is marked changed or
unchanged, and "Changed only" narrows the list to what changed.

Customer Sync goes to production (so main holds its five components), then a developer renames
one field of its JSON profile in the dev account and promotes it again: the engine writes that
one component and leaves the other four UNCHANGED. The developer's promotion page, the peer
review and the admin approval each show one changed component; the filter hides the other four
and "All components" shows them again. Headless Chromium over the real emulator.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser.test_dashboard import sign_in_as
from tests.integration.deployment.support import body_of, deploy
from tests.integration.promotion.support import ALICE, edit_dev_component, promote
from tests.integration.scenarios.test_delta_promotions import PROFILE, customer_sync_in_production

pytestmark = pytest.mark.browser

COMPONENTS = 5


async def one_change_in_review(service: Any) -> tuple[str, str]:
    """The promotion of one changed profile, deployed to Test and submitted for production:
    (test promotion id, production promotion id)."""
    prior = service.seed.prior_promotion
    await customer_sync_in_production(service)
    profile = next(c for c in prior.components if c.component_name == PROFILE)
    await edit_dev_component(
        service, profile.dev_component_id, 'name="country"', 'name="countryCode"'
    )
    promoted = body_of(await promote(service, prior.dev_package_id))
    assert sorted(r["action"] for r in promoted["promotionResults"]) == [
        "UNCHANGED",
        "UNCHANGED",
        "UNCHANGED",
        "UNCHANGED",
        "UPDATED",
    ]
    test_id = str(promoted["promotionId"])
    body_of(await deploy(service, ALICE, promotionId=test_id))
    submitted = body_of(await service.call(ALICE, "submitForPeerReview", {"promotionId": test_id}))
    return test_id, str(submitted["promotionId"])


async def marks(rows: Locator) -> list[str]:
    return [text.strip() for text in await rows.locator(".change-mark").all_inner_texts()]


async def filters_to_the_one_change(page: Page, rows: Locator) -> None:
    """One changed of five; Changed only shows it alone, All components shows all five again."""
    await expect(rows).to_have_count(COMPONENTS)
    shown = await marks(rows)
    assert shown.count("Changed") == 1 and shown.count("Unchanged") == COMPONENTS - 1, shown
    await expect(page.locator(".changed-filter")).to_contain_text(f"1 of {COMPONENTS} changed.")

    await page.get_by_role("link", name="Changed only (1)").click()
    await expect(page).to_have_url(re.compile(r"[?&]changed=only"))
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text(PROFILE)
    assert await marks(rows) == ["Changed"]
    await expect(page.locator(".changed-filter-note")).to_contain_text(
        f"{COMPONENTS - 1} unchanged components hidden."
    )

    await page.get_by_role("link", name=f"All components ({COMPONENTS})").click()
    await expect(page).not_to_have_url(re.compile(r"changed=only"))
    await expect(rows).to_have_count(COMPONENTS)


async def test_one_change_is_marked_and_changed_only_shows_it_alone(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    test_id, production_id = await one_change_in_review(demo_service)

    # The developer's promotion page: the Test promotion's result of each component.
    alice = await open_tab()
    await sign_in_as(alice, base_url, "Alice Adams")
    await alice.goto(f"{base_url}/promotions/{test_id}")
    results = alice.locator("table.results tbody tr")
    await filters_to_the_one_change(alice, results)
    changed = results.filter(has=alice.locator('.change-mark[data-changed="true"]'))
    await expect(changed.locator("[data-result]")).to_have_text("Updated")

    # The peer reviewer: the same mark on each comparison, the filter, and the one diff.
    bob = await open_tab()
    await sign_in_as(bob, base_url, "Bob Brown")
    await bob.goto(f"{base_url}/reviews/{production_id}")
    # The production record counts every component of the tree once: the four it left as they
    # are and the shared connection it used as mapped included.
    await expect(bob.locator("[data-component-counts]")).to_have_text(
        "6 (0 created, 1 updated, 4 unchanged, 1 shared connection used as mapped)"
    )
    comparisons = bob.locator("details.component-diff")
    await filters_to_the_one_change(bob, comparisons)
    await bob.get_by_role("link", name="Changed only (1)").click()
    await comparisons.locator("summary").click()
    await expect(comparisons.locator("table.diff tr.diff-changed")).to_have_count(1)
    await expect(comparisons.locator(".diff-right mark.diff-word")).to_contain_text("countryCode")
    await bob.screenshot(path=str(artifacts_dir / "peer-review-changed-only.png"))
    await bob.get_by_role("button", name="Approve").click()
    await expect(bob.locator("main")).to_contain_text(
        "Approved: the promotion now waits for an admin's approval."
    )

    # The admin approving it: the same again.
    carol = await open_tab()
    await sign_in_as(carol, base_url, "Carol Clark")
    await carol.goto(f"{base_url}/admin/approvals/{production_id}")
    await filters_to_the_one_change(carol, carol.locator("details.component-diff"))
