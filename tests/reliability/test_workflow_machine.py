"""A model-based test of the workflow (issue 15): the steps a team takes, in any order.

Hypothesis drives a :class:`RuleBasedStateMachine` against the real service and the Boomi
emulator, both in-process over loopback HTTP, each example on a fresh emulator world and a
fresh database (SQLite, or a PostgreSQL schema). Its rules are what people do: promote a
package (three processes, two of them sharing a map), deploy to Test, assign a test pack,
submit for review (a test deployment, or a hotfix), peer approve or reject, admin approve or
reject (an approval whose merge conflicts with main now and then), withdraw, cancel a test
deployment, retry a failed deployment or abandon it, roll a process back in
Test or Production, edit a dev component and repackage, crash a running job (the service
stops while the job waits on a chosen Boomi request, and starts again), and restart the
service. Each call must answer success or a typed refusal, never a 500; a new promotion of a
root that has one under review must be refused with ``PROMOTION_IN_REVIEW``.

After every step the invariants of :mod:`tests.reliability.workflow_invariants` are checked.
On a failure Hypothesis shrinks the example and prints the shortest sequence of steps that
still breaks an invariant. CI runs a bounded number of examples on each database;
``scripts/reliability-report`` (``PROMO_RELIABILITY_LONG=1``) runs many more.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.control import note
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from boomi_promo.domain.statuses import UNDER_REVIEW, PromotionStatus
from boomi_promo.emulator.app import EmulatorApp
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.service import create_app
from boomi_promo.store import PromotionLog
from tests.reliability.conftest import long_run
from tests.reliability.workflow_invariants import INVARIANTS, Lifelong, check, read_records
from tests.support.database import POSTGRES, SQLITE, fresh_postgres_schema, selected_databases
from tests.support.reliability import ReliabilityLog
from tests.support.servers import EmulatorHandle, RunningServer, fast_settings, start_server
from tests.support.service import (
    TEST_JOB_SETTINGS,
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)
from tests.support.workflow import add_process_sharing, dev_component, edit_dev_component, package

SUITE = "Workflow machine (model-based)"
ALICE, BOB = "alice@example.com", "bob@example.com"
CAROL, ERIN = "carol@example.com", "erin@example.com"
ORDERS, CUSTOMERS, SHARING = "Orders Sync", "Customer Sync", "Order Reprocessing"
PROCESSES = (ORDERS, CUSTOMERS, SHARING)
SHARED_MAP = "Order JSON to XML"
EDITABLE = {ORDERS: ("Order JSON to XML", "Get Orders", ORDERS), CUSTOMERS: (CUSTOMERS,)}
JOB_WAIT_SECONDS = 30.0
WHY = "Customers are waiting: the fix cannot wait for the test cycle."
_S = PromotionStatus

EXAMPLES = int(os.environ.get("PROMO_MACHINE_EXAMPLES") or (200 if long_run() else 15))
STEPS = int(os.environ.get("PROMO_MACHINE_STEPS") or (40 if long_run() else 15))
"""Examples (sequences) and steps per sequence; the environment variables override both for a
one-off run."""


@dataclass(frozen=True)
class HangPoint:
    """A Boomi request a crash is staged on: the job waits on it when the service stops."""

    method: str
    path: str


HANGS = {
    "promote": [
        HangPoint("POST", r"/Branch$"),
        HangPoint("POST", r"/Component$"),
        HangPoint("POST", r"/Component/[^/~]+$"),
    ],
    "deploy": [
        HangPoint("POST", r"/PackagedComponent$"),
        HangPoint("POST", r"/ReleaseIntegrationPack$"),
    ],
    "assign": [
        HangPoint("POST", r"/PublisherIntegrationPack/[^/]+$"),
        HangPoint("POST", r"/ReleaseIntegrationPack$"),
        HangPoint("GET", r"/ReleaseIntegrationPackStatus/"),
    ],
    "approve": [
        HangPoint("POST", r"/MergeRequest$"),
        HangPoint("GET", r"/MergeRequest/[^/]+$"),
        HangPoint("POST", r"/PackagedComponent$"),
        HangPoint("POST", r"/ReleaseIntegrationPack$"),
    ],
}


ALWAYS: tuple[tuple[str, int], ...] = (
    ("promote", 3),
    ("edit_and_repackage", 2),
    ("crash_a_running_job", 1),
    ("restart", 1),
)
"""Steps that need no promotion in a given status: name, weight."""
ON_PROMOTIONS: tuple[tuple[str, int, tuple[PromotionStatus, ...]], ...] = (
    ("deploy_to_test", 3, (_S.COMPLETED,)),
    ("assign_pack", 3, (_S.PENDING_PACK_ASSIGNMENT,)),
    ("submit_hotfix", 1, (_S.COMPLETED,)),
    ("submit_for_production", 3, (_S.TEST_DEPLOYED,)),
    ("peer_review", 3, (_S.PENDING_PEER_REVIEW,)),
    ("admin_review", 3, (_S.PENDING_ADMIN_REVIEW,)),
    ("withdraw", 1, (_S.PENDING_PEER_REVIEW, _S.PENDING_ADMIN_REVIEW)),
    ("cancel", 1, (_S.TEST_DEPLOYED, _S.PENDING_PACK_ASSIGNMENT)),
    ("retry_deployment", 2, (_S.DEPLOY_FAILED, _S.TEST_DEPLOY_FAILED)),
    ("abandon", 2, (_S.DEPLOY_FAILED,)),
)
"""The steps on existing promotions: name, weight, the statuses it applies to. Peer and admin
reviews approve three times in four."""


@dataclass(frozen=True)
class Step:
    """The arguments drawn for one step; each kind of step uses what it needs."""

    index: int
    flag: bool
    again: int
    point: int
    nth: int


@dataclass
class Tally:
    sequences: int = 0
    steps: int = 0
    checks: int = 0
    crashes: int = 0
    restarts: int = 0
    refusals: dict[str, int] = field(default_factory=dict)
    statuses: set[str] = field(default_factory=set)


TALLY = Tally()


# ---------------------------------------------------------------------------- the world


class World:
    """One example's emulator state, database and service (restartable)."""

    def __init__(self, emulator_server: tuple[str, EmulatorApp], root: Path, database: str):
        base_url, app = emulator_server
        state, seed = build_demo_state()
        state.settings = fast_settings()
        self.emulator = EmulatorHandle(base_url, app, state, seed)
        self.emulator.use_state(state)
        self.stack = ExitStack()
        url = self.stack.enter_context(fresh_postgres_schema()) if database == POSTGRES else ""
        data_dir = root / f"world-{time.monotonic_ns()}"
        data_dir.mkdir(parents=True)
        base = service_settings(self.emulator, data_dir, url)
        # A crash stops the service at once; a restarted one finds a silent job quickly.
        jobs = TEST_JOB_SETTINGS.model_copy(
            update={"shutdown_grace_seconds": 0.0, "stale_after_seconds": 1.0}
        )
        self.settings = base.model_copy(update={"jobs": jobs})
        run_in_fresh_loop(prepare_database(self.settings, seed))
        self.service = DemoService("", self.emulator, data_dir, self.settings)
        self._server: AbstractContextManager[RunningServer] | None = None
        self._tokens: dict[str, str] = {}
        self.start()

    def start(self) -> None:
        self._server = start_server(create_app(self.settings))
        self.service.base_url = self._server.__enter__().base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)
            self._server = None

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.emulator.reset_faults()
            self.stack.close()

    def call(
        self, email: str, action: str, body: dict[str, Any], *, respond_async: bool = False
    ) -> httpx.Response:
        token = self._tokens.setdefault(email, self.service.token_for(email))
        headers = {"Authorization": f"Bearer {token}"}
        if respond_async:
            headers["Prefer"] = "respond-async"
        with httpx.Client(base_url=self.service.base_url, timeout=60) as client:
            return client.post(f"/api/v1/actions/{action}", json=body, headers=headers)

    def job(self, email: str, job_id: str) -> dict[str, Any]:
        token = self._tokens.setdefault(email, self.service.token_for(email))
        with httpx.Client(base_url=self.service.base_url, timeout=30) as client:
            answer: dict[str, Any] = client.get(
                f"/api/v1/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}
            ).json()
        return answer


