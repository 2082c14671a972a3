"""S submitAdminReview over HTTP: approve deploys to production (D mode 2 or 3), reject ends it."""

from __future__ import annotations

import pytest

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    admin_review,
    body_of,
    deployed_to_test,
    emulator_pack,
    hotfix_record,
    main_revision,
    main_version,
    prod_ids,
    production_record,
    record,
    releases_in_order,
    set_fields,
)
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    live_branch_ids,
    revision_xml,
    store_of,
    team_a,
)
from tests.support.service import DemoService


async def test_approval_merges_packages_from_main_releases_and_deletes_the_branch(
    promo_service: DemoService,
) -> None:
    test_id = await deployed_to_test(promo_service)
    production_id = await production_record(promo_service, test_id)
    production = await record(promo_service, production_id)
    promoted = {
        r["prodComponentId"]: r["version"] for r in production.result_detail["promotionResults"]
    }
    main_before = {p: main_version(promo_service, p) for p in promoted}
    assert all(main_before[p] < v for p, v in promoted.items()), "main lags before the merge"

    body = body_of(
        await admin_review(
            promo_service,
            CAROL,
            promotionId=production_id,
            decision="APPROVED",
            comments="Ship it",
            createNewPack=True,
            newPackName="Customer Sync",
            reviewerEmail="Carol@Example.com",
        )
    )

    assert body["newStatus"] == "DEPLOYED"
    assert body["decision"] == "APPROVED"
    assert body["deploymentTarget"] == "PRODUCTION"
    assert body["integrationPackName"] == "Customer Sync"
    assert body["releaseId"] and body["releaseStatus"] == "SUCCESS"
    assert body["isHotfix"] is False
    for prod_id, promoted_version in promoted.items():
        on_main = main_version(promo_service, prod_id)
        assert on_main > main_before[prod_id]
        assert revision_xml(promo_service, prod_id, on_main) == revision_xml(
            promo_service, prod_id, promoted_version
        ), "main now holds the promoted content"
    package = promo_service.emulator.state.packages[body["prodPackageId"]]
    root_prod_id = promo_service.seed.prior_promotion.prod_root_component_id
    assert package.branch_name == "main"
    assert package.component_id == root_prod_id
    assert package.component_version == main_version(promo_service, root_prod_id)
    [member] = emulator_pack(promo_service, body["integrationPackId"]).members
    assert (member.component_id, member.released_version) == (root_prod_id, package.package_version)
    assert production.branch_id not in live_branch_ids(promo_service)
    log = await record(promo_service, production_id)
    assert log.status == PromotionStatus.DEPLOYED
    assert log.branch_id is None
    assert (log.integration_pack_id, log.release_id, log.prod_package_id) == (
        body["integrationPackId"],
        body["releaseId"],
        body["prodPackageId"],
    )
    assert (log.admin_approved_by, log.admin_comments) == ("carol@example.com", "Ship it")
    async with store_of(promo_service) as uow:
        dev_ids = [r["devComponentId"] for r in production.result_detail["promotionResults"]]
        mappings = await uow.mappings.get_many(team_a(promo_service), dev_ids)
        trail = await uow.audit.list_entries(target_id=production_id)
    assert mappings and all(m.on_main for m in mappings.values())
    assert [(e.before_status, e.after_status) for e in trail.items if e.after_status] == [
        ("PENDING_ADMIN_REVIEW", "ADMIN_APPROVED"),
        ("ADMIN_APPROVED", "DEPLOYING"),
        ("DEPLOYING", "DEPLOYED"),
    ]

    again = await admin_review(promo_service, ERIN, promotionId=production_id, decision="REJECTED")
    assert body_of(again, 409)["errorCode"] == "ALREADY_REVIEWED"


async def test_new_components_reach_main_with_their_mappings(promo_service: DemoService) -> None:
    seed = promo_service.seed
    promoted = body_of(
        await promo_service.call(
            ALICE,
            "executePromotion",
            {"devAccountId": team_a(promo_service), "devPackageId": seed.full_tree_package_id},
        )
    )
    body_of(
        await promo_service.call(
            ALICE, "packageAndDeploy", {"promotionId": promoted["promotionId"]}
        )
    )
    body_of(
        await promo_service.call(
            CAROL,
            "packageAndDeploy",
            {
                "promotionId": promoted["promotionId"],
                "createNewPack": True,
                "newPackName": "Orders",
            },
        )
    )
    production_id = await production_record(promo_service, promoted["promotionId"])

    body_of(
        await admin_review(
            promo_service,
            ERIN,
            promotionId=production_id,
            decision="APPROVED",
            createNewPack=True,
            newPackName="Orders",
        )
    )

    on_main = {
        r["componentName"]: main_revision(promo_service, r["prodComponentId"])
        for r in promoted["promotionResults"]
    }
    async with store_of(promo_service) as uow:
        mappings = await uow.mappings.get_many(team_a(promo_service), prod_ids(promoted))
    assert on_main["Orders Sync"] is not None and on_main["Order JSON"] is not None
    for result in promoted["promotionResults"]:
        version = on_main[result["componentName"]]
        prod_id = result["prodComponentId"]
        if version is not None:
            assert revision_xml(promo_service, prod_id, version) == revision_xml(
                promo_service, prod_id, result["version"]
            ), f"{result['componentName']} is on main as promoted"
        assert mappings[result["devComponentId"]].on_main is (version is not None), (
            f"{result['componentName']}: the mapping says on main only when it is"
        )


