"""Every action that writes to Boomi, under every kind of Boomi failure, over real HTTP.

One table of actions, each with the write a fault lands on, and one table of faults. Each
action is a test (on each database); it tries every fault in turn on one service: set the
action up (its own fresh precondition), inject the fault in the emulator on the action's own
write, call the action. The user must get the action's answer or a typed error envelope (never
``INTERNAL_ERROR``, never a traceback); a fault the client's retries absorb must not fail the
action; and afterwards the store and Boomi must agree (:mod:`tests.reliability.consistency`).
A branch the product could not delete and left on record for ``promo reconcile`` is accepted
once one reconciler pass removes it, and the row says so. One reliability row per
(action x fault).

The faults that take the same client path as another (a 503 burst retried like a 429 storm, a
reset before the write refused like a timeout) run on ``PROMO_RELIABILITY_LONG=1`` only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from boomi_promo.domain.statuses import UNDER_REVIEW, PromotionStatus
from boomi_promo.emulator.control import FaultInjector
from boomi_promo.engine.reconcile import reconcile_branches
from boomi_promo.service import create_app
from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.integration.deployment.support import (
    PROCESS,
    body_of,
    boomi_for,
    completed_promotion,
    deployed_to_test,
    production_record,
    set_fields,
)
from tests.integration.promotion.support import ALICE, BOB, CAROL, store_of, team_a
from tests.reliability.conftest import long_run
from tests.reliability.consistency import LEFT_FOR_RECONCILER, find_violations
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)
from tests.support.workflow import dev_component, edit_dev_component

SUITE = "Fault matrix"
CLIENT_TIMEOUT_SECONDS = 1.0
"""The service's Boomi timeout here: a hung request costs this long instead of 30 s."""
MAX_RETRIES = 3
"""The client's retries (BoomiSettings.max_retries): a storm one longer is not survived."""
EVERY_REQUEST = r"."
PACK = "Customer Sync"


# ---------------------------------------------------------------------------- the actions


@dataclass(frozen=True)
class Call:
    email: str
    action: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Target:
    """The write a fault lands on: method and path (a regular expression, searched)."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


Prepare = Callable[[DemoService, int], Awaitable[Call]]


async def nothing_first(service: DemoService) -> None:
    return None


@dataclass(frozen=True)
class ActionCase:
    key: str
    """Short name for the test id."""
    label: str
    target: Target
    prepare: Prepare
    """Brings the service to where the action can run, for trial ``n`` (no fault yet)."""
    prepare_once: Callable[[DemoService], Awaitable[None]] = nothing_first
    """What every trial's precondition builds on, made once."""
    mid_run_writes: int = 0
    """How many target writes succeed before the API token "expires" (401 from then on)."""


async def promote_call(service: DemoService, _trial: int) -> Call:
    body = {"devAccountId": team_a(service), "devPackageId": service.seed.full_tree_package_id}
    return Call(ALICE, "executePromotion", body)


async def pack_in_history(service: DemoService) -> None:
    """A first test deployment of the process: later ones find its test pack in history."""
    await deployed_to_test(service, PACK)


_S = PromotionStatus
ERIN = "erin@example.com"


async def clear_the_way(service: DemoService) -> None:
    """What a team does before promoting the process again after an earlier trial left a
    promotion of it on its way to main (README, workflow): withdraw one under review, have an
    admin retry a failed deployment."""
    async with store_of(service) as uow:
        found = await uow.promotions.query(statuses=UNDER_REVIEW, page_size=50)
    for promotion in found.items:
        if promotion.status in (_S.PENDING_PEER_REVIEW, _S.PENDING_ADMIN_REVIEW):
            withdrawal = {"promotionId": promotion.promotion_id}
            body_of(await service.call(promotion.initiated_by, "withdrawPromotion", withdrawal))
        elif promotion.status == _S.DEPLOY_FAILED:
            body: dict[str, Any] = {"promotionId": promotion.promotion_id}
            if not promotion.integration_pack_id:
                body |= {"createNewPack": True, "newPackName": f"{PACK} {uuid.uuid4()}"}
            body_of(await service.call(ERIN, "packageAndDeploy", body))
    # An earlier trial may have taken the process to production: promote a change, since an
    # unchanged tree is nothing to promote (issue 16).
    await edit_dev_component(service, dev_component(service, PROCESS), f"trial {uuid.uuid4()}")


