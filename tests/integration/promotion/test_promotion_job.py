"""executePromotion as a job: progress shows the step and component n of m while it runs."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integration.promotion.support import ALICE, team_a
from tests.support.service import DemoService


async def test_progress_counts_components_while_the_promotion_runs(
    promo_service: DemoService,
) -> None:
    # Slow writes give the poller time to see the per-component progress.
    promo_service.emulator.state.faults.add(r"/Component$", method="POST", latency=0.05)
    seen: list[dict[str, Any]] = []
    async with promo_service.api(ALICE) as client:
        accepted = await client.post(
            "/api/v1/actions/executePromotion",
            json={
                "devAccountId": team_a(promo_service),
                "devPackageId": promo_service.seed.full_tree_package_id,
            },
            headers={"Prefer": "respond-async"},
        )
        assert accepted.status_code == 202
        job_url = accepted.headers["Location"]
        for _ in range(400):
            job = (await client.get(job_url)).json()
            if job["progress"] and job["progress"] not in seen:
                seen.append(job["progress"])
            if job["state"] != "RUNNING" and job["state"] != "QUEUED":
                break
            await asyncio.sleep(0.02)

    assert job["state"] == "SUCCEEDED", job
    assert job["response"]["promotionId"]
    promote_steps = [p for p in seen if p["step"] == "promote"]
    assert promote_steps, f"no per-component progress in {seen}"
    assert all(p["total"] == 23 - 4 for p in promote_steps)
    assert len({p["current"] for p in promote_steps}) > 1
