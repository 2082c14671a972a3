"""/metrics over HTTP: Boomi calls, retries, 429s, jobs and promotions move as the service works."""

from __future__ import annotations

from tests.integration.observability.support import scrape, value
from tests.integration.promotion.support import ALICE, promote, team_a
from tests.support.service import DemoService

QUERY_PATH = r"/PackagedComponent/query$"


async def test_metrics_are_prometheus_text(demo_service: DemoService) -> None:
    async with demo_service.api() as client:
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    for family in (
        "boomi_calls_total",
        "boomi_limiter_wait_seconds",
        "boomi_call_seconds",
        "jobs_finished_total",
        "job_seconds",
        "promotions_by_status",
    ):
        assert f"# TYPE {family.removesuffix('_total')}" in response.text


async def test_a_boomi_call_is_counted_by_path_and_status(demo_service: DemoService) -> None:
    before = await scrape(demo_service)

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 200
    after = await scrape(demo_service)
    query = {"method": "POST", "path": "PackagedComponent/query", "status": "200"}
    assert (
        value(after, "boomi_calls_total", **query)
        == value(before, "boomi_calls_total", **query) + 1
    )
    assert value(after, "boomi_call_seconds_count") > value(before, "boomi_call_seconds_count")
    assert value(after, "boomi_limiter_wait_seconds_count") > value(
        before, "boomi_limiter_wait_seconds_count"
    )
    assert value(after, "boomi_retries_total", path="PackagedComponent/query") == 0


async def test_a_429_shows_as_rate_limited_and_retried(demo_service: DemoService) -> None:
    demo_service.emulator.state.faults.add(QUERY_PATH, status=429, count=1)

    response = await demo_service.call(
        ALICE, "listDevPackages", {"devAccountId": team_a(demo_service)}
    )

    assert response.status_code == 200
    samples = await scrape(demo_service)
    path = "PackagedComponent/query"
    assert value(samples, "boomi_rate_limited_total", path=path) == 1
    assert value(samples, "boomi_retries_total", path=path) == 1
    assert value(samples, "boomi_calls_total", method="POST", path=path, status="429") == 1
    assert value(samples, "boomi_calls_total", method="POST", path=path, status="200") == 1


async def test_a_promotion_moves_job_and_promotion_counters(promo_service: DemoService) -> None:
    before = await scrape(promo_service)
    completed_before = value(before, "promotions_by_status", status="COMPLETED")

    response = await promote(promo_service, promo_service.seed.prior_promotion.dev_package_id)

    assert response.status_code == 200, response.text
    after = await scrape(promo_service)
    job = {"action": "executePromotion"}
    assert value(after, "jobs_finished_total", **job, state="SUCCEEDED") == 1
    assert value(after, "jobs_finished_total", **job, state="FAILED") == 0
    assert value(after, "job_seconds_count", **job) == 1
    assert value(after, "job_seconds_sum", **job) > 0
    assert value(after, "promotions_by_status", status="COMPLETED") == completed_before + 1
    assert value(after, "promotions_by_status", status="IN_PROGRESS") == 0
    branch_created = {"method": "POST", "path": "Branch", "status": "200"}
    assert value(after, "boomi_calls_total", **branch_created) == 1
    calls_before = sum(v for (name, _), v in before.items() if name == "boomi_calls_total")
    calls_after = sum(v for (name, _), v in after.items() if name == "boomi_calls_total")
    assert calls_after > calls_before + 5


async def test_a_failed_promotion_is_counted_as_failed(demo_service: DemoService) -> None:
    demo_service.emulator.state.faults.add(r"/Branch$", method="POST", status=400)

    response = await promote(demo_service, demo_service.seed.prior_promotion.dev_package_id)

    assert response.status_code >= 400
    samples = await scrape(demo_service)
    assert value(samples, "jobs_finished_total", action="executePromotion", state="FAILED") == 1
    assert value(samples, "jobs_finished_total", action="executePromotion", state="SUCCEEDED") == 0
