"""D packageAndDeploy's entry point: the mode a promotion is in, who may start it, the
choices checked before any Boomi call; then the mode's steps run.
"""

from __future__ import annotations

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.access import require_dev_account
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.contents import linked_test_promotion
from boomi_promo.engine.deployment.pack_assignment import assign_pack
from boomi_promo.engine.deployment.production import run_production_deployment
from boomi_promo.engine.deployment.records import load_promotion, mark_started
from boomi_promo.engine.deployment.releases import get_pack
from boomi_promo.engine.deployment.requests import DeploymentOptions, DeploymentOutcome, PackChoice
from boomi_promo.engine.deployment.rules import (
    TEST_PACK_SUFFIX,
    DeploymentMode,
    PackPurpose,
    SelfApprovalNotAllowed,
    mode_for,
    pack_purpose,
    segregation_conflict,
)
from boomi_promo.engine.deployment.to_test import deploy_to_test
from boomi_promo.errors import Conflict, Forbidden, InvalidRequest
from boomi_promo.identity.principal import Tier
from boomi_promo.store import PromotionLog

_S = PromotionStatus


async def package_and_deploy(
    ctx: ActionContext,
    promotion_id: str,
    *,
    mode: DeploymentMode | None,
    options: DeploymentOptions,
) -> DeploymentOutcome:
    """Run D for the caller: checks, then the mode the promotion's status calls for.

    ``mode`` given must be the one the status calls for (409 ``INVALID_PROMOTION_STATUS``).
    Every refusal happens before anything changes.
    """
    promotion, chosen = await authorize_deployment(ctx, promotion_id, mode)
    await ctx.progress.link_promotion(promotion_id)
    if chosen is DeploymentMode.TEST:
        await mark_started(ctx, promotion_id, promotion.status, _S.TEST_DEPLOYING)
        return await deploy_to_test(ctx, promotion_id, options)
    if chosen is DeploymentMode.PACK_ASSIGNMENT:
        if not options.pack.chosen:
            raise InvalidRequest(
                "Choose the test Integration Pack (integrationPackId) or create one "
                "(createNewPack with newPackName).",
                field="integrationPackId",
            )
        await check_pack_choice(ctx, options.pack, PackPurpose.TEST, field="integrationPackId")
        return await assign_pack(ctx, promotion_id, options)
    await check_production_choices(ctx, promotion, options)
    await mark_started(ctx, promotion_id, promotion.status, _S.DEPLOYING)
    return await run_production_deployment(ctx, promotion_id, options)


async def authorize_deployment(
    ctx: ActionContext, promotion_id: str, mode: DeploymentMode | None
) -> tuple[PromotionLog, DeploymentMode]:
    """D's refusals, reading only: the mode the status calls for, and who may run it."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_promotion(uow, promotion_id)
        linked = await linked_test_promotion(uow, promotion)
    chosen = _check_mode(promotion, mode)
    if chosen is DeploymentMode.TEST:
        await require_dev_account(ctx, promotion.dev_account_id)
    else:
        _require_admin(ctx, chosen)
        if chosen is not DeploymentMode.PACK_ASSIGNMENT:
            check_segregation(ctx.principal.email, promotion, linked)
    return promotion, chosen


def _check_mode(promotion: PromotionLog, requested: DeploymentMode | None) -> DeploymentMode:
    status = promotion.status
    expected = mode_for(status, is_hotfix=promotion.is_hotfix)
    if expected is None or (requested is not None and requested is not expected):
        wanted = f"mode {int(requested)}" if requested is not None else "a deployment"
        raise Conflict(
            f"A promotion in status {status}{' (hotfix)' if promotion.is_hotfix else ''} "
            f"cannot start {wanted}.",
            error_code="INVALID_PROMOTION_STATUS",
            field="mode" if requested is not None else "promotionId",
            details={"currentStatus": str(status)},
        )
    return expected


def _require_admin(ctx: ActionContext, mode: DeploymentMode) -> None:
    if ctx.principal.tier is not Tier.ADMIN:
        raise Forbidden(
            f"Deployment mode {int(mode)} needs the ADMIN tier.", error_code="INSUFFICIENT_TIER"
        )


def check_segregation(
    approver: str, promotion: PromotionLog, linked_test: PromotionLog | None
) -> None:
    """403 ``SELF_APPROVAL_NOT_ALLOWED`` when the approving admin already took part.

    The initiator (of this record and of the test promotion it came from), the submitter and
    the peer reviewer may not approve or deploy it; e-mails compare case-insensitively.
    """
    role = segregation_conflict(
        approver,
        {
            "initiated this promotion": promotion.initiated_by,
            "initiated the test promotion": linked_test.initiated_by if linked_test else None,
            "submitted it for review": promotion.submitted_for_review_by,
            "promoted it from test": promotion.promoted_from_test_by,
            "peer-reviewed it": promotion.peer_reviewed_by,
        },
    )
    if role is not None:
        raise SelfApprovalNotAllowed(
            f"You {role}; another admin must approve and deploy it.", field="promotionId"
        )


async def check_production_choices(
    ctx: ActionContext, promotion: PromotionLog, options: DeploymentOptions
) -> None:
    """The production pack (and a hotfix's test pack) are chosen and usable; 400/404 if not."""
    if not options.pack.chosen and not promotion.integration_pack_id:
        raise InvalidRequest(
            "Choose the production Integration Pack (integrationPackId) or create one "
            "(createNewPack with newPackName).",
            field="integrationPackId",
        )
    await check_pack_choice(ctx, options.pack, PackPurpose.PRODUCTION, field="integrationPackId")
    await check_pack_choice(ctx, options.test_pack, PackPurpose.TEST, field="hotfixTestPackId")


async def check_pack_choice(
    ctx: ActionContext, choice: PackChoice, purpose: PackPurpose, *, field: str
) -> None:
    """An existing pack must exist and serve ``purpose``; a new production name must not look
    like a test pack's."""
    if choice.pack_id:
        pack = await get_pack(ctx.boomi, choice.pack_id, field=field)
        if pack_purpose(pack.name) is not purpose:
            raise InvalidRequest(
                f"Integration Pack '{pack.name}' is a {pack_purpose(pack.name).lower()} pack; "
                f"choose a {purpose.lower()} pack (test packs end with '{TEST_PACK_SUFFIX}').",
                field=field,
            )
    elif (
        choice.new_name
        and purpose is PackPurpose.PRODUCTION
        and pack_purpose(choice.new_name.strip()) is PackPurpose.TEST
    ):
        raise InvalidRequest(
            f"A production pack's name must not end with '{TEST_PACK_SUFFIX}'.",
            field="newPackName",
        )
