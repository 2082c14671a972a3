"""Peer Review Queue and Detail with the diff viewer, the Admin Approval Queue and its detail,
and Pack Assignment — against fakes of the workflow's actions."""

from __future__ import annotations

import re

import httpx
import pytest

from boomi_promo.actions.diff import (
    ComponentDiff,
    DiffSummaryItem,
    GenerateComponentDiffResponse,
    SideBySideRowItem,
)
from boomi_promo.actions.status import StoredResultItem
from boomi_promo.errors import Conflict
from tests.unit.web.support import (
    HTMX,
    FakeActions,
    FakeContainer,
    csrf_token_in,
    pack_item,
    promotion_item,
    sign_in,
)
from tests.unit.web.test_deployment_pages import post, post_targets, text_of

DIFF_ROWS = re.compile(r'<tr class="diff-(\w+)">')
CHANGE_MARKS = re.compile(r'<span class="change-mark [a-z-]+" data-changed="\w+">([^<]+)</span>')


def change_marks(html: str) -> list[str]:
    """The changed / unchanged marks of a page's components, in order."""
    return CHANGE_MARKS.findall(html)


def row(kind: str, left: str | None, right: str | None, number: int) -> SideBySideRowItem:
    return SideBySideRowItem(
        left=left,
        right=right,
        left_line=number if left is not None else None,
        right_line=number if right is not None else None,
        kind=kind,
    )


def update_diff() -> GenerateComponentDiffResponse:
    """Twenty lines, the tenth changed, an eleventh added."""
    rows = [row("same", f"<line{n}/>", f"<line{n}/>", n) for n in range(1, 21)]
    rows[9] = row("changed", '<timeout value="30"/>', '<timeout value="60"/>', 10)
    rows.insert(10, row("added", None, "<retry/>", 11))
    return GenerateComponentDiffResponse(
        prod_component_id="prod-orders-sync",
        component_name="Orders Sync",
        component_action="UPDATE",
        branch_xml="",
        main_xml="",
        branch_version=5,
        main_version=4,
        diff=ComponentDiff(rows=rows, summary=DiffSummaryItem(added=1, removed=0, changed=1)),
    )


def create_diff() -> GenerateComponentDiffResponse:
    return GenerateComponentDiffResponse(
        prod_component_id="prod-order-map",
        component_name="Order Map",
        component_action="CREATE",
        branch_version=1,
        diff=ComponentDiff(
            rows=[row("added", None, '<bns:Component name="Order Map">', 1)],
            summary=DiffSummaryItem(added=1, removed=0, changed=0),
        ),
    )


@pytest.fixture
def reviews(actions: FakeActions) -> FakeActions:
    workflow = actions.workflow
    workflow.promotions = [
        promotion_item(
            "Orders Sync",
            promotion_id="p-hotfix",
            status="PENDING_PEER_REVIEW",
            target_environment="PRODUCTION",
            is_hotfix=True,
            hotfix_justification="Orders <lost> every night.",
            submitted_for_review_by="alice@example.com",
        ),
        promotion_item("Alice's own", promotion_id="p-own", status="PENDING_PEER_REVIEW"),
        promotion_item(
            "Invoices",
            promotion_id="p-admin",
            status="PENDING_ADMIN_REVIEW",
            target_environment="PRODUCTION",
            peer_review_status="PEER_APPROVED",
            peer_reviewed_by="bob@example.com",
            peer_review_comments="Looks right.",
        ),
    ]
    workflow.diffs = {"prod-orders-sync": update_diff(), "prod-order-map": create_diff()}
    return actions


async def test_the_queue_lists_others_pending_reviews(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "bob@example.com")

    page = await client.get("/reviews")

    text = text_of(page.text)
    assert "Orders Sync" in text and "Hotfix" in text
    assert "Alice's own" in text
    assert "Invoices" not in text
    assert 'href="/reviews/p-hotfix"' in page.text

    await sign_in(client, "alice@example.com")
    own = text_of((await client.get("/reviews")).text)
    assert "Alice's own" not in own and "Orders Sync" not in own
    assert "No promotions are waiting for peer review." in own


async def test_the_review_page_shows_the_hotfix_and_the_written_components(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "bob@example.com")

    page = await client.get("/reviews/p-hotfix")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "Emergency hotfix." in text
    assert "Justification: Orders <lost> every night." in text
    assert "Orders &lt;lost&gt;" in page.text
    # Written components can be compared; the shared connection (SKIPPED) wrote nothing.
    assert re.findall(r'data-component-id="([^"]+)"', page.text) == [
        "prod-orders-sync",
        "prod-order-map",
    ]
    assert (
        'hx-get="/reviews/p-hotfix/diff?component=prod-order-map&amp;action=CREATE&amp;'
        'name=Order+Map"' in page.text
    )
    assert post_targets(page.text) == ["/reviews/p-hotfix"]
    assert 'maxlength="500"' in page.text