async def deploy_to_test_call(service: DemoService, _trial: int) -> Call:
    await clear_the_way(service)
    promoted = await completed_promotion(service)
    return Call(ALICE, "packageAndDeploy", {"promotionId": promoted["promotionId"]})


def production_pack(trial: int) -> str:
    """A new production pack per trial: a pack name is unique in the account."""
    return f"{PACK} {trial}"


async def production_retry_call(service: DemoService, trial: int) -> Call:
    # A production record (R, then E3) whose first deployment failed: D mode 2 retries it.
    await clear_the_way(service)
    production_id = await production_record(service, await deployed_to_test(service, PACK))
    await set_fields(service, production_id, status="DEPLOY_FAILED")
    body = {
        "promotionId": production_id,
        "createNewPack": True,
        "newPackName": production_pack(trial),
    }
    return Call(CAROL, "packageAndDeploy", body)


async def abandon_call(service: DemoService, _trial: int) -> Call:
    # A production record whose deployment failed for good: an admin abandons it (D2).
    await clear_the_way(service)
    production_id = await production_record(service, await deployed_to_test(service, PACK))
    await set_fields(service, production_id, status="DEPLOY_FAILED")
    body = {"promotionId": production_id, "reason": "The merge conflict stays"}
    return Call(CAROL, "abandonDeployment", body)


async def hotfix_in_review(service: DemoService, *, peer_approved: bool) -> str:
    """C, then R as a hotfix (C's branch goes to review), then E3 approve when asked."""
    await clear_the_way(service)
    promotion_id = str((await completed_promotion(service))["promotionId"])
    submit = {"promotionId": promotion_id, "isHotfix": True, "hotfixJustification": "Down"}
    body_of(await service.call(ALICE, "submitForPeerReview", submit))
    if peer_approved:
        decision = {"promotionId": promotion_id, "decision": "APPROVED"}
        body_of(await service.call(BOB, "submitPeerReview", decision))
    return promotion_id


async def admin_approve_call(service: DemoService, trial: int) -> Call:
    promotion_id = await hotfix_in_review(service, peer_approved=True)
    body = {
        "promotionId": promotion_id,
        "decision": "APPROVED",
        "hotfixAcknowledged": True,
        "createNewPack": True,
        "newPackName": production_pack(trial),
    }
    return Call(CAROL, "submitAdminReview", body)


async def submit_for_review_call(service: DemoService, _trial: int) -> Call:
    await clear_the_way(service)
    tested = await deployed_to_test(service, PACK)
    return Call(ALICE, "submitForPeerReview", {"promotionId": tested})


async def peer_reject_call(service: DemoService, _trial: int) -> Call:
    promotion_id = await hotfix_in_review(service, peer_approved=False)
    return Call(BOB, "submitPeerReview", {"promotionId": promotion_id, "decision": "REJECTED"})


async def withdraw_call(service: DemoService, _trial: int) -> Call:
    promotion_id = await hotfix_in_review(service, peer_approved=False)
    return Call(ALICE, "withdrawPromotion", {"promotionId": promotion_id})


async def read_json(service: DemoService, path: str, account_id: str) -> dict[str, Any]:
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(path, params={"overrideAccount": account_id})
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


def region_call(service: DemoService, environment_id: str, region: str) -> Call:
    """M: the Customer Sync Settings' targetRegion set to ``region`` in ``environment_id``."""
    client = service.seed.client_accounts[0]
    settings = {
        "name": "Customer Sync Settings",
        "ProcessPropertyValue": [{"key": "targetRegion", "value": region, "useDefault": False}],
    }
    return Call(
        ALICE,
        "updateExtensions",
        {
            "clientAccountId": client.account_id,
            "environmentId": environment_id,
            "extensionPayload": json.dumps({"processProperties": {"ProcessProperty": [settings]}}),
        },
    )


