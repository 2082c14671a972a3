"""E2 queryPeerReviewQueue and E3 submitPeerReview over HTTP."""

from __future__ import annotations

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.promotion.support import ALICE, BOB, CAROL, DAVE
from tests.integration.reviews.support import (
    add_record,
    audit_of,
    branch_is_live,
    columns,
    completed,
    deployed_to_test,
    ok,
    record,
    refused,
)
from tests.support.service import DemoService

E2 = "queryPeerReviewQueue"
E3 = "submitPeerReview"
E4 = "queryTestDeployments"
R = "submitForPeerReview"


async def queue_ids(service: DemoService, email: str) -> list[str]:
    body = ok(await service.call(email, E2, {}))
    return [item["promotionId"] for item in body["pendingReviews"]]


async def test_the_queue_leaves_out_what_the_caller_initiated_or_submitted(
    promo_service: DemoService,
) -> None:
    own = await add_record(
        promo_service, status="PENDING_PEER_REVIEW", initiated_by="ALICE@example.COM"
    )
    submitted_by_bob = await add_record(
        promo_service,
        status="PENDING_PEER_REVIEW",
        initiated_by=CAROL,
        submitted_for_review_by="Bob@Example.com",
    )
    await add_record(promo_service, status="PENDING_ADMIN_REVIEW", initiated_by=CAROL)

    assert await queue_ids(promo_service, ALICE) == [submitted_by_bob.promotion_id]
    assert await queue_ids(promo_service, BOB) == [own.promotion_id]
    assert set(await queue_ids(promo_service, CAROL)) == {own.promotion_id}
    assert set(await queue_ids(promo_service, DAVE)) == {
        own.promotion_id,
        submitted_by_bob.promotion_id,
    }


async def test_the_queue_shows_what_a_reviewer_needs(promo_service: DemoService) -> None:
    tested = await deployed_to_test(promo_service, ALICE)
    submitted = ok(
        await promo_service.call(
            ALICE, R, {"promotionId": tested.promotion_id, "deploymentNotes": "Region field"}
        )
    )

    body = ok(await promo_service.call(BOB, E2, {"requesterEmail": "BOB@example.com"}))

    [item] = body["pendingReviews"]
    assert item["promotionId"] == submitted["promotionId"]
    assert item["testPromotionId"] == tested.promotion_id
    assert item["submittedForReviewBy"] == ALICE
    assert item["initiatedBy"] == ALICE
    assert item["notes"] == "Region field"
    assert item["branchId"] == submitted["branchId"]
    assert item["branchName"] == submitted["branchName"]
    assert item["targetEnvironment"] == "PRODUCTION"
    assert item["processName"] == "Customer Sync"
    assert item["packageVersion"] == tested.package_version
    assert item["isHotfix"] is False
    assert item["hotfixJustification"] == ""
    assert {r["prodComponentId"] for r in item["promotionResults"]} >= {tested.root_prod_id}
    assert tested.root_prod_id in item["resultDetail"]


async def test_approval_moves_the_promotion_to_admin_review(promo_service: DemoService) -> None:
    tested = await deployed_to_test(promo_service, ALICE)
    production = ok(await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}))

    body = ok(
        await promo_service.call(
            BOB,
            E3,
            {
                "promotionId": production["promotionId"],
                "decision": "APPROVED",
                "comments": "Mapping checked",
                "reviewerEmail": "bob@EXAMPLE.com",
                "reviewerName": "Bob Brown",
            },
        )
    )

    assert (body["newStatus"], body["branchDeleted"]) == ("PENDING_ADMIN_REVIEW", False)
    approved = await record(promo_service, production["promotionId"])
    assert approved.status == PromotionStatus.PENDING_ADMIN_REVIEW
    assert approved.peer_review_status == "PEER_APPROVED"
    assert approved.peer_reviewed_by == BOB
    assert approved.peer_reviewed_at is not None
    assert approved.peer_review_comments == "Mapping checked"
    assert branch_is_live(promo_service, production["branchId"]), "admin review diffs it next"
    entry = (await audit_of(promo_service, production["promotionId"]))[-1]
    assert (entry.actor_email, entry.before_status, entry.after_status) == (
        BOB,
        "PENDING_PEER_REVIEW",
        "PENDING_ADMIN_REVIEW",
    )
    assert entry.process_name == "E3 · PROMO - Submit Peer Review"

    again = await promo_service.call(
        CAROL, E3, {"promotionId": production["promotionId"], "decision": "REJECTED"}
    )
    refused(again, 409, "ALREADY_REVIEWED")
    assert (await record(promo_service, production["promotionId"])).status == "PENDING_ADMIN_REVIEW"


