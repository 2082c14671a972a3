"""/readyz: ready only when the database answers and the primary Boomi account can be read."""

from __future__ import annotations

import pytest

from tests.support.service import DemoService


async def test_ready_when_database_and_boomi_answer(promo_service: DemoService) -> None:
    async with promo_service.api() as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "boomi": "ok"}
    primary = promo_service.seed.primary_account_id
    assert any(
        entry.method == "GET" and entry.path.endswith(f"/Account/{primary}")
        for entry in promo_service.emulator.state.request_log.entries()
    )


@pytest.mark.parametrize("status", [401, 503])
async def test_not_ready_naming_boomi_when_it_refuses(
    demo_service: DemoService, status: int
) -> None:
    demo_service.emulator.state.faults.add(r"/Account/", status=status)

    async with demo_service.api() as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["boomi"].startswith("unreachable")
    assert str(status) in body["boomi"]
    assert body["reason"].startswith("Boomi is unreachable")
    assert demo_service.seed.api_token not in response.text


async def test_ready_again_once_boomi_recovers(demo_service: DemoService) -> None:
    demo_service.emulator.state.faults.add(r"/Account/", status=503)
    async with demo_service.api() as client:
        assert (await client.get("/readyz")).status_code == 503
        demo_service.emulator.reset_faults()
        assert (await client.get("/readyz")).status_code == 200
