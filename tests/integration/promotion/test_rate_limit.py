"""A large promotion against Boomi's rate limit: 503s past it are retried, never seen.

Boomi answers 503 (not 429) above its limit and counts every Partner API call against the
primary account. The emulator does the same here at a low limit, and the service's limiter
runs a little faster than that limit, so 503s do come; the promotion must still complete.
Both rates are low together (the tests' client otherwise runs at 500/s, which would turn the
limit into a storm of 503s): about 200 calls at 2/s take a minute and a half.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from boomi_promo.demo import seed_generated_account_records
from boomi_promo.emulator.generated import GeneratedAccount, add_generated_dev_account
from boomi_promo.identity.local import LocalIdentity
from boomi_promo.service import create_app
from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import DemoService, prepare_database, run_in_fresh_loop, service_settings

COMPONENTS = 50
EMULATOR_RATE = 2.0
"""Requests per second the emulator allows the primary account (503 past it)."""
CLIENT_RATE = 2.4
"""The service's limiter, a little above the emulator's limit: some calls meet a 503."""
TEAM_GROUP = "ABC_BOOMI_FLOW_DEVTEAMRATE"


@pytest.fixture
def throttled_service(
    emulator: EmulatorHandle, tmp_path: Path
) -> Iterator[tuple[DemoService, GeneratedAccount]]:
    account = add_generated_dev_account(
        emulator.state, name="Rate Team", trees=1, components_per_tree=COMPONENTS, seed=7
    )
    base = service_settings(emulator, tmp_path)
    settings = base.model_copy(
        update={"boomi": base.boomi.model_copy(update={"requests_per_second": CLIENT_RATE})}
    )
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    run_in_fresh_loop(grant(settings.resolved_database_url(), account))
    with start_server(create_app(settings)) as running:
        service = DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )
        yield service, account


async def grant(database_url: str, account: GeneratedAccount) -> None:
    engine = create_engine(database_url)
    try:
        await seed_generated_account_records(UnitOfWorkFactory(engine), account, TEAM_GROUP)
    finally:
        await engine.dispose()


async def test_a_fifty_component_promotion_completes_through_boomis_503s(
    throttled_service: tuple[DemoService, GeneratedAccount],
) -> None:
    service, account = throttled_service
    state = service.emulator.state
    state.settings.requests_per_second = EMULATOR_RATE
    state.throttle.reset()
    state.request_log.clear()
    token = LocalIdentity(service.data_dir, groups=service.settings.groups).issue_token(
        "rate.developer@example.com",
        "Rate Developer",
        [service.settings.groups.contributor, TEAM_GROUP],
    )
    body = {"devAccountId": account.account_id, "devPackageId": account.package_ids[0]}
    async with service.api() as client:
        client.headers["Authorization"] = f"Bearer {token}"
        response = await client.post("/api/v1/actions/executePromotion", json=body, timeout=300)

    assert response.status_code == 200, response.text
    results = response.json()["promotionResults"]
    assert len(results) == COMPONENTS
    assert all(r["action"] == "CREATED" for r in results)
    statuses = [entry.status for entry in state.request_log.entries()]
    assert 503 in statuses, "the scenario needs Boomi's rate-limit answer"
    assert 429 not in statuses
