"""Every state change of a whole journey is in the audit trail: who, from what, to what, when.

The journey runs over the API against the emulator: a promotion goes to Test (through pack
assignment) and on to Production through peer and admin review; others are rejected by the
peer reviewer, rejected by the admin, superseded and withdrawn; an admin edits a connection
mapping; extensions are edited and copied Test → Prod. Database triggers
(:mod:`tests.integration.audit.probe`) witness every status change and admin record write
whatever code made it, and the emulator's request log every branch deletion and extension
write; the trail must account for each one.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.store import AuditEntry, UnitOfWorkFactory, create_engine
from boomi_promo.store.repositories.base import MAX_PAGE_SIZE
from tests.integration.audit.probe import Change, install_probe, probed_changes
from tests.integration.promotion.support import ALICE, BOB, CAROL, promote, team_a
from tests.support.reliability import ReliabilityLog
from tests.support.service import DemoService

ERIN = "erin@example.com"  # ADMIN
TEMPORARY_BRANCH = re.compile(r"-src-\d+$")
SUITE = "Audit trail"
_S = PromotionStatus


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is True, body
    return body


@dataclass
class Expected:
    """The status steps each promotion must show, with who took each, as the journey goes."""

    steps: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, promotion_id: str, actor: str, *statuses: str) -> None:
        self.steps[promotion_id] += [(status, actor) for status in statuses]


@dataclass
class Store:
    engine: Any
    uow_factory: UnitOfWorkFactory

    async def trail(self) -> list[AuditEntry]:
        entries: list[AuditEntry] = []
        async with self.uow_factory() as uow:
            page = 1
            while True:
                batch = await uow.audit.list_entries(page=page, page_size=MAX_PAGE_SIZE)
                entries += batch.items
                if len(entries) >= batch.total:
                    return entries
                page += 1


@pytest.fixture
async def store(promo_service: DemoService) -> AsyncIterator[Store]:
    engine = create_engine(promo_service.settings.resolved_database_url())
    try:
        await install_probe(engine)
        yield Store(engine, UnitOfWorkFactory(engine))
    finally:
        await engine.dispose()


async def promoted(service: DemoService, package: str, actor: str, expected: Expected) -> str:
    body = ok(await promote(service, package, actor))
    promotion_id: str = body["promotionId"]
    expected.add(promotion_id, actor, _S.IN_PROGRESS, _S.COMPLETED)
    return promotion_id


async def hotfix_for_review(
    service: DemoService, promotion_id: str, actor: str, expected: Expected
) -> None:
    ok(
        await service.call(
            actor,
            "submitForPeerReview",
            {
                "promotionId": promotion_id,
                "isHotfix": True,
                "hotfixJustification": "Orders stuck in production since 06:00.",
            },
        )
    )
    expected.add(promotion_id, actor, _S.PENDING_PEER_REVIEW)


async def peer_review(
    service: DemoService, promotion_id: str, decision: str, expected: Expected
) -> None:
    ok(
        await service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": promotion_id, "decision": decision, "comments": "looked at it"},
        )
    )
    after = _S.PENDING_ADMIN_REVIEW if decision == "APPROVED" else _S.PEER_REJECTED
    expected.add(promotion_id, BOB, after)


async def run_journey(service: DemoService) -> Expected:
    expected = Expected()
    seed = service.seed
    orders, prior = seed.full_tree_package_id, seed.prior_promotion.dev_package_id

    # Promote → Test (no pack in history: an admin assigns one) → Production, reviewed.
    tested = await promoted(service, orders, ALICE, expected)
    ok(await service.call(ALICE, "packageAndDeploy", {"promotionId": tested, "mode": 1}))
    expected.add(tested, ALICE, _S.TEST_DEPLOYING, _S.PENDING_PACK_ASSIGNMENT)
    ok(
        await service.call(
            CAROL,
            "packageAndDeploy",
            {
                "promotionId": tested,
                "mode": 4,
                "createNewPack": True,
                "newPackName": "Orders - TEST",
            },
        )
    )
    expected.add(tested, CAROL, _S.TEST_DEPLOYING, _S.TEST_DEPLOYED)
    submitted = ok(await service.call(ALICE, "submitForPeerReview", {"promotionId": tested}))
    production: str = submitted["promotionId"]
    expected.add(production, ALICE, _S.PENDING_PEER_REVIEW)
    await peer_review(service, production, "APPROVED", expected)
    ok(
        await service.call(
            ERIN,
            "submitAdminReview",
            {
                "promotionId": production,
                "decision": "APPROVED",
                "createNewPack": True,
                "newPackName": "Orders",
            },
        )
    )
    expected.add(production, ERIN, _S.ADMIN_APPROVED, _S.DEPLOYING, _S.DEPLOYED)

    # A hotfix the peer reviewer rejects, and one the admin rejects.
    peer_rejected = await promoted(service, prior, ALICE, expected)
    await hotfix_for_review(service, peer_rejected, ALICE, expected)
    await peer_review(service, peer_rejected, "REJECTED", expected)
    admin_rejected = await promoted(service, prior, ALICE, expected)
    await hotfix_for_review(service, admin_rejected, ALICE, expected)
    await peer_review(service, admin_rejected, "APPROVED", expected)
    ok(
        await service.call(
            ERIN,
            "submitAdminReview",
            {"promotionId": admin_rejected, "decision": "REJECTED", "comments": "not now"},
        )
    )
    expected.add(admin_rejected, ERIN, _S.ADMIN_REJECTED)

    # Bob's promotion of the same process supersedes Alice's; then he withdraws his own.
    superseded = await promoted(service, prior, ALICE, expected)
    withdrawn = await promoted(service, prior, BOB, expected)
    expected.add(superseded, BOB, _S.SUPERSEDED)
    await hotfix_for_review(service, withdrawn, BOB, expected)
    ok(
        await service.call(
            BOB, "withdrawPromotion", {"promotionId": withdrawn, "reason": "wrong package"}
        )
    )
    expected.add(withdrawn, BOB, _S.WITHDRAWN)

    await edit_a_connection_mapping(service)
    await edit_and_copy_extensions(service)
    return expected


async def edit_a_connection_mapping(service: DemoService) -> None:
    """An admin maps the demo's unmapped connection, moves it, then deletes the mapping."""
    account, dev_id = team_a(service), service.seed.unmapped_connection_id
    first, second = (
        next(c.prod_component_id for c in service.seed.connection_mappings if c.component_name == n)
        for n in ("Orders API", "Orders Database")
    )
    for body in (
        {"action": "update", "prodComponentId": first},
        {"action": "update", "prodComponentId": second},
        {"action": "delete"},
    ):
        ok(
            await service.call(
                CAROL, "manageMappings", {"devAccountId": account, "devComponentId": dev_id, **body}
            )
        )


