"""Setting up an installation as an admin: dev account access, client accounts, and the
lookups by name they are picked from — over HTTP, against the emulator over HTTP, on SQLite and
PostgreSQL.

Each test adds to the emulator what a platform team would have in Boomi (a new team's dev
sub-account, a new client account with its environments) and sets it up through the actions
alone, as the dashboard does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from boomi_promo.identity.local import LocalIdentity
from boomi_promo.store import AuditEntry, UnitOfWorkFactory, create_engine
from boomi_promo.store.tables import ExtensionAccessMapping
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
CAROL = "carol@example.com"  # ADMIN
TEAM_A_GROUP = "ABC_BOOMI_FLOW_DEVTEAMA"
TEAM_C_GROUP = "ABC_BOOMI_FLOW_DEVTEAMC"
TEAM_C_ID = "devteamc-DVC001"
NEW_CLIENT_ID = "newclient-NCL001"
NEW_CLIENT_GROUP = "NEW_CLIENT_EXTENSION_EDITORS"


@pytest.fixture
async def store(promo_service: DemoService) -> AsyncIterator[UnitOfWorkFactory]:
    engine = create_engine(promo_service.settings.resolved_database_url())
    try:
        yield UnitOfWorkFactory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def team_c_account(promo_service: DemoService) -> str:
    """A new team's dev sub-account in Boomi, with one packaged process, granted to nobody."""
    state = promo_service.emulator.state
    state.add_account(
        TEAM_C_ID, "Dev Team C", parent_account_id=promo_service.seed.primary_account_id
    )
    return TEAM_C_ID


@pytest.fixture
def new_client(promo_service: DemoService) -> dict[str, str]:
    """A new client sub-account with a Test and a Production environment."""
    state = promo_service.emulator.state
    state.add_account(
        NEW_CLIENT_ID, "New Client", parent_account_id=promo_service.seed.primary_account_id
    )
    test = state.add_environment(NEW_CLIENT_ID, "New Client Test", "TEST")
    prod = state.add_environment(NEW_CLIENT_ID, "New Client Production", "PROD")
    return {"test": test.environment_id, "prod": prod.environment_id}


def token(service: DemoService, email: str, groups: list[str]) -> str:
    identity = LocalIdentity(service.data_dir, groups=service.settings.groups)
    return identity.issue_token(email, email.split("@")[0], groups)


async def call_as(
    service: DemoService, email: str, groups: list[str], action: str, body: dict[str, Any]
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token(service, email, groups)}"}
    async with httpx.AsyncClient(base_url=service.base_url, headers=headers, timeout=30) as api:
        return await api.post(f"/api/v1/actions/{action}", json=body)


