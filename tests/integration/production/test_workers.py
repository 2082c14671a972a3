"""Long actions on the task queue: services accept them, `promo worker` processes run them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from boomi_promo.config import JobSettings, Settings
from tests.integration.promotion.support import ALICE, live_branch_ids, team_a
from tests.integration.promotion.test_service_killed import poll, settled_promotion, token_for
from tests.support.fleet import fleet, kill
from tests.support.servers import EmulatorHandle
from tests.support.service import DemoService, prepare_database, run_in_fresh_loop, service_settings

SLOW_COMPONENT_WRITES = 0.4


def queue_settings(emulator: EmulatorHandle, data_dir: Path, postgres_url: str) -> Settings:
    settings = service_settings(emulator, data_dir, postgres_url)
    jobs = JobSettings(
        **settings.jobs.model_dump(exclude={"shutdown_grace_seconds"}), shutdown_grace_seconds=1
    )
    settings = settings.model_copy(update={"jobs": jobs})
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    return settings


def submit(base_url: str, token: str, body: dict[str, Any]) -> str:
    return submit_action(base_url, token, "executePromotion", body)


def submit_action(base_url: str, token: str, action: str, body: dict[str, Any]) -> str:
    """Start a long action without waiting; the job's path."""
    accepted = httpx.post(
        f"{base_url}/api/v1/actions/{action}",
        json=body,
        headers={"Authorization": f"Bearer {token}", "Prefer": "respond-async"},
        timeout=30,
    )
    assert accepted.status_code == 202, accepted.text
    return str(accepted.headers["Location"])


def test_a_service_queues_the_job_and_a_worker_runs_it(
    emulator: EmulatorHandle, tmp_path: Path, postgres_url: str
) -> None:
    settings = queue_settings(emulator, tmp_path, postgres_url)
    service = DemoService(base_url="", emulator=emulator, data_dir=tmp_path, settings=settings)
    token = token_for(tmp_path, ALICE, service)
    body = {"devAccountId": team_a(service), "devPackageId": emulator.seed.full_tree_package_id}

    with fleet(settings, tmp_path / "logs") as running:
        base_url = running.start_service()
        job_path = submit(base_url, token, body)
        time.sleep(1.0)
        waiting = httpx.get(
            f"{base_url}{job_path}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert waiting["state"] == "QUEUED", "no worker runs yet, so the service must not run it"
        assert emulator.state.request_log.count("POST", r"/Branch$") == 0

        running.start_worker()
        done = poll(
            f"{base_url}{job_path}", token, lambda job: job["state"] == "SUCCEEDED", seconds=90
        )

    assert done["response"]["success"] is True
    assert done["promotionId"]
    assert emulator.state.request_log.count("POST", r"/Branch$") == 1


def test_a_killed_worker_is_compensated_and_the_account_freed(
    emulator: EmulatorHandle, tmp_path: Path, postgres_url: str
) -> None:
    settings = queue_settings(emulator, tmp_path, postgres_url)
    service = DemoService(base_url="", emulator=emulator, data_dir=tmp_path, settings=settings)
    token = token_for(tmp_path, ALICE, service)
    body = {"devAccountId": team_a(service), "devPackageId": emulator.seed.full_tree_package_id}
    branches_before = live_branch_ids(service)
    emulator.state.faults.add(r"/Component$", method="POST", latency=SLOW_COMPONENT_WRITES)

    with fleet(settings, tmp_path / "logs") as running:
        base_url = running.start_service()
        first_worker = running.start_worker()
        job_path = submit(base_url, token, body)
        # A second promotion for the same account waits on the queue's lock behind the first.
        second_path = submit(base_url, token, body)
        started = poll(
            f"{base_url}{job_path}",
            token,
            lambda job: (job["progress"].get("current") or 0) >= 2 and job["promotionId"],
            seconds=60,
        )
        kill(first_worker)
        assert live_branch_ids(service) - branches_before, "the branch existed at the kill"
        emulator.state.faults.clear()
        running.start_worker()

        interrupted = poll(
            f"{base_url}{job_path}", token, lambda job: job["state"] == "INTERRUPTED", seconds=60
        )
        assert interrupted["response"]["errorCode"] == "JOB_INTERRUPTED"
        promotion = settled_promotion(base_url, token, started["promotionId"])
        assert promotion["status"] == "FAILED"
        assert not promotion["branchId"]

        # The queue lock of the dead job was released: the waiting promotion runs to the end.
        second = poll(
            f"{base_url}{second_path}", token, lambda job: job["state"] == "SUCCEEDED", seconds=90
        )
        assert second["response"]["success"] is True
        completed = settled_promotion(base_url, token, second["promotionId"])
        assert completed["status"] == "COMPLETED"

    leftover = live_branch_ids(service) - branches_before
    assert len(leftover) <= 1, "only the completed promotion's review branch may remain"


def test_a_worker_killed_mid_deployment_leaves_it_failed_and_retryable(
    emulator: EmulatorHandle, tmp_path: Path, postgres_url: str
) -> None:
    settings = queue_settings(emulator, tmp_path, postgres_url)
    service = DemoService(base_url="", emulator=emulator, data_dir=tmp_path, settings=settings)
    token = token_for(tmp_path, ALICE, service)
    body = {"devAccountId": team_a(service), "devPackageId": emulator.seed.full_tree_package_id}

    with fleet(settings, tmp_path / "logs") as running:
        base_url = running.start_service()
        first_worker = running.start_worker()
        promoted = poll(
            f"{base_url}{submit(base_url, token, body)}",
            token,
            lambda job: job["state"] == "SUCCEEDED",
            seconds=90,
        )
        promotion_id = promoted["promotionId"]

        # Packaging is slow now, so the deployment is still packaging when the worker dies.
        emulator.state.faults.add(r"/PackagedComponent$", method="POST", latency=2.0)
        deploy = {"promotionId": promotion_id}
        deploying = submit_action(base_url, token, "packageAndDeploy", deploy)
        poll(
            f"{base_url}{deploying}",
            token,
            lambda job: job["state"] == "RUNNING" and job["progress"].get("step") == "package",
            seconds=60,
        )
        kill(first_worker)
        emulator.state.faults.clear()
        running.start_worker()

        interrupted = poll(
            f"{base_url}{deploying}", token, lambda job: job["state"] == "INTERRUPTED", seconds=60
        )
        assert interrupted["response"]["errorCode"] == "JOB_INTERRUPTED"
        failed = settled_promotion(base_url, token, promotion_id, leaving="TEST_DEPLOYING")
        assert failed["status"] == "TEST_DEPLOY_FAILED"

        again = submit_action(base_url, token, "packageAndDeploy", deploy)
        retried = poll(
            f"{base_url}{again}",
            token,
            lambda job: job["state"] in {"SUCCEEDED", "FAILED"},
            seconds=90,
        )
        # The retry runs to its end: it deploys, or asks which pack to use.
        assert retried["state"] == "SUCCEEDED", retried["response"]
        after = settled_promotion(base_url, token, promotion_id, leaving="TEST_DEPLOYING")
        assert after["status"] in {"TEST_DEPLOYED", "PENDING_PACK_ASSIGNMENT"}
