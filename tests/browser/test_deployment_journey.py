"""One full Test → Production journey in real browsers, by four people with three roles.

alice promotes Orders Sync and deploys it to Test; it is the process's first test deployment,
so it waits for a pack until carol (admin) assigns a new Test pack. alice then promotes the
tested package to production; she cannot review it herself, bob (a peer) approves it, and
erin (admin) approves it with a new production pack and watches the deployment to the end,
the release status included.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from boomi_promo.domain.statuses import PromotionStatus
from tests.browser.test_dashboard import sign_in_as

pytestmark = pytest.mark.browser

JOB_URL = re.compile(r"/jobs/[0-9a-f-]+$")
PROMOTION_URL = re.compile(r"/promotions/([0-9a-f-]+)$")
PROMOTION_TIMEOUT_MS = 60_000
DEPLOYMENT_TIMEOUT_MS = 30_000
# The release stays IN_PROGRESS this long in the emulator, so the release status panel is
# seen in progress first and then settles, refreshed by itself.
RELEASE_SECONDS = 5.0
# Each merge call waits this long, so the admin's deployment is seen while it runs.
MERGE_LATENCY_SECONDS = 0.8
MERGE_CALLS = r"/MergeRequest"
TEST_PACK = "Orders Sync - TEST"
PRODUCTION_PACK = "Orders Sync"
DEV_PACKAGE = "Dev package 2.0"
"""The seed's newest Orders Sync package: the name of the change on every page."""
STATUS_CODE = re.compile(r"\b(" + "|".join(sorted(PromotionStatus, key=len, reverse=True)) + r")\b")


async def no_status_codes(page: Page) -> None:
    """A page shows statuses as labels: a raw code (PENDING_PACK_ASSIGNMENT) fails the test."""
    text = await page.locator("main").inner_text()
    assert STATUS_CODE.findall(text) == [], f"status codes shown on {page.url}"


def nav(page: Page, title: str) -> Locator:
    """A page of the swimlane navigation."""
    return page.locator("nav.lanes").get_by_role("link", name=title, exact=True)


def promotion_id_of(page: Page) -> str:
    found = PROMOTION_URL.search(page.url)
    assert found is not None, page.url
    return found.group(1)


async def promote_orders_sync(page: Page, service: Any) -> None:
    """Review → Promote, followed until the promotion is complete."""
    await page.get_by_role("searchbox", name="Search").fill("orders sync")
    row = page.locator(f'tr[data-package-id="{service.seed.full_tree_package_id}"]')
    await row.get_by_role("link", name=re.compile(r"^Review")).click()
    await expect(page.locator("h1")).to_have_text("Review: Orders Sync")
    await page.get_by_role("button", name="Promote").click()
    await expect(page).to_have_url(JOB_URL)
    await expect(page.locator(".notice-success")).to_contain_text(
        "Promotion complete.", timeout=PROMOTION_TIMEOUT_MS
    )


