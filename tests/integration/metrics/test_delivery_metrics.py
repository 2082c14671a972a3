"""The Delivery Metrics page and ``promo metrics export`` after real journeys over the API.

Three journeys of the demo's "Customer Sync" from Dev Team A: one to production, one whose
production promotion a peer rejects, and one whose test deployment fails because the emulator
refuses the release. The figures are checked against what the store recorded, and the page's
figures (every ``data-figure``) against the CLI's JSON and CSV for the same period.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from boomi_promo.cli import app
from boomi_promo.exports.audit import format_instant
from boomi_promo.exports.metrics import CSV_COLUMNS, TEAM_COLUMNS
from tests.integration.deployment.support import (
    ERIN,
    PROCESS,
    admin_review,
    body_of,
    completed_promotion,
    deploy,
    deployed_to_test,
)
from tests.integration.promotion.support import ALICE, BOB, CAROL, store_of, team_a
from tests.support.service import DemoService
from tests.support.workflow import dev_component, edit_dev_component
from tests.unit.web.support import sign_in

METRICS_PATH = "/admin/metrics"
FigureKey = tuple[str, str, str]
"""(scope, team id or week, figure name)"""


class FigureCells(HTMLParser):
    """Every element of a page that carries a figure: its scope, key, name and raw value."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[FigureKey, set[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        name = found.get("data-figure")
        if name is None:
            return
        key = (found.get("data-scope") or "", found.get("data-key") or "", name)
        self.values.setdefault(key, set()).add(found.get("data-value") or "")


def page_figures(html: str) -> dict[FigureKey, str]:
    parser = FigureCells()
    parser.feed(html)
    for key, values in parser.values.items():
        assert len(values) == 1, f"{key} shows different values: {values}"
    return {key: values.pop() for key, values in parser.values.items()}


def exported_figures(document: dict[str, Any]) -> dict[FigureKey, Any]:
    figures: dict[FigureKey, Any] = {}
    rows = [("overall", document["overall"]), *(("team", team) for team in document["teams"])]
    for scope, fields in rows:
        for name, value in fields.items():
            figures[(scope, fields["team_id"], name)] = value
    for week in document["weeks"]:
        for name, value in week.items():
            figures[("week", week["week_start"], name)] = value
    return figures


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


async def run_journeys(service: DemoService) -> dict[str, str]:
    """The three journeys; the ids of the promotion records they leave."""
    to_production = await deployed_to_test(service)
    shipped = body_of(
        await service.call(ALICE, "submitForPeerReview", {"promotionId": to_production})
    )["promotionId"]
    body_of(
        await service.call(
            BOB, "submitPeerReview", {"promotionId": shipped, "decision": "APPROVED"}
        )
    )
    body_of(
        await admin_review(
            service,
            ERIN,
            promotionId=shipped,
            decision="APPROVED",
            createNewPack=True,
            newPackName=PROCESS,
        )
    )

    # Each later journey promotes a change: an unchanged tree is nothing to promote (issue 16).
    await edit_dev_component(service, dev_component(service, PROCESS), "for the rejection")
    to_rejection = await deployed_to_test(service)
    rejected = body_of(
        await service.call(ALICE, "submitForPeerReview", {"promotionId": to_rejection})
    )["promotionId"]
    body_of(
        await service.call(
            BOB,
            "submitPeerReview",
            {"promotionId": rejected, "decision": "REJECTED", "comments": "Not yet."},
        )
    )

    await edit_dev_component(service, dev_component(service, PROCESS), "for the failure")
    service.emulator.state.release_faults.add(PROCESS, message="Test runtime offline")
    failing = str((await completed_promotion(service))["promotionId"])
    failed = body_of(await deploy(service, ALICE, promotionId=failing), 502)
    assert failed["newStatus"] == "TEST_DEPLOY_FAILED"
    service.emulator.state.release_faults.clear()
    return {
        "test-shipped": to_production,
        "shipped": shipped,
        "test-rejected": to_rejection,
        "rejected": rejected,
        "failing": failing,
    }


async def expected_lead_time(service: DemoService, test_id: str, production_id: str) -> float:
    async with store_of(service) as uow:
        test = await uow.promotions.get(test_id)
        trail = await uow.audit.list_entries(target_type="promotion", target_id=production_id)
    assert test is not None
    deployed = next(entry.at for entry in trail.items if entry.after_status == "DEPLOYED")
    return (deployed - test.initiated_at).total_seconds()


