"""Whether the store and the Boomi side agree, once the service's jobs have settled.

``find_violations(service)`` reads the service's database and the emulator's state (directly,
under its lock: the check must not depend on the API it checks) and lists every disagreement;
``assert_consistent(service)`` fails with all of them. The rules, written independently of the
product's own reconciler so that a bug there does not hide here:

* no live ``promo-*`` branch in the primary account that no live promotion owns (unknown
  promotion, ended promotion, a ``-src-N`` branch outside an assembly, another branch than the
  one the promotion records). A branch its ended promotion still *records* is reported as
  :data:`LEFT_FOR_RECONCILER` (the product knows it and ``promo reconcile`` removes it);
  every other one as :data:`ORPHAN_BRANCH` (nothing will ever find it but a name scan);
* a promotion's ``branchId`` names a live branch; a promotion that needs its branch
  (COMPLETED, waiting for a review) has one;
* no ComponentMapping the product would use whose prod component is gone: one marked on main
  must be on main, one whose prod component a recorded package holds must be in that package
  in Boomi. A mapping that reached neither is *stale* by design (engine/continuity.py: its
  promotion failed or its branch ended before packaging) and is replaced by the next
  promotion, so it may point at a component that lived only on a deleted branch;
* no two prod components for one dev component: two live components with the same name and
  type in the same ``Promoted/...`` folder; no two live folders with one full path;
* once jobs settled: no promotion IN_PROGRESS, TEST_DEPLOYING or DEPLOYING, and no unfinished
  job;
* every finished job agrees with its promotion (the latest job of each promotion decides) and
  with its own response (SUCCEEDED answers success, anything else a typed failure).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from boomi_promo.domain.statuses import TERMINAL, PromotionStatus
from boomi_promo.emulator.records import Branch, ComponentRecord, Revision
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.engine.continuity import recorded_packages
from boomi_promo.store import (
    ComponentMapping,
    Job,
    JobState,
    PromotionLog,
    UnitOfWorkFactory,
    create_engine,
)
from tests.support.service import DemoService

ORPHAN_BRANCH = "orphan branch"
LEFT_FOR_RECONCILER = "branch left for the reconciler"
BRANCH_POINTER = "branch pointer"
DANGLING_MAPPING = "usable mapping to a missing component"
DUPLICATE_COMPONENT = "duplicated prod component"
DUPLICATE_FOLDER = "duplicated folder"
STUCK = "unsettled"
JOB_MISMATCH = "job and promotion disagree"

_S = PromotionStatus
_PROMOTION_BRANCH = re.compile(r"^promo-(?P<promotion_id>.+?)(?P<source>-src-\d+)?$")
_RUNNING_STATUSES = frozenset({_S.IN_PROGRESS, _S.TEST_DEPLOYING, _S.DEPLOYING})
_NEEDS_BRANCH = frozenset({_S.COMPLETED, _S.PENDING_PEER_REVIEW, _S.PENDING_ADMIN_REVIEW})
_DEPLOY_ACTIONS = frozenset({"packageAndDeploy", "submitAdminReview"})
_DEPLOY_FAILED = frozenset({_S.TEST_DEPLOY_FAILED, _S.DEPLOY_FAILED})
PROMOTED_FOLDER = "Promoted"


@dataclass(frozen=True)
class Violation:
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass(frozen=True)
class _Store:
    promotions: dict[str, PromotionLog]
    mappings: list[ComponentMapping]
    jobs: list[Job]


async def find_violations(service: DemoService, *, settle_seconds: float = 20.0) -> list[Violation]:
    """Every disagreement, after waiting up to ``settle_seconds`` for jobs and runs to end."""
    engine = create_engine(service.settings.resolved_database_url())
    try:
        store = await _settled_store(UnitOfWorkFactory(engine), settle_seconds)
    finally:
        await engine.dispose()
    state = service.emulator.state
    with state.lock:
        boomi = _BoomiSide(state)
        return [
            *_branch_violations(boomi, store),
            *_mapping_violations(boomi, store),
            *boomi.duplicates(),
            *_settled_violations(store),
            *_job_violations(store),
        ]


async def assert_consistent(service: DemoService, *, settle_seconds: float = 20.0) -> None:
    violations = await find_violations(service, settle_seconds=settle_seconds)
    assert not violations, "the store and Boomi disagree:\n" + "\n".join(map(str, violations))


# ---------------------------------------------------------------------------- the store


async def _read_store(uow_factory: UnitOfWorkFactory) -> _Store:
    async with uow_factory() as uow:
        promotions = list(await uow.session.scalars(select(PromotionLog)))
        mappings = list(await uow.session.scalars(select(ComponentMapping)))
        jobs = list(await uow.session.scalars(select(Job).order_by(Job.created_at, Job.id)))
    return _Store({p.promotion_id: p for p in promotions}, mappings, jobs)


def _unsettled(store: _Store) -> bool:
    return any(not job.state.finished for job in store.jobs) or any(
        p.status in _RUNNING_STATUSES for p in store.promotions.values()
    )


async def _settled_store(uow_factory: UnitOfWorkFactory, settle_seconds: float) -> _Store:
    """The store once no job runs and no run is under way; as it is when the wait runs out."""
    deadline = time.monotonic() + settle_seconds
    store = await _read_store(uow_factory)
    while _unsettled(store) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        store = await _read_store(uow_factory)
    return store


# ---------------------------------------------------------------------------- Boomi's side


class _BoomiSide:
    """What the primary account holds; read under the emulator's lock."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self.account_id = state.primary_account_id
        self.live_branches = {
            b.branch_id: b
            for b in state.branches.values()
            if b.account_id == self.account_id and not b.deleted
        }
        held: set[tuple[str, int]] = set()
        for package in state.packages.values():
            if not package.deleted:
                held.update(package.snapshot.items())
        for branch in self.live_branches.values():
            held.update(branch.base.items())
        self._held = held

    def reachable(self, revision: Revision) -> bool:
        """Readable somewhere: written on a live branch, or held by a package or branch base."""
        return revision.branch_id in self.live_branches or (
            (revision.component_id, revision.version) in self._held
        )

    def live_revisions(self, record: ComponentRecord) -> list[Revision]:
        return [r for r in record.revisions.values() if not r.deleted and self.reachable(r)]

    def on_main(self, component_id: str) -> bool:
        main = self.state.main_branch(self.account_id)
        record = self.state.components.get(component_id)
        if record is None or record.account_id != self.account_id:
            return False
        written = any(r.branch_id == main.branch_id for r in record.revisions.values())
        return written or component_id in main.base

    def package_holds(self, package_id: str, component_id: str) -> bool:
        package = self.state.packages.get(package_id)
        return (
            package is not None
            and not package.deleted
            and package.account_id == self.account_id
            and component_id in package.snapshot
        )

    def folder_path(self, folder_id: str) -> str:
        folder = self.state.folders.get(folder_id)
        return self.state.folder_path(folder) if folder is not None else ""

    def duplicates(self) -> list[Violation]:
        found = []
        paths: dict[str, list[str]] = defaultdict(list)
        for folder in self.state.folders.values():
            if folder.account_id == self.account_id and not folder.deleted:
                paths[self.state.folder_path(folder)].append(folder.folder_id)
        for path, folder_ids in sorted(paths.items()):
            if len(folder_ids) > 1:
                found.append(Violation(DUPLICATE_FOLDER, f"{path}: folders {sorted(folder_ids)}"))
        promoted: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for record in self.state.components.values():
            if record.account_id != self.account_id:
                continue
            for revision in self.live_revisions(record):
                path = self.folder_path(revision.folder_id)
                if f"/{PROMOTED_FOLDER}/" in f"{path}/":
                    promoted[(path, revision.type, revision.name)].add(record.component_id)
        for (path, type_, name), component_ids in sorted(promoted.items()):
            if len(component_ids) > 1:
                found.append(
                    Violation(
                        DUPLICATE_COMPONENT,
                        f"{type_} '{name}' in {path}: components {sorted(component_ids)}",
                    )
                )
        return found