async def test_a_promotion_goes_from_test_to_production_through_three_people(
    open_tab: Callable[[], Awaitable[Page]], demo_service: Any, artifacts_dir: Path
) -> None:
    base_url = demo_service.base_url
    state = demo_service.emulator.state
    state.settings.release_seconds = RELEASE_SECONDS

    # alice: promote, then deploy to Test — the first time there is no Test pack yet.
    alice = await open_tab()
    await sign_in_as(alice, base_url, "Alice Adams")
    await promote_orders_sync(alice, demo_service)
    await alice.get_by_role("link", name="Next: deploy to Test or send as a hotfix").click()
    await expect(alice).to_have_url(PROMOTION_URL)
    test_promotion_id = promotion_id_of(alice)
    await expect(alice.locator(".status-sentence")).to_have_text(
        "Promoted to its branch; ready to deploy to Test or to send as a hotfix."
    )
    await expect(alice.get_by_role("button", name="Submit hotfix for review")).to_be_visible()
    await alice.get_by_role("button", name="Deploy to Test").click()
    await expect(alice).to_have_url(JOB_URL)
    await expect(alice.locator("h1")).to_have_text("Deployment to Test")
    # Not a success: the developer is told who must act, and that admins were told.
    waiting = alice.locator(".notice-warning")
    await expect(waiting).to_contain_text(
        "waiting for an admin to choose a Test integration pack", timeout=DEPLOYMENT_TIMEOUT_MS
    )
    await expect(waiting).to_contain_text("under Pack Assignment")
    await expect(alice.locator(".facts .status")).to_have_text("Waiting for a Test pack")
    await no_status_codes(alice)
    test_package = await alice.locator(".facts dd.mono").first.inner_text()
    await expect(waiting).to_contain_text(f"Packaged as Test package {test_package}.")

    await nav(alice, "My Promotions").click()
    mine = alice.locator(f'tr[data-promotion-id="{test_promotion_id}"]')
    await expect(mine).to_contain_text(
        "Packaged; waiting for a platform admin to choose a Test integration pack"
    )
    await expect(mine.locator(".version-story")).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package}"
    )
    await no_status_codes(alice)

    # carol: assign a new Test pack (mode 4) → TEST_DEPLOYED.
    carol = await open_tab()
    await sign_in_as(carol, base_url, "Carol Clark")
    await nav(carol, "Pack Assignment").click()
    waiting_row = carol.locator(f'li[data-promotion-id="{test_promotion_id}"]')
    await expect(waiting_row).to_contain_text("Orders Sync")
    await expect(waiting_row.locator(".version-story")).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package}"
    )
    await waiting_row.get_by_label("Integration pack").select_option(label="Create a new pack…")
    await waiting_row.get_by_label("New pack name").fill(PRODUCTION_PACK)
    await waiting_row.get_by_role("button", name="Release to Test").click()
    await expect(carol).to_have_url(JOB_URL)
    await expect(carol.locator(".notice-success")).to_contain_text(
        f"released to the Test integration pack {TEST_PACK}", timeout=DEPLOYMENT_TIMEOUT_MS
    )
    await expect(carol.locator(".facts .status")).to_have_text("In Test")
    await no_status_codes(carol)
    await carol.goto(f"{base_url}/admin/packs")
    await expect(carol.locator(".empty-state")).to_contain_text("No test deployment is waiting")

    # alice: the tested deployment is ready; promote it to production (R).
    await nav(alice, "Production Readiness").click()
    ready = alice.locator(f'tr[data-promotion-id="{test_promotion_id}"]')
    await expect(ready).to_contain_text(TEST_PACK)
    await expect(ready.locator(".version-story")).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package}"
    )
    await ready.get_by_role("textbox").fill("Adds the country to every customer")
    await ready.get_by_role("button", name=re.compile("Promote .* to production")).click()
    await expect(alice).to_have_url(PROMOTION_URL)
    production_id = promotion_id_of(alice)
    assert production_id != test_promotion_id
    await expect(alice.locator(".notice-success")).to_contain_text("waiting for a peer review")
    await expect(alice.locator(".status-sentence")).to_have_text(
        "Waiting for a peer review by another contributor."
    )
    await expect(alice.get_by_role("button", name="Withdraw")).to_be_visible()
    # Her own submission is not in her queue, and its review page refuses her.
    await nav(alice, "Peer Review Queue").click()
    await expect(alice.locator(f'tr[data-promotion-id="{production_id}"]')).to_have_count(0)
    await alice.goto(f"{base_url}/reviews/{production_id}")
    await expect(alice.locator(".self-review")).to_have_text(
        "You initiated this promotion; another contributor must peer review it."
    )
    await expect(alice.get_by_role("button", name="Approve")).to_have_count(0)

    # bob: peer review with the diff viewer, then approve.
    bob = await open_tab()
    await sign_in_as(bob, base_url, "Bob Brown")
    await nav(bob, "Peer Review Queue").click()
    queued = bob.locator(f'tr[data-promotion-id="{production_id}"]')
    await expect(queued.locator(".version-story")).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package}"
    )
    await no_status_codes(bob)
    await queued.get_by_role("link", name=re.compile("^Review")).click()
    await expect(bob.locator("h1")).to_have_text("Peer review: Orders Sync")
    await no_status_codes(bob)
    await expect(bob.locator(".developer-notes")).to_have_text("Adds the country to every customer")
    components = bob.locator("details.component-diff")
    await expect(components).to_have_count(19)
    root = components.filter(has_text="Orders Sync").first
    await root.locator("summary").click()
    diff = root.locator("table.diff")
    await expect(diff).to_be_visible()
    # Main has never held these components: only the branch side, every line added.
    await expect(root.locator(".diff-summary")).to_contain_text("New component")
    await expect(diff.locator("thead th")).to_have_text(["Branch (to ship)"])
    await expect(diff.locator("tr.diff-added").first).to_contain_text("Orders Sync")
    # The list and the comparison name the same component version.
    listed = await root.locator("summary .muted").inner_text()
    assert listed.startswith("branch version ")
    await expect(root.locator(".diff-summary")).to_contain_text(listed)
    await bob.screenshot(path=str(artifacts_dir / "peer-review-diff.png"), full_page=True)
    await bob.get_by_label("Comments").fill("Mapping and connections look right.")
    await bob.get_by_role("button", name="Approve").click()
    await expect(bob.locator(".notice-success")).to_contain_text(
        "now waits for an admin's approval"
    )

    # erin: admin approval with a new production pack, followed live to DEPLOYED.
    erin = await open_tab()
    await sign_in_as(erin, base_url, "Erin Evans")
    await nav(erin, "Approvals").click()
    pending = erin.locator(f'tr[data-promotion-id="{production_id}"]')
    await expect(pending).to_contain_text("bob@example.com")
    await expect(pending.locator(".version-story")).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package}"
    )
    await pending.get_by_role("link", name=re.compile("^Review")).click()
    await expect(erin.locator("h1")).to_have_text("Approval: Orders Sync")
    await expect(erin.locator(".developer-notes")).to_have_text(
        "Adds the country to every customer"
    )
    await expect(erin.locator(".peer-outcome")).to_contain_text("bob@example.com")
    await expect(erin.locator(".peer-outcome")).to_contain_text(
        "Mapping and connections look right."
    )
    # No production pack exists yet (the Test pack is not offered): a new one is preselected.
    pack = erin.get_by_label("Integration pack")
    await expect(pack.locator("option")).to_have_text(["Create a new pack…"])
    await erin.get_by_label("New pack name").fill(PRODUCTION_PACK)
    await erin.locator("details.component-diff").first.locator("summary").click()
    await expect(erin.locator("table.diff").first).to_be_visible()
    await erin.screenshot(path=str(artifacts_dir / "admin-approval.png"), full_page=True)

    state.faults.add(MERGE_CALLS, latency=MERGE_LATENCY_SECONDS)
    try:
        await erin.get_by_role("button", name="Approve and deploy").click()
        await expect(erin).to_have_url(JOB_URL)
        await expect(erin.locator("h1")).to_have_text("Approval and deployment to production")
        # Live progress while the job runs: a step of the deployment, not a finished page.
        await expect(erin.locator("[data-progress-title]")).to_have_text(
            re.compile(r"Merging|Packaging|Releasing")
        )
        done = erin.locator(".notice-success")
        await expect(done).to_contain_text(
            "Approval and deployment to production complete.", timeout=DEPLOYMENT_TIMEOUT_MS
        )
    finally:
        state.faults.clear()
    await expect(done).to_contain_text(f"production integration pack {PRODUCTION_PACK}")
    await expect(erin.locator(".facts .status")).to_have_text("In production")
    production_package = await erin.locator(".facts dd.mono").first.inner_text()
    await expect(done).to_contain_text(f"packaged as Production package {production_package}")
    # The release status shows up while Boomi still releases, and refreshes itself until
    # the release has settled.
    release = erin.locator('.release-status [data-release-type="PRODUCTION"]')
    await expect(release).to_have_attribute("data-release-status", "IN_PROGRESS")
    await expect(release).to_contain_text("in progress; this updates by itself")
    await expect(release).to_have_attribute(
        "data-release-status", "SUCCESS", timeout=DEPLOYMENT_TIMEOUT_MS
    )
    await expect(release).to_contain_text(f"Production release of {PRODUCTION_PACK} finished")
    await expect(erin.locator('.release-status [data-release-type="TEST"]')).to_contain_text(
        f"Test release of {TEST_PACK} finished"
    )
    await erin.screenshot(path=str(artifacts_dir / "production-deployed.png"), full_page=True)

    # alice sees where it ended, with its release.
    await no_status_codes(erin)
    await alice.goto(f"{base_url}/promotions")
    # One row for the change: its Test step and its Production step, one version story.
    change = alice.locator(f'tr[data-promotion-id="{test_promotion_id}"]')
    await expect(alice.locator(f'tr[data-promotion-id="{production_id}"]')).to_have_count(0)
    await expect(change.locator(".version-story")).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package} · Production package {production_package}"
    )
    deployed = change.locator(f'[data-step-promotion-id="{production_id}"]')
    await expect(deployed).to_contain_text("In production")
    await expect(deployed).to_contain_text("Deployed to production in integration pack")
    await expect(change.locator(".test-step")).to_contain_text("In Test")
    await expect(
        deployed.locator('[data-release-type="PRODUCTION"][data-release-status="SUCCESS"]')
    ).to_be_visible()
    await no_status_codes(alice)
    await alice.goto(f"{base_url}/promotions/{production_id}")
    for term, value in (
        ("Dev package", "2.0"),
        ("Test package", test_package),
        ("Production package", production_package),
    ):
        fact = alice.locator(".facts > div").filter(has=alice.get_by_text(term, exact=True))
        await expect(fact.locator("dd")).to_have_text(value)
    await no_status_codes(alice)
    await nav(alice, "Promotions").click()
    await expect(
        alice.locator(f'tr[data-promotion-id="{test_promotion_id}"] .version-story')
    ).to_have_text(
        f"{DEV_PACKAGE} Test package {test_package} · Production package {production_package}"
    )
    await no_status_codes(alice)
    await alice.screenshot(path=str(artifacts_dir / "my-promotions.png"), full_page=True)
