"""Mappings follow what reached main: each promotion's mapping changes are kept, and undone
when the promotion ends without reaching main.

A promotion writes its mappings when it completes (:func:`record_change` keeps what each one
said before, ``None`` when there was none). From then on one of three things happens:

* its content reaches main (a production deployment merges it): :func:`settle_on_main`
  settles its changes for good;
* it ends without reaching main — one of :data:`~boomi_promo.domain.statuses.DISCARDING`,
  which :func:`~boomi_promo.engine.lifecycle.change_status` hands to :func:`restore_discarded`
  in the same transaction, so it holds for every path by construction. Each mapping that
  still names the promotion (``last_promotion_id``) goes back to what it said before, unless
  a package the promotion made still holds the component: SPEC §5 keeps such a component
  usable (the next promotion updates it in place from that package), and forgetting it would
  give the dev component a second prod component;
* a later promotion rewrites the mapping first: the later one's change records this one as its
  ``before``, and this one's change is settled REPLACED when it ends.

"What it said before" may itself name a promotion that was discarded since, whose component
lived only on its deleted branch; the restore then walks further back to a mapping whose
component still exists (or to none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from boomi_promo.domain.result_detail import ComponentOutcome
from boomi_promo.domain.statuses import DISCARDING
from boomi_promo.engine.continuity import recorded_packages
from boomi_promo.store import (
    ComponentMapping,
    MappingChange,
    MappingChangeOutcome,
    MappingSource,
    PromotionLog,
    UnitOfWork,
)

MAPPING_RESTORED = "mapping.restored"
MAPPING_TARGET = "component_mapping"
"""The audit target type of a mapping, as manageMappings writes it."""
MAX_CHAIN = 50
"""How far back a restore looks through discarded promotions (a guard, not a real limit)."""

_FIELDS = (
    "dev_component_id",
    "dev_account_id",
    "prod_component_id",
    "component_name",
    "component_type",
    "prod_account_id",
    "prod_latest_version",
    "last_promoted_at",
    "last_promoted_by",
    "mapping_source",
    "on_main",
    "last_promotion_id",
)
_DATES = frozenset({"last_promoted_at"})


def snapshot(mapping: ComponentMapping) -> dict[str, Any]:
    """The mapping as JSON (camelCase keys, dates as ISO 8601)."""
    data: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(mapping, name)
        data[_camel(name)] = value.isoformat() if isinstance(value, datetime) else value
    return data


def from_snapshot(data: dict[str, Any]) -> ComponentMapping:
    values: dict[str, Any] = {}
    for name in _FIELDS:
        value = data.get(_camel(name))
        values[name] = datetime.fromisoformat(value) if name in _DATES and value else value
    return ComponentMapping(**values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def mapping_key(dev_account_id: str, dev_component_id: str) -> str:
    """How the audit trail names a mapping (``target_id`` of a ``component_mapping`` entry)."""
    return f"{dev_account_id}/{dev_component_id}"


async def record_change(
    uow: UnitOfWork,
    promotion_id: str,
    before: dict[str, Any] | None,
    after: ComponentMapping,
) -> None:
    """Keep what the promotion wrote over (in the caller's transaction). ``before`` is the
    :func:`snapshot` taken before the write: an upsert refreshes the loaded row in place."""
    await uow.mapping_changes.record(
        MappingChange(
            promotion_id=promotion_id,
            dev_component_id=after.dev_component_id,
            dev_account_id=after.dev_account_id,
            before=before,
            after=snapshot(after),
        )
    )


async def settle_on_main(uow: UnitOfWork, promotion_ids: Iterable[str]) -> int:
    """The promotions' content reached main: their changes stand for good; how many."""
    settled = 0
    for promotion_id in dict.fromkeys(promotion_ids):
        for change in await uow.mapping_changes.unsettled_for_promotion(promotion_id):
            await uow.mapping_changes.settle(change, MappingChangeOutcome.ON_MAIN)
            settled += 1
    return settled


async def restore_discarded(
    uow: UnitOfWork, promotion: PromotionLog, *, actor: str, process_name: str
) -> list[dict[str, Any]]:
    """Put back what the mappings said before ``promotion`` (now in a DISCARDING status), in
    the caller's transaction; each restore is audited. The restores made, as audited."""
    held = {
        prod_id
        for package in recorded_packages(promotion)
        for prod_id in package.prod_component_ids
    }
    restored: list[dict[str, Any]] = []
    for change in await uow.mapping_changes.unsettled_for_promotion(promotion.promotion_id):
        current = await uow.mappings.get(change.dev_component_id, change.dev_account_id)
        if current is None or current.last_promotion_id != promotion.promotion_id:
            await uow.mapping_changes.settle(change, MappingChangeOutcome.REPLACED)
            continue
        if current.prod_component_id in held:
            await uow.mapping_changes.settle(change, MappingChangeOutcome.KEPT)
            continue
        was = snapshot(current)  # before the upsert refreshes ``current`` in place
        target = await _usable_before(uow, change)
        if target is None:
            await uow.mappings.delete(change.dev_component_id, change.dev_account_id)
        else:
            # A component main holds stays marked so, whatever the older record said.
            same = target.prod_component_id == current.prod_component_id
            target.on_main = bool(target.on_main or (same and current.on_main))
            await uow.mappings.upsert(target)
        detail = {
            "promotionId": promotion.promotion_id,
            "promotionStatus": str(promotion.status),
            "before": was,
            "after": snapshot(target) if target is not None else None,
        }
        await uow.audit.append(
            actor_email=actor,
            action=MAPPING_RESTORED,
            process_name=process_name,
            target_type=MAPPING_TARGET,
            target_id=mapping_key(change.dev_account_id, change.dev_component_id),
            detail=detail,
        )
        await uow.mapping_changes.settle(change, MappingChangeOutcome.RESTORED)
        restored.append(detail)
    return restored


async def _usable_before(uow: UnitOfWork, change: MappingChange) -> ComponentMapping | None:
    """What the mapping said before ``change``, skipping back over discarded promotions whose
    component lived only on their (deleted) branch."""
    before = change.before
    seen = {change.promotion_id}
    for _ in range(MAX_CHAIN):
        if before is None:
            return None
        owner_id = before.get("lastPromotionId")
        if not owner_id or owner_id in seen:
            break
        owner = await uow.promotions.get(owner_id)
        if owner is None or owner.status not in DISCARDING:
            break
        held = {prod for package in recorded_packages(owner) for prod in package.prod_component_ids}
        if before.get("onMain") or before.get("prodComponentId") in held:
            break
        seen.add(owner_id)
        earlier = [
            c
            for c in await uow.mapping_changes.for_promotion(owner_id)
            if c.dev_component_id == change.dev_component_id
            and c.dev_account_id == change.dev_account_id
        ]
        before = earlier[0].before if earlier else None
    return from_snapshot(before) if before is not None else None


@dataclass(frozen=True)
class MainMarks:
    changed: int
    """Mappings changed (marked on main, or corrected)."""
    prod_component_ids: list[str]
    """Every prod component the mappings now name as on main."""
    corrected: list[dict[str, Any]]
    """Mappings that named another component, or none, before: before and after."""


async def mark_reached_main(
    uow: UnitOfWork,
    *,
    dev_account_id: str,
    prod_account_id: str,
    written: Iterable[ComponentOutcome],
    writer_id: str,
    promotion_ids: Iterable[str],
    actor: str,
    main_versions: Mapping[str, int] | None = None,
) -> MainMarks:
    """The components of ``written`` (the stored results of ``writer_id``, the promotion that
    wrote them) are on main now: each dev component's mapping names that prod component,
    marked on main, and the mapping changes of ``promotion_ids`` stand for good. Idempotent.

    ``main_versions``: each prod component's version on main now, when read after the merge
    (a merge gives main a version of its own): the mapping's ``prodLatestVersion`` says it."""
    main_versions = main_versions or {}
    marked = 0
    corrected: list[dict[str, Any]] = []
    on_main: list[str] = []
    for item in written:
        dev_id, prod_id = item.dev_component_id, item.prod_component_id
        on_main.append(prod_id)
        current = await uow.mappings.get(dev_id, dev_account_id)
        was = snapshot(current) if current is not None else None
        latest = main_versions.get(prod_id)
        if current is not None and current.prod_component_id == prod_id:
            if not current.on_main or latest not in (None, current.prod_latest_version):
                current.on_main = True
                current.prod_latest_version = latest or current.prod_latest_version
                await uow.mappings.upsert(current)
                marked += 1
            continue
        mapping = ComponentMapping(
            dev_component_id=dev_id,
            dev_account_id=dev_account_id,
            prod_component_id=prod_id,
            component_name=item.component_name,
            component_type=item.component_type,
            prod_account_id=prod_account_id,
            prod_latest_version=latest or item.version,
            last_promoted_at=datetime.now(UTC),
            last_promoted_by=actor,
            mapping_source=MappingSource.PROMOTION_ENGINE,
            on_main=True,
            last_promotion_id=writer_id,
        )
        await uow.mappings.upsert(mapping)
        marked += 1
        corrected.append(
            {
                "devComponentId": dev_id,
                "before": was,
                "after": snapshot(mapping),
            }
        )
    await settle_on_main(uow, promotion_ids)
    return MainMarks(marked, sorted(on_main), corrected)
