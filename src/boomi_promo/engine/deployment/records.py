"""The deployment's store steps: short units of work between Boomi calls (start, package
recorded, finish, fail).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from boomi_promo.boomi.errors import BoomiError
from boomi_promo.boomi.models import PackagedComponent
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import RecordedPackage, package_entry
from boomi_promo.engine.deployment.contents import PackageContent, linked_test_promotion
from boomi_promo.engine.deployment.rules import (
    MAIN_BRANCH,
    NothingToDeploy,
    PromotedComponents,
    promoted_components,
)
from boomi_promo.engine.lifecycle import change_status, load_for_update
from boomi_promo.engine.recovery import MAX_ERROR_MESSAGE_CHARS
from boomi_promo.errors import Conflict, PromoError, from_boomi_error
from boomi_promo.store import PromotionLog, UnitOfWork


def actor_of(ctx: ActionContext) -> str:
    return ctx.principal.email


def process_name_of(ctx: ActionContext) -> str:
    return ctx.process_name


async def load_promotion(uow: UnitOfWork, promotion_id: str) -> PromotionLog:
    return await uow.promotions.require(promotion_id)


async def promotion_and_components(
    ctx: ActionContext, promotion_id: str
) -> tuple[PromotionLog, PromotedComponents]:
    """The promotion now, and what it promoted (a PRODUCTION record: its test promotion's)."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_promotion(uow, promotion_id)
        components = promoted_components(promotion.detail, promotion.root_component_id)
        if components is None:
            linked = await linked_test_promotion(uow, promotion)
            if linked is not None:
                components = promoted_components(linked.detail, linked.root_component_id)
    if components is None:
        raise NothingToDeploy(
            "This promotion's results do not name its promoted root process; nothing to package."
        )
    return promotion, components


async def mark_started(
    ctx: ActionContext, promotion_id: str, seen: str, target: PromotionStatus
) -> None:
    """Move to ``target`` if the promotion is still in the status the checks saw."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        if promotion.status != seen:
            raise Conflict(
                f"The promotion moved to {promotion.status} meanwhile; nothing was changed.",
                error_code="INVALID_PROMOTION_STATUS",
                field="promotionId",
            )
        await change_status(
            uow,
            promotion,
            target,
            actor=actor_of(ctx),
            process_name=process_name_of(ctx),
            error_message=None,
        )
        await uow.commit()


async def finish_deployment(
    ctx: ActionContext,
    promotion_id: str,
    current: PromotionStatus,
    target: PromotionStatus,
    *,
    detail: dict[str, Any],
    **fields: Any,
) -> None:
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        if promotion.status != current:
            raise Conflict(
                f"The promotion is {promotion.status}, no longer {current}.",
                error_code="INVALID_PROMOTION_STATUS",
            )
        await change_status(
            uow,
            promotion,
            target,
            actor=actor_of(ctx),
            process_name=process_name_of(ctx),
            detail=detail or None,
            **fields,
        )
        await uow.commit()


async def set_fields(ctx: ActionContext, promotion_id: str, **fields: Any) -> None:
    """Record what a step produced (package, pack, release) without a status change."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        for name, value in fields.items():
            setattr(promotion, name, value)
        await uow.promotions.update(promotion)
        await uow.commit()


async def record_package(
    ctx: ActionContext,
    promotion_id: str,
    package: PackagedComponent,
    content: PackageContent,
    *,
    branch_name: str,
    is_root: bool,
) -> RecordedPackage:
    """Add the package to ``resultDetail["packages"]`` (the root's also as ``prodPackageId``)
    at once: continuity finds the components in it from now on. Entries from another branch
    (a production record starts with its test deployment's) are dropped."""
    if not package.package_id:
        raise LookupError("Boomi answered the package create without a packageId")
    recorded = RecordedPackage(
        package_id=package.package_id,
        component_id=content.component_id,
        package_version=str(package.package_version or ""),
        branch_name=branch_name,
        prod_component_ids=content.prod_component_ids,
    )
    async with ctx.unit_of_work() as uow:
        promotion = await load_for_update(uow, promotion_id)
        detail = promotion.detail
        kept = [
            entry
            for entry in detail.packages or ()
            if entry.get("branchName") == recorded.branch_name
            and entry.get("componentId") != recorded.component_id
        ]
        entry = package_entry(
            package_id=recorded.package_id,
            component_id=recorded.component_id,
            package_version=recorded.package_version,
            branch_name=recorded.branch_name,
            prod_component_ids=recorded.prod_component_ids,
        )
        detail = replace(detail, packages=(*kept, entry))
        if is_root:
            # Kept apart from ``packageVersion``, which the production packaging overwrites.
            if recorded.branch_name == MAIN_BRANCH:
                detail = replace(detail, production_package_version=recorded.package_version)
            else:
                detail = replace(detail, test_package_version=recorded.package_version)
        promotion.result_detail = detail.to_json()
        if is_root:
            promotion.prod_package_id = recorded.package_id
            promotion.package_version = recorded.package_version
        await uow.promotions.update(promotion)
        await uow.audit.append(
            actor_email=actor_of(ctx),
            action="promotion.packaged",
            process_name=process_name_of(ctx),
            target_type="promotion",
            target_id=promotion_id,
            detail={
                "packageId": recorded.package_id,
                "componentId": recorded.component_id,
                "packageVersion": recorded.package_version,
                "branchName": recorded.branch_name,
                **({"prodPackageId": recorded.package_id} if is_root else {}),
            },
        )
        await uow.commit()
    return recorded


async def end_failed(
    ctx: ActionContext,
    promotion_id: str,
    current: PromotionStatus,
    target: PromotionStatus,
    exc: Exception,
) -> PromoError:
    """End the deployment ``target`` with the reason; the error to raise to the caller."""
    if isinstance(exc, PromoError):
        error: PromoError = exc
    elif isinstance(exc, BoomiError):
        error = from_boomi_error(exc)
    else:
        ctx.log.exception("deployment stopped on an unexpected error")
        error = PromoError(
            f"The deployment stopped on an unexpected error ({type(exc).__name__}).",
            error_code="DEPLOYMENT_FAILED",
        )
        error.status_code = 500
    reason = error.message[:MAX_ERROR_MESSAGE_CHARS]
    branch_kept = False
    try:
        async with ctx.unit_of_work() as uow:
            promotion = await load_for_update(uow, promotion_id)
            if promotion.status == current:
                await change_status(
                    uow,
                    promotion,
                    target,
                    actor=actor_of(ctx),
                    process_name=process_name_of(ctx),
                    detail={"reason": reason, "errorCode": error.error_code},
                    error_message=reason,
                )
                await uow.commit()
            branch_kept = promotion.branch_id is not None
    except Exception:
        ctx.log.exception("could not record the failed deployment", promotion_id=promotion_id)
    ctx.log.warning("deployment failed", promotion_id=promotion_id, reason=reason)
    error.details.setdefault("promotionId", promotion_id)
    error.details.setdefault("newStatus", str(target))
    error.details.setdefault("branchPreserved", branch_kept)
    return error
