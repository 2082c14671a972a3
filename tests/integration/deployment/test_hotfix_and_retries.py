"""Hotfixes (D mode 3 via S) and production deployments that fail and are retried."""

from __future__ import annotations

from typing import Any

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    admin_review,
    body_of,
    deploy,
    deployed_to_test,
    hotfix_record,
    main_version,
    production_record,
    record,
    releases_in_order,
)
from tests.integration.promotion.support import CAROL, live_branch_ids
from tests.support import emulator_control as control_api
from tests.support.service import DemoService


async def test_a_hotfix_needs_acknowledgement_then_goes_to_production_and_then_test(
    promo_service: DemoService,
) -> None:
    promoted = await hotfix_record(promo_service)
    promotion_id = promoted["promotionId"]
    approve = {
        "promotionId": promotion_id,
        "decision": "APPROVED",
        "createNewPack": True,
        "newPackName": "Customer Sync",
        "hotfixCreateNewTestPack": True,
        "hotfixNewTestPackName": "Customer Sync",
    }

    unacknowledged = await admin_review(promo_service, CAROL, **approve)
    assert body_of(unacknowledged, 400)["errorCode"] == "HOTFIX_ACKNOWLEDGEMENT_REQUIRED"
    assert (await record(promo_service, promotion_id)).status == "PENDING_ADMIN_REVIEW"

    body = body_of(await admin_review(promo_service, CAROL, hotfixAcknowledged=True, **approve))

    assert body["newStatus"] == "DEPLOYED"
    assert body["isHotfix"] is True
    assert (body["integrationPackName"], body["testIntegrationPackName"]) == (
        "Customer Sync",
        "Customer Sync - TEST",
    )
    assert body["testReleaseStatus"] == "SUCCESS"
    assert body["testReleaseError"] == ""
    production, test = releases_in_order(promo_service)
    assert (production.pack_id, test.pack_id) == (
        body["integrationPackId"],
        body["testIntegrationPackId"],
    ), "released to production first, then to test"
    assert production.components == test.components
    assert promoted["branchId"] not in live_branch_ids(promo_service)
    root = promo_service.seed.prior_promotion.prod_root_component_id
    assert main_version(promo_service, root) > 1
    log = await record(promo_service, promotion_id)
    assert log.status == PromotionStatus.DEPLOYED
    assert (log.test_integration_pack_id, log.test_release_id) == (
        body["testIntegrationPackId"],
        body["testReleaseId"],
    )


async def test_a_failed_release_to_the_test_pack_is_recorded_not_fatal(
    promo_service: DemoService,
) -> None:
    test_id = await deployed_to_test(promo_service)
    test_pack = (await record(promo_service, test_id)).test_integration_pack_id
    promoted = await hotfix_record(promo_service)
    promo_service.emulator.state.release_faults.add(r" - TEST$", message="Test runtime offline")

    body = body_of(
        await admin_review(
            promo_service,
            ERIN,
            promotionId=promoted["promotionId"],
            decision="APPROVED",
            hotfixAcknowledged=True,
            createNewPack=True,
            newPackName="Customer Sync",
            hotfixTestPackId=test_pack,
        )
    )

    assert body["success"] is True
    assert body["newStatus"] == "DEPLOYED"
    assert body["releaseStatus"] == "SUCCESS"
    assert "Test runtime offline" in body["testReleaseError"]
    assert body["testIntegrationPackId"] == test_pack
    log = await record(promo_service, promoted["promotionId"])
    assert log.status == PromotionStatus.DEPLOYED
    assert "Test runtime offline" in (log.error_message or "")
    assert promoted["branchId"] not in live_branch_ids(promo_service)


def merge_fault(service: DemoService, **fault: Any) -> None:
    """Through the emulator's control API: the next merge of a promo-* branch fails."""
    body = {"branch": "^promo-", "count": 1, **fault}
    response = control_api.post(f"{service.emulator_url}/__emulator__/merge-faults", json=body)
    assert response.status_code == 201, response.text


