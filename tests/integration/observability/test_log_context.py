"""Log lines carry the ids to find them by.

A promotion job's lines carry its job id, and its promotion id once known. A short action's
lines carry the action, the caller, the request id and the promotion the request names — and
only while that action runs: the next request's lines carry none of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from boomi_promo.actions.runner import execute_action
from boomi_promo.bootstrap import bootstrap
from boomi_promo.identity.local import demo_users
from boomi_promo.identity.principal import Principal
from boomi_promo.service import create_app
from tests.integration.promotion.support import ALICE, BOB, promote
from tests.integration.reviews.support import deployed_to_test, ok
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)

REQUEST_ID_HEADER = "X-Request-ID"
GENERATED_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


@pytest.fixture
def service(
    emulator: EmulatorHandle, tmp_path: Path, service_database_url: str
) -> Iterator[DemoService]:
    """The demo service writing JSON log lines to stderr (which capsys captures)."""
    settings = service_settings(emulator, tmp_path, service_database_url).model_copy(
        update={"log_json": True}
    )
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        yield DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )


async def test_job_log_lines_carry_job_and_promotion_ids(
    service: DemoService, capsys: pytest.CaptureFixture[str]
) -> None:
    response = await promote(service, service.seed.prior_promotion.dev_package_id)
    assert response.status_code == 200, response.text
    promotion_id = response.json()["promotionId"]

    lines = json_lines(capsys.readouterr().err)
    job_lines = [line for line in lines if "job_id" in line]
    assert job_lines, "the job logged nothing"
    assert len({line["job_id"] for line in job_lines}) == 1
    linked = next(i for i, line in enumerate(job_lines) if "promotion_id" in line)
    after_link = job_lines[linked:]
    assert all(line["promotion_id"] == promotion_id for line in after_link)
    writes = [
        line
        for line in after_link
        if line.get("event") == "boomi.call" and line.get("method") == "POST"
    ]
    assert writes, "component writes are logged with both ids"
    assert all(line["action"] == "executePromotion" for line in job_lines)


async def test_a_short_action_logs_its_promotion_and_request_on_every_line(
    service: DemoService, capsys: pytest.CaptureFixture[str]
) -> None:
    tested = await deployed_to_test(service, ALICE)
    production = ok(
        await service.call(ALICE, "submitForPeerReview", {"promotionId": tested.promotion_id})
    )
    promotion_id = production["promotionId"]
    capsys.readouterr()

    async with service.api(BOB) as client:
        rejected = await client.post(
            "/api/v1/actions/submitPeerReview",
            json={"promotionId": promotion_id, "decision": "REJECTED", "comments": "No"},
            headers={REQUEST_ID_HEADER: "review-7f3a"},
        )

    assert ok(rejected)["branchDeleted"] is True
    assert rejected.headers[REQUEST_ID_HEADER] == "review-7f3a"
    lines = json_lines(capsys.readouterr().err)
    assert any(line.get("event") == "boomi.call" for line in lines), "the branch delete is logged"
    assert lines and all(
        (line.get("promotion_id"), line.get("request_id")) == (promotion_id, "review-7f3a")
        for line in lines
    ), lines
    assert {(line["action"], line["user"]) for line in lines} == {("submitPeerReview", BOB)}
    assert {line["process"] for line in lines} == {"E3 · PROMO - Submit Peer Review"}


async def test_the_next_request_carries_neither_the_promotion_nor_the_request_id(
    service: DemoService, capsys: pytest.CaptureFixture[str]
) -> None:
    promotion_id = ok(await promote(service, service.seed.prior_promotion.dev_package_id))[
        "promotionId"
    ]
    capsys.readouterr()

    one = await service.call(ALICE, "queryStatus", {"promotionId": promotion_id})
    one_lines = json_lines(capsys.readouterr().err)
    unrelated = await service.call(ALICE, "queryStatus", {})
    unrelated_lines = json_lines(capsys.readouterr().err)

    assert [p["promotionId"] for p in ok(one)["promotions"]] == [promotion_id]
    assert one_lines and all(line.get("promotion_id") == promotion_id for line in one_lines)
    assert {line["request_id"] for line in one_lines} == {one.headers[REQUEST_ID_HEADER]}
    assert ok(unrelated)["promotions"]
    assert unrelated_lines and not any("promotion_id" in line for line in unrelated_lines)
    assert {line["request_id"] for line in unrelated_lines} == {
        unrelated.headers[REQUEST_ID_HEADER]
    }
    assert unrelated.headers[REQUEST_ID_HEADER] != one.headers[REQUEST_ID_HEADER]


async def test_an_action_outside_a_request_gets_its_own_request_id_and_leaves_nothing_bound(
    service: DemoService, capsys: pytest.CaptureFixture[str]
) -> None:
    promotion_id = ok(await promote(service, service.seed.prior_promotion.dev_package_id))[
        "promotionId"
    ]
    alice = next(u for u in demo_users(service.settings.groups) if u.email == ALICE)
    principal = Principal.from_groups(
        email=alice.email, name=alice.name, groups=alice.groups, settings=service.settings.groups
    )
    # As the command line runs it: in this very task, with no HTTP request around it.
    container = await bootstrap(service.settings)
    try:
        capsys.readouterr()
        await execute_action(container, "queryStatus", {"promotionId": promotion_id}, principal)
        lines = json_lines(capsys.readouterr().err)
    finally:
        await container.aclose()

    assert lines and all(line.get("promotion_id") == promotion_id for line in lines)
    [request_id] = {line["request_id"] for line in lines}
    assert GENERATED_REQUEST_ID.fullmatch(request_id)
    assert structlog.contextvars.get_contextvars() == {}