async def edit_and_copy_extensions(service: DemoService) -> None:
    client = service.seed.client_accounts[0]
    async with service.emulator.async_client() as boomi:
        response = await boomi.get(
            f"/EnvironmentExtensions/{client.test_environment_id}",
            params={"overrideAccount": client.account_id},
        )
    response.raise_for_status()
    settings = next(
        p
        for p in response.json()["processProperties"]["ProcessProperty"]
        if p["name"] == "Customer Sync Settings"
    )
    for value in settings["ProcessPropertyValue"]:
        if value["key"] == "targetRegion":
            value["value"], value["useDefault"] = "EU", False
    ok(
        await service.call(
            ALICE,
            "updateExtensions",
            {
                "clientAccountId": client.account_id,
                "environmentId": client.test_environment_id,
                "extensionPayload": json.dumps(
                    {"processProperties": {"ProcessProperty": [settings]}}
                ),
            },
        )
    )
    ok(
        await service.call(
            ALICE, "copyExtensionsTestToProd", {"clientAccountId": client.account_id}
        )
    )


# ------------------------------------------------------------------------------ the checks


def status_steps(changes: list[Change]) -> dict[str, list[tuple[str | None, str]]]:
    """Per promotion, each (before, after) status the database went through."""
    steps: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for change in changes:
        if change.table != "promotion_log" or change.new is None:
            continue
        before = change.old["status"] if change.old is not None else None
        if before != change.new["status"]:
            steps[change.new["promotion_id"]].append((before, change.new["status"]))
    return steps


