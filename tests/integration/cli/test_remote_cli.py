"""`promo remote ...` as a CI job runs it: a running service over real HTTP, a token in the env."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from boomi_promo.cli import app
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.remote.progress import CLEAR_TO_END, ProgressLine
from tests.integration.deployment.support import set_fields
from tests.integration.promotion.support import ALICE, BOB, CAROL, team_a
from tests.support.process import free_port
from tests.support.service import DemoService


@dataclass
class Remote:
    """The command line pointed at ``service`` through PROMO_SERVICE_URL and PROMO_TOKEN."""

    service: DemoService
    runner: CliRunner = field(default_factory=CliRunner)

    def run(self, email: str, *args: str, **env: str) -> Result:
        variables = {
            "PROMO_SERVICE_URL": self.service.base_url,
            "PROMO_TOKEN": self.service.token_for(email),
            **env,
        }
        return self.runner.invoke(app, ["remote", *args], env=variables)

    def answer(self, email: str, *args: str) -> dict[str, Any]:
        """The service's JSON answer to a command that must succeed."""
        result = self.run(email, *args, "--json")
        assert result.exit_code == 0, result.output
        body: dict[str, Any] = json.loads(result.stdout)
        assert body["success"] is True, body
        return body

    def promote(self, *extra: str) -> Result:
        package = self.service.seed.full_tree_package_id
        return self.run(
            ALICE, "promote", "--dev-account", team_a(self.service), "--package", package, *extra
        )


@pytest.fixture
def remote(demo_service: DemoService) -> Remote:
    return Remote(demo_service)


def test_a_whole_journey_from_promotion_to_production(remote: Remote) -> None:
    promoted = remote.promote("--wait", "--json")
    assert promoted.exit_code == 0, promoted.output
    promotion = json.loads(promoted.stdout)
    test_id = promotion["promotionId"]
    assert promotion["promotionResults"], "the package's components were written"

    deployed = remote.run(ALICE, "deploy", test_id, "--mode", "test", "--wait")
    assert deployed.exit_code == 0, deployed.output
    assert f"promotion {test_id} is PENDING_PACK_ASSIGNMENT (TEST)" in deployed.stdout
    assert f"promo remote assign-pack {test_id}" in deployed.stdout, "the next step is named"
    assert "packageAndDeploy SUCCEEDED" in deployed.stderr, "the job's progress was shown"

    assigned = remote.answer(CAROL, "assign-pack", test_id, "--new-pack", "Orders - TEST", "--wait")
    assert assigned["newStatus"] == "TEST_DEPLOYED"
    shown = remote.run(ALICE, "status", test_id)
    assert shown.exit_code == 0, shown.output
    assert "TEST_DEPLOYED" in shown.stdout
    assert "Orders - TEST" in shown.stdout

    submitted = remote.answer(ALICE, "submit", test_id, "--notes", "Orders v2 for production")
    production_id = submitted["promotionId"]
    assert submitted["newStatus"] == "PENDING_PEER_REVIEW"

    component = promotion["promotionResults"][0]
    diff = remote.run(BOB, "diff", production_id, component["prodComponentId"])
    assert diff.exit_code == 0, diff.output
    assert diff.stdout.startswith(f"--- main {component['componentName']}")
    assert "added," in diff.stdout.splitlines()[-1]

    reviewed = remote.run(BOB, "peer-review", production_id, "--approve", "--comment", "ok")
    assert reviewed.exit_code == 0, reviewed.output
    assert reviewed.stdout.strip() == f"promotion {production_id} is PENDING_ADMIN_REVIEW"

    approved = remote.run(
        CAROL, "admin-review", production_id, "--approve", "--new-pack", "Orders", "--wait"
    )
    assert approved.exit_code == 0, approved.output
    assert f"promotion {production_id} is DEPLOYED (PRODUCTION)" in approved.stdout

    status = remote.answer(ALICE, "status", production_id)
    assert [p["status"] for p in status["promotions"]] == ["DEPLOYED"]
    listed = remote.run(ALICE, "status", "--status", "deployed", "--target", "production")
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines()[0].split() == [
        "PROMOTION",
        "STATUS",
        "TARGET",
        "PROCESS",
        "INITIATED",
        "BY",
        "INITIATED",
        "AT",
    ]
    assert [line.split()[:2] for line in listed.stdout.splitlines()[1:]] == [
        [production_id, "DEPLOYED"]
    ]


