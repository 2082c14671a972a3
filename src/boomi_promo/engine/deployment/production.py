"""Modes 2 and 3, Test → Production and hotfix: merge into main, mark the mappings on main,
package from main, release (a hotfix to Test as well).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from boomi_promo.boomi.errors import BoomiError
from boomi_promo.domain.result_detail import ComponentOutcome
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.branches import merge_branch
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.deployment.contents import (
    Shipment,
    current_versions,
    linked_test_promotion,
    package_contents,
)
from boomi_promo.engine.deployment.records import (
    actor_of,
    end_failed,
    load_promotion,
    process_name_of,
    promotion_and_components,
    set_fields,
)
from boomi_promo.engine.deployment.releases import pack_for, release_pack
from boomi_promo.engine.deployment.requests import DeploymentOptions, DeploymentOutcome, PackChoice
from boomi_promo.engine.deployment.rules import (
    MAIN_BRANCH,
    DeploymentMode,
    PackPurpose,
    PromotedComponents,
    ReleaseType,
    promoted_components,
)
from boomi_promo.engine.deployment.to_test import make_packages, test_pack_from_history
from boomi_promo.engine.extension_access import refresh_after_deployment
from boomi_promo.engine.lifecycle import change_status, load_for_update, release_branch
from boomi_promo.engine.mapping_history import mark_reached_main
from boomi_promo.engine.promoted_forms import FORMS_KEY, record_merged_forms
from boomi_promo.errors import PromoError
from boomi_promo.store import PromotionLog, UnitOfWork

_S = PromotionStatus


async def start_production_deployment(
    uow: UnitOfWork, promotion: PromotionLog, *, actor: str, process_name: str
) -> None:
    """ADMIN_APPROVED or DEPLOY_FAILED → DEPLOYING, in the caller's unit of work."""
    await change_status(uow, promotion, _S.DEPLOYING, actor=actor, process_name=process_name)


async def run_production_deployment(
    ctx: ActionContext, promotion_id: str, options: DeploymentOptions
) -> DeploymentOutcome:
    """Mode 2 or 3 on a DEPLOYING promotion: merge, package from main, release, DEPLOYED."""
    async with ctx.unit_of_work() as uow:
        promotion = await load_promotion(uow, promotion_id)
    mode = DeploymentMode.HOTFIX if promotion.is_hotfix else DeploymentMode.PRODUCTION
    outcome = DeploymentOutcome(promotion_id, mode, _S.DEPLOYING)
    bound = ctx.log.bind(promotion_id=promotion_id, mode=int(mode))
    try:
        promotion, components = await promotion_and_components(ctx, promotion_id)
        # The pack first: once recorded, a retry after a failed merge needs no choice again.
        choice = options.pack
        if not choice.chosen and promotion.integration_pack_id:
            choice = PackChoice(pack_id=promotion.integration_pack_id)
        pack = await pack_for(ctx, promotion_id, choice, PackPurpose.PRODUCTION)
        merged: frozenset[str] | None = None
        forms: _MergedForms | None = None
        if promotion.branch_id:
            forms = await _forms_before_merge(ctx, promotion)
            await ctx.progress.report(step="merge", message="Merging the branch into main")
            merged = await _merge_into_main(ctx, promotion)
        # Reads every promoted component's current version on main (fails if one is missing).
        contents = await package_contents(ctx.boomi, components, branch_id=None)
        main_now = await _versions_after_merge(ctx, components) if merged is not None else None
        await _mark_on_main(ctx, promotion, merged, main_now)
        if forms is not None and main_now is not None:
            await _record_merged_forms(ctx, promotion, forms, main_now)
        await ctx.progress.report(step="package", message="Packaging from main")
        shipment = await make_packages(ctx, promotion, contents, options, branch_name=MAIN_BRANCH)
        outcome.package_id = package_id = shipment.root.package_id
        outcome.package_version = shipment.root.package_version
        await ctx.progress.report(step="release", message=f"Releasing {pack.name}")
        release = await release_pack(ctx, promotion_id, ReleaseType.PRODUCTION, pack, shipment)
        await set_fields(ctx, promotion_id, release_id=release.request_id)
    except Exception as exc:
        raise await end_failed(ctx, promotion_id, _S.DEPLOYING, _S.DEPLOY_FAILED, exc) from exc
    outcome.integration_pack_id, outcome.integration_pack_name = pack.pack_id, pack.name
    outcome.release_id, outcome.release_status = release.request_id, release.status
    if mode is DeploymentMode.HOTFIX:
        await _release_hotfix_to_test(ctx, promotion, shipment, options, outcome)
    async with ctx.unit_of_work() as uow:
        current = await load_for_update(uow, promotion_id)
        await change_status(
            uow,
            current,
            _S.DEPLOYED,
            actor=actor_of(ctx),
            process_name=process_name_of(ctx),
            detail={
                "integrationPackId": pack.pack_id,
                "releaseId": release.request_id,
                "prodPackageId": package_id,
            },
            integration_pack_id=pack.pack_id,
            integration_pack_name=pack.name,
            release_id=release.request_id,
            error_message=outcome.test_release_error or None,
        )
        await uow.commit()
    outcome.status = _S.DEPLOYED
    await release_branch(
        ctx.boomi,
        ctx.uow_factory,
        promotion_id,
        actor=actor_of(ctx),
        process_name=process_name_of(ctx),
    )
    # SPEC §7: new components may now appear in client extensions; refresh who may edit them
    # (never fails the deployment: errors are logged and audited).
    await refresh_after_deployment(
        ctx.boomi, ctx.uow_factory, promotion_id=promotion_id, actor=actor_of(ctx)
    )
    bound.info("deployed to production", pack=pack.name, release_id=release.request_id)
    return outcome


