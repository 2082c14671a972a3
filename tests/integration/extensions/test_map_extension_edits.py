"""O updateMapExtension over HTTP: safe read-modify-write of the demo's Client Co map extension."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
BOB = "bob@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
MAP_WRITE = r"/EnvironmentMapExtension/[^/]+$"
NAME_MAPPING = {"fromXPath": "Customer/Object/name", "toXPath": "Customer/name"}
ID_MAPPING = {"fromXPath": "Customer/Object/customerId", "toXPath": "Customer/customerId"}


def client_test_environment(service: DemoService) -> tuple[str, str]:
    client = service.seed.client_accounts[0]
    return client.account_id, client.test_environment_id


def map_extension_id(service: DemoService) -> str:
    _, environment_id = client_test_environment(service)
    return next(
        m.extension_id
        for m in service.emulator.state.map_extensions.values()
        if m.environment_id == environment_id
    )


async def read_map_extension(service: DemoService) -> dict[str, Any]:
    account_id, _ = client_test_environment(service)
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentMapExtension/{map_extension_id(service)}",
            params={"overrideAccount": account_id},
        )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def mappings(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (m.get("fromXPath") or m.get("fromFunction", ""), m.get("toXPath") or m.get("toFunction"))
        for m in document["Map"]["ExtendedMappings"]["Mapping"]
    ]


def function_ids(document: dict[str, Any]) -> list[str]:
    return [f["id"] for f in document["Map"]["ExtendedFunctions"]["Function"]]


async def edit(
    service: DemoService, caller: str, payload: dict[str, Any], **extra: Any
) -> httpx.Response:
    account_id, environment_id = client_test_environment(service)
    return await service.call(
        caller,
        "updateMapExtension",
        {
            "clientAccountId": account_id,
            "environmentId": environment_id,
            "mapExtensionId": map_extension_id(service),
            "mapExtensionPayload": payload,
            **extra,
        },
    )


def writes(service: DemoService) -> int:
    return service.emulator.state.request_log.count("POST", MAP_WRITE)


async def test_an_added_mapping_keeps_everything_else(demo_service: DemoService) -> None:
    before = await read_map_extension(demo_service)

    response = await edit(
        demo_service, ALICE, {"addMappings": [NAME_MAPPING]}, expectedVersion=before["version"]
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["saved"], body["version"]) == (True, before["version"] + 1)
    assert body["mapName"]
    assert [m["label"] for m in body["changes"]["mappingsAdded"]] == [
        "Customer/Object/name → Customer/name"
    ]
    after = await read_map_extension(demo_service)
    assert mappings(after) == [*mappings(before), ("Customer/Object/name", "Customer/name")]
    assert function_ids(after) == function_ids(before)


async def test_two_edits_from_the_same_read_second_is_refused_nothing_lost(
    promo_service: DemoService,
) -> None:
    before = await read_map_extension(promo_service)
    version = before["version"]

    first, second = await asyncio.gather(
        edit(promo_service, ALICE, {"addMappings": [NAME_MAPPING]}, expectedVersion=version),
        edit(promo_service, BOB, {"addMappings": [ID_MAPPING]}, expectedVersion=version),
    )

    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.text, second.text)
    refused = first if first.status_code == 409 else second
    assert refused.json()["errorCode"] == "MAP_EXTENSION_CHANGED"
    assert refused.json()["currentVersion"] == version + 1
    assert writes(promo_service) == 1
    after = await read_map_extension(promo_service)
    saved_mapping = NAME_MAPPING if refused is second else ID_MAPPING
    assert mappings(after) == [
        *mappings(before),
        (saved_mapping["fromXPath"], saved_mapping["toXPath"]),
    ]

    # The refused author reloads and makes the edit again: both edits are there.
    retry_payload = {"addMappings": [ID_MAPPING if refused is second else NAME_MAPPING]}
    retry = await edit(
        promo_service,
        BOB if refused is second else ALICE,
        retry_payload,
        expectedFingerprint=refused.json()["currentFingerprint"],
    )
    assert retry.status_code == 200, retry.text
    final = await read_map_extension(promo_service)
    assert set(mappings(before)) | {
        ("Customer/Object/name", "Customer/name"),
        ("Customer/Object/customerId", "Customer/customerId"),
    } == set(mappings(final))


async def test_a_preview_shows_the_changes_and_writes_nothing(demo_service: DemoService) -> None:
    before = await read_map_extension(demo_service)
    [function] = before["Map"]["ExtendedFunctions"]["Function"]
    uses_function = [
        m
        for m in before["Map"]["ExtendedMappings"]["Mapping"]
        if function["id"] in (m.get("fromFunction"), m.get("toFunction"))
    ]

    response = await edit(
        demo_service,
        ALICE,
        {"removeFunctions": [function["id"]], "removeMappings": uses_function},
        preview=True,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["preview"], body["saved"]) == (True, False)
    assert body["changes"]["functionsRemoved"] == [function["id"]]
    assert len(body["changes"]["mappingsRemoved"]) == 2
    assert writes(demo_service) == 0


async def test_removing_a_function_still_in_use_is_refused(demo_service: DemoService) -> None:
    before = await read_map_extension(demo_service)

    response = await edit(
        demo_service,
        ALICE,
        {"removeFunctions": function_ids(before)},
        expectedVersion=before["version"],
    )

    assert response.status_code == 400, response.text
    assert "uses function" in response.json()["errorMessage"]
    assert writes(demo_service) == 0


def script_function(script: str) -> dict[str, Any]:
    return {
        "id": "FUNCEXT-9",
        "type": "CustomScripting",
        "cacheType": "None",
        "Inputs": {"Input": [{"key": 1, "name": "email"}]},
        "Outputs": {"Output": [{"key": 1, "name": "normalised"}]},
        # The shape of Boomi's OpenAPI document (MapExtensionsScripting).
        "Configuration": {
            "Scripting": {
                "Script": script,
                "language": "GROOVY2",
                "Inputs": {"Input": [{"index": 1, "name": "email", "dataType": "CHARACTER"}]},
                "Outputs": {"Output": [{"index": 1, "name": "normalised"}]},
            }
        },
    }


async def test_a_forbidden_script_refuses_the_update(demo_service: DemoService) -> None:
    before = await read_map_extension(demo_service)

    response = await edit(
        demo_service,
        ALICE,
        {"functions": [script_function('normalised = Runtime.getRuntime().exec("ls")')]},
        expectedVersion=before["version"],
    )

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errorCode"] == "SCRIPT_VALIDATION_FAILED"
    assert [(i["functionId"], i["type"]) for i in body["issues"]] == [("FUNCEXT-9", "SECURITY")]
    assert writes(demo_service) == 0


async def test_an_ordinary_script_function_is_saved(demo_service: DemoService) -> None:
    before = await read_map_extension(demo_service)

    response = await edit(
        demo_service,
        ALICE,
        {"functions": [script_function("normalised = email.trim().toLowerCase()")]},
        expectedVersion=before["version"],
    )

    assert response.status_code == 200, response.text
    assert response.json()["changes"]["functionsAdded"] == ["FUNCEXT-9"]
    assert "FUNCEXT-9" in function_ids(await read_map_extension(demo_service))


async def test_another_team_may_not_edit_the_map(demo_service: DemoService) -> None:
    before = await read_map_extension(demo_service)

    response = await edit(
        demo_service, DAVE, {"addMappings": [NAME_MAPPING]}, expectedVersion=before["version"]
    )

    assert response.status_code == 403, response.text
    assert response.json()["errorCode"] == "UNAUTHORIZED_EXTENSION_EDIT"
    assert writes(demo_service) == 0


async def test_an_edit_without_what_was_read_is_refused(demo_service: DemoService) -> None:
    response = await edit(demo_service, ALICE, {"addMappings": [NAME_MAPPING]})

    assert response.status_code == 400, response.text
    assert response.json()["errorField"] == "expectedVersion"
    assert writes(demo_service) == 0


@pytest.mark.parametrize(
    "script",
    [['normalised = Runtime.getRuntime().exec("ls")'], {"code": "Runtime.getRuntime()"}],
    ids=["list", "object"],
)
async def test_a_script_that_is_not_text_cannot_be_saved_unchecked(
    demo_service: DemoService, script: object
) -> None:
    before = await read_map_extension(demo_service)
    function = script_function("placeholder")
    function["Configuration"]["Scripting"]["Script"] = script

    response = await edit(
        demo_service, ALICE, {"functions": [function]}, expectedVersion=before["version"]
    )

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["errorCode"] == "SCRIPT_VALIDATION_FAILED"
    assert [(i["functionId"], i["type"]) for i in body["issues"]] == [
        ("FUNCEXT-9", "SCRIPT_UNCHECKABLE")
    ]
    assert writes(demo_service) == 0
