"""M updateExtensions over HTTP against the demo's Client Co environments.

Extensions are read before and after through the emulator's own API, so the assertions see
what Boomi would hold, and the emulator's request log shows whether anything was written.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN
EXTENSIONS_WRITE = r"/EnvironmentExtensions/[^/]+$"


def client_co(service: DemoService) -> tuple[str, str]:
    client = service.seed.client_accounts[0]
    return client.account_id, client.test_environment_id


async def read_extensions(service: DemoService, environment_id: str) -> dict[str, Any]:
    account_id, _ = client_co(service)
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentExtensions/{environment_id}", params={"overrideAccount": account_id}
        )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def items(document: dict[str, Any], section: str, item: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = document[section][item]
    return entries


def by_name(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(entry for entry in entries if entry["name"] == name)


async def update(
    service: DemoService, caller: str, environment_id: str, payload: dict[str, Any]
) -> httpx.Response:
    account_id, _ = client_co(service)
    return await service.call(
        caller,
        "updateExtensions",
        {
            "clientAccountId": account_id,
            "environmentId": environment_id,
            "extensionPayload": json.dumps(payload),
        },
    )


def writes(service: DemoService) -> int:
    return service.emulator.state.request_log.count("POST", EXTENSIONS_WRITE)


def settings_with_region(before: dict[str, Any], region: str) -> dict[str, Any]:
    """The process-property component as read, with targetRegion edited (all values sent)."""
    settings = copy.deepcopy(
        by_name(items(before, "processProperties", "ProcessProperty"), "Customer Sync Settings")
    )
    for value in settings["ProcessPropertyValue"]:
        if value["key"] == "targetRegion":
            value["value"] = region
            value["useDefault"] = False
    return {"processProperties": {"ProcessProperty": [settings]}}


def values(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    settings = by_name(
        items(document, "processProperties", "ProcessProperty"), "Customer Sync Settings"
    )
    return {value["key"]: value for value in settings["ProcessPropertyValue"]}


async def test_alice_edits_a_process_property_of_her_team(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)

    response = await update(demo_service, ALICE, environment_id, settings_with_region(before, "US"))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["updatedFieldCount"] == 1
    assert body["errors"] == []
    [changed] = body["updatedComponents"]
    assert (changed["componentName"], changed["section"]) == (
        "Customer Sync Settings",
        "processProperties",
    )
    after = await read_extensions(demo_service, environment_id)
    assert values(after)["targetRegion"]["value"] == "US"
    assert values(after)["targetRegion"]["useDefault"] is False
    # The other values of the component are as they were, the secret still set.
    assert values(after)["batchSize"] == values(before)["batchSize"]
    assert values(after)["webhookToken"]["encryptedValueSet"] is True
    # Only that section changed.
    for section in before:
        if section != "processProperties":
            assert after[section] == before[section], section
    assert writes(demo_service) == 1


async def test_the_same_edit_by_another_team_writes_nothing(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)

    response = await update(demo_service, DAVE, environment_id, settings_with_region(before, "US"))

    assert response.status_code == 403, response.text
    body = response.json()
    assert body["errorCode"] == "UNAUTHORIZED_EXTENSION_EDIT"
    assert [e["componentName"] for e in body["errors"]] == ["Customer Sync Settings"]
    assert writes(demo_service) == 0
    assert await read_extensions(demo_service, environment_id) == before


def orders_api_url(document: dict[str, Any], url: str) -> dict[str, Any]:
    orders_api = copy.deepcopy(by_name(items(document, "connections", "connection"), "Orders API"))
    orders_api["field"] = [f for f in orders_api["field"] if f["id"] == "url"]
    orders_api["field"][0]["value"] = url
    return {"connections": {"connection": [orders_api]}}


async def test_connections_are_for_admins_only(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)
    payload = orders_api_url(before, "https://orders.new.example.com/api")

    refused = await update(demo_service, ALICE, environment_id, payload)

    assert refused.status_code == 403, refused.text
    assert refused.json()["errorCode"] == "CONNECTION_EDIT_ADMIN_ONLY"
    assert writes(demo_service) == 0

    allowed = await update(demo_service, CAROL, environment_id, payload)

    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["updatedFieldCount"] == 1
    after = await read_extensions(demo_service, environment_id)
    fields = {
        f["id"]: f
        for f in by_name(items(after, "connections", "connection"), "Orders API")["field"]
    }
    assert fields["url"]["value"] == "https://orders.new.example.com/api"
    # The password was not sent and is still set.
    assert fields["password"]["encryptedValueSet"] is True


async def test_one_refused_component_stops_the_whole_update(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)
    payload = settings_with_region(before, "US") | orders_api_url(before, "https://x.example.com")

    response = await update(demo_service, ALICE, environment_id, payload)

    assert response.status_code == 403, response.text
    assert [e["errorCode"] for e in response.json()["errors"]] == ["CONNECTION_EDIT_ADMIN_ONLY"]
    assert writes(demo_service) == 0
    assert await read_extensions(demo_service, environment_id) == before


async def test_an_unknown_component_is_not_found_and_nothing_is_written(
    demo_service: DemoService,
) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)
    payload = settings_with_region(before, "US")
    payload["crossReferences"] = {
        "crossReference": [{"id": "no-such-table", "CrossReferenceRows": {"row": []}}]
    }

    response = await update(demo_service, CAROL, environment_id, payload)

    assert response.status_code == 404, response.text
    assert response.json()["errorCode"] == "EXTENSION_NOT_FOUND"
    assert writes(demo_service) == 0


async def test_a_cross_reference_edit_sends_the_table_whole(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)
    table = copy.deepcopy(
        by_name(items(before, "crossReferences", "crossReference"), "Country Codes")
    )
    table["CrossReferenceRows"]["row"].append({"ref1": "FR", "ref2": "France", "ref3": "EU"})

    response = await update(
        demo_service, ALICE, environment_id, {"crossReferences": {"crossReference": [table]}}
    )

    assert response.status_code == 200, response.text
    after = await read_extensions(demo_service, environment_id)
    rows = by_name(items(after, "crossReferences", "crossReference"), "Country Codes")[
        "CrossReferenceRows"
    ]["row"]
    assert [row["ref1"] for row in rows] == ["NL", "DE", "FR"]


async def test_an_unchanged_payload_writes_nothing(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)

    settings = by_name(
        items(before, "processProperties", "ProcessProperty"), "Customer Sync Settings"
    )

    response = await update(
        demo_service, ALICE, environment_id, {"processProperties": {"ProcessProperty": [settings]}}
    )

    assert response.status_code == 200, response.text
    assert response.json()["updatedFieldCount"] == 0
    assert writes(demo_service) == 0


async def test_updates_and_refusals_are_audited(demo_service: DemoService) -> None:
    _, environment_id = client_co(demo_service)
    before = await read_extensions(demo_service, environment_id)
    await update(demo_service, DAVE, environment_id, settings_with_region(before, "US"))
    await update(demo_service, ALICE, environment_id, settings_with_region(before, "US"))

    engine = create_engine(demo_service.settings.resolved_database_url())
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            page = await uow.audit.list_entries(target_id=environment_id)
    finally:
        await engine.dispose()

    entries = [(e.actor_email, e.action) for e in page.items if e.action.startswith("extensions.")]
    assert entries == [
        (DAVE, "extensions.update_refused"),
        (ALICE, "extensions.updated"),
    ]
    assert "US" not in json.dumps([e.detail for e in page.items])