def export(service: DemoService, workdir: Path, *args: str) -> str:
    """``promo metrics export`` against the service's database; what it wrote."""
    target = workdir / f"metrics-{len(list(workdir.iterdir()))}.out"
    env = {
        "PROMO_DATA_DIR": str(service.data_dir),
        "PROMO_DATABASE_URL": service.settings.resolved_database_url(),
        "PROMO_BOOMI__PRIMARY_ACCOUNT_ID": service.seed.primary_account_id,
    }
    result = CliRunner().invoke(app, ["metrics", "export", *args, "--output", str(target)], env=env)
    assert result.exit_code == 0, result.output
    return target.read_text(encoding="utf-8")


async def admin_page(service: DemoService, query: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as client:
        await sign_in(client, CAROL)
        return await client.get(METRICS_PATH, params=query)


async def test_the_page_and_the_export_show_the_figures_of_real_journeys(
    promo_service: DemoService, tmp_path: Path
) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    ids = await run_journeys(promo_service)
    until = datetime.now(UTC) + timedelta(minutes=1)
    period = ["--since", format_instant(since), "--until", format_instant(until)]
    workdir = tmp_path / "exports"
    workdir.mkdir()

    document = json.loads(
        await asyncio.to_thread(export, promo_service, workdir, "--format", "json", *period)
    )

    team = next(t for t in document["teams"] if t["team_id"] == team_a(promo_service))
    assert team["team_name"] == "Dev Team A"
    assert (team["promotions_total"], team["promotions_in_test"]) == (5, 2)
    assert (team["promotions_in_production"], team["promotions_rejected"]) == (1, 1)
    assert team["promotions_failed"] == 1
    assert (team["decided"], team["failed"]) == (5, 2), "two test deployments, one production"
    assert (team["rejected"], team["deploy_failed"], team["rolled_back"]) == (1, 1, 0)
    assert team["change_failure_rate"] == 0.4
    assert (team["peer_review_count"], team["admin_review_count"]) == (2, 1)
    lead_time = await expected_lead_time(promo_service, ids["test-shipped"], ids["shipped"])
    assert team["lead_time_count"] == 1
    assert team["lead_time_median_seconds"] == team["lead_time_p90_seconds"] == lead_time
    assert document["overall"]["promotions_total"] == 5
    assert sum(week["lead_time_count"] for week in document["weeks"]) == 1

    page = await admin_page(promo_service, {"since": period[1], "until": period[3]})
    assert page.status_code == 200, page.text
    shown = page_figures(page.text)
    exported = exported_figures(document)
    assert len(shown) > 40
    for key, value in shown.items():
        assert key in exported, f"the page shows {key}, which the export lacks"
        assert value == as_text(exported[key]), key
    assert "<svg" in page.text

    rows = list(
        csv.DictReader(
            io.StringIO(await asyncio.to_thread(export, promo_service, workdir, *period))
        )
    )
    assert rows and list(rows[0]) == list(CSV_COLUMNS)
    assert [row["scope"] for row in rows].count("week") == len(document["weeks"])
    for row in rows:
        if row["scope"] == "week":
            continue
        fields = (
            document["overall"]
            if row["scope"] == "overall"
            else next(t for t in document["teams"] if t["team_id"] == row["team_id"])
        )
        assert {c: row[c] for c in TEAM_COLUMNS} == {c: as_text(fields[c]) for c in TEAM_COLUMNS}
        assert (row["since"], row["until"]) == (document["since"], document["until"])


async def test_a_period_the_page_cannot_read_is_refused_naming_the_field(
    demo_service: DemoService,
) -> None:
    page = await admin_page(demo_service, {"since": "last tuesday"})

    assert page.status_code == 400
    assert 'aria-invalid="true" aria-describedby="metrics-since-error"' in page.text
    assert "is not an ISO 8601 date" in page.text


def test_the_export_names_the_option_it_cannot_read(tmp_path: Path) -> None:
    env = {"PROMO_DATA_DIR": str(tmp_path)}
    unreadable = CliRunner().invoke(app, ["metrics", "export", "--since", "yesterday"], env=env)
    backwards = CliRunner().invoke(
        app, ["metrics", "export", "--since", "2025-07-01", "--until", "2025-06-01"], env=env
    )

    assert unreadable.exit_code == 2
    assert "'--since'" in unreadable.output and "not an ISO 8601 date" in unreadable.output
    assert backwards.exit_code == 2
    assert "'--until'" in backwards.output and "must be later" in backwards.output
