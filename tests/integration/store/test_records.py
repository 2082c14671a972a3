"""The admin-managed records: match keys are unique, and upserts update instead of duplicating."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from boomi_promo.store.tables import ComponentMapping, DevAccountAccess, MappingSource

from .records import T0, access, client_account, extension_access, mapping, promotion


async def test_mapping_upsert_updates_the_row_with_the_same_match_key(uow_factory):
    async with uow_factory() as uow:
        first = await uow.mappings.upsert(mapping(prod_latest_version=1))
        await uow.commit()

    async with uow_factory() as uow:
        second = await uow.mappings.upsert(
            mapping(prod_latest_version=2, component_name="Orders Map v2", on_main=True)
        )
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.mappings.list_for_dev_account("dev-team-a")
    assert len(stored) == 1
    assert stored[0].id == first.id == second.id
    assert stored[0].prod_latest_version == 2
    assert stored[0].component_name == "Orders Map v2"
    assert stored[0].on_main is True
    assert stored[0].created_at == first.created_at
    assert stored[0].updated_at >= first.updated_at


async def test_same_dev_component_in_another_account_is_another_mapping(uow_factory):
    async with uow_factory() as uow:
        await uow.mappings.upsert(mapping(dev_account_id="dev-team-a"))
        await uow.mappings.upsert(mapping(dev_account_id="dev-team-b"))
        await uow.commit()

    async with uow_factory() as uow:
        shared = await uow.mappings.list_for_prod_component("prod-comp-1")
    assert [row.dev_account_id for row in shared] == ["dev-team-a", "dev-team-b"]


async def test_database_refuses_a_second_row_with_a_match_key(uow_factory):
    async with uow_factory() as uow:
        uow.session.add(mapping())
        await uow.session.flush()
        uow.session.add(mapping(prod_component_id="prod-other"))
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_mapping_lookup_many_and_delete(uow_factory):
    async with uow_factory() as uow:
        for n in range(3):
            await uow.mappings.upsert(
                mapping(dev_component_id=f"dev-{n}", prod_component_id=f"prod-{n}")
            )
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.mappings.get_many("dev-team-a", ["dev-0", "dev-2", "dev-missing"])
        assert {key: row.prod_component_id for key, row in found.items()} == {
            "dev-0": "prod-0",
            "dev-2": "prod-2",
        }
        assert await uow.mappings.delete("dev-1", "dev-team-a") is True
        assert await uow.mappings.delete("dev-1", "dev-team-a") is False
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.mappings.get("dev-1", "dev-team-a") is None
        kept = await uow.mappings.get("dev-0", "dev-team-a")
    assert kept is not None
    assert kept.last_promoted_at == T0
    assert kept.mapping_source == MappingSource.PROMOTION_ENGINE


async def test_mapping_query_filters_and_pages(uow_factory):
    rows = [
        mapping(dev_component_id="d1", component_name="Orders DB", component_type="connection"),
        mapping(dev_component_id="d2", component_name="orders map", component_type="map"),
        mapping(dev_component_id="d3", component_name="Invoices", component_type="map"),
        mapping(dev_component_id="d4", component_name="100%_done", component_type="map"),
        mapping(
            dev_component_id="d5",
            dev_account_id="dev-team-b",
            component_name="Orders B",
            component_type="map",
        ),
    ]
    async with uow_factory() as uow:
        for row in rows:
            await uow.mappings.upsert(row)
        await uow.commit()

    async with uow_factory() as uow:
        orders = await uow.mappings.query(dev_account_id="dev-team-a", name_contains="ORDERS")
        maps = await uow.mappings.query(component_type="map", page=2, page_size=2)
        literal = await uow.mappings.query(name_contains="0%_")
        everything = await uow.mappings.query()

    assert [row.component_name for row in orders.items] == ["Orders DB", "orders map"]
    assert orders.total == 2
    assert maps.total == 4
    assert [row.component_name for row in maps.items] == ["Orders B", "orders map"]
    assert [row.component_name for row in literal.items] == ["100%_done"]
    assert everything.total == 5


async def test_mark_on_main(uow_factory):
    async with uow_factory() as uow:
        await uow.mappings.upsert(mapping(dev_component_id="a"))
        await uow.mappings.upsert(mapping(dev_component_id="b"))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.mappings.mark_on_main("dev-team-a", ["a"]) == 1
        await uow.commit()

    async with uow_factory() as uow:
        rows = (await uow.mappings.query()).items
    on_main = {row.dev_component_id: row.on_main for row in rows}
    assert on_main == {"a": True, "b": False}


async def test_mapping_remembers_the_promotion_that_wrote_it(uow_factory):
    async with uow_factory() as uow:
        log = await uow.promotions.add(promotion(status="COMPLETED"))
        row = mapping()
        row.last_promotion_id = log.promotion_id
        await uow.mappings.upsert(row)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.mappings.get("dev-comp-1", "dev-team-a")
    assert stored is not None
    assert stored.last_promotion_id == log.promotion_id


async def test_access_upsert_and_group_queries(uow_factory):
    async with uow_factory() as uow:
        await uow.access.upsert(access(sso_group_id="TEAM_A", dev_account_id="dev-a"))
        await uow.access.upsert(access(sso_group_id="TEAM_A", dev_account_id="dev-b"))
        await uow.access.upsert(
            access(sso_group_id="TEAM_B", dev_account_id="dev-b", dev_account_name="B")
        )
        await uow.access.upsert(access(sso_group_id="TEAM_C", dev_account_id="dev-c"))
        await uow.commit()

    async with uow_factory() as uow:
        # Revoking is an upsert with is_active false: still one row for the match key.
        await uow.access.upsert(
            access(sso_group_id="TEAM_A", dev_account_id="dev-b", is_active=False)
        )
        await uow.commit()

    async with uow_factory() as uow:
        team_a = await uow.access.list_active_for_groups(["TEAM_A", "UNRELATED"])
        nobody = await uow.access.list_active_for_groups([])
        all_active = await uow.access.list_all_active()
        rows = await uow.session.scalar(select(func.count()).select_from(DevAccountAccess))
        granted = await uow.access.is_granted(["TEAM_A"], "dev-a")
        revoked = await uow.access.is_granted(["TEAM_A"], "dev-b")
        via_b = await uow.access.is_granted(["TEAM_A", "TEAM_B"], "dev-b")
        groups_of_b = await uow.access.list_active_for_dev_account("dev-b")
        one = await uow.access.get("TEAM_A", "dev-b")

    assert [(row.sso_group_id, row.dev_account_id) for row in team_a] == [("TEAM_A", "dev-a")]
    assert nobody == []
    assert {(row.sso_group_id, row.dev_account_id) for row in all_active} == {
        ("TEAM_A", "dev-a"),
        ("TEAM_B", "dev-b"),
        ("TEAM_C", "dev-c"),
    }
    assert rows == 4
    assert (granted, revoked, via_b) == (True, False, True)
    assert [row.sso_group_id for row in groups_of_b] == ["TEAM_B"]
    assert one is not None
    assert one.is_active is False


async def test_client_account_configs(uow_factory):
    async with uow_factory() as uow:
        await uow.client_accounts.upsert(client_account(sso_group_id="TEAM_A"))
        await uow.client_accounts.upsert(client_account(sso_group_id="TEAM_B"))
        await uow.client_accounts.upsert(
            client_account(client_account_id="client-2", sso_group_id="TEAM_B", is_active=False)
        )
        await uow.client_accounts.upsert(
            client_account(sso_group_id="TEAM_A", client_account_name="Client One (renamed)")
        )
        await uow.commit()

    async with uow_factory() as uow:
        team_a = await uow.client_accounts.list_active_for_groups(["TEAM_A"])
        active = await uow.client_accounts.list_all_active()
        by_env = await uow.client_accounts.find_by_environment("client-1-prod")
        changed = await uow.client_accounts.record_extension_sync(
            "client-1", at=T0, by="alice@example.com"
        )
        await uow.commit()

    async with uow_factory() as uow:
        configs = await uow.client_accounts.list_for_client_account("client-1")

    assert [row.client_account_name for row in team_a] == ["Client One (renamed)"]
    assert {(row.client_account_id, row.sso_group_id) for row in active} == {
        ("client-1", "TEAM_A"),
        ("client-1", "TEAM_B"),
    }
    assert {row.sso_group_id for row in by_env} == {"TEAM_A", "TEAM_B"}
    assert changed == 2
    assert [(row.last_extension_sync_at, row.last_extension_sync_by) for row in configs] == [
        (T0, "alice@example.com"),
        (T0, "alice@example.com"),
    ]


async def test_extension_access_upsert_and_rebuild(uow_factory):
    async with uow_factory() as uow:
        await uow.extension_access.upsert(extension_access(prod_component_id="conn-1"))
        await uow.extension_access.upsert(
            extension_access(
                prod_component_id="op-1",
                component_name="Orders Op",
                is_connection_extension=False,
            )
        )
        await uow.extension_access.upsert(extension_access(environment_id="env-prod"))
        await uow.extension_access.upsert(
            extension_access(prod_component_id="conn-1", authorized_sso_groups=["G1", "G2"])
        )
        await uow.commit()

    async with uow_factory() as uow:
        test_env = await uow.extension_access.list_for_environment("env-test")
        assert [(row.prod_component_id, row.authorized_sso_groups) for row in test_env] == [
            ("conn-1", ["G1", "G2"]),
            ("op-1", ["ABC_BOOMI_FLOW_DEVTEAMA"]),
        ]
        assert [row.is_connection_extension for row in test_env] == [True, False]

        rebuilt = await uow.extension_access.replace_for_environment(
            "env-test", [extension_access(prod_component_id="op-2", component_name="New Op")]
        )
        await uow.commit()

    async with uow_factory() as uow:
        test_env = await uow.extension_access.list_for_environment("env-test")
        prod_env = await uow.extension_access.list_for_environment("env-prod")
        one = await uow.extension_access.get("env-test", "op-2")
    assert (
        [row.prod_component_id for row in test_env]
        == ["op-2"]
        == [row.prod_component_id for row in rebuilt]
    )
    assert len(prod_env) == 1
    assert one is not None
    assert one.is_shared_component is False


async def test_rebuild_refuses_a_mapping_of_another_environment(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(ValueError, match="env-prod"):
            await uow.extension_access.replace_for_environment(
                "env-test", [extension_access(environment_id="env-prod")]
            )


async def test_component_mapping_requires_its_required_fields(uow_factory):
    with pytest.raises(TypeError, match="on_main"):
        ComponentMapping(  # type: ignore[call-arg]
            dev_component_id="d",
            dev_account_id="a",
            prod_component_id="p",
            component_name="n",
            component_type="map",
            prod_account_id="primary",
            prod_latest_version=1,
            last_promoted_at=T0,
            last_promoted_by="alice@example.com",
        )