async def test_the_diff_viewer_shows_both_sides_with_line_numbers(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "bob@example.com")

    fragment = await client.get(
        "/reviews/p-hotfix/diff?component=prod-orders-sync&action=UPDATE", headers=HTMX
    )

    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    text = text_of(fragment.text)
    assert "Main version 4 → branch version 5: 1 added, 0 removed, 1 changed." in text
    assert "Main (now)" in text and "Branch (to ship)" in text
    # Three lines of context around the changes; the unchanged rest is folded.
    assert DIFF_ROWS.findall(fragment.text) == [
        "fold",
        "same",
        "same",
        "same",
        "changed",
        "added",
        "same",
        "same",
        "same",
        "fold",
    ]
    assert "⋯ 6 unchanged lines" in text and "⋯ 7 unchanged lines" in text
    changed = re.search(r'<tr class="diff-changed">(.*?)</tr>', fragment.text, re.S)
    assert changed is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", changed.group(1), re.S)
    assert cells == [
        "10",
        '<code>&lt;timeout value=&#34;<mark class="diff-word">30</mark>&#34;/&gt;</code>',
        "10",
        '<code>&lt;timeout value=&#34;<mark class="diff-word">60</mark>&#34;/&gt;</code>',
    ]
    assert reviews.workflow.requests[-1] == (
        "generateComponentDiff",
        {
            "promotionId": "p-hotfix",
            "prodComponentId": "prod-orders-sync",
            "componentAction": "UPDATE",
        },
    )


async def test_a_created_component_shows_only_the_new_side(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "bob@example.com")

    page = await client.get("/reviews/p-hotfix/diff?component=prod-order-map&action=CREATE")

    assert "<html" in page.text  # opened without script: a page of its own
    text = text_of(page.text)
    assert "New component: 1 line, branch version 1. Main does not hold it yet." in text
    assert "Main (now)" not in text
    assert DIFF_ROWS.findall(page.text) == ["added"]
    assert page.text.count('class="line-no"') == 1


