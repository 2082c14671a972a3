"""E5 withdrawPromotion, E4 cancelTestDeployment and queryTestDeployments over HTTP."""

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

E3 = "submitPeerReview"
E4_QUERY = "queryTestDeployments"
E4_CANCEL = "cancelTestDeployment"
E5 = "withdrawPromotion"
R = "submitForPeerReview"


async def test_the_initiator_withdraws_a_promotion_in_admin_review(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE)
    production = ok(await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}))
    ok(
        await promo_service.call(
            BOB, E3, {"promotionId": production["promotionId"], "decision": "APPROVED"}
        )
    )

    body = ok(
        await promo_service.call(
            ALICE,
            E5,
            {
                "promotionId": production["promotionId"],
                "initiatorEmail": "ALICE@example.com",
                "reason": "Wrong package",
            },
        )
    )

    assert body["previousStatus"] == "PENDING_ADMIN_REVIEW"
    assert (body["newStatus"], body["branchDeleted"]) == ("WITHDRAWN", True)
    assert body["message"]
    withdrawn = await record(promo_service, production["promotionId"])
    assert withdrawn.status == PromotionStatus.WITHDRAWN
    assert withdrawn.withdrawal_reason == "Wrong package"
    assert withdrawn.withdrawn_at is not None
    assert withdrawn.branch_id is None
    assert not branch_is_live(promo_service, production["branchId"])
    actions = [e.action for e in await audit_of(promo_service, production["promotionId"])]
    assert actions[-2:] == ["promotion.withdrawn", "promotion.branch_deleted"]
    shown = ok(await promo_service.call(ALICE, E4_QUERY, {}))
    assert [t["promotionId"] for t in shown["testDeployments"]] == [tested.promotion_id]