# ---------------------------------------------------------------------------- the rules


def _branch_violations(boomi: _BoomiSide, store: _Store) -> list[Violation]:
    found = []
    for branch in sorted(boomi.live_branches.values(), key=lambda b: b.name):
        problem = _orphan_problem(branch, store.promotions)
        if problem is None:
            continue
        kind, why = problem
        found.append(Violation(kind, f"{branch.name} ({branch.branch_id}): {why}"))
    for promotion in store.promotions.values():
        status = _S(promotion.status)
        if promotion.branch_id and promotion.branch_id not in boomi.live_branches:
            found.append(
                Violation(
                    BRANCH_POINTER,
                    f"promotion {promotion.promotion_id} ({status}) records branch "
                    f"{promotion.branch_id}, which does not exist",
                )
            )
        if status in _NEEDS_BRANCH and not promotion.branch_id:
            found.append(
                Violation(
                    BRANCH_POINTER,
                    f"promotion {promotion.promotion_id} is {status} without its branch",
                )
            )
    return found


def _orphan_problem(branch: Branch, promotions: dict[str, PromotionLog]) -> tuple[str, str] | None:
    match = _PROMOTION_BRANCH.match(branch.name)
    if match is None:
        return None
    owner = promotions.get(match["promotion_id"])
    if owner is None:
        return ORPHAN_BRANCH, "no promotion has this id"
    status = _S(owner.status)
    if status is _S.IN_PROGRESS:
        return None
    if match["source"] is not None:
        return ORPHAN_BRANCH, f"temporary branch outlived its assembly (promotion is {status})"
    if owner.branch_id != branch.branch_id:
        return ORPHAN_BRANCH, f"promotion is {status} and records {owner.branch_id or 'none'}"
    if status in TERMINAL:
        return LEFT_FOR_RECONCILER, f"promotion ended {status} and still records it"
    return None


