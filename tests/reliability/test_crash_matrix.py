"""The service SIGKILLed at each step of C and D that matters, then started again.

The first run is ``promo serve`` in its own process. A hook in the emulator's faults kills it
(SIGKILL) the moment Boomi receives the Nth request of the chosen kind, so the crash lands on
that step every time; the request itself still runs (the write lands and nobody reads the
answer: the worst moment). The service then starts again on the same database and must find
the dead job, mark it INTERRUPTED, end the promotion FAILED / *_DEPLOY_FAILED saying
"interrupted" with its branch cleaned up, leave the store and Boomi consistent, and accept the
same action again, which must succeed.

Steps tried, C (executePromotion of the full Orders tree): the branch create, the first wait
for the branch to be ready (its id recorded), the first folder create, the first, a middle and
the last component write (the last: everything written, the PromotionLog not yet COMPLETED).
D (packageAndDeploy): packaging (mode 1), adding to the pack, the release request and the
first release-status read (mode 4, a new test pack: the promotion is TEST_DEPLOYING meanwhile,
so it ends TEST_DEPLOY_FAILED and the retry finds the pack it recorded), the merge into main
(mode 2, a production retry), and the moment the merge reached MERGED, before the mappings
were marked on main (the retry must mark them). Each case starts two services, so the list
is kept to these.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from boomi_promo.config import Settings
from boomi_promo.domain.component_types import CONNECTION_TYPE
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.service import create_app
from tests.integration.deployment.support import (
    body_of,
    completed_promotion,
    deployed_to_test,
    production_record,
    record,
    set_fields,
)
from tests.integration.promotion.support import ALICE, CAROL, store_of, team_a
from tests.reliability.consistency import find_violations
from tests.support.process import service_process
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    TEST_JOB_SETTINGS,
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

SUITE = "Crash matrix"
KILL_WAIT_SECONDS = 30.0
RESTART_STALE_SECONDS = 1.0
"""The restarted service counts a job silent this long as dead (the killed one is silent)."""
PACK = "Customer Sync"


# ---------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Call:
    email: str
    action: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Step:
    """The request at which the service dies: the ``nth`` (1-based) ``method`` on ``path``,
    or, with ``when``, the first such request received while ``when(state)`` holds."""

    method: str
    path: str
    nth: Callable[[DemoService], int] | int = 1
    when: Callable[[EmulatorState], bool] | None = None


@dataclass(frozen=True)
class CrashCase:
    key: str
    label: str
    step: Step
    prepare: Callable[[DemoService], Awaitable[Call]]
    """Run on the first service before the kill is armed; the call that will be killed."""
    ends: str
    """The promotion's status once the restarted service compensated the run."""
    retry: Callable[[Call], Call] | None = lambda call: call
    """The same action again, as the user sends it after the failure (``None``: the restart
    finished the action, there is nothing to retry)."""
    says_interrupted: bool = True
    """The promotion's error message says "interrupted" (a compensated run)."""
    after_retry: Callable[[DemoService, str], Awaitable[list[str]]] | None = None
    """What else must hold once the retry succeeded (given the promotion id): problems."""


async def promote(service: DemoService) -> Call:
    body = {"devAccountId": team_a(service), "devPackageId": service.seed.full_tree_package_id}
    return Call(ALICE, "executePromotion", body)


def components_to_write(service: DemoService) -> int:
    """The full tree's components that C writes (every one but the connections)."""
    state = service.emulator.state
    with state.lock:
        package = state.packages[service.seed.full_tree_package_id]
        return sum(
            1
            for component_id, version in package.snapshot.items()
            if state.components[component_id].revisions[version].type != CONNECTION_TYPE
        )


async def deploy_to_test(service: DemoService) -> Call:
    promoted = await completed_promotion(service)
    return Call(ALICE, "packageAndDeploy", {"promotionId": promoted["promotionId"]})


async def assign_test_pack(service: DemoService) -> Call:
    # Mode 1 finds no test pack in history: the promotion waits for an admin (mode 4).
    first = await deploy_to_test(service)
    waiting = body_of(await service.call(first.email, first.action, first.body))
    assert waiting["needsPackAssignment"], waiting
    body = {"promotionId": waiting["promotionId"], "createNewPack": True, "newPackName": PACK}
    return Call(CAROL, "packageAndDeploy", body)


async def retry_production(service: DemoService) -> Call:
    production_id = await production_record(service, await deployed_to_test(service, PACK))
    await set_fields(service, production_id, status="DEPLOY_FAILED")
    body = {"promotionId": production_id, "createNewPack": True, "newPackName": f"{PACK} Prod"}
    return Call(CAROL, "packageAndDeploy", body)


