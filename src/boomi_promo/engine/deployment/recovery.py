"""A deployment whose job died is compensated on restart: TEST_DEPLOYING → TEST_DEPLOY_FAILED,
DEPLOYING → DEPLOY_FAILED.
"""

from __future__ import annotations

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.deployment.rules import INTERRUPTED_REASON
from boomi_promo.engine.lifecycle import change_status, release_branch
from boomi_promo.engine.recovery import SYSTEM_ACTOR
from boomi_promo.store import UnitOfWorkFactory

_S = PromotionStatus
log = structlog.get_logger("boomi_promo.engine")


async def compensate_interrupted_deployment(
    boomi: BoomiClient,
    uow_factory: UnitOfWorkFactory,
    promotion_id: str,
    *,
    process_name: str,
) -> None:
    """A deployment whose job died: TEST_DEPLOYING → TEST_DEPLOY_FAILED, DEPLOYING →
    DEPLOY_FAILED (reason "interrupted"); anything else is left alone, so running it twice
    is harmless. A review branch is kept for the retry; a test branch whose packages were
    all made (``prodPackageId`` is recorded last) has no further use and is deleted."""
    targets = {_S.TEST_DEPLOYING: _S.TEST_DEPLOY_FAILED, _S.DEPLOYING: _S.DEPLOY_FAILED}
    async with uow_factory() as uow:
        promotion = await uow.promotions.get_for_update(promotion_id)
        if promotion is None or promotion.status not in targets:
            return
        current = promotion.status
        await change_status(
            uow,
            promotion,
            targets[current],
            actor=SYSTEM_ACTOR,
            process_name=process_name,
            detail={"reason": INTERRUPTED_REASON},
            error_message=INTERRUPTED_REASON,
        )
        await uow.commit()
        packaged_test_branch = (
            current is _S.TEST_DEPLOYING
            and promotion.prod_package_id is not None
            and promotion.branch_id is not None
        )
    log.warning("interrupted deployment compensated", promotion_id=promotion_id)
    if packaged_test_branch:
        await release_branch(
            boomi, uow_factory, promotion_id, actor=SYSTEM_ACTOR, process_name=process_name
        )
