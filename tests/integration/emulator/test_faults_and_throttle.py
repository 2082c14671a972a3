"""The token bucket, injected faults and the request log."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.servers import EmulatorHandle


def test_bursts_past_the_rate_get_429_per_account(emulator: EmulatorHandle) -> None:
    emulator.state.settings.requests_per_second = 10
    team_a = emulator.seed.dev_accounts[0].account_id
    with emulator.client() as client:
        statuses = [client.post("/Branch/query", json={"QueryFilter": {}}) for _ in range(20)]
        assert all(r.status_code == 200 for r in statuses[:10]), "a full bucket allows a burst"
        limited = [r for r in statuses if r.status_code == 429]
        assert limited, "twenty requests in well under a second exceed 10 per second"
        assert limited[0].headers["Retry-After"] == "1"
        assert limited[0].json()["@type"] == "Error"
        other_account = client.post(
            "/Branch/query", json={"QueryFilter": {}}, params={"overrideAccount": team_a}
        )
        assert other_account.status_code == 200, "each effective account has its own bucket"
        time.sleep(0.3)
        assert client.post("/Branch/query", json={"QueryFilter": {}}).status_code == 200

    emulator.state.settings.requests_per_second = None
    with emulator.client() as client:
        assert all(
            client.post("/Branch/query", json={"QueryFilter": {}}).status_code == 200
            for _ in range(30)
        )


def test_http_injected_503_applies_to_the_next_matching_requests(emulator: EmulatorHandle) -> None:
    control = f"{emulator.base_url}/__emulator__"
    added = httpx.post(
        f"{control}/faults", json={"path": "/Branch/query$", "status": 503, "count": 2}
    )
    assert added.status_code == 201
    assert httpx.get(f"{control}/faults").json()["faults"][0]["count"] == 2
    httpx.delete(f"{control}/requests")
    with emulator.client() as client:
        statuses = [
            client.post("/Branch/query", json={"QueryFilter": {}}).status_code for _ in range(3)
        ]
        assert client.get(f"/Account/{emulator.seed.primary_account_id}").status_code == 200
    assert statuses == [503, 503, 200]
    log = httpx.get(f"{control}/requests").json()["requests"]
    assert [(e["method"], e["status"]) for e in log] == [
        ("POST", 503),
        ("POST", 503),
        ("POST", 200),
        ("GET", 200),
    ]
    assert all(e["path"].endswith(("/Branch/query", emulator.seed.primary_account_id)) for e in log)
    assert emulator.state.request_log.count("POST", r"/Branch/query$") == 3


def test_injected_timeout_hangs_past_the_client_timeout(emulator: EmulatorHandle) -> None:
    emulator.state.faults.add(r"/Account/", method="GET", timeout=True, count=1)
    with emulator.client(timeout=0.5) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"/Account/{emulator.seed.primary_account_id}")
        assert time.monotonic() - started >= 0.5
    with emulator.client() as client:
        assert client.get(f"/Account/{emulator.seed.primary_account_id}").status_code == 200
    deadline = time.monotonic() + 5
    while 499 not in [e.status for e in emulator.state.request_log.entries()]:
        assert time.monotonic() < deadline, "the hung request ends when the client goes away"
        time.sleep(0.05)


def test_injected_latency_and_auth_failure(emulator: EmulatorHandle) -> None:
    control = f"{emulator.base_url}/__emulator__/faults"
    httpx.post(control, json={"path": "/Account/", "latency": 0.3})
    with emulator.client() as client:
        started = time.monotonic()
        assert client.get(f"/Account/{emulator.seed.primary_account_id}").status_code == 200
        assert time.monotonic() - started >= 0.3
        assert httpx.delete(control).status_code == 204
        started = time.monotonic()
        client.get(f"/Account/{emulator.seed.primary_account_id}")
        assert time.monotonic() - started < 0.3

        fault = emulator.state.faults.add("/Branch", status=401)
        unauthorised = client.post("/Branch/query", json={"QueryFilter": {}})
        assert unauthorised.status_code == 401
        assert unauthorised.json()["@type"] == "Error"
        assert httpx.delete(f"{control}/{fault.fault_id}").status_code == 204
        assert client.post("/Branch/query", json={"QueryFilter": {}}).status_code == 200

    assert httpx.post(control, json={"path": "("}).status_code == 400


def test_settings_can_be_changed_over_http(emulator: EmulatorHandle) -> None:
    control = f"{emulator.base_url}/__emulator__/settings"
    changed = httpx.post(control, json={"branch_ready_seconds": 5.0})
    assert changed.status_code == 200
    assert emulator.state.settings.branch_ready_seconds == 5.0
    with emulator.client() as client:
        assert client.post("/Branch", json={"name": "slow"}).json()["ready"] is False
    assert httpx.post(control, json={"no_such_setting": 1}).status_code == 400
