"""A compensation that failed (Boomi was down when the job was found dead) is tried again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store import Job, JobState
from tests.integration.deployment.support import completed_promotion, record, set_fields
from tests.integration.promotion.support import ALICE, live_branch_ids, store_of
from tests.support.service import DemoService


async def test_a_promotion_left_in_progress_by_a_failed_compensation_ends_failed_later(
    promo_service: DemoService,
) -> None:
    promoted = await completed_promotion(promo_service)
    promotion_id = promoted["promotionId"]
    # As a crash leaves it when Boomi refused the compensation: the job ended INTERRUPTED,
    # the promotion is still IN_PROGRESS and its branch still exists.
    await set_fields(promo_service, promotion_id, status=PromotionStatus.IN_PROGRESS)
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    async with store_of(promo_service) as uow:
        await uow.jobs.add(
            Job(
                action="executePromotion",
                process_name="C · PROMO - Execute Promotion",
                request={"devAccountId": "any", "devPackageId": "any"},
                principal_email=ALICE,
                promotion_id=promotion_id,
                state=JobState.INTERRUPTED,
                started_at=long_ago,
                finished_at=long_ago,
            )
        )
        await uow.commit()
    assert promoted["branchId"] in live_branch_ids(promo_service)

    for _ in range(100):
        if (await record(promo_service, promotion_id)).status != PromotionStatus.IN_PROGRESS:
            break
        await asyncio.sleep(0.1)

    settled = await record(promo_service, promotion_id)
    assert settled.status == PromotionStatus.FAILED
    assert "interrupted" in (settled.error_message or "")
    assert promoted["branchId"] not in live_branch_ids(promo_service)