def merge_done(state: EmulatorState) -> bool:
    """A merge was executed: the status read now answers MERGED (no merge delay in tests)."""
    with state.lock:
        return any(m.stage in ("MERGING", "MERGED") for m in state.merge_requests.values())


async def shipped_mappings_on_main(service: DemoService, promotion_id: str) -> list[str]:
    """Every component the production promotion shipped is on main, and its mapping says so."""
    production = await record(service, promotion_id)
    test = await record(service, production.test_promotion_id)
    problems = []
    async with store_of(service) as uow:
        found = await uow.mappings.list_for_dev_account(test.dev_account_id)
    by_dev = {m.dev_component_id: m for m in found}
    for item in test.result_detail["promotionResults"]:
        mapping = by_dev.get(item["devComponentId"])
        if mapping is None or mapping.prod_component_id != item["prodComponentId"]:
            problems.append(f"{item['componentName']}: mapping does not name what was shipped")
        elif not mapping.on_main:
            problems.append(f"{item['componentName']}: shipped to main, mapping not on main")
    return problems


async def roll_back_test(service: DemoService) -> Call:
    """Two test deployments of the process: rolling Test back goes to the first."""
    await deployed_to_test(service, PACK)
    second = await completed_promotion(service)
    body_of(await service.call(ALICE, "packageAndDeploy", {"promotionId": second["promotionId"]}))
    return Call(CAROL, "rollbackRelease", {"processName": PACK, "environment": "TEST"})


async def rolled_back_on_record(service: DemoService, promotion_id: str) -> list[str]:
    """The restart finished the rollback: marked, audited, Test runs the first release."""
    rolled_back = await record(service, promotion_id)
    problems = []
    if "rolledBack" not in (rolled_back.result_detail or {}):
        problems.append("the rolled-back promotion is not marked rolled back")
    async with store_of(service) as uow:
        entries = await uow.audit.list_entries(target_id=promotion_id, page_size=500)
    if "promotion.rolled_back" not in {e.action for e in entries.items}:
        problems.append("the rollback is not audited")
    return problems


def without_pack_choice(call: Call) -> Call:
    # The pack made before the crash is recorded: a retry needs no choice again.
    return Call(call.email, call.action, {"promotionId": call.body["promotionId"]})


CASES = [
    CrashCase("C-branch", "branch create", Step("POST", r"/Branch$"), promote, "FAILED"),
    CrashCase(
        "C-branch-ready",
        "branch created, waiting for it to be ready",
        Step("GET", r"/Branch/[^/]+$"),
        promote,
        "FAILED",
    ),
    CrashCase("C-folder", "first folder create", Step("POST", r"/Folder$"), promote, "FAILED"),
    CrashCase(
        "C-first-component",
        "first component write",
        Step("POST", r"/Component$"),
        promote,
        "FAILED",
    ),
    CrashCase(
        "C-middle-component",
        "a middle component write",
        Step("POST", r"/Component$", lambda service: components_to_write(service) // 2),
        promote,
        "FAILED",
    ),
    CrashCase(
        "C-last-component",
        "last component write, PromotionLog not yet COMPLETED",
        Step("POST", r"/Component$", components_to_write),
        promote,
        "FAILED",
    ),
    CrashCase(
        "D-packaging",
        "mode 1: packaging from the branch",
        Step("POST", r"/PackagedComponent$"),
        deploy_to_test,
        "TEST_DEPLOY_FAILED",
    ),
    CrashCase(
        "D-pack-add",
        "mode 4: adding the packages to a new test pack",
        Step("POST", r"/PublisherIntegrationPack/[^/]+$"),
        assign_test_pack,
        "TEST_DEPLOY_FAILED",
    ),
    CrashCase(
        "D-release",
        "mode 4: the release request",
        Step("POST", r"/ReleaseIntegrationPack$"),
        assign_test_pack,
        "TEST_DEPLOY_FAILED",
    ),
    CrashCase(
        "D-release-poll",
        "mode 4: reading the release status",
        Step("GET", r"/ReleaseIntegrationPackStatus/"),
        assign_test_pack,
        "TEST_DEPLOY_FAILED",
    ),
    CrashCase(
        "D-merge",
        "mode 2: merging the review branch into main",
        Step("POST", r"/MergeRequest"),
        retry_production,
        "DEPLOY_FAILED",
        retry=without_pack_choice,
    ),
    CrashCase(
        "D-merged",
        "mode 2: the merge reached MERGED, mappings not yet marked on main",
        Step("GET", r"/MergeRequest/[^/]+$", when=merge_done),
        retry_production,
        "DEPLOY_FAILED",
        retry=without_pack_choice,
        after_retry=shipped_mappings_on_main,
    ),
    CrashCase(
        "RB-release",
        "rollbackRelease: the release requested, the rollback not yet recorded",
        Step("POST", r"/ReleaseIntegrationPack$"),
        roll_back_test,
        "TEST_CANCELLED",
        retry=None,
        says_interrupted=False,
        after_retry=rolled_back_on_record,
    ),
]


# ---------------------------------------------------------------------------- running


def restart_settings(settings: Settings) -> Settings:
    jobs = TEST_JOB_SETTINGS.model_copy(update={"stale_after_seconds": RESTART_STALE_SECONDS})
    return settings.model_copy(update={"jobs": jobs})


@contextmanager
def running_service(
    settings: Settings, emulator: EmulatorHandle, data_dir: Path
) -> Iterator[DemoService]:
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=data_dir, settings=settings
        )


