"""Continuity when main lags (SPEC §5): which mappings still point at a usable prod component.

Main changes only at a production deployment, so the prod component an earlier promotion
wrote may live only inside a test package. One prod id per dev component must hold through
any number of promotions and test deployments, so:

* a mapping whose prod component is on main is usable;
* one whose prod component a recorded package holds is usable too: the new branch is built
  from the packages holding them, so the update lands on the same component;
* one that reached neither (its promotion failed, was rejected, withdrawn or superseded
  before packaging) is stale: the component is created afresh and the mapping replaced.

A deployment makes several packages (the root, and each process a process route calls:
Boomi packages and deploys those separately) and records each with the prod components it
holds in ``resultDetail["packages"]`` (:func:`package_entry`). A record written before that
has only ``prodPackageId``; its package is taken to hold everything the promotion wrote.

The branch is created from the newest package holding the tree's root (else the newest
holding any off-main component, the same root process first); each usable off-main
component that package lacks is brought in by merging the newest other package holding it
(:mod:`boomi_promo.engine.branches`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from boomi_promo.engine.branches import BranchSources
from boomi_promo.store import PromotionLog, UnitOfWork

PAGE_SIZE = 200
RECENT_TREES = 5
"""How many of a root's newest promotions are looked at for the tree to read ahead."""