async def with_component_id(service: DemoService, call: Call) -> Call:
    """The M call with the process property's component id, as read from Boomi."""
    client = service.seed.client_accounts[0]
    environment_id = call.body["environmentId"]
    extensions = await read_json(
        service, f"/EnvironmentExtensions/{environment_id}", client.account_id
    )
    [component_id] = [
        p["id"]
        for p in extensions["processProperties"]["ProcessProperty"]
        if p["name"] == "Customer Sync Settings"
    ]
    payload = json.loads(call.body["extensionPayload"])
    payload["processProperties"]["ProcessProperty"][0]["id"] = component_id
    return Call(call.email, call.action, {**call.body, "extensionPayload": json.dumps(payload)})


async def update_extensions_call(service: DemoService, trial: int) -> Call:
    environment_id = service.seed.client_accounts[0].test_environment_id
    return await with_component_id(service, region_call(service, environment_id, f"R{trial}"))


async def copy_extensions_call(service: DemoService, trial: int) -> Call:
    # Test changes first (through M), so that the copy has something to write to Prod.
    environment_id = service.seed.client_accounts[0].test_environment_id
    edit = await with_component_id(service, region_call(service, environment_id, f"C{trial}"))
    body_of(await service.call(edit.email, edit.action, edit.body))
    client = service.seed.client_accounts[0]
    return Call(CAROL, "copyExtensionsTestToProd", {"clientAccountId": client.account_id})


NAME_MAPPING = {"fromXPath": "Customer/Object/name", "toXPath": "Customer/name"}


async def update_map_extension_call(service: DemoService, _trial: int) -> Call:
    # Adds the mapping, or removes it when an earlier trial's write landed.
    client = service.seed.client_accounts[0]
    state = service.emulator.state
    with state.lock:
        extension_id = next(
            m.extension_id
            for m in state.map_extensions.values()
            if m.environment_id == client.test_environment_id
        )
    current = await read_json(
        service, f"/EnvironmentMapExtension/{extension_id}", client.account_id
    )
    present = any(
        m.get("fromXPath") == NAME_MAPPING["fromXPath"]
        and m.get("toXPath") == NAME_MAPPING["toXPath"]
        for m in current["Map"]["ExtendedMappings"]["Mapping"]
    )
    change = "removeMappings" if present else "addMappings"
    body = {
        "clientAccountId": client.account_id,
        "environmentId": client.test_environment_id,
        "mapExtensionId": extension_id,
        "mapExtensionPayload": {change: [NAME_MAPPING]},
        "expectedVersion": current["version"],
    }
    return Call(ALICE, "updateMapExtension", body)


# cancelTestDeployment is not here: the test deployment already deleted its branch, so its
# only Boomi call is a read (the branch looked up by name).
ACTIONS = [
    ActionCase(
        "C",
        "executePromotion (C)",
        Target("POST", r"/Component$"),
        promote_call,
        mid_run_writes=2,
    ),
    ActionCase(
        "D-test",
        "packageAndDeploy (D) to test, pack from history",
        Target("POST", r"/PackagedComponent$"),
        deploy_to_test_call,
        prepare_once=pack_in_history,
    ),
    ActionCase(
        "D-production",
        "packageAndDeploy (D) test → production, retried",
        Target("POST", r"/MergeRequest"),
        production_retry_call,
        prepare_once=pack_in_history,
        mid_run_writes=1,
    ),
    ActionCase(
        "S-approve",
        "submitAdminReview (S) approve",
        Target("POST", r"/ReleaseIntegrationPack$"),
        admin_approve_call,
    ),
    ActionCase(
        "R",
        "submitForPeerReview (R) from test",
        Target("POST", r"/Branch$"),
        submit_for_review_call,
        prepare_once=pack_in_history,
    ),
    ActionCase(
        "E3-reject", "submitPeerReview (E3) reject", Target("DELETE", r"/Branch/"), peer_reject_call
    ),
    ActionCase("E5", "withdrawPromotion (E5)", Target("DELETE", r"/Branch/"), withdraw_call),
    ActionCase(
        "D2",
        "abandonDeployment (D2)",
        Target("DELETE", r"/Branch/"),
        abandon_call,
        prepare_once=pack_in_history,
    ),
    ActionCase(
        "M",
        "updateExtensions (M)",
        Target("POST", r"/EnvironmentExtensions/[^/]+$"),
        update_extensions_call,
    ),
    ActionCase(
        "N",
        "copyExtensionsTestToProd (N)",
        # Only Prod's write: Test's (the precondition) is not the copy's.
        Target("POST", "/EnvironmentExtensions/PROD_ENVIRONMENT$"),
        copy_extensions_call,
    ),
    ActionCase(
        "O",
        "updateMapExtension (O)",
        Target("POST", r"/EnvironmentMapExtension/[^/]+$"),
        update_map_extension_call,
    ),
]


