"""abandonDeployment: the admin's way out of a DEPLOY_FAILED production deployment that will not
succeed, through the real emulator. Refused once the merge reached main."""

from __future__ import annotations

from typing import Any

import httpx

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.deployment.support import (
    ERIN,
    admin_review,
    body_of,
    completed_promotion,
    deployed_to_test,
    hotfix_record,
    main_version,
    production_record,
    record,
)
from tests.integration.deployment.test_hotfix_and_retries import merge_fault
from tests.integration.promotion.support import (
    ALICE,
    CAROL,
    live_branch_ids,
    promote,
    store_of,
    team_a,
)
from tests.support.service import DemoService

REASON = "The conflict is on purpose: main has the right version."
PACK = {"createNewPack": True, "newPackName": "Customer Sync"}


async def abandon(
    service: DemoService, email: str, promotion_id: str, **extra: Any
) -> httpx.Response:
    body = {"promotionId": promotion_id, "reason": REASON, **extra}
    return await service.call(email, "abandonDeployment", body)


async def mappings_of(service: DemoService) -> dict[str, tuple[Any, ...]]:
    """Team A's mappings as a promotion changes them: prod id, version, writer, on main."""
    async with store_of(service) as uow:
        found = await uow.mappings.list_for_dev_account(team_a(service))
    return {
        m.dev_component_id: (
            m.prod_component_id,
            m.prod_latest_version,
            m.last_promotion_id,
            m.on_main,
        )
        for m in found
    }


async def audit_of(service: DemoService, promotion_id: str) -> list[Any]:
    async with store_of(service) as uow:
        found = await uow.audit.list_entries(
            target_type="promotion", target_id=promotion_id, page_size=500
        )
    return list(found.items)


async def failed_hotfix(service: DemoService) -> dict[str, Any]:
    """A hotfix whose production merge conflicts with main: DEPLOY_FAILED, branch kept."""
    promoted = await hotfix_record(service)
    root = service.seed.prior_promotion.prod_root_component_id
    merge_fault(service, outcome="CONFLICT", components=[root])
    approve = {
        "promotionId": promoted["promotionId"],
        "decision": "APPROVED",
        "hotfixAcknowledged": True,
        **PACK,
    }
    failed = body_of(await admin_review(service, CAROL, **approve), 409)
    assert (failed["errorCode"], failed["newStatus"]) == ("MERGE_CONFLICT", "DEPLOY_FAILED")
    return promoted


async def test_an_abandoned_hotfix_frees_its_process_with_its_branch_gone_and_mappings_back(
    promo_service: DemoService,
) -> None:
    service = promo_service
    before = await mappings_of(service)
    root = service.seed.prior_promotion.prod_root_component_id
    on_main = main_version(service, root)
    promoted = await failed_hotfix(service)
    promotion_id, branch_id = promoted["promotionId"], promoted["branchId"]
    assert await mappings_of(service) != before, "the promotion wrote its mappings"
    blocked = body_of(await promote(service, service.seed.prior_promotion.dev_package_id), 409)
    assert blocked["errorCode"] == "PROMOTION_IN_REVIEW"
    assert "abandonDeployment" in blocked["errorMessage"]

    body = body_of(await abandon(service, ERIN, promotion_id))

    assert (body["previousStatus"], body["newStatus"]) == ("DEPLOY_FAILED", "DEPLOY_ABANDONED")
    assert body["branchDeleted"] is True
    assert "promoted again" in body["message"]
    assert branch_id not in live_branch_ids(service)
    log = await record(service, promotion_id)
    assert (log.status, log.branch_id) == (PromotionStatus.DEPLOY_ABANDONED, None)
    assert await mappings_of(service) == before, "every mapping says what it said before"
    assert main_version(service, root) == on_main, "main never changed"
    ended = [
        e for e in await audit_of(service, promotion_id) if e.action == "promotion.deploy_abandoned"
    ]
    assert len(ended) == 1
    assert (ended[0].actor_email, ended[0].before_status) == (ERIN, "DEPLOY_FAILED")
    assert ended[0].detail["reason"] == REASON
    assert "conflict" in ended[0].detail["failure"]

    again = await completed_promotion(service)
    assert (await record(service, str(again["promotionId"]))).status == PromotionStatus.COMPLETED


