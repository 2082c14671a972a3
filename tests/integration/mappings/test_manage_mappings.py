"""F manageMappings over HTTP, against the emulator over HTTP.

The service's database is shared by the whole test session while each test gets a fresh
emulator whose component ids are new UUIDs, so mappings made here from this test's seed ids
cannot collide with another test's; tests delete what they create.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from boomi_promo.store import AuditEntry, UnitOfWorkFactory, create_engine
from tests.integration.emulator.boomi import component_xml, create
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN
OLIVIA = "olivia@example.com"  # READONLY
TEAM_A = "devteama-DVA001"
TEAM_B = "devteamb-DVB001"


@pytest.fixture
async def store(demo_service: DemoService) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(demo_service.settings.resolved_database_url())
    try:
        yield UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


def dev_component_name(service: DemoService, account: str, component_id: str) -> str:
    with service.emulator.client() as boomi:
        response = boomi.get(
            f"/ComponentMetadata/{component_id}", params={"overrideAccount": account}
        )
    response.raise_for_status()
    name: str = response.json()["name"]
    return name


def connection(service: DemoService, name: str) -> tuple[str, str, str]:
    """(dev account, dev connection id, shared prod connection id) of a seeded connection."""
    found = next(c for c in service.seed.connection_mappings if c.component_name == name)
    return found.dev_account_id, found.dev_component_id, found.prod_component_id


async def manage(service: DemoService, email: str, **body: Any) -> httpx.Response:
    return await service.call(email, "manageMappings", body)


async def query(service: DemoService, email: str, **filters: Any) -> dict[str, Any]:
    response = await manage(service, email, action="query", **filters)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def audit_of(store: UnitOfWorkFactory, account: str, component: str) -> list[AuditEntry]:
    async with store() as uow:
        page = await uow.audit.list_entries(
            target_type="component_mapping", target_id=f"{account}/{component}"
        )
    return page.items


def assert_refused(response: httpx.Response, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["errorCode"] == code
    if field is not None:
        assert body["errorField"] == field
        assert body["errorMessage"]


# ----------------------------------------------------------------------------- query


@pytest.fixture
async def shared_connection(demo_service: DemoService) -> AsyncIterator[str]:
    """Three dev connections (two of team A, one of team B) seeded onto one prod connection."""
    _, orders_api, prod_id = connection(demo_service, "Orders API")
    _, orders_db, _ = connection(demo_service, "Orders Database")
    _, inventory_api, _ = connection(demo_service, "Inventory API")
    rows = [(TEAM_A, orders_api), (TEAM_A, orders_db), (TEAM_B, inventory_api)]
    seeded = await manage(
        demo_service,
        CAROL,
        action="seedConnection",
        prodComponentId=prod_id,
        devConnections=[{"devAccountId": a, "devComponentId": c} for a, c in rows],
    )
    assert seeded.status_code == 200, seeded.text
    yield prod_id
    for account, dev_id in rows:
        await manage(
            demo_service, CAROL, action="delete", devAccountId=account, devComponentId=dev_id
        )


async def test_contributor_sees_only_mappings_of_granted_dev_accounts(
    demo_service: DemoService, shared_connection: str
) -> None:
    alice = await query(demo_service, ALICE, prodComponentId=shared_connection)
    dave = await query(demo_service, DAVE, prodComponentId=shared_connection)
    alice_everything = await query(demo_service, ALICE, pageSize=500)

    assert alice["success"] is True
    assert sorted(m["componentName"] for m in alice["mappings"]) == [
        "Orders API",
        "Orders Database",
    ]
    assert {m["devAccountId"] for m in alice["mappings"]} == {TEAM_A}
    assert alice["totalCount"] == 2
    assert [m["componentName"] for m in dave["mappings"]] == ["Inventory API"]
    assert {m["devAccountId"] for m in alice_everything["mappings"]} == {TEAM_A}
    assert (alice_everything["page"], alice_everything["pageSize"]) == (1, 500)


async def test_contributor_filtering_on_another_teams_account_is_refused(
    demo_service: DemoService,
) -> None:
    response = await manage(demo_service, ALICE, action="query", devAccountId=TEAM_B)

    assert_refused(response, 403, "UNAUTHORIZED_ACCOUNT_ACCESS", "devAccountId")


async def test_admin_sees_every_account_and_filters_combine(
    demo_service: DemoService, shared_connection: str
) -> None:
    everything = await query(demo_service, CAROL, prodComponentId=shared_connection)
    inventory = await query(
        demo_service,
        CAROL,
        prodComponentId=shared_connection,
        componentType="connector-settings",
        mappingSource="ADMIN_SEEDING",
        nameContains="iNvEnToRy",
    )
    team_a = await query(
        demo_service, CAROL, prodComponentId=shared_connection, devAccountId=TEAM_A
    )
    engine_made = await query(
        demo_service, CAROL, prodComponentId=shared_connection, mappingSource="PROMOTION_ENGINE"
    )

    assert {m["devAccountId"] for m in everything["mappings"]} == {TEAM_A, TEAM_B}
    [mapping] = inventory["mappings"]
    assert mapping["componentName"] == "Inventory API"
    assert mapping["devAccountId"] == TEAM_B
    assert mapping["componentType"] == "connector-settings"
    assert mapping["mappingSource"] == "ADMIN_SEEDING"
    assert mapping["onMain"] is True
    assert mapping["lastPromotedBy"] == CAROL
    assert mapping["lastPromoted"].endswith("Z")
    assert team_a["totalCount"] == 2
    assert engine_made["totalCount"] == 0


async def test_query_pages_through_the_results(
    demo_service: DemoService, shared_connection: str
) -> None:
    first = await query(demo_service, CAROL, prodComponentId=shared_connection, pageSize=2)
    second = await query(demo_service, CAROL, prodComponentId=shared_connection, page=2, pageSize=2)

    assert (len(first["mappings"]), len(second["mappings"])) == (2, 1)
    assert first["totalCount"] == second["totalCount"] == 3
    first_keys = {(m["devAccountId"], m["devComponentId"]) for m in first["mappings"]}
    second_keys = {(m["devAccountId"], m["devComponentId"]) for m in second["mappings"]}
    assert not first_keys & second_keys


async def test_page_size_above_the_maximum_is_refused(demo_service: DemoService) -> None:
    response = await manage(demo_service, CAROL, action="query", pageSize=501)

    assert_refused(response, 400, "INVALID_REQUEST", "pageSize")


async def test_unknown_action_is_refused_naming_the_field(demo_service: DemoService) -> None:
    response = await manage(demo_service, CAROL, action="rename")

    assert_refused(response, 400, "INVALID_REQUEST", "action")


async def test_readonly_user_cannot_even_query(demo_service: DemoService) -> None:
    response = await manage(demo_service, OLIVIA, action="query")

    assert_refused(response, 403, "INSUFFICIENT_TIER", None)


@pytest.mark.parametrize("operation", ["update", "delete", "seedConnection"])
async def test_contributor_cannot_change_mappings(
    demo_service: DemoService, operation: str
) -> None:
    account, dev_id, prod_id = connection(demo_service, "Orders API")
    response = await manage(
        demo_service,
        ALICE,
        action=operation,
        devAccountId=account,
        devComponentId=dev_id,
        prodComponentId=prod_id,
        devConnections=[{"devAccountId": account, "devComponentId": dev_id}],
    )

    assert_refused(response, 403, "INSUFFICIENT_TIER", None)
    assert "ADMIN" in response.json()["errorMessage"]


# ----------------------------------------------------------------------------- update / delete


async def test_admin_updates_then_deletes_a_mapping_with_audit_entries(
    demo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    # The demo's one dev connection that no mapping points at yet.
    account, dev_id = TEAM_A, demo_service.seed.unmapped_connection_id
    dev_name = dev_component_name(demo_service, account, dev_id)
    _, _, first_prod = connection(demo_service, "Orders API")
    _, _, second_prod = connection(demo_service, "Orders Database")

    created = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=account,
        devComponentId=dev_id,
        prodComponentId=first_prod,
    )
    assert created.status_code == 200, created.text
    [mapping] = created.json()["mappings"]
    assert mapping["prodComponentId"] == first_prod
    assert mapping["componentName"] == dev_name  # taken from the dev component in Boomi
    assert mapping["componentType"] == "connector-settings"
    assert mapping["mappingSource"] == "ADMIN_SEEDING"
    assert mapping["lastPromotedBy"] == CAROL
    assert mapping["onMain"] is True
    assert mapping["prodLatestVersion"] == 1

    moved = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=account,
        devComponentId=dev_id,
        prodComponentId=second_prod,
        componentName="Orders API (shared DB)",
        componentType="connector-settings",
    )
    assert moved.status_code == 200, moved.text
    listed = await query(demo_service, CAROL, prodComponentId=second_prod)
    assert (dev_id, "Orders API (shared DB)") in {
        (m["devComponentId"], m["componentName"]) for m in listed["mappings"]
    }
    already_sharing = listed["totalCount"] - 1

    deleted = await manage(
        demo_service, CAROL, action="delete", devAccountId=account, devComponentId=dev_id
    )
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["mappings"][0]["prodComponentId"] == second_prod
    remaining = await query(demo_service, CAROL, prodComponentId=second_prod)
    assert remaining["totalCount"] == already_sharing
    assert dev_id not in {m["devComponentId"] for m in remaining["mappings"]}

    entries = await audit_of(store, account, dev_id)
    assert [e.action for e in entries] == ["mapping.updated", "mapping.updated", "mapping.deleted"]
    assert {e.actor_email for e in entries} == {CAROL}
    assert all(e.process_name == "F · PROMO - Manage Mappings" for e in entries)
    first, second, third = (e.detail or {} for e in entries)
    assert first["before"] is None
    assert first["after"]["prodComponentId"] == first_prod
    assert second["before"]["prodComponentId"] == first_prod
    assert second["after"]["prodComponentId"] == second_prod
    assert third["before"]["prodComponentId"] == second_prod
    assert third["after"] is None


async def test_deleting_a_missing_mapping_is_not_found(demo_service: DemoService) -> None:
    response = await manage(
        demo_service, CAROL, action="delete", devAccountId=TEAM_A, devComponentId="no-such-id"
    )

    assert_refused(response, 404, "MAPPING_NOT_FOUND", "devComponentId")
    assert "no-such-id" in response.json()["errorMessage"]


async def test_update_of_a_missing_prod_component_is_not_found(
    demo_service: DemoService,
) -> None:
    account, dev_id, _ = connection(demo_service, "Orders API")
    missing = "00000000-0000-4000-8000-000000000000"

    response = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=account,
        devComponentId=dev_id,
        prodComponentId=missing,
    )

    assert_refused(response, 404, "PROD_COMPONENT_NOT_FOUND", "prodComponentId")
    assert missing in response.json()["errorMessage"]


async def test_update_of_a_component_missing_in_the_dev_account_is_not_found(
    demo_service: DemoService,
) -> None:
    # Team B's connection exists, but not in team A's account.
    _, team_b_dev, prod_id = connection(demo_service, "Inventory API")

    response = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=TEAM_A,
        devComponentId=team_b_dev,
        prodComponentId=prod_id,
    )

    assert_refused(response, 404, "DEV_COMPONENT_NOT_FOUND", "devComponentId")


async def test_update_refuses_components_of_different_types(demo_service: DemoService) -> None:
    account, dev_connection, prod_connection = connection(demo_service, "Orders API")
    prod_process = demo_service.seed.prior_promotion.prod_root_component_id

    other_type = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=account,
        devComponentId=dev_connection,
        prodComponentId=prod_process,
    )
    wrong_type_named = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=account,
        devComponentId=dev_connection,
        prodComponentId=prod_connection,
        componentType="transform.map",
    )

    assert_refused(other_type, 400, "INVALID_REQUEST", "devComponentId")
    assert "'process'" in other_type.json()["errorMessage"]
    assert_refused(wrong_type_named, 400, "INVALID_REQUEST", "componentType")


@pytest.mark.parametrize(
    ("missing", "body"),
    [
        ("devComponentId", {"devAccountId": TEAM_A, "prodComponentId": "p"}),
        ("devAccountId", {"devComponentId": "d", "prodComponentId": "p"}),
        ("prodComponentId", {"devAccountId": TEAM_A, "devComponentId": "d", "prodComponentId": ""}),
    ],
)
async def test_update_names_a_missing_field(
    demo_service: DemoService, missing: str, body: dict[str, str]
) -> None:
    response = await manage(demo_service, CAROL, action="update", **body)

    assert_refused(response, 400, "INVALID_REQUEST", missing)


async def test_update_in_an_unregistered_dev_account_is_refused(
    demo_service: DemoService,
) -> None:
    _, dev_id, prod_id = connection(demo_service, "Orders API")

    response = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId="unknown-ACC999",
        devComponentId=dev_id,
        prodComponentId=prod_id,
    )

    assert_refused(response, 400, "INVALID_REQUEST", "devAccountId")


async def test_only_connections_may_be_shared_by_several_dev_components(
    demo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    seed = demo_service.seed
    prod_process = seed.prior_promotion.prod_root_component_id
    first_dev = seed.prior_promotion.dev_root_component_id
    second_dev = seed.full_tree_process_id

    first = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=TEAM_A,
        devComponentId=first_dev,
        prodComponentId=prod_process,
    )
    second = await manage(
        demo_service,
        CAROL,
        action="update",
        devAccountId=TEAM_A,
        devComponentId=second_dev,
        prodComponentId=prod_process,
    )
    await manage(
        demo_service, CAROL, action="delete", devAccountId=TEAM_A, devComponentId=first_dev
    )

    assert first.status_code == 200, first.text
    assert first.json()["mappings"][0]["componentType"] == "process"
    assert_refused(second, 409, "PROD_COMPONENT_ALREADY_MAPPED", "prodComponentId")
    assert first_dev in second.json()["errorMessage"]
    assert await audit_of(store, TEAM_A, second_dev) == []


# ----------------------------------------------------------------------------- seedConnection


async def test_one_prod_connection_is_seeded_for_several_dev_accounts(
    demo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    _, orders_dev, prod_id = connection(demo_service, "Orders API")
    _, inventory_dev, _ = connection(demo_service, "Inventory API")
    rows = [
        {"devAccountId": TEAM_A, "devComponentId": orders_dev},
        {"devAccountId": TEAM_B, "devComponentId": inventory_dev},
    ]

    response = await manage(
        demo_service, CAROL, action="seedConnection", prodComponentId=prod_id, devConnections=rows
    )

    assert response.status_code == 200, response.text
    written = response.json()["mappings"]
    assert [(m["devAccountId"], m["devComponentId"]) for m in written] == [
        (TEAM_A, orders_dev),
        (TEAM_B, inventory_dev),
    ]
    assert {m["prodComponentId"] for m in written} == {prod_id}
    assert {m["mappingSource"] for m in written} == {"ADMIN_SEEDING"}
    assert [m["componentName"] for m in written] == ["Orders API", "Inventory API"]
    listed = await query(demo_service, CAROL, prodComponentId=prod_id)
    assert listed["totalCount"] == 2
    # Team B's contributor sees the team B mapping of the shared connection, not team A's.
    dave = await query(demo_service, DAVE, prodComponentId=prod_id)
    assert [m["devComponentId"] for m in dave["mappings"]] == [inventory_dev]
    for account, dev_id in ((TEAM_A, orders_dev), (TEAM_B, inventory_dev)):
        [entry] = await audit_of(store, account, dev_id)
        assert entry.action == "mapping.seeded"
        assert entry.actor_email == CAROL
        await manage(
            demo_service, CAROL, action="delete", devAccountId=account, devComponentId=dev_id
        )


async def test_seeding_writes_nothing_when_any_row_is_wrong(
    demo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    _, good_dev, prod_id = connection(demo_service, "Orders API")
    not_a_connection = demo_service.seed.full_tree_process_id
    before = (await query(demo_service, CAROL, prodComponentId=prod_id))["totalCount"]
    rows = [
        {"devAccountId": TEAM_A, "devComponentId": good_dev},
        {"devAccountId": TEAM_A, "devComponentId": "11111111-1111-4111-8111-111111111111"},
        {"devAccountId": TEAM_A, "devComponentId": not_a_connection},
    ]

    response = await manage(
        demo_service, CAROL, action="seedConnection", prodComponentId=prod_id, devConnections=rows
    )

    assert_refused(response, 400, "INVALID_REQUEST", "devConnections[1].devComponentId")
    body = response.json()
    assert [p["field"] for p in body["problems"]] == [
        "devConnections[1].devComponentId",
        "devConnections[2].devComponentId",
    ]
    assert "2 of 3" in body["errorMessage"]
    assert (await query(demo_service, CAROL, prodComponentId=prod_id))["totalCount"] == before
    assert await audit_of(store, TEAM_A, good_dev) == []


async def test_seeding_refuses_a_prod_component_that_is_not_a_connection(
    demo_service: DemoService,
) -> None:
    _, dev_id, _ = connection(demo_service, "Orders API")

    response = await manage(
        demo_service,
        CAROL,
        action="seedConnection",
        prodComponentId=demo_service.seed.prior_promotion.prod_root_component_id,
        devConnections=[{"devAccountId": TEAM_A, "devComponentId": dev_id}],
    )

    assert_refused(response, 400, "INVALID_REQUEST", "prodComponentId")
    assert "connector-settings" in response.json()["errorMessage"]


async def test_seeding_refuses_a_prod_connection_outside_the_connections_folder(
    demo_service: DemoService,
) -> None:
    _, dev_id, _ = connection(demo_service, "Orders API")
    with demo_service.emulator.client() as boomi:
        stray = create(
            boomi,
            component_xml(
                name="Stray API",
                type_="connector-settings",
                content='<HttpSettings xmlns="" url="https://example.com"/>',
            ),
        ).get("componentId")

    response = await manage(
        demo_service,
        CAROL,
        action="seedConnection",
        prodComponentId=stray,
        devConnections=[{"devAccountId": TEAM_A, "devComponentId": dev_id}],
    )

    assert_refused(response, 400, "INVALID_REQUEST", "prodComponentId")
    assert "#Connections" in response.json()["errorMessage"]


async def test_seeding_refuses_repeated_rows_and_unknown_accounts(
    demo_service: DemoService,
) -> None:
    _, dev_id, prod_id = connection(demo_service, "Orders API")
    row = {"devAccountId": TEAM_A, "devComponentId": dev_id}

    repeated = await manage(
        demo_service,
        CAROL,
        action="seedConnection",
        prodComponentId=prod_id,
        devConnections=[row, row],
    )
    unknown_account = await manage(
        demo_service,
        CAROL,
        action="seedConnection",
        prodComponentId=prod_id,
        devConnections=[row, {"devAccountId": "nobody-X1", "devComponentId": dev_id}],
    )
    empty = await manage(demo_service, CAROL, action="seedConnection", prodComponentId=prod_id)

    assert_refused(repeated, 400, "INVALID_REQUEST", "devConnections[1].devComponentId")
    assert_refused(unknown_account, 400, "INVALID_REQUEST", "devConnections[1].devAccountId")
    assert_refused(empty, 400, "INVALID_REQUEST", "devConnections")
