"""What a user sees when Boomi misbehaves: retries absorb bursts, the rest are typed errors."""

from __future__ import annotations

from tests.support.service import DemoService

ALICE = "alice@example.com"
QUERY_PATH = r"/PackagedComponent/query$"


def team_a(service: DemoService) -> str:
    return next(a.account_id for a in service.seed.dev_accounts if a.name == "Dev Team A")


def calls_to(service: DemoService, path_suffix: str) -> list[int]:
    return [
        entry.status
        for entry in service.emulator.state.request_log.entries()
        if entry.path.endswith(path_suffix)
    ]


async def test_a_burst_of_429s_is_absorbed_by_retries(demo_service: DemoService) -> None:
    demo_service.emulator.state.faults.add(QUERY_PATH, status=429, count=2)

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert len(response.json()["packages"]) > 120
    assert calls_to(demo_service, "/PackagedComponent/query") == [429, 429, 200]


async def test_boomi_401_is_auth_failed_after_exactly_one_call(demo_service: DemoService) -> None:
    demo_service.emulator.state.faults.add(QUERY_PATH, status=401)

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 502
    body = response.json()
    assert body["success"] is False
    assert body["errorCode"] == "AUTH_FAILED"
    assert "token" in body["errorMessage"].lower()
    assert demo_service.seed.api_token not in response.text
    assert calls_to(demo_service, "/PackagedComponent/query") == [401]


async def test_persistent_503_is_boomi_unavailable_after_five_retries(
    demo_service: DemoService,
) -> None:
    demo_service.emulator.state.faults.add(QUERY_PATH, status=503)

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 503
    assert response.json()["errorCode"] == "BOOMI_UNAVAILABLE"
    assert "Traceback" not in response.text
    assert calls_to(demo_service, "/PackagedComponent/query") == [503] * 6


async def test_persistent_429_is_api_rate_limit(demo_service: DemoService) -> None:
    demo_service.emulator.state.faults.add(QUERY_PATH, status=429)

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 503
    assert response.json()["errorCode"] == "API_RATE_LIMIT"


async def test_the_emulators_own_throttle_is_absorbed(demo_service: DemoService) -> None:
    """The emulator's token bucket answers 503 past its rate, as Boomi does; the client's
    limiter and retries keep the user from ever seeing it."""
    demo_service.emulator.state.settings.requests_per_second = 5

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 200
    assert len(response.json()["packages"]) > 120
    statuses = [entry.status for entry in demo_service.emulator.state.request_log.entries()]
    assert 503 in statuses, "the scenario needs the emulator to have throttled"
