"""Mode 1, Dev → Test: packages from the promotion branch, the Test pack from history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import RecordedPackage, recorded_packages
from boomi_promo.engine.deployment.contents import PackageContent, Shipment, package_contents
from boomi_promo.engine.deployment.records import (
    actor_of,
    end_failed,
    finish_deployment,
    process_name_of,
    promotion_and_components,
    record_package,
)
from boomi_promo.engine.deployment.releases import release_pack
from boomi_promo.engine.deployment.requests import (
    ChosenPack,
    DeploymentOptions,
    DeploymentOutcome,
    RequestedRelease,
)
from boomi_promo.engine.deployment.rules import (
    HISTORY_PAGE_SIZE,
    MAIN_BRANCH,
    DeploymentMode,
    NothingToDeploy,
    PromotedComponents,
    ReleaseType,
)
from boomi_promo.engine.lifecycle import release_branch
from boomi_promo.store import PromotionLog, UnitOfWork

_S = PromotionStatus


async def deploy_to_test(
    ctx: ActionContext, promotion_id: str, options: DeploymentOptions
) -> DeploymentOutcome:
    outcome = DeploymentOutcome(promotion_id, DeploymentMode.TEST, _S.TEST_DEPLOYING)
    bound = ctx.log.bind(promotion_id=promotion_id, mode=1)
    try:
        promotion, components = await promotion_and_components(ctx, promotion_id)
        await ctx.progress.report(step="package", message="Packaging from the promotion branch")
        shipment = await _package_from_branch(ctx, promotion, components, options)
        outcome.package_id = shipment.root.package_id
        outcome.package_version = shipment.root.package_version
        await release_branch(
            ctx.boomi,
            ctx.uow_factory,
            promotion_id,
            actor=actor_of(ctx),
            process_name=process_name_of(ctx),
        )
        await ctx.progress.report(step="pack", message="Looking for the test pack in history")
        pack = await test_pack_from_history(ctx, promotion)
        if pack is None:
            await finish_deployment(
                ctx, promotion_id, _S.TEST_DEPLOYING, _S.PENDING_PACK_ASSIGNMENT, detail={}
            )
            outcome.status = _S.PENDING_PACK_ASSIGNMENT
            outcome.needs_pack_assignment = True
            bound.info("test deployment waits for a pack", package_id=outcome.package_id)
            return outcome
        outcome.auto_detected_pack_id = pack.pack_id
        await ctx.progress.report(step="release", message=f"Releasing {pack.name}")
        release = await release_pack(ctx, promotion_id, ReleaseType.TEST, pack, shipment)
    except Exception as exc:
        raise await end_failed(
            ctx, promotion_id, _S.TEST_DEPLOYING, _S.TEST_DEPLOY_FAILED, exc
        ) from exc
    finished = await finish_test_release(
        ctx, promotion_id, _S.TEST_DEPLOYING, pack, release, outcome
    )
    bound.info("deployed to test", pack=pack.name, release_id=release.request_id)
    return finished


async def finish_test_release(
    ctx: ActionContext,
    promotion_id: str,
    current: PromotionStatus,
    pack: ChosenPack,
    release: RequestedRelease,
    outcome: DeploymentOutcome,
) -> DeploymentOutcome:
    """``current`` → TEST_DEPLOYED once ``release`` of ``pack`` is requested (modes 1 and 4)."""
    await finish_deployment(
        ctx,
        promotion_id,
        current,
        _S.TEST_DEPLOYED,
        detail={"testIntegrationPackId": pack.pack_id, "testReleaseId": release.request_id},
        test_integration_pack_id=pack.pack_id,
        test_integration_pack_name=pack.name,
        test_release_id=release.request_id,
        test_deployed_at=datetime.now(UTC),
        error_message=None,
    )
    return replace(
        outcome,
        status=_S.TEST_DEPLOYED,
        test_integration_pack_id=pack.pack_id,
        test_integration_pack_name=pack.name,
        test_release_id=release.request_id,
        test_release_status=release.status,
    )


async def _package_from_branch(
    ctx: ActionContext,
    promotion: PromotionLog,
    components: PromotedComponents,
    options: DeploymentOptions,
) -> Shipment:
    """The test packages: made from the branch now, or those an earlier attempt recorded.

    The root's package is made last, so a recorded ``prodPackageId`` means all were made.
    """
    if promotion.prod_package_id:
        return recorded_shipment(promotion, components)
    if not promotion.branch_id or not promotion.branch_name:
        raise NothingToDeploy(
            "The promotion's branch is gone and nothing was packaged from it; promote again."
        )
    contents = await package_contents(ctx.boomi, components, branch_id=promotion.branch_id)
    return await make_packages(ctx, promotion, contents, options, branch_name=promotion.branch_name)


def recorded_shipment(promotion: PromotionLog, components: PromotedComponents) -> Shipment:
    """The packages the promotion recorded, the root's (``prodPackageId``) first."""
    packages = [
        p if p.component_id else replace(p, component_id=components.prod_root_id)
        for p in recorded_packages(promotion)
    ]
    root = [p for p in packages if p.package_id == promotion.prod_package_id]
    if not root:
        raise NothingToDeploy("This promotion has no package recorded for its root process.")
    return Shipment([*root, *(p for p in packages if p.package_id != promotion.prod_package_id)])