def typed(response: httpx.Response) -> dict[str, Any]:
    """The body of an answer that must be a success or a typed refusal, never a 500."""
    assert response.status_code < 500 or response.status_code in (502, 503, 504), response.text
    body: dict[str, Any] = response.json()
    if response.status_code >= 300 and response.status_code != 202:
        assert body.get("success") is False and body.get("errorCode"), body
        TALLY.refusals[body["errorCode"]] = TALLY.refusals.get(body["errorCode"], 0) + 1
    return body


# ---------------------------------------------------------------------------- the machine


class WorkflowMachine(RuleBasedStateMachine):
    emulator_server: tuple[str, EmulatorApp]
    root: Path
    database: str

    def __init__(self) -> None:
        super().__init__()
        self.world = World(self.emulator_server, self.root, self.database)
        self.lifelong = Lifelong()
        self.promotions: dict[str, PromotionLog] = {}
        self.packages: dict[str, str] = {}
        self.roots: dict[str, str] = {}
        TALLY.sequences += 1

    def teardown(self) -> None:
        self.world.close()

    # ------------------------------------------------------------------ set-up

    @initialize()
    def team_packages(self) -> None:
        seed = self.world.emulator.seed
        service = self.world.service
        self.packages = {
            ORDERS: seed.full_tree_package_id,
            CUSTOMERS: seed.prior_promotion.dev_package_id,
        }
        self.packages[SHARING] = asyncio.run(
            add_process_sharing(service, SHARING, [dev_component(service, SHARED_MAP)])
        )
        state = self.world.emulator.state
        with state.lock:
            self.roots = {p: state.packages[pkg].component_id for p, pkg in self.packages.items()}

    # ------------------------------------------------------------------ helpers

    def status_of(self, *statuses: PromotionStatus, hotfix: bool | None = None) -> list[str]:
        """In the order they were started (ids are random; a replay must pick the same one)."""
        found = [
            p
            for p in self.promotions.values()
            if p.status in statuses and (hotfix is None or p.is_hotfix == hotfix)
        ]
        return [p.promotion_id for p in sorted(found, key=lambda p: p.initiated_at)]

    def pick(self, ids: list[str], index: int) -> PromotionLog:
        return self.promotions[ids[index % len(ids)]]

    def choose(
        self, index: int, *statuses: PromotionStatus, hotfix: bool | None = None
    ) -> PromotionLog:
        """A promotion in one of ``statuses`` (the caller made sure there is one)."""
        return self.pick(self.status_of(*statuses, hotfix=hotfix), index)

    def has(self, *statuses: PromotionStatus, hotfix: bool | None = None) -> bool:
        return bool(self.status_of(*statuses, hotfix=hotfix))

    def pack_named(self, name: str) -> str | None:
        state = self.world.emulator.state
        with state.lock:
            return next(
                (
                    p.pack_id
                    for p in state.integration_packs.values()
                    if p.name == name and not p.deleted
                ),
                None,
            )

    def pack_choice(self, name: str) -> dict[str, Any]:
        existing = self.pack_named(name)
        if existing:
            return {"integrationPackId": existing}
        return {"createNewPack": True, "newPackName": name}

    def under_review(self, process: str) -> PromotionLog | None:
        root = self.roots[process]
        return next(
            (
                p
                for p in self.promotions.values()
                if p.root_component_id == root and p.status in UNDER_REVIEW
            ),
            None,
        )

    def count(self) -> None:
        TALLY.steps += 1

    # ------------------------------------------------------------------ rules

    def do_promote(self, step: Step) -> None:
        process = PROCESSES[step.index % len(PROCESSES)]
        note(f"promote {process}")
        blocking = self.under_review(process)
        body = typed(
            self.world.call(
                ALICE,
                "executePromotion",
                {"devAccountId": self.team_a, "devPackageId": self.packages[process]},
            )
        )
        if blocking is not None:
            assert body.get("errorCode") == "PROMOTION_IN_REVIEW", body
            assert body["blockingPromotionId"] == blocking.promotion_id, body

    @rule(
        choice=st.integers(0, 10_000),
        index=st.integers(0, 50),
        flag=st.booleans(),
        again=st.integers(0, 10_000),
        point=st.integers(0, 10),
        nth=st.integers(1, 4),
    )
    def step(self, choice: int, index: int, flag: bool, again: int, point: int, nth: int) -> None:
        """One step a person takes, among those the promotions' statuses allow now, weighted
        towards production; what it did is noted for the report of a failing example.

        One rule that always draws the same arguments: rules with preconditions that read the
        system's answers would make Hypothesis's replays of an example flaky.
        """
        steps = [(name, weight) for name, weight in ALWAYS]
        steps += [(name, weight) for name, weight, statuses in ON_PROMOTIONS if self.has(*statuses)]
        if self.has(_S.DEPLOYED, _S.TEST_DEPLOYED):
            steps.append(("rollback", 1))
        names = [name for name, weight in steps for _ in range(weight)]
        self.count()
        getattr(self, f"do_{names[choice % len(names)]}")(
            Step(index=index, flag=flag, again=again, point=point, nth=nth)
        )

    def do_deploy_to_test(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.COMPLETED, _S.TEST_DEPLOY_FAILED, hotfix=False)
        note(f"deploy to Test {self.label(promotion)}")
        typed(self.world.call(ALICE, "packageAndDeploy", {"promotionId": promotion.promotion_id}))

    def do_assign_pack(self, step: Step) -> None:
        self.assign(self.choose(step.index, _S.PENDING_PACK_ASSIGNMENT))

    def assign(self, promotion: PromotionLog) -> None:
        note(f"assign a test pack to {self.label(promotion)}")
        choice = self.pack_choice(f"{promotion.process_name} - TEST")
        body = {"promotionId": promotion.promotion_id, "mode": 4, **choice}
        typed(self.world.call(CAROL, "packageAndDeploy", body))

    def do_submit_hotfix(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.COMPLETED)
        note(f"submit {self.label(promotion)} as a hotfix")
        body = {
            "promotionId": promotion.promotion_id,
            "isHotfix": True,
            "hotfixJustification": WHY,
        }
        typed(self.world.call(ALICE, "submitForPeerReview", body))

    def do_submit_for_production(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.TEST_DEPLOYED)
        note(f"submit the test deployment {self.label(promotion)} for production")
        body = {"promotionId": promotion.promotion_id}
        typed(self.world.call(ALICE, "submitForPeerReview", body))

    def do_peer_review(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.PENDING_PEER_REVIEW)
        approve = step.again % 4 != 0
        note(f"peer {'approve' if approve else 'reject'} {self.label(promotion)}")
        body = {
            "promotionId": promotion.promotion_id,
            "decision": "APPROVED" if approve else "REJECTED",
            "comments": "looked at the diff",
        }
        typed(self.world.call(BOB, "submitPeerReview", body))

    def admin_body(self, promotion: PromotionLog, approve: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "promotionId": promotion.promotion_id,
            "decision": "APPROVED" if approve else "REJECTED",
        }
        if approve:
            body.update(self.pack_choice(promotion.process_name or "Pack"))
            if promotion.is_hotfix:
                body["hotfixAcknowledged"] = True
        return body

    def do_admin_review(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.PENDING_ADMIN_REVIEW)
        approve = step.again % 4 != 0
        # Now and then main conflicts with the branch: the deployment ends DEPLOY_FAILED, for
        # a retry (the conflict is gone by then) or an abandonment.
        conflict = approve and step.flag and step.nth <= 2
        what = "approve" if approve else "reject"
        note(f"admin {what} {self.label(promotion)}{' (merge conflict)' if conflict else ''}")
        state = self.world.emulator.state
        if conflict:
            state.merge_faults.add(r"^promo-", outcome="CONFLICT", count=1)
        try:
            typed(self.world.call(ERIN, "submitAdminReview", self.admin_body(promotion, approve)))
        finally:
            state.merge_faults.clear()

    def do_withdraw(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.PENDING_PEER_REVIEW, _S.PENDING_ADMIN_REVIEW)
        note(f"withdraw {self.label(promotion)}")
        body = {"promotionId": promotion.promotion_id, "reason": "not this one"}
        typed(self.world.call(promotion.initiated_by, "withdrawPromotion", body))

    def do_cancel(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.TEST_DEPLOYED, _S.PENDING_PACK_ASSIGNMENT)
        note(f"cancel the test deployment {self.label(promotion)}")
        body = {"promotionId": promotion.promotion_id}
        typed(self.world.call(ALICE, "cancelTestDeployment", body))

    def do_retry_deployment(self, step: Step) -> None:
        promotion = self.choose(step.index, _S.DEPLOY_FAILED, _S.TEST_DEPLOY_FAILED)
        note(f"retry the deployment of {self.label(promotion)}")
        who = ERIN if promotion.status == _S.DEPLOY_FAILED else ALICE
        typed(self.world.call(who, "packageAndDeploy", {"promotionId": promotion.promotion_id}))

    def do_abandon(self, step: Step) -> None:
        """An admin gives up a failed deployment: refused only once its merge reached main;
        otherwise it ends DEPLOY_ABANDONED, its branch gone, no mapping naming it, and a new
        promotion of its root is not refused because of it."""
        promotion = self.choose(step.index, _S.DEPLOY_FAILED)
        promotion_id = promotion.promotion_id
        note(f"abandon the failed deployment {self.label(promotion)}")
        body = {"promotionId": promotion_id, "reason": "the conflict stays"}
        answer = typed(self.world.call(ERIN, "abandonDeployment", body))
        records = asyncio.run(read_records(self.world.service))
        ended = records.promotions[promotion_id]
        if not answer.get("success", True):
            assert answer["errorCode"] == "DEPLOYMENT_REACHED_MAIN", answer
            assert ended.status == _S.DEPLOY_FAILED
            return
        assert ended.status == _S.DEPLOY_ABANDONED, ended.status
        assert ended.branch_id is None or not answer["branchDeleted"]
        state = self.world.emulator.state
        with state.lock:
            live = {b.branch_id for b in state.branches.values() if not b.deleted}
        assert promotion.branch_id is None or promotion.branch_id not in live, "branch left"
        naming = [m for m in records.mappings if m.last_promotion_id == promotion_id]
        assert not naming, f"mappings still name the abandoned promotion: {naming}"
        process = next(p for p, root in self.roots.items() if root == promotion.root_component_id)
        again = typed(
            self.world.call(
                ALICE,
                "executePromotion",
                {"devAccountId": self.team_a, "devPackageId": self.packages[process]},
            )
        )
        assert again.get("errorCode") != "PROMOTION_IN_REVIEW", again

    def do_rollback(self, step: Step) -> None:
        process = PROCESSES[step.index % len(PROCESSES)]
        environment = "PRODUCTION" if step.flag else "TEST"
        note(f"roll {process} back in {environment}")
        body = {"processName": process, "environment": environment}
        typed(self.world.call(CAROL, "rollbackRelease", body))

    def label(self, promotion: PromotionLog) -> str:
        kind = "hotfix " if promotion.is_hotfix else ""
        return f"{kind}{promotion.process_name} {promotion.promotion_id[:8]} ({promotion.status})"

    def do_edit_and_repackage(self, step: Step) -> None:
        process = (ORDERS, CUSTOMERS)[step.again % 2]
        service = self.world.service
        names = EDITABLE[process]
        name = names[step.index % len(names)]
        note(f"edit {name} in the dev account and repackage {process}")
        component = dev_component(service, name)
        asyncio.run(edit_dev_component(service, component, f"edit {time.monotonic_ns()}"))
        self.packages[process] = asyncio.run(package(service, self.roots[process]))

    def do_crash_a_running_job(self, step: Step) -> None:
        index, point, nth = step.index, step.point, step.nth
        process = PROCESSES[step.index % len(PROCESSES)]
        calls = {kind: self.job_call(kind, index, process) for kind in sorted(HANGS)}
        kinds = [kind for kind, call in calls.items() if call is not None]
        kind = kinds[step.again % len(kinds)]
        call = calls[kind]
        assert call is not None
        email, action, body = call
        hang = HANGS[kind][point % len(HANGS[kind])]
        note(f"crash: {email} runs {action} {body}; the service stops at {hang} #{nth}")
        reached = threading.Event()
        state = self.world.emulator.state
        state.faults.add(
            hang.path,
            method=hang.method,
            timeout=True,
            count=1,
            skip=nth - 1,
            on_match=reached.set,
        )
        try:
            started = self.world.call(email, action, body, respond_async=True)
            answer = typed(started)
            if started.status_code != 202:
                return
            job_id = str(answer["jobId"])
            deadline = time.monotonic() + JOB_WAIT_SECONDS
            while not reached.wait(0.05):
                if self.world.job(email, job_id)["state"] in ("SUCCEEDED", "FAILED"):
                    return  # finished before the staged crash: an ordinary run
                assert time.monotonic() < deadline, f"job {job_id} neither hung nor finished"
            TALLY.crashes += 1
            self.world.stop()
        finally:
            state.faults.clear()
            if self.world._server is None:
                self.world.start()

    def job_call(
        self, kind: str, index: int, process: str
    ) -> tuple[str, str, dict[str, Any]] | None:
        if kind == "promote":
            body = {"devAccountId": self.team_a, "devPackageId": self.packages[process]}
            return ALICE, "executePromotion", body
        if kind == "deploy":
            ids = self.status_of(_S.COMPLETED, _S.TEST_DEPLOY_FAILED, hotfix=False)
            if not ids:
                return None
            return ALICE, "packageAndDeploy", {"promotionId": self.pick(ids, index).promotion_id}
        if kind == "assign":
            ids = self.status_of(_S.PENDING_PACK_ASSIGNMENT)
            if not ids:
                return None
            promotion = self.pick(ids, index)
            choice = self.pack_choice(f"{promotion.process_name} - TEST")
            return CAROL, "packageAndDeploy", {"promotionId": promotion.promotion_id, **choice}
        ids = self.status_of(_S.PENDING_ADMIN_REVIEW)
        if not ids:
            return None
        promotion = self.pick(ids, index)
        return ERIN, "submitAdminReview", self.admin_body(promotion, approve=True)

    def do_restart(self, step: Step) -> None:
        note("restart the service")
        TALLY.restarts += 1
        self.world.stop()
        self.world.start()

    # ------------------------------------------------------------------ invariants

    @property
    def team_a(self) -> str:
        seed = self.world.emulator.seed
        return next(a.account_id for a in seed.dev_accounts if a.name == "Dev Team A")

    @invariant()
    def the_records_stay_true(self) -> None:
        problems = check(self.world.service, self.lifelong)
        TALLY.checks += INVARIANTS
        assert not problems, "invariants broken:\n" + "\n".join(problems)
        records = asyncio.run(read_records(self.world.service))
        self.promotions = records.promotions
        TALLY.statuses.update(p.status for p in records.promotions.values())


