"""Orphaned promo-* branches against the emulator over HTTP: listed, deleted, audited, and
the branches that live promotions own left alone."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from typer.testing import CliRunner

from boomi_promo.boomi.client import BoomiClient
from boomi_promo.bootstrap import bootstrap
from boomi_promo.cli import app
from boomi_promo.config import JobSettings
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.engine.reconcile import reconcile_branches
from boomi_promo.store import UnitOfWorkFactory
from tests.integration.promotion.support import live_branch_ids, promote
from tests.support.service import DemoService

OPERATOR = "ops@example.com"
NO_GRACE = timedelta(0)


def plant_branch(service: DemoService, name: str, *, age: timedelta = timedelta(0)) -> str:
    """Create a branch through the emulator API; ``age`` back-dates its creation."""
    with service.emulator.client() as boomi:
        response = boomi.post("/Branch", json={"name": name})
    response.raise_for_status()
    branch_id: str = response.json()["id"]
    if age:
        state = service.emulator.state
        with state.lock:
            created = datetime.now(UTC) - age
            state.branches[branch_id].created_date = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    return branch_id


async def promoted(service: DemoService) -> dict[str, Any]:
    response = await promote(service, service.seed.prior_promotion.dev_package_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_dry_run_lists_only_the_orphan_and_a_real_run_deletes_only_it(
    promo_service: DemoService, boomi: BoomiClient, uow_factory: UnitOfWorkFactory
) -> None:
    live = await promoted(promo_service)
    orphan_name = f"promo-{uuid.uuid4()}"
    orphan_id = plant_branch(promo_service, orphan_name)
    before = live_branch_ids(promo_service)
    assert {orphan_id, live["branchId"]} <= before

    dry = await reconcile_branches(
        boomi, uow_factory, dry_run=True, actor=OPERATOR, min_age=NO_GRACE
    )

    assert [(o.name, o.branch_id, o.reason) for o in dry.orphans] == [
        (orphan_name, orphan_id, "no promotion has this id")
    ]
    assert dry.deleted == []
    assert live_branch_ids(promo_service) == before

    done = await reconcile_branches(
        boomi, uow_factory, dry_run=False, actor=OPERATOR, min_age=NO_GRACE
    )

    assert [o.branch_id for o in done.deleted] == [orphan_id]
    assert done.failed == []
    assert live_branch_ids(promo_service) == before - {orphan_id}
    async with uow_factory() as uow:
        trail = await uow.audit.list_entries(target_type="branch", target_id=orphan_id)
    assert [(e.action, e.actor_email) for e in trail.items] == [("branch.reconciled", OPERATOR)]
    assert trail.items[0].detail is not None
    assert trail.items[0].detail["branchName"] == orphan_name

    again = await reconcile_branches(
        boomi, uow_factory, dry_run=False, actor=OPERATOR, min_age=NO_GRACE
    )
    assert again.orphans == []


async def test_a_branch_that_survived_its_ended_promotion_is_removed(
    promo_service: DemoService, boomi: BoomiClient, uow_factory: UnitOfWorkFactory
) -> None:
    ended = await promoted(promo_service)
    async with uow_factory() as uow:
        promotion = await uow.promotions.get_for_update(ended["promotionId"])
        assert promotion is not None
        promotion.status = PromotionStatus.WITHDRAWN  # the branch delete after it never ran
        await uow.promotions.update(promotion)
        await uow.commit()

    report = await reconcile_branches(boomi, uow_factory, dry_run=False, actor=OPERATOR)

    assert [(o.branch_id, o.promotion_id, o.reason) for o in report.deleted] == [
        (ended["branchId"], ended["promotionId"], "the promotion ended (WITHDRAWN)")
    ]
    assert ended["branchId"] not in live_branch_ids(promo_service)


async def test_a_fresh_branch_of_an_unknown_promotion_is_given_time_to_be_recorded(
    promo_service: DemoService, boomi: BoomiClient, uow_factory: UnitOfWorkFactory
) -> None:
    fresh_id = plant_branch(promo_service, f"promo-{uuid.uuid4()}")
    stale_id = plant_branch(promo_service, f"promo-{uuid.uuid4()}-src-1", age=timedelta(hours=1))

    report = await reconcile_branches(boomi, uow_factory, dry_run=False, actor=OPERATOR)

    assert [o.branch_id for o in report.deleted] == [stale_id]
    assert fresh_id in live_branch_ids(promo_service)


def test_the_command_lists_then_removes_a_planted_orphan(promo_service: DemoService) -> None:
    seed = promo_service.seed
    env = {
        "PROMO_DATA_DIR": str(promo_service.data_dir),
        "PROMO_DATABASE_URL": promo_service.settings.resolved_database_url(),
        "PROMO_BOOMI__BASE_URL": promo_service.emulator_url,
        "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": seed.primary_account_id,
        "PROMO_BOOMI__USERNAME": seed.username,
        "PROMO_BOOMI__API_TOKEN": seed.api_token,
    }
    orphan_name = f"promo-{uuid.uuid4()}"
    orphan_id = plant_branch(promo_service, orphan_name, age=timedelta(hours=1))
    runner = CliRunner()

    listed = runner.invoke(app, ["reconcile", "--dry-run"], env=env)

    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["BRANCH", "BRANCH", "ID", "PROMOTION", "REASON"]
    assert lines[1].split()[:3] == [orphan_name, orphan_id, orphan_name.removeprefix("promo-")]
    assert "1 orphaned branch(es) would be deleted (dry run)." in lines
    assert lines[-1].startswith("All ") and lines[-1].endswith("where they say."), lines[-1]
    assert orphan_id in live_branch_ids(promo_service)

    removed = runner.invoke(app, ["reconcile", "--actor", OPERATOR], env=env)

    assert removed.exit_code == 0, removed.output
    assert "1 orphaned branch(es) deleted." in removed.stdout.splitlines()
    assert orphan_id not in live_branch_ids(promo_service)

    nothing = runner.invoke(app, ["reconcile"], env=env)
    assert nothing.stdout.splitlines()[0] == "No orphaned promo-* branches."


async def test_the_service_removes_orphans_periodically_when_configured(
    promo_service: DemoService,
) -> None:
    orphan_id = plant_branch(promo_service, f"promo-{uuid.uuid4()}", age=timedelta(hours=1))
    jobs = JobSettings(**{**promo_service.settings.jobs.model_dump(), "reconcile_seconds": 0.1})
    container = await bootstrap(promo_service.settings.model_copy(update={"jobs": jobs}))
    try:
        await container.jobs.start()
        deadline = time.monotonic() + 10
        while orphan_id in live_branch_ids(promo_service) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
    finally:
        await container.aclose()

    assert orphan_id not in live_branch_ids(promo_service)
    async with UnitOfWorkFactory(container.engine)() as uow:
        trail = await uow.audit.list_entries(target_type="branch", target_id=orphan_id)
    assert [(e.action, e.actor_email) for e in trail.items] == [("branch.reconciled", "system")]


def delete_slowly(service: DemoService, branch_id: str) -> None:
    """Delete through the emulator API; Boomi then lists the branch as DELETING for a while."""
    service.emulator.state.settings.branch_delete_seconds = 60.0
    with service.emulator.client() as boomi:
        boomi.delete(f"/Branch/{branch_id}").raise_for_status()


async def test_a_branch_boomi_is_still_deleting_is_reported_not_deleted_again(
    promo_service: DemoService, boomi: BoomiClient, uow_factory: UnitOfWorkFactory
) -> None:
    name = f"promo-{uuid.uuid4()}"
    branch_id = plant_branch(promo_service, name, age=timedelta(hours=1))
    delete_slowly(promo_service, branch_id)
    log = promo_service.emulator.state.request_log
    log.clear()

    first = await reconcile_branches(boomi, uow_factory, dry_run=False, actor=OPERATOR)
    second = await reconcile_branches(boomi, uow_factory, dry_run=False, actor=OPERATOR)

    assert (first.orphans, first.deleted, first.failed) == ([], [], [])
    assert first.deleting == second.deleting == [name]
    assert log.count("DELETE", r"/Branch/") == 0, "left to Boomi, not deleted on every pass"
    async with uow_factory() as uow:
        trail = await uow.audit.list_entries(target_type="branch", target_id=branch_id)
    assert trail.items == []


async def test_an_ended_promotion_stops_recording_a_branch_boomi_is_deleting(
    promo_service: DemoService, boomi: BoomiClient, uow_factory: UnitOfWorkFactory
) -> None:
    ended = await promoted(promo_service)
    async with uow_factory() as uow:
        promotion = await uow.promotions.get_for_update(ended["promotionId"])
        assert promotion is not None
        # Its delete reached Boomi, but the answer did not reach us: the id was kept.
        promotion.status = PromotionStatus.WITHDRAWN
        await uow.promotions.update(promotion)
        await uow.commit()
    delete_slowly(promo_service, ended["branchId"])

    report = await reconcile_branches(boomi, uow_factory, dry_run=False, actor=OPERATOR)

    assert report.deleted == [] and report.deleting == [f"promo-{ended['promotionId']}"]
    async with uow_factory() as uow:
        record = await uow.promotions.get(ended["promotionId"])
        trail = await uow.audit.list_entries(target_type="branch", target_id=ended["branchId"])
    assert record is not None and record.branch_id is None
    assert [e.action for e in trail.items] == ["branch.reconciled"]
    assert trail.items[0].detail is not None and trail.items[0].detail["alreadyGone"] is True


def test_the_command_names_the_branches_boomi_is_still_deleting(
    promo_service: DemoService,
) -> None:
    seed = promo_service.seed
    env = {
        "PROMO_DATA_DIR": str(promo_service.data_dir),
        "PROMO_DATABASE_URL": promo_service.settings.resolved_database_url(),
        "PROMO_BOOMI__BASE_URL": promo_service.emulator_url,
        "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": seed.primary_account_id,
        "PROMO_BOOMI__USERNAME": seed.username,
        "PROMO_BOOMI__API_TOKEN": seed.api_token,
    }
    name = f"promo-{uuid.uuid4()}"
    delete_slowly(promo_service, plant_branch(promo_service, name, age=timedelta(hours=1)))

    result = CliRunner().invoke(app, ["reconcile"], env=env)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "No orphaned promo-* branches.",
        "1 promo-* branch(es) still being deleted by Boomi (they count toward the branch "
        f"limit until gone): {name}",
    ]
    assert result.stdout.splitlines()[2].endswith("where they say."), "then the mappings"
