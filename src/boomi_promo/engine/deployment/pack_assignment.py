"""Mode 4, pack assignment: an admin chooses (or names) the Test pack the packages go into."""

from __future__ import annotations

from dataclasses import replace

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.records import (
    end_failed,
    mark_started,
    promotion_and_components,
)
from boomi_promo.engine.deployment.releases import pack_for, release_pack
from boomi_promo.engine.deployment.requests import DeploymentOptions, DeploymentOutcome
from boomi_promo.engine.deployment.rules import (
    DeploymentMode,
    NothingToDeploy,
    PackPurpose,
    ReleaseType,
)
from boomi_promo.engine.deployment.to_test import finish_test_release, recorded_shipment

_S = PromotionStatus


async def assign_pack(
    ctx: ActionContext, promotion_id: str, options: DeploymentOptions
) -> DeploymentOutcome:
    outcome = DeploymentOutcome(promotion_id, DeploymentMode.PACK_ASSIGNMENT, _S.TEST_DEPLOYED)
    # Running state first: a crash from here on is compensated to a retryable failure.
    await mark_started(ctx, promotion_id, _S.PENDING_PACK_ASSIGNMENT, _S.TEST_DEPLOYING)
    current = _S.TEST_DEPLOYING
    try:
        promotion, components = await promotion_and_components(ctx, promotion_id)
        if not promotion.prod_package_id or not promotion.package_version:
            raise NothingToDeploy("This promotion has no package to assign to a pack.")
        shipment = recorded_shipment(promotion, components)
        pack = await pack_for(ctx, promotion_id, options.pack, PackPurpose.TEST)
        release = await release_pack(ctx, promotion_id, ReleaseType.TEST, pack, shipment)
    except Exception as exc:
        raise await end_failed(ctx, promotion_id, current, _S.TEST_DEPLOY_FAILED, exc) from exc
    return await finish_test_release(
        ctx,
        promotion_id,
        current,
        pack,
        release,
        replace(
            outcome,
            package_id=promotion.prod_package_id,
            package_version=promotion.package_version,
        ),
    )
