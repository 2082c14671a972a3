"""Abandoning a failed deployment is refused while Boomi shows its merge into main under way or
done, whatever the record says."""

from __future__ import annotations

import httpx
import pytest

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.abandon import check_no_merge_in_boomi
from boomi_promo.engine.errors import DeploymentReachedMain
from boomi_promo.store import PromotionLog
from tests.unit.boomi.support import ScriptedBoomi, json_response, make_client

BRANCH = "Qjo5"


def merges(*stages: str) -> httpx.Response:
    return json_response(
        200,
        {
            "@type": "QueryResult",
            "numberOfResults": len(stages),
            "result": [
                {
                    "@type": "MergeRequest",
                    "id": f"mr-{n}",
                    "sourceBranchId": BRANCH,
                    "destinationBranchId": "Qjo1",
                    "stage": stage,
                }
                for n, stage in enumerate(stages)
            ],
        },
    )


def failed_deployment() -> PromotionLog:
    return PromotionLog(
        promotion_id="p-1",
        status=PromotionStatus.DEPLOY_FAILED,
        branch_id=BRANCH,
        dev_account_id="dev-a",
        prod_account_id="primary",
        dev_package_id="pkg-1",
        root_component_id="root-1",
        initiated_by="alice@example.com",
        target_environment="PRODUCTION",
    )


@pytest.mark.parametrize("stage", ["MERGED", "MERGING"])
async def test_a_merge_done_or_under_way_refuses_with_a_409_saying_retry(stage: str) -> None:
    boomi = ScriptedBoomi(merges("FAILED_TO_MERGE", stage))

    async with make_client(boomi) as client:
        with pytest.raises(DeploymentReachedMain) as raised:
            await check_no_merge_in_boomi(client, failed_deployment())

    error = raised.value
    assert (error.status_code, error.error_code) == (409, "DEPLOYMENT_REACHED_MAIN")
    assert "Retry the deployment" in error.message
    assert error.details["mergeStage"] == stage
    assert error.details["mergeRequestId"] == "mr-1"
    assert boomi.requests[0].url.path.endswith("/MergeRequest/query")


async def test_only_failed_merges_leave_main_untouched() -> None:
    boomi = ScriptedBoomi(merges("FAILED_TO_MERGE", "FAILED_TO_DRAFT", "REVERTED"))

    async with make_client(boomi) as client:
        await check_no_merge_in_boomi(client, failed_deployment())