def arm_kill(service: DemoService, step: Step, process: subprocess.Popen[bytes]) -> list[str]:
    """SIGKILL ``process`` when Boomi receives the step's request; the list records the hit."""
    fired: list[str] = []
    nth = step.nth(service) if callable(step.nth) else step.nth
    state = service.emulator.state
    when = step.when

    def kill() -> None:
        if fired or (when is not None and not when(state)):
            return
        fired.append(f"{step.method} {step.path} #{nth}")
        process.send_signal(signal.SIGKILL)

    if when is not None:
        state.faults.add(step.path, method=step.method, on_match=kill)
    else:
        state.faults.add(step.path, method=step.method, count=1, skip=nth - 1, on_match=kill)
    return fired


async def start_async(service: DemoService, call: Call) -> str:
    """Submit the action as a job (``Prefer: respond-async``); its id."""
    async with service.api(call.email) as client:
        response = await client.post(
            f"/api/v1/actions/{call.action}",
            json=call.body,
            headers={"Prefer": "respond-async"},
        )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["jobId"]
    return job_id


async def wait_until_dead(process: subprocess.Popen[bytes]) -> None:
    for _ in range(int(KILL_WAIT_SECONDS / 0.05)):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the kill step was never reached")


async def job_of(service: DemoService, email: str, job_id: str) -> dict[str, Any]:
    """The job once it finished (the restarted service interrupts the dead one)."""
    async with service.api(email) as client:
        for _ in range(300):
            job: dict[str, Any] = (await client.get(f"/api/v1/jobs/{job_id}")).json()
            if job["state"] in ("SUCCEEDED", "FAILED", "INTERRUPTED"):
                return job
            await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} never finished")


@pytest.mark.parametrize("case", CASES, ids=[c.key for c in CASES])
async def test_a_killed_service_recovers_the_step_and_the_retry_succeeds(
    emulator: EmulatorHandle,
    tmp_path: Path,
    database_url: str,
    reliability: ReliabilityLog,
    case: CrashCase,
) -> None:
    settings = service_settings(emulator, tmp_path, database_url)
    run_in_fresh_loop(prepare_database(settings, emulator.seed))

    with service_process(settings, tmp_path / "killed.log") as (base_url, process):
        first = DemoService(base_url, emulator, tmp_path, settings)
        call = await case.prepare(first)
        fired = arm_kill(first, case.step, process)
        job_id = await start_async(first, call)
        await wait_until_dead(process)
    emulator.state.faults.clear()
    assert fired, "the service died, but not at the chosen step"

    problems: list[str] = []
    with running_service(restart_settings(settings), emulator, tmp_path) as again:
        job = await job_of(again, call.email, job_id)
        if (job["state"], job["response"].get("errorCode")) != ("INTERRUPTED", "JOB_INTERRUPTED"):
            problems.append(f"the killed job ended {job['state']}: {job['response']}")
        problems += [str(v) for v in await find_violations(again)]
        promotion_id = job["promotionId"]
        if promotion_id is None:
            problems.append("the job never named its promotion")
        else:
            promotion = await record(again, promotion_id)
            if promotion.status != case.ends:
                problems.append(f"the promotion ended {promotion.status}, not {case.ends}")
            elif case.says_interrupted and "interrupted" not in (promotion.error_message or ""):
                problems.append(
                    f"the promotion does not say interrupted: {promotion.error_message}"
                )
        if case.retry is not None:
            retry = case.retry(call)
            retried = await again.call(retry.email, retry.action, retry.body)
            if retried.status_code != 200 or retried.json().get("success") is not True:
                problems.append(f"the retry failed: {retried.status_code} {retried.text[:400]}")
        problems += [f"after the retry: {v}" for v in await find_violations(again)]
        if case.after_retry is not None and promotion_id is not None:
            problems += await case.after_retry(again, promotion_id)

    reliability.record(
        SUITE,
        f"{call.action} killed at: {case.label}",
        tried=1,
        held=0 if problems else 1,
        detail="job INTERRUPTED; promotion ended (interrupted) with its branch cleaned up; "
        "store and Boomi consistent; the same action again succeeded",
    )
    assert not problems, "\n".join(problems)