def check_promotion_statuses(
    changes: list[Change], trail: list[AuditEntry], expected: Expected
) -> tuple[int, list[str]]:
    """Each status step the database made is one audit entry, in order, by the right actor."""
    problems: list[str] = []
    audited: dict[str, list[AuditEntry]] = defaultdict(list)
    for audit_entry in trail:
        if audit_entry.target_type == "promotion" and audit_entry.after_status is not None:
            audited[audit_entry.target_id].append(audit_entry)
    seen = status_steps(changes)
    tried = 0
    for promotion_id, steps in seen.items():
        entries = audited.pop(promotion_id, [])
        wanted = expected.steps.get(promotion_id, [])
        if [after for _before, after in steps] != [status for status, _actor in wanted]:
            problems.append(
                f"{promotion_id}: the journey expected {wanted}, the database did {steps}"
            )
        for index, (before, after) in enumerate(steps):
            tried += 1
            entry = entries[index] if index < len(entries) else None
            actor = wanted[index][1] if index < len(wanted) else None
            if entry is None:
                problems.append(f"{promotion_id}: {before} → {after} has no audit entry")
            elif (entry.before_status, entry.after_status) != (before, after):
                problems.append(
                    f"{promotion_id}: {before} → {after} audited as "
                    f"{entry.before_status} → {entry.after_status}"
                )
            elif entry.actor_email.lower() != (actor or "").lower():
                problems.append(
                    f"{promotion_id}: {before} → {after} audited as by {entry.actor_email}, "
                    f"was {actor}"
                )
            elif index and entry.at < entries[index - 1].at:
                problems.append(f"{promotion_id}: {after} audited before the step that preceded it")
        if len(entries) > len(steps):
            problems.append(f"{promotion_id}: audit shows status changes the database never made")
    problems += [f"{pid}: audited status changes of no promotion" for pid in audited]
    return tried, problems


def check_mapping_changes(changes: list[Change], trail: list[AuditEntry]) -> tuple[int, list[str]]:
    """An admin's mapping write is one entry with the row before and after; the engine's
    writes are explained by the promotion that completed, by the merge into main, or by a
    restore when a promotion was discarded (one entry with the row before and after)."""
    problems: list[str] = []
    admin_entries: dict[str, list[AuditEntry]] = defaultdict(list)
    restores: dict[str, list[AuditEntry]] = defaultdict(list)
    completed: set[str] = set()
    merged: set[str] = set()
    for entry in trail:
        if entry.target_type == "component_mapping" and entry.action == "mapping.restored":
            restores[entry.target_id].append(entry)
        elif entry.target_type == "component_mapping":
            admin_entries[entry.target_id].append(entry)
        elif entry.action == "promotion.completed":
            completed.add(entry.target_id)
        elif entry.action == "promotion.merged":
            merged.update((entry.detail or {}).get("onMainComponentIds", []))
    tried = 0
    for change in (c for c in changes if c.table == "component_mapping"):
        tried += 1
        row = change.row
        key = f"{row['dev_account_id']}/{row['dev_component_id']}"
        went_on_main = (
            change.old is not None
            and change.new is not None
            and not change.old["on_main"]
            and change.new["on_main"]
        )
        if restores[key] and _restored_by(change, restores[key][0]):
            restores[key].pop(0)
        elif went_on_main:
            if row["prod_component_id"] not in merged:
                problems.append(f"mapping {key} went on main with no promotion.merged naming it")
        elif row["last_promotion_id"] and row["mapping_source"] == "PROMOTION_ENGINE":
            if row["last_promotion_id"] not in completed:
                problems.append(f"mapping {key} written by a promotion that was not audited")
        elif not admin_entries[key]:
            problems.append(f"mapping {key}: {change.operation} has no audit entry")
        else:
            entry = admin_entries[key].pop(0)
            detail = entry.detail or {}
            shapes = (detail.get("before") is None, detail.get("after") is None)
            if shapes != (change.operation == "INSERT", change.operation == "DELETE"):
                problems.append(f"mapping {key}: {change.operation} audited as {detail}")
    problems += [
        f"mapping {key}: entry for no change"
        for entries in (admin_entries, restores)
        for key, left in entries.items()
        if left
    ]
    return tried, problems


def _restored_by(change: Change, entry: AuditEntry) -> bool:
    """Whether ``change`` is the one the restore ``entry`` describes."""
    detail = entry.detail or {}
    before, after = detail.get("before") or {}, detail.get("after")
    if change.old is None or change.old["prod_component_id"] != before.get("prodComponentId"):
        return False
    if after is None:
        return change.new is None
    return change.new is not None and (
        change.new["prod_component_id"],
        change.new["last_promotion_id"],
    ) == (after.get("prodComponentId"), after.get("lastPromotionId"))


