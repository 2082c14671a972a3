"""A D or S job whose process died is found by the sweep and its deployment compensated."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.rules import INTERRUPTED_REASON
from boomi_promo.store import Job, JobState
from tests.integration.deployment.support import (
    ERIN,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
    production_record,
    record,
    set_fields,
)
from tests.integration.emulator.boomi import package_body
from tests.integration.promotion.support import ALICE, CAROL, live_branch_ids, store_of
from tests.support.service import DemoService

DEAD_SINCE = timedelta(hours=1)


async def dead_job(service: DemoService, action: str, promotion_id: str, email: str) -> str:
    """A job row as a process killed mid-run leaves it: RUNNING, silent for an hour."""
    long_ago = datetime.now(UTC) - DEAD_SINCE
    job = Job(
        action=action,
        process_name=f"{action} (killed)",
        request={"promotionId": promotion_id},
        principal_email=email,
        promotion_id=promotion_id,
        state=JobState.RUNNING,
        owner="promo-dead-worker",
        started_at=long_ago,
        heartbeat_at=long_ago,
    )
    async with store_of(service) as uow:
        await uow.jobs.add(job)
        await uow.commit()
    return job.id


async def settled_status(service: DemoService, promotion_id: str, leaving: str) -> str:
    for _ in range(150):
        status = str((await record(service, promotion_id)).status)
        if status != leaving:
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"{promotion_id} stayed {leaving}")


def package_from_branch(service: DemoService, component_id: str, branch_name: str) -> str:
    with service.emulator.client() as boomi:
        response = boomi.post(
            "/PackagedComponent",
            json=package_body(component_id, branchName=branch_name, shareable=True),
        )
    response.raise_for_status()
    package_id: str = response.json()["packageId"]
    return package_id


async def test_an_interrupted_test_deployment_ends_failed_and_can_be_retried(
    promo_service: DemoService,
) -> None:
    promoted = await completed_promotion(promo_service)
    promotion_id = promoted["promotionId"]
    root = promo_service.seed.prior_promotion.prod_root_component_id
    package_id = package_from_branch(promo_service, root, promoted["branchName"])
    await set_fields(
        promo_service,
        promotion_id,
        status=PromotionStatus.TEST_DEPLOYING,
        prod_package_id=package_id,
        package_version="2.0",
    )

    job_id = await dead_job(promo_service, "packageAndDeploy", promotion_id, ALICE)

    assert await settled_status(promo_service, promotion_id, "TEST_DEPLOYING") == (
        "TEST_DEPLOY_FAILED"
    )
    log = await record(promo_service, promotion_id)
    assert log.error_message == INTERRUPTED_REASON
    assert promoted["branchId"] not in live_branch_ids(promo_service), "packaged: branch unused"
    async with store_of(promo_service) as uow:
        job = await uow.jobs.get(job_id)
    assert job is not None and job.state == JobState.INTERRUPTED

    retried = body_of(await deploy(promo_service, ALICE, promotionId=promotion_id))
    assert retried["newStatus"] == "PENDING_PACK_ASSIGNMENT"
    assert retried["packageId"] == package_id


async def test_an_interrupted_production_deployment_keeps_its_branch_for_the_retry(
    promo_service: DemoService,
) -> None:
    production_id = await production_record(promo_service, await deployed_to_test(promo_service))
    branch_id = (await record(promo_service, production_id)).branch_id
    await set_fields(
        promo_service,
        production_id,
        status=PromotionStatus.DEPLOYING,
        admin_review_status="ADMIN_APPROVED",
        admin_approved_by=CAROL,
    )

    await dead_job(promo_service, "submitAdminReview", production_id, CAROL)

    assert await settled_status(promo_service, production_id, "DEPLOYING") == "DEPLOY_FAILED"
    assert (await record(promo_service, production_id)).error_message == INTERRUPTED_REASON
    assert branch_id in live_branch_ids(promo_service)

    retried = body_of(
        await deploy(
            promo_service,
            ERIN,
            promotionId=production_id,
            createNewPack=True,
            newPackName="Customer Sync",
        )
    )
    assert retried["newStatus"] == "DEPLOYED"
    assert branch_id not in live_branch_ids(promo_service)
