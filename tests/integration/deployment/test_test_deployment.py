"""D modes 1 and 4 over HTTP: Dev → Test from the branch, and the admin's pack assignment."""

from __future__ import annotations

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    body_of,
    completed_promotion,
    deploy,
    emulator_pack,
    prod_ids,
    record,
    releases_in_order,
)
from tests.integration.promotion.support import (
    ALICE,
    BOB,
    CAROL,
    live_branch_ids,
    read_on_main,
    store_of,
)
from tests.support.service import DemoService


async def test_first_test_deployment_packages_the_branch_and_waits_for_a_pack(
    promo_service: DemoService,
) -> None:
    promoted = await completed_promotion(promo_service)
    promotion_id = promoted["promotionId"]
    prior = promo_service.seed.prior_promotion
    root_prod_id = prior.prod_root_component_id
    main_before = {p: read_on_main(promo_service, p).version for p in prod_ids(promoted).values()}

    body = body_of(
        await deploy(
            promo_service,
            ALICE,
            promotionId=promotion_id,
            packageVersion="7.1-test",
            deploymentNotes="first test run",
        )
    )

    assert body["success"] is True
    assert body["newStatus"] == "PENDING_PACK_ASSIGNMENT"
    assert body["needsPackAssignment"] is True
    assert body["deploymentTarget"] == "TEST"
    assert body["packageVersion"] == "7.1-test"
    assert body["branchPreserved"] is False
    package = promo_service.emulator.state.packages[body["packageId"]]
    assert package.component_id == root_prod_id
    assert package.branch_name == promoted["branchName"], "packaged from the promotion branch"
    assert package.component_version == 2, "the promoted version, not main's"
    assert package.shareable is True
    assert package.notes == "first test run"
    assert promoted["branchId"] not in live_branch_ids(promo_service)
    assert {p: read_on_main(promo_service, p).version for p in main_before} == main_before
    log = await record(promo_service, promotion_id)
    assert log.status == PromotionStatus.PENDING_PACK_ASSIGNMENT
    assert (log.prod_package_id, log.package_version) == (body["packageId"], "7.1-test")
    assert log.branch_id is None
    assert releases_in_order(promo_service) == []


async def test_pack_assignment_releases_and_the_next_promotion_finds_the_pack(
    promo_service: DemoService,
) -> None:
    first = await completed_promotion(promo_service)
    waiting = body_of(await deploy(promo_service, ALICE, promotionId=first["promotionId"]))
    refused = await deploy(
        promo_service, BOB, promotionId=first["promotionId"], integrationPackId="any"
    )
    assert refused.status_code == 403

    assigned = body_of(
        await deploy(
            promo_service,
            CAROL,
            promotionId=first["promotionId"],
            mode=4,
            createNewPack=True,
            newPackName="Customer Sync",
            newPackDescription="Customer Sync on Test",
        )
    )

    assert assigned["newStatus"] == "TEST_DEPLOYED"
    assert assigned["testIntegrationPackName"] == "Customer Sync - TEST"
    assert assigned["testReleaseStatus"] == "SUCCESS"
    pack_id = assigned["testIntegrationPackId"]
    root_prod_id = promo_service.seed.prior_promotion.prod_root_component_id
    pack = emulator_pack(promo_service, pack_id)
    assert [m.component_id for m in pack.members] == [root_prod_id]
    assert pack.members[0].released_version == waiting["packageVersion"]
    log = await record(promo_service, first["promotionId"])
    assert log.status == PromotionStatus.TEST_DEPLOYED
    assert (log.test_integration_pack_id, log.test_release_id) == (
        pack_id,
        assigned["testReleaseId"],
    )
    assert log.test_deployed_at is not None

    second = await completed_promotion(promo_service, email=BOB)
    found = body_of(await deploy(promo_service, BOB, promotionId=second["promotionId"]))

    assert found["newStatus"] == "TEST_DEPLOYED"
    assert found["needsPackAssignment"] is False
    assert found["autoDetectedPackId"] == pack_id
    assert (
        prod_ids(second)[promo_service.seed.prior_promotion.dev_root_component_id] == root_prod_id
    )
    [member] = emulator_pack(promo_service, pack_id).members
    assert member.released_version == found["packageVersion"] != waiting["packageVersion"]
    assert second["branchId"] not in live_branch_ids(promo_service)
    async with store_of(promo_service) as uow:
        trail = await uow.audit.list_entries(target_id=second["promotionId"])
    statuses = [(e.before_status, e.after_status) for e in trail.items if e.after_status]
    assert statuses[-2:] == [("COMPLETED", "TEST_DEPLOYING"), ("TEST_DEPLOYING", "TEST_DEPLOYED")]


async def test_mode_and_status_must_agree(promo_service: DemoService) -> None:
    promoted = await completed_promotion(promo_service)

    wrong_mode = await deploy(promo_service, CAROL, promotionId=promoted["promotionId"], mode=2)
    not_found = await deploy(promo_service, ALICE, promotionId="no-such-promotion")

    assert body_of(wrong_mode, 409)["errorCode"] == "INVALID_PROMOTION_STATUS"
    assert body_of(not_found, 404)["errorCode"] == "PROMOTION_NOT_FOUND"
    log = await record(promo_service, promoted["promotionId"])
    assert log.status == PromotionStatus.COMPLETED
    assert log.branch_id == promoted["branchId"]


async def test_a_release_error_fails_the_test_deployment(promo_service: DemoService) -> None:
    first = await completed_promotion(promo_service)
    body_of(await deploy(promo_service, ALICE, promotionId=first["promotionId"]))
    body_of(
        await deploy(
            promo_service,
            CAROL,
            promotionId=first["promotionId"],
            createNewPack=True,
            newPackName="Customer Sync - TEST",
        )
    )
    promo_service.emulator.state.release_faults.add("Customer Sync", message="Disk full")
    second = await completed_promotion(promo_service)

    failed = body_of(await deploy(promo_service, ALICE, promotionId=second["promotionId"]), 502)

    assert failed["errorCode"] == "RELEASE_FAILED"
    assert "Disk full" in failed["errorMessage"]
    assert failed["newStatus"] == "TEST_DEPLOY_FAILED"
    log = await record(promo_service, second["promotionId"])
    assert log.status == PromotionStatus.TEST_DEPLOY_FAILED
    assert "Disk full" in (log.error_message or "")
    assert log.prod_package_id, "the package is kept for a retry"

    promo_service.emulator.state.release_faults.clear()
    retried = body_of(await deploy(promo_service, ALICE, promotionId=second["promotionId"]))
    assert retried["newStatus"] == "TEST_DEPLOYED"
    assert retried["packageId"] == log.prod_package_id, "the retry reuses the package"