async def make_packages(
    ctx: ActionContext,
    promotion: PromotionLog,
    contents: list[PackageContent],
    options: DeploymentOptions,
    *,
    branch_name: str,
) -> Shipment:
    """A shareable package of each content from ``branch_name``, reusing those an earlier
    attempt made from the same branch; the root's (``contents[0]``) last."""
    earlier = {
        p.component_id: p for p in recorded_packages(promotion) if p.branch_name == branch_name
    }
    made: dict[str, RecordedPackage] = {}
    for content in [*contents[1:], contents[0]]:
        package = earlier.get(content.component_id)
        if package is None:
            created = await ctx.boomi.create_packaged_component(
                content.component_id,
                package_version=options.package_version,
                notes=options.notes,
                branch_name=None if branch_name == MAIN_BRANCH else branch_name,
                shareable=True,
                component_type=content.component_type,
            )
            package = await record_package(
                ctx,
                promotion.promotion_id,
                created,
                content,
                branch_name=branch_name,
                is_root=content is contents[0],
            )
        made[content.component_id] = package
    return Shipment([made[content.component_id] for content in contents])


async def test_pack_from_history(ctx: ActionContext, promotion: PromotionLog) -> ChosenPack | None:
    """This record's own test pack (a retry), else the one of the latest test deployment of
    the same process; ``None`` when there is none or it no longer exists."""
    pack_id = promotion.test_integration_pack_id
    if not pack_id:
        async with ctx.unit_of_work() as uow:
            previous = await latest_test_deployment(uow, promotion)
        pack_id = previous.test_integration_pack_id if previous is not None else None
    if not pack_id:
        return None
    try:
        found = await ctx.boomi.get_publisher_integration_pack(pack_id)
    except BoomiNotFoundError:
        ctx.log.warning("the test pack from history is gone", pack_id=pack_id)
        return None
    return ChosenPack(found.id, found.name)


async def latest_test_deployment(uow: UnitOfWork, promotion: PromotionLog) -> PromotionLog | None:
    """The newest TEST_DEPLOYED promotion with a test pack of the same process, other than
    ``promotion`` itself: the same root from the same dev account, else (a process recreated
    under its old name) the same name from the same dev account. Another account's process
    of the same name is another process: its pack is not this one's."""
    by_root = await uow.promotions.query(
        statuses=[_S.TEST_DEPLOYED],
        dev_account_id=promotion.dev_account_id,
        root_component_id=promotion.root_component_id,
        page_size=HISTORY_PAGE_SIZE,
    )
    by_name = (
        await uow.promotions.query(
            statuses=[_S.TEST_DEPLOYED],
            dev_account_id=promotion.dev_account_id,
            process_name=promotion.process_name,
            page_size=HISTORY_PAGE_SIZE,
        )
        if promotion.process_name
        else None
    )
    for found in (by_root, by_name):
        for candidate in found.items if found is not None else []:
            if candidate.promotion_id != promotion.promotion_id and (
                candidate.test_integration_pack_id
            ):
                return candidate
    return None
