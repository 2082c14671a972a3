"""`promo demo` writes the admin records a platform team would have made, once."""

from __future__ import annotations

from boomi_promo.config import GroupSettings
from boomi_promo.demo import seed_demo_records
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.store import UnitOfWorkFactory


async def test_demo_records_match_the_seed_and_writing_them_twice_changes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    _state, seed = build_demo_state()
    groups = GroupSettings()

    await seed_demo_records(uow_factory, seed, groups)
    await seed_demo_records(uow_factory, seed, groups)

    async with uow_factory() as uow:
        grants = await uow.access.list_all_active()
        team_a = next(a.account_id for a in seed.dev_accounts if a.name == "Dev Team A")
        team_a_mappings = await uow.mappings.list_for_dev_account(team_a)
        client_rows = await uow.client_accounts.list_all_active()
    assert {(g.sso_group_id, g.dev_account_name) for g in grants} == {
        ("ABC_BOOMI_FLOW_DEVTEAMA", "Dev Team A"),
        ("ABC_BOOMI_FLOW_DEVTEAMB", "Dev Team B"),
    }
    mapped = {m.dev_component_id for m in team_a_mappings}
    assert {
        c.dev_component_id for c in seed.connection_mappings if c.dev_account_id == team_a
    } <= mapped
    assert {c.dev_component_id for c in seed.prior_promotion.components} <= mapped
    assert {c.dev_component_id for c in seed.extension_components} <= mapped
    assert seed.unmapped_connection_id not in mapped
    assert {(r.client_account_name, r.sso_group_id) for r in client_rows} == {
        ("Client Co", "ABC_BOOMI_FLOW_DEVTEAMA"),
        ("Client Co", "ABC_BOOMI_FLOW_DEVTEAMB"),
    }
