"""Rebuilding ExtensionAccessMapping: the admin action, the CLI, and D's refresh."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.boomi.limiter import LocalRateLimiter
from boomi_promo.cli import app
from boomi_promo.engine.extension_access import (
    access_for_environment,
    refresh_after_deployment,
)
from boomi_promo.store import (
    AuditEntry,
    DevAccountAccess,
    ExtensionAccessMapping,
    UnitOfWorkFactory,
    create_engine,
)
from tests.support.service import DemoService

ALICE = "alice@example.com"
CAROL = "carol@example.com"
COMPONENTS_PER_ENVIRONMENT = 11


def store(service: DemoService) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(create_engine(service.settings.resolved_database_url()))


async def stored_rows(service: DemoService) -> list[ExtensionAccessMapping]:
    factory = store(service)
    try:
        async with factory() as uow:
            return list(await uow.session.scalars(select(ExtensionAccessMapping)))
    finally:
        await factory.engine.dispose()


async def audit_actions(service: DemoService) -> list[tuple[str, str]]:
    factory = store(service)
    try:
        async with factory() as uow:
            entries = await uow.session.scalars(select(AuditEntry).order_by(AuditEntry.at))
            return [(e.action, e.actor_email) for e in entries if "extension_access" in e.action]
    finally:
        await factory.engine.dispose()


async def test_admin_rebuilds_every_client_environment(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    response = await demo_service.call(CAROL, "rebuildExtensionAccess", {})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["recordsWritten"] == 2 * COMPONENTS_PER_ENVIRONMENT
    assert body["environmentIds"] == [client.test_environment_id, client.prod_environment_id]
    rows = await stored_rows(demo_service)
    assert {r.environment_id for r in rows} == set(body["environmentIds"])
    assert {r.last_updated_by for r in rows} == {CAROL}
    assert await audit_actions(demo_service) == [("extension_access.rebuilt", CAROL)] * 2


async def test_a_new_grant_shows_after_a_rebuild(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]
    team_a = next(a for a in demo_service.seed.dev_accounts if a.name == "Dev Team A")
    await demo_service.call(CAROL, "rebuildExtensionAccess", {})
    factory = store(demo_service)
    async with factory() as uow:
        await uow.access.upsert(
            DevAccountAccess(
                sso_group_id="ABC_BOOMI_FLOW_DEVTEAMB",
                sso_group_name="ABC_BOOMI_FLOW_DEVTEAMB",
                dev_account_id=team_a.account_id,
                dev_account_name=team_a.name,
                is_active=True,
            )
        )
        await uow.commit()

    response = await demo_service.call(
        CAROL, "rebuildExtensionAccess", {"environmentId": client.test_environment_id}
    )

    assert response.json()["recordsWritten"] == COMPONENTS_PER_ENVIRONMENT
    async with factory() as uow:
        test_access = await access_for_environment(uow, client.test_environment_id)
        prod_access = await access_for_environment(uow, client.prod_environment_id)
    await factory.engine.dispose()
    settings = next(a for a in test_access.values() if a.component_name == "Country Codes")
    assert settings.authorized_groups == {"ABC_BOOMI_FLOW_DEVTEAMA", "ABC_BOOMI_FLOW_DEVTEAMB"}
    untouched = next(a for a in prod_access.values() if a.component_name == "Country Codes")
    assert untouched.authorized_groups == {"ABC_BOOMI_FLOW_DEVTEAMA"}


async def test_contributors_may_not_rebuild(demo_service: DemoService) -> None:
    response = await demo_service.call(ALICE, "rebuildExtensionAccess", {})

    assert response.status_code == 403
    assert response.json()["errorCode"] == "INSUFFICIENT_TIER"
    assert await stored_rows(demo_service) == []


async def test_an_unknown_environment_is_404(demo_service: DemoService) -> None:
    response = await demo_service.call(
        CAROL, "rebuildExtensionAccess", {"environmentId": "no-such-environment"}
    )

    assert response.status_code == 404
    assert response.json()["errorCode"] == "ENVIRONMENT_NOT_FOUND"


def cli_environment(service: DemoService) -> dict[str, str]:
    boomi = service.settings.boomi
    return {
        "PROMO_DATA_DIR": str(service.data_dir),
        "PROMO_DATABASE_URL": service.settings.resolved_database_url(),
        "PROMO_BOOMI__BASE_URL": boomi.base_url,
        "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": boomi.primary_account_id,
        "PROMO_BOOMI__USERNAME": boomi.username,
        "PROMO_BOOMI__API_TOKEN": boomi.api_token.get_secret_value(),
    }


def test_the_cli_rebuilds_one_environment(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]
    command = ["extensions", "rebuild-access", "--environment", client.prod_environment_id]

    result = CliRunner().invoke(
        app, [*command, "--actor", CAROL], env=cli_environment(demo_service)
    )

    assert result.exit_code == 0, result.output
    assert f"{COMPONENTS_PER_ENVIRONMENT} records" in result.output
    unknown = CliRunner().invoke(
        app,
        ["extensions", "rebuild-access", "--environment", "nope", "--actor", CAROL],
        env=cli_environment(demo_service),
    )
    assert unknown.exit_code == 1
    assert "belongs to no active client account" in unknown.output


def test_the_cli_rebuilds_every_environment_with_audited_rows(demo_service: DemoService) -> None:
    client = demo_service.seed.client_accounts[0]

    result = CliRunner().invoke(
        app, ["extensions", "rebuild-access", "--actor", CAROL], env=cli_environment(demo_service)
    )

    assert result.exit_code == 0, result.output
    rows = asyncio.run(stored_rows(demo_service))
    assert len(rows) == 2 * COMPONENTS_PER_ENVIRONMENT
    assert {r.environment_id for r in rows} == {
        client.test_environment_id,
        client.prod_environment_id,
    }
    assert asyncio.run(audit_actions(demo_service)) == [("extension_access.rebuilt", CAROL)] * 2


def boomi_client(service: DemoService, base_url: str | None = None) -> BoomiClient:
    settings = service.settings.boomi
    if base_url is not None:
        settings = settings.model_copy(update={"base_url": base_url, "max_retries": 0})
    return BoomiClient.from_settings(settings, limiter=LocalRateLimiter(rate=1000))


@pytest.mark.parametrize("reachable", [True, False])
async def test_a_production_deployment_refresh(demo_service: DemoService, reachable: bool) -> None:
    factory = store(demo_service)
    boomi = boomi_client(demo_service, None if reachable else "http://127.0.0.1:9")
    try:
        await refresh_after_deployment(boomi, factory, promotion_id="promo-1", actor=CAROL)
    finally:
        await boomi.aclose()
        await factory.engine.dispose()

    rows: list[Any] = await stored_rows(demo_service)
    if reachable:
        assert len(rows) == 2 * COMPONENTS_PER_ENVIRONMENT
        assert await audit_actions(demo_service) == [("extension_access.rebuilt", CAROL)] * 2
    else:  # the deployment is not failed: the problem is only logged and audited
        assert rows == []
        assert await audit_actions(demo_service) == [("extension_access.refresh_failed", CAROL)]
