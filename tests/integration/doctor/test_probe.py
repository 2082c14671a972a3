"""`promo doctor --probe` against the emulator over HTTP, with Boomi's branch timings and its
rate limit switched on through the emulator's control API: what an operator attaches to a
bug report, and what it must never leave behind."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from boomi_promo.cli import app
from tests.integration.doctor.test_doctor import (
    Deployment,
    deployment_database_url,
    deployment_env,
    migrate_and_seed,
)
from tests.integration.emulator.boomi import component_xml, create
from tests.support import emulator_control as control_api
from tests.support.servers import EmulatorHandle

CHECKS = [
    "branch lifecycle",
    "component references",
    "bulk GET limit",
    "rate limit burst",
    "Partner API override",
]
BOOMI_LIKE = {
    "branch_ready_seconds": 0.2,
    "branch_query_delay_seconds": 0.3,
    "branch_delete_seconds": 0.4,
    "requests_per_second": 10,
}


def control(emulator: EmulatorHandle, what: str, body: dict[str, Any]) -> None:
    response = control_api.post(f"{emulator.base_url}/__emulator__/{what}", json=body)
    assert response.status_code in (200, 201), response.text


@pytest.fixture
def deployment(emulator: EmulatorHandle, tmp_path: Path, service_database_url: str) -> Deployment:
    """A migrated, seeded deployment of the demo (its dev accounts granted) on the emulator."""
    data_dir = tmp_path / "data"
    url = deployment_database_url(service_database_url, data_dir)
    asyncio.run(migrate_and_seed(url, emulator.seed, []))
    return Deployment(url, deployment_env(emulator, data_dir, url))


@pytest.fixture
def boomi_like(emulator: EmulatorHandle) -> EmulatorHandle:
    """The emulator with Boomi's slower branch bookkeeping and its rate limit."""
    control(emulator, "settings", BOOMI_LIKE)
    return emulator


def probe_branches(emulator: EmulatorHandle) -> list[tuple[str, bool]]:
    """(name, deleted) of every branch the probe made."""
    state = emulator.state
    with state.lock:
        return [(b.name, b.deleted) for b in state.branches.values() if "probe" in b.name]


def run_probe_json(deployment: Deployment, *args: str) -> tuple[int, dict[str, Any]]:
    result = deployment.doctor("--probe", "--json", *args)
    report: dict[str, Any] = json.loads(result.stdout)
    return result.exit_code, report


def test_the_probe_passes_against_the_emulator_and_leaves_nothing_behind(
    deployment: Deployment, boomi_like: EmulatorHandle
) -> None:
    emulator = boomi_like
    exit_code, report = run_probe_json(deployment)

    assert exit_code == 0, report
    assert (report["probe"], report["primaryAccountId"]) == (
        "boomi",
        emulator.seed.primary_account_id,
    )
    assert report["baseUrl"] == emulator.base_url
    assert report["result"] in ("ok", "warn")
    checks = {c["name"]: c for c in report["checks"]}
    assert [c["name"] for c in report["checks"]] == CHECKS
    for check in report["checks"]:
        assert set(check) == {"name", "result", "seen", "elapsedSeconds", "facts"}
        assert check["result"] in ("ok", "warn"), check
        assert check["seen"] and check["elapsedSeconds"] >= 0

    branch = checks["branch lifecycle"]
    assert branch["result"] == "ok", branch
    facts = branch["facts"]
    assert facts["branchName"].startswith("promo-probe-")
    assert facts["createdStage"] == "CREATING"
    assert facts["readyAfterSeconds"] >= BOOMI_LIKE["branch_ready_seconds"]
    assert facts["listedAfterSeconds"] >= BOOMI_LIKE["branch_query_delay_seconds"]
    assert facts["deleteStatus"] == 200
    assert facts["stagesAfterDelete"] == ["DELETING"]
    assert facts["deleteAgainStatus"] == 200
    assert facts["goneAfterSeconds"] >= BOOMI_LIKE["branch_delete_seconds"]
    assert "DELETING" in branch["seen"]
    assert probe_branches(emulator) == [(facts["branchName"], True)], "deleted, nothing left"

    references = checks["component references"]
    assert references["result"] == "ok", references
    assert references["facts"]["usedByStatus"] in (200, 400)
    assert "QUERY by parentComponentId + parentVersion" in references["seen"]

    bulk = checks["bulk GET limit"]
    assert bulk["result"] == "ok", bulk
    assert bulk["facts"]["fiveStatuses"] == {"200": 5}
    assert bulk["facts"]["sixStatus"] == 400
    assert "refused with 400" in bulk["seen"]

    burst = checks["rate limit burst"]
    assert burst["facts"]["requests"] == 15
    statuses = burst["facts"]["statuses"]
    assert sum(statuses.values()) == 15
    assert set(statuses) - {"200"} <= {"429", "503"}
    assert set(statuses) & {"429", "503"}, "15 at once pass the emulator's 10 per second"

    override = checks["Partner API override"]
    assert override["result"] == "ok", override
    granted = {account.account_id for account in emulator.seed.dev_accounts}
    assert override["facts"]["devAccountId"] in granted
    assert override["facts"]["overrideAccountRateLimit"] in ("on", "off", "unknown")
    assert "overrideAccountRateLimit" in override["seen"]


