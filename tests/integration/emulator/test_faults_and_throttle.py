"""The token bucket, injected faults and the request log."""

from __future__ import annotations

import time

import httpx
import pytest

from boomi_promo.xmlsafe import parse_xml
from tests.integration.emulator.boomi import EVERYTHING
from tests.support import emulator_control as control_api
from tests.support.servers import EmulatorHandle


def burst(client: httpx.Client, count: int, **params: str) -> list[httpx.Response]:
    return [client.post("/Branch/query", json=EVERYTHING, params=params) for _ in range(count)]


def test_past_the_rate_boomi_answers_503_counted_against_the_primary_account(
    emulator: EmulatorHandle,
) -> None:
    emulator.state.settings.requests_per_second = 10
    team_a, team_b = (a.account_id for a in emulator.seed.dev_accounts[:2])
    with emulator.client() as client:
        answers = burst(client, 6, overrideAccount=team_a) + burst(
            client, 6, overrideAccount=team_b
        )
        assert all(r.status_code == 200 for r in answers[:10]), "a full bucket allows a burst"
        limited = [r for r in answers if r.status_code != 200]
        assert limited, "twelve calls on behalf of two dev accounts share the primary's budget"
        assert {r.status_code for r in limited} == {503}, "Boomi's answer past its limit is 503"
        assert "Retry-After" not in limited[0].headers
        assert limited[0].json()["@type"] == "Error"
        assert limited[0].json()["message"]
        xml = client.post("/Branch/query", json=EVERYTHING, headers={"Accept": "application/xml"})
        assert xml.status_code == 503
        assert parse_xml(xml.content).findtext("message")
        time.sleep(0.3)
        assert client.post("/Branch/query", json=EVERYTHING).status_code == 200

    emulator.state.settings.requests_per_second = None
    with emulator.client() as client:
        assert all(r.status_code == 200 for r in burst(client, 30, overrideAccount=team_a))


def test_with_override_account_rate_limit_each_override_account_has_its_own_budget(
    emulator: EmulatorHandle,
) -> None:
    emulator.state.settings.requests_per_second = 10
    emulator.state.settings.override_account_rate_limit = True
    team_a = emulator.seed.dev_accounts[0].account_id
    with emulator.client() as client:
        answers = burst(client, 20, overrideAccount=team_a)
        assert all(r.status_code == 200 for r in answers[:10])
        assert 503 in {r.status_code for r in answers[10:]}, "team A used up its own budget"
        assert "Retry-After" not in next(r for r in answers if r.status_code == 503).headers
        # The primary's own calls (no overrideAccount) count against the primary: its budget
        # is untouched by team A's burst.
        assert all(r.status_code == 200 for r in burst(client, 5))


def test_http_injected_503_applies_to_the_next_matching_requests(emulator: EmulatorHandle) -> None:
    control = f"{emulator.base_url}/__emulator__"
    added = control_api.post(
        f"{control}/faults", json={"path": "/Branch/query$", "status": 503, "count": 2}
    )
    assert added.status_code == 201
    assert control_api.get(f"{control}/faults").json()["faults"][0]["count"] == 2
    control_api.delete(f"{control}/requests")
    with emulator.client() as client:
        statuses = [client.post("/Branch/query", json=EVERYTHING).status_code for _ in range(3)]
        assert client.get(f"/Account/{emulator.seed.primary_account_id}").status_code == 200
    assert statuses == [503, 503, 200]
    log = control_api.get(f"{control}/requests").json()["requests"]
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
    control_api.post(control, json={"path": "/Account/", "latency": 0.3})
    with emulator.client() as client:
        started = time.monotonic()
        assert client.get(f"/Account/{emulator.seed.primary_account_id}").status_code == 200
        assert time.monotonic() - started >= 0.3
        assert control_api.delete(control).status_code == 204
        started = time.monotonic()
        client.get(f"/Account/{emulator.seed.primary_account_id}")
        assert time.monotonic() - started < 0.3

        fault = emulator.state.faults.add("/Branch", status=401)
        unauthorised = client.post("/Branch/query", json=EVERYTHING)
        assert unauthorised.status_code == 401
        assert unauthorised.json()["@type"] == "Error"
        assert control_api.delete(f"{control}/{fault.fault_id}").status_code == 204
        assert client.post("/Branch/query", json=EVERYTHING).status_code == 200

    assert control_api.post(control, json={"path": "("}).status_code == 400


def test_settings_can_be_changed_over_http(emulator: EmulatorHandle) -> None:
    control = f"{emulator.base_url}/__emulator__/settings"
    changed = control_api.post(control, json={"branch_ready_seconds": 5.0})
    assert changed.status_code == 200
    assert emulator.state.settings.branch_ready_seconds == 5.0
    with emulator.client() as client:
        assert client.post("/Branch", json={"name": "slow"}).json()["ready"] is False
    assert control_api.post(control, json={"no_such_setting": 1}).status_code == 400


def test_a_lost_answer_fault_runs_the_write_then_drops_or_fails_the_answer(
    emulator: EmulatorHandle,
) -> None:
    control = f"{emulator.base_url}/__emulator__/faults"
    primary = emulator.seed.primary_account_id
    with emulator.client() as client:
        lost = {"path": "/Branch$", "method": "POST", "loseAnswer": True, "count": 1}
        control_api.post(control, json=lost)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/Branch", json={"name": "dropped"})
        control_api.post(control, json={**lost, "status": 503})
        failed = client.post("/Branch", json={"name": "failed"})
        assert failed.status_code == 503
        assert failed.json()["@type"] == "Error"
    assert emulator.state.branch_named(primary, "dropped") is not None, "the write landed"
    assert emulator.state.branch_named(primary, "failed") is not None, "the write landed"


def test_the_control_api_needs_the_emulators_credentials(emulator: EmulatorHandle) -> None:
    state_url = f"{emulator.base_url}/__emulator__/state"

    anonymous = httpx.get(state_url)
    wrong = httpx.get(state_url, auth=("BOOMI_TOKEN.demo@example.com", "guessed"))
    allowed = control_api.get(state_url)

    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert emulator.seed.api_token not in anonymous.text + wrong.text
    assert allowed.status_code == 200


async def test_the_control_api_refuses_callers_off_this_machine(emulator: EmulatorHandle) -> None:
    remote = httpx.ASGITransport(app=emulator.app, client=("192.0.2.10", 50000))
    async with httpx.AsyncClient(transport=remote, base_url="http://emulator") as client:
        refused = await client.get("/__emulator__/state", auth=control_api.CONTROL_AUTH)

    assert refused.status_code == 403
    assert "only on this machine" in refused.text