async def ok(service: DemoService, email: str, name: str, /, **body: Any) -> dict[str, Any]:
    response = await service.call(email, name, body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["success"] is True
    return answer


def assert_refused(response: httpx.Response, status: int, code: str, field: str | None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["errorCode"] == code
    assert body["errorMessage"]
    if field is not None:
        assert body["errorField"] == field


async def audit(store: UnitOfWorkFactory, target_type: str, target_id: str) -> list[AuditEntry]:
    async with store() as uow:
        page = await uow.audit.list_entries(target_type=target_type, target_id=target_id)
    return page.items


async def grants(service: DemoService) -> list[dict[str, Any]]:
    answer = await ok(service, CAROL, "manageDevAccountAccess", action="query")
    found: list[dict[str, Any]] = answer["grants"]
    return found


# ----------------------------------------------------------------------------- dev accounts


async def test_a_new_team_is_granted_its_dev_account_found_by_name(
    promo_service: DemoService, team_c_account: str, store: UnitOfWorkFactory
) -> None:
    dave_c = ["ABC_BOOMI_FLOW_CONTRIBUTOR", TEAM_C_GROUP]
    before = await call_as(promo_service, "cleo@example.com", dave_c, "getDevAccounts", {})
    assert before.json()["devAccounts"] == []

    found = await ok(promo_service, CAROL, "findBoomiAccounts", nameContains="team c")
    assert [(a["accountId"], a["accountName"], a["role"]) for a in found["accounts"]] == [
        (TEAM_C_ID, "Dev Team C", "")
    ]
    granted = await ok(
        promo_service,
        CAROL,
        "manageDevAccountAccess",
        action="grant",
        ssoGroupId=TEAM_C_GROUP,
        ssoGroupName="Dev Team C developers",
        devAccountId=TEAM_C_ID,
    )

    assert granted["grants"] == [
        {
            "ssoGroupId": TEAM_C_GROUP,
            "ssoGroupName": "Dev Team C developers",
            "devAccountId": TEAM_C_ID,
            "devAccountName": "Dev Team C",  # read from Boomi, not typed
            "isActive": True,
            "updatedAt": granted["grants"][0]["updatedAt"],
        }
    ]
    after = await call_as(promo_service, "cleo@example.com", dave_c, "getDevAccounts", {})
    assert after.json()["devAccounts"] == [{"accountId": TEAM_C_ID, "accountName": "Dev Team C"}]
    packages = await call_as(
        promo_service, "cleo@example.com", dave_c, "listDevPackages", {"devAccountId": TEAM_C_ID}
    )
    assert packages.status_code == 200, packages.text
    relisted = await ok(promo_service, CAROL, "findBoomiAccounts", nameContains="DVC001")
    assert relisted["accounts"][0]["role"] == "DEV"
    entries = await audit(store, "dev_account_access", f"{TEAM_C_GROUP}/{TEAM_C_ID}")
    assert [(e.action, e.actor_email) for e in entries] == [("dev_account_access.granted", CAROL)]
    assert entries[0].detail is not None
    assert entries[0].detail["before"] is None
    assert entries[0].detail["after"]["devAccountName"] == "Dev Team C"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"ssoGroupId": "TEAM_C", "devAccountId": TEAM_C_ID}, 400, "INVALID_REQUEST", "ssoGroupId"),
        (
            {"ssoGroupId": "ABC_BOOMI_FLOW_DEVTEAM", "devAccountId": TEAM_C_ID},
            400,
            "INVALID_REQUEST",
            "ssoGroupId",
        ),
        ({"devAccountId": TEAM_C_ID}, 400, "INVALID_REQUEST", "ssoGroupId"),
        ({"ssoGroupId": TEAM_C_GROUP}, 400, "INVALID_REQUEST", "devAccountId"),
        (
            {"ssoGroupId": TEAM_C_GROUP, "devAccountId": "nosuch-ACC404"},
            404,
            "ACCOUNT_NOT_FOUND",
            "devAccountId",
        ),
        (
            {"ssoGroupId": TEAM_C_GROUP, "devAccountId": "PRIMARY"},
            400,
            "INVALID_REQUEST",
            "devAccountId",
        ),
    ],
    ids=["no-team-prefix", "prefix-only", "no-group", "no-account", "unknown-account", "primary"],
)
async def test_a_grant_boomi_or_the_settings_would_not_honour_is_refused_and_nothing_written(
    promo_service: DemoService,
    team_c_account: str,
    body: dict[str, Any],
    status: int,
    code: str,
    field: str,
) -> None:
    if body.get("devAccountId") == "PRIMARY":
        body = {**body, "devAccountId": promo_service.seed.primary_account_id}
    before = await grants(promo_service)

    response = await promo_service.call(
        CAROL, "manageDevAccountAccess", {"action": "grant", **body}
    )

    assert_refused(response, status, code, field)
    assert await grants(promo_service) == before


async def test_an_account_outside_the_primary_cannot_be_granted(promo_service: DemoService) -> None:
    state = promo_service.emulator.state
    state.add_account("elsewhere-ELS001", "Someone else's parent")
    state.add_account("stranger-STR001", "Stranger", parent_account_id="elsewhere-ELS001")

    response = await promo_service.call(
        CAROL,
        "manageDevAccountAccess",
        {"action": "grant", "ssoGroupId": TEAM_C_GROUP, "devAccountId": "stranger-STR001"},
    )

    assert_refused(response, 404, "ACCOUNT_NOT_FOUND", "devAccountId")


async def test_only_admins_set_up_accounts(promo_service: DemoService, team_c_account: str) -> None:
    for action, body in [
        ("manageDevAccountAccess", {"action": "query"}),
        (
            "manageDevAccountAccess",
            {"action": "grant", "ssoGroupId": TEAM_C_GROUP, "devAccountId": TEAM_C_ID},
        ),
        ("manageClientAccounts", {"action": "query"}),
        ("findBoomiAccounts", {}),
        ("findBoomiEnvironments", {"accountId": TEAM_C_ID}),
        ("findPrimaryComponents", {}),
    ]:
        response = await promo_service.call(ALICE, action, body)
        assert_refused(response, 403, "INSUFFICIENT_TIER", None)


