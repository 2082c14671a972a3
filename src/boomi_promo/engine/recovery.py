"""Ending a promotion FAILED with its branch deleted: after a failure, or after a crash.

Every branch the engine creates is named ``promo-{promotionId}``; the branch is looked up by
that name too, so a crash between creating it and recording its id leaves no orphan.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import Branch
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store import UnitOfWorkFactory

MAX_ERROR_MESSAGE_CHARS = 5000
SYSTEM_ACTOR = "system"
RECOVERY_PROCESS = "C · PROMO - Execute Promotion"

log = structlog.get_logger("boomi_promo.engine")


def branch_name_for(promotion_id: str) -> str:
    return f"promo-{promotion_id}"


@dataclass
class FailureRecord:
    """What the FAILED log says besides its status."""

    reason: str
    result_detail: dict[str, Any] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    """``components_created`` / ``components_updated`` / ``components_failed`` to store."""


async def find_created_branch(
    boomi: BoomiClient,
    name: str,
    *,
    look_until: float,
    interval_seconds: float,
) -> Branch | None:
    """The live branch named ``name``, looked for until ``look_until`` (``time.monotonic()``):
    for a branch whose create got no answer, which a Branch QUERY may not list yet."""
    while True:
        branch = await boomi.find_branch_by_name(name)
        remaining = look_until - time.monotonic()
        if branch is not None or remaining <= 0:
            return branch
        await asyncio.sleep(min(interval_seconds, remaining))


async def delete_promotion_branch(
    boomi: BoomiClient,
    promotion_id: str,
    branch_id: str | None,
    *,
    look_until: float = 0.0,
    interval_seconds: float = 1.0,
) -> None:
    """Delete the promotion's branch (by id, else by its name); gone already counts as deleted.

    By name, the branch is looked for until ``look_until`` (``time.monotonic()``; by default
    once): a branch created moments ago may not be listed by a Branch QUERY yet.
    """
    if branch_id is None:
        branch = await find_created_branch(
            boomi,
            branch_name_for(promotion_id),
            look_until=look_until,
            interval_seconds=interval_seconds,
        )
        if branch is None:
            return
        branch_id = branch.id
    await boomi.delete_branch(branch_id)


async def record_failure(
    uow_factory: UnitOfWorkFactory,
    promotion_id: str,
    failure: FailureRecord,
    *,
    actor: str,
    process_name: str,
) -> bool:
    """IN_PROGRESS → FAILED (reason, branch cleared, audited); ``False`` if not IN_PROGRESS."""
    # Imported here: lifecycle deletes branches with this module's helpers.
    from boomi_promo.engine.lifecycle import change_status

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
