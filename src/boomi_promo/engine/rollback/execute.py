"""Doing it: check, write ahead, release, record; and finishing one a crash interrupted."""

from __future__ import annotations

import uuid
from dataclasses import replace

from boomi_promo.boomi.errors import BoomiError
from boomi_promo.engine.branches import BranchHandle
from boomi_promo.engine.concurrency import check_no_promotion_in_review
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.rules import AUDIT_PAGE_SIZE, RELEASE_REQUESTED
from boomi_promo.engine.recovery import branch_name_for
from boomi_promo.engine.rollback.errors import typed_failure
from boomi_promo.engine.rollback.history import (
    PROMOTION_ROLLED_BACK,
    ROLLBACK_FAILED,
    ROLLBACK_STARTED,
)
from boomi_promo.engine.rollback.intent import RollbackIntent, RollbackOutcome
from boomi_promo.engine.rollback.plan import RollbackPlan
from boomi_promo.engine.rollback.record import abandon, record_rollback
from boomi_promo.engine.rollback.release import release_previous
from boomi_promo.engine.rollback.restore_branch import check_branch_room, prepare_restore_branch


async def execute_rollback(
    ctx: ActionContext, plan: RollbackPlan, *, reason: str | None = None
) -> RollbackOutcome:
    """Do what ``plan`` says (see the module docstring); typed errors, audited failures."""
    await ctx.progress.link_promotion(plan.current.promotion_id)
    if plan.restore:
        await _check_no_review_under_way(ctx, plan)
    restore_id = str(uuid.uuid4()) if plan.restore else ""
    handle = BranchHandle(branch_name_for(restore_id))
    intent = RollbackIntent.of(
        plan, restore_id=restore_id, branch_id="", restored=(), reason=reason
    )
    try:
        if plan.restore:
            try:
                await check_branch_room(ctx)
                restored, branch_id = await prepare_restore_branch(ctx, plan, restore_id, handle)
            except BoomiError as exc:
                raise typed_failure(exc, "RESTORE_FAILED", "preparing the restore branch") from exc
            intent = replace(intent, branch_id=branch_id, restored=restored)
        await _write_ahead(ctx, intent)
        try:
            release_id, status = await release_previous(ctx, intent)
        except BoomiError as exc:
            raise typed_failure(exc, "RELEASE_FAILED", "releasing the previous version") from exc
    except Exception as exc:
        await abandon(ctx, intent, handle, exc)
        raise
    try:
        await record_rollback(ctx, intent, release_id)
    except Exception as exc:
        await abandon(ctx, intent, handle, exc)
        raise
    return RollbackOutcome(
        release_id=release_id,
        release_status=status,
        restore_promotion_id=restore_id,
        restore_branch_id=intent.branch_id,
        restore_branch_name=branch_name_for(restore_id) if restore_id else "",
        restored=intent.restored,
    )


async def _check_no_review_under_way(ctx: ActionContext, plan: RollbackPlan) -> None:
    """The restore promotion enters review: none of the root may be under review already."""
    async with ctx.unit_of_work() as uow:
        previous = await uow.promotions.get(plan.previous.promotion_id)
        if previous is not None:
            await check_no_promotion_in_review(
                uow,
                previous.dev_account_id,
                previous.root_component_id,
                doing="restoring main through a review",
            )


async def _write_ahead(ctx: ActionContext, intent: RollbackIntent) -> None:
    async with ctx.unit_of_work() as uow:
        await uow.audit.append(
            actor_email=ctx.principal.email,
            action=ROLLBACK_STARTED,
            process_name=ctx.process_name,
            target_type="promotion",
            target_id=intent.current_promotion_id,
            detail=intent.to_json(),
        )
        await uow.commit()


async def resume_rollback(ctx: ActionContext, promotion_id: str) -> bool:
    """Finish a rollback of ``promotion_id`` whose run stopped after writing ahead: release
    (unless Boomi's pack shows it done, or the release request is on record) and record; on
    a failure, the restore branch goes and ``rollback.failed`` is audited. ``False`` when
    there was nothing to finish."""
    async with ctx.unit_of_work() as uow:
        entries = await uow.audit.list_entries(
            target_type="promotion", target_id=promotion_id, page_size=AUDIT_PAGE_SIZE
        )
    started = [e for e in entries.items if e.action == ROLLBACK_STARTED]
    if not started:
        return False
    last = started[-1]
    ended = any(
        e.action in (PROMOTION_ROLLED_BACK, ROLLBACK_FAILED) and e.id > last.id
        for e in entries.items
    )
    if ended:
        return False
    intent = RollbackIntent.from_json(last.detail or {})
    try:
        release_id = await _release_on_record(ctx, intent, after=last.id)
        if release_id is None:
            pack = await ctx.boomi.get_publisher_integration_pack(intent.pack_id)
            member = pack.component(intent.prod_root_id)
            running = member.current_version if member is not None else None
            release_id = (
                ""
                if running == intent.previous_version
                else (await release_previous(ctx, intent))[0]
            )
        await record_rollback(ctx, intent, release_id)
    except Exception as exc:
        # The restore branch was made before writing ahead: its create was answered.
        handle = BranchHandle(
            branch_name_for(intent.restore_id),
            requested_at=0.0 if intent.branch_id else None,
            branch_id=intent.branch_id or None,
        )
        await abandon(ctx, intent, handle, exc)
        raise
    ctx.log.warning("interrupted rollback finished", promotion_id=promotion_id)
    return True


async def _release_on_record(
    ctx: ActionContext, intent: RollbackIntent, *, after: int
) -> str | None:
    """The id of this rollback's release request if the audit trail has it."""
    async with ctx.unit_of_work() as uow:
        entries = await uow.audit.list_entries(
            target_type="promotion",
            target_id=intent.previous_promotion_id,
            page_size=AUDIT_PAGE_SIZE,
        )
    for entry in reversed(entries.items):
        detail = entry.detail or {}
        if (
            entry.id > after
            and entry.action == RELEASE_REQUESTED
            and detail.get("rollbackOf") == intent.current_promotion_id
        ):
            return str(detail.get("releaseId") or "")
    return None