@dataclass(frozen=True)
class _MergedForms:
    """What a merge will bring to main, for :mod:`~boomi_promo.engine.promoted_forms`."""

    results: tuple[ComponentOutcome, ...]
    keys: Mapping[str, str]
    branch_versions: Mapping[str, int]


async def _forms_before_merge(ctx: ActionContext, promotion: PromotionLog) -> _MergedForms | None:
    """The promoted forms the branch holds, with each written component's version there now
    (read before the merge: a component edited on the branch since is not the promotion's form).
    ``None`` when the promotion recorded no forms, or the read failed (nothing is recorded:
    the next promotion compares by reading)."""
    async with ctx.unit_of_work() as uow:
        current = await load_promotion(uow, promotion.promotion_id)
        writer = current
        if promoted_components(current.detail, current.root_component_id) is None:
            writer = await linked_test_promotion(uow, current) or current
    keys = writer.detail.other.get(FORMS_KEY)
    if not isinstance(keys, Mapping) or not keys:
        return None
    results = writer.detail.promotion_results
    written = [r.prod_component_id for r in results if r.held and r.action != "UNCHANGED"]
    try:
        versions = await current_versions(ctx.boomi, written, branch_id=promotion.branch_id)
    except BoomiError as exc:
        ctx.log.warning("promoted forms not recorded", error=exc.message)
        return None
    return _MergedForms(tuple(results), {str(k): str(v) for k, v in keys.items()}, versions)


async def _versions_after_merge(
    ctx: ActionContext, components: PromotedComponents
) -> dict[str, int] | None:
    """Each promoted component's version on main right after the merge (a merge gives main a
    version of its own); ``None`` when Boomi did not answer (nothing depends on it)."""
    try:
        return await current_versions(
            ctx.boomi, components.prod_ids_by_dev_id.values(), branch_id=None
        )
    except BoomiError as exc:
        ctx.log.warning("versions on main not read after the merge", error=exc.message)
        return None


async def _record_merged_forms(
    ctx: ActionContext, promotion: PromotionLog, forms: _MergedForms, main_now: Mapping[str, int]
) -> None:
    async with ctx.unit_of_work() as uow:
        recorded = await record_merged_forms(
            uow,
            prod_account_id=promotion.prod_account_id,
            results=forms.results,
            keys=forms.keys,
            branch_versions=forms.branch_versions,
            main_versions=main_now,
        )
        await uow.commit()
    ctx.log.info("promoted forms on main recorded", count=recorded)