# ---------------------------------------------------------------------------- the faults


@dataclass
class Hits:
    """Counts the requests a fault applied to: a fault that never fired proves nothing."""

    count: int = 0

    def __call__(self) -> None:
        self.count += 1


Inject = Callable[[FaultInjector, Target, int, Hits], None]


@dataclass(frozen=True)
class FaultCase:
    label: str
    inject: Inject
    survivable: bool = False
    """The client's retries absorb it: the action must complete."""
    long_only: bool = False
    """Takes a client path another fault covers: on PROMO_RELIABILITY_LONG=1 only."""


def status_burst(status: int, times: int) -> Inject:
    def inject(faults: FaultInjector, target: Target, _writes: int, hits: Hits) -> None:
        # No Retry-After: the client's own back-off (shortened in tests) paces the retries.
        faults.add(
            target.path,
            method=target.method,
            status=status,
            retry_after=None,
            count=times,
            on_match=hits,
        )

    return inject


def once(*, timeout: bool = False, reset: bool = False, lose_answer: bool = False) -> Inject:
    def inject(faults: FaultInjector, target: Target, _writes: int, hits: Hits) -> None:
        faults.add(
            target.path,
            method=target.method,
            timeout=timeout,
            reset=reset,
            lose_answer=lose_answer,
            count=1,
            on_match=hits,
        )

    return inject


def token_expires_mid_run(faults: FaultInjector, target: Target, writes: int, hits: Hits) -> None:
    """From the chosen write on, Boomi refuses the API token on every request."""

    def expire() -> None:
        hits()
        faults.add(EVERY_REQUEST, status=401)

    faults.add(target.path, method=target.method, status=401, count=1, skip=writes, on_match=expire)


FAULTS = [
    FaultCase("429 storm (4 x 429, one more than the retries)", status_burst(429, MAX_RETRIES + 1)),
    FaultCase("short 429 storm (2 x 429)", status_burst(429, 2), survivable=True),
    FaultCase(
        "503 burst (3 x 503, as many as the retries)",
        status_burst(503, MAX_RETRIES),
        survivable=True,
        long_only=True,
    ),
    FaultCase("timeout (no answer within the client timeout)", once(timeout=True)),
    FaultCase("connection reset before the write", once(reset=True), long_only=True),
    FaultCase("connection reset after the write landed", once(lose_answer=True)),
    FaultCase("401 mid-run (token expires, stays expired)", token_expires_mid_run),
]


def faults_to_try() -> list[FaultCase]:
    return [fault for fault in FAULTS if long_run() or not fault.long_only]


# ---------------------------------------------------------------------------- the service


@pytest.fixture
def faulty_service(
    emulator: EmulatorHandle, tmp_path: Path, database_url: str
) -> Iterator[DemoService]:
    """The service with a short Boomi timeout, on each database."""
    base = service_settings(emulator, tmp_path, database_url)
    settings = base.model_copy(
        update={
            "boomi": base.boomi.model_copy(
                update={"timeout_seconds": CLIENT_TIMEOUT_SECONDS, "max_retries": MAX_RETRIES}
            )
        }
    )
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )


# ---------------------------------------------------------------------------- checks