async def test_rejection_deletes_the_branch_and_offers_the_test_deployment_again(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE)
    production = ok(await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}))
    hidden = ok(await promo_service.call(ALICE, E4, {}))
    assert hidden["testDeployments"] == []

    body = ok(
        await promo_service.call(
            BOB,
            E3,
            {"promotionId": production["promotionId"], "decision": "REJECTED", "comments": "No"},
        )
    )

    assert (body["newStatus"], body["branchDeleted"]) == ("PEER_REJECTED", True)
    rejected = await record(promo_service, production["promotionId"])
    assert rejected.status == PromotionStatus.PEER_REJECTED
    assert rejected.peer_review_status == "PEER_REJECTED"
    assert rejected.branch_id is None
    assert not branch_is_live(promo_service, production["branchId"])
    shown = ok(await promo_service.call(ALICE, E4, {}))
    assert [t["promotionId"] for t in shown["testDeployments"]] == [tested.promotion_id]
    # ...and it can go to review again.
    ok(await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}))


async def test_rejecting_a_hotfix_deletes_the_promotion_branch(promo_service: DemoService) -> None:
    promoted = await completed(promo_service, ALICE)
    ok(
        await promo_service.call(
            ALICE,
            R,
            {"promotionId": promoted.promotion_id, "isHotfix": True, "hotfixJustification": "Down"},
        )
    )

    body = ok(
        await promo_service.call(
            BOB, E3, {"promotionId": promoted.promotion_id, "decision": "REJECTED"}
        )
    )

    assert body["branchDeleted"] is True
    assert not branch_is_live(promo_service, promoted.branch_id)


async def test_nobody_reviews_their_own_promotion_in_any_letter_case(
    promo_service: DemoService,
) -> None:
    initiated = await add_record(
        promo_service, status="PENDING_PEER_REVIEW", initiated_by="Alice@Example.COM"
    )
    submitted = await add_record(
        promo_service,
        status="PENDING_PEER_REVIEW",
        initiated_by=DAVE,
        submitted_for_review_by="BOB@EXAMPLE.COM",
    )
    cases = [(ALICE, initiated), (BOB, submitted)]
    befores = [columns(await record(promo_service, log.promotion_id)) for _, log in cases]

    for (email, log), before in zip(cases, befores, strict=True):
        response = await promo_service.call(
            email, E3, {"promotionId": log.promotion_id, "decision": "APPROVED"}
        )
        refused(response, 403, "SELF_REVIEW_NOT_ALLOWED")
        assert columns(await record(promo_service, log.promotion_id)) == before
        assert await audit_of(promo_service, log.promotion_id) == []


async def test_a_promotion_not_waiting_for_peer_review_is_refused_and_unchanged(
    promo_service: DemoService,
) -> None:
    promoted = await completed(promo_service, ALICE)
    before = columns(await record(promo_service, promoted.promotion_id))
    audit_before = len(await audit_of(promo_service, promoted.promotion_id))

    response = await promo_service.call(
        BOB, E3, {"promotionId": promoted.promotion_id, "decision": "REJECTED"}
    )

    body = refused(response, 409, "INVALID_PROMOTION_STATUS")
    assert body["currentStatus"] == "COMPLETED"
    assert columns(await record(promo_service, promoted.promotion_id)) == before
    assert len(await audit_of(promo_service, promoted.promotion_id)) == audit_before
    assert branch_is_live(promo_service, promoted.branch_id)


