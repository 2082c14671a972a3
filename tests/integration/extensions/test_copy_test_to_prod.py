"""N copyExtensionsTestToProd over HTTP against the demo's Client Co environments."""

from __future__ import annotations

from typing import Any

import httpx

from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
CAROL = "carol@example.com"  # ADMIN


async def read_extensions(service: DemoService, environment_id: str) -> dict[str, Any]:
    client = service.seed.client_accounts[0]
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentExtensions/{environment_id}",
            params={"overrideAccount": client.account_id},
        )
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


async def copy_test_to_prod(service: DemoService, caller: str) -> httpx.Response:
    client = service.seed.client_accounts[0]
    return await service.call(
        caller, "copyExtensionsTestToProd", {"clientAccountId": client.account_id}
    )


def named(document: dict[str, Any], section: str, item: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in document[section][item] if e["name"] == name)
    return found


def field_values(component: dict[str, Any]) -> dict[str, Any]:
    return {f["id"]: f.get("value") for f in component["field"]}


async def test_copy_leaves_connections_and_certificates_and_copies_the_rest(
    promo_service: DemoService,
) -> None:
    client = promo_service.seed.client_accounts[0]
    test = await read_extensions(promo_service, client.test_environment_id)
    prod_before = await read_extensions(promo_service, client.prod_environment_id)

    response = await copy_test_to_prod(promo_service, CAROL)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["sectionsExcluded"] == "connections, PGPCertificates"
    assert (body["testEnvironmentId"], body["prodEnvironmentId"]) == (
        client.test_environment_id,
        client.prod_environment_id,
    )
    # The shared channel's password and the webhook token are never readable.
    assert body["encryptedFieldsSkipped"] == 2
    assert body["fieldsCopied"] > 0
    assert body["skippedComponents"] == []
    prod = await read_extensions(promo_service, client.prod_environment_id)
    assert prod["connections"] == prod_before["connections"]
    assert prod["PGPCertificates"] == prod_before["PGPCertificates"]
    for section in ("operations", "tradingPartners", "crossReferences", "properties"):
        assert prod[section] == test[section], section
    channel = named(prod, "sharedCommunications", "sharedCommunication", "AS2 Shared Channel")
    assert field_values(channel)["url"] == "https://as2-test.example.com"
    # Prod keeps its own secret: a test secret never travels.
    [password] = [f for f in channel["field"] if f["id"] == "password"]
    assert password["encryptedValueSet"] is True
    assert promo_service.emulator.state.request_log.count("POST", r"/EnvironmentExtensions/") == 1

    engine = create_engine(promo_service.settings.resolved_database_url())
    try:
        async with UnitOfWorkFactory(engine)() as uow:
            configs = await uow.client_accounts.list_for_client_account(client.account_id)
            page = await uow.audit.list_entries(target_id=client.prod_environment_id)
    finally:
        await engine.dispose()
    assert {c.last_extension_sync_by for c in configs} == {CAROL}
    assert [e.action for e in page.items if e.action.startswith("extensions.")] == [
        "extensions.copied_test_to_prod"
    ]


async def test_a_second_copy_finds_nothing_left_to_copy(demo_service: DemoService) -> None:
    first = await copy_test_to_prod(demo_service, CAROL)
    assert first.status_code == 200, first.text

    second = await copy_test_to_prod(demo_service, CAROL)

    assert second.status_code == 200, second.text
    assert second.json()["fieldsCopied"] == 0
    assert second.json()["copiedComponents"] == []
    assert demo_service.emulator.state.request_log.count("POST", r"/EnvironmentExtensions/") == 1


async def test_a_contributor_copies_only_what_she_may_edit(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]
    prod_before = await read_extensions(demo_service, client.prod_environment_id)

    response = await copy_test_to_prod(demo_service, ALICE)

    assert response.status_code == 200, response.text
    body = response.json()
    skipped = {s["componentName"]: s["reason"] for s in body["skippedComponents"]}
    assert set(skipped) == {"Acme Retail", "AS2 Shared Channel"}
    copied = {c["componentName"] for c in body["copiedComponents"]}
    assert {"Get Customers", "Country Codes"} <= copied
    prod = await read_extensions(demo_service, client.prod_environment_id)
    assert prod["tradingPartners"] == prod_before["tradingPartners"]
    assert prod["sharedCommunications"] == prod_before["sharedCommunications"]


async def test_a_client_account_not_granted_is_refused(demo_service: DemoService) -> None:
    response = await demo_service.call(
        ALICE, "copyExtensionsTestToProd", {"clientAccountId": "someone-else"}
    )

    assert response.status_code == 403, response.text
    assert response.json()["errorCode"] == "UNAUTHORIZED_CLIENT_ACCOUNT"
