"""An emergency hotfix in real browsers: the justification, and a peer review that compares a
changed component side by side with what main holds, then rejects it.

"Customer Sync" was promoted and deployed before (the demo seed holds its prod copies on main).
A developer has since renamed a step of its process in the dev account, so the review shows
an UPDATE with one changed line.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from boomi_promo.emulator.component_xml import ComponentDocument
from tests.browser.test_dashboard import sign_in_as
from tests.browser.test_deployment_journey import JOB_URL, PROMOTION_URL, nav, promotion_id_of
from tests.integration.scenarios.test_delta_promotions import customer_sync_in_production

pytestmark = pytest.mark.browser

PROMOTION_TIMEOUT_MS = 30_000
OLD_LABEL = 'userlabel="JSON to XML"'
NEW_LABEL = 'userlabel="Customer JSON to XML"'
JUSTIFICATION = "Customers in the new region are dropped by the current map."


def rename_a_process_step(service: Any) -> None:
    edit_dev_process(service, OLD_LABEL, NEW_LABEL)


def edit_dev_process(service: Any, old: str, new: str) -> None:
    """Change the dev "Customer Sync" process the way a developer's save in Boomi would."""
    prior = service.seed.prior_promotion
    state = service.emulator.state
    current = state.component_view(prior.dev_account_id, prior.dev_root_component_id).revision
    assert old in current.object_xml
    document = ComponentDocument(
        component_id=prior.dev_root_component_id,
        name=current.name,
        type=current.type,
        sub_type=current.sub_type,
        folder_id=current.folder_id,
        branch_id="",
        description=current.description,
        encrypted_values=current.encrypted_values,
        object_xml=current.object_xml.replace(old, new),
        process_overrides_xml=current.process_overrides_xml,
    )
    state.write_component(
        prior.dev_account_id,
        document,
        path_component_id=prior.dev_root_component_id,
        path_branch_id=None,
        user="alice@example.com",
    )


def live_branches(service: Any, promotion_id: str) -> int:
    branches = service.emulator.state.branches.values()
    return sum(1 for b in branches if b.name == f"promo-{promotion_id}" and not b.deleted)


async def test_a_hotfix_is_compared_with_main_and_rejected(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    prior = demo_service.seed.prior_promotion
    # Production holds Customer Sync as its dev account does: the rename is the one change.
    await customer_sync_in_production(demo_service)
    rename_a_process_step(demo_service)

    # alice promotes the changed process and sends it as a hotfix.
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
    justification = alice.get_by_label("Why can this not wait for a test deployment?")
    await justification.fill(JUSTIFICATION)
    await expect(alice.locator("#justification-count")).to_have_text(
        f"{1000 - len(JUSTIFICATION)} of 1000 characters left"
    )
    await alice.get_by_label("What changed (the reviewers read this)").fill(
        "Renames the map step that loses orders"
    )
    await alice.get_by_role("button", name="Submit hotfix for review").click()
    await expect(alice.locator(".notice-success")).to_contain_text(
        "The hotfix is waiting for a peer review"
    )

    # bob compares the changed process with main.
    bob = await open_tab()
    await sign_in_as(bob, base_url, "Bob Brown")
    await nav(bob, "Peer Review Queue").click()
    queued = bob.locator(f'tr[data-promotion-id="{promotion_id}"]')
    await expect(queued.locator(".hotfix")).to_have_text("Hotfix")
    await queued.get_by_role("link", name=re.compile("^Review")).click()
    await expect(bob.locator(".hotfix-warning")).to_contain_text(JUSTIFICATION)
    process = bob.locator("details.component-diff").filter(has_text="Customer Sync")
    process = process.filter(has=bob.locator(".action-update"))
    await process.locator("summary").click()
    diff = process.locator("table.diff")
    await expect(diff.locator("thead th")).to_have_text(["Main (now)", "Branch (to ship)"])
    await expect(process.locator(".diff-summary")).to_contain_text("0 added, 0 removed, 1 changed.")
    changed = diff.locator("tr.diff-changed")
    await expect(changed).to_have_count(1)
    await expect(changed.locator(".diff-left")).to_contain_text(OLD_LABEL)
    await expect(changed.locator(".diff-right")).to_contain_text(NEW_LABEL)
    left_line = await changed.locator(".line-no").first.inner_text()
    assert left_line.strip().isdigit()
    await expect(diff.locator("tr.diff-fold").first).to_contain_text("unchanged line")
    await bob.screenshot(path=str(artifacts_dir / "peer-review-diff-update.png"), full_page=True)

    # A rejection ends it and deletes the branch; alice sees why.
    assert live_branches(demo_service, promotion_id) == 1
    await bob.get_by_label("Comments (required to reject)").fill(
        "Rename the map step in the map, not the process."
    )
    asked: list[str] = []

    async def accept(dialog: Any) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    bob.once("dialog", accept)
    await bob.get_by_role("button", name="Reject…").click()
    await expect(bob.locator(".notice-success")).to_contain_text("Rejected")
    assert asked and "Reject this promotion?" in asked[0]
    await nav(alice, "My Promotions").click()
    await expect(alice.locator(f'tr[data-promotion-id="{promotion_id}"]')).to_contain_text(
        "Rejected in peer review by bob@example.com: Rename the map step in the map, "
        "not the process."
    )
    assert live_branches(demo_service, promotion_id) == 0
