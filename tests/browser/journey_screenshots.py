"""The journey's screenshots for docs/screenshots/ and the README's tour, at 1440 and 390 px.

Not a test CI runs: its name does not match ``test_*.py``, so pytest collects it only when
named, as ``scripts/screenshots`` does. It walks the demo (the emulator over loopback HTTP, a
fresh store) the way the browser tests do: alice promotes Orders Sync and deploys it to Test,
carol assigns the Test pack, alice promotes it to production, bob peer reviews it, erin
approves and deploys it; then, with Customer Sync in production, a one-attribute hotfix of it
shows its one changed component (Changed only) and the word-level diff, and carol previews a
Test → Production extension copy. Each stop is captured at both widths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Locator, Page, expect

from tests.browser.test_dashboard import sign_in_as
from tests.browser.test_deployment_journey import (
    DEPLOYMENT_TIMEOUT_MS,
    JOB_URL,
    PRODUCTION_PACK,
    PROMOTION_URL,
    nav,
    promote_orders_sync,
    promotion_id_of,
)
from tests.browser.test_hotfix_review import edit_dev_process
from tests.integration.scenarios.test_delta_promotions import customer_sync_in_production

SCREENSHOTS_DIR = Path(
    os.environ.get("PROMO_SCREENSHOTS_DIR")
    or Path(__file__).resolve().parents[2] / "docs" / "screenshots"
)
WIDE, NARROW = 1440, 390
HEIGHT = 900


async def capture(page: Page, name: str, *, focus: Locator | None = None) -> None:
    """``name``-1440.png and ``name``-390.png of the page as it is now: the whole page, or with
    ``focus`` the screen's height from there (a long page's point, in a small image)."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    for width in (WIDE, NARROW):
        await page.set_viewport_size({"width": width, "height": HEIGHT})
        # Let the layout settle at the new width before the picture.
        await page.wait_for_timeout(150)
        if focus is not None:
            await focus.evaluate("element => element.scrollIntoView({block: 'start'})")
            await page.wait_for_timeout(100)
        await page.screenshot(
            path=str(SCREENSHOTS_DIR / f"{name}-{width}.png"), full_page=focus is None
        )
    await page.set_viewport_size({"width": WIDE, "height": HEIGHT})