class MappingState(Protocol):
    @property
    def prod_component_id(self) -> str: ...

    @property
    def on_main(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class RecordedPackage:
    """A package in the primary account, as the promotion that made it recorded it."""

    package_id: str
    component_id: str
    """The prod component packaged (its root); empty for a record from before packages were
    listed."""
    package_version: str
    branch_name: str
    """The branch it was made from (``main`` for a production package); empty if unknown."""
    prod_component_ids: frozenset[str]
    """The promotion's prod components the package holds."""


@dataclass(frozen=True, slots=True)
class PackagedPromotion:
    """A past promotion whose components were packaged in the primary account."""

    promotion_id: str
    root_component_id: str
    initiated_at: datetime
    packages: tuple[RecordedPackage, ...]


@dataclass(frozen=True, slots=True)
class ContinuityPlan:
    usable: frozenset[str]
    """Dev ids whose mapped prod component is updated in place."""
    stale: frozenset[str]
    """Dev ids whose mapping is replaced by a newly created prod component."""
    sources: BranchSources
    """What the branch is built from (main when no package is needed)."""


def plan_continuity(
    mappings: Mapping[str, MappingState],
    packaged: Iterable[PackagedPromotion],
    *,
    root_component_id: str,
) -> ContinuityPlan:
    """For the mapped components of a tree: update in place or create, and the branch sources.

    ``mappings`` are the existing mappings of the tree's (non-connection) components by dev id.
    """
    held = [(promotion, package) for promotion in packaged for package in promotion.packages]
    usable: set[str] = set()
    holders: dict[str, list[tuple[PackagedPromotion, RecordedPackage]]] = {}
    for dev_id, mapping in mappings.items():
        if mapping.on_main:
            usable.add(dev_id)
            continue
        found = [h for h in held if mapping.prod_component_id in h[1].prod_component_ids]
        if found:
            usable.add(dev_id)
            holders[dev_id] = found
    stale = frozenset(set(mappings) - usable)
    if not holders:
        return ContinuityPlan(frozenset(usable), stale, BranchSources(package_id=None))
    root = mappings.get(root_component_id)
    root_prod_id = root.prod_component_id if root is not None and not root.on_main else None

    def branch_preference(holder: tuple[PackagedPromotion, RecordedPackage]) -> tuple[Any, ...]:
        promotion, package = holder
        return (
            root_prod_id is not None and root_prod_id in package.prod_component_ids,
            promotion.root_component_id == root_component_id,
            promotion.initiated_at,
            promotion.promotion_id,
            len(package.prod_component_ids),
            package.package_id,
        )

    _, first = max((h for found in holders.values() for h in found), key=branch_preference)
    merged: dict[str, tuple[Any, ...]] = {}
    for found in holders.values():
        if any(package.package_id == first.package_id for _, package in found):
            continue
        newest = max(found, key=_newest)
        merged.setdefault(newest[1].package_id, _newest(newest))
    # Oldest first: where two packages hold a component, the newer one's merge comes last.
    order = tuple(sorted(merged, key=lambda package_id: merged[package_id]))
    return ContinuityPlan(
        usable=frozenset(usable),
        stale=stale,
        sources=BranchSources(package_id=first.package_id, merged_package_ids=order),
    )


def _newest(holder: tuple[PackagedPromotion, RecordedPackage]) -> tuple[Any, ...]:
    promotion, package = holder
    return (promotion.initiated_at, promotion.promotion_id, package.package_id)


def review_sources(test: PromotionLog) -> BranchSources:
    """A test deployment's packages as one branch: from the root's package, the others merged.

    What reviewers diff is then exactly what ships, route targets included.
    """
    packages = recorded_packages(test)
    root = next((p for p in packages if p.package_id == test.prod_package_id), None)
    held = root.prod_component_ids if root is not None else frozenset()
    others = tuple(
        p.package_id
        for p in packages
        if p.package_id != test.prod_package_id and not p.prod_component_ids <= held
    )
    return BranchSources(package_id=test.prod_package_id, merged_package_ids=others)


def package_entry(
    *,
    package_id: str,
    component_id: str,
    package_version: str,
    branch_name: str,
    prod_component_ids: Iterable[str],
) -> dict[str, Any]:
    """One item of ``resultDetail["packages"]``."""
    return {
        "packageId": package_id,
        "componentId": component_id,
        "packageVersion": package_version,
        "branchName": branch_name,
        "prodComponentIds": sorted(prod_component_ids),
    }


def recorded_packages(log: PromotionLog) -> list[RecordedPackage]:
    """The packages a promotion recorded; for a record from before packages were listed, its
    ``prodPackageId`` holding everything it wrote."""
    detail = log.detail
    if detail.packages is not None:
        return [_recorded(entry) for entry in detail.packages]
    if not log.prod_package_id:
        return []
    return [
        RecordedPackage(
            package_id=log.prod_package_id,
            component_id="",
            package_version=log.package_version or "",
            branch_name="",
            prod_component_ids=detail.held_prod_ids(),
        )
    ]


def _recorded(entry: Mapping[str, Any]) -> RecordedPackage:
    held = entry.get("prodComponentIds") or []
    return RecordedPackage(
        package_id=str(entry.get("packageId") or ""),
        component_id=str(entry.get("componentId") or ""),
        package_version=str(entry.get("packageVersion") or ""),
        branch_name=str(entry.get("branchName") or ""),
        prod_component_ids=frozenset(str(item) for item in held if item),
    )


async def packaged_promotions(uow: UnitOfWork, dev_account_id: str) -> list[PackagedPromotion]:
    """Promotions from this dev account that recorded packages."""
    found: list[PackagedPromotion] = []
    page = 1
    while True:
        batch = await uow.promotions.query(
            dev_account_id=dev_account_id, page=page, page_size=PAGE_SIZE
        )
        for log in batch.items:
            packages = tuple(p for p in recorded_packages(log) if p.package_id)
            if packages:
                found.append(
                    PackagedPromotion(
                        promotion_id=log.promotion_id,
                        root_component_id=log.root_component_id,
                        initiated_at=log.initiated_at,
                        packages=packages,
                    )
                )
        if page * PAGE_SIZE >= batch.total or not batch.items:
            return found
        page += 1


async def last_known_tree(uow: UnitOfWork, dev_account_id: str, root_id: str) -> list[str]:
    """The dev components the newest promotion of ``root_id`` with recorded results found in
    its tree (connections too), for a walk to read ahead; empty when there is none. The run
    asking is on record already (IN_PROGRESS, no results yet): it is passed over."""
    recent = await uow.promotions.query(
        dev_account_id=dev_account_id, root_component_id=root_id, page_size=RECENT_TREES
    )
    for promotion in recent.items:
        ids = promotion.detail.seen_dev_ids()
        if ids:
            return ids
    return []
