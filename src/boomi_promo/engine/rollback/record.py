"""The record: the rolled-back promotion marked, the restore promotion written; or, on
failure, the restore branch removed and the failure audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from boomi_promo.boomi.errors import BoomiError
from boomi_promo.domain.result_detail import ComponentOutcome, ResultDetail
from boomi_promo.domain.review_rules import LIVE_PRODUCTION_STATUSES
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.branches import BranchHandle
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.rules import ReleaseType
from boomi_promo.engine.lifecycle import change_status, load_for_update
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.engine.rollback.errors import AlreadyRolledBack
from boomi_promo.engine.rollback.history import PRODUCTION, PROMOTION_ROLLED_BACK, ROLLBACK_FAILED
from boomi_promo.engine.rollback.intent import RollbackIntent
from boomi_promo.engine.rollback.plan import RestoreItem
from boomi_promo.errors import PromoError
from boomi_promo.store import PromotionLog

_S = PromotionStatus


async def record_rollback(ctx: ActionContext, intent: RollbackIntent, release_id: str) -> None:
    """Mark the rolled-back promotion (a test deployment: TEST_CANCELLED) and, in Production,
    record the restore promotion."""
    actor = ctx.principal.email
    now = datetime.now(UTC)
    before = {"promotionId": intent.current_promotion_id, "packageVersion": intent.current_version}
    after = {"promotionId": intent.previous_promotion_id, "packageVersion": intent.previous_version}
    async with ctx.unit_of_work() as uow:
        current = await load_for_update(uow, intent.current_promotion_id)
        detail = current.detail
        if detail.rolled_back is not None:
            raise AlreadyRolledBack(
                f"Promotion {current.promotion_id} was rolled back by someone else meanwhile.",
                field="processName",
            )
        current.result_detail = replace(
            detail,
            rolled_back={
                "at": now.isoformat(),
                "by": actor,
                "environment": intent.environment.value,
                "releaseId": release_id,
                "restoredReleaseOf": intent.previous_promotion_id,
                "restorePromotionId": intent.restore_id,
                "reason": intent.reason,
            },
        ).to_json()
        await uow.promotions.update(current)
        await uow.audit.append(
            actor_email=actor,
            action=PROMOTION_ROLLED_BACK,
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=current.promotion_id,
            detail={
                "environment": intent.environment.value,
                "integrationPackId": intent.pack_id,
                "integrationPackName": intent.pack_name,
                "releaseId": release_id,
                "before": before,
                "after": after,
                "restorePromotionId": intent.restore_id,
                "reason": intent.reason,
            },
        )
        if intent.environment is ReleaseType.TEST and current.status == _S.TEST_DEPLOYED:
            # Test no longer runs it: it is not a test deployment to take to production. One a
            # live production promotion was made from stays (that one ships its own branch).
            linked = await uow.promotions.query(
                test_promotion_id=current.promotion_id,
                statuses=LIVE_PRODUCTION_STATUSES,
                page_size=1,
            )
            if not linked.items:
                await change_status(
                    uow,
                    current,
                    _S.TEST_CANCELLED,
                    actor=actor,
                    process_name=ctx.process_name,
                    detail={"reason": "rolled back", "releaseId": release_id},
                )
        if intent.restore_id:
            previous = await load_for_update(uow, intent.previous_promotion_id)
            await uow.promotions.add(_restore_record(actor, intent, previous, release_id, now))
            await uow.audit.append(
                actor_email=actor,
                action=f"promotion.{_S.PENDING_PEER_REVIEW.value.lower()}",
                process_name=ctx.process_name,
                target_type="promotion",
                target_id=intent.restore_id,
                after_status=_S.PENDING_PEER_REVIEW,
                detail={
                    "rollbackOf": intent.current_promotion_id,
                    "restores": intent.previous_promotion_id,
                    "branchId": intent.branch_id,
                    "before": {"mainVersions": _versions(intent.restored, "main_version")},
                    "after": {"branchVersions": _versions(intent.restored, "restored_version")},
                },
            )
        await uow.commit()
    ctx.log.info(
        "process rolled back",
        process=intent.process_name,
        environment=intent.environment.value,
        release_id=release_id,
        restore_promotion_id=intent.restore_id or None,
    )


def _versions(items: Iterable[RestoreItem], field: str) -> dict[str, Any]:
    return {item.prod_component_id: getattr(item, field) for item in items}


def _restore_record(
    actor: str,
    intent: RollbackIntent,
    previous: PromotionLog,
    release_id: str,
    now: datetime,
) -> PromotionLog:
    """The restore promotion: a PRODUCTION promotion of the previous content, under review."""
    reason = intent.reason
    notes = (
        f"Rollback of {intent.process_name}: restores main to the content released by promotion "
        f"{intent.previous_promotion_id} (package version {intent.previous_version}), replacing "
        f"promotion {intent.current_promotion_id}." + (f" Reason: {reason}" if reason else "")
    )
    return PromotionLog(
        promotion_id=intent.restore_id,
        dev_account_id=previous.dev_account_id,
        dev_account_name=previous.dev_account_name,
        prod_account_id=previous.prod_account_id,
        dev_package_id=previous.dev_package_id,
        root_component_id=previous.root_component_id,
        process_name=previous.process_name,
        initiated_by=actor,
        initiated_at=now,
        status=_S.PENDING_PEER_REVIEW,
        target_environment=PRODUCTION,
        components_total=len(intent.restored),
        components_updated=len(intent.restored),
        result_detail=ResultDetail(
            promotion_results=tuple(
                ComponentOutcome(
                    dev_component_id=item.dev_component_id,
                    prod_component_id=item.prod_component_id,
                    component_name=item.component_name,
                    component_type=item.component_type,
                    action="UPDATED",
                    version=item.restored_version or 0,
                )
                for item in intent.restored
            ),
            deployment_notes=notes,
            rollback={
                "rollbackOf": intent.current_promotion_id,
                "restores": intent.previous_promotion_id,
                "packageVersion": intent.previous_version,
                "releaseId": release_id,
                "reason": reason,
            },
        ).to_json(),
        branch_id=intent.branch_id,
        branch_name=branch_name_for(intent.restore_id),
        submitted_for_review_by=actor,
        submitted_for_review_at=now,
        integration_pack_id=intent.pack_id,
        integration_pack_name=intent.pack_name,
    )


async def abandon(
    ctx: ActionContext, intent: RollbackIntent, handle: BranchHandle, exc: Exception
) -> None:
    """After a failure: the restore branch goes (by the id its create answered with, else by
    name), the failure is audited."""
    try:
        await handle.delete(ctx.boomi, ctx.settings.boomi)
    except BoomiError:
        ctx.log.exception("restore branch left for the reconciler", branch=handle.name)
    error_code = exc.error_code if isinstance(exc, PromoError) else type(exc).__name__
    message = exc.message if isinstance(exc, PromoError) else str(exc)
    try:
        async with ctx.unit_of_work() as uow:
            await uow.audit.append(
                actor_email=ctx.principal.email,
                action=ROLLBACK_FAILED,
                process_name=ctx.process_name,
                target_type="promotion",
                target_id=intent.current_promotion_id,
                detail={
                    "environment": intent.environment.value,
                    "errorCode": error_code,
                    "reason": message[:1000],
                    "rollbackTo": intent.previous_promotion_id,
                },
            )
            await uow.commit()
    except Exception:
        ctx.log.exception("could not audit the failed rollback")
