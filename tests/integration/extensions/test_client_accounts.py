"""K listClientAccounts over HTTP against the demo."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from boomi_promo.store import ClientAccountConfig
from tests.support.service import DemoService

ALICE = "alice@example.com"  # CONTRIBUTOR, team A
DAVE = "dave@example.com"  # CONTRIBUTOR, team B
CAROL = "carol@example.com"  # ADMIN
OLIVIA = "olivia@example.com"  # READONLY


async def test_contributor_sees_client_co_with_its_environments(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    response = await demo_service.call(ALICE, "listClientAccounts", {})

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["clientAccounts"] == [
        {
            "clientAccountId": client.account_id,
            "clientAccountName": "Client Co",
            "testEnvironmentId": client.test_environment_id,
            "testEnvironmentName": "Client Co Test",
            "prodEnvironmentId": client.prod_environment_id,
            "prodEnvironmentName": "Client Co Production",
        }
    ]


async def test_an_account_granted_to_two_groups_is_listed_once(demo_service: DemoService) -> None:
    for caller in (DAVE, CAROL):
        body = (await demo_service.call(caller, "listClientAccounts", {})).json()
        assert [a["clientAccountName"] for a in body["clientAccounts"]] == ["Client Co"]


async def test_inactive_grants_list_nothing(demo_service: DemoService) -> None:
    engine = create_async_engine(demo_service.settings.resolved_database_url())
    async with engine.begin() as connection:
        await connection.execute(update(ClientAccountConfig).values(is_active=False))
    await engine.dispose()

    body = (await demo_service.call(ALICE, "listClientAccounts", {})).json()

    assert body["success"] is True
    assert body["clientAccounts"] == []


async def test_readonly_users_are_refused(demo_service: DemoService) -> None:
    response = await demo_service.call(OLIVIA, "listClientAccounts", {})

    assert response.status_code == 403
    assert response.json()["errorCode"] == "INSUFFICIENT_TIER"


async def test_groups_in_the_body_must_be_the_callers(demo_service: DemoService) -> None:
    response = await demo_service.call(
        ALICE, "listClientAccounts", {"userSsoGroups": ["ABC_BOOMI_FLOW_ADMIN"]}
    )

    assert response.status_code == 403
    assert response.json()["errorCode"] == "IDENTITY_MISMATCH"
