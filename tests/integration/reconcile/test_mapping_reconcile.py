"""``promo reconcile`` repairs mappings from Boomi's truth and reports what it changed
(issue 15): the aftermath of the duplicate-hotfix bug — mappings naming components that no
longer exist, still marked on main — is undone without an admin pasting GUIDs."""

from __future__ import annotations

from typing import Any

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.cli.reconcile import format_mapping_report
from boomi_promo.engine.mapping_reconcile import reconcile_mappings
from boomi_promo.store import UnitOfWorkFactory
from tests.integration.promotion.support import promote, team_a
from tests.support.service import DemoService
from tests.support.workflow import mappings, ok, on_main

OPERATOR = "ops@example.com"


async def damage(uow_factory: UnitOfWorkFactory, account: str, dev_id: str, **fields: Any) -> None:
    async with uow_factory() as uow:
        mapping = await uow.mappings.get(dev_id, account)
        assert mapping is not None
        for name, value in fields.items():
            setattr(mapping, name, value)
        await uow.mappings.upsert(mapping)
        await uow.commit()


async def test_mappings_naming_missing_components_are_repaired_and_reported(
    promo_service: DemoService, boomi: BoomiClient, uow_factory: UnitOfWorkFactory
) -> None:
    service = promo_service
    account = team_a(service)
    prior = ok(await promote(service, service.seed.prior_promotion.dev_package_id))
    fresh = ok(await promote(service, service.seed.full_tree_package_id))
    on_main_dev, flag_dev = [r["devComponentId"] for r in prior["promotionResults"][:2]]
    created_dev = fresh["promotionResults"][0]["devComponentId"]
    good = (await mappings(service))[on_main_dev].prod_component_id
    # What the duplicate-hotfix bug left: a withdrawn promotion's component, "on main".
    await damage(uow_factory, account, on_main_dev, prod_component_id="gone-1", on_main=True)
    await damage(uow_factory, account, flag_dev, on_main=False)
    await damage(uow_factory, account, created_dev, prod_component_id="gone-2", on_main=True)
    damaged = await mappings(service)

    dry = await reconcile_mappings(boomi, uow_factory, dry_run=True, actor=OPERATOR)

    assert {(r.dev_component_id, r.what) for r in dry.repairs} == {
        (on_main_dev, "restored"),
        (flag_dev, "marked on main"),
        (created_dev, "removed"),
    }

    def state(found: dict[str, Any]) -> dict[str, tuple[str, bool]]:
        return {k: (m.prod_component_id, m.on_main) for k, m in found.items()}

    assert state(await mappings(service)) == state(damaged), "a dry run changes nothing"
    assert "3 of" in format_mapping_report(dry) and "(dry run)" in format_mapping_report(dry)

    done = await reconcile_mappings(boomi, uow_factory, dry_run=False, actor=OPERATOR)

    assert len(done.repairs) == 3
    repaired = await mappings(service)
    assert repaired[on_main_dev].prod_component_id == good and repaired[on_main_dev].on_main
    assert on_main(service, good)
    assert repaired[flag_dev].on_main
    assert created_dev not in repaired
    async with uow_factory() as uow:
        trail = await uow.audit.list_entries(target_type="component_mapping", page_size=100)
    reconciled = [e for e in trail.items if e.action == "mapping.reconciled"]
    assert len(reconciled) == 3 and {e.actor_email for e in reconciled} == {OPERATOR}
    again = await reconcile_mappings(boomi, uow_factory, dry_run=False, actor=OPERATOR)
    assert again.repairs == []
    ok(await promote(service, service.seed.prior_promotion.dev_package_id))