async def test_a_failed_merge_keeps_the_branch_and_a_retry_deploys(
    promo_service: DemoService,
) -> None:
    production_id = await production_record(promo_service, await deployed_to_test(promo_service))
    branch_id = (await record(promo_service, production_id)).branch_id
    merge_fault(promo_service, outcome="FAILED_TO_MERGE")

    failed = await admin_review(
        promo_service,
        CAROL,
        promotionId=production_id,
        decision="APPROVED",
        createNewPack=True,
        newPackName="Customer Sync",
    )

    body = body_of(failed, 502)
    assert body["errorCode"] == "MERGE_FAILED"
    assert (body["newStatus"], body["branchPreserved"]) == ("DEPLOY_FAILED", True)
    assert body["mergeStage"] == "FAILED_TO_MERGE"
    assert "conflictingComponents" not in body
    assert branch_id in live_branch_ids(promo_service)
    log = await record(promo_service, production_id)
    assert log.status == PromotionStatus.DEPLOY_FAILED
    assert log.branch_id == branch_id
    assert "FAILED_TO_MERGE" in (log.error_message or "")

    retried = body_of(await deploy(promo_service, ERIN, promotionId=production_id))

    assert retried["newStatus"] == "DEPLOYED"
    assert retried["deploymentMode"] == 2
    assert retried["integrationPackId"] == log.integration_pack_id, "the pack made first is reused"
    assert branch_id not in live_branch_ids(promo_service)
    assert (await record(promo_service, production_id)).status == PromotionStatus.DEPLOYED


async def test_a_merge_conflict_names_the_components_keeps_the_branch_and_can_be_retried(
    promo_service: DemoService,
) -> None:
    promoted = await hotfix_record(promo_service)
    promotion_id, branch_id = promoted["promotionId"], promoted["branchId"]
    root = promo_service.seed.prior_promotion.prod_root_component_id
    root_name = next(
        r["componentName"] for r in promoted["promotionResults"] if r["prodComponentId"] == root
    )
    on_main = main_version(promo_service, root)
    merge_fault(promo_service, outcome="CONFLICT", components=[root])
    approve = {
        "promotionId": promotion_id,
        "decision": "APPROVED",
        "hotfixAcknowledged": True,
        "createNewPack": True,
        "newPackName": "Customer Sync",
        "hotfixCreateNewTestPack": True,
        "hotfixNewTestPackName": "Customer Sync",
    }

    body = body_of(await admin_review(promo_service, CAROL, **approve), 409)

    assert body["errorCode"] == "MERGE_CONFLICT"
    assert body["conflictingComponents"] == [{"componentId": root, "componentName": root_name}]
    assert f"{root_name} ({root})" in body["errorMessage"]
    assert "retry the deployment" in body["errorMessage"]
    assert (body["newStatus"], body["branchPreserved"]) == ("DEPLOY_FAILED", True)
    assert branch_id in live_branch_ids(promo_service)
    assert main_version(promo_service, root) == on_main, "nothing reached main"
    log = await record(promo_service, promotion_id)
    assert (log.status, log.branch_id) == (PromotionStatus.DEPLOY_FAILED, branch_id)
    assert root_name in (log.error_message or "")

    retried = body_of(await deploy(promo_service, ERIN, promotionId=promotion_id))

    assert (retried["newStatus"], retried["deploymentMode"]) == ("DEPLOYED", 3)
    assert main_version(promo_service, root) > on_main
    assert branch_id not in live_branch_ids(promo_service)


async def test_a_merge_that_does_not_finish_in_time_can_be_retried(
    impatient_service: DemoService,
) -> None:
    service = impatient_service
    production_id = await production_record(service, await deployed_to_test(service))
    branch_id = (await record(service, production_id)).branch_id
    service.emulator.state.settings.merge_execute_seconds = 60.0

    failed = await admin_review(
        service,
        CAROL,
        promotionId=production_id,
        decision="APPROVED",
        createNewPack=True,
        newPackName="Customer Sync",
    )

    body = body_of(failed, 504)
    assert body["errorCode"] == "MERGE_TIMEOUT"
    assert body["newStatus"] == "DEPLOY_FAILED"
    assert branch_id in live_branch_ids(service)
    assert (await record(service, production_id)).status == PromotionStatus.DEPLOY_FAILED

    contributor = await deploy(service, "alice@example.com", promotionId=production_id)
    assert body_of(contributor, 403)["errorCode"] == "INSUFFICIENT_TIER"
    service.emulator.state.settings.merge_execute_seconds = 0.0
    retried = body_of(await deploy(service, ERIN, promotionId=production_id, mode=2))

    assert retried["newStatus"] == "DEPLOYED"
    assert branch_id not in live_branch_ids(service)
