"""Abandoning a failed production deployment: DEPLOY_FAILED → DEPLOY_ABANDONED (admin only).

A DEPLOY_FAILED promotion is under review (``UNDER_REVIEW``): while it stands, no new promotion
of its root from that dev account may start. When its failure is for good (a merge conflict
nobody will resolve, a deleted pack, an approval that turned out wrong) an admin abandons it,
with a reason. That is safe only while main is untouched: once its merge reached main the
mappings name what main holds, so the only ways on are a retry (and, once DEPLOYED, a
rollback). Main counts as changed when the record says so (a ``promotion.merged`` audit entry,
a production release, mapping changes settled on main) or when Boomi shows a merge of its
branch that is under way or done (a merge that timed out may finish later).

Otherwise the promotion ends DEPLOY_ABANDONED in one transaction with its audit entry (who,
why) and the mappings it wrote put back (a DISCARDING status, ``engine.mapping_history``);
then its review branch is deleted, as after a withdrawal or a rejection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import MergeStage
from boomi_promo.domain.review_rules import require_status
from boomi_promo.domain.statuses import ABANDONABLE, PromotionStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.errors import DeploymentReachedMain
from boomi_promo.engine.lifecycle import change_status, end_branch
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.store import MappingChangeOutcome, PromotionLog, UnitOfWork
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE

_S = PromotionStatus
MERGED_ACTION = "promotion.merged"
"""The audit entry ``engine.deployment.production`` writes once a merge reached main."""
MERGE_UNDER_WAY_OR_DONE = frozenset({MergeStage.MERGING, MergeStage.MERGED})


@dataclass(frozen=True)
class Abandoned:
    promotion_id: str
    previous_status: PromotionStatus
    branch_deleted: bool


async def abandon_failed_deployment(
    ctx: ActionContext, promotion: PromotionLog, *, reason: str
) -> Abandoned:
    """End ``promotion`` (read by the caller, visible to it) DEPLOY_ABANDONED; 409 unless it is
    DEPLOY_FAILED with main untouched."""
    promotion_id = promotion.promotion_id
    _require_failed(promotion)
    async with ctx.unit_of_work() as uow:
        await _check_no_merge_recorded(uow, promotion)
    # Boomi is asked before the record is locked (no lock held across a Boomi call); a retry
    # started meanwhile moves the promotion to DEPLOYING, which the locked check refuses.
    await check_no_merge_in_boomi(ctx.boomi, promotion)
    async with ctx.unit_of_work() as uow:
        current = await uow.promotions.require(promotion_id, lock=True)
        _require_failed(current)
        await _check_no_merge_recorded(uow, current)
        previous = current.status
        await change_status(
            uow,
            current,
            _S.DEPLOY_ABANDONED,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
            detail={"reason": reason, "failure": current.error_message or ""},
        )
        await uow.commit()
    ctx.log.info("failed deployment abandoned", promotion_id=promotion_id)
    return Abandoned(promotion_id, previous, await end_branch(ctx, promotion_id))


def _require_failed(promotion: PromotionLog) -> None:
    require_status(
        promotion.status,
        ABANDONABLE,
        action="abandoning a deployment",
        promotion_id=promotion.promotion_id,
    )


def _reached_main(promotion: PromotionLog, what: str, details: dict[str, Any]) -> Exception:
    return DeploymentReachedMain(
        f"Promotion {promotion.promotion_id} cannot be abandoned: {what}, so main already "
        "holds (or is getting) its components and the mappings follow them. Retry the "
        "deployment instead (packageAndDeploy); once it is deployed it can be rolled back.",
        field="promotionId",
        details={"currentStatus": str(promotion.status), **details},
    )


async def _check_no_merge_recorded(uow: UnitOfWork, promotion: PromotionLog) -> None:
    if promotion.release_id:
        raise _reached_main(
            promotion,
            f"its production release {promotion.release_id} was made",
            {"releaseId": promotion.release_id},
        )
    page = 1
    while True:
        found = await uow.audit.list_entries(
            target_type="promotion",
            target_id=promotion.promotion_id,
            page=page,
            page_size=MAX_PAGE_SIZE,
        )
        merged = next((e for e in found.items if e.action == MERGED_ACTION), None)
        if merged is not None:
            raise _reached_main(
                promotion, "its merge into main was recorded", {"mergedAuditEntryId": merged.id}
            )
        if len(found.items) < MAX_PAGE_SIZE:
            break
        page += 1
    changes = await uow.mapping_changes.for_promotion(promotion.promotion_id)
    if any(c.outcome == MappingChangeOutcome.ON_MAIN for c in changes):
        raise _reached_main(promotion, "its mappings were marked on main", {})


async def check_no_merge_in_boomi(boomi: BoomiClient, promotion: PromotionLog) -> None:
    """409 ``DEPLOYMENT_REACHED_MAIN`` when Boomi shows a merge of the promotion's branch under
    way or done (the record may not know: the job may have stopped between the merge and its
    marks, or the merge timed out and goes on)."""
    branch_id = promotion.branch_id
    if branch_id is None:
        branch = await boomi.find_branch_by_name(branch_name_for(promotion.promotion_id))
        if branch is None:
            return
        branch_id = branch.id
    for request in await boomi.merge_requests_from(branch_id):
        if request.stage in MERGE_UNDER_WAY_OR_DONE:
            raise _reached_main(
                promotion,
                f"Boomi shows the merge of its branch into main {request.stage}",
                {"mergeRequestId": request.id, "mergeStage": str(request.stage)},
            )