def test_the_burst_never_sends_more_than_fifteen_requests(
    deployment: Deployment, boomi_like: EmulatorHandle
) -> None:
    emulator = boomi_like
    primary = emulator.seed.primary_account_id

    exit_code, report = run_probe_json(deployment)

    assert exit_code == 0, report
    # The burst reads the primary account; the only other such read follows it at once.
    reads = emulator.state.request_log.count("GET", rf"/Account/{primary}$")
    assert reads <= 15 + 1


def test_the_table_has_one_line_per_check_with_its_result_and_time(
    deployment: Deployment, boomi_like: EmulatorHandle
) -> None:
    result = deployment.doctor("--probe")

    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Boomi probe of account {boomi_like.seed.primary_account_id}")
    assert lines[1].split() == ["CHECK", "RESULT", "ELAPSED", "SEEN"]
    for name in CHECKS:
        [row] = [line for line in lines if line.startswith(name)]
        assert row[len(name) :].split()[0] in ("ok", "warn"), row
        assert " s  " in row
    assert lines[-1].endswith("0 fail")


def test_a_component_nobody_references_is_reported_as_a_valid_400(
    deployment: Deployment, boomi_like: EmulatorHandle
) -> None:
    with boomi_like.client() as boomi:
        lonely = create(
            boomi,
            component_xml(name="Lonely", type_="process", content='<process xmlns=""/>'),
        ).get("componentId")

    exit_code, report = run_probe_json(deployment, "--process-id", lonely)

    assert exit_code == 0, report
    references = report["checks"][1]
    assert references["result"] == "ok"
    assert references["facts"]["processId"] == lonely
    assert references["facts"]["usedByStatus"] == 400
    assert references["facts"]["uses"] == []
    assert "nobody references, valid" in references["seen"]


def test_the_branch_is_deleted_even_when_the_probe_fails_on_it(
    deployment: Deployment, boomi_like: EmulatorHandle
) -> None:
    boomi_like.state.faults.add(r"/Branch/[^/]+$", method="GET", status=503, count=2)

    exit_code, report = run_probe_json(deployment)

    assert exit_code == 1
    branch = report["checks"][0]
    assert branch["result"] == "fail"
    assert "503" in branch["seen"]
    made = probe_branches(boomi_like)
    assert len(made) == 1 and made[0][1] is True, "the probe's branch was deleted"
    assert [c["name"] for c in report["checks"]] == CHECKS, "the other checks still ran"


def test_the_probe_runs_only_when_asked(deployment: Deployment, emulator: EmulatorHandle) -> None:
    # Not a terminal (as here, in CI, in a pipe): plain `promo doctor` never offers the probe.
    result = deployment.doctor()

    assert result.exit_code == 0, result.stdout
    assert emulator.state.request_log.count("POST", r"/Branch$") == 0
    assert probe_branches(emulator) == []

    wrong = deployment.doctor("--process-id", "abc")
    assert wrong.exit_code == 2
    assert "--process-id goes with --probe" in wrong.output


def test_the_probe_needs_the_boomi_settings(deployment: Deployment) -> None:
    result = deployment.doctor("--probe", "--json", PROMO_BOOMI__PRIMARY_ACCOUNT_ID="")

    assert result.exit_code == 1
    failed = json.loads(result.stdout)
    assert failed["result"] == "fail"
    assert [c["name"] for c in failed["checks"]] == ["settings"]
    assert "PROMO_BOOMI__PRIMARY_ACCOUNT_ID" in failed["checks"][0]["seen"]


def test_at_a_terminal_the_probe_is_offered_and_runs_only_if_accepted(
    deployment: Deployment, boomi_like: EmulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CliRunner's streams are no terminal; this stands in for a person at one.
    monkeypatch.setattr("boomi_promo.cli.doctor._at_a_terminal", lambda: True)

    declined = deployment.runner.invoke(app, ["doctor"], env=deployment.env, input="\n")

    assert declined.exit_code == 0, declined.output
    assert "Run the live probe too?" in declined.output
    assert probe_branches(boomi_like) == [], "the default answer is no"

    accepted = deployment.runner.invoke(app, ["doctor"], env=deployment.env, input="y\n")

    assert accepted.exit_code == 0, accepted.output
    assert "CHECK" in accepted.output and "branch lifecycle" in accepted.output
    assert [deleted for _, deleted in probe_branches(boomi_like)] == [True]
