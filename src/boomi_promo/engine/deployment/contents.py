"""What a deployment ships: the packages' contents read from the branch, and the check that
production holds nothing newer than them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.models import ComponentReference
from boomi_promo.boomi.query import Operator, QueryFilter
from boomi_promo.domain.result_detail import HELD_ACTIONS, ComponentOutcome, ResultDetail
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.context import ActionContext
from boomi_promo.engine.continuity import RecordedPackage
from boomi_promo.engine.deployment.rules import (
    INDEPENDENT,
    METADATA_BATCH,
    PROCESS_TYPE,
    DeploymentFailed,
    PromotedComponents,
    promoted_components,
)
from boomi_promo.errors import Conflict
from boomi_promo.store import PromotionLog, UnitOfWork

_S = PromotionStatus


@dataclass(frozen=True)
class PackageContent:
    """One package a deployment makes: its root and the promoted components it holds."""

    component_id: str
    prod_component_ids: frozenset[str]
    component_type: str | None = None
    """The root's type, when the promotion recorded it (a package create names it)."""


async def package_contents(
    boomi: BoomiClient, components: PromotedComponents, *, branch_id: str | None
) -> list[PackageContent]:
    """The packages a deployment makes, the root's first, from Boomi's ComponentReference on
    the branch (``None``: main).

    A package holds its root and what the root references DEPENDENT-ly; a process a process
    route calls is referenced INDEPENDENT-ly: Boomi deploys it on its own, so it gets a
    package of its own. Only the promotion's components are read (a few queries for all of
    them): anything else they reference (a shared connection) is on main already and leads
    nowhere new.
    """
    promoted = set(components.types_by_prod_id) | {components.prod_root_id}
    edges = await _promoted_references(boomi, promoted, branch_id, components.kept_versions)
    roots = [components.prod_root_id]
    contents: list[PackageContent] = []
    for root in roots:
        held = {root}
        pending = [root]
        while pending:
            for reference in edges.get(pending.pop(), []):
                child = reference.component_id
                if child not in edges:
                    continue
                if reference.type == INDEPENDENT:
                    if (
                        components.types_by_prod_id.get(child) == PROCESS_TYPE
                        and child not in roots
                    ):
                        roots.append(child)
                elif child not in held:
                    held.add(child)
                    pending.append(child)
        root_type = components.types_by_prod_id.get(root)
        contents.append(PackageContent(root, frozenset(held), root_type))
    return contents


async def _promoted_references(
    boomi: BoomiClient,
    promoted: set[str],
    branch_id: str | None,
    kept_versions: Mapping[str, int],
) -> dict[str, list[ComponentReference]]:
    """What each promoted component references, as the branch (``None``: main) holds it.

    Their current versions come from ComponentMetadata queries (an ``or`` of up to
    :data:`METADATA_BATCH` ids each), then what those versions reference from
    ComponentReference queries by ``parentComponentId`` and ``parentVersion``. A component
    the promotion left UNCHANGED was never written on the branch, and Boomi reports it with
    the branchId of the branch it was written on (main's), so a query by the branch's id
    misses it: its version on the branch is the one the promotion recorded (``kept_versions``).
    """
    versions = await current_versions(boomi, promoted, branch_id=branch_id)
    if branch_id is not None:
        for component_id, version in kept_versions.items():
            if component_id in promoted:
                versions.setdefault(component_id, version)
    missing = sorted(promoted - set(versions))
    if missing:
        where = f"branch {branch_id}" if branch_id else "main"
        raise DeploymentFailed(
            f"Boomi has no current version of component(s) {', '.join(missing)} on {where}.",
            error_code="COMPONENT_NOT_FOUND",
            status_code=502,
        )
    return await boomi.query_child_references(versions)


