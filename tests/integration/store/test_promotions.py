"""PromotionLog: the one-IN_PROGRESS-per-dev-account guard and the status queries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.errors import PromotionNotFound
from boomi_promo.store.errors import ConcurrentPromotionError
from boomi_promo.store.repositories.base import Page
from boomi_promo.store.tables import PromotionLog

from .records import T0, promotion


async def _start(uow_factory, log: PromotionLog, barrier: asyncio.Barrier):
    await barrier.wait()
    async with uow_factory() as uow:
        stored = await uow.promotions.add(log)
        await uow.commit()
        return stored


async def test_simultaneous_starts_for_one_dev_account_let_exactly_one_through(uow_factory):
    attempts = [promotion(dev_account_id="dev-team-a") for _ in range(5)]
    barrier = asyncio.Barrier(len(attempts))

    outcomes = await asyncio.gather(
        *(_start(uow_factory, log, barrier) for log in attempts), return_exceptions=True
    )

    started = [outcome for outcome in outcomes if isinstance(outcome, PromotionLog)]
    refused = [o for o in outcomes if isinstance(o, ConcurrentPromotionError)]
    assert len(started) == 1, outcomes
    assert len(refused) == 4, outcomes
    assert all(error.dev_account_id == "dev-team-a" for error in refused)
    async with uow_factory() as uow:
        in_progress = await uow.promotions.query(statuses=["IN_PROGRESS"])
    assert [log.promotion_id for log in in_progress.items] == [started[0].promotion_id]


async def test_a_start_waits_for_an_uncommitted_one_and_is_then_refused(uow_factory):
    async with uow_factory() as first:
        await first.promotions.add(promotion())
        second = asyncio.create_task(_start(uow_factory, promotion(), asyncio.Barrier(1)))
        await asyncio.sleep(0.3)
        # The database holds the second insert until it knows the fate of the first.
        assert not second.done()
        await first.commit()

    with pytest.raises(ConcurrentPromotionError):
        await second


async def test_different_dev_accounts_start_at_the_same_time(uow_factory):
    attempts = [promotion(dev_account_id=f"dev-team-{n}") for n in range(3)]
    barrier = asyncio.Barrier(len(attempts))

    outcomes = await asyncio.gather(*(_start(uow_factory, log, barrier) for log in attempts))

    assert {log.dev_account_id for log in outcomes} == {"dev-team-0", "dev-team-1", "dev-team-2"}


async def test_a_new_promotion_may_start_once_the_previous_one_completed(uow_factory):
    async with uow_factory() as uow:
        first = await uow.promotions.add(promotion())
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(ConcurrentPromotionError):
            await uow.promotions.add(promotion())
        # The refusal leaves the unit of work usable: the first promotion can still finish.
        running = await uow.promotions.get_for_update(first.promotion_id)
        assert running is not None
        running.status = "COMPLETED"
        await uow.promotions.update(running)
        await uow.commit()

    async with uow_factory() as uow:
        second = await uow.promotions.add(promotion())
        await uow.commit()

    async with uow_factory() as uow:
        statuses = {log.promotion_id: log.status for log in (await uow.promotions.query()).items}
    assert statuses == {first.promotion_id: "COMPLETED", second.promotion_id: "IN_PROGRESS"}


async def test_non_running_promotions_of_one_account_coexist(uow_factory):
    async with uow_factory() as uow:
        for status in ("COMPLETED", "FAILED", "TEST_DEPLOYED", "IN_PROGRESS"):
            await uow.promotions.add(promotion(status=status))
        await uow.commit()

    async with uow_factory() as uow:
        assert (await uow.promotions.query(dev_account_id="dev-team-a")).total == 4


async def test_update_keeps_changes_and_moves_updated_at(uow_factory):
    async with uow_factory() as uow:
        log = await uow.promotions.add(promotion())
        await uow.commit()
    created_updated_at = log.updated_at

    async with uow_factory() as uow:
        locked = await uow.promotions.get_for_update(log.promotion_id)
        assert locked is not None
        locked.status = "COMPLETED"
        locked.components_total = 7
        locked.result_detail = {"components": [{"devComponentId": "c1", "action": "CREATE"}]}
        await uow.promotions.update(locked)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.promotions.get(log.promotion_id)
    assert stored is not None
    assert stored.status == "COMPLETED"
    assert stored.components_total == 7
    assert stored.result_detail == {"components": [{"devComponentId": "c1", "action": "CREATE"}]}
    assert stored.initiated_at == T0
    assert stored.initiated_at.tzinfo is not None
    assert stored.updated_at > created_updated_at


async def _seed(uow_factory, logs: list[PromotionLog]) -> None:
    async with uow_factory() as uow:
        for log in logs:
            await uow.promotions.add(log)
        await uow.commit()


async def test_query_filters_by_status_account_process_and_dates(uow_factory):
    day = timedelta(days=1)
    logs = [
        promotion(status="COMPLETED", initiated_at=T0, process_name="Orders Sync"),
        promotion(status="TEST_DEPLOYED", initiated_at=T0 + day, process_name="Orders Sync"),
        promotion(status="FAILED", initiated_at=T0 + 2 * day, process_name="Invoices"),
        promotion(
            status="COMPLETED",
            initiated_at=T0 + 3 * day,
            dev_account_id="dev-team-b",
            process_name="Orders Sync",
        ),
    ]
    await _seed(uow_factory, logs)

    async with uow_factory() as uow:
        completed = await uow.promotions.query(statuses=["COMPLETED", "TEST_DEPLOYED"])
        team_a_orders = await uow.promotions.query(
            dev_account_id="dev-team-a", process_name="Orders Sync"
        )
        window = await uow.promotions.query(initiated_from=T0 + day, initiated_to=T0 + 3 * day)
        in_team_b = await uow.promotions.query(dev_account_ids=["dev-team-b"])
        latest_tested = await uow.promotions.latest(
            statuses=["TEST_DEPLOYED"], process_name="Orders Sync"
        )

    def ids(page: Page[PromotionLog]) -> list[str]:
        return [log.promotion_id for log in page.items]

    assert ids(completed) == [logs[3].promotion_id, logs[1].promotion_id, logs[0].promotion_id]
    assert ids(team_a_orders) == [logs[1].promotion_id, logs[0].promotion_id]
    assert ids(window) == [logs[2].promotion_id, logs[1].promotion_id]
    assert ids(in_team_b) == [logs[3].promotion_id]
    assert latest_tested is not None
    assert latest_tested.promotion_id == logs[1].promotion_id


async def test_query_pages_newest_first_with_the_total(uow_factory):
    logs = [promotion(status="COMPLETED", initiated_at=T0 + timedelta(hours=n)) for n in range(7)]
    await _seed(uow_factory, logs)
    newest_first = [log.promotion_id for log in reversed(logs)]

    async with uow_factory() as uow:
        pages = [await uow.promotions.query(page=n, page_size=3) for n in (1, 2, 3, 4)]

    assert [page.total for page in pages] == [7, 7, 7, 7]
    assert [log.promotion_id for page in pages for log in page.items] == newest_first
    assert [len(page.items) for page in pages] == [3, 3, 1, 0]


async def test_query_rejects_bad_paging(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(ValueError, match="page must be"):
            await uow.promotions.query(page=0)
        with pytest.raises(ValueError, match="page_size"):
            await uow.promotions.query(page_size=10_000)


async def test_initiator_matches_case_insensitively(uow_factory):
    logs = [
        promotion(status="COMPLETED", initiated_by="Alice@Example.com"),
        promotion(status="COMPLETED", initiated_by="bob@example.com", initiated_at=T0),
    ]
    await _seed(uow_factory, logs)

    async with uow_factory() as uow:
        mine = await uow.promotions.query(initiated_by="ALICE@example.COM")
        others = await uow.promotions.query(exclude_initiated_by="alice@EXAMPLE.com")

    assert [log.initiated_by for log in mine.items] == ["Alice@Example.com"]
    assert [log.initiated_by for log in others.items] == ["bob@example.com"]


def _persons_history() -> list[PromotionLog]:
    """Alice's five promotions, her e-mail in four letter cases, in two teams, one made from
    her test deployment; Bob's two in between."""
    hour = timedelta(hours=1)
    tested = promotion(status="TEST_DEPLOYED", initiated_by="alice@example.com")
    return [
        tested,
        promotion(status="COMPLETED", initiated_by="Alice@Example.com", initiated_at=T0 + hour),
        promotion(
            status="DEPLOYED",
            initiated_by="ALICE@example.com",
            initiated_at=T0 + 2 * hour,
            target_environment="PRODUCTION",
            test_promotion_id=tested.promotion_id,
        ),
        promotion(status="FAILED", initiated_by="bob@example.com", initiated_at=T0 + 3 * hour),
        promotion(
            status="COMPLETED",
            initiated_by="alice@example.com",
            initiated_at=T0 + 4 * hour,
            dev_account_id="dev-team-b",
        ),
        promotion(status="COMPLETED", initiated_by="Bob@example.com", initiated_at=T0 + 5 * hour),
        promotion(status="FAILED", initiated_by="alice@EXAMPLE.com", initiated_at=T0 + 6 * hour),
    ]