def check_other_records(changes: list[Change], trail: list[AuditEntry]) -> tuple[int, list[str]]:
    """Extension access rebuilds, client account syncs, grants and jobs."""
    problems: list[str] = []
    rebuilt = {e.target_id for e in trail if e.action == "extension_access.rebuilt"}
    copied_by = {
        ((e.detail or {}).get("clientAccountId"), e.actor_email)
        for e in trail
        if e.action == "extensions.copied_test_to_prod"
    }
    submitted = {e.target_id: e for e in trail if e.action == "job.submitted"}
    tried = 0
    for change in changes:
        row = change.row
        if change.table == "extension_access_mapping":
            tried += 1
            if row["environment_id"] not in rebuilt:
                problems.append(f"extension access of {row['environment_id']} changed unaudited")
        elif change.table == "client_account_config":
            tried += 1
            if (row["client_account_id"], row["last_extension_sync_by"]) not in copied_by:
                problems.append(f"client account {row['client_account_id']} changed unaudited")
        elif change.table == "dev_account_access":
            tried += 1
            problems.append(f"grant {row['sso_group_id']} → {row['dev_account_id']} unaudited")
        elif change.table == "jobs" and change.operation == "INSERT":
            tried += 1
            entry = submitted.get(row["id"])
            if entry is None or entry.actor_email != row["principal_email"]:
                problems.append(f"job {row['id']} ({row['action']}) submitted unaudited")
    return tried, problems


def check_boomi_writes(service: DemoService, trail: list[AuditEntry]) -> tuple[int, list[str]]:
    """Every branch a promotion held that the product deleted, and every extension it wrote,
    in Boomi, is audited. Not the temporary ``promo-{id}-src-N`` branches that assembling a
    promotion's branch creates and deletes within one step: they never hold a record's state."""
    deleted_branches = {
        (e.detail or {}).get("branchId") for e in trail if e.action == "promotion.branch_deleted"
    } | {e.target_id for e in trail if e.action == "branch.reconciled"}
    written_environments = {
        e.target_id
        for e in trail
        if e.action in ("extensions.updated", "extensions.copied_test_to_prod")
    }
    problems: list[str] = []
    tried = 0
    for request in service.emulator.state.request_log.entries():
        last = unquote(request.path.rstrip("/").rsplit("/", 1)[-1])
        if request.method == "DELETE" and "/Branch/" in request.path:
            branch = service.emulator.state.branches.get(last)
            name = branch.name if branch is not None else "?"
            if TEMPORARY_BRANCH.search(name):
                continue
            tried += 1
            if last not in deleted_branches:
                problems.append(f"branch {last} ({name}) deleted with no audit entry")
        elif (
            request.method == "POST"
            and "/EnvironmentExtensions/" in request.path
            and last not in ("query", "queryMore")
        ):
            tried += 1
            if last.removesuffix("/update") not in written_environments:
                problems.append(f"extensions of {last} written with no audit entry")
    return tried, problems


async def test_every_state_change_of_a_journey_is_audited(
    promo_service: DemoService, store: Store, reliability: ReliabilityLog
) -> None:
    expected = await run_journey(promo_service)

    changes = await probed_changes(store.engine)
    trail = await store.trail()
    checks = {
        "promotion status transitions": check_promotion_statuses(changes, trail, expected),
        "mapping writes, admin and engine": check_mapping_changes(changes, trail),
        "other record changes": check_other_records(changes, trail),
        "Boomi branch deletions and extension writes": check_boomi_writes(promo_service, trail),
    }

    for case, (tried, problems) in checks.items():
        reliability.record(
            SUITE,
            f"audit: state changes checked ({case})",
            tried=tried,
            held=tried - min(len(problems), tried),
            detail="each change the database or Boomi saw has its audit entry (actor, "
            "before/after, time order)",
        )
    assert {case: problems for case, (_t, problems) in checks.items() if problems} == {}
    assert len(expected.steps) == 6, "six promotions, each checked"
    assert all(tried for tried, _problems in checks.values())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_every_job_state_change_is_audited(promo_service: DemoService, store: Store) -> None:
    ok(await promote(promo_service, promo_service.seed.prior_promotion.dev_package_id))

    changes = [c for c in await probed_changes(store.engine) if c.table == "jobs"]
    audited = {
        (e.target_id, e.before_status, e.after_status)
        for e in await store.trail()
        if e.target_type == "job"
    }
    seen = {
        (c.row["id"], c.old["state"] if c.old is not None else None, c.row["state"])
        for c in changes
        if c.new is not None
    }
    assert {state for _id, _before, state in seen} >= {"QUEUED", "RUNNING", "SUCCEEDED"}
    assert seen <= audited
