"""Production only: the restore branch, made from main with the previous release's content."""

from __future__ import annotations

from dataclasses import replace

from boomi_promo.boomi.errors import BoomiError
from boomi_promo.engine.branches import (
    MAIN_BRANCH,
    BranchHandle,
    count_branches,
    source_branch_name,
)
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.errors import BranchLimitReached
from boomi_promo.engine.rollback.plan import RestoreItem, RollbackPlan


async def check_branch_room(ctx: ActionContext) -> None:
    """Room for one branch at a time (a temporary one, then the restore branch)."""
    limit = ctx.settings.boomi.branch_soft_limit
    count = await count_branches(ctx.boomi)
    if count + 1 > limit:
        raise BranchLimitReached(
            f"The primary account has {count} branches (the limit is {limit}); the restore "
            "promotion needs one more. Finish or withdraw pending promotions first.",
            details={"branchCount": count, "branchLimit": limit},
        )


async def prepare_restore_branch(
    ctx: ActionContext, plan: RollbackPlan, restore_id: str, handle: BranchHandle
) -> tuple[tuple[RestoreItem, ...], str]:
    """The restore branch, holding the previous release's content as new versions."""
    settings = ctx.settings.boomi
    main = await ctx.boomi.find_branch_by_name(MAIN_BRANCH)
    if main is None:
        raise LookupError("the primary account has no main branch")
    contents: dict[str, bytes] = {}
    for number, package in enumerate(plan.restore_packages, start=1):
        await ctx.progress.report(
            step="restore",
            current=number,
            total=len(plan.restore_packages),
            message=f"Reading package {package.package_id} of the previous release",
        )
        wanted = [i.prod_component_id for i in plan.restore if i.package_id == package.package_id]
        name = source_branch_name(restore_id, number)
        temporary = await ctx.boomi.create_branch(
            name,
            parent_id=main.id,
            package_id=package.package_id,
            description=f"Package {package.package_id} for the rollback {restore_id}",
        )
        try:
            await ctx.boomi.wait_for_branch_ready(
                temporary.id,
                timeout_seconds=settings.branch_ready_timeout_seconds,
                interval_seconds=settings.poll_interval_seconds,
            )
            for component_id in wanted:
                old = await ctx.boomi.get_component(component_id, branch_id=temporary.id)
                contents[component_id] = old.xml
        finally:
            await _delete_temporary(ctx, temporary.id, name)
    handle.requested()
    branch = await ctx.boomi.create_branch(
        handle.name,
        parent_id=main.id,
        description=f"Rollback of {plan.process_name} to promotion {plan.previous.promotion_id}",
    )
    await handle.created(branch)
    await ctx.boomi.wait_for_branch_ready(
        branch.id,
        timeout_seconds=settings.branch_ready_timeout_seconds,
        interval_seconds=settings.poll_interval_seconds,
    )
    restored: list[RestoreItem] = []
    for number, item in enumerate(plan.restore, start=1):
        await ctx.progress.report(
            step="restore",
            current=number,
            total=len(plan.restore),
            message=f"Writing {item.component_name or item.prod_component_id} on the branch",
        )
        written = await ctx.boomi.update_component(
            item.prod_component_id, contents[item.prod_component_id], branch_id=branch.id
        )
        restored.append(replace(item, restored_version=written.version))
    return tuple(restored), branch.id


async def _delete_temporary(ctx: ActionContext, branch_id: str, name: str) -> None:
    # A failure here must not hide the error that brought us here; the name tells the
    # reconciler whose branch it is.
    try:
        await ctx.boomi.delete_branch(branch_id)
    except BoomiError:
        ctx.log.warning("temporary branch not deleted; left for the reconciler", branch=name)