# The person filters the dashboard counts by: queryStatus by initiator (an admin: every team),
# "My promotions" (a contributor's teams), the promotions list (one row per change).
PERSON_FILTERS: dict[str, dict[str, Any]] = {
    "every team": {"initiated_by": "ALICE@example.com"},
    "one team": {"initiated_by": "alice@example.com", "dev_account_ids": ["dev-team-a"]},
    "changes only": {"initiated_by": "Alice@example.com", "changes_only": True},
}


async def test_a_persons_total_counts_their_promotions_on_every_page(uow_factory):
    await _seed(uow_factory, _persons_history())

    async with uow_factory() as uow:
        totals = {
            name: [(await uow.promotions.query(**by, page=n, page_size=2)).total for n in (1, 3)]
            for name, by in PERSON_FILTERS.items()
        }
        every_team = [
            log.initiated_by
            for n in (1, 2, 3)
            for log in (
                await uow.promotions.query(initiated_by="alice@example.com", page=n, page_size=2)
            ).items
        ]

    assert totals == {"every team": [5, 5], "one team": [4, 4], "changes only": [4, 4]}
    assert every_team == [
        "alice@EXAMPLE.com",
        "alice@example.com",
        "ALICE@example.com",
        "Alice@Example.com",
        "alice@example.com",
    ]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_persons_total_is_counted_from_the_index_alone_on_postgres(
    uow_factory, migrated_engine
):
    # At 100,000 records the table is 140 MB; a count that reads it misses queryStatus's 50 ms
    # (docs/performance.md). The planner chooses the index-only scan once the table is that
    # large; on a few rows it would rather read the table, so here the other ways are switched
    # off to ask only whether the index alone can answer the count the repository sends.
    await _seed(uow_factory, _persons_history())
    counts: list[tuple[str, Any]] = []

    def keep_counts(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.startswith("SELECT count(*)"):
            counts.append((statement, parameters))

    event.listen(migrated_engine.sync_engine, "before_cursor_execute", keep_counts)
    try:
        async with uow_factory() as uow:
            for person_filter in PERSON_FILTERS.values():
                await uow.promotions.query(**person_filter)
    finally:
        event.remove(migrated_engine.sync_engine, "before_cursor_execute", keep_counts)
    assert len(counts) == len(PERSON_FILTERS)

    async with migrated_engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM (ANALYZE) promotion_log")
        await autocommit.exec_driver_sql("SET enable_seqscan = off")
        await autocommit.exec_driver_sql("SET enable_bitmapscan = off")
        plans = [
            (
                await autocommit.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", params)
            ).scalar_one()[0]["Plan"]
            for statement, params in counts
        ]

    assert [_scans(plan) for plan in plans] == [
        [("Index Only Scan", "ix_promotion_log_initiated_by_lower")]
    ] * len(PERSON_FILTERS)


def _scans(plan: dict[str, Any]) -> list[tuple[str, str]]:
    """The plan's scans of promotion_log: (node type, index name or "")."""
    own = (
        [(plan["Node Type"], plan.get("Index Name", ""))]
        if plan.get("Relation Name") == "promotion_log"
        else []
    )
    return own + [scan for child in plan.get("Plans", []) for scan in _scans(child)]


async def test_test_deployment_hidden_while_a_linked_production_promotion_is_live(uow_factory):
    tested = promotion(status="TEST_DEPLOYED")
    other_tested = promotion(status="TEST_DEPLOYED", initiated_at=T0 - timedelta(days=1))
    await _seed(uow_factory, [tested, other_tested])
    live = {"PENDING_PEER_REVIEW", "PENDING_ADMIN_REVIEW", "DEPLOYING", "DEPLOYED"}

    async def visible() -> list[str]:
        async with uow_factory() as uow:
            page = await uow.promotions.query(
                statuses=["TEST_DEPLOYED"], without_linked_promotion_in=live
            )
        return [log.promotion_id for log in page.items]

    assert await visible() == [tested.promotion_id, other_tested.promotion_id]

    production = promotion(
        status="PENDING_PEER_REVIEW",
        target_environment="PRODUCTION",
        test_promotion_id=tested.promotion_id,
    )
    await _seed(uow_factory, [production])
    assert await visible() == [other_tested.promotion_id]

    async with uow_factory() as uow:
        linked = await uow.promotions.query(test_promotion_id=tested.promotion_id)
        assert [log.promotion_id for log in linked.items] == [production.promotion_id]
        withdrawn = await uow.promotions.get_for_update(production.promotion_id)
        assert withdrawn is not None
        withdrawn.status = "WITHDRAWN"
        await uow.promotions.update(withdrawn)
        await uow.commit()
    assert await visible() == [tested.promotion_id, other_tested.promotion_id]


async def test_a_single_status_string_is_refused_rather_than_read_as_letters(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(TypeError, match="IN_PROGRESS"):
            await uow.promotions.query(statuses="IN_PROGRESS")


async def test_a_status_reads_back_as_a_promotion_status_stored_as_its_plain_name(uow_factory):
    log = promotion(status="PENDING_PEER_REVIEW")
    async with uow_factory() as uow:
        await uow.promotions.add(log)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.promotions.get(log.promotion_id)
        raw = await uow.session.scalar(
            text("SELECT status FROM promotion_log WHERE promotion_id = :id"),
            {"id": log.promotion_id},
        )
    assert stored is not None
    assert stored.status is PromotionStatus.PENDING_PEER_REVIEW
    assert raw == "PENDING_PEER_REVIEW"


async def test_an_unknown_promotion_is_a_404_naming_it(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(PromotionNotFound) as refused:
            await uow.promotions.require("no-such-promotion")
    assert refused.value.status_code == 404
    assert refused.value.error_code == "PROMOTION_NOT_FOUND"
    assert "no-such-promotion" in refused.value.message
