"""Moving a promotion through the status machine, one audited step at a time.

Every action that changes a promotion's status goes through :func:`change_status` (the table
in ``domain.statuses`` decides, the audit trail records who, from what, to what; a status that
discards the promotion puts its mappings back, see ``engine.mapping_history``) and every
terminal path that ends a branch's life goes through :func:`release_branch`.
"""

from __future__ import annotations

from typing import Any

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiError
from boomi_promo.domain.statuses import DISCARDING, PromotionStatus, require_transition
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.mapping_history import restore_discarded
from boomi_promo.engine.recovery import (
    MAX_ERROR_MESSAGE_CHARS,
    RECOVERY_PROCESS,
    SYSTEM_ACTOR,
    FailureRecord,
    delete_promotion_branch,
)
from boomi_promo.store import PromotionLog, UnitOfWork, UnitOfWorkFactory

log = structlog.get_logger("boomi_promo.engine")


async def load_for_update(uow: UnitOfWork, promotion_id: str) -> PromotionLog:
    """The promotion, locked for this unit of work; 404 ``PROMOTION_NOT_FOUND`` if unknown."""
    return await uow.promotions.require(promotion_id, lock=True)


async def change_status(
    uow: UnitOfWork,
    promotion: PromotionLog,
    target: PromotionStatus,
    *,
    actor: str,
    process_name: str,
    detail: dict[str, Any] | None = None,
    **fields: Any,
) -> None:
    """``promotion`` → ``target`` (409 ``INVALID_PROMOTION_STATUS`` unless the table allows it),
    setting ``fields`` on the record and appending the audit entry; a DISCARDING ``target``
    also restores the mappings the promotion wrote. The caller commits."""
    current = promotion.status
    require_transition(current, target)
    promotion.status = target
    for name, value in fields.items():
        if not hasattr(promotion, name):
            raise AttributeError(f"PromotionLog has no field {name}")
        setattr(promotion, name, value)
    await uow.promotions.update(promotion)
    await uow.audit.append(
        actor_email=actor,
        action=f"promotion.{target.value.lower()}",
        process_name=process_name,
        target_type="promotion",
        target_id=promotion.promotion_id,
        before_status=current,
        after_status=target,
        detail=detail,
    )
    if target in DISCARDING:
        await restore_discarded(uow, promotion, actor=actor, process_name=process_name)


async def release_branch(
    boomi: BoomiClient,
    uow_factory: UnitOfWorkFactory,
    promotion_id: str,
    *,
    actor: str,
    process_name: str,
) -> None:
    """Delete the promotion's branch (gone already counts as deleted) and clear its id.

    Called after the status change that ends the branch's use has been committed, so a crash
    in between leaves a branch the reconciler can find by its ``promo-`` name, never a
    promotion that points at a deleted branch while still claiming to use it.
    """
    async with uow_factory() as uow:
        promotion = await uow.promotions.get(promotion_id)
        branch_id = promotion.branch_id if promotion is not None else None
    await delete_promotion_branch(boomi, promotion_id, branch_id)
    async with uow_factory() as uow:
        promotion = await uow.promotions.get_for_update(promotion_id)
        if promotion is None or promotion.branch_id is None:
            return
        promotion.branch_id = None
        await uow.promotions.update(promotion)
        await uow.audit.append(
            actor_email=actor,
            action="promotion.branch_deleted",
            process_name=process_name,
            target_type="promotion",
            target_id=promotion_id,
            detail={"branchId": branch_id},
        )
        await uow.commit()


async def record_failure(
    uow_factory: UnitOfWorkFactory,
    promotion_id: str,
    failure: FailureRecord,
    *,
    actor: str,
    process_name: str,
) -> bool:
    """IN_PROGRESS → FAILED (reason, branch cleared, audited); ``False`` if not IN_PROGRESS."""
    async with uow_factory() as uow:
        promotion = await uow.promotions.get_for_update(promotion_id)
        if promotion is None or promotion.status != PromotionStatus.IN_PROGRESS:
            return False
        fields: dict[str, Any] = dict(failure.counts)
        if failure.result_detail is not None:
            fields["result_detail"] = failure.result_detail
        await change_status(
            uow,
            promotion,
            PromotionStatus.FAILED,
            actor=actor,
            process_name=process_name,
            detail={"reason": failure.reason[:MAX_ERROR_MESSAGE_CHARS]},
            error_message=failure.reason[:MAX_ERROR_MESSAGE_CHARS],
            branch_id=None,
            **fields,
        )
        await uow.commit()
    return True


async def compensate_interrupted_promotion(
    boomi: BoomiClient, uow_factory: UnitOfWorkFactory, promotion_id: str, *, reason: str
) -> None:
    """Undo an IN_PROGRESS promotion whose run stopped: branch deleted, status FAILED.

    Does nothing for a promotion that is not IN_PROGRESS (already ended), so running it twice
    is harmless. A Boomi failure while deleting the branch is raised and leaves the promotion
    IN_PROGRESS, so a later attempt can finish the job.
    """
    async with uow_factory() as uow:
        promotion = await uow.promotions.get(promotion_id)
        if promotion is None or promotion.status != PromotionStatus.IN_PROGRESS:
            return
        branch_id = promotion.branch_id
    await delete_promotion_branch(boomi, promotion_id, branch_id)
    ended = await record_failure(
        uow_factory,
        promotion_id,
        FailureRecord(reason=reason),
        actor=SYSTEM_ACTOR,
        process_name=RECOVERY_PROCESS,
    )
    if ended:
        log.warning("interrupted promotion compensated", promotion_id=promotion_id, reason=reason)


async def end_branch(ctx: ActionContext, promotion_id: str) -> bool:
    """:func:`release_branch` once the status change that ends the promotion is committed;
    ``True`` once no branch is left. A Boomi failure does not undo the decision already
    recorded: it is logged, the branch id stays on the record and the reconciler removes the
    ``promo-*`` branch no live promotion owns."""
    try:
        await release_branch(
            ctx.boomi,
            ctx.uow_factory,
            promotion_id,
            actor=ctx.principal.email,
            process_name=ctx.process_name,
        )
    except BoomiError as exc:
        ctx.log.warning(
            "branch not deleted; left for the reconciler",
            promotion_id=promotion_id,
            error_code=exc.error_code,
        )
        return False
    return True
