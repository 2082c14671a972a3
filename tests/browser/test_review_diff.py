"""Reading a change in review: the words that changed inside a long line, and every
component's comparison opened or closed at once.

"Customer Sync" was promoted before (the demo seed holds its prod copies on main). A developer
has since switched on the user log of its process in the dev account: one attribute in the
process's long first line, which wraps in the side-by-side view.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_dashboard import sign_in_as
from tests.browser.test_deployment_journey import JOB_URL, PROMOTION_URL, nav, promotion_id_of
from tests.browser.test_hotfix_review import edit_dev_process
from tests.integration.scenarios.test_delta_promotions import customer_sync_in_production

pytestmark = pytest.mark.browser

PROMOTION_TIMEOUT_MS = 30_000
OLD_SETTING = 'enableUserLog="false"'
NEW_SETTING = 'enableUserLog="true"'


async def test_a_reviewer_sees_the_changed_word_in_a_long_line_and_opens_every_diff(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    prior = demo_service.seed.prior_promotion
    # Production holds Customer Sync as its dev account does: the setting is the one change.
    await customer_sync_in_production(demo_service)
    edit_dev_process(demo_service, OLD_SETTING, NEW_SETTING)

    alice = await open_tab()
    await sign_in_as(alice, base_url, "Alice Adams")
    await alice.get_by_role("searchbox", name="Search").fill("customer sync")
    row = alice.locator(f'tr[data-package-id="{prior.dev_package_id}"]')
    await row.get_by_role("link", name=re.compile(r"^Review")).click()
    await alice.get_by_role("button", name="Promote").click()
    await expect(alice).to_have_url(JOB_URL)
    await expect(alice.locator(".notice-success")).to_contain_text(
        "Promotion complete.", timeout=PROMOTION_TIMEOUT_MS
    )
    await alice.get_by_role("link", name="Next: deploy to Test or send as a hotfix").click()
    await expect(alice).to_have_url(PROMOTION_URL)
    promotion_id = promotion_id_of(alice)
    await alice.get_by_label("Why can this not wait for a test deployment?").fill(
        "Support needs the user log to trace a lost customer today."
    )
    await alice.get_by_label("What changed (the reviewers read this)").fill(
        "Switches on the user log of Customer Sync"
    )
    await alice.get_by_role("button", name="Submit hotfix for review").click()
    await expect(alice.locator(".notice-success")).to_contain_text("waiting for a peer review")

    bob = await open_tab()
    await sign_in_as(bob, base_url, "Bob Brown")
    await nav(bob, "Peer Review Queue").click()
    queued = bob.locator(f'tr[data-promotion-id="{promotion_id}"]')
    await queued.get_by_role("link", name=re.compile("^Review")).click()

    process = bob.locator("details.component-diff").filter(has_text="Customer Sync")
    process = process.filter(has=bob.locator(".action-update"))
    await process.locator("summary").click()
    changed = process.locator("table.diff tr.diff-changed")
    await expect(changed).to_have_count(1)
    old_side, new_side = changed.locator(".diff-left code"), changed.locator(".diff-right code")
    await expect(old_side).to_contain_text(OLD_SETTING)
    await expect(new_side).to_contain_text(NEW_SETTING)
    # Only the value that changed is marked, not the rest of the long line.
    await expect(old_side.locator("mark.diff-word")).to_have_text(["false"])
    await expect(new_side.locator("mark.diff-word")).to_have_text(["true"])
    await expect(new_side).to_contain_text("allowSimultaneous")
    # The line is long enough to wrap: the highlight is inside a line of several rows.
    rows_of_text = await new_side.evaluate("code => code.getClientRects().length")
    assert rows_of_text > 1
    await bob.screenshot(path=str(artifacts_dir / "peer-review-word-diff.png"), full_page=True)

    # Expand all opens and loads every comparison; Collapse all closes them again.
    components = bob.locator("details.component-diff")
    total = await components.count()
    assert total > 1
    await bob.get_by_role("button", name="Expand all").click()
    await expect(bob.locator("details.component-diff[open]")).to_have_count(total)
    await expect(bob.locator("details.component-diff .diff-summary")).to_have_count(total)
    await bob.get_by_role("button", name="Collapse all").click()
    await expect(bob.locator("details.component-diff[open]")).to_have_count(0)
