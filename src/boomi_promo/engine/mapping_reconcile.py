"""Repairing ComponentMappings from Boomi's truth (``promo reconcile``).

A mapping the engine wrote names a prod component that must exist somewhere the next
promotion can update it: on main, on the branch of the live promotion that wrote it, or in a
package a promotion recorded. :func:`reconcile_mappings` asks Boomi where each one is and:

* marks on main a mapping whose component main holds but whose record says otherwise;
* un-marks one marked on main whose component main lacks but a live branch or a recorded
  package still holds;
* points a mapping whose component exists nowhere back at the newest component its history
  (``mapping_change``) names that main holds; with none, removes the mapping, so the next
  promotion creates the component afresh instead of failing with Boomi's 400.

Admin-seeded mappings (connections) are checked but never changed: a missing shared
connection is reported for an admin. Every change is audited (``mapping.reconciled``) with
the row before and after; a dry run changes nothing and reports the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.errors import BoomiNotFoundError
from boomi_promo.domain.statuses import TERMINAL
from boomi_promo.engine.continuity import recorded_packages
from boomi_promo.engine.mapping_history import (
    MAPPING_TARGET,
    from_snapshot,
    mapping_key,
    snapshot,
)
from boomi_promo.store import ComponentMapping, MappingSource, UnitOfWorkFactory

MAPPING_RECONCILED = "mapping.reconciled"
RECONCILE_PROCESS = "Reconcile mappings"
PAGE_SIZE = 500

log = structlog.get_logger("boomi_promo.engine")


@dataclass(frozen=True)
class MappingRepair:
    dev_account_id: str
    dev_component_id: str
    component_name: str
    what: str
    """``marked on main``, ``unmarked``, ``restored``, ``removed`` or ``missing connection``."""
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str


@dataclass
class MappingReport:
    dry_run: bool
    checked: int = 0
    repairs: list[MappingRepair] = field(default_factory=list)
    """Every change made (or, in a dry run, that would be made), and what needs an admin."""


class _Where:
    """Where Boomi holds prod components; each answer read once."""

    def __init__(self, boomi: BoomiClient) -> None:
        self.boomi = boomi
        self._cache: dict[tuple[str, str | None], bool] = {}
        self._packages: dict[str, bool] = {}

    async def on(self, component_id: str, branch_id: str | None = None) -> bool:
        key = (component_id, branch_id)
        if key not in self._cache:
            try:
                found = await self.boomi.get_component_metadata(component_id, branch_id=branch_id)
                self._cache[key] = not found.deleted
            except BoomiNotFoundError:
                self._cache[key] = False
        return self._cache[key]

    async def package_exists(self, package_id: str) -> bool:
        if package_id not in self._packages:
            try:
                package = await self.boomi.get_packaged_component(package_id)
                self._packages[package_id] = not package.deleted
            except BoomiNotFoundError:
                self._packages[package_id] = False
        return self._packages[package_id]


async def reconcile_mappings(
    boomi: BoomiClient, uow_factory: UnitOfWorkFactory, *, dry_run: bool, actor: str
) -> MappingReport:
    """Check every mapping against Boomi and repair the engine's (see the module docstring)."""
    where = _Where(boomi)
    report = MappingReport(dry_run=dry_run)
    mappings = await _all_mappings(uow_factory)
    async with uow_factory() as uow:
        promotions = {
            p.promotion_id: p
            for p in await uow.promotions.get_many(
                {m.last_promotion_id for m in mappings if m.last_promotion_id}
            )
        }
        holders: dict[str, list[str]] = {}
        for account in {m.dev_account_id for m in mappings}:
            page = 1
            while True:
                batch = await uow.promotions.query(
                    dev_account_id=account, page=page, page_size=PAGE_SIZE
                )
                for promotion in batch.items:
                    for package in recorded_packages(promotion):
                        for prod_id in package.prod_component_ids:
                            holders.setdefault(prod_id, []).append(package.package_id)
                if page * PAGE_SIZE >= batch.total or not batch.items:
                    break
                page += 1
    for mapping in mappings:
        report.checked += 1
        repair = await _check(where, mapping, promotions, holders, uow_factory)
        if repair is None:
            continue
        report.repairs.append(repair)
        if not dry_run and repair.what != "missing connection":
            await _apply(uow_factory, mapping, repair, actor=actor)
    return report