async def test_a_decision_must_be_approved_or_rejected_and_comments_short(
    promo_service: DemoService,
) -> None:
    pending = await add_record(promo_service, status="PENDING_PEER_REVIEW", initiated_by=CAROL)

    maybe = await promo_service.call(
        BOB, E3, {"promotionId": pending.promotion_id, "decision": "MAYBE"}
    )
    long_comment = await promo_service.call(
        BOB,
        E3,
        {"promotionId": pending.promotion_id, "decision": "APPROVED", "comments": "x" * 501},
    )
    someone_else = await promo_service.call(
        BOB,
        E3,
        {"promotionId": pending.promotion_id, "decision": "APPROVED", "reviewerEmail": ALICE},
    )

    assert refused(maybe, 400, "INVALID_REQUEST")["errorField"] == "decision"
    assert refused(long_comment, 400, "INVALID_REQUEST")["errorField"] == "comments"
    refused(someone_else, 403, "IDENTITY_MISMATCH")
    assert (await record(promo_service, pending.promotion_id)).status == "PENDING_PEER_REVIEW"


async def test_a_rejection_stands_when_boomi_cannot_delete_the_branch(
    promo_service: DemoService,
) -> None:
    promoted = await completed(promo_service, ALICE)
    ok(
        await promo_service.call(
            ALICE,
            R,
            {"promotionId": promoted.promotion_id, "isHotfix": True, "hotfixJustification": "Down"},
        )
    )
    promo_service.emulator.state.faults.add(r"/Branch/[^/]+$", method="DELETE", status=503)

    body = ok(
        await promo_service.call(
            BOB, E3, {"promotionId": promoted.promotion_id, "decision": "REJECTED"}
        )
    )

    promo_service.emulator.reset_faults()
    assert (body["newStatus"], body["branchDeleted"]) == ("PEER_REJECTED", False)
    rejected = await record(promo_service, promoted.promotion_id)
    assert rejected.status == PromotionStatus.PEER_REJECTED
    assert rejected.branch_id == promoted.branch_id, "kept for the branch reconciler"


async def test_the_queue_comes_a_page_at_a_time_without_whose_test_deployment_the_caller_ran(
    promo_service: DemoService,
) -> None:
    tested_by_dave = await add_record(promo_service, status="TEST_DEPLOYED", initiated_by=DAVE)
    shipped = await add_record(
        promo_service,
        status="PENDING_PEER_REVIEW",
        initiated_by=CAROL,
        submitted_for_review_by=CAROL,
        target_environment="PRODUCTION",
        test_promotion_id=tested_by_dave.promotion_id,
    )
    waiting = [
        await add_record(promo_service, status="PENDING_PEER_REVIEW", initiated_by=CAROL)
        for _ in range(5)
    ]

    first = ok(await promo_service.call(BOB, E2, {"page": 1, "pageSize": 4}))
    second = ok(await promo_service.call(BOB, E2, {"page": 2, "pageSize": 4}))
    assert first["totalCount"] == second["totalCount"] == 6
    assert len(first["pendingReviews"]) == 4 and len(second["pendingReviews"]) == 2
    listed = {item["promotionId"] for item in first["pendingReviews"] + second["pendingReviews"]}
    assert listed == {shipped.promotion_id, *(log.promotion_id for log in waiting)}

    # Dave ran the test deployment it ships: it is not his to review, not even by id.
    assert shipped.promotion_id not in await queue_ids(promo_service, DAVE)
    alone = ok(await promo_service.call(DAVE, E2, {"promotionId": shipped.promotion_id}))
    assert alone["pendingReviews"] == [] and alone["totalCount"] == 0
    for_bob = ok(await promo_service.call(BOB, E2, {"promotionId": shipped.promotion_id}))
    assert [item["promotionId"] for item in for_bob["pendingReviews"]] == [shipped.promotion_id]