async def test_a_diff_the_action_refuses_is_a_sentence(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    reviews.refusals["generateComponentDiff"] = Conflict(
        "Promotion p-hotfix is WITHDRAWN and no longer has a branch to compare."
    )
    await sign_in(client, "bob@example.com")

    fragment = await client.get(
        "/reviews/p-hotfix/diff?component=prod-orders-sync&action=UPDATE", headers=HTMX
    )

    assert fragment.status_code == 409
    assert "no longer has a branch to compare" in fragment.text


async def test_a_reviewer_approves_with_comments(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "bob@example.com")

    response = await post(
        client,
        "/reviews/p-hotfix",
        "/reviews/p-hotfix",
        decision="APPROVED",
        comments="Checked the map.",
    )

    assert response.status_code == 303
    assert reviews.workflow.requests[-1] == (
        "submitPeerReview",
        {"promotionId": "p-hotfix", "decision": "APPROVED", "comments": "Checked the map."},
    )
    queue = text_of((await client.get("/reviews")).text)
    assert "Approved: the promotion now waits for an admin's approval." in queue


async def test_the_initiator_is_told_someone_else_reviews(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "ALICE@example.com")

    page = await client.get("/reviews/p-own")

    assert "You initiated this promotion; another contributor must peer review it." in page.text
    assert post_targets(page.text) == []

    forced = await client.post(
        "/reviews/p-own",
        data={"csrf_token": csrf_token_in(page.text), "decision": "APPROVED"},
    )
    assert forced.status_code == 403
    assert "another contributor must peer review it" in forced.text
    assert reviews.workflow.find("p-own").status == "PENDING_PEER_REVIEW"


async def test_a_contributor_may_not_open_the_admin_lane(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "bob@example.com")

    for path in ("/admin/approvals", "/admin/approvals/p-admin", "/admin/packs"):
        assert (await client.get(path)).status_code == 403


async def test_the_admin_queue_and_approval_page(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    reviews.workflow.packs = [
        pack_item("Billing"),
        pack_item("Invoices"),
        pack_item("Invoices - TEST"),
    ]
    reviews.workflow.suggested = {"PRODUCTION": "pack-invoices"}
    await sign_in(client, "erin@example.com")

    queue = await client.get("/admin/approvals")

    assert 'href="/admin/approvals/p-admin"' in queue.text
    assert "Orders Sync" not in text_of(queue.text)

    page = await client.get("/admin/approvals/p-admin")

    text = text_of(page.text)
    assert "Approved by bob@example.com" in text
    assert "Looks right." in text
    options = re.findall(r"<option value=\"([^\"]+)\"( selected)?>", page.text)
    assert options == [("pack-billing", ""), ("pack-invoices", " selected"), ("new", "")]
    assert "Invoices (used before)" in text
    assert "hotfix_acknowledged" not in page.text
    asked = {"packPurpose": "PRODUCTION", "suggestForProcess": "Invoices"}
    assert ("listIntegrationPacks", asked) in reviews.workflow.requests


async def test_approving_starts_the_admin_review_job(
    client: httpx.AsyncClient, reviews: FakeActions, container: FakeContainer
) -> None:
    await sign_in(client, "erin@example.com")

    response = await post(
        client,
        "/admin/approvals/p-admin",
        "/admin/approvals/p-admin",
        decision="APPROVED",
        pack="new",
        new_pack_name="Invoices",
        comments="Ship it.",
    )

    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/jobs/")
    job = container.jobs.jobs[job_id]
    assert job.action == "submitAdminReview"
    assert job.request["promotionId"] == "p-admin"
    assert job.request["decision"] == "APPROVED"
    assert job.request["createNewPack"] is True
    assert job.request["newPackName"] == "Invoices"
    assert job.request["comments"] == "Ship it."
    page = await client.get(f"/jobs/{job_id}")
    assert "<h1>Approval and deployment to production</h1>" in page.text


async def test_a_hotfix_approval_needs_the_acknowledgement_and_offers_a_test_pack(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    reviews.workflow.replace("p-hotfix", status="PENDING_ADMIN_REVIEW")
    reviews.workflow.packs = [pack_item("Orders"), pack_item("Orders - TEST")]
    reviews.workflow.suggested = {"TEST": "pack-orders---test"}
    await sign_in(client, "erin@example.com")

    page = await client.get("/admin/approvals/p-hotfix")

    text = text_of(page.text)
    assert "Emergency hotfix." in text
    assert '<input type="checkbox" name="hotfix_acknowledged" value="yes" required>' in page.text
    assert re.findall(r'<select id="([^"]+)" name="([^"]+)">', page.text) == [
        ("pack-prod", "pack"),
        ("test_pack-test", "test_pack"),
    ]
    assert '<option value="pack-orders---test" selected>' in page.text


async def test_an_admin_who_took_part_may_not_approve(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    reviews.workflow.replace("p-admin", peer_reviewed_by="erin@example.com")
    await sign_in(client, "erin@example.com")

    page = await client.get("/admin/approvals/p-admin")

    assert "You peer reviewed this promotion; another admin must approve it." in page.text
    assert post_targets(page.text) == []


async def test_rejecting_records_the_decision(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    await sign_in(client, "erin@example.com")

    response = await post(
        client,
        "/admin/approvals/p-admin",
        "/admin/approvals/p-admin",
        decision="REJECTED",
        comments="Wrong pack.",
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/admin/approvals"
    assert reviews.workflow.requests[-1] == (
        "submitAdminReview",
        {"promotionId": "p-admin", "comments": "Wrong pack.", "decision": "REJECTED"},
    )
    queue = text_of((await client.get("/admin/approvals")).text)
    assert "Rejected: the promotion ended and its branch was deleted." in queue
    assert "No promotions are waiting for an admin's approval." in queue


async def test_pack_assignment_releases_to_the_chosen_test_pack(
    client: httpx.AsyncClient, reviews: FakeActions, container: FakeContainer
) -> None:
    reviews.workflow.promotions.append(
        promotion_item("Payroll", promotion_id="p-pack", status="PENDING_PACK_ASSIGNMENT")
    )
    reviews.workflow.packs = [pack_item("Payroll - TEST"), pack_item("Payroll")]
    await sign_in(client, "carol@example.com")

    page = await client.get("/admin/packs")

    assert post_targets(page.text) == ["/admin/packs/p-pack"]
    assert re.findall(r"<option value=\"([^\"]+)\"", page.text) == ["pack-payroll---test", "new"]
    assert '<option value="new" selected>' in page.text  # nothing suggested

    response = await post(client, "/admin/packs", "/admin/packs/p-pack", pack="pack-payroll---test")

    assert response.status_code == 303
    job = container.jobs.jobs[response.headers["location"].removeprefix("/jobs/")]
    assert job.action == "packageAndDeploy"
    assert job.request["mode"] == 4
    assert job.request["integrationPackId"] == "pack-payroll---test"


async def test_a_hotfix_test_pack_may_be_left_to_history(
    client: httpx.AsyncClient, reviews: FakeActions, container: FakeContainer
) -> None:
    reviews.workflow.replace("p-hotfix", status="PENDING_ADMIN_REVIEW")
    reviews.workflow.packs = [pack_item("Orders"), pack_item("Orders - TEST")]
    await sign_in(client, "erin@example.com")

    page = await client.get("/admin/approvals/p-hotfix")

    history = '<option value="" selected>The process\'s test pack from history</option>'
    assert history in page.text
    response = await client.post(
        "/admin/approvals/p-hotfix",
        data={
            "csrf_token": csrf_token_in(page.text),
            "decision": "APPROVED",
            "pack": "pack-orders",
            "test_pack": "",
            "hotfix_acknowledged": "yes",
        },
    )

    assert response.status_code == 303
    job = container.jobs.jobs[response.headers["location"].removeprefix("/jobs/")]
    assert job.request["integrationPackId"] == "pack-orders"
    assert job.request["hotfixAcknowledged"] is True
    assert job.request["hotfixTestPackId"] is None
    assert job.request["hotfixCreateNewTestPack"] is False


def unchanged_diff() -> GenerateComponentDiffResponse:
    return GenerateComponentDiffResponse(
        prod_component_id="prod-order-json",
        component_name="Order JSON",
        component_action="UNCHANGED",
        branch_version=3,
        main_version=3,
        diff=ComponentDiff(
            rows=[row("same", "<profile/>", "<profile/>", 1)],
            summary=DiffSummaryItem(added=0, removed=0, changed=0),
        ),
    )


async def test_a_component_the_promotion_left_unchanged_is_marked_and_compares_equal(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    reviews.workflow.promotions[0].promotion_results.append(
        StoredResultItem(
            dev_component_id="dev-order-json",
            prod_component_id="prod-order-json",
            component_name="Order JSON",
            component_type="profile.json",
            action="UNCHANGED",
            version=3,
        )
    )
    reviews.workflow.diffs["prod-order-json"] = unchanged_diff()
    await sign_in(client, "bob@example.com")

    page = await client.get("/reviews/p-hotfix")
    fragment = await client.get(
        "/reviews/p-hotfix/diff?component=prod-order-json&action=UNCHANGED", headers=HTMX
    )

    assert re.findall(r'data-component-id="([^"]+)"', page.text) == [
        "prod-orders-sync",
        "prod-order-map",
        "prod-order-json",
    ]
    assert change_marks(page.text) == ["Changed", "Changed", "Unchanged"]
    assert 'data-action="UNCHANGED"' not in page.text, "an unchanged one has no action badge"
    assert "an unchanged one was not written" in text_of(page.text)
    assert (
        "Unchanged: this promotion did not write it. The branch keeps version 3, the same as "
        "main (version 3)." in text_of(fragment.text)
    )


def unchanged_result(name: str, component_id: str) -> StoredResultItem:
    return StoredResultItem(
        dev_component_id=f"dev-{component_id}",
        prod_component_id=f"prod-{component_id}",
        component_name=name,
        component_type="profile.json",
        action="UNCHANGED",
        version=3,
    )


@pytest.mark.parametrize(
    ("email", "path"),
    [("bob@example.com", "/reviews/p-hotfix"), ("erin@example.com", "/admin/approvals/p-admin")],
)
async def test_changed_only_hides_the_unchanged_components_and_all_shows_them_again(
    client: httpx.AsyncClient, reviews: FakeActions, email: str, path: str
) -> None:
    for promotion in reviews.workflow.promotions:
        promotion.promotion_results[:] = [
            promotion.promotion_results[0],
            unchanged_result("Order JSON", "order-json"),
            unchanged_result("Customer JSON", "customer-json"),
        ]
    await sign_in(client, email)

    everything = await client.get(path)
    changed = await client.get(f"{path}?changed=only")

    assert change_marks(everything.text) == ["Changed", "Unchanged", "Unchanged"]
    assert "1 of 3 changed." in text_of(everything.text)
    assert f'href="{path}?changed=only#components"' in everything.text
    assert re.search(r'aria-current="page">All components \(3\)', everything.text)
    assert change_marks(changed.text) == ["Changed"]
    compared = re.findall(
        r'<details class="component-diff" data-component-id="([^"]+)"', changed.text
    )
    assert compared == ["prod-orders-sync"]
    assert re.search(r'aria-current="page">Changed only \(1\)', changed.text)
    assert "2 unchanged components hidden. Show all components" in text_of(changed.text)
    assert f'href="{path}#components"' in changed.text


async def test_changed_only_with_nothing_changed_says_so(
    client: httpx.AsyncClient, reviews: FakeActions
) -> None:
    reviews.workflow.promotions[0].promotion_results[:] = [
        unchanged_result("Order JSON", "order-json")
    ]
    await sign_in(client, "bob@example.com")

    page = await client.get("/reviews/p-hotfix?changed=only")

    assert change_marks(page.text) == []
    assert "No component changed: every one keeps the version its branch started with." in (
        text_of(page.text)
    )