async def test_journey_screenshots(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any
) -> None:
    base_url = demo_service.base_url

    # alice finds the package, reviews it and promotes it.
    alice = await open_tab()
    await sign_in_as(alice, base_url, "Alice Adams")
    await alice.get_by_role("searchbox", name="Search").fill("orders sync")
    await expect(alice.locator("table tbody tr").first).to_be_visible()
    await capture(alice, "01-package-browser")
    await promote_orders_sync(alice, demo_service)
    await capture(alice, "02-promotion-complete", focus=alice.locator("main"))

    # the first deployment to Test waits for a Test pack.
    await alice.get_by_role("link", name="Next: deploy to Test or send as a hotfix").click()
    await expect(alice).to_have_url(PROMOTION_URL)
    test_promotion_id = promotion_id_of(alice)
    await alice.get_by_role("button", name="Deploy to Test").click()
    await expect(alice.locator(".notice-warning")).to_contain_text(
        "waiting for an admin", timeout=DEPLOYMENT_TIMEOUT_MS
    )
    await capture(alice, "03-waiting-for-a-test-pack")

    # carol assigns a new Test pack.
    carol = await open_tab()
    await sign_in_as(carol, base_url, "Carol Clark")
    await nav(carol, "Pack Assignment").click()
    waiting = carol.locator(f'li[data-promotion-id="{test_promotion_id}"]')
    await waiting.get_by_label("Integration pack").select_option(label="Create a new pack…")
    await waiting.get_by_label("New pack name").fill(PRODUCTION_PACK)
    await capture(carol, "04-pack-assignment")
    await waiting.get_by_role("button", name="Release to Test").click()
    await expect(carol.locator(".notice-success")).to_contain_text(
        "released to the Test integration pack", timeout=DEPLOYMENT_TIMEOUT_MS
    )

    # alice promotes the tested change to production.
    await nav(alice, "Production Readiness").click()
    ready = alice.locator(f'tr[data-promotion-id="{test_promotion_id}"]')
    await ready.get_by_role("textbox").fill("Adds the country to every customer")
    await capture(alice, "05-production-readiness")
    await ready.get_by_role("button", name=re.compile("Promote .* to production")).click()
    await expect(alice).to_have_url(PROMOTION_URL)
    production_id = promotion_id_of(alice)

    # bob peer reviews it with the comparison open.
    bob = await open_tab()
    await sign_in_as(bob, base_url, "Bob Brown")
    await nav(bob, "Peer Review Queue").click()
    await capture(bob, "06-peer-review-queue")
    queued = bob.locator(f'tr[data-promotion-id="{production_id}"]')
    await queued.get_by_role("link", name=re.compile("^Review")).click()
    root = bob.locator("details.component-diff").filter(has_text="Orders Sync").first
    await root.locator("summary").click()
    await expect(root.locator("table.diff")).to_be_visible()
    await capture(bob, "07-peer-review", focus=bob.locator("#components"))
    await bob.get_by_label("Comments").fill("Mapping and connections look right.")
    await bob.get_by_role("button", name="Approve").click()
    await expect(bob.locator(".notice-success")).to_contain_text("admin's approval")

    # erin approves and deploys to production.
    erin = await open_tab()
    await sign_in_as(erin, base_url, "Erin Evans")
    await nav(erin, "Approvals").click()
    pending = erin.locator(f'tr[data-promotion-id="{production_id}"]')
    await pending.get_by_role("link", name=re.compile("^Review")).click()
    await erin.get_by_label("New pack name").fill(PRODUCTION_PACK)
    await capture(erin, "08-admin-approval", focus=erin.locator("main"))
    await erin.get_by_role("button", name="Approve and deploy").click()
    await expect(erin).to_have_url(JOB_URL)
    await expect(erin.locator(".notice-success")).to_contain_text(
        "deployment to production complete", timeout=DEPLOYMENT_TIMEOUT_MS
    )
    await expect(erin.locator('.release-status [data-release-type="PRODUCTION"]')).to_be_visible()
    await capture(erin, "09-deployed-to-production")

    # the change in one row, on My Promotions and on Promotions.
    await nav(alice, "My Promotions").click()
    await expect(alice.locator(f'tr[data-promotion-id="{test_promotion_id}"]')).to_be_visible()
    await capture(alice, "10-my-promotions")
    await nav(alice, "Promotions").click()
    await capture(alice, "11-promotions")

    # a one-attribute hotfix of Customer Sync, which production holds as its dev account did:
    # one changed component, and the word that changed inside a long line.
    await customer_sync_in_production(demo_service)
    edit_dev_process(demo_service, 'enableUserLog="false"', 'enableUserLog="true"')
    prior = demo_service.seed.prior_promotion
    await nav(alice, "Package Browser").click()
    await alice.get_by_role("searchbox", name="Search").fill("customer sync")
    row = alice.locator(f'tr[data-package-id="{prior.dev_package_id}"]')
    await row.get_by_role("link", name=re.compile(r"^Review")).click()
    await alice.get_by_role("button", name="Promote").click()
    await expect(alice.locator(".notice-success")).to_contain_text(
        "Promotion complete.", timeout=DEPLOYMENT_TIMEOUT_MS
    )
    await alice.get_by_role("link", name="Next: deploy to Test or send as a hotfix").click()
    hotfix_id = promotion_id_of(alice)
    await alice.get_by_label("Why can this not wait for a test deployment?").fill(
        "Support needs the user log to trace a lost customer today."
    )
    await alice.get_by_label("What changed (the reviewers read this)").fill(
        "Switches on the user log of Customer Sync"
    )
    await alice.get_by_role("button", name="Submit hotfix for review").click()
    await bob.goto(f"{base_url}/reviews/{hotfix_id}")
    # One component changed: Changed only leaves it alone in the list.
    await bob.get_by_role("link", name="Changed only (1)").click()
    process = bob.locator("details.component-diff").filter(has_text="Customer Sync")
    await expect(process).to_have_count(1)
    await process.locator("summary").click()
    await expect(process.locator("mark.diff-word").first).to_be_visible()
    await capture(bob, "12-hotfix-word-diff", focus=bob.locator("#components"))

    # carol previews copying Client Co's Test extensions to Production.
    await nav(carol, "Extensions").click()
    await carol.get_by_role("link", name="Copy Test → Production…").click()
    await expect(carol.locator(".copy-preview")).to_be_visible()
    await capture(carol, "13-extension-copy-preview")