async def test_withdrawing_a_hotfix_ends_the_branch_of_its_promotion(
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

    body = ok(await promo_service.call(ALICE, E5, {"promotionId": promoted.promotion_id}))

    assert body["branchDeleted"] is True
    assert not branch_is_live(promo_service, promoted.branch_id)
    assert (await record(promo_service, promoted.promotion_id)).status == "WITHDRAWN"


async def test_only_the_initiator_may_withdraw_not_even_an_admin(
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
    before = columns(await record(promo_service, promoted.promotion_id))
    audit_before = len(await audit_of(promo_service, promoted.promotion_id))

    for email in (BOB, CAROL):
        response = await promo_service.call(email, E5, {"promotionId": promoted.promotion_id})
        refused(response, 403, "NOT_PROMOTION_INITIATOR")

    assert columns(await record(promo_service, promoted.promotion_id)) == before
    assert len(await audit_of(promo_service, promoted.promotion_id)) == audit_before
    assert branch_is_live(promo_service, promoted.branch_id)


async def test_a_promotion_not_pending_review_cannot_be_withdrawn(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE)
    before = columns(await record(promo_service, tested.promotion_id))
    audit_before = len(await audit_of(promo_service, tested.promotion_id))

    response = await promo_service.call(ALICE, E5, {"promotionId": tested.promotion_id})

    body = refused(response, 409, "INVALID_PROMOTION_STATUS")
    assert body["currentStatus"] == "TEST_DEPLOYED"
    assert columns(await record(promo_service, tested.promotion_id)) == before
    assert len(await audit_of(promo_service, tested.promotion_id)) == audit_before


async def test_an_admin_cancels_a_test_deployment_and_its_branch_goes(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE, keep_branch=True)
    branch_id = (await record(promo_service, tested.promotion_id)).branch_id
    assert branch_id is not None and branch_is_live(promo_service, branch_id)

    body = ok(await promo_service.call(CAROL, E4_CANCEL, {"promotionId": tested.promotion_id}))

    assert body["previousStatus"] == "TEST_DEPLOYED"
    assert (body["newStatus"], body["branchDeleted"]) == ("TEST_CANCELLED", True)
    cancelled = await record(promo_service, tested.promotion_id)
    assert cancelled.status == PromotionStatus.TEST_CANCELLED
    assert cancelled.branch_id is None
    assert not branch_is_live(promo_service, branch_id)
    assert ok(await promo_service.call(ALICE, E4_QUERY, {}))["testDeployments"] == []
    entry = next(
        e
        for e in await audit_of(promo_service, tested.promotion_id)
        if e.after_status == "TEST_CANCELLED"
    )
    assert entry.actor_email == CAROL


async def test_the_initiator_cancels_a_package_waiting_for_a_pack(
    promo_service: DemoService,
) -> None:
    waiting = await add_record(
        promo_service, status="PENDING_PACK_ASSIGNMENT", initiated_by="Alice@Example.COM"
    )

    body = ok(await promo_service.call(ALICE, E4_CANCEL, {"promotionId": waiting.promotion_id}))

    assert (body["previousStatus"], body["newStatus"]) == (
        "PENDING_PACK_ASSIGNMENT",
        "TEST_CANCELLED",
    )
    assert body["branchDeleted"] is True


async def test_cancelling_is_refused_to_others_and_while_production_is_under_way(
    promo_service: DemoService,
) -> None:
    tested = await deployed_to_test(promo_service, ALICE)
    refused(
        await promo_service.call(BOB, E4_CANCEL, {"promotionId": tested.promotion_id}),
        403,
        "NOT_PROMOTION_INITIATOR",
    )
    production = ok(await promo_service.call(ALICE, R, {"promotionId": tested.promotion_id}))
    before = columns(await record(promo_service, tested.promotion_id))

    response = await promo_service.call(ALICE, E4_CANCEL, {"promotionId": tested.promotion_id})

    body = refused(response, 409, "PRODUCTION_PROMOTION_EXISTS")
    assert body["productionPromotionId"] == production["promotionId"]
    assert columns(await record(promo_service, tested.promotion_id)) == before


async def test_test_deployments_are_scoped_and_filtered(promo_service: DemoService) -> None:
    team_a = promo_service.seed.prior_promotion.dev_account_id
    team_b = next(a.account_id for a in promo_service.seed.dev_accounts if a.name == "Dev Team B")
    by_alice = await add_record(promo_service, status="TEST_DEPLOYED", initiated_by=ALICE)
    by_bob = await add_record(promo_service, status="TEST_DEPLOYED", initiated_by=BOB)
    on_b = await add_record(
        promo_service, status="TEST_DEPLOYED", initiated_by=DAVE, dev_account_id=team_b
    )
    await add_record(promo_service, status="COMPLETED", initiated_by=ALICE)
    # A live production promotion hides its test deployment; a withdrawn one does not.
    hidden = await add_record(promo_service, status="TEST_DEPLOYED", initiated_by=ALICE)
    await add_record(
        promo_service,
        status="DEPLOY_FAILED",
        target_environment="PRODUCTION",
        test_promotion_id=hidden.promotion_id,
    )
    await add_record(
        promo_service,
        status="WITHDRAWN",
        target_environment="PRODUCTION",
        test_promotion_id=by_bob.promotion_id,
    )

    async def ids(email: str, body: dict[str, str]) -> set[str]:
        answer = ok(await promo_service.call(email, E4_QUERY, body))
        assert answer["totalCount"] == len(answer["testDeployments"])
        return {t["promotionId"] for t in answer["testDeployments"]}

    assert await ids(ALICE, {}) == {by_alice.promotion_id, by_bob.promotion_id}
    assert await ids(DAVE, {}) == {on_b.promotion_id}
    assert await ids(CAROL, {}) == {by_alice.promotion_id, by_bob.promotion_id, on_b.promotion_id}
    assert await ids(CAROL, {"devAccountId": team_b}) == {on_b.promotion_id}
    assert await ids(ALICE, {"initiatedBy": "BOB@example.com"}) == {by_bob.promotion_id}
    assert await ids(ALICE, {"devAccountId": team_a, "initiatedBy": ""}) == {
        by_alice.promotion_id,
        by_bob.promotion_id,
    }
    refused(
        await promo_service.call(DAVE, E4_QUERY, {"devAccountId": team_a}),
        403,
        "UNAUTHORIZED_ACCOUNT_ACCESS",
    )
