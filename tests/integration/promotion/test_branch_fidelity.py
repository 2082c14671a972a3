"""executePromotion against Boomi's slower branch bookkeeping: branches Boomi is still deleting
count toward the limit, and a new branch may be missing from a query for a while."""

from __future__ import annotations

import time

from boomi_promo.domain.statuses import PromotionStatus
from tests.integration.emulator.boomi import EVERYTHING
from tests.integration.promotion.support import live_branch_ids, promote, store_of
from tests.support.service import DemoService


def branch_count(service: DemoService) -> int:
    """Branches the emulator's Branch QUERY lists (DELETING ones too)."""
    with service.emulator.client() as boomi:
        listed = boomi.post("/Branch/query", json=EVERYTHING).json()
    count: int = listed["numberOfResults"]
    return count


async def test_branches_boomi_is_still_deleting_count_toward_the_limit(
    promo_service: DemoService,
) -> None:
    state = promo_service.emulator.state
    state.settings.branch_delete_seconds = 60.0
    limit = promo_service.settings.boomi.branch_soft_limit
    with promo_service.emulator.client() as boomi:
        planted = [
            boomi.post("/Branch", json={"name": f"busy-{n}"}).json()["id"]
            for n in range(limit - branch_count(promo_service))
        ]
        for branch_id in planted[:3]:
            boomi.delete(f"/Branch/{branch_id}").raise_for_status()
    assert len(live_branch_ids(promo_service)) == limit - 3

    refused = await promote(promo_service, promo_service.seed.full_tree_package_id)

    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["errorCode"] == "BRANCH_LIMIT_REACHED"
    assert body["branchCount"] == limit, "the three being deleted are counted"

    # Once Boomi is done deleting them, there is room again.
    state.clock = lambda: time.time() + 120
    response = await promote(promo_service, promo_service.seed.full_tree_package_id)
    assert response.status_code == 200, response.text


async def test_a_branch_whose_create_got_no_answer_is_found_once_listed_and_used(
    promo_service: DemoService,
) -> None:
    state = promo_service.emulator.state
    state.settings.branch_query_delay_seconds = 0.5
    state.faults.add(r"/Branch$", method="POST", lose_answer=True, count=1)

    response = await promote(promo_service, promo_service.seed.full_tree_package_id)

    # The create reached Boomi; its answer was lost. The client looked for the branch by name
    # until Boomi listed it, and the promotion went on with it: no second branch.
    assert response.status_code == 200, response.text
    body = response.json()
    created = [b for b in state.branches.values() if b.name == f"promo-{body['promotionId']}"]
    assert len(created) == 1
    assert body["branchId"] == created[0].branch_id
    async with store_of(promo_service) as uow:
        log = await uow.promotions.get(body["promotionId"])
    assert log is not None and log.status == PromotionStatus.COMPLETED
