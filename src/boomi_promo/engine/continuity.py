"""Continuity when main lags (SPEC §5): which mappings still point at a usable prod component.

Main changes only at a production deployment, so the prod component an earlier promotion
wrote may live only inside a test package. One prod id per dev component must hold through
any number of promotions and test deployments, so:

* a mapping whose prod component is on main is usable;
* one whose prod component is held by a package (a promotion with a ``prodPackageId`` wrote
  it) is usable too, and the new branch is created from that package so the update lands on
  the same component;
* one that reached neither (its promotion failed, was rejected, withdrawn or superseded
  before packaging) is stale: the component is created afresh and the mapping replaced.

A branch comes from one package only: the newest package of the same root process, else the
newest that holds any of the tree's off-main components. An off-main component that package
does not hold cannot be updated on that branch and is stale as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from boomi_promo.store import PromotionLog, UnitOfWork

WRITTEN_ACTIONS = frozenset({"CREATED", "UPDATED"})
PAGE_SIZE = 200


class MappingState(Protocol):
    @property
    def prod_component_id(self) -> str: ...

    @property
    def on_main(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class PackagedPromotion:
    """A past promotion whose components were packaged in the primary account."""

    promotion_id: str
    prod_package_id: str
    root_component_id: str
    initiated_at: datetime
    prod_component_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class ContinuityPlan:
    usable: frozenset[str]
    """Dev ids whose mapped prod component is updated in place."""
    stale: frozenset[str]
    """Dev ids whose mapping is replaced by a newly created prod component."""
    branch_package_id: str | None
    """Create the branch from this package; ``None`` means from main."""


def plan_continuity(
    mappings: Mapping[str, MappingState],
    packaged: Iterable[PackagedPromotion],
    *,
    root_component_id: str,
) -> ContinuityPlan:
    """For the mapped components of a tree: update in place or create, and the branch source.

    ``mappings`` are the existing mappings of the tree's (non-connection) components by dev id.
    """
    packages = list(packaged)
    usable: set[str] = set()
    off_main: dict[str, list[PackagedPromotion]] = {}
    for dev_id, mapping in mappings.items():
        if mapping.on_main:
            usable.add(dev_id)
            continue
        holders = [p for p in packages if mapping.prod_component_id in p.prod_component_ids]
        if holders:
            off_main[dev_id] = holders
    branch_package_id: str | None = None
    if off_main:
        candidates = {p.promotion_id: p for holders in off_main.values() for p in holders}
        chosen = max(
            candidates.values(),
            key=lambda p: (
                p.root_component_id == root_component_id,
                p.initiated_at,
                p.promotion_id,
            ),
        )
        held = {dev_id for dev_id, holders in off_main.items() if chosen in holders}
        usable.update(held)
        branch_package_id = chosen.prod_package_id
    return ContinuityPlan(
        usable=frozenset(usable),
        stale=frozenset(set(mappings) - usable),
        branch_package_id=branch_package_id,
    )


def written_prod_ids(result_detail: Mapping[str, Any] | None) -> frozenset[str]:
    """Prod component ids a promotion wrote, from its stored per-component results."""
    results = (result_detail or {}).get("promotionResults") or []
    return frozenset(
        str(item["prodComponentId"])
        for item in results
        if isinstance(item, dict)
        and item.get("action") in WRITTEN_ACTIONS
        and item.get("prodComponentId")
    )


async def packaged_promotions(uow: UnitOfWork, dev_account_id: str) -> list[PackagedPromotion]:
    """Promotions from this dev account whose components were packaged (``prodPackageId`` set)."""
    found: list[PackagedPromotion] = []
    page = 1
    while True:
        batch = await uow.promotions.query(
            dev_account_id=dev_account_id, page=page, page_size=PAGE_SIZE
        )
        found.extend(_packaged(log) for log in batch.items if log.prod_package_id)
        if page * PAGE_SIZE >= batch.total or not batch.items:
            return found
        page += 1


def _packaged(log: PromotionLog) -> PackagedPromotion:
    return PackagedPromotion(
        promotion_id=log.promotion_id,
        prod_package_id=log.prod_package_id or "",
        root_component_id=log.root_component_id,
        initiated_at=log.initiated_at,
        prod_component_ids=written_prod_ids(log.result_detail),
    )
