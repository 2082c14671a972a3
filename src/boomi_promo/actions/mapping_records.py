"""A ComponentMapping as actions show it, and its audit entries (shared by manageMappings and
the CSV import)."""

from __future__ import annotations

from typing import Any

from boomi_promo.actions.registry import Profile
from boomi_promo.exports.mappings_csv import format_timestamp
from boomi_promo.store import ComponentMapping, UnitOfWork

AUDIT_TARGET_TYPE = "component_mapping"


class MappingItem(Profile):
    dev_component_id: str
    dev_account_id: str
    prod_component_id: str
    component_name: str
    component_type: str
    mapping_source: str
    last_promoted: str
    last_promoted_by: str
    prod_latest_version: int
    on_main: bool


def mapping_item(mapping: ComponentMapping) -> MappingItem:
    return MappingItem(
        dev_component_id=mapping.dev_component_id,
        dev_account_id=mapping.dev_account_id,
        prod_component_id=mapping.prod_component_id,
        component_name=mapping.component_name,
        component_type=mapping.component_type,
        mapping_source=mapping.mapping_source or "",
        last_promoted=format_timestamp(mapping.last_promoted_at),
        last_promoted_by=mapping.last_promoted_by,
        prod_latest_version=mapping.prod_latest_version,
        on_main=mapping.on_main,
    )


def mapping_snapshot(mapping: ComponentMapping) -> dict[str, Any]:
    """The mapping as an audit entry records it (before or after a change)."""
    snapshot = mapping_item(mapping).model_dump(by_alias=True)
    snapshot["prodAccountId"] = mapping.prod_account_id
    return snapshot


async def audit_mapping_change(
    uow: UnitOfWork,
    *,
    actor: str,
    action_name: str,
    process_name: str,
    key: tuple[str, str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """One audit entry for one mapping; ``key`` is (dev account id, dev component id)."""
    dev_account_id, dev_component_id = key
    await uow.audit.append(
        actor_email=actor,
        action=action_name,
        process_name=process_name,
        target_type=AUDIT_TARGET_TYPE,
        target_id=f"{dev_account_id}/{dev_component_id}",
        detail={"before": before, "after": after},
    )
