"""Peer review across teams is visible, and an installation can require a reviewer from the
team that owns the dev account — over the API, against the emulator."""

from __future__ import annotations

from tests.integration.deployment.support import body_of, completed_promotion
from tests.support.service import DemoService

ALICE = "alice@example.com"  # team A, initiator
BOB = "bob@example.com"  # team A
DAVE = "dave@example.com"  # team B


async def hotfix_in_review(service: DemoService) -> str:
    promotion_id = str((await completed_promotion(service))["promotionId"])
    body_of(
        await service.call(
            ALICE,
            "submitForPeerReview",
            {"promotionId": promotion_id, "isHotfix": True, "hotfixJustification": "Lost orders"},
        )
    )
    return promotion_id


async def test_a_reviewer_from_another_team_is_told_so(promo_service: DemoService) -> None:
    promotion_id = await hotfix_in_review(promo_service)

    dave = body_of(await promo_service.call(DAVE, "queryPeerReviewQueue", {}))
    bob = body_of(await promo_service.call(BOB, "queryPeerReviewQueue", {}))

    by_dave = {p["promotionId"]: p for p in dave["pendingReviews"]}
    by_bob = {p["promotionId"]: p for p in bob["pendingReviews"]}
    assert by_dave[promotion_id]["reviewerInOwningTeam"] is False
    assert by_bob[promotion_id]["reviewerInOwningTeam"] is True


async def test_the_owning_team_rule_keeps_other_teams_out_of_the_review(
    promo_service: DemoService,
) -> None:
    promotion_id = await hotfix_in_review(promo_service)
    promo_service.settings.review.require_owning_team_reviewer = True

    queue = body_of(await promo_service.call(DAVE, "queryPeerReviewQueue", {}))
    refused = await promo_service.call(
        DAVE, "submitPeerReview", {"promotionId": promotion_id, "decision": "APPROVED"}
    )
    approved = await promo_service.call(
        BOB, "submitPeerReview", {"promotionId": promotion_id, "decision": "APPROVED"}
    )

    assert promotion_id not in {p["promotionId"] for p in queue["pendingReviews"]}
    assert refused.status_code == 403
    assert refused.json()["errorCode"] == "REVIEWER_NOT_IN_OWNING_TEAM"
    assert "Dev Team A" in refused.json()["errorMessage"]
    assert body_of(approved)["newStatus"] == "PENDING_ADMIN_REVIEW"
