"""L getExtensions over HTTP against the demo's Client Co environments."""

from __future__ import annotations

import json
from typing import Any

from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN


async def get_extensions(
    service: DemoService, caller: str, environment_id: str, **extra: Any
) -> dict[str, Any]:
    response = await service.call(
        caller, "getExtensions", {"environmentId": environment_id, **extra}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def access_by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["componentName"]: item for item in json.loads(body["accessMappings"])}


async def test_alice_reads_client_co_test_with_her_access(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    body = await get_extensions(
        demo_service, ALICE, client.test_environment_id, clientAccountId=client.account_id
    )

    assert body["success"] is True
    assert body["environmentId"] == client.test_environment_id
    assert (body["connectionCount"], body["processPropertyCount"]) == (5, 1)
    assert (body["dynamicPropertyCount"], body["mapExtensionCount"]) == (2, 1)
    assert body["componentCount"] == 11
    access = access_by_name(body)
    for name in ("Customer Sync Settings", "Country Codes", "Get Customers"):
        assert access[name]["canEdit"] is True, name
        assert access[name]["authorizedGroups"] == ["ABC_BOOMI_FLOW_DEVTEAMA"]
    assert access["Get Customers"]["ownerProcessName"] == "Customer Sync"
    orders_api = access["Orders API"]
    assert orders_api["isConnection"] is True
    assert (orders_api["canEdit"], orders_api["reasonCode"]) == (
        False,
        "CONNECTION_EDIT_ADMIN_ONLY",
    )
    for primary_only in ("Acme Retail", "AS2 Shared Channel", "Partner PGP Key"):
        assert access[primary_only]["authorizedGroups"] == []
        assert access[primary_only]["reasonCode"] == "UNAUTHORIZED_EXTENSION_EDIT"
    [summary] = json.loads(body["mapExtensionSummaries"])
    assert summary["name"]


async def test_encrypted_values_are_never_returned(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    body = await get_extensions(demo_service, CAROL, client.prod_environment_id)

    text = json.dumps(body)
    assert not [secret for secret in demo_service.seed.secret_values if secret in text]
    extensions = json.loads(body["extensionData"])
    [orders_api] = [c for c in extensions["connections"]["connection"] if c["name"] == "Orders API"]
    [password] = [f for f in orders_api["field"] if f["id"] == "password"]
    assert password["encryptedValueSet"] is True
    assert "value" not in password


async def test_dave_sees_team_a_components_as_not_editable(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    access = access_by_name(await get_extensions(demo_service, DAVE, client.test_environment_id))

    for name in ("Customer Sync Settings", "Country Codes", "Get Customers"):
        assert access[name]["canEdit"] is False, name
        assert access[name]["reasonCode"] == "UNAUTHORIZED_EXTENSION_EDIT"
    assert access["Inventory API"]["authorizedGroups"] == ["ABC_BOOMI_FLOW_DEVTEAMB"]
    assert access["Inventory API"]["reasonCode"] == "CONNECTION_EDIT_ADMIN_ONLY"


async def test_admins_may_edit_every_component(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    access = access_by_name(await get_extensions(demo_service, CAROL, client.prod_environment_id))

    assert all(item["canEdit"] for item in access.values())


async def test_an_environment_outside_the_callers_accounts_is_refused(
    demo_service: DemoService,
) -> None:
    seed = demo_service.seed
    client = seed.client_accounts[0]

    for body in (
        {"environmentId": seed.prod_environment_id},  # the primary account's own environment
        {"environmentId": client.test_environment_id, "clientAccountId": "other-ACC001"},
    ):
        response = await demo_service.call(ALICE, "getExtensions", body)
        assert response.status_code == 403
        assert response.json()["errorCode"] == "UNAUTHORIZED_CLIENT_ACCOUNT"