def test_without_wait_the_job_url_is_printed_and_the_job_can_be_followed(remote: Remote) -> None:
    started = remote.promote()
    assert started.exit_code == 0, started.output
    first = started.stdout.splitlines()[0]
    assert first.startswith("job ")
    job_url = first.rsplit(" ", 1)[-1]
    assert job_url.startswith(f"{remote.service.base_url}/api/v1/jobs/")

    followed = remote.run(ALICE, "job", job_url, "--wait")
    assert followed.exit_code == 0, followed.output
    assert followed.stdout.startswith("promotion ")
    assert "executePromotion SUCCEEDED" in followed.stderr.splitlines()[-1]
    again = remote.run(ALICE, "job", job_url.rsplit("/", 1)[-1], "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["promotionResults"], "a finished job answers as its action"


def test_a_refusal_exits_1_and_names_its_error_code(remote: Remote) -> None:
    test_id = json.loads(remote.promote("--wait", "--json").stdout)["promotionId"]

    refused = remote.run(ALICE, "admin-review", test_id, "--approve", "--new-pack", "Orders")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: INSUFFICIENT_TIER: ")
    assert "Traceback" not in refused.output

    as_json = remote.run(BOB, "peer-review", test_id, "--reject", "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["success"] is False

    missing = remote.run(ALICE, "status", "no-such-promotion")
    assert missing.exit_code == 1
    assert "PROMOTION_NOT_FOUND" in missing.stderr


def test_bad_input_exits_2(remote: Remote) -> None:
    no_decision = remote.run(BOB, "peer-review", "some-id")
    assert no_decision.exit_code == 2

    both_packs = remote.run(CAROL, "assign-pack", "some-id", "--pack-id", "p", "--new-pack", "n")
    assert both_packs.exit_code == 2
    assert "--pack-id or --new-pack, not both" in both_packs.stderr

    rejected_body = remote.run(ALICE, "call", "executePromotion", "--data", "{}")
    assert rejected_body.exit_code == 2
    assert json.loads(rejected_body.stdout)["errorCode"] == "INVALID_REQUEST"
    assert "devAccountId" in rejected_body.stderr, "the field is named"

    not_json = remote.run(ALICE, "call", "queryStatus", "--data", "[1")
    assert not_json.exit_code == 2
    assert "not valid JSON" in not_json.stderr

    no_url = remote.run(ALICE, "status", PROMO_SERVICE_URL="")
    assert no_url.exit_code == 2
    assert "PROMO_SERVICE_URL" in no_url.stderr


def test_an_unreachable_service_or_a_refused_token_exits_3(remote: Remote) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    unreachable = remote.run(ALICE, "status", "--json", PROMO_SERVICE_URL=nobody)
    assert unreachable.exit_code == 3
    assert unreachable.stderr.startswith(
        f"error: SERVICE_UNREACHABLE: Cannot reach the service at {nobody}"
    )
    assert json.loads(unreachable.stdout)["errorCode"] == "SERVICE_UNREACHABLE"
    assert "Traceback" not in unreachable.output

    forged = remote.run(ALICE, "status", PROMO_TOKEN="not-a-token")
    assert forged.exit_code == 3
    assert "did not accept the token" in forged.stderr

    elsewhere = remote.run(ALICE, "status", PROMO_SERVICE_URL=remote.service.emulator_url)
    assert elsewhere.exit_code == 3


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_rewrites_one_line_on_a_terminal_and_prints_changes_elsewhere() -> None:
    running = {"action": "executePromotion", "state": "RUNNING"}
    resolving = {**running, "progress": {"step": "resolve", "current": 1, "total": 3}}
    done = {**resolving, "state": "SUCCEEDED"}

    terminal = Terminal()
    on_terminal = ProgressLine(terminal)
    for job in (running, resolving, resolving, done):
        on_terminal(job)
    on_terminal.close()
    updates = terminal.getvalue().split("\r")[1:]
    assert len(updates) == 4
    assert all(CLEAR_TO_END in update for update in updates)
    assert updates[-1].startswith("executePromotion SUCCEEDED · resolve 1/3 (")
    assert terminal.getvalue().endswith("\n") and terminal.getvalue().count("\n") == 1

    log = io.StringIO()
    in_a_log = ProgressLine(log)
    for job in (running, resolving, resolving, done):
        in_a_log(job)
    in_a_log.close()
    assert log.getvalue().splitlines() == [
        "executePromotion RUNNING",
        "executePromotion RUNNING · resolve 1/3",
        "executePromotion SUCCEEDED · resolve 1/3",
    ]


async def test_an_admin_abandons_a_failed_deployment_with_a_reason(remote: Remote) -> None:
    promoted = remote.promote("--wait", "--json")
    promotion_id = json.loads(promoted.stdout)["promotionId"]
    # As a hotfix whose production merge failed for good leaves it.
    await set_fields(
        remote.service,
        promotion_id,
        status=PromotionStatus.DEPLOY_FAILED,
        is_hotfix=True,
        target_environment="PRODUCTION",
    )

    no_reason = remote.run(CAROL, "abandon", promotion_id)
    contributor = remote.run(ALICE, "abandon", promotion_id, "--reason", "not mine to give up")
    abandoned = remote.run(CAROL, "abandon", promotion_id, "--reason", "the conflict stays")

    assert no_reason.exit_code == 2
    assert contributor.exit_code == 1
    assert contributor.stderr.startswith("error: INSUFFICIENT_TIER: ")
    assert abandoned.exit_code == 0, abandoned.output
    assert abandoned.stdout.splitlines()[0] == f"promotion {promotion_id} is DEPLOY_ABANDONED"
    assert "can be promoted again" in abandoned.stdout
