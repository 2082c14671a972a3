"""R submitForPeerReview over HTTP: production from a test deployment, and hotfixes."""

from __future__ import annotations

import asyncio

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    DAVE,
    live_branch_ids,
    read_on_branch,
    read_on_main,
)
from tests.integration.reviews.support import (
    audit_of,
    branch_is_live,
    columns,
    completed,
    deployed_to_test,
    ok,
    production_records,
    record,
    refused,
)
from tests.support.service import DemoService

R = "submitForPeerReview"


async def test_a_test_deployment_goes_to_review_as_a_linked_production_promotion(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE)

    body = ok(
        await promo_service.call(
            BOB,
            R,
            {"promotionId": tested.promotion_id, "deploymentNotes": "Adds the region field"},
        )
    )

    production_id = body["promotionId"]
    assert production_id != tested.promotion_id
    assert body["newStatus"] == "PENDING_PEER_REVIEW"
    assert body["testPromotionId"] == tested.promotion_id
    assert body["isHotfix"] is False
    assert body["branchName"] == f"promo-{production_id}"
    production = await record(promo_service, production_id)
    test = await record(promo_service, tested.promotion_id)
    assert production.status == PromotionStatus.PENDING_PEER_REVIEW
    assert production.target_environment == "PRODUCTION"
    assert production.test_promotion_id == tested.promotion_id
    assert (production.initiated_by, production.promoted_from_test_by) == (BOB, BOB)
    assert production.submitted_for_review_by == BOB
    assert production.submitted_for_review_at is not None
    assert production.branch_id == body["branchId"]
    assert production.prod_package_id == tested.package_id
    assert production.package_version == tested.package_version
    assert production.is_hotfix is False
    copied = ("dev_account_id", "dev_package_id", "root_component_id", "process_name")
    assert [getattr(production, f) for f in copied] == [getattr(test, f) for f in copied]
    assert production.components_updated == test.components_updated > 0
    assert production.result_detail is not None and test.result_detail is not None
    assert production.result_detail["promotionResults"] == test.result_detail["promotionResults"]
    assert test.status == PromotionStatus.TEST_DEPLOYED, "the test record stays as it was"

    # The review branch holds exactly the test package: the version packaged for Test, while
    # main still has the production version from before.
    branch = promo_service.emulator.state.branches[body["branchId"]]
    assert branch.package_id == tested.package_id
    on_branch = read_on_branch(promo_service, tested.root_prod_id, body["branchId"])
    assert on_branch.version == tested.root_version == 2
    assert read_on_main(promo_service, tested.root_prod_id).version == 1

    [entry] = await audit_of(promo_service, production_id)
    assert (entry.actor_email, entry.after_status) == (BOB, "PENDING_PEER_REVIEW")
    assert entry.process_name == "R · PROMO - Submit For Peer Review"


async def test_a_test_deployment_has_one_live_production_promotion_at_a_time(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service)
    ok(await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}))
    branches = live_branch_ids(promo_service)

    again = await promo_service.call(BOB, R, {"promotionId": tested.promotion_id})

    body = refused(again, 409, "PRODUCTION_PROMOTION_EXISTS")
    assert body["productionPromotionId"]
    assert len(await production_records(promo_service, tested.promotion_id)) == 1
    assert live_branch_ids(promo_service) == branches


async def test_only_a_test_deployed_promotion_goes_to_production_from_test(
    promo_service: DemoService,
) -> None:
    promoted = await completed(promo_service)
    before = columns(await record(promo_service, promoted.promotion_id))
    audit_before = await audit_of(promo_service, promoted.promotion_id)
    branches = live_branch_ids(promo_service)

    response = await promo_service.call(ALICE, R, {"promotionId": promoted.promotion_id})

    body = refused(response, 409, "INVALID_PROMOTION_STATUS")
    assert "COMPLETED" in body["errorMessage"] and "hotfix" in body["errorMessage"]
    assert body["currentStatus"] == "COMPLETED"
    assert columns(await record(promo_service, promoted.promotion_id)) == before
    assert len(await audit_of(promo_service, promoted.promotion_id)) == len(audit_before)
    assert await production_records(promo_service, promoted.promotion_id) == []
    assert live_branch_ids(promo_service) == branches


async def test_another_teams_promotion_is_not_found_for_the_submitter(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE)

    response = await promo_service.call(DAVE, R, {"promotionId": tested.promotion_id})
    unknown = await promo_service.call(DAVE, R, {"promotionId": "no-such-promotion"})

    refused(response, 404, "PROMOTION_NOT_FOUND")
    assert "alice" not in response.text.lower()
    assert "TEST_DEPLOYED" not in response.text
    assert response.json()["errorMessage"].replace(tested.promotion_id, "X") == (
        unknown.json()["errorMessage"].replace("no-such-promotion", "X")
    ), "an invisible promotion is answered exactly as one that does not exist"
    assert await production_records(promo_service, tested.promotion_id) == []


