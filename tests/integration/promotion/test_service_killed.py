"""SIGKILL the service in the middle of a promotion, start it again: nothing is left behind."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import httpx

from boomi_promo.identity.local import LocalIdentity, demo_users
from tests.integration.promotion.support import ALICE, live_branch_ids, team_a
from tests.support.process import service_process
from tests.support.servers import EmulatorHandle
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SLOW_COMPONENT_WRITES = 0.4


def token_for(data_dir: Path, email: str, service: DemoService) -> str:
    user = next(u for u in demo_users(service.settings.groups) if u.email == email)
    return LocalIdentity(data_dir).issue_token(user.email, user.name, list(user.groups))


def poll(url: str, token: str, until: Any, *, seconds: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        document: dict[str, Any] = httpx.get(
            url, headers={"Authorization": f"Bearer {token}"}, timeout=5
        ).json()
        if until(document):
            return document
        time.sleep(0.1)
    raise AssertionError(f"{url} never reached the expected state")


def settled_promotion(
    base_url: str, token: str, promotion_id: str, *, leaving: str = "IN_PROGRESS"
) -> dict[str, Any]:
    """The promotion as queryStatus shows it, once its status is no longer ``leaving``."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = httpx.post(
            f"{base_url}/api/v1/actions/queryStatus",
            json={"promotionId": promotion_id},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        [promotion] = response.json()["promotions"]
        if promotion["status"] != leaving:
            found: dict[str, Any] = promotion
            return found
        time.sleep(0.1)
    raise AssertionError(f"promotion {promotion_id} stayed {leaving}")


def test_killed_service_leaves_no_branch_and_a_failed_log(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> None:
    settings = service_settings(emulator, tmp_path, service_database_url)
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    service = DemoService(base_url="", emulator=emulator, data_dir=tmp_path, settings=settings)
    token = token_for(tmp_path, ALICE, service)
    body = {"devAccountId": team_a(service), "devPackageId": emulator.seed.full_tree_package_id}
    emulator.state.faults.add(r"/Component$", method="POST", latency=SLOW_COMPONENT_WRITES)
    branches_before = live_branch_ids(service)

    with service_process(settings, tmp_path / "first.log") as (base_url, process):
        accepted = httpx.post(
            f"{base_url}/api/v1/actions/executePromotion",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Prefer": "respond-async"},
            timeout=30,
        )
        assert accepted.status_code == 202, accepted.text
        job_path = accepted.headers["Location"]
        running = poll(
            f"{base_url}{job_path}",
            token,
            lambda job: (job["progress"].get("current") or 0) >= 2 and job["promotionId"],
        )
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    promotion_id = running["promotionId"]
    assert live_branch_ids(service) - branches_before, "the promotion branch existed at the kill"

    emulator.state.faults.clear()
    with service_process(settings, tmp_path / "second.log") as (base_url, _process):
        interrupted = poll(
            f"{base_url}{job_path}", token, lambda job: job["state"] == "INTERRUPTED"
        )
        assert interrupted["response"]["errorCode"] == "JOB_INTERRUPTED"

        # The job is interrupted first, then compensated: wait for the promotion to settle.
        promotion = settled_promotion(base_url, token, promotion_id)
        assert promotion["status"] == "FAILED"
        assert not promotion["branchId"]
        assert "interrupted" in promotion["errorMessage"]
        assert live_branch_ids(service) == branches_before

        again = httpx.post(
            f"{base_url}/api/v1/actions/executePromotion",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert again.status_code == 200, again.text
        assert again.json()["success"] is True