async def _merge_into_main(ctx: ActionContext, promotion: PromotionLog) -> frozenset[str]:
    """Merge the branch into main (OVERRIDE, source wins) and wait, bounded, for MERGED;
    the ids of the components the merge brought to main."""
    assert promotion.branch_id is not None
    main = await ctx.boomi.find_branch_by_name(MAIN_BRANCH)
    if main is None:
        raise LookupError("the primary account has no main branch")
    merged = await merge_branch(
        ctx.boomi,
        ctx.settings.boomi,
        promotion.branch_id,
        main.id,
        note=f"Promotion {promotion.promotion_id} of {promotion.process_name or 'a process'}",
        describing=f"branch {promotion.branch_name or promotion.branch_id} into main",
        on_failure="The branch was kept; retry the deployment.",
        component_names=promotion.detail.names_by_prod_id(),
    )
    ctx.log.info("branch merged into main", count=len(merged))
    return merged


async def _mark_on_main(
    ctx: ActionContext,
    promotion: PromotionLog,
    merged: frozenset[str] | None,
    main_versions: Mapping[str, int] | None,
) -> None:
    """Main holds what the promotion shipped (``package_contents`` just read each component's
    current version there): the mappings of exactly those prod components name them, marked
    on main, and the mapping history of the promotion (and of the test promotion it ships)
    is settled. ``merged``: what this attempt's merge brought (``None``: no merge this time,
    an earlier attempt's merge did it). Run on every attempt, so a crash between the merge
    and this step is completed by the retry. ``main_versions``: read after this attempt's
    merge, they become the mappings' latest versions."""
    async with ctx.unit_of_work() as uow:
        current = await load_promotion(uow, promotion.promotion_id)
        writer = current
        if promoted_components(current.detail, current.root_component_id) is None:
            writer = await linked_test_promotion(uow, current) or current
        # An UNCHANGED component shipped too, at the version its mapping already names: the
        # mark keeps that prod component (its mapping is never pointed elsewhere).
        written = writer.detail.held
        marks = await mark_reached_main(
            uow,
            dev_account_id=current.dev_account_id,
            prod_account_id=current.prod_account_id,
            written=written,
            writer_id=writer.promotion_id,
            promotion_ids=[current.promotion_id, writer.promotion_id],
            actor=actor_of(ctx),
            main_versions=main_versions,
        )
        if merged is not None or marks.changed:
            await uow.audit.append(
                actor_email=actor_of(ctx),
                action="promotion.merged",
                process_name=process_name_of(ctx),
                target_type="promotion",
                target_id=promotion.promotion_id,
                detail={
                    "mergedComponentIds": sorted(merged or ()),
                    "onMainComponentIds": marks.prod_component_ids,
                    "mappingsOnMain": marks.changed,
                    "mappingsCorrected": marks.corrected,
                    "completedEarlierMerge": merged is None,
                },
            )
        await uow.commit()


async def _release_hotfix_to_test(
    ctx: ActionContext,
    promotion: PromotionLog,
    shipment: Shipment,
    options: DeploymentOptions,
    outcome: DeploymentOutcome,
) -> None:
    """After production, the hotfix goes to the test pack too; a failure is only recorded."""
    choice = options.test_pack
    try:
        if not choice.chosen:
            found = await test_pack_from_history(ctx, promotion)
            if found is None:
                outcome.test_release_error = (
                    "Released to production; no test pack was chosen and none was found in "
                    "history, so the hotfix was not released to test."
                )
                return
            choice = PackChoice(pack_id=found.pack_id)
        pack = await pack_for(ctx, promotion.promotion_id, choice, PackPurpose.TEST)
        outcome.test_integration_pack_id, outcome.test_integration_pack_name = (
            pack.pack_id,
            pack.name,
        )
        await ctx.progress.report(step="release", message=f"Releasing {pack.name}")
        release = await release_pack(ctx, promotion.promotion_id, ReleaseType.TEST, pack, shipment)
    except (BoomiError, PromoError) as exc:
        message = exc.message
        outcome.test_release_error = (
            f"Released to production; the release to the test pack failed: {message}"
        )
        ctx.log.warning("hotfix release to test failed", error=message)
        return
    outcome.test_release_id, outcome.test_release_status = release.request_id, release.status
    await set_fields(
        ctx,
        promotion.promotion_id,
        test_release_id=release.request_id,
        test_deployed_at=datetime.now(UTC),
    )