async def test_revoking_a_grant_takes_the_account_away_and_granting_again_restores_it(
    promo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    team_a = promo_service.seed.dev_accounts[0].account_id
    assert (await ok(promo_service, ALICE, "getDevAccounts"))["devAccounts"]

    revoked = await ok(
        promo_service,
        CAROL,
        "manageDevAccountAccess",
        action="revoke",
        ssoGroupId=TEAM_A_GROUP,
        devAccountId=team_a,
    )

    assert revoked["grants"][0]["isActive"] is False
    assert (await ok(promo_service, ALICE, "getDevAccounts"))["devAccounts"] == []
    refused = await promo_service.call(ALICE, "listDevPackages", {"devAccountId": team_a})
    assert_refused(refused, 403, "UNAUTHORIZED_ACCOUNT_ACCESS", "devAccountId")
    listed = {
        (g["ssoGroupId"], g["devAccountId"]): g["isActive"] for g in await grants(promo_service)
    }
    assert listed[(TEAM_A_GROUP, team_a)] is False  # kept, inactive: the history stays readable
    again = await promo_service.call(
        CAROL,
        "manageDevAccountAccess",
        {"action": "revoke", "ssoGroupId": TEAM_A_GROUP, "devAccountId": team_a},
    )
    assert_refused(again, 404, "ACCESS_NOT_FOUND", "ssoGroupId")

    await ok(
        promo_service,
        CAROL,
        "manageDevAccountAccess",
        action="grant",
        ssoGroupId=TEAM_A_GROUP,
        devAccountId=team_a,
    )
    assert (await ok(promo_service, ALICE, "getDevAccounts"))["devAccounts"]
    entries = await audit(store, "dev_account_access", f"{TEAM_A_GROUP}/{team_a}")
    assert [e.action for e in entries] == [
        "dev_account_access.revoked",
        "dev_account_access.granted",
    ]
    assert entries[0].detail is not None
    assert entries[0].detail["before"]["isActive"] is True
    assert entries[0].detail["after"]["isActive"] is False


async def test_revoking_a_grant_takes_away_the_teams_extension_edit_rights(
    promo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    team_a = promo_service.seed.dev_accounts[0].account_id
    async with store() as uow:
        mappings = await uow.mappings.list_for_dev_account(team_a)
        prod_id = next(
            m.prod_component_id for m in mappings if m.component_type != "connector-settings"
        )
        await uow.extension_access.upsert(
            ExtensionAccessMapping(
                environment_id="env-TEST-1",
                prod_component_id=prod_id,
                component_name="a component",
                component_type="connector-action",
                owner_process_id="",
                owner_process_name="",
                dev_account_id=team_a,
                dev_account_name="Dev Team A",
                authorized_sso_groups=[TEAM_A_GROUP],
                is_connection_extension=False,
                last_updated_by="seed@example.com",
            )
        )
        await uow.commit()

    await ok(
        promo_service,
        CAROL,
        "manageDevAccountAccess",
        action="revoke",
        ssoGroupId=TEAM_A_GROUP,
        devAccountId=team_a,
    )

    async with store() as uow:
        record = await uow.extension_access.get("env-TEST-1", prod_id)
    assert record is not None
    assert record.authorized_sso_groups == []
    assert record.last_updated_by == CAROL


# ----------------------------------------------------------------------------- client accounts


async def test_a_new_client_account_is_set_up_with_environments_picked_by_name(
    promo_service: DemoService, new_client: dict[str, str], store: UnitOfWorkFactory
) -> None:
    editor = ["ABC_BOOMI_FLOW_CONTRIBUTOR", NEW_CLIENT_GROUP]
    environments = await ok(promo_service, CAROL, "findBoomiEnvironments", accountId=NEW_CLIENT_ID)
    assert [(e["environmentName"], e["classification"]) for e in environments["environments"]] == [
        ("New Client Production", "PROD"),
        ("New Client Test", "TEST"),
    ]
    only_test = await ok(
        promo_service,
        CAROL,
        "findBoomiEnvironments",
        accountId=NEW_CLIENT_ID,
        classification="TEST",
    )
    assert [e["environmentId"] for e in only_test["environments"]] == [new_client["test"]]

    saved = await ok(
        promo_service,
        CAROL,
        "manageClientAccounts",
        action="save",
        clientAccountId=NEW_CLIENT_ID,
        ssoGroupId=NEW_CLIENT_GROUP,
        testEnvironmentId=new_client["test"],
        prodEnvironmentId=new_client["prod"],
    )

    record = saved["clientAccounts"][0]
    assert (
        record["clientAccountName"],
        record["testEnvironmentName"],
        record["prodEnvironmentName"],
    ) == (
        "New Client",
        "New Client Test",
        "New Client Production",
    )
    listed = await call_as(promo_service, "nina@example.com", editor, "listClientAccounts", {})
    assert [a["clientAccountId"] for a in listed.json()["clientAccounts"]] == [NEW_CLIENT_ID]
    entries = await audit(store, "client_account_config", f"{NEW_CLIENT_ID}/{NEW_CLIENT_GROUP}")
    assert [e.action for e in entries] == ["client_account.saved"]

    await ok(
        promo_service,
        CAROL,
        "manageClientAccounts",
        action="deactivate",
        clientAccountId=NEW_CLIENT_ID,
        ssoGroupId=NEW_CLIENT_GROUP,
    )
    listed = await call_as(promo_service, "nina@example.com", editor, "listClientAccounts", {})
    assert listed.json()["clientAccounts"] == []
    entries = await audit(store, "client_account_config", f"{NEW_CLIENT_ID}/{NEW_CLIENT_GROUP}")
    assert [e.action for e in entries] == ["client_account.saved", "client_account.deactivated"]


async def test_client_environments_are_checked_in_boomi(
    promo_service: DemoService, new_client: dict[str, str]
) -> None:
    other_test = promo_service.seed.client_accounts[0].test_environment_id
    cases = [
        (
            {"testEnvironmentId": new_client["prod"], "prodEnvironmentId": new_client["test"]},
            400,
            "INVALID_REQUEST",
            "testEnvironmentId",
        ),
        (
            {"testEnvironmentId": new_client["test"], "prodEnvironmentId": new_client["test"]},
            400,
            "INVALID_REQUEST",
            "prodEnvironmentId",
        ),
        (
            {"testEnvironmentId": other_test, "prodEnvironmentId": new_client["prod"]},
            404,
            "ENVIRONMENT_NOT_FOUND",
            "testEnvironmentId",
        ),
        ({"prodEnvironmentId": new_client["prod"]}, 400, "INVALID_REQUEST", "testEnvironmentId"),
    ]
    for environments, status, code, field in cases:
        response = await promo_service.call(
            CAROL,
            "manageClientAccounts",
            {
                "action": "save",
                "clientAccountId": NEW_CLIENT_ID,
                "ssoGroupId": NEW_CLIENT_GROUP,
                **environments,
            },
        )
        assert_refused(response, status, code, field)
    everything = await ok(promo_service, CAROL, "manageClientAccounts", action="query")
    assert NEW_CLIENT_ID not in {c["clientAccountId"] for c in everything["clientAccounts"]}


async def test_one_account_is_never_both_a_dev_and_a_client_account(
    promo_service: DemoService, new_client: dict[str, str]
) -> None:
    client = promo_service.seed.client_accounts[0]
    as_dev = await promo_service.call(
        CAROL,
        "manageDevAccountAccess",
        {"action": "grant", "ssoGroupId": TEAM_C_GROUP, "devAccountId": client.account_id},
    )
    assert_refused(as_dev, 409, "ACCOUNT_IS_CLIENT_ACCOUNT", "devAccountId")

    team_a = promo_service.seed.dev_accounts[0].account_id
    as_client = await promo_service.call(
        CAROL,
        "manageClientAccounts",
        {
            "action": "save",
            "clientAccountId": team_a,
            "ssoGroupId": NEW_CLIENT_GROUP,
            "testEnvironmentId": new_client["test"],
            "prodEnvironmentId": new_client["prod"],
        },
    )
    # Team A has no environments of its own: Boomi's answer refuses it first.
    assert as_client.status_code in (404, 409), as_client.text


# ----------------------------------------------------------------------------- components


async def test_primary_connections_are_found_by_name_type_and_folder(
    promo_service: DemoService,
) -> None:
    shared = {c.prod_component_id: c.component_name for c in promo_service.seed.connection_mappings}

    found = await ok(promo_service, CAROL, "findPrimaryComponents", nameContains="orders")
    in_folder = await ok(
        promo_service,
        CAROL,
        "findPrimaryComponents",
        nameContains="ORDERS",
        folderContains="#Connections",
    )
    nowhere = await ok(
        promo_service,
        CAROL,
        "findPrimaryComponents",
        nameContains="orders",
        folderContains="no such folder",
    )

    assert found["components"], found
    assert all(c["componentType"] == "connector-settings" for c in found["components"])
    assert all("orders" in c["componentName"].lower() for c in found["components"])
    assert {c["componentId"] for c in in_folder["components"]} <= set(shared)
    assert in_folder["components"]
    assert all("#Connections" in c["folderFullPath"] for c in in_folder["components"])
    assert nowhere["components"] == []
    bad_type = await promo_service.call(CAROL, "findPrimaryComponents", {"componentType": "gizmo"})
    assert_refused(bad_type, 400, "INVALID_REQUEST", "componentType")


# ----------------------------------------------------------------------------- CSV import


def csv_file(service: DemoService, rows: list[tuple[str, str, str, str]]) -> str:
    lines = ["devComponentId,devAccountId,prodComponentId,componentName,componentType"]
    lines += [
        f"{dev},{account},{prod},{name},connector-settings" for dev, account, prod, name in rows
    ]
    return "\n".join(lines) + "\n"


async def test_mappings_are_imported_from_csv_text_all_or_nothing(
    promo_service: DemoService, store: UnitOfWorkFactory
) -> None:
    team_a = promo_service.seed.dev_accounts[0].account_id
    prod = promo_service.seed.connection_mappings[0].prod_component_id
    good = csv_file(
        promo_service,
        [("dev-new-1", team_a, prod, "New API"), ("dev-new-2", team_a, prod, "New DB")],
    )

    preview = await ok(
        promo_service, CAROL, "manageMappings", action="importCsv", csvText=good, dryRun=True
    )
    async with store() as uow:
        assert await uow.mappings.get("dev-new-1", team_a) is None
    imported = await ok(promo_service, CAROL, "manageMappings", action="importCsv", csvText=good)
    again = await ok(promo_service, CAROL, "manageMappings", action="importCsv", csvText=good)
    broken = await promo_service.call(
        CAROL,
        "manageMappings",
        {"action": "importCsv", "csvText": good.replace("New DB", "Changed") + "dev-x,,p,,\n"},
    )
    refused = await promo_service.call(
        ALICE, "manageMappings", {"action": "importCsv", "csvText": good}
    )

    assert (preview["created"], preview["updated"], preview["unchanged"]) == (2, 0, 0)
    assert (imported["created"], imported["updated"], imported["unchanged"]) == (2, 0, 0)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert_refused(broken, 400, "INVALID_REQUEST", "csvText")
    assert "line 4" in broken.json()["errorMessage"]
    assert_refused(refused, 403, "INSUFFICIENT_TIER", None)
    async with store() as uow:
        kept = await uow.mappings.get("dev-new-2", team_a)
    assert kept is not None
    assert kept.component_name == "New DB", "a file with a bad line changes nothing"
    entries = await audit(store, "component_mapping", f"{team_a}/dev-new-1")
    assert [(e.action, e.actor_email) for e in entries] == [("mapping.imported", CAROL)]


async def test_blank_fields_count_as_absent_as_flow_style_clients_send_them(
    promo_service: DemoService,
) -> None:
    everything = await ok(promo_service, CAROL, "findBoomiAccounts", nameContains="")
    response = await promo_service.call(
        CAROL,
        "manageDevAccountAccess",
        {"action": "grant", "ssoGroupId": "", "ssoGroupName": "", "devAccountId": ""},
    )

    assert len(everything["accounts"]) >= 3  # two dev accounts and a client account
    assert_refused(response, 400, "INVALID_REQUEST", "ssoGroupId")
