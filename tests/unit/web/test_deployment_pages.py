"""My Promotions, Deployment Submission, Production Readiness, release status and the status
page of a deployment job — against fakes of the workflow's actions."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any

import httpx

from boomi_promo.store import Job, JobState
from tests.unit.web.support import (
    HTMX,
    FakeActions,
    FakeContainer,
    csrf_token_in,
    promotion_item,
    release_item,
    sign_in,
)

FORM_ACTIONS = re.compile(r'<form method="post" action="([^"]+)"')


INLINE_TAGS = re.compile(r"</?(?:a|span|strong|code|time|em)\b[^>]*>")


def text_of(html: str) -> str:
    """The page's visible text on one line (tags dropped, entities decoded)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", INLINE_TAGS.sub("", html))).split())


def post_targets(html: str) -> list[str]:
    return [t for t in FORM_ACTIONS.findall(html) if t != "/logout"]


async def post(client: httpx.AsyncClient, page_url: str, url: str, **data: Any) -> httpx.Response:
    page = await client.get(page_url)
    return await client.post(url, data={"csrf_token": csrf_token_in(page.text), **data})


async def test_my_promotions_says_where_each_stands_and_offers_what_fits(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [
        promotion_item("Orders Sync"),
        promotion_item(
            "Invoices", promotion_id="p-pack", status="PENDING_PACK_ASSIGNMENT", branch_id=""
        ),
        promotion_item("Billing", promotion_id="p-review", status="PENDING_PEER_REVIEW"),
        promotion_item(
            "Payroll", promotion_id="p-failed", status="FAILED", error_message="Boomi said no."
        ),
        promotion_item(
            "Customers",
            promotion_id="p-same",
            status="FAILED",
            error_message="Nothing to promote: all 5 component(s) of Customers are the same as "
            "in production (main). Nothing was written and no branch was created.",
        ),
        promotion_item("Someone else's", promotion_id="p-bob", initiated_by="bob@example.com"),
    ]
    await sign_in(client, "alice@example.com")

    page = await client.get("/promotions")

    assert page.status_code == 200
    text = text_of(page.text)
    assert "Promoted to its branch; ready to deploy to Test or to send as a hotfix." in text
    assert "Packaged; waiting for a platform admin to choose a Test integration pack" in text
    assert "Waiting for a peer review by another contributor." in text
    assert "The promotion failed: Boomi said no." in text
    assert "The promotion failed: Nothing" not in text
    assert "Nothing to promote: all 5 component(s) of Customers are the same" in text
    assert "Someone else's" not in text
    # Only the promotion waiting for review can be withdrawn (by alice, who initiated it).
    assert post_targets(page.text) == ["/promotions/p-review/withdraw"]
    assert actions.workflow.requests[0] == (
        "queryStatus",
        {"initiatedBy": "alice@example.com", "pageSize": 50},
    )


async def test_my_promotions_shows_a_change_in_one_row_with_its_version_story(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    # Newest first: the resubmitted production step, the rejected one, then its test step.
    test_step = promotion_item(
        "Orders Sync",
        promotion_id="p-test",
        status="TEST_DEPLOYED",
        dev_package_version="2.1",
        test_package_version="4.0",
        initiated_at="2025-03-01T09:00:00Z",
    )
    rejected = promotion_item(
        "Orders Sync",
        promotion_id="p-prod-1",
        status="PEER_REJECTED",
        target_environment="PRODUCTION",
        test_promotion_id="p-test",
        dev_package_version="2.1",
        initiated_at="2025-03-02T09:00:00Z",
    )
    resubmitted = promotion_item(
        "Orders Sync",
        promotion_id="p-prod-2",
        status="PENDING_PEER_REVIEW",
        target_environment="PRODUCTION",
        test_promotion_id="p-test",
        dev_package_version="2.1",
        initiated_at="2025-03-03T09:00:00Z",
    )
    actions.workflow.promotions = [resubmitted, rejected, test_step]
    await sign_in(client, "alice@example.com")

    page = await client.get("/promotions")

    rows = re.findall(r'<tr data-promotion-id="([^"]+)"', page.text)
    assert rows == ["p-test"]
    text = text_of(page.text)
    assert "Dev package 2.1 Test package 4.0" in text
    assert "In Test" in text and "Waiting for peer review" in text
    assert "Earlier: Rejected in peer review (2025-03-02 09:00 UTC)" in text
    # The production step's own actions stay in the row: withdraw the one under review.
    assert post_targets(page.text) == ["/promotions/p-prod-2/withdraw"]
    assert "PENDING_PEER_REVIEW" not in text and "TEST_DEPLOYED" not in text


async def test_a_completed_promotion_offers_test_and_hotfix(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [promotion_item()]
    await sign_in(client, "alice@example.com")

    page = await client.get("/promotions/promo-orders-sync")

    assert page.status_code == 200
    assert post_targets(page.text) == [
        "/promotions/promo-orders-sync/test",
        "/promotions/promo-orders-sync/hotfix",
    ]
    assert 'maxlength="1000"' in page.text
    assert 'data-count-to="justification-count"' in page.text
    assert "Orders Sync" in page.text and "Order Map" in page.text


async def test_deploy_to_test_starts_a_mode_1_job_and_shows_its_status(
    client: httpx.AsyncClient, actions: FakeActions, container: FakeContainer
) -> None:
    actions.workflow.promotions = [promotion_item()]
    await sign_in(client, "alice@example.com")

    response = await post(
        client, "/promotions/promo-orders-sync", "/promotions/promo-orders-sync/test"
    )

    assert response.status_code == 303
    job_id = response.headers["location"].removeprefix("/jobs/")
    job = container.jobs.jobs[job_id]
    assert job.action == "packageAndDeploy"
    assert job.request["promotionId"] == "promo-orders-sync"
    assert job.request["mode"] == 1
    job.state = JobState.RUNNING
    job.progress = {"step": "package", "message": "Packaging from the promotion branch"}

    running = await client.get(f"/jobs/{job_id}")

    assert "<h1>Deployment to Test</h1>" in running.text
    assert "Packaging from the promotion branch" in running.text
    assert f'data-job-events="/jobs/{job_id}/events"' in running.text


async def test_a_first_test_deployment_says_it_waits_for_a_pack(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(
        Job(
            action="packageAndDeploy",
            process_name="D · PROMO - Package And Deploy",
            request={"promotionId": "p-1", "mode": 1},
            principal_email="alice@example.com",
            state=JobState.SUCCEEDED,
            response={
                "success": True,
                "promotionId": "p-1",
                "newStatus": "PENDING_PACK_ASSIGNMENT",
                "deploymentMode": 1,
                "deploymentTarget": "TEST",
                "packageVersion": "1.0",
                "needsPackAssignment": True,
            },
        )
    )
    await sign_in(client, "alice@example.com")

    page = await client.get(f"/jobs/{job.id}", headers=HTMX)

    text = text_of(page.text)
    assert "Deployment to Test is waiting for an admin." in text
    assert "under Pack Assignment" in text
    assert (
        "Packaged as Test package 1.0. This is the process's first test deployment: it is "
        "waiting for an admin to choose a Test integration pack." in text
    )
    assert "Waiting for a Test pack" in text and "PENDING_PACK_ASSIGNMENT" not in text
    assert "data-job-events" not in page.text


async def test_a_failed_deployment_says_why(
    client: httpx.AsyncClient, container: FakeContainer
) -> None:
    job = container.jobs.add(
        Job(
            action="submitAdminReview",
            process_name="S · PROMO - Submit Admin Review",
            request={"promotionId": "p-1", "decision": "APPROVED"},
            principal_email="erin@example.com",
            state=JobState.FAILED,
            response={
                "success": False,
                "errorCode": "MERGE_TIMEOUT",
                "errorMessage": "The merge did not finish in time; retry the deployment.",
            },
        )
    )
    await sign_in(client, "erin@example.com")

    page = await client.get(f"/jobs/{job.id}")

    text = text_of(page.text)
    assert "Approval and deployment to production" in text
    assert (
        "The approval and deployment to production failed. The merge did not finish in time; "
        "retry the deployment." in text
    )


async def test_a_hotfix_needs_a_justification(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [promotion_item()]
    await sign_in(client, "alice@example.com")

    refused = await post(
        client,
        "/promotions/promo-orders-sync",
        "/promotions/promo-orders-sync/hotfix",
        justification="   ",
    )

    assert refused.status_code == 400
    assert "A hotfix needs a justification" in refused.text
    assert actions.workflow.find("promo-orders-sync").status == "COMPLETED"

    sent = await post(
        client,
        "/promotions/promo-orders-sync",
        "/promotions/promo-orders-sync/hotfix",
        justification="Orders are lost every night.",
    )

    assert sent.status_code == 303
    assert sent.headers["location"] == "/promotions/promo-orders-sync"
    assert actions.workflow.requests[-1] == (
        "submitForPeerReview",
        {
            "promotionId": "promo-orders-sync",
            "isHotfix": True,
            "hotfixJustification": "Orders are lost every night.",
            "deploymentNotes": None,
        },
    )
    after = await client.get("/promotions/promo-orders-sync")
    text = text_of(after.text)
    assert "The hotfix is waiting for a peer review" in text
    assert "Emergency hotfix. Orders are lost every night." in text
    assert post_targets(after.text) == ["/promotions/promo-orders-sync/withdraw"]


async def test_forms_without_the_csrf_token_are_refused(
    client: httpx.AsyncClient, actions: FakeActions, container: FakeContainer
) -> None:
    actions.workflow.promotions = [promotion_item()]
    await sign_in(client, "alice@example.com")

    response = await client.post("/promotions/promo-orders-sync/test")

    assert response.status_code == 403
    assert container.jobs.submitted == []


async def test_production_readiness_promotes_a_tested_deployment(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    tested = promotion_item(
        status="TEST_DEPLOYED",
        test_integration_pack_name="Orders Sync - TEST",
        branch_id="",
    )
    actions.workflow.promotions = [tested]
    actions.workflow.ready_for_production = {tested.promotion_id}
    await sign_in(client, "alice@example.com")

    offered = await client.get("/promotions/promo-orders-sync")
    assert post_targets(offered.text) == [
        "/promotions/promo-orders-sync/production",
        "/promotions/promo-orders-sync/cancel",
    ]
    ready = await client.get("/readiness")

    assert "Orders Sync - TEST" in ready.text
    assert post_targets(ready.text) == ["/promotions/promo-orders-sync/production"]

    response = await post(client, "/readiness", "/promotions/promo-orders-sync/production")

    assert response.status_code == 303
    assert response.headers["location"] == "/promotions/promo-orders-sync-prod"
    production = await client.get(response.headers["location"])
    text = text_of(production.text)
    assert "The production promotion is waiting for a peer review" in text
    assert "Waiting for a peer review by another contributor." in text
    # Once promoted, the test deployment is no longer offered for production.
    assert "Nothing deployed to Test is waiting" in text_of((await client.get("/readiness")).text)
    tested_page = text_of((await client.get("/promotions/promo-orders-sync")).text)
    assert "Deployed to Test in integration pack Orders Sync - TEST; promoted to production" in (
        tested_page
    )
    assert "Promote to Production" not in tested_page


async def test_withdraw_ends_a_pending_review(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [promotion_item(status="PENDING_ADMIN_REVIEW")]
    await sign_in(client, "alice@example.com")

    response = await post(
        client,
        "/promotions",
        "/promotions/promo-orders-sync/withdraw",
        reason="Wrong package version.",
    )

    assert response.status_code == 303
    assert actions.workflow.requests[-1] == (
        "withdrawPromotion",
        {"promotionId": "promo-orders-sync", "reason": "Wrong package version."},
    )
    listing = text_of((await client.get("/promotions")).text)
    assert "The promotion was withdrawn and its branch deleted." in listing


async def test_someone_else_cannot_withdraw(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [promotion_item(status="PENDING_PEER_REVIEW")]
    await sign_in(client, "bob@example.com")

    page = await client.get("/promotions/promo-orders-sync")

    assert post_targets(page.text) == []


async def test_the_release_status_refreshes_itself_until_it_settles(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [promotion_item(status="DEPLOYED")]
    actions.workflow.releases["promo-orders-sync"] = [
        [release_item("IN_PROGRESS"), release_item("SUCCESS", "TEST")],
        [release_item("SUCCESS"), release_item("SUCCESS", "TEST")],
    ]
    await sign_in(client, "alice@example.com")
    listing = await client.get("/promotions")
    assert 'hx-get="/promotions/promo-orders-sync/release" hx-trigger="load"' in listing.text

    first = await client.get("/promotions/promo-orders-sync/release", headers=HTMX)

    assert 'hx-trigger="load delay:3s"' in first.text
    assert "Production release of Orders Sync is in progress; this updates by itself." in (
        text_of(first.text)
    )
    settled = await client.get("/promotions/promo-orders-sync/release", headers=HTMX)
    assert "hx-trigger" not in settled.text
    text = text_of(settled.text)
    assert "Production release of Orders Sync finished (2025-03-04 10:00 UTC)." in text
    assert "Test release of Orders Sync - TEST finished" in text
    assert "<html" not in settled.text


async def test_a_failed_release_is_explained(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.releases["p-1"] = [[release_item("ERROR", message="Pack is locked.")]]
    await sign_in(client, "alice@example.com")

    page = await client.get("/promotions/p-1/release", headers=HTMX)

    assert "hx-trigger" not in page.text
    assert (
        "Production release of Orders Sync failed in Boomi: Pack is locked. Ask a platform "
        "admin to release it again." in text_of(page.text)
    )


async def test_an_unknown_promotion_is_a_plain_404(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    await sign_in(client, "alice@example.com")

    page = await client.get("/promotions/nope")

    assert page.status_code == 404
    assert "There is no promotion nope that you may see." in page.text


async def test_a_waiting_test_deployment_can_be_cancelled(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [
        promotion_item(status="PENDING_PACK_ASSIGNMENT", branch_id="", branch_name="")
    ]
    await sign_in(client, "carol@example.com")

    page = await client.get("/promotions/promo-orders-sync")
    assert post_targets(page.text) == ["/promotions/promo-orders-sync/cancel"]

    without_reason = await post(
        client, "/promotions/promo-orders-sync", "/promotions/promo-orders-sync/cancel"
    )
    response = await post(
        client,
        "/promotions/promo-orders-sync",
        "/promotions/promo-orders-sync/cancel",
        reason="The pack was chosen wrongly",
    )

    assert without_reason.status_code == 400
    assert "Give a reason to cancel it" in without_reason.text
    assert response.status_code == 303
    assert actions.workflow.requests[-1] == (
        "cancelTestDeployment",
        {"promotionId": "promo-orders-sync", "reason": "The pack was chosen wrongly"},
    )
    assert actions.workflow.find("promo-orders-sync").status == "TEST_CANCELLED"


async def test_an_admin_abandons_a_failed_production_deployment_with_a_reason(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    actions.workflow.promotions = [
        promotion_item(
            status="DEPLOY_FAILED",
            target_environment="PRODUCTION",
            error_message="Merging failed on conflicts",
        )
    ]
    page_url, abandon_url = "/promotions/promo-orders-sync", "/promotions/promo-orders-sync/abandon"
    await sign_in(client, "alice@example.com")
    assert post_targets((await client.get(page_url)).text) == [], "contributors are not offered it"
    await sign_in(client, "carol@example.com")

    page = await client.get(page_url)
    assert post_targets(page.text) == [abandon_url]
    assert "Abandon deployment" in page.text and "data-confirm=" in page.text
    without_reason = await post(client, page_url, abandon_url)
    response = await post(client, page_url, abandon_url, reason="The conflict stays")

    assert without_reason.status_code == 400
    assert "Give a reason to abandon it" in without_reason.text
    assert response.status_code == 303
    assert actions.workflow.requests[-1] == (
        "abandonDeployment",
        {"promotionId": "promo-orders-sync", "reason": "The conflict stays"},
    )
    after = text_of((await client.get(page_url)).text)
    assert "the process can be promoted again" in after
    assert "Production deployment abandoned" in after or "abandoned it" in after


async def test_the_promotion_page_marks_what_changed_and_filters_to_it(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    promotion = promotion_item(components_total=3, components_created=1, components_updated=0)
    promotion.promotion_results[0].action = "UNCHANGED"
    promotion.promotion_results.pop()
    actions.workflow.promotions = [promotion]
    await sign_in(client, "alice@example.com")

    page = await client.get("/promotions/promo-orders-sync")
    changed = await client.get("/promotions/promo-orders-sync?changed=only")

    marks = re.compile(r'<tr data-component-id="([^"]+)" data-changed="(\w+)">')
    assert marks.findall(page.text) == [("dev-orders-sync", "false"), ("dev-order-map", "true")]
    assert "Orders Sync Unchanged" in text_of(page.text)
    assert "Order Map Changed" in text_of(page.text)
    assert marks.findall(changed.text) == [("dev-order-map", "true")]
    assert "1 unchanged component hidden. Show all components" in text_of(changed.text)


async def test_the_components_count_says_what_every_component_is(
    client: httpx.AsyncClient, actions: FakeActions
) -> None:
    connections = [{"devComponentId": f"conn-{n}", "componentName": f"API {n}"} for n in (1, 2)]
    actions.workflow.promotions = [
        promotion_item(
            status="DEPLOYED",
            target_environment="PRODUCTION",
            components_total=21,
            components_created=0,
            components_updated=1,
            components_unchanged=18,
            result_detail=json.dumps({"connections": connections}),
            promotion_results=[],
        ),
        promotion_item(
            "Invoices",
            components_total=7,
            components_created=4,
            components_updated=0,
            result_detail=json.dumps({"connections": connections}),
        ),
    ]
    await sign_in(client, "alice@example.com")

    production = text_of((await client.get("/promotions/promo-orders-sync")).text)
    invoices = text_of((await client.get("/promotions/promo-invoices")).text)

    # The parts add up to the total: nothing is left for a reader to guess.
    assert (
        "Components 21 (0 created, 1 updated, 18 unchanged, 2 shared connections used as "
        "mapped)" in production
    )
    assert (
        "Components 7 (4 created, 0 updated, 2 shared connections used as mapped, 1 not reached)"
        in invoices
    )