async def test_rejection_deletes_the_review_branch(promo_service: DemoService) -> None:
    test_id = await deployed_to_test(promo_service)
    production_id = await production_record(promo_service, test_id)
    branch_id = (await record(promo_service, production_id)).branch_id
    assert branch_id in live_branch_ids(promo_service)

    body = body_of(
        await admin_review(
            promo_service,
            CAROL,
            promotionId=production_id,
            decision="rejected",
            comments="Wrong pack",
        )
    )

    assert (body["newStatus"], body["decision"]) == ("ADMIN_REJECTED", "REJECTED")
    assert branch_id not in live_branch_ids(promo_service)
    log = await record(promo_service, production_id)
    assert log.status == PromotionStatus.ADMIN_REJECTED
    assert log.branch_id is None
    assert (log.admin_review_status, log.admin_approved_by) == ("ADMIN_REJECTED", CAROL)
    assert releases_in_order(promo_service)[-1].pack_name.endswith(" - TEST"), "no prod release"


@pytest.mark.parametrize(
    ("role", "stored"),
    [
        ("initiated_by", "Carol@Example.COM"),
        ("submitted_for_review_by", "CAROL@example.com"),
        ("peer_reviewed_by", "carol@EXAMPLE.com"),
    ],
)
async def test_an_admin_cannot_approve_what_they_took_part_in(
    promo_service: DemoService, role: str, stored: str
) -> None:
    promoted = await hotfix_record(promo_service)
    promotion_id = promoted["promotionId"]
    await set_fields(promo_service, promotion_id, **{role: stored})

    for decision in ("APPROVED", "REJECTED"):
        refused = await admin_review(
            promo_service,
            CAROL,
            promotionId=promotion_id,
            decision=decision,
            hotfixAcknowledged=True,
            createNewPack=True,
            newPackName="Customer Sync",
        )
        assert body_of(refused, 403)["errorCode"] == "SELF_APPROVAL_NOT_ALLOWED"

    log = await record(promo_service, promotion_id)
    assert log.status == PromotionStatus.PENDING_ADMIN_REVIEW
    assert promoted["branchId"] in live_branch_ids(promo_service)


async def test_only_admins_review_and_only_pending_admin_review(
    promo_service: DemoService,
) -> None:
    promoted = await hotfix_record(promo_service)

    contributor = await admin_review(
        promo_service, BOB, promotionId=promoted["promotionId"], decision="REJECTED"
    )
    await set_fields(promo_service, promoted["promotionId"], status="PENDING_PEER_REVIEW")
    too_early = await admin_review(
        promo_service, CAROL, promotionId=promoted["promotionId"], decision="REJECTED"
    )
    wrong_identity = await admin_review(
        promo_service,
        CAROL,
        promotionId=promoted["promotionId"],
        decision="REJECTED",
        reviewerEmail=ERIN,
    )

    assert body_of(contributor, 403)["errorCode"] == "INSUFFICIENT_TIER"
    assert body_of(too_early, 409)["errorCode"] == "INVALID_PROMOTION_STATUS"
    assert body_of(wrong_identity, 403)["errorCode"] == "IDENTITY_MISMATCH"
    assert promoted["branchId"] in live_branch_ids(promo_service)


async def test_approval_needs_a_production_pack(promo_service: DemoService) -> None:
    test_id = await deployed_to_test(promo_service)
    production_id = await production_record(promo_service, test_id)
    test_pack = (await record(promo_service, test_id)).test_integration_pack_id

    no_pack = await admin_review(
        promo_service, CAROL, promotionId=production_id, decision="APPROVED"
    )
    a_test_pack = await admin_review(
        promo_service,
        CAROL,
        promotionId=production_id,
        decision="APPROVED",
        integrationPackId=test_pack,
    )
    unknown = await admin_review(
        promo_service,
        CAROL,
        promotionId=production_id,
        decision="APPROVED",
        integrationPackId="no-such-pack",
    )

    assert body_of(no_pack, 400)["errorField"] == "integrationPackId"
    assert body_of(a_test_pack, 400)["errorField"] == "integrationPackId"
    assert body_of(unknown, 404)["errorCode"] == "INTEGRATION_PACK_NOT_FOUND"
    assert (await record(promo_service, production_id)).status == "PENDING_ADMIN_REVIEW"
