"""Every log line a promotion job writes carries its job id, and its promotion id once known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from boomi_promo.api.app import create_app
from tests.integration.promotion.support import promote
from tests.support.servers import EmulatorHandle, start_server
from tests.support.service import (
    DemoService,
    prepare_database,
    run_in_fresh_loop,
    service_settings,
)


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def test_job_log_lines_carry_job_and_promotion_ids(
    emulator: EmulatorHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = service_settings(emulator, tmp_path).model_copy(update={"log_json": True})
    run_in_fresh_loop(prepare_database(settings, emulator.seed))
    with start_server(create_app(settings)) as running:
        service = DemoService(
            base_url=running.base_url, emulator=emulator, data_dir=tmp_path, settings=settings
        )
        response = await promote(service, emulator.seed.prior_promotion.dev_package_id)
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
