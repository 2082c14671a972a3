"""Issue 6's production shape: two services and two workers on one PostgreSQL, at Boomi's rate.

Twenty promotions across four dev accounts are submitted at once, half to each service. They
must all complete, never two at a time for one dev account, and Boomi (the emulator) must never
see more than 10 requests from one account in any one-second window.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from boomi_promo.config import BoomiSettings, Settings
from boomi_promo.demo import seed_generated_account_records
from boomi_promo.emulator.generated import GeneratedAccount, add_generated_dev_account
from boomi_promo.identity.local import LocalIdentity
from boomi_promo.store import UnitOfWorkFactory, create_engine
from tests.integration.production.test_workers import queue_settings
from tests.support.fleet import fleet
from tests.support.servers import EmulatorHandle

ACCOUNTS = 4
PROMOTIONS_PER_ACCOUNT = 5
COMPONENTS_PER_TREE = 4
BOOMI_RATE = 10.0
# Every promotion keeps its review branch; Boomi's real limit (20) would stop the test, not
# the product, so both limits are raised here.
BRANCH_LIMIT = 40


def at_boomi_rate(settings: Settings) -> Settings:
    boomi = BoomiSettings(
        **settings.boomi.model_dump(
            exclude={"requests_per_second", "branch_soft_limit", "branch_hard_limit"}
        ),
        requests_per_second=BOOMI_RATE,
        branch_soft_limit=BRANCH_LIMIT - 5,
        branch_hard_limit=BRANCH_LIMIT,
    )
    return settings.model_copy(update={"boomi": boomi})


async def grant(settings: Settings, accounts: list[GeneratedAccount], groups: list[str]) -> None:
    engine = create_engine(settings.resolved_database_url())
    try:
        for account, group in zip(accounts, groups, strict=True):
            await seed_generated_account_records(UnitOfWorkFactory(engine), account, group)
    finally:
        await engine.dispose()


def busiest_second(times: list[float]) -> int:
    """The most requests that arrived within any one-second window."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, arrived in enumerate(ordered):
        while arrived - ordered[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def wait_for_jobs(jobs: list[tuple[str, str]], tokens: dict[str, str]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 300
    finished: dict[str, dict[str, Any]] = {}
    while len(finished) < len(jobs):
        assert time.monotonic() < deadline, f"only {len(finished)} of {len(jobs)} jobs finished"
        for url, account in jobs:
            if url in finished:
                continue
            document = httpx.get(
                url, headers={"Authorization": f"Bearer {tokens[account]}"}, timeout=10
            ).json()
            if document["state"] not in ("QUEUED", "RUNNING"):
                finished[url] = document | {"devAccountId": account}
        time.sleep(0.5)
    return [finished[url] for url, _ in jobs]


def test_twenty_promotions_on_two_services_and_two_workers(
    emulator: EmulatorHandle, tmp_path: Path, postgres_url: str
) -> None:
    emulator.state.settings.branch_limit = BRANCH_LIMIT
    accounts = [
        add_generated_dev_account(
            emulator.state,
            name=f"Load Team {n}",
            trees=PROMOTIONS_PER_ACCOUNT,
            components_per_tree=COMPONENTS_PER_TREE,
            seed=n,
        )
        for n in range(1, ACCOUNTS + 1)
    ]
    settings = at_boomi_rate(queue_settings(emulator, tmp_path, postgres_url))
    groups = [f"{settings.groups.team_prefix}LOAD{n}" for n in range(1, ACCOUNTS + 1)]
    asyncio.run(grant(settings, accounts, groups))
    identity = LocalIdentity(tmp_path, groups=settings.groups)
    tokens = {
        account.account_id: identity.issue_token(
            f"dev{n}@example.com", f"Developer {n}", [settings.groups.contributor, group]
        )
        for n, (account, group) in enumerate(zip(accounts, groups, strict=True), start=1)
    }

    with fleet(settings, tmp_path / "logs") as running:
        services = [running.start_service(), running.start_service()]
        running.start_worker()
        running.start_worker()
        emulator.state.request_log.clear()

        jobs = []
        for round_ in range(PROMOTIONS_PER_ACCOUNT):
            for index, account in enumerate(accounts):
                base_url = services[(round_ + index) % 2]
                accepted = httpx.post(
                    f"{base_url}/api/v1/actions/executePromotion",
                    json={
                        "devAccountId": account.account_id,
                        "devPackageId": account.package_ids[round_],
                    },
                    headers={
                        "Authorization": f"Bearer {tokens[account.account_id]}",
                        "Prefer": "respond-async",
                    },
                    timeout=30,
                )
                assert accepted.status_code == 202, accepted.text
                jobs.append((f"{base_url}{accepted.headers['Location']}", account.account_id))
        finished = wait_for_jobs(jobs, tokens)

    failures = [job["response"] for job in finished if job["state"] != "SUCCEEDED"]
    assert failures == []
    for job in finished:
        created = [r for r in job["response"]["promotionResults"] if r["action"] == "CREATED"]
        assert len(created) == COMPONENTS_PER_TREE, job["response"]

    runs: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for job in finished:
        started = datetime.fromisoformat(job["startedAt"])
        ended = datetime.fromisoformat(job["finishedAt"])
        runs[job["devAccountId"]].append((started, ended))
    for account_id, spans in runs.items():
        spans.sort()
        for (_, first_end), (second_start, _) in itertools.pairwise(spans):
            assert second_start >= first_end, f"two promotions ran at once for {account_id}"

    arrivals: dict[str, list[float]] = defaultdict(list)
    for entry in emulator.state.request_log.entries():
        arrivals[entry.account].append(entry.time)
    assert set(arrivals) >= {a.account_id for a in accounts} | {settings.boomi.primary_account_id}
    busiest = {account: busiest_second(times) for account, times in arrivals.items()}
    assert max(busiest.values()) <= BOOMI_RATE, busiest