def answer_problems(response: httpx.Response, *, survivable: bool) -> list[str]:
    """What is wrong with the answer the user got, if anything."""
    text = response.text
    if "Traceback" in text or 'File "' in text:
        return [f"a stack trace reached the user: {text[:300]}"]
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP {response.status_code} without a JSON envelope: {text[:300]}"]
    if response.status_code == 200 and body.get("success") is True:
        return []
    if survivable:
        return [f"the retries should have absorbed the fault, got {response.status_code}: {text}"]
    code = body.get("errorCode")
    if body.get("success") is not False or not code or code == "INTERNAL_ERROR":
        return [f"not a typed error envelope ({response.status_code}): {text[:300]}"]
    if response.status_code == 500:
        return [f"HTTP 500 ({code}): {text[:300]}"]
    if not body.get("errorMessage"):
        return [f"{code} without a message"]
    return []


def outcome_of(response: httpx.Response) -> str:
    if response.status_code == 200:
        return "completed"
    try:
        return str(response.json().get("errorCode") or f"HTTP {response.status_code}")
    except ValueError:
        return f"HTTP {response.status_code}"


async def run_reconciler(service: DemoService) -> None:
    """One pass of `promo reconcile`, as an operator (or the periodic reconciler) runs it."""
    engine = create_engine(service.settings.resolved_database_url())
    try:
        async with boomi_for(service) as boomi:
            await reconcile_branches(
                boomi,
                UnitOfWorkFactory(engine),
                dry_run=False,
                actor="operator@example.com",
                min_age=timedelta(0),
            )
    finally:
        await engine.dispose()


def row_detail(fault: FaultCase, *, outcome: str, reconciled: bool) -> str:
    held = "completed" if fault.survivable else "typed error or completed"
    detail = f"{held} (got: {outcome}); store and Boomi consistent"
    if reconciled:
        detail += " after one `promo reconcile` pass (the branch was left on record for it)"
    return detail


def resolved(target: Target, service: DemoService) -> Target:
    prod = service.seed.client_accounts[0].prod_environment_id
    return Target(target.method, target.path.replace("PROD_ENVIRONMENT", prod))


async def try_fault(
    service: DemoService, action: ActionCase, fault: FaultCase, trial: int
) -> tuple[list[str], str, bool]:
    """One trial: (problems, what the user got, whether the reconciler was needed)."""
    state = service.emulator.state
    call = await action.prepare(service, trial)
    hits = Hits()
    target = resolved(action.target, service)
    fault.inject(state.faults, target, action.mid_run_writes, hits)
    try:
        response = await service.call(call.email, call.action, call.body)
    finally:
        # The outage ends (the token is renewed): what is left is what the service left.
        state.faults.clear()
    problems = answer_problems(response, survivable=fault.survivable)
    if not hits.count:
        problems.append(f"the fault never fired on {target}")
    violations = await find_violations(service)
    reconciled = any(v.kind == LEFT_FOR_RECONCILER for v in violations)
    if reconciled:
        await run_reconciler(service)
        violations = await find_violations(service)
    problems += [str(v) for v in violations]
    return problems, outcome_of(response), reconciled


@pytest.mark.parametrize("action", ACTIONS, ids=[a.key for a in ACTIONS])
async def test_boomi_faults_give_typed_answers_and_leave_nothing_inconsistent(
    faulty_service: DemoService, reliability: ReliabilityLog, action: ActionCase
) -> None:
    service = faulty_service
    await action.prepare_once(service)
    failures = []
    for trial, fault in enumerate(faults_to_try()):
        problems, outcome, reconciled = await try_fault(service, action, fault, trial)
        reliability.record(
            SUITE,
            f"{action.label} x {fault.label}",
            tried=1,
            held=0 if problems else 1,
            detail=row_detail(fault, outcome=outcome, reconciled=reconciled),
        )
        failures += [f"{fault.label}: {problem}" for problem in problems]
        if problems:
            # What one trial left wrong must not be blamed on the next one.
            break
    assert not failures, "\n".join(failures)