async def _all_mappings(uow_factory: UnitOfWorkFactory) -> list[ComponentMapping]:
    found: list[ComponentMapping] = []
    page = 1
    async with uow_factory() as uow:
        while True:
            batch = await uow.mappings.query(page=page, page_size=PAGE_SIZE)
            found.extend(batch.items)
            if page * PAGE_SIZE >= batch.total or not batch.items:
                return found
            page += 1


async def _check(
    where: _Where,
    mapping: ComponentMapping,
    promotions: dict[str, Any],
    holders: dict[str, list[str]],
    uow_factory: UnitOfWorkFactory,
) -> MappingRepair | None:
    prod_id = mapping.prod_component_id
    before = snapshot(mapping)

    def repair(what: str, after: ComponentMapping | None, reason: str) -> MappingRepair:
        return MappingRepair(
            mapping.dev_account_id,
            mapping.dev_component_id,
            mapping.component_name,
            what,
            before,
            snapshot(after) if after is not None else None,
            reason,
        )

    if await where.on(prod_id):
        if mapping.on_main:
            return None
        marked = from_snapshot(before)
        marked.on_main = True
        return repair("marked on main", marked, "main holds the component")
    if mapping.mapping_source == MappingSource.ADMIN_SEEDING:
        return repair("missing connection", None, "main does not hold the mapped component")
    owner = promotions.get(mapping.last_promotion_id or "")
    on_branch = (
        owner is not None
        and owner.branch_id
        and owner.status not in TERMINAL
        and await where.on(prod_id, owner.branch_id)
    )
    in_package = False
    for package_id in holders.get(prod_id, []):
        if await where.package_exists(package_id):
            in_package = True
            break
    if on_branch or in_package:
        if not mapping.on_main:
            return None
        unmarked = from_snapshot(before)
        unmarked.on_main = False
        held = "a live promotion's branch" if on_branch else "a recorded package"
        return repair("unmarked", unmarked, f"main lacks the component; {held} holds it")
    earlier = await _on_main_in_history(where, mapping, uow_factory)
    if earlier is not None:
        return repair(
            "restored",
            earlier,
            "the component exists nowhere; its history names one main holds",
        )
    return repair(
        "removed",
        None,
        "the component exists nowhere and its history names none main holds; the next "
        "promotion creates it afresh",
    )


async def _on_main_in_history(
    where: _Where, mapping: ComponentMapping, uow_factory: UnitOfWorkFactory
) -> ComponentMapping | None:
    """The newest mapping the history records whose component main holds."""
    async with uow_factory() as uow:
        changes = await uow.mapping_changes.for_component(
            mapping.dev_account_id, mapping.dev_component_id
        )
    for change in changes:
        for candidate in (change.after, change.before):
            if not candidate or candidate.get("prodComponentId") == mapping.prod_component_id:
                continue
            if await where.on(str(candidate["prodComponentId"])):
                restored = from_snapshot(candidate)
                restored.on_main = True
                return restored
    return None


async def _apply(
    uow_factory: UnitOfWorkFactory, mapping: ComponentMapping, repair: MappingRepair, *, actor: str
) -> None:
    async with uow_factory() as uow:
        current = await uow.mappings.get(mapping.dev_component_id, mapping.dev_account_id)
        if current is None or snapshot(current) != repair.before:
            return  # changed meanwhile: the next run looks again
        if repair.after is None:
            await uow.mappings.delete(mapping.dev_component_id, mapping.dev_account_id)
        else:
            await uow.mappings.upsert(from_snapshot(repair.after))
        await uow.audit.append(
            actor_email=actor,
            action=MAPPING_RECONCILED,
            process_name=RECONCILE_PROCESS,
            target_type=MAPPING_TARGET,
            target_id=mapping_key(mapping.dev_account_id, mapping.dev_component_id),
            detail={
                "what": repair.what,
                "reason": repair.reason,
                "before": repair.before,
                "after": repair.after,
            },
        )
        await uow.commit()
    log.info(
        "mapping reconciled",
        dev_component_id=mapping.dev_component_id,
        what=repair.what,
        reason=repair.reason,
    )