async def test_no_review_branch_past_the_branch_limit(promo_service: DemoService) -> None:
    tested = await deployed_to_test(promo_service)
    limit = promo_service.settings.boomi.branch_soft_limit
    with promo_service.emulator.client() as boomi:
        while len(live_branch_ids(promo_service)) < limit:
            created = boomi.post(
                "/Branch", json={"name": f"feature-{len(live_branch_ids(promo_service))}"}
            )
            created.raise_for_status()
    branches = live_branch_ids(promo_service)

    response = await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id})

    body = refused(response, 409, "BRANCH_LIMIT_REACHED")
    assert body["branchLimit"] == limit
    assert await production_records(promo_service, tested.promotion_id) == []
    assert live_branch_ids(promo_service) == branches


async def test_a_branch_that_never_becomes_ready_is_deleted_and_nothing_recorded(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service)
    branches = live_branch_ids(promo_service)
    promo_service.emulator.state.faults.add(r"/Branch/[^/]+$", method="GET", status=503)

    response = await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id})

    assert response.status_code == 503, response.text
    promo_service.emulator.reset_faults()
    assert await production_records(promo_service, tested.promotion_id) == []
    assert live_branch_ids(promo_service) == branches, "the review branch was deleted"


async def test_a_failed_review_branch_is_deleted_by_the_id_its_create_answered_with(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service)
    branches = live_branch_ids(promo_service)
    state = promo_service.emulator.state
    # Boomi may not list a new branch in a query for a while: a lookup by name finds nothing.
    state.settings.branch_query_delay_seconds = 60.0
    state.faults.add(r"/Branch/[^/]+$", method="GET", status=503)

    response = await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id})

    assert response.status_code == 503, response.text
    promo_service.emulator.reset_faults()
    assert live_branch_ids(promo_service) == branches, "the review branch was deleted"


async def test_a_hotfix_sends_the_completed_promotion_and_its_branch_to_review(
    promo_service: DemoService,
) -> None:
    promoted = await completed(promo_service, ALICE)

    body = ok(
        await promo_service.call(
            ALICE,
            R,
            {
                "promotionId": promoted.promotion_id,
                "isHotfix": True,
                "hotfixJustification": "  Orders are failing in production  ",
                "requesterEmail": "Alice@Example.com",
            },
        )
    )

    assert body == {
        "success": True,
        "errorCode": "",
        "errorMessage": "",
        "promotionId": promoted.promotion_id,
        "newStatus": "PENDING_PEER_REVIEW",
        "branchId": promoted.branch_id,
        "branchName": promoted.branch_name,
        "testPromotionId": "",
        "isHotfix": True,
    }
    hotfix = await record(promo_service, promoted.promotion_id)
    assert hotfix.status == PromotionStatus.PENDING_PEER_REVIEW
    assert hotfix.is_hotfix is True
    assert hotfix.hotfix_justification == "Orders are failing in production"
    assert hotfix.target_environment == "PRODUCTION"
    assert hotfix.submitted_for_review_by == ALICE
    assert hotfix.branch_id == promoted.branch_id
    assert branch_is_live(promo_service, promoted.branch_id), "the branch from C is kept"
    entries = await audit_of(promo_service, promoted.promotion_id)
    assert (entries[-1].before_status, entries[-1].after_status) == (
        "COMPLETED",
        "PENDING_PEER_REVIEW",
    )


async def test_a_hotfix_needs_a_justification_of_at_most_1000_characters(
    promo_service: DemoService,
) -> None:
    promoted = await completed(promo_service)
    before = columns(await record(promo_service, promoted.promotion_id))

    for justification in (None, "   ", "x" * 1001):
        body: dict[str, object] = {"promotionId": promoted.promotion_id, "isHotfix": True}
        if justification is not None:
            body["hotfixJustification"] = justification
        response = await promo_service.call(ALICE, R, body)
        answer = refused(response, 400, "HOTFIX_JUSTIFICATION_REQUIRED")
        assert answer["errorField"] == "hotfixJustification"

    assert columns(await record(promo_service, promoted.promotion_id)) == before
    ok(
        await promo_service.call(
            ALICE,
            R,
            {
                "promotionId": promoted.promotion_id,
                "isHotfix": True,
                "hotfixJustification": "x" * 1000,
            },
        )
    )


async def test_a_hotfix_is_only_for_a_completed_promotion(promo_service: DemoService) -> None:
    tested = await deployed_to_test(promo_service)
    before = columns(await record(promo_service, tested.promotion_id))

    response = await promo_service.call(
        ALICE,
        R,
        {"promotionId": tested.promotion_id, "isHotfix": True, "hotfixJustification": "urgent"},
    )

    refused(response, 409, "INVALID_PROMOTION_STATUS")
    assert columns(await record(promo_service, tested.promotion_id)) == before


async def test_an_unknown_promotion_is_not_found(promo_service: DemoService) -> None:
    response = await promo_service.call(ALICE, R, {"promotionId": "no-such-promotion"})

    body = refused(response, 404, "PROMOTION_NOT_FOUND")
    assert body["errorField"] == "promotionId"


async def test_two_submissions_of_one_test_deployment_at_once_record_one(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service)
    branches = live_branch_ids(promo_service)

    answers = await asyncio.gather(
        promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}),
        promo_service.call(BOB, R, {"promotionId": tested.promotion_id}),
    )

    codes = sorted(a.json()["errorCode"] for a in answers)
    assert codes == ["", "PRODUCTION_PROMOTION_EXISTS"], [a.text for a in answers]
    [production] = await production_records(promo_service, tested.promotion_id)
    assert live_branch_ids(promo_service) - branches == {production.branch_id}
