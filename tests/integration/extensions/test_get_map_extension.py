"""L3 getMapExtension over HTTP: the demo's Client Co map extension, read for the editor."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN
OLIVIA = "olivia@example.com"  # READONLY


def client_test_environment(service: DemoService) -> tuple[str, str]:
    client = service.seed.client_accounts[0]
    return client.account_id, client.test_environment_id


def client_map_extension_id(service: DemoService) -> str:
    _, environment_id = client_test_environment(service)
    return next(
        m.extension_id
        for m in service.emulator.state.map_extensions.values()
        if m.environment_id == environment_id
    )


async def read(service: DemoService, caller: str, **overrides: Any) -> httpx.Response:
    account_id, environment_id = client_test_environment(service)
    body = {
        "clientAccountId": account_id,
        "environmentId": environment_id,
        "mapExtensionId": client_map_extension_id(service),
        **overrides,
    }
    return await service.call(caller, "getMapExtension", body)


async def boomi_map_extension(service: DemoService) -> dict[str, Any]:
    account_id, _ = client_test_environment(service)
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentMapExtension/{client_map_extension_id(service)}",
            params={"overrideAccount": account_id},
        )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def without_types(document: Any) -> Any:
    """Boomi's ``@type`` markers, which the service does not pass on, left out."""
    if isinstance(document, dict):
        return {k: without_types(v) for k, v in document.items() if k != "@type"}
    if isinstance(document, list):
        return [without_types(item) for item in document]
    return document


async def test_alice_reads_the_map_extension_with_its_version(demo_service: DemoService) -> None:
    stored = await boomi_map_extension(demo_service)

    response = await read(demo_service, ALICE)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mapExtensionId"] == client_map_extension_id(demo_service)
    assert body["mapName"] == stored["name"]
    assert body["version"] == stored["version"]
    assert len(body["fingerprint"]) == 64
    assert body["canEdit"] is True
    document = json.loads(body["mapExtensionData"])["Map"]
    expected = without_types(stored["Map"])
    for part in ("ExtendedMappings", "ExtendedFunctions", "SourceProfile", "DestinationProfile"):
        assert document[part] == expected[part], part


async def test_the_version_read_is_the_one_an_edit_sends_back(demo_service: DemoService) -> None:
    account_id, environment_id = client_test_environment(demo_service)
    first = (await read(demo_service, ALICE)).json()

    edited = await demo_service.call(
        ALICE,
        "updateMapExtension",
        {
            "clientAccountId": account_id,
            "environmentId": environment_id,
            "mapExtensionId": first["mapExtensionId"],
            "mapExtensionPayload": {
                "addMappings": [{"fromXPath": "Customer/Object/name", "toXPath": "Customer/name"}]
            },
            "expectedVersion": first["version"],
        },
    )
    assert edited.status_code == 200, edited.text
    again = (await read(demo_service, ALICE)).json()

    assert again["version"] == edited.json()["version"] != first["version"]
    assert again["fingerprint"] == edited.json()["fingerprint"] != first["fingerprint"]


async def test_another_team_reads_it_but_may_not_edit(demo_service: DemoService) -> None:
    response = await read(demo_service, DAVE)

    assert response.status_code == 200, response.text
    assert response.json()["canEdit"] is False


async def test_an_admin_may_edit_it(demo_service: DemoService) -> None:
    response = await read(demo_service, CAROL)

    assert response.status_code == 200, response.text
    assert response.json()["canEdit"] is True


async def test_an_unknown_map_extension_is_not_found(demo_service: DemoService) -> None:
    response = await read(demo_service, ALICE, mapExtensionId="no-such-map-extension")

    assert response.status_code == 404, response.text
    assert response.json()["errorCode"] == "MAP_EXTENSION_NOT_FOUND"


async def test_a_map_extension_of_the_other_environment_is_not_found(
    demo_service: DemoService,
) -> None:
    client = demo_service.seed.client_accounts[0]

    response = await read(demo_service, ALICE, environmentId=client.prod_environment_id)

    assert response.status_code == 404, response.text
    assert response.json()["errorCode"] == "MAP_EXTENSION_NOT_FOUND"


async def test_an_environment_outside_the_granted_accounts_is_refused(
    demo_service: DemoService,
) -> None:
    response = await read(demo_service, ALICE, environmentId="env-not-a-client-environment")

    assert response.status_code == 403, response.text
    assert response.json()["errorCode"] == "UNAUTHORIZED_CLIENT_ACCOUNT"


async def test_read_only_users_may_not_read_it(demo_service: DemoService) -> None:
    response = await read(demo_service, OLIVIA)

    assert response.status_code == 403, response.text