# ---------------------------------------------------------------------------- the test


def machine_for(
    emulator_server: tuple[str, EmulatorApp], root: Path, database: str
) -> type[WorkflowMachine]:
    """The machine bound to this test's emulator server, directory and database."""
    return type(
        "WorkflowMachine",
        (WorkflowMachine,),
        {"emulator_server": emulator_server, "root": root, "database": database},
    )


def _databases() -> list[object]:
    marks = {POSTGRES: [pytest.mark.postgres]}
    return [pytest.param(name, id=name, marks=marks.get(name, [])) for name in (SQLITE, POSTGRES)]


@pytest.mark.parametrize("database", _databases())
def test_the_records_stay_true_under_any_sequence_of_steps(
    database: str,
    emulator_server: tuple[str, EmulatorApp],
    tmp_path: Path,
    reliability: ReliabilityLog,
) -> None:
    if database not in selected_databases():
        pytest.skip(f"{database} is left out by PROMO_TEST_DATABASE")
    before = Tally(TALLY.sequences, TALLY.steps, TALLY.checks, TALLY.crashes, TALLY.restarts)
    held = False
    try:
        run_state_machine_as_test(
            machine_for(emulator_server, tmp_path, database),
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                print_blob=True,
            ),
        )
        held = True
    finally:
        sequences = TALLY.sequences - before.sequences
        # Shown with -s: which refusals the sequences met (a machine that only ever gets
        # refused would prove little).
        print(
            f"\n{SUITE} on {database}: {sequences} sequences, "
            f"{TALLY.steps - before.steps} steps, {TALLY.crashes - before.crashes} crashes, "
            f"{TALLY.restarts - before.restarts} restarts, "
            f"{TALLY.checks - before.checks} invariant checks; refusals {TALLY.refusals}; "
            f"statuses reached {sorted(TALLY.statuses)}"
        )
        reliability.record(
            SUITE,
            f"sequences on {database}",
            tried=sequences,
            held=sequences if held else max(sequences - 1, 0),
            detail=(
                f"{TALLY.steps - before.steps} steps ({TALLY.crashes - before.crashes} staged "
                f"crashes, {TALLY.restarts - before.restarts} restarts), "
                f"{TALLY.checks - before.checks} invariant checks; every step answered "
                "success or a typed refusal and all six invariants held after it"
            ),
        )