async def current_versions(
    boomi: BoomiClient, component_ids: Iterable[str], *, branch_id: str | None
) -> dict[str, int]:
    """Each component's current version on the branch (``None``: main), from ComponentMetadata
    queries (an ``or`` of up to :data:`METADATA_BATCH` ids each); missing ones are left out."""
    wanted = set(component_ids)
    ids = sorted(wanted)
    batches = [ids[i : i + METADATA_BATCH] for i in range(0, len(ids), METADATA_BATCH)]
    versions: dict[str, int] = {}
    for batch in batches:
        by_id = [QueryFilter.where("componentId", Operator.EQUALS, cid) for cid in batch]
        current = QueryFilter.where("currentVersion", Operator.EQUALS, True).and_(
            by_id[0].or_(*by_id[1:])
        )
        if branch_id is not None:
            current = QueryFilter.where("branchId", Operator.EQUALS, branch_id).and_(current)
        async for row in boomi.query_component_metadata(current):
            if row.component_id in wanted and row.current_version is not False and row.version:
                versions[row.component_id] = row.version
    return versions


class NewerInProduction(Conflict):
    """Main holds newer versions of components than the promotion would ship."""

    error_code = "NEWER_PROMOTION_IN_PRODUCTION"


async def check_not_behind_main(ctx: ActionContext, promotion: PromotionLog) -> None:
    """409 ``NEWER_PROMOTION_IN_PRODUCTION`` when main already holds a newer version of a
    component the promotion would ship (a newer promotion of the process, or of another one
    sharing the component, reached production since). A merge takes only what is newer than
    main, so the deployment would package main's newer content and record it as this
    promotion's: it must be promoted again instead."""
    async with ctx.unit_of_work() as uow:
        source = promotion
        if promoted_components(promotion.detail, promotion.root_component_id) is None:
            source = await linked_test_promotion(uow, promotion) or promotion
        newer = await uow.promotions.query(
            statuses=[_S.DEPLOYED], dev_account_id=promotion.dev_account_id, page_size=50
        )
        shippers = {
            p.promotion_id: p for p in [*newer.items, *await _linked_tests(uow, newer.items)]
        }
    # An UNCHANGED component ships the version it kept: main moving past it counts too.
    written = {
        item.prod_component_id: item
        for item in source.detail.promotion_results
        if item.action in HELD_ACTIONS and item.prod_component_id
    }
    if not written:
        return
    on_main = await current_versions(ctx.boomi, written, branch_id=None)
    behind = sorted(
        prod_id
        for prod_id, item in written.items()
        if prod_id in on_main and on_main[prod_id] > item.version
    )
    if not behind:
        return
    names = ", ".join(written[prod_id].component_name or prod_id for prod_id in behind)
    by = next(
        (
            p
            for p in newer.items
            if any(item.prod_component_id in behind for item in _results_of(p, shippers))
        ),
        None,
    )
    shipped_by = ""
    if by is not None:
        came_from = f", from test deployment {by.test_promotion_id}" if by.test_promotion_id else ""
        shipped_by = f" (promotion {by.promotion_id} of {by.process_name}{came_from})"
    raise NewerInProduction(
        f"Production already holds newer versions of {names} than this promotion would ship"
        f"{shipped_by}: the merge would keep them and this deployment would release them as "
        "its own. Promote the package again and take the new promotion to production.",
        field="promotionId",
        details={
            "behindComponentIds": behind,
            "newerPromotionId": by.promotion_id if by is not None else "",
        },
    )


async def _linked_tests(uow: UnitOfWork, promotions: Iterable[PromotionLog]) -> list[PromotionLog]:
    ids = [p.test_promotion_id for p in promotions if p.test_promotion_id]
    return await uow.promotions.get_many(ids) if ids else []


def _results_of(
    promotion: PromotionLog, known: Mapping[str, PromotionLog]
) -> tuple[ComponentOutcome, ...]:
    detail = promotion.detail
    if promoted_components(detail, promotion.root_component_id) is None:
        test = known.get(promotion.test_promotion_id or "")
        detail = test.detail if test is not None else ResultDetail()
    return detail.promotion_results


@dataclass(frozen=True)
class Shipment:
    """The packages one deployment ships, the root's first."""

    packages: Sequence[RecordedPackage]

    @property
    def root(self) -> RecordedPackage:
        return self.packages[0]

    @property
    def versions(self) -> dict[str, str]:
        """Component id → package version, as a release lists them."""
        return {p.component_id: p.package_version for p in self.packages}


async def linked_test_promotion(uow: UnitOfWork, promotion: PromotionLog) -> PromotionLog | None:
    if not promotion.test_promotion_id:
        return None
    return await uow.promotions.get(promotion.test_promotion_id)