async def test_an_abandoned_production_promotion_leaves_its_test_deployment_free_again(
    promo_service: DemoService,
) -> None:
    service = promo_service
    test_id = await deployed_to_test(service)
    production_id = await production_record(service, test_id)
    branch_id = (await record(service, production_id)).branch_id
    test_mappings = await mappings_of(service)
    merge_fault(service, outcome="FAILED_TO_MERGE")
    body_of(
        await admin_review(service, CAROL, promotionId=production_id, decision="APPROVED", **PACK),
        502,
    )

    body_of(await abandon(service, ERIN, production_id))

    assert branch_id not in live_branch_ids(service)
    assert (await record(service, production_id)).status == PromotionStatus.DEPLOY_ABANDONED
    assert (await record(service, test_id)).status == PromotionStatus.TEST_DEPLOYED
    assert await mappings_of(service) == test_mappings, "the test package still holds them"
    resubmitted = body_of(
        await service.call(ALICE, "submitForPeerReview", {"promotionId": test_id})
    )
    assert resubmitted["promotionId"] != production_id


async def test_only_an_admin_abandons_only_a_failed_deployment_and_gives_a_reason(
    promo_service: DemoService,
) -> None:
    service = promo_service
    production_id = await production_record(service, await deployed_to_test(service))

    not_failed = body_of(await abandon(service, ERIN, production_id), 409)
    assert not_failed["errorCode"] == "INVALID_PROMOTION_STATUS"
    assert "DEPLOY_FAILED" in not_failed["errorMessage"]

    merge_fault(service, outcome="FAILED_TO_MERGE")
    body_of(
        await admin_review(service, CAROL, promotionId=production_id, decision="APPROVED", **PACK),
        502,
    )
    contributor = body_of(await abandon(service, ALICE, production_id), 403)
    assert contributor["errorCode"] == "INSUFFICIENT_TIER"
    no_reason = body_of(await abandon(service, ERIN, production_id, reason="  "), 400)
    assert no_reason["errorCode"] == "INVALID_REQUEST"
    assert (await record(service, production_id)).status == PromotionStatus.DEPLOY_FAILED


async def test_a_deployment_whose_merge_reached_main_cannot_be_abandoned_only_retried(
    promo_service: DemoService,
) -> None:
    service = promo_service
    production_id = await production_record(service, await deployed_to_test(service))
    branch_id = (await record(service, production_id)).branch_id
    # The merge succeeds; the production release fails after it.
    service.emulator.state.release_faults.add("^Customer Sync$", message="Runtime offline")
    failed = body_of(
        await admin_review(service, CAROL, promotionId=production_id, decision="APPROVED", **PACK),
        502,
    )
    assert (failed["errorCode"], failed["newStatus"]) == ("RELEASE_FAILED", "DEPLOY_FAILED")

    refused = body_of(await abandon(service, ERIN, production_id), 409)

    assert refused["errorCode"] == "DEPLOYMENT_REACHED_MAIN"
    assert "Retry the deployment" in refused["errorMessage"]
    assert refused["mergedAuditEntryId"], "the record's promotion.merged entry tells"
    log = await record(service, production_id)
    assert (log.status, log.branch_id) == (PromotionStatus.DEPLOY_FAILED, branch_id)
    assert branch_id in live_branch_ids(service)
    service.emulator.state.release_faults.clear()
    retried = body_of(await service.call(ERIN, "packageAndDeploy", {"promotionId": production_id}))
    assert retried["newStatus"] == "DEPLOYED"


async def test_a_merge_boomi_is_still_running_refuses_the_abandonment(
    impatient_service: DemoService,
) -> None:
    # The record knows of no merge (it timed out), but Boomi shows it under way: it may land.
    service = impatient_service
    production_id = await production_record(service, await deployed_to_test(service))
    service.emulator.state.settings.merge_execute_seconds = 60.0
    failed = body_of(
        await admin_review(service, CAROL, promotionId=production_id, decision="APPROVED", **PACK),
        504,
    )
    assert failed["newStatus"] == "DEPLOY_FAILED"

    refused = body_of(await abandon(service, ERIN, production_id), 409)

    assert refused["errorCode"] == "DEPLOYMENT_REACHED_MAIN"
    assert refused["mergeStage"] == "MERGING"
    assert (await record(service, production_id)).status == PromotionStatus.DEPLOY_FAILED