def _mapping_violations(boomi: _BoomiSide, store: _Store) -> list[Violation]:
    holders: dict[str, list[str]] = defaultdict(list)
    for promotion in store.promotions.values():
        for package in recorded_packages(promotion):
            for prod_id in package.prod_component_ids:
                holders[prod_id].append(package.package_id)
    found = []
    for mapping in store.mappings:
        name = (
            f"{mapping.component_name} ({mapping.dev_component_id} of {mapping.dev_account_id})"
            f" → {mapping.prod_component_id}"
        )
        prod_id = mapping.prod_component_id
        if mapping.on_main and not boomi.on_main(prod_id):
            found.append(Violation(DANGLING_MAPPING, f"{name}: marked on main, main lacks it"))
        elif not mapping.on_main:
            missing = [p for p in holders.get(prod_id, []) if not boomi.package_holds(p, prod_id)]
            if missing:
                found.append(
                    Violation(DANGLING_MAPPING, f"{name}: not in recorded package(s) {missing}")
                )
    return found


def _settled_violations(store: _Store) -> list[Violation]:
    found = [
        Violation(STUCK, f"job {job.id} ({job.action}) is still {job.state}")
        for job in store.jobs
        if not job.state.finished
    ]
    found += [
        Violation(STUCK, f"promotion {p.promotion_id} is still {p.status}")
        for p in store.promotions.values()
        if p.status in _RUNNING_STATUSES
    ]
    return found


def _job_violations(store: _Store) -> list[Violation]:
    found = []
    latest: dict[str, Job] = {}
    for job in store.jobs:
        if not job.state.finished:
            continue
        succeeded = job.state is JobState.SUCCEEDED
        answered = (job.response or {}).get("success")
        code = (job.response or {}).get("errorCode")
        if answered is not succeeded or (not succeeded and not code):
            found.append(
                Violation(JOB_MISMATCH, f"job {job.id} is {job.state} but answered {job.response}")
            )
        if job.promotion_id:
            latest[job.promotion_id] = job
    for promotion_id, job in latest.items():
        promotion = store.promotions.get(promotion_id)
        if promotion is None:
            found.append(Violation(JOB_MISMATCH, f"job {job.id} names unknown {promotion_id}"))
            continue
        problem = _job_disagreement(job, _S(promotion.status))
        if problem:
            found.append(
                Violation(
                    JOB_MISMATCH,
                    f"job {job.id} ({job.action}) {job.state}, promotion {promotion_id} "
                    f"{promotion.status}: {problem}",
                )
            )
    return found


def _job_disagreement(job: Job, status: PromotionStatus) -> str | None:
    succeeded = job.state is JobState.SUCCEEDED
    if job.action == "executePromotion":
        if succeeded and status in (_S.IN_PROGRESS, _S.FAILED):
            return "a promotion that succeeded must have completed"
        if not succeeded and status is not _S.FAILED:
            return "a promotion whose job failed must be FAILED"
    elif job.action in _DEPLOY_ACTIONS:
        if status in _RUNNING_STATUSES or status is _S.ADMIN_APPROVED:
            return "the deployment's job ended but the promotion did not"
        if succeeded and status in _DEPLOY_FAILED:
            return "a deployment that succeeded cannot have failed"
    return None
